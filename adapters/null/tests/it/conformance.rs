//! The adapter conformance kit against the null adapter: no chain, no state, no faults.

use touchstone_conformance::{run_conformance, ConformanceOptions, Verdict};
use touchstone_core::adapter::{Adapter, AdapterError};
use touchstone_null::{NullAdapter, NullConfig};

fn null() -> Result<Box<dyn Adapter>, AdapterError> {
    Ok(Box::new(NullAdapter::new(NullConfig::default())))
}

#[test]
fn the_null_adapter_passes_every_conformance_clause_that_applies() {
    let report = run_conformance(&null, &ConformanceOptions::default());
    assert!(report.passed(), "{report}");
    for id in ["outcomes.exactly_once", "clock.monotonic", "clock.advance_by_deadline"] {
        assert_eq!(report.verdict(id), Some(&Verdict::Pass), "{report}");
    }
    // It reads no state, injects no fault and offers no pre-check: those clauses do not apply.
    for id in [
        "snapshot.matches_outcomes",
        "faults.pause",
        "timeout.unknown",
        "precheck.agrees_with_admission",
    ] {
        assert!(matches!(report.verdict(id), Some(Verdict::NotApplicable { .. })), "{report}");
    }
}
