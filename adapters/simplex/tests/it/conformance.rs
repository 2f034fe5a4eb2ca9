//! The shared adapter conformance kit against four real validators (a fresh cluster per
//! clause; about a minute).

use crate::support::{payments, require_node};
use touchstone_conformance::{run_conformance, ConformanceOptions, Verdict};
use touchstone_core::adapter::{Adapter, AdapterError};
use touchstone_simplex::{Config, SimplexAdapter};

#[test]
fn slow_simplex_conformance_every_clause_passes_or_does_not_apply() {
    require_node();
    let scenario = payments(4, 1.0, 1).build();
    let factory = || -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(SimplexAdapter::new(&scenario, Config::default())?))
    };
    let report = run_conformance(&factory, &ConformanceOptions::default());
    println!("{report}");
    assert!(report.passed(), "{report}");
    for id in [
        "operations.declared_are_accepted",
        "outcomes.exactly_once",
        "snapshot.matches_outcomes",
        "clock.monotonic",
        "timeout.unknown",
        "faults.pause",
        "faults.crash",
        "faults.undeclared_refused",
    ] {
        assert_eq!(report.verdict(id), Some(&Verdict::Pass), "{id}\n{report}");
    }
}
