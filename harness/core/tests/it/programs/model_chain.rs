//! A chain made of the harness's own reference model, for testing the workload programs:
//! transactions are applied in blocks (optionally in a shuffled order within a block, to show
//! that the programs' expectations do not depend on order), and one rule can be deliberately
//! broken (partial freezes ignored) to show that the conformance matrix catches it.

use rand::seq::SliceRandom;
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::adapter::*;
use touchstone_core::ledger::{AdminAction, OpKind, Operation};
use touchstone_core::refmodel::LedgerModel;
use touchstone_core::seed::Rng;
use touchstone_core::{Nanos, Reason, Seed, TxId};

#[derive(Debug)]
pub struct ModelChain {
    block: Nanos,
    shuffle: bool,
    ignore_partial_freeze: bool,
    now: Nanos,
    next_block: Nanos,
    height: u64,
    model: LedgerModel,
    pending: Vec<(TxId, Operation, Option<u64>)>,
    rng: Rng,
    /// Partial freezes the broken rule ignored, by (account, asset).
    ignored: BTreeMap<(String, String), u128>,
    /// Transactions the broken rule may have decided differently.
    pub suspects: BTreeSet<TxId>,
}

impl ModelChain {
    /// A correct chain producing a block every `block` ns.
    pub fn correct(block: Nanos, shuffle: bool) -> Self {
        ModelChain {
            block,
            shuffle,
            ignore_partial_freeze: false,
            now: 0,
            next_block: block,
            height: 0,
            model: LedgerModel::new(),
            pending: Vec::new(),
            rng: Seed(7).stream("test/model-chain"),
            ignored: BTreeMap::new(),
            suspects: BTreeSet::new(),
        }
    }

    /// A chain whose ledger ignores partial freezes (a deliberately wrong rule).
    pub fn ignoring_partial_freezes(block: Nanos) -> Self {
        ModelChain { ignore_partial_freeze: true, ..Self::correct(block, false) }
    }

    fn apply(&mut self, id: TxId, op: &Operation, nonce: Option<u64>) -> Result<(), Reason> {
        if !self.ignore_partial_freeze {
            return self.model.apply(id, op, nonce);
        }
        if let Operation::Admin {
            action: AdminAction::Freeze { account, asset, amount: Some(x) },
            ..
        } = op
        {
            // Authorised like any freeze, then forgotten.
            let r = self.model.clone().apply(id, op, nonce);
            if r.is_ok() {
                *self.ignored.entry((account.clone(), asset.clone())).or_default() += x;
            }
            return r;
        }
        let touched = |from: &str, asset: &str| {
            self.ignored.get(&(from.to_string(), asset.to_string())).is_some_and(|x| *x > 0)
        };
        let suspect = match op {
            Operation::Batch { legs } => legs.iter().any(|l| touched(&l.from, &l.asset)),
            _ => op.from().zip(op.asset()).is_some_and(|(f, a)| touched(f, a)),
        };
        let r = self.model.apply(id, op, nonce);
        if r.is_ok() {
            if suspect {
                self.suspects.insert(id);
            }
            if let Operation::Admin { action, .. } = op {
                match action {
                    AdminAction::Unfreeze { account, asset } => {
                        self.ignored.remove(&(account.clone(), asset.clone()));
                    }
                    AdminAction::Recover { lost, replacement, asset, .. } => {
                        if let Some(x) = self.ignored.remove(&(lost.clone(), asset.clone())) {
                            *self
                                .ignored
                                .entry((replacement.clone(), asset.clone()))
                                .or_default() += x;
                        }
                    }
                    _ => {}
                }
            }
        }
        r
    }
}

impl Adapter for ModelChain {
    fn name(&self) -> &str {
        "model"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            operations: vec![
                OpKind::Transfer,
                OpKind::Issue,
                OpKind::Redeem,
                OpKind::Batch,
                OpKind::Admin,
            ],
            faults: Vec::new(),
            consensus_events: false,
            state_reads: false,
            finality: FinalityRule {
                description: "one block".into(),
                required_share: 1.0,
                confirmation_depth: 0,
            },
            virtual_time: true,
        }
    }

    fn system_info(&self) -> SystemInfo {
        SystemInfo { adapter: "model".into(), protocol: "none".into(), ..Default::default() }
    }

    fn prepare(&mut self, setup: &Setup, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.model = setup.genesis.model();
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
        self.pending.push((tx.id, tx.op.clone(), tx.nonce));
        Ok(SubmitAck::Accepted { via: tx.via.clone() })
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        while self.next_block <= until {
            let at = self.next_block;
            self.next_block += self.block;
            self.now = at;
            if self.pending.is_empty() {
                continue;
            }
            let mut block = std::mem::take(&mut self.pending);
            if self.shuffle {
                block.shuffle(&mut self.rng);
            }
            self.height += 1;
            for (id, op, nonce) in block {
                let status = match self.apply(id, &op, nonce) {
                    Ok(()) => OutcomeStatus::Committed { height: self.height },
                    Err(reason) => OutcomeStatus::Rejected { reason },
                };
                sink.outcome(Outcome { tx: id, status, at, node: None });
            }
            return Ok(self.now);
        }
        self.now = self.now.max(until);
        Ok(self.now)
    }

    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        None
    }

    fn snapshot(&mut self, _accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        Ok(Vec::new())
    }

    fn shutdown(&mut self, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }

    fn precheck(&mut self, tx: &TxRequest) -> Result<Option<Result<(), Reason>>, AdapterError> {
        Ok(match &tx.op {
            Operation::Transfer { .. } => Some(self.model.check(tx.id, &tx.op, tx.nonce)),
            _ => None,
        })
    }
}
