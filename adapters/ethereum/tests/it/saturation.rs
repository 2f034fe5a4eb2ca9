//! The adapter reports what the chain includes, below and past the chain's capacity: its
//! committed count equals an independent count on chain (issue 19). The chain here is an anvil
//! whose blocks hold 100 transfers (`--gas-limit 2100000`, 1-s blocks): 100/s at most.

use crate::support::require_anvil;
use std::time::Duration;
use touchstone_core::engine::{run, EndReason, RunOptions};
use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_S;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::Seed;
use touchstone_ethereum::anvil::AnvilProcess;
use touchstone_ethereum::config::{ManagedNode, ANVIL_DEV_KEY};
use touchstone_ethereum::rpc::{quantity, RpcClient};
use touchstone_ethereum::{expected_txs, Config, EthereumAdapter};

const ACCOUNTS: u32 = 40;

/// An anvil with room for 100 transfers a second, outliving the adapter (external endpoint).
fn small_blocks() -> AnvilProcess {
    let node = ManagedNode {
        anvil: None,
        block_time: Some(Duration::from_secs(1)),
        block_gas_limit: Some(2_100_000),
        persist_state: false,
        extra_args: Vec::new(),
    };
    AnvilProcess::start(&node, None, Duration::from_secs(20)).expect("anvil starts")
}

/// Runs `tps` for 3 s; returns (submitted, committed as reported, counted on chain, unknown).
fn offer(tps: f64) -> (u64, u64, u64, u64) {
    require_anvil();
    let anvil = small_blocks();
    let cfg = Config::parse(
        &format!("endpoint = {:?}\nfunding_key = {ANVIL_DEV_KEY:?}\n", anvil.url()),
        "saturation.toml",
    )
    .unwrap();
    let s = ScenarioBuilder::new("eth-saturation", ScenarioKind::Payment)
        .accounts(ACCOUNTS)
        .with(|s| {
            s.workload.assets[0].id = "ETH".into();
            s.workload.timeout = 20 * NS_PER_S;
            s.workload.drain = 20 * NS_PER_S;
        })
        .phase("load", 3 * NS_PER_S, RateSpec::Constant { tps })
        .build();
    let mut adapter = EthereumAdapter::connect(cfg, expected_txs(&s.workload), false)
        .expect("adapter connects")
        .with_workload(&s.workload, 1);
    let mut trace = MemoryTrace::default();
    let r = run(&s, &mut adapter, Seed(9), &mut trace, RunOptions::default()).expect("run");
    assert_eq!(r.end, EndReason::Completed, "{:?}", r.end);
    // Independently of the adapter: the accounts' mined nonces (fresh accounts start at 0).
    let rpc = RpcClient::new(&anvil.url(), Duration::from_secs(1), Duration::from_secs(10));
    let on_chain: u64 = (0..ACCOUNTS)
        .map(|i| {
            let a = adapter.address_of(&format!("a{i}")).expect("prepared account");
            let n =
                rpc.call("eth_getTransactionCount", serde_json::json!([a.to_string(), "latest"]));
            quantity(&n.expect("nonce read")).expect("a quantity") as u64
        })
        .sum();
    let m = &r.metrics.measured;
    (m.submitted, m.committed, on_chain, m.unknown)
}

#[test]
fn slow_anvil_below_capacity_every_commit_reported_is_on_chain() {
    let (submitted, committed, on_chain, unknown) = offer(30.0);
    assert_eq!((committed, unknown), (submitted, 0), "all commit at 30/s");
    assert_eq!(committed, on_chain, "committed as reported = counted on chain");
}

#[test]
fn slow_anvil_past_capacity_every_inclusion_is_reported_committed() {
    // 300/s offered for 3 s into blocks of 100: a backlog of 600 drains in 6 more blocks.
    let (submitted, committed, on_chain, unknown) = offer(300.0);
    assert!(submitted >= 850, "{submitted}");
    assert_eq!(committed, on_chain, "committed as reported = counted on chain ({unknown} unknown)");
    assert_eq!(committed, submitted, "the chain included them all, and the adapter says so");
}
