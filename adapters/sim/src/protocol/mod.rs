//! The sans-IO contract between validator logic and the simulator.
//!
//! A protocol instance is one validator's consensus logic. It never touches time, network or
//! randomness itself: the simulator calls [`Protocol::on_start`], [`Protocol::on_message`],
//! [`Protocol::on_timer`], [`Protocol::on_client_tx`] and [`Protocol::on_restart`], and the
//! protocol answers through its [`Env`]: messages to send, timers to set, blocks to build and
//! validate, decisions, and the consensus trace events of `docs/trace-format.md`.
//!
//! Byzantine behaviour that is protocol-specific (equivocation, double votes, invalid proposals,
//! amnesia) is implemented by each protocol from [`NodeConfig::behaviour`], in its own
//! `byzantine.rs`; network-level behaviour (silent, delay) is applied by the simulator to the
//! node's outgoing messages (see [`crate::byzantine`]).

use std::fmt;
use std::sync::Arc;
use touchstone_core::scenario::Behaviour;
use touchstone_core::{Nanos, TxId};

/// Index of a validator (`n<i>`).
pub type NodeIdx = usize;

/// A block id: a digest of (height, round, parent, proposer, txs, salt). Rendered `b<16 hex>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BlockId(pub u64);

impl BlockId {
    /// The parent of height 1.
    pub const GENESIS: BlockId = BlockId(0);
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{:016x}", self.0)
    }
}

/// A proposed block. Cheap to clone (transactions are shared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub id: BlockId,
    pub height: u64,
    pub round: u64,
    pub parent: BlockId,
    pub proposer: NodeIdx,
    pub txs: Arc<[TxId]>,
}

/// Which timer fired; the meaning of `kind` and the numbers is the protocol's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timer {
    pub kind: u32,
    pub height: u64,
    pub round: u64,
}

/// Static facts a validator knows at start.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub me: NodeIdx,
    /// Voting power of each validator (index = node).
    pub powers: Vec<u64>,
    /// Quorum: power strictly greater than `num/den` of the total.
    pub quorum_num: u64,
    pub quorum_den: u64,
    /// Base timeout (round / view change / election).
    pub timeout: Nanos,
    /// Minimum interval between blocks from one leader.
    pub block_interval: Nanos,
    /// Maximum transactions per block.
    pub block_size: usize,
    /// The broken variant to run, if any (documented per protocol).
    pub variant: Option<String>,
    /// This node's Byzantine behaviour, if it is Byzantine.
    pub behaviour: Option<Behaviour>,
}

impl NodeConfig {
    pub fn n(&self) -> usize {
        self.powers.len()
    }

    pub fn total_power(&self) -> u64 {
        self.powers.iter().sum()
    }

    /// Whether `power` is a quorum (strictly more than num/den of the total).
    pub fn is_quorum(&self, power: u64) -> bool {
        power as u128 * self.quorum_den as u128
            > self.total_power() as u128 * self.quorum_num as u128
    }

    /// Sum of the powers of `nodes` (each counted once).
    pub fn power_of(&self, nodes: impl IntoIterator<Item = NodeIdx>) -> u64 {
        let mut seen = vec![false; self.n()];
        let mut p = 0;
        for i in nodes {
            if i < seen.len() && !seen[i] {
                seen[i] = true;
                p += self.powers[i];
            }
        }
        p
    }
}

/// What a protocol's messages must tell the simulator.
pub trait WireMessage: Clone + fmt::Debug {
    /// Message type for `msg.send` (`prevote`, `append_entries`, ...).
    fn mtype(&self) -> &'static str;
    /// Size on the wire in bytes (for bandwidth / serialization delay).
    fn wire_size(&self) -> u64;
    /// Height and round it concerns, if any.
    fn height_round(&self) -> (Option<u64>, Option<u64>);
}

/// The protocol's view of the world. Implemented by the simulator (and by mocks in unit tests).
pub trait Env<M: WireMessage> {
    fn config(&self) -> &NodeConfig;
    /// This node's local clock (skewed if a clock fault is active).
    fn now(&self) -> Nanos;

    fn send(&mut self, to: NodeIdx, msg: M);
    /// Sends to every other validator.
    fn broadcast(&mut self, msg: M);
    /// Fires `timer` after `after` of this node's local time. Setting a timer equal to a pending
    /// one replaces it.
    fn set_timer(&mut self, after: Nanos, timer: Timer);
    fn cancel_timer(&mut self, timer: Timer);

    /// Takes up to `max` valid transactions from this node's mempool for a block extending
    /// `parent` (the application checks them against the state after `parent`, excluding those
    /// already in uncommitted ancestors the node knows of). An `invalid_proposal` Byzantine
    /// proposer may call [`Env::invalid_tx`] to add an invalid one.
    fn take_txs(&mut self, parent: BlockId, max: usize) -> Vec<TxId>;
    /// A transaction that the application will reject (for `invalid_proposal`).
    fn invalid_tx(&mut self) -> TxId;
    /// Whether every transaction of `block` is valid on top of its parent (correct nodes refuse
    /// to vote for blocks that fail this).
    fn validate(&mut self, block: &Block) -> bool;
    /// Whether this node's mempool holds transactions waiting for a block.
    fn has_pending_txs(&self) -> bool;

    /// Makes a block id for the given contents (deterministic).
    fn block_id(
        &mut self,
        height: u64,
        round: u64,
        parent: BlockId,
        txs: &[TxId],
        salt: u64,
    ) -> BlockId;

    /// The node decides `block` at its height: the simulator applies it to this node's ledger,
    /// writes `cons.decide` (with `app_hash` and the `cert` signers) and reports commits.
    /// Heights must be decided in order, each once.
    fn decide(&mut self, block: &Block, signers: &[NodeIdx]);

    // Trace (cons.* events of the spec); the simulator stamps node and time.
    fn trace_step(&mut self, height: u64, round: u64, step: &'static str);
    fn trace_propose(&mut self, block: &Block);
    fn trace_vote(&mut self, height: u64, round: u64, vtype: &'static str, block: Option<BlockId>);
    fn trace_evidence(&mut self, etype: &'static str, accused: &[NodeIdx], height: u64, round: u64);

    /// A random number for protocol choices that must be random (e.g. Raft's election timeouts).
    /// The simulator draws it from a per-node stream of the run's seed; this default (for mocks)
    /// is a deterministic mix of the node index and the local time.
    fn random_u64(&mut self) -> u64 {
        let mut z =
            (self.config().me as u64).wrapping_add(self.now()).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// One validator's consensus logic.
pub trait Protocol {
    type Msg: WireMessage;

    /// Called once when the node starts (set first timers, maybe propose).
    fn on_start(&mut self, env: &mut dyn Env<Self::Msg>);
    fn on_message(&mut self, from: NodeIdx, msg: Self::Msg, env: &mut dyn Env<Self::Msg>);
    fn on_timer(&mut self, timer: Timer, env: &mut dyn Env<Self::Msg>);
    /// A client transaction entered this node's mempool.
    fn on_client_tx(&mut self, env: &mut dyn Env<Self::Msg>);
    /// The node restarts after a crash: keep what a real node persists (e.g. locks, votes, the
    /// decided chain, Raft's term/vote/log), drop the rest, then start again. An `amnesia`
    /// Byzantine node forgets its locks and votes too.
    fn on_restart(&mut self, env: &mut dyn Env<Self::Msg>);
    /// Highest height this node has decided.
    fn decided_height(&self) -> u64;
}

/// A deterministic in-memory multi-node harness for protocol tests.
pub mod testkit;

#[cfg(test)]
pub(crate) mod multinode;
#[cfg(test)]
pub(crate) mod scenario_check;
