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
    assert_eq!(
        svg.matches("<circle").count(),
        7 + 1,
        "one dot per trial and the legend's"
    );
    assert!(svg.contains("<polyline"), "the best-so-far line");

    stdout_of(&mut lab.hs(&["plot", "-s", "p", "--param", "lr", "-o", "lr.svg"]));
    let svg = std::fs::read_to_string(lab.path().join("lr.svg")).unwrap();
    assert_eq!(svg.matches("<circle").count(), 7 + 1);
    assert!(svg.contains("value against lr"));

    one_line_error(
        &mut lab.hs(&["plot", "-s", "p", "--param", "momentum"]),
        "no parameter 'momentum'; its parameters: lr, n",
    );
}

/// What a user hit: a legend names pruned trials, trial numbers and log
/// ticks are short labels ("3", "1e-5", never "3.0" or
/// "9.999999999999999e-6"), and a categorical parameter is drawn as one
/// column per choice instead of being refused.
#[test]
fn legend_short_tick_labels_and_categorical_strip_plot() {
    let lab = Lab::new();
    lab.study("c", "lr=log(1e-6,1e-4) opt=choice(adam,sgd,rmsprop)");
    for trial in 1..=9 {
        stdout_of(&mut lab.hs(&["suggest", "-s", "c"]));
        let value = format!("{}", 0.1 * trial as f64);
        let id = trial.to_string();
        if trial % 3 == 0 {
            // A pruned trial's value is its last intermediate value.
            lab.hs(&["report", "-t", &id, "--step", "1", "-v", &value])
                .assert()
                .success();
            lab.hs(&["tell", "-t", &id, "--state", "pruned"])
                .assert()
                .success();
        } else {
            lab.hs(&["tell", "-t", &id, "-v", &value])
                .assert()
                .success();
        }
    }
    let labels = |file: &str| -> Vec<String> {
        let svg = std::fs::read_to_string(lab.path().join(file)).unwrap();
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split_once('<')?.0.trim().to_string()))
            .collect()
    };

    stdout_of(&mut lab.hs(&["plot", "-s", "c", "-o", "history.svg"]));
    let history = labels("history.svg");
    for entry in ["complete", "pruned", "best so far"] {
        assert!(
            history.iter().any(|l| l == entry),
            "legend {entry}: {history:?}"
        );
    }
    let numbers: Vec<&String> = history
        .iter()
        .filter(|l| l.parse::<f64>().is_ok())
        .collect();
    assert!(
        numbers.iter().any(|l| *l == "4"),
        "trial ticks: {numbers:?}"
    );
    assert!(
        numbers.iter().all(|l| !l.ends_with(".0") && l.len() <= 6),
        "short labels: {numbers:?}"
    );

    stdout_of(&mut lab.hs(&["plot", "-s", "c", "--param", "lr", "-o", "lr.svg"]));
    let lr = labels("lr.svg");
    let ticks: Vec<&String> = lr.iter().filter(|l| l.parse::<f64>().is_ok()).collect();
    assert!(ticks.iter().any(|l| l.contains("e-")), "log ticks: {lr:?}");
    assert!(ticks.iter().all(|l| l.len() <= 6), "log ticks: {ticks:?}");
    assert!(
        !lr.iter().any(|l| l == "best so far"),
        "no best line: {lr:?}"
    );

    stdout_of(&mut lab.hs(&["plot", "-s", "c", "--param", "opt", "-o", "opt.svg"]));
    let svg = std::fs::read_to_string(lab.path().join("opt.svg")).unwrap();
    // One dot per trial, plus the legend's markers.
    assert_eq!(svg.matches("<circle").count(), 9 + 2);
    let opt = labels("opt.svg");
    for choice in ["adam", "sgd", "rmsprop"] {
        assert!(opt.iter().any(|l| l == choice), "column {choice}: {opt:?}");
    }
}
