//! PBFT catch-up: decided blocks with their commit certificates, fetched from peers.

use super::msg::PbftMsg;
use super::{Decision, Pbft};
use crate::protocol::{Block, Env, NodeIdx};
use std::sync::Arc;

/// Decided blocks sent per fetch at most.
const FETCH_BATCH: u64 = 32;

impl Pbft {
    fn fetch_allowed(&mut self, env: &mut dyn Env<PbftMsg>) -> bool {
        let now = env.now();
        let gap = (self.cfg.timeout / 4).max(1);
        if self.last_fetch.is_some_and(|t| now < t + gap) {
            return false;
        }
        self.last_fetch = Some(now);
        true
    }

    /// Asks `peer` for what it decided above this replica (rate-limited).
    pub(super) fn fetch(&mut self, peer: NodeIdx, env: &mut dyn Env<PbftMsg>) {
        if peer != self.me() && self.fetch_allowed(env) {
            env.send(peer, PbftMsg::Fetch { from_seq: self.decided + 1 });
        }
    }

    pub(super) fn broadcast_fetch(&mut self, env: &mut dyn Env<PbftMsg>) {
        if self.fetch_allowed(env) {
            env.broadcast(PbftMsg::Fetch { from_seq: self.decided + 1 });
        }
    }

    pub(super) fn on_fetch(&mut self, from: NodeIdx, from_seq: u64, env: &mut dyn Env<PbftMsg>) {
        let first = from_seq.max(1);
        let last = self.decided.min(first + FETCH_BATCH - 1);
        for seq in first..=last {
            let d = &self.log[seq as usize - 1];
            env.send(
                from,
                PbftMsg::Decided {
                    seq,
                    view: d.view,
                    block: d.block.clone(),
                    signers: d.signers.clone(),
                    more: seq == last && self.decided > last,
                },
            );
        }
    }

    #[allow(clippy::too_many_arguments)] // the fields of one `Decided` message
    pub(super) fn on_decided(
        &mut self,
        from: NodeIdx,
        seq: u64,
        view: u64,
        block: Block,
        signers: Arc<[NodeIdx]>,
        more: bool,
        env: &mut dyn Env<PbftMsg>,
    ) {
        if more && from != self.me() {
            // The answer's last block: its sender holds more, so ask for the next batch now
            // rather than at the next progress timer (a replica 260 blocks behind otherwise
            // took 10 s, a batch a second, while the others needed it for their quorum; found
            // by explore).
            env.send(from, PbftMsg::Fetch { from_seq: seq.max(self.decided) + 1 });
        }
        if seq <= self.decided || block.height != seq || !self.quorum(signers.iter().copied()) {
            return;
        }
        self.ready.entry(seq).or_insert(Decision { block, view, signers });
        let before = self.decided;
        self.execute(env);
        self.caught_up |= self.decided > before;
        // Others decided in `view`: the system is live there; follow it, unless this replica
        // already asked for a view at least as high (it then waits for a new-view proof).
        let floor = if self.in_view_change { self.vc_target } else { self.view + 1 };
        if self.decided > before && view >= floor {
            self.enter_view(view, Vec::new(), self.decided, env);
        }
    }
}
