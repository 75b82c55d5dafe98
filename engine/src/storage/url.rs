//! Storage URLs: what every back-end shares about the text that names a
//! storage: which file a SQLite URL names, and keeping passwords out of
//! messages.

use std::path::PathBuf;

/// The file a storage URL names when it is a SQLite file (`runs.db`,
/// `sqlite://runs.db`); `None` for memory and server URLs.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let url = url.trim();
    if url.is_empty() || url == ":memory:" || url.contains("://") && !url.starts_with("sqlite://") {
        return None;
    }
    Some(PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url)))
}

/// The URL with any password replaced by `***`, for messages: the part
/// before the last `@` (libpq reads a password up to it, `/` included) and
/// a `password=` query parameter.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (main, query) = match rest.split_once('?') {
        Some((main, query)) => (main, Some(query)),
        None => (rest, None),
    };
    let main = match main.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}:***@{host}")
        }
        _ => main.to_string(),
    };
    let query = query.map(|q| {
        let pairs: Vec<&str> = q
            .split('&')
            .map(|pair| {
                if pair.to_ascii_lowercase().starts_with("password=") {
                    "password=***"
                } else {
                    pair
                }
            })
            .collect();
        format!("?{}", pairs.join("&"))
    });
    format!("{scheme}://{main}{}", query.unwrap_or_default())
}
