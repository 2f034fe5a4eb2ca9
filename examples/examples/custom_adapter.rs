//! Write your own adapter: a toy single-node "chain" that commits in blocks every 100 ms and
//! rejects transfers that overdraw. Real adapters do the same against a node's API: answer
//! `submit` quickly, report commits later from `advance`, declare capabilities honestly.
//!
//! `cargo run -p touchstone-examples --example custom_adapter`

use std::collections::BTreeMap;
use touchstone_core::adapter::*;
use touchstone_core::engine::{self, RunOptions};
use touchstone_core::ledger::{OpKind, Operation};
use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::{Human, NS_PER_MS, NS_PER_S};
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{Nanos, Reason, Seed, TxId};

/// A chain with one block producer and instant finality.
#[derive(Debug, Default)]
struct ToyChain {
    now: Nanos,
    next_block: Nanos,
    height: u64,
    balances: BTreeMap<(String, String), u128>,
    mempool: Vec<(TxId, Operation)>,
}

const BLOCK_TIME: Nanos = 100 * NS_PER_MS;

impl ToyChain {
    fn produce_block(&mut self, sink: &mut dyn EventSink) {
        self.height += 1;
        for (id, op) in std::mem::take(&mut self.mempool) {
            let status = match &op {
                Operation::Transfer { from, to, asset, amount } => {
                    let bal = self.balances.entry((from.clone(), asset.clone())).or_default();
                    if *bal < *amount {
                        OutcomeStatus::Rejected { reason: Reason::InsufficientBalance }
                    } else {
                        *bal -= amount;
                        *self.balances.entry((to.clone(), asset.clone())).or_default() += amount;
                        OutcomeStatus::Committed { height: self.height }
                    }
                }
                _ => OutcomeStatus::Rejected { reason: Reason::Unauthorized },
            };
            sink.outcome(Outcome { tx: id, status, at: self.now, node: Some("toy".into()) });
        }
    }
}

impl Adapter for ToyChain {
    fn name(&self) -> &str {
        "toy"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            operations: vec![OpKind::Transfer],
            faults: vec![],
            consensus_events: false,
            state_reads: false,
            finality: FinalityRule {
                description: "included in a block (single producer, instant finality)".into(),
                required_share: 1.0,
                confirmation_depth: 0,
            },
            virtual_time: true,
        }
    }
    fn system_info(&self) -> SystemInfo {
        SystemInfo {
            adapter: "toy".into(),
            protocol: "single-producer".into(),
            ..Default::default()
        }
    }
    fn prepare(&mut self, setup: &Setup, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        for a in &setup.accounts {
            for asset in &setup.assets {
                self.balances.insert((a.clone(), asset.id.clone()), asset.initial_balance);
            }
        }
        self.next_block = BLOCK_TIME;
        Ok(())
    }
    fn now(&self) -> Nanos {
        self.now
    }
    fn submit(
        &mut self,
        tx: &TxRequest,
        _sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        self.mempool.push((tx.id, tx.op.clone()));
        Ok(SubmitAck::Accepted { via: None })
    }
    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        if self.next_block <= until {
            self.now = self.next_block;
            self.next_block += BLOCK_TIME;
            self.produce_block(sink);
        } else {
            self.now = until;
        }
        Ok(self.now)
    }
    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        None // honest: this chain cannot be faulted, so fault scenarios show "not exercised"
    }
    fn snapshot(&mut self, _accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        Ok(vec![])
    }
    fn shutdown(&mut self, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }
}

fn main() {
    let scenario = ScenarioBuilder::new("toy", ScenarioKind::Payment)
        .accounts(100)
        .phase("load", 3 * NS_PER_S, RateSpec::Constant { tps: 500.0 })
        .build();
    let mut chain = ToyChain::default();
    let mut trace = MemoryTrace::default();
    let r = engine::run(&scenario, &mut chain, Seed(7), &mut trace, RunOptions::default())
        .expect("run");
    let m = &r.metrics.measured;
    println!(
        "committed {} rejected {} p50 {} p99 {} ({} trace lines)",
        m.committed,
        m.rejected,
        Human(m.latency.p50_ns),
        Human(m.latency.p99_ns),
        trace.lines.len()
    );
    assert_eq!(m.committed + m.rejected, m.submitted);
}
