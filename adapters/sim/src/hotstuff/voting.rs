//! Receiving proposals, the safe-node rule, voting, and forming certificates from votes.

use super::msg::{HsBlock, HsMsg, Qc};
use super::HotStuff;
use crate::protocol::{BlockId, Env, NodeIdx};
use std::sync::Arc;

/// Proposals kept while their ancestors are fetched.
const WAITING_CAP: usize = 64;

impl HotStuff {
    /// The safe-node rule: `b` extends the locked block, or its certificate is newer than the lock.
    pub fn safe_node(&self, b: &HsBlock) -> bool {
        self.extends(b.block.parent, self.locked_qc.block) || b.justify.view > self.locked_qc.view
    }

    pub(super) fn on_proposal(&mut self, from: NodeIdx, b: Arc<HsBlock>, env: &mut dyn Env<HsMsg>) {
        let v = b.view();
        let well_formed = b.block.proposer == Self::leader(&self.cfg, v)
            && b.block.parent == b.justify.block
            && b.block.height == b.justify.height + 1
            && b.justify.view < v
            && b.justify.is_valid(&self.cfg);
        if !well_formed {
            return;
        }
        match self.seen_proposal.get(&v) {
            Some(&id) if id != b.id() => {
                if !self.own_alternative(v, b.id())
                    && self.evidence.insert((v, b.block.proposer, 1))
                {
                    env.trace_evidence(
                        "conflicting_proposal",
                        &[b.block.proposer],
                        b.block.height,
                        v,
                    );
                }
            }
            Some(_) => {}
            None => {
                self.seen_proposal.insert(v, b.id());
            }
        }
        self.blocks.entry(b.id()).or_insert_with(|| b.clone());
        if let Some(m) = self.missing_ancestor(b.block.parent) {
            if self.waiting.len() < WAITING_CAP {
                self.waiting.push((from, b));
            }
            self.fetch(from, m, env);
            return;
        }
        self.update_qc(from, &b.justify, env);
        if v >= self.view {
            self.last_block_at = env.now();
            if v > self.last_voted_view
                && self.safe_node(&b)
                && self.seen_proposal.get(&v) == Some(&b.id())
                && env.validate(&b.block)
            {
                self.cast_vote(&b, env);
            }
            self.enter_view(v + 1, env);
        } else {
            // Too late to vote on, but later blocks build on it: let the application know it.
            env.validate(&b.block);
        }
        // The next leader may have formed its certificate from votes that overtook this
        // proposal: it could not build on a block it did not have, and can now.
        if Self::leader(&self.cfg, self.view) == self.cfg.me {
            self.try_propose(env);
        }
    }

    fn cast_vote(&mut self, b: &HsBlock, env: &mut dyn Env<HsMsg>) {
        let (v, me) = (b.view(), self.cfg.me);
        self.last_voted_view = v;
        let to = Self::leader(&self.cfg, v + 1);
        let mut ids = vec![b.id()];
        ids.extend(self.byzantine_second_vote(b, env));
        for id in ids {
            let height = self.blocks.get(&id).map_or(b.block.height, |x| x.block.height);
            env.trace_vote(height, v, "vote", Some(id));
            let msg = HsMsg::Vote { view: v, block: id, height, voter: me };
            if to == me {
                self.on_vote(v, id, height, me, env);
            } else {
                env.send(to, msg);
            }
        }
    }

    pub(super) fn on_vote(
        &mut self,
        view: u64,
        block: BlockId,
        height: u64,
        voter: NodeIdx,
        env: &mut dyn Env<HsMsg>,
    ) {
        if Self::leader(&self.cfg, view + 1) != self.cfg.me
            || view + 1 < self.view.saturating_sub(1)
        {
            return;
        }
        match self.vote_of.get(&(view, voter)) {
            Some(&prev) if prev != block => {
                if self.evidence.insert((view, voter, 2)) {
                    env.trace_evidence("duplicate_vote", &[voter], height, view);
                }
            }
            Some(_) => return,
            None => {
                self.vote_of.insert((view, voter), block);
            }
        }
        let power = self.cfg.powers.get(voter).copied().unwrap_or(0);
        let tally = self.votes.entry((view, block)).or_default();
        if !tally.voters.insert(voter) {
            return;
        }
        tally.power += power;
        if tally.certified || !self.cfg.is_quorum(tally.power) {
            return;
        }
        tally.certified = true;
        let qc = Qc { view, block, height, signers: tally.voters.iter().copied().collect() };
        // Old views' votes are no longer needed.
        self.votes.retain(|(v, _), _| *v + 2 >= view);
        self.vote_of.retain(|(v, _), _| *v + 2 >= view);
        // A voter has the block (the leader may not, if the votes overtook the proposal).
        self.update_qc(voter, &qc, env);
        if view + 1 >= self.view {
            self.enter_view(view + 1, env);
            self.try_propose(env);
        }
    }
}
