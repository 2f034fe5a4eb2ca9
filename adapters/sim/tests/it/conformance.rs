//! The adapter conformance kit against the simulated network, on each of its protocols.

use crate::common::payment;
use touchstone_conformance::{run_conformance, ConformanceOptions, Verdict};
use touchstone_core::adapter::{Adapter, AdapterError};
use touchstone_sim::SimAdapter;

fn conforms(protocol: &str) {
    let scenario = payment(protocol, 4, 1.0, 1).build();
    let factory =
        || -> Result<Box<dyn Adapter>, AdapterError> { Ok(Box::new(SimAdapter::new(&scenario)?)) };
    let report = run_conformance(&factory, &ConformanceOptions::default());
    assert!(report.passed(), "{report}");
    // The simulator declares every fault: every clause applies but the refusal of undeclared
    // ones.
    for c in report.clauses.iter().filter(|c| c.id != "faults.undeclared_refused") {
        assert_eq!(c.verdict, Verdict::Pass, "{report}");
    }
}

#[test]
fn the_simulator_on_pbft_passes_every_conformance_clause() {
    conforms("pbft");
}

#[test]
fn the_simulator_on_raft_passes_every_conformance_clause() {
    conforms("raft");
}

#[test]
fn the_simulator_on_tendermint_passes_every_conformance_clause() {
    conforms("tendermint");
}

#[test]
fn the_simulator_on_hotstuff_passes_every_conformance_clause() {
    conforms("hotstuff");
}
