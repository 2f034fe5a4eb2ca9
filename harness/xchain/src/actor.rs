//! What the bridge's actors see and do: every chain's finalized blocks and the contents of the
//! transactions in them (what any node's RPC shows), and submissions of ordinary operations.
//!
//! Actors are sans-IO like the simulator's validators: at each tick the engine hands them a
//! [`View`] and they answer with the [`Submission`]s due now; the engine wakes them again at
//! their [`Actor::next_due`] or after one poll interval.

use std::collections::BTreeMap;
use touchstone_core::ledger::Operation;
use touchstone_core::{Nanos, OutcomeStatus, TxId};

/// A block finalized on a chain: the first decision of its height carrying a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub height: u64,
    pub block: String,
    pub signers: Vec<String>,
    pub txs: Vec<TxId>,
    /// When it was decided.
    pub t: Nanos,
}

/// A transaction the harness submitted, and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub chain: usize,
    pub op: Operation,
    /// The actor that sent it (`relay`, `user`, `forger`...).
    pub client: &'static str,
    pub at: Nanos,
    /// `None` while pending.
    pub outcome: Option<(OutcomeStatus, Nanos)>,
}

/// One chain as the actors see it.
#[derive(Debug, Clone, Default)]
pub struct ChainView {
    pub id: String,
    /// Finalized blocks by height.
    pub blocks: BTreeMap<u64, Block>,
    /// The validators and their power (what a peer registers).
    pub validators: Vec<(String, u64)>,
    /// The nominal time between blocks.
    pub block_interval: Nanos,
}

impl ChainView {
    /// The highest finalized height (0 before the first block).
    pub fn height(&self) -> u64 {
        self.blocks.keys().next_back().copied().unwrap_or(0)
    }
}

/// Everything the actors may look at.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub now: Nanos,
    /// When the load started (fault and workload times are relative to it).
    pub t0: Nanos,
    pub chains: &'a [ChainView],
    pub sent: &'a BTreeMap<TxId, Sent>,
    /// Committed bridge operations: (chain, op name, xfer) → (tx, commit time, height).
    pub settled: &'a BTreeMap<(usize, &'static str, String), (TxId, Nanos, u64)>,
}

impl View<'_> {
    /// The chain index of `id`.
    pub fn chain(&self, id: &str) -> Option<usize> {
        self.chains.iter().position(|c| c.id == id)
    }

    /// Whether `op` of `xfer` is committed on `chain`.
    pub fn committed(
        &self,
        chain: usize,
        op: &'static str,
        xfer: &str,
    ) -> Option<(TxId, Nanos, u64)> {
        self.settled.get(&(chain, op, xfer.to_string())).copied()
    }
}

/// An operation an actor submits now.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub chain: usize,
    pub op: Operation,
    pub client: &'static str,
}

/// A bridge actor (or the set of them a mechanism needs).
pub trait Actor {
    /// Looks at the chains at `view.now` and pushes what it submits now.
    fn tick(&mut self, view: &View<'_>, out: &mut Vec<Submission>);
    /// When it next has something to submit, if it knows.
    fn next_due(&self) -> Option<Nanos>;
    /// Whether everything it started has reached a final state (the run may end early).
    fn done(&self, view: &View<'_>) -> bool;
}
