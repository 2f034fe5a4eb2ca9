//! Children broken on purpose: the conformance kit fails each on the clause it breaks, and a
//! child that breaks the protocol fails the clause that was running, saying how.

use crate::support::{broken, factory};
use touchstone_conformance::{run_conformance, ConformanceOptions, ConformanceReport, Verdict};

fn judge(flaw: &str) -> ConformanceReport {
    let report = run_conformance(&factory(broken(flaw)), &ConformanceOptions::default());
    println!("{report}");
    report
}

fn evidence<'r>(report: &'r ConformanceReport, id: &str) -> &'r str {
    match report.verdict(id) {
        Some(Verdict::Fail { evidence }) => evidence,
        other => panic!("{id} did not fail: {other:?}\n{report}"),
    }
}

#[test]
fn a_child_that_reports_a_commit_twice_fails_exactly_once() {
    let report = judge("double");
    assert!(evidence(&report, "outcomes.exactly_once").contains("final outcomes"), "{report}");
    assert_eq!(report.verdict("clock.monotonic"), Some(&Verdict::Pass));
}

#[test]
fn a_child_that_loses_commits_fails_exactly_once() {
    let report = judge("lose");
    assert!(evidence(&report, "outcomes.exactly_once").contains("no final outcome"), "{report}");
}

#[test]
fn a_child_whose_clock_goes_back_fails_monotonic() {
    let report = judge("clock-back");
    assert!(evidence(&report, "clock.monotonic").contains("after an earlier reading"), "{report}");
    assert_eq!(report.failed(), ["clock.monotonic"], "{report}");
}

/// Every clause that failed, with its evidence; at least one must have.
fn failures(report: &ConformanceReport) -> Vec<(&str, &str)> {
    let failed: Vec<(&str, &str)> =
        report.failed().into_iter().map(|id| (id, evidence(report, id))).collect();
    assert!(!failed.is_empty(), "no clause failed:\n{report}");
    failed
}

#[test]
fn a_child_that_writes_garbage_fails_the_clauses_that_were_running_naming_the_line() {
    let report = judge("garbage");
    for (id, e) in failures(&report) {
        let named = e.contains("of the child's stdout is not a JSON object")
            && e.contains("this is not json")
            && e.contains("advance (request");
        assert!(named, "{id}: {e}");
    }
}

#[test]
fn a_child_that_hangs_fails_the_clauses_that_were_running_after_its_timeout() {
    let report = judge("hang");
    for (id, e) in failures(&report) {
        assert!(
            e.contains("no reply to advance") && e.contains("the child was killed"),
            "{id}: {e}"
        );
    }
}
