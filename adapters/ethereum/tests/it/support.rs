//! Shared helpers: configurations, a collecting sink, waiting for outcomes.

use std::time::Duration;
use touchstone_core::adapter::{
    Adapter, CollectingSink, Outcome, OutcomeStatus, Setup, SubmitAck, TxRequest,
};
use touchstone_core::scenario::AssetSpec;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{Operation, Seed, TxId};
use touchstone_ethereum::{Config, EthereumAdapter};

pub type Sink = CollectingSink<MemoryTrace>;

/// Fails (never skips) when anvil is not installed.
pub fn require_anvil() {
    if let Err(e) = touchstone_ethereum::anvil::find_anvil(None) {
        panic!("{e}");
    }
}

/// A managed anvil: automine, or interval mining every `block_time` seconds.
pub fn managed(block_time: Option<u64>, extra: &str) -> Config {
    require_anvil();
    let mut text = String::from("managed = true\n");
    if let Some(s) = block_time {
        text.push_str(&format!("block_time = \"{s}s\"\n"));
    }
    text.push_str(extra);
    Config::parse(&text, "test.toml").expect("test config")
}

pub fn connect(cfg: Config) -> EthereumAdapter {
    EthereumAdapter::connect(cfg, 1000, false).expect("adapter connects")
}

/// Prepares `n` accounts `a0..` holding `initial` wei each.
pub fn prepare(a: &mut EthereumAdapter, n: u32, initial: u128, sink: &mut Sink) {
    let setup = Setup {
        seed: Seed(7),
        accounts: (0..n).map(touchstone_core::ids::account_name).collect(),
        assets: vec![AssetSpec { id: "ETH".into(), initial_balance: initial }],
        genesis: Default::default(),
    };
    a.prepare(&setup, sink).expect("prepare funds the accounts");
}

pub fn transfer(id: u64, from: u32, to: u32, amount: u128, intended: u64) -> TxRequest {
    TxRequest {
        id: TxId(id),
        client: 0,
        op: Operation::Transfer {
            from: format!("a{from}"),
            to: format!("a{to}"),
            asset: "ETH".into(),
            amount,
        },
        nonce: None,
        via: None,
        intended,
    }
}

/// Advances until every id in `ids` has an outcome, or `within` passes. Returns them by id.
pub fn wait_for(
    a: &mut EthereumAdapter,
    sink: &mut Sink,
    ids: &[u64],
    within: Duration,
) -> Vec<Option<Outcome>> {
    let deadline = a.now() + within.as_nanos() as u64;
    loop {
        let found: Vec<Option<Outcome>> = ids
            .iter()
            .map(|id| sink.outcomes.iter().find(|o| o.tx == TxId(*id)).cloned())
            .collect();
        if found.iter().all(Option::is_some) || a.now() >= deadline {
            return found;
        }
        let until = (a.now() + 50_000_000).min(deadline);
        a.advance(until, sink).expect("advance");
    }
}

pub fn is_committed(o: &Option<Outcome>) -> bool {
    matches!(o, Some(Outcome { status: OutcomeStatus::Committed { .. }, .. }))
}

pub fn accepted(ack: &SubmitAck) -> bool {
    matches!(ack, SubmitAck::Accepted { .. })
}

/// A balance in a snapshot.
pub fn balance(s: &touchstone_core::adapter::StateSnapshot, account: &str) -> u128 {
    s.balances.iter().find(|(a, _)| a == account).map(|(_, v)| v[0].1).expect("account in snapshot")
}
