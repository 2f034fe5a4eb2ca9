//! A deliberately wrong rule in a test build is caught: with partial freezes ignored by the
//! free-balance rule ([`crate::ledger::rules::BREAK_PARTIAL_FREEZE`], a test hook of
//! `touchstone-ledger`), the `compliance` program's conformance matrix on the simulated network
//! reports exactly the cases that rule decides.

use crate::ledger::rules::BREAK_PARTIAL_FREEZE;
use touchstone_core::program::{CaseResult, Expected};
use touchstone_core::{engine, scenario, trace::MemoryTrace, Reason, Seed};

/// The conformance matrix of `scenarios/compliance-controls.toml` (shortened to `cases`).
fn matrix(cases: i64, broken: bool) -> Vec<CaseResult> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/compliance-controls.toml");
    let (mut s, _) = scenario::load(&path).expect("scenario parses");
    s.workload.params.insert("cases".into(), toml::Value::Integer(cases));
    let mut adapter = crate::SimAdapter::new(&s).expect("adapter");
    let mut trace = MemoryTrace::default();
    BREAK_PARTIAL_FREEZE.set(broken);
    let r = engine::run(&s, &mut adapter, Seed(1), &mut trace, Default::default());
    BREAK_PARTIAL_FREEZE.set(false);
    r.expect("run").metrics.conformance
}

#[test]
fn a_broken_partial_freeze_rule_fails_exactly_its_cases() {
    let honest = matrix(1000, false);
    assert!(honest.iter().all(|c| c.passed), "the honest ledger passes every case");
    let broken = matrix(1000, true);
    // (The program's own row saying it ran out of accounts to test once it set the diverging
    // ones aside is not a case.)
    let failed: Vec<&CaseResult> =
        broken.iter().filter(|c| !c.passed && c.tx != "compliance").collect();
    let insufficient = Expected::Reject { reasons: vec![Reason::InsufficientBalance] };
    // The cases aimed at the rule: above a partially frozen account's free balance, with no
    // earlier rule (pause, freeze, identity...) rejecting them first.
    let aimed: Vec<&CaseResult> = broken
        .iter()
        .filter(|c| c.label.contains("above the free balance of a partially frozen"))
        .filter(|c| c.expected == insufficient)
        .collect();
    // (Some ask for more than the whole balance: rejected either way.)
    assert!(aimed.iter().any(|c| !c.passed), "the broken rule must be caught");
    // Nothing else fails: every failure is a transfer the free-balance rule alone should have
    // refused (the model says INSUFFICIENT_BALANCE) and the broken chain committed.
    for c in &failed {
        assert_eq!((&c.expected, c.observed.as_str()), (&insufficient, "committed"), "{c:?}");
    }
}
