//! The pacemaker: views, view timers with exponential backoff, new-view messages, proposing.

use super::msg::{HsBlock, HsMsg, Qc};
use super::{HotStuff, T_PROPOSE_DELAY, T_VIEW};
use crate::byzantine::invalid_proposal;
use crate::protocol::{Block, Env, NodeIdx, Timer};
use std::sync::Arc;

impl HotStuff {
    /// Moves to view `v` (never back) and arms its timer.
    pub(super) fn enter_view(&mut self, v: u64, env: &mut dyn Env<HsMsg>) {
        if v <= self.view {
            return;
        }
        self.view = v;
        env.set_timer(self.view_timeout(self.fails), Timer { kind: T_VIEW, height: 0, round: v });
        self.new_views.retain(|w, _| *w + 1 >= v);
        self.seen_proposal.retain(|w, _| *w + 8 >= v);
        self.alt_proposal.retain(|w, _| *w + 8 >= v);
    }

    pub(super) fn on_view_timeout(&mut self, env: &mut dyn Env<HsMsg>) {
        let h = self.committed_height + 1;
        env.trace_step(h, self.view, "timeout");
        self.fails = self.fails.saturating_add(1);
        let next = self.view + 1;
        self.enter_view(next, env);
        env.trace_step(h, next, "view_change");
        self.announce(next, env);
    }

    /// Broadcasts `NewView` for `v` and counts our own.
    fn announce(&mut self, v: u64, env: &mut dyn Env<HsMsg>) {
        env.broadcast(HsMsg::NewView { view: v, high_qc: self.high_qc.clone() });
        let qc = self.high_qc.clone();
        self.on_new_view(self.cfg.me, v, qc, env);
    }

    pub(super) fn on_new_view(&mut self, from: NodeIdx, v: u64, qc: Qc, env: &mut dyn Env<HsMsg>) {
        if !qc.is_valid(&self.cfg) {
            return;
        }
        self.update_qc(from, &qc, env);
        if v < self.view {
            return;
        }
        let set = self.new_views.entry(v).or_default();
        if !set.insert(from) {
            return;
        }
        let power = self.cfg.power_of(set.iter().copied());
        let (num, den) = (self.cfg.quorum_num, self.cfg.quorum_den);
        let f_plus_one = power as u128 * den as u128
            > self.cfg.total_power() as u128 * (den - num.min(den)) as u128;
        if v > self.view && f_plus_one {
            // More than a third of the power left the views below `v`: join them.
            env.trace_step(self.committed_height + 1, v, "view_change");
            self.enter_view(v, env);
            self.announce(v, env);
            return;
        }
        if v == self.view && Self::leader(&self.cfg, v) == self.cfg.me && self.cfg.is_quorum(power)
        {
            self.try_propose(env);
        }
    }

    fn may_propose(&self) -> bool {
        let v = self.view;
        v == 1
            || self.high_qc.view + 1 == v
            || self
                .new_views
                .get(&v)
                .is_some_and(|s| self.cfg.is_quorum(self.cfg.power_of(s.iter().copied())))
    }

    /// Proposes in the current view if this replica leads it and is ready.
    pub(super) fn try_propose(&mut self, env: &mut dyn Env<HsMsg>) {
        let (v, me) = (self.view, self.cfg.me);
        if Self::leader(&self.cfg, v) != me || self.proposed_view >= v || !self.may_propose() {
            return;
        }
        if !self.blocks.contains_key(&self.high_qc.block) {
            return;
        }
        let ready = self.last_block_at + self.cfg.block_interval;
        if env.now() < ready {
            env.set_timer(ready - env.now(), Timer { kind: T_PROPOSE_DELAY, height: 0, round: v });
            return;
        }
        self.proposed_view = v;
        let honest = Arc::new(self.make_block(self.high_qc.clone(), 0, env));
        env.trace_step(honest.block.height, v, "propose");
        if !self.byzantine_propose(&honest, env) {
            env.broadcast(HsMsg::Proposal(honest.clone()));
            env.trace_propose(&honest.block);
        }
        self.on_proposal(me, honest, env);
    }

    pub(super) fn make_block(
        &mut self,
        justify: Qc,
        salt: u64,
        env: &mut dyn Env<HsMsg>,
    ) -> HsBlock {
        let (v, me) = (self.view, self.cfg.me);
        let parent = justify.block;
        let mut txs = env.take_txs(parent, self.cfg.block_size);
        invalid_proposal(Self::behaviour(env), &mut txs, env);
        let height = justify.height + 1;
        let id = env.block_id(height, v, parent, &txs, ((me as u64) << 8) | salt);
        HsBlock {
            block: Block { id, height, round: v, parent, proposer: me, txs: txs.into() },
            justify,
        }
    }
}
