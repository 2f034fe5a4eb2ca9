//! The [`Env`] a node of the [`TestNet`](super::TestNet) sees: an outbox, timer operations, a
//! trivial mempool (every transaction valid except those [`Env::invalid_tx`] makes), block ids
//! from a deterministic mix, and the decision and trace logs.

use super::{Decision, Misdecision, TraceEvent, TraceKind};
use crate::protocol::{Block, BlockId, Env, NodeConfig, NodeIdx, Timer, WireMessage};
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::{Nanos, TxId};

/// Ids of transactions made invalid start here.
pub(super) const INVALID_BASE: u64 = 1 << 62;

/// A timer set (`true`, after a delay) or cancelled (`false`).
pub(super) type TimerOp = (Nanos, Timer, bool);

/// The [`Env`] one node sees during one callback.
#[derive(Debug)]
pub struct TestEnv<'a, M> {
    pub(super) cfg: &'a NodeConfig,
    pub(super) now: Nanos,
    pub(super) outbox: &'a mut Vec<(NodeIdx, M)>,
    pub(super) timer_ops: &'a mut Vec<TimerOp>,
    pub(super) pending: &'a mut BTreeSet<TxId>,
    pub(super) next_invalid: &'a mut u64,
    pub(super) decisions: &'a mut BTreeMap<u64, Decision>,
    pub(super) misdecisions: &'a mut Vec<Misdecision>,
    pub(super) trace: &'a mut Vec<TraceEvent>,
}

impl<M> TestEnv<'_, M> {
    fn log(&mut self, kind: TraceKind) {
        self.trace.push(TraceEvent { t: self.now, node: self.cfg.me, kind });
    }
}

/// A deterministic 64-bit mix (splitmix64 finaliser).
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl<M: WireMessage> Env<M> for TestEnv<'_, M> {
    fn config(&self) -> &NodeConfig {
        self.cfg
    }

    fn now(&self) -> Nanos {
        self.now
    }

    fn send(&mut self, to: NodeIdx, msg: M) {
        self.outbox.push((to, msg));
    }

    fn broadcast(&mut self, msg: M) {
        for to in (0..self.cfg.n()).filter(|&j| j != self.cfg.me) {
            self.outbox.push((to, msg.clone()));
        }
    }

    fn set_timer(&mut self, after: Nanos, timer: Timer) {
        self.timer_ops.push((after, timer, true));
    }

    fn cancel_timer(&mut self, timer: Timer) {
        self.timer_ops.push((0, timer, false));
    }

    fn take_txs(&mut self, _parent: BlockId, max: usize) -> Vec<TxId> {
        self.pending.iter().take(max).copied().collect()
    }

    fn invalid_tx(&mut self) -> TxId {
        *self.next_invalid += 1;
        TxId(INVALID_BASE + *self.next_invalid)
    }

    fn validate(&mut self, block: &Block) -> bool {
        block.txs.iter().all(|t| t.0 < INVALID_BASE)
    }

    fn has_pending_txs(&self) -> bool {
        !self.pending.is_empty()
    }

    fn block_id(
        &mut self,
        height: u64,
        round: u64,
        parent: BlockId,
        txs: &[TxId],
        salt: u64,
    ) -> BlockId {
        let mut h = mix64(height ^ mix64(round ^ mix64(parent.0 ^ mix64(salt))));
        for t in txs {
            h = mix64(h ^ t.0);
        }
        BlockId(h.max(1))
    }

    fn decide(&mut self, block: &Block, signers: &[NodeIdx]) {
        let last = self.decisions.keys().next_back().copied().unwrap_or(0);
        if block.height != last + 1 {
            self.misdecisions.push((self.cfg.me, block.height, block.id));
            return;
        }
        for t in block.txs.iter() {
            self.pending.remove(t);
        }
        self.decisions.insert(
            block.height,
            Decision {
                block: block.id,
                round: block.round,
                parent: block.parent,
                signers: signers.to_vec(),
                txs: block.txs.to_vec(),
                at: self.now,
            },
        );
        self.log(TraceKind::Decide { height: block.height, round: block.round, block: block.id });
    }

    fn trace_step(&mut self, height: u64, round: u64, step: &'static str) {
        self.log(TraceKind::Step { height, round, step });
    }

    fn trace_propose(&mut self, block: &Block) {
        self.log(TraceKind::Propose { height: block.height, round: block.round, block: block.id });
    }

    fn trace_vote(&mut self, height: u64, round: u64, vtype: &'static str, block: Option<BlockId>) {
        self.log(TraceKind::Vote { height, round, vtype, block });
    }

    fn trace_evidence(
        &mut self,
        etype: &'static str,
        accused: &[NodeIdx],
        height: u64,
        round: u64,
    ) {
        self.log(TraceKind::Evidence { etype, accused: accused.to_vec(), height, round });
    }
}
