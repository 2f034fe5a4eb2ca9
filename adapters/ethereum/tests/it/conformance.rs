//! The adapter conformance kit against a real node: a managed anvil per clause (automine).

use crate::support::managed;
use touchstone_conformance::{run_conformance, ConformanceOptions, Verdict};
use touchstone_core::adapter::{Adapter, AdapterError};
use touchstone_ethereum::EthereumAdapter;

#[test]
fn slow_anvil_conformance_every_clause_passes_or_does_not_apply() {
    let factory = || -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(EthereumAdapter::connect(managed(None, ""), 1000, false)?))
    };
    let opts = ConformanceOptions { asset: "ETH".into(), ..ConformanceOptions::default() };
    let report = run_conformance(&factory, &opts);
    println!("{report}");
    assert!(report.passed(), "{report}");
    // One node, which can be paused and crashed: those clauses apply and pass.
    for id in [
        "outcomes.exactly_once",
        "snapshot.matches_outcomes",
        "timeout.unknown",
        "faults.pause",
        "faults.crash",
        "faults.undeclared_refused",
    ] {
        assert_eq!(report.verdict(id), Some(&Verdict::Pass), "{report}");
    }
}
