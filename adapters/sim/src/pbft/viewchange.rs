//! PBFT view change: leaving a view whose primary makes no progress, and the new-view proof.

use super::msg::{PbftMsg, ViewChange};
use super::{Pbft, NEW_VIEW};
use crate::protocol::{Block, Env, NodeIdx, Timer};
use std::sync::Arc;

impl Pbft {
    /// Every `timeout`: with work pending and no decision since the last check, give up on the
    /// primary (and ask peers for anything decided meanwhile).
    pub(super) fn on_progress_timer(&mut self, env: &mut dyn Env<PbftMsg>) {
        let pending = env.has_pending_txs()
            || self.slots.iter().any(|(&(_, s), sl)| s > self.decided && sl.pre.is_some())
            || !self.ready.is_empty();
        if pending && self.decided == self.progress_mark {
            self.broadcast_fetch(env);
            if !self.in_view_change {
                self.start_view_change(self.view + 1, env);
            }
        }
        if self.in_view_change {
            // Retransmission: a view change sent while cut off reached nobody, and its timer
            // waits for a quorum (see `arm_view_change_timer`).
            if let Some(vc) = self.vcs.get(&self.vc_target).and_then(|m| m.get(&self.me())) {
                env.broadcast(PbftMsg::ViewChange(Arc::new(vc.clone())));
            }
        } else if std::mem::take(&mut self.caught_up) {
            // A replica that caught up at the tail of the load would otherwise stay one block
            // behind for good: no new proposal comes to show it is (found by explore).
            self.broadcast_fetch(env);
        }
        self.arm_progress(env);
    }

    pub(super) fn start_view_change(&mut self, target: u64, env: &mut dyn Env<PbftMsg>) {
        if target <= self.view || (self.in_view_change && target <= self.vc_target) {
            return;
        }
        self.in_view_change = true;
        self.vc_target = target;
        env.trace_step(self.decided + 1, target, "view_change");
        let vc = ViewChange {
            view: target,
            from: self.me(),
            decided: self.decided,
            prepared: self
                .prepared
                .iter()
                .filter(|(&s, _)| s > self.decided)
                .map(|(_, (v, b))| (*v, b.clone()))
                .collect(),
        };
        let me = self.me();
        self.vcs.entry(target).or_default().insert(me, vc.clone());
        env.broadcast(PbftMsg::ViewChange(Arc::new(vc)));
        self.arm_view_change_timer(env);
        self.maybe_new_view(target, env);
    }

    /// Starts the timer of the view asked for once a quorum asks for it, as PBFT's liveness
    /// rule has it: a replica whose request reaches no quorum (it is cut off) waits at its first
    /// target instead of escalating alone. One that escalated alone left views its peers then
    /// needed it in (it may not rejoin them), and a later primary crash waited for their timers
    /// to climb to its view: 7.5 s, beyond the progress bound (found by explore).
    fn arm_view_change_timer(&mut self, env: &mut dyn Env<PbftMsg>) {
        let target = self.vc_target;
        if !self.in_view_change || self.vc_timer == Some(target) {
            return;
        }
        let asked = self.vcs.get(&target).is_some_and(|m| self.quorum(m.keys().copied()));
        if !asked {
            return;
        }
        self.vc_timer = Some(target);
        let backoff = (target - self.view).min(6) as u32;
        env.set_timer(
            self.cfg.timeout << backoff,
            Timer { kind: NEW_VIEW, height: 0, round: target },
        );
    }

    pub(super) fn on_view_change(
        &mut self,
        from: NodeIdx,
        vc: &ViewChange,
        env: &mut dyn Env<PbftMsg>,
    ) {
        if vc.from != from || vc.view <= self.view {
            return;
        }
        self.vcs.entry(vc.view).or_default().insert(from, vc.clone());
        if vc.view == self.vc_target {
            self.arm_view_change_timer(env);
        }
        // Join the smallest higher view that replicas with more than 1/3 of the power ask for.
        let floor = if self.in_view_change { self.vc_target } else { self.view };
        let askers: std::collections::BTreeSet<NodeIdx> =
            self.vcs.range(floor + 1..).flat_map(|(_, m)| m.keys().copied()).collect();
        if self.weak(self.cfg.power_of(askers.iter().copied())) {
            if let Some((&v, _)) = self.vcs.range(floor + 1..).next() {
                self.start_view_change(v, env);
            }
        }
        self.maybe_new_view(vc.view, env);
    }

    /// The new primary sends the new view once it holds a quorum of view changes.
    fn maybe_new_view(&mut self, view: u64, env: &mut dyn Env<PbftMsg>) {
        if self.primary(view) != self.me() || !self.in_view_change || self.vc_target != view {
            return;
        }
        let Some(m) = self.vcs.get(&view) else { return };
        if !self.quorum(m.keys().copied()) {
            return;
        }
        let vcs: Arc<[ViewChange]> = m.values().cloned().collect();
        let blocks = select(&vcs);
        env.broadcast(PbftMsg::NewView { view, vcs: vcs.clone(), blocks: blocks.clone() });
        let high = vcs.iter().map(|vc| vc.decided).max().unwrap_or(0);
        self.enter_view(view, blocks, high, env);
    }

    pub(super) fn on_new_view(
        &mut self,
        from: NodeIdx,
        view: u64,
        vcs: &[ViewChange],
        blocks: Vec<Block>,
        env: &mut dyn Env<PbftMsg>,
    ) {
        if view < self.view
            || (view == self.view && !self.in_view_change)
            || from != self.primary(view)
        {
            return;
        }
        let mut senders: Vec<NodeIdx> = vcs.iter().map(|vc| vc.from).collect();
        senders.sort_unstable();
        senders.dedup();
        let valid = senders.len() == vcs.len()
            && vcs.iter().all(|vc| vc.view == view)
            && self.quorum(senders.iter().copied());
        let expected: Vec<_> = select(vcs).iter().map(|b| b.id).collect();
        if !valid || expected != blocks.iter().map(|b| b.id).collect::<Vec<_>>() {
            env.trace_evidence("invalid_new_view", &[from], self.decided + 1, view);
            return;
        }
        let high = vcs.iter().map(|vc| vc.decided).max().unwrap_or(0);
        self.enter_view(view, blocks, high, env);
    }

    /// Enters `view` (normal operation), treating `blocks` as the new primary's pre-prepares.
    pub(super) fn enter_view(
        &mut self,
        view: u64,
        blocks: Vec<Block>,
        high: u64,
        env: &mut dyn Env<PbftMsg>,
    ) {
        if self.in_view_change {
            env.cancel_timer(Timer { kind: NEW_VIEW, height: 0, round: self.vc_target });
        }
        self.view = view;
        self.in_view_change = false;
        self.vc_timer = None;
        self.vcs.retain(|&v, _| v > view);
        self.higher.retain(|&v, _| v > view);
        self.slots.retain(|&(v, _), _| v >= view);
        env.trace_step(self.decided + 1, view, "new_view");
        let primary = self.primary(view);
        self.proposed =
            blocks.iter().map(|b| b.height).max().unwrap_or(0).max(high).max(self.decided);
        for b in blocks {
            let (seq, id) = (b.height, b.id);
            if seq <= self.decided {
                continue;
            }
            if primary == self.me() {
                // The new view's re-proposals are this primary's pre-prepares: kept as such,
                // and traced as its proposals in this view (a pre-prepare is the primary's
                // prepare, so a commit justified by it shows that prepare in the trace).
                self.my_proposals.insert((view, seq), b.clone());
                env.trace_propose(&Block { round: view, ..b.clone() });
            }
            let slot = self.slots.entry((view, seq)).or_default();
            if slot.pre.is_some() {
                continue;
            }
            slot.pre = Some(b);
            super::add_vote(&mut slot.prepares, primary, id);
            if primary != self.me() {
                self.vote(super::Kind::Prepare, view, seq, id, env);
            }
            self.check(view, seq, env);
        }
        // Pre-prepares that arrived before this view was entered count now.
        let early = self.early.remove(&view).unwrap_or_default();
        self.early.retain(|&v, _| v > view);
        for (from, block) in early {
            self.on_preprepare(from, view, block, env);
        }
        // Votes that arrived early for this view count now.
        let seqs: Vec<u64> =
            self.slots.range((view, 0)..(view + 1, 0)).map(|(&(_, s), _)| s).collect();
        for s in seqs {
            self.check(view, s, env);
        }
        self.arm_progress(env);
        self.arm_propose(env);
    }

    /// A normal-case message from a higher view: when replicas with more than 1/3 of the power
    /// are there, at least one correct replica is, so follow them.
    pub(super) fn note_higher(&mut self, from: NodeIdx, view: u64, env: &mut dyn Env<PbftMsg>) {
        let set = self.higher.entry(view).or_default();
        set.insert(from);
        let power = self.cfg.power_of(set.iter().copied());
        if self.weak(power) && view > self.view && !(self.in_view_change && self.vc_target > view) {
            self.enter_view(view, Vec::new(), self.decided, env);
        }
    }
}

/// The blocks a new primary re-proposes: for every sequence number above the highest decided
/// one reported, the block prepared in the highest view, up to the first gap.
pub fn select(vcs: &[ViewChange]) -> Vec<Block> {
    let high = vcs.iter().map(|vc| vc.decided).max().unwrap_or(0);
    let mut out = Vec::new();
    for seq in high + 1.. {
        let best = vcs
            .iter()
            .flat_map(|vc| vc.prepared.iter())
            .filter(|(_, b)| b.height == seq)
            .max_by_key(|(v, b)| (*v, b.id));
        match best {
            Some((_, b)) => out.push(b.clone()),
            None => break,
        }
    }
    out
}
