//! The files the pages are made of, compiled into the binary: the page
//! shell, our small JS (`dashboard.js`, and `views.js` for the analysis
//! views) and CSS, and the vendored uPlot (MIT, see
//! `assets/vendor/uplot/LICENSE`). Nothing is fetched from the network.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// The page shell every page shares; the script draws the page its URL
/// names.
pub const SHELL: &str = include_str!("../../assets/dashboard.html");
/// Our script.
pub const APP_JS: &str = include_str!("../../assets/dashboard.js");
/// The study page's analysis views (see its header); loaded before
/// `dashboard.js`, which calls it.
pub const VIEWS_JS: &str = include_str!("../../assets/views.js");
/// Our styles.
pub const APP_CSS: &str = include_str!("../../assets/dashboard.css");
/// uPlot, as published (the IIFE build: defines `uPlot`).
pub const UPLOT_JS: &str = include_str!("../../assets/vendor/uplot/uPlot.iife.min.js");
/// uPlot's styles.
pub const UPLOT_CSS: &str = include_str!("../../assets/vendor/uplot/uPlot.min.css");

/// Where the shell takes what goes in `<head>`.
const HEAD_MARK: &str = "<!--HEAD-->";
/// Where the shell takes what runs the page.
const BOOT_MARK: &str = "<!--BOOT-->";

/// The shell for the live server: styles and scripts by URL.
pub fn page() -> Html<String> {
    let head = "<link rel=\"stylesheet\" href=\"/assets/uPlot.min.css\">\n\
                <link rel=\"stylesheet\" href=\"/assets/dashboard.css\">";
    let boot = "<script src=\"/assets/uPlot.iife.min.js\"></script>\n\
                <script src=\"/assets/views.js\"></script>\n\
                <script src=\"/assets/dashboard.js\"></script>";
    Html(SHELL.replace(HEAD_MARK, head).replace(BOOT_MARK, boot))
}

/// The shell with everything inline, and `data` (the documents the
/// script would have fetched) ahead of the script: one file that opens
/// anywhere.
pub fn self_contained(data: &serde_json::Value) -> String {
    let head = format!("<style>{UPLOT_CSS}</style>\n<style>{APP_CSS}</style>");
    let boot = format!(
        "<script>window.HS_REPORT = {};</script>\n<script>{}</script>\n<script>{}</script>\n<script>{}</script>",
        inline_json(data),
        script_safe(UPLOT_JS),
        script_safe(VIEWS_JS),
        script_safe(APP_JS)
    );
    SHELL.replace(HEAD_MARK, &head).replace(BOOT_MARK, &boot)
}

/// JSON that can sit inside a `<script>` element: a `</script>` or `<!--`
/// in a study's text (a parameter value, a message) cannot end it early.
fn inline_json(data: &serde_json::Value) -> String {
    data.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A script that can sit inside a `<script>` element.
fn script_safe(js: &str) -> String {
    js.replace("</script", "<\\/script")
}

/// `/assets/NAME`.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "dashboard.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "views.js" => (VIEWS_JS, "text/javascript; charset=utf-8"),
        "dashboard.css" => (APP_CSS, "text/css; charset=utf-8"),
        "uPlot.iife.min.js" => (UPLOT_JS, "text/javascript; charset=utf-8"),
        "uPlot.min.css" => (UPLOT_CSS, "text/css; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_data_cannot_close_the_script() {
        let data = serde_json::json!({"message": "</script><script>alert(1)</script>"});
        let html = self_contained(&data);
        let start = html.find("window.HS_REPORT").unwrap();
        let end = html[start..].find("</script>").unwrap();
        assert!(!html[start..start + end].contains("alert(1)</"));
        assert!(html[start..start + end].contains("alert(1)"));
    }

    #[test]
    fn the_shell_has_both_marks() {
        assert!(SHELL.contains(HEAD_MARK) && SHELL.contains(BOOT_MARK));
        assert!(!page().0.contains(HEAD_MARK));
    }
}
