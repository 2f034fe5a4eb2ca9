//! The conformance kit against the shipped template: every clause that applies passes.

use crate::support::{factory, template};
use touchstone_conformance::{run_conformance, ConformanceOptions, Verdict};

#[test]
fn the_python_template_passes_every_conformance_clause_that_applies() {
    let report = run_conformance(&factory(template(true)), &ConformanceOptions::default());
    assert!(report.passed(), "{report}");
    for id in [
        "operations.declared_are_accepted",
        "outcomes.exactly_once",
        "snapshot.matches_outcomes",
        "clock.monotonic",
        "clock.advance_by_deadline",
        "timeout.unknown",
        "faults.pause",
        "faults.crash",
        "faults.undeclared_refused",
    ] {
        assert_eq!(report.verdict(id), Some(&Verdict::Pass), "{id}: {report}");
    }
}
