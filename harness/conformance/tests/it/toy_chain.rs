//! A small honest chain for the kit's own tests: one node, blocks every 10 ms of virtual time,
//! transfers checked against balances and harness nonces, pause/resume and crash/restart.

use std::collections::BTreeMap;
use touchstone_core::adapter::*;
use touchstone_core::ledger::{OpKind, Operation};
use touchstone_core::scenario::{FaultAction, FaultKind};
use touchstone_core::time::NS_PER_MS;
use touchstone_core::trace::ValidatorInfo;
use touchstone_core::{Nanos, Reason, TxId};

const BLOCK: Nanos = 10 * NS_PER_MS;

#[derive(Debug, Default)]
pub struct ToyChain {
    now: Nanos,
    height: u64,
    balances: BTreeMap<String, u128>,
    /// Next harness nonce each sender may use (a used one is refused at submit).
    nonces: BTreeMap<String, u64>,
    pool: Vec<(TxId, String, String, u128)>,
    paused: bool,
    crashed: bool,
}

impl ToyChain {
    pub fn boxed() -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(ToyChain::default()))
    }

    /// Commits the pool into one block at `at` (rejecting overdrafts).
    fn block(&mut self, at: Nanos, sink: &mut dyn EventSink) -> bool {
        if self.paused || self.crashed || self.pool.is_empty() {
            return false;
        }
        self.height += 1;
        for (tx, from, to, amount) in std::mem::take(&mut self.pool) {
            let have = self.balances.get(&from).copied().unwrap_or(0);
            let status = if have < amount {
                OutcomeStatus::Rejected { reason: Reason::InsufficientBalance }
            } else {
                *self.balances.entry(from).or_default() -= amount;
                *self.balances.entry(to).or_default() += amount;
                OutcomeStatus::Committed { height: self.height }
            };
            sink.outcome(Outcome { tx, status, at, node: Some("n0".into()) });
        }
        true
    }
}

impl Adapter for ToyChain {
    fn name(&self) -> &str {
        "toy"
    }
    fn capabilities(&self) -> Capabilities {
        use FaultKind::*;
        Capabilities {
            operations: vec![OpKind::Transfer],
            faults: vec![Crash, Restart, Pause, Resume],
            consensus_events: false,
            state_reads: true,
            finality: FinalityRule {
                description: "one block".into(),
                required_share: 1.0,
                confirmation_depth: 0,
            },
            virtual_time: true,
        }
    }
    fn system_info(&self) -> SystemInfo {
        SystemInfo {
            adapter: "toy".into(),
            protocol: "none".into(),
            validators: vec![ValidatorInfo { id: "n0".into(), power: 1 }],
            ..Default::default()
        }
    }
    fn prepare(&mut self, setup: &Setup, _: &mut dyn EventSink) -> Result<(), AdapterError> {
        for (account, _, amount) in &setup.genesis.balances {
            *self.balances.entry(account.clone()).or_default() += amount;
        }
        Ok(())
    }
    fn now(&self) -> Nanos {
        self.now
    }
    fn submit(&mut self, tx: &TxRequest, _: &mut dyn EventSink) -> Result<SubmitAck, AdapterError> {
        if self.crashed {
            return Ok(SubmitAck::Rejected { reason: Reason::Other });
        }
        let Operation::Transfer { from, to, amount, .. } = &tx.op else {
            return Ok(SubmitAck::Rejected { reason: Reason::Malformed });
        };
        if let Some(n) = tx.nonce {
            let next = self.nonces.entry(from.clone()).or_default();
            if n < *next {
                return Ok(SubmitAck::Rejected { reason: Reason::BadNonce });
            }
            *next = n + 1;
        }
        self.pool.push((tx.id, from.clone(), to.clone(), *amount));
        Ok(SubmitAck::Accepted { via: None })
    }
    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        let next_block = (self.now / BLOCK + 1) * BLOCK;
        if next_block <= until {
            self.now = next_block;
            if self.block(next_block, sink) {
                return Ok(self.now);
            }
        }
        self.now = self.now.max(until);
        Ok(self.now)
    }
    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        Some(self)
    }
    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        let balances = accounts
            .iter()
            .map(|a| {
                (a.clone(), vec![("USD".to_string(), self.balances.get(a).copied().unwrap_or(0))])
            })
            .collect();
        Ok(vec![StateSnapshot {
            node: "n0".into(),
            height: self.height,
            balances,
            ..Default::default()
        }])
    }
    fn shutdown(&mut self, _: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }
    /// A transfer's admission (nonce) and its balance against the committed state.
    fn precheck(&mut self, tx: &TxRequest) -> Result<Option<Result<(), Reason>>, AdapterError> {
        let Operation::Transfer { from, amount, .. } = &tx.op else { return Ok(None) };
        let used = tx.nonce.is_some_and(|n| n < self.nonces.get(from).copied().unwrap_or(0));
        let have = self.balances.get(from).copied().unwrap_or(0);
        Ok(Some(if used {
            Err(Reason::BadNonce)
        } else if have < *amount {
            Err(Reason::InsufficientBalance)
        } else {
            Ok(())
        }))
    }
}

impl FaultControl for ToyChain {
    fn apply(
        &mut self,
        now: Nanos,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        match action {
            FaultAction::Pause { .. } => self.paused = true,
            FaultAction::Resume { .. } => self.paused = false,
            FaultAction::Crash { .. } => {
                // The pool dies with the node: its transactions are refused, not lost.
                self.crashed = true;
                for (tx, ..) in std::mem::take(&mut self.pool) {
                    let status = OutcomeStatus::Rejected { reason: Reason::Other };
                    sink.outcome(Outcome { tx, status, at: now, node: Some("n0".into()) });
                }
            }
            FaultAction::Restart { .. } => self.crashed = false,
            other => return Err(FaultError::NotSupported(other.kind())),
        }
        Ok(())
    }
}
