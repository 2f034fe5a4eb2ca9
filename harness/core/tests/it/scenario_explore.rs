//! `[explore]`: the bounds of `touchstone explore` parse, are checked against the network and
//! the run, and survive a round trip through TOML.

use touchstone_core::scenario::{parse, to_toml, Diagnostic};
use touchstone_core::time::{NS_PER_MS, NS_PER_S};

const BASE: &str = r#"name = "ok"
kind = "mixed"
[network]
validators = 4
[workload]
[[workload.phases]]
duration = "10s"
rate = { type = "constant", tps = 10 }
"#;

fn diags(text: &str) -> Vec<Diagnostic> {
    parse(text, "s.toml").expect_err("should be rejected").diagnostics().to_vec()
}

#[test]
fn an_explore_section_parses_into_bounds_and_back() {
    let text = format!(
        "{BASE}[explore]\nnodes = [\"n0\", \"n3\"]\nactions = [\"crash\", \"partition\"]\nmax_faults = 3\nfrom = \"1s\"\nuntil = \"8s\"\nmin_duration = \"200ms\"\nmax_duration = \"3s\"\nmax_faulty = 1\nmax_byzantine = 0\nbehaviours = [\"silent\"]\nmax_delay = \"2s\"\n"
    );
    let s = parse(&text, "s.toml").unwrap();
    let e = s.explore.clone().expect("[explore] kept");
    assert_eq!(e.nodes.as_deref(), Some(&["n0".to_string(), "n3".to_string()][..]));
    assert_eq!((e.max_faults, e.max_faulty, e.max_byzantine), (Some(3), Some(1), Some(0)));
    assert_eq!((e.from, e.until), (Some(NS_PER_S), Some(8 * NS_PER_S)));
    assert_eq!(e.min_duration, Some(200 * NS_PER_MS));
    assert_eq!(parse(&to_toml(&s), "back.toml").unwrap(), s);
}

#[test]
fn a_script_without_explore_has_none_and_every_field_is_optional() {
    assert_eq!(parse(BASE, "s.toml").unwrap().explore, None);
    let s = parse(&format!("{BASE}[explore]\n"), "s.toml").unwrap();
    assert_eq!(s.explore, Some(Default::default()));
}

#[test]
fn explore_bounds_are_checked_with_located_diagnostics() {
    let cases = [
        ("nodes = [\"n9\"]", "explore.nodes[0]"),
        ("actions = [\"crsh\"]", "explore.actions[0]"),
        ("actions = [\"heal\"]", "explore.actions[0]"),
        ("behaviours = [\"lying\"]", "explore.behaviours[0]"),
        ("max_faults = 0", "explore.max_faults"),
        ("max_faulty = 5", "explore.max_faulty"),
        ("from = \"5s\"\nuntil = \"2s\"", "explore.until"),
        ("from = \"12s\"", "explore.from"),
        ("until = \"30s\"", "explore.until"),
        ("min_duration = \"2s\"\nmax_duration = \"1s\"", "explore.max_duration"),
        ("max_delay = \"0s\"", "explore.max_delay"),
        ("max_fault = 2", "explore.max_fault"),
    ];
    for (body, field) in cases {
        let d = diags(&format!("{BASE}[explore]\n{body}\n"));
        assert!(d.iter().any(|x| x.field == field), "{body}: expected {field}, got {d:#?}");
    }
    let d = diags(&format!("{BASE}[explore]\nactions = [\"crsh\"]\n"));
    assert_eq!(d[0].suggestion.as_deref(), Some("crash"));
}
