//! The kit judges the kit's own toy chain, honest and broken.

use crate::broken::{Broken, Flaw};
use crate::toy_chain::ToyChain;
use touchstone_conformance::{
    run_conformance, ConformanceOptions, ConformanceReport, Factory, Verdict,
};

fn judge(factory: Factory<'_>) -> ConformanceReport {
    run_conformance(factory, &ConformanceOptions::default())
}

#[test]
fn an_honest_chain_passes_every_clause_that_applies() {
    let report = judge(&ToyChain::boxed);
    assert!(report.passed(), "{report}");
    assert_eq!(report.verdict("outcomes.exactly_once"), Some(&Verdict::Pass), "{report}");
    assert_eq!(report.verdict("faults.pause"), Some(&Verdict::Pass), "{report}");
    assert_eq!(report.verdict("timeout.unknown"), Some(&Verdict::Pass), "{report}");
    assert_eq!(report.verdict("precheck.agrees_with_admission"), Some(&Verdict::Pass), "{report}");
    assert!(
        matches!(report.verdict("faults.link"), Some(Verdict::NotApplicable { .. })),
        "{report}"
    );
}

/// The clauses a chain with `flaw` fails: the one the flaw breaks, and those that follow from it.
fn failed_with(flaw: Flaw) -> Vec<String> {
    let report = judge(&Broken::factory(flaw));
    println!("{report}");
    report.failed().into_iter().map(String::from).collect()
}

#[test]
fn a_chain_that_reports_a_commit_twice_fails_exactly_once() {
    // The engine run of `timeout.unknown` counts the second reports as duplicates too.
    assert_eq!(failed_with(Flaw::DoublesCommits), ["outcomes.exactly_once", "timeout.unknown"]);
}

#[test]
fn a_chain_that_loses_commits_fails_exactly_once() {
    // A lost commit is also missing from the expected balances and from the fault clauses'
    // probes.
    assert_eq!(
        failed_with(Flaw::LosesCommits),
        ["outcomes.exactly_once", "snapshot.matches_outcomes", "faults.pause", "faults.crash"]
    );
}

#[test]
fn a_clock_that_goes_back_fails_monotonic() {
    assert_eq!(failed_with(Flaw::ClockGoesBack), ["clock.monotonic"]);
}

#[test]
fn an_advance_past_its_deadline_fails_the_deadline_clause() {
    assert_eq!(failed_with(Flaw::OvershootsDeadline), ["clock.advance_by_deadline"]);
}

#[test]
fn a_snapshot_that_invents_money_fails_the_snapshot_clause() {
    assert_eq!(failed_with(Flaw::SnapshotInventsMoney), ["snapshot.matches_outcomes"]);
}

#[test]
fn a_pause_that_changes_nothing_fails_the_pause_clause() {
    // Nothing is held, so nothing outlives the engine's timeout either.
    assert_eq!(failed_with(Flaw::PauseDoesNothing), ["timeout.unknown", "faults.pause"]);
}

#[test]
fn an_undeclared_fault_answered_with_the_wrong_error_fails_the_refusal_clause() {
    assert_eq!(failed_with(Flaw::RefusesWithTheWrongError), ["faults.undeclared_refused"]);
}

#[test]
fn a_precheck_blind_to_nonces_fails_the_precheck_clause() {
    assert_eq!(failed_with(Flaw::PrecheckIgnoresNonce), ["precheck.agrees_with_admission"]);
}
