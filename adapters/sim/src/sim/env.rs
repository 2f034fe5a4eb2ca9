//! [`NodeEnv`]: the simulator's implementation of the protocol's [`Env`] for one node and one
//! handler call.

use super::core::{BidStr, Core, BROADCAST};
use super::queue::PendingTimer;
use crate::protocol::{Block, BlockId, Env, NodeConfig, NodeIdx, Timer, WireMessage};
use rand::RngCore;
use touchstone_core::adapter::EventSink;
use touchstone_core::trace::TraceEvent;
use touchstone_core::{Nanos, TxId};

/// One node's view of the simulator during one handler call. CPU time charged by the calls
/// (`take_txs`, `validate`, `decide`) accumulates in `extra`.
pub(crate) struct NodeEnv<'a, M> {
    pub core: &'a mut Core<M>,
    pub sink: &'a mut dyn EventSink,
    pub me: NodeIdx,
    pub local_now: Nanos,
    pub extra: Nanos,
}

impl<M> std::fmt::Debug for NodeEnv<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeEnv").field("me", &self.me).field("local_now", &self.local_now).finish()
    }
}

impl<M: WireMessage> Env<M> for NodeEnv<'_, M> {
    fn config(&self) -> &NodeConfig {
        &self.core.cfgs[self.me]
    }

    fn now(&self) -> Nanos {
        self.local_now
    }

    fn send(&mut self, to: NodeIdx, msg: M) {
        self.core.outbox.push((to as u32, msg));
    }

    fn broadcast(&mut self, msg: M) {
        self.core.outbox.push((BROADCAST, msg));
    }

    fn set_timer(&mut self, after: Nanos, timer: Timer) {
        self.core.timer_gen += 1;
        let gen = self.core.timer_gen;
        let rt = &mut self.core.nodes[self.me];
        rt.timers.insert(timer, gen);
        let at = self.core.now + rt.clock.real_delay(after);
        self.core.queue.push_timer(at, PendingTimer { node: self.me as u32, gen, timer });
    }

    fn cancel_timer(&mut self, timer: Timer) {
        self.core.nodes[self.me].timers.remove(&timer);
    }

    fn take_txs(&mut self, parent: BlockId, max: usize) -> Vec<TxId> {
        let (txs, cost) = self.core.take_txs(self.me, parent, max);
        self.extra += cost;
        txs
    }

    fn invalid_tx(&mut self) -> TxId {
        self.core.invalid_tx(self.me)
    }

    fn validate(&mut self, block: &Block) -> bool {
        let (ok, cost) = self.core.validate(self.me, block);
        self.extra += cost;
        ok
    }

    fn has_pending_txs(&self) -> bool {
        !self.core.nodes[self.me].mempool.is_empty()
    }

    fn block_id(
        &mut self,
        height: u64,
        round: u64,
        parent: BlockId,
        txs: &[TxId],
        salt: u64,
    ) -> BlockId {
        Core::<M>::block_id(self.me, height, round, parent, txs, salt)
    }

    fn decide(&mut self, block: &Block, signers: &[NodeIdx]) {
        self.extra += self.core.decide(self.me, block, signers, self.sink);
    }

    fn trace_step(&mut self, height: u64, round: u64, step: &'static str) {
        self.sink.trace(
            self.core.now,
            &TraceEvent::ConsStep { node: &self.core.names[self.me], height, round, step },
        );
    }

    fn trace_propose(&mut self, block: &Block) {
        self.core.remember(self.me, block);
        let (b, p) = (BidStr::new(block.id), BidStr::new(block.parent));
        self.sink.trace(
            self.core.now,
            &TraceEvent::ConsPropose {
                node: &self.core.names[self.me],
                height: block.height,
                round: block.round,
                block: b.as_str(),
                parent: Some(p.as_str()),
                txs: &block.txs,
            },
        );
    }

    fn trace_vote(&mut self, height: u64, round: u64, vtype: &'static str, block: Option<BlockId>) {
        let b = block.map(BidStr::new);
        self.sink.trace(
            self.core.now,
            &TraceEvent::ConsVote {
                node: &self.core.names[self.me],
                height,
                round,
                vtype,
                block: b.as_ref().map(BidStr::as_str),
                signature: None,
            },
        );
    }

    fn trace_evidence(
        &mut self,
        etype: &'static str,
        accused: &[NodeIdx],
        height: u64,
        round: u64,
    ) {
        let names: Vec<&str> = accused.iter().map(|&a| self.core.names[a].as_str()).collect();
        self.sink.trace(
            self.core.now,
            &TraceEvent::EvidenceDetect {
                node: &self.core.names[self.me],
                etype,
                accused: &names,
                height,
                round,
            },
        );
    }

    fn random_u64(&mut self) -> u64 {
        self.core.nodes[self.me].rng.next_u64()
    }
}
