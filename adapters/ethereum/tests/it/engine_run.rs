//! A short scenario end to end through the engine, against a managed anvil.

use crate::support::*;
use touchstone_core::adapter::AdapterFactory;
use touchstone_core::engine::{run, EndReason, RunOptions};
use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_S;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::Seed;

#[test]
fn slow_anvil_scenario_runs_end_to_end_through_the_engine() {
    require_anvil();
    let s = ScenarioBuilder::new("eth-e2e", ScenarioKind::Payment)
        .accounts(20)
        .with(|s| {
            s.workload.assets[0].id = "ETH".into();
            s.workload.timeout = 10 * NS_PER_S;
            s.workload.drain = 10 * NS_PER_S;
        })
        .phase("load", 3 * NS_PER_S, RateSpec::Constant { tps: 40.0 })
        .build();
    let mut adapter =
        touchstone_ethereum::EthereumFactory.build(&s, None).expect("managed anvil starts");
    let mut trace = MemoryTrace::default();
    let r = run(&s, adapter.as_mut(), Seed(3), &mut trace, RunOptions::default()).expect("run");
    assert_eq!(r.end, EndReason::Completed, "{:?}", r.end);
    let m = &r.metrics.measured;
    assert!(m.submitted >= 100, "{m:?}");
    assert_eq!(m.committed, m.submitted, "every transfer commits on an idle anvil: {m:?}");
    assert!(!r.capabilities.consensus_events);
    let lines = trace.values();
    let committed = lines
        .iter()
        .filter(|l| {
            l["kind"] == "tx.result" && l["status"] == "committed" && l["height"].as_u64() > Some(0)
        })
        .count();
    assert_eq!(committed as u64, m.committed);
    let snap = lines.iter().find(|l| l["kind"] == "state.snapshot").expect("a state.snapshot line");
    assert!(snap["app_hash"].as_str().is_some_and(|h| h.starts_with("0x")));
    let total: u128 = snap["balances"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["ETH"].as_u64().unwrap() as u128)
        .sum();
    assert_eq!(
        total,
        20 * s.workload.assets[0].initial_balance,
        "balances net of fees sum to what genesis issued"
    );
}
