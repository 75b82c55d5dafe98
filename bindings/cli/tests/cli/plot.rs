//! `hyperspace plot`: an SVG with one dot per finished trial (and a line
//! for the best so far), or the values against a parameter; clear errors
//! for an unknown parameter and a study with nothing to draw.

use crate::setup::{one_line_error, stdout_of, Lab};

#[test]
fn plots_the_history_and_a_parameter_as_svg() {
    let lab = Lab::new();
    lab.study("p", "lr=log(1e-4,1) n=int(1,8)");
    one_line_error(
        &mut lab.hs(&["plot", "-s", "p", "-o", "empty.svg"]),
        "no finished trial",
    );
    let quick = lab.script("quick.sh", r#"echo "loss=$1""#);
    stdout_of(&mut lab.hs(&["run", "-s", "p", "-n", "7", "--", &quick, "{lr}"]));

    let out = stdout_of(&mut lab.hs(&["plot", "-s", "p", "-o", "history.svg"]));
    assert!(out.contains("history.svg"), "{out}");
    let svg = std::fs::read_to_string(lab.path().join("history.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert_eq!(svg.matches("<circle").count(), 7, "one dot per trial");
    assert!(svg.contains("<polyline"), "the best-so-far line");

    stdout_of(&mut lab.hs(&["plot", "-s", "p", "--param", "lr", "-o", "lr.svg"]));
    let svg = std::fs::read_to_string(lab.path().join("lr.svg")).unwrap();
    assert_eq!(svg.matches("<circle").count(), 7);
    assert!(svg.contains("value against lr"));

    one_line_error(
        &mut lab.hs(&["plot", "-s", "p", "--param", "momentum"]),
        "no parameter 'momentum'; its parameters: lr, n",
    );
}
