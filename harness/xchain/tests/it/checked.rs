//! The multi-chain traces of the shipped scenarios through the checker: clean when the bridge
//! is honest (or lies and is refused), and an unbacked mint caught when a destination's bridge
//! rule is deliberately broken (any one source validator taken for a quorum).

use super::support::run;
use touchstone_check::{check_reader, CheckOptions, CheckReport, Verdict};
use touchstone_xchain::XOptions;

fn shipped(name: &str) -> touchstone_xchain::XScenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../scenarios/xchain/{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    touchstone_xchain::parse(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn checked(name: &str, opts: XOptions) -> CheckReport {
    let (_, lines, _) = run(&shipped(name), 1, opts);
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    check_reader(text.as_bytes(), name, &CheckOptions::default()).unwrap()
}

fn verdict(r: &CheckReport, id: &str) -> Verdict {
    r.properties.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("{id}")).verdict
}

#[test]
fn a_forging_relay_refused_by_an_honest_bridge_checks_clean() {
    let r = checked("xchain-relay-forge", XOptions::default());
    assert!(r.passed(), "{}", r.render_text());
    assert_eq!(verdict(&r, "xchain_conservation"), Verdict::Pass);
    assert_eq!(verdict(&r, "xchain_no_double_mint"), Verdict::Pass);
}

#[test]
fn a_broken_bridge_rule_lets_a_forged_mint_commit_and_the_checker_names_it() {
    let r = checked("xchain-relay-forge", XOptions { broken_quorum: true });
    assert_eq!(verdict(&r, "xchain_conservation"), Verdict::Fail, "{}", r.render_text());
    let on_wrapped: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.property == "xchain_conservation" && f.chain.as_deref() == Some("wrapped"))
        .collect();
    assert!(!on_wrapped.is_empty(), "the forged mints commit on wrapped: {:?}", r.findings);
    let f = on_wrapped[0];
    assert!(f.height.is_some() && f.message.contains("xfer"), "{f:?}");
}

#[test]
fn a_dvp_run_with_failing_legs_refunds_both_sides_and_checks_clean() {
    let r = checked("xchain-dvp", XOptions::default());
    assert!(r.passed(), "{}", r.render_text());
    assert_eq!(verdict(&r, "xchain_atomicity"), Verdict::Pass);
    let x = r.xchain.as_ref().unwrap();
    let refunded = x.dvp.iter().filter(|d| d.state == "refunded").count();
    let settled = x.dvp.iter().filter(|d| d.state == "settled").count();
    assert_eq!(
        (settled, refunded),
        (80, 20),
        "{:?}",
        x.dvp.iter().map(|d| &d.state).collect::<Vec<_>>()
    );
    let timed = x.dvp.iter().filter(|d| d.latency_ns.is_some()).count();
    assert_eq!(timed, 80, "every settled pair has its settlement time, no other");
}
