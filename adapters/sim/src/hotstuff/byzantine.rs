//! HotStuff's Byzantine behaviours, beside the honest code whose hooks call them:
//! - `equivocate`: as leader, a fork (a block extending the parent of its `highQC` block) to
//!   the first half of its peers and the honest proposal to the others (see
//!   [`crate::byzantine::in_first_half`]); as voter, also a vote for the other proposal it knows
//!   of in that view;
//! - `double_vote`: as voter, votes for both proposals it knows of in a view;
//! - `amnesia`: on a restart, forgets its lock and its last voted view.
//!
//! `invalid_proposal` is [`crate::byzantine::invalid_proposal`], where blocks are made; `silent`
//! and `delay` are the simulator's. Every vote cast is traced, conflicting ones too. The
//! behaviour is read from the replica's current configuration, so one switched on at run time
//! acts at once.

use super::msg::{HsBlock, HsMsg, Qc};
use super::HotStuff;
use crate::byzantine::send_split;
use crate::protocol::{BlockId, Env};
use std::sync::Arc;
use touchstone_core::scenario::Behaviour;

impl HotStuff {
    /// `equivocate` as leader: a fork to the first half of the peers, `honest` to the others.
    /// Whether this replica sent its proposal this way.
    pub(super) fn byzantine_propose(
        &mut self,
        honest: &Arc<HsBlock>,
        env: &mut dyn Env<HsMsg>,
    ) -> bool {
        if Self::behaviour(env) != Some(Behaviour::Equivocate) {
            return false;
        }
        let v = self.view;
        let fork_qc = self
            .blocks
            .get(&self.high_qc.block)
            .map(|b| b.justify.clone())
            .unwrap_or_else(Qc::genesis);
        let fork = Arc::new(self.make_block(fork_qc, 1, env));
        send_split(env, v, HsMsg::Proposal(fork.clone()), HsMsg::Proposal(honest.clone()));
        env.trace_propose(&honest.block);
        env.trace_propose(&fork.block);
        self.alt_proposal.insert(v, fork.id());
        self.blocks.insert(fork.id(), fork);
        true
    }

    /// `equivocate` and `double_vote` as voter: the other proposal of `b`'s view this replica
    /// also votes for (its own fork, else one it knows of), if any.
    pub(super) fn byzantine_second_vote(
        &self,
        b: &HsBlock,
        env: &dyn Env<HsMsg>,
    ) -> Option<BlockId> {
        if !matches!(Self::behaviour(env), Some(Behaviour::Equivocate | Behaviour::DoubleVote)) {
            return None;
        }
        let alt = self.alt_proposal.get(&b.view()).copied().or_else(|| self.conflicting_block(b));
        alt.filter(|a| *a != b.id())
    }

    /// Another proposal of this view that a Byzantine voter knows of.
    fn conflicting_block(&self, b: &HsBlock) -> Option<BlockId> {
        self.blocks.values().find(|x| x.view() == b.view() && x.id() != b.id()).map(|x| x.id())
    }

    /// Whether `id` is the fork this (equivocating) leader proposed in `view`: its own fork
    /// coming back is no evidence against anyone.
    pub(super) fn own_alternative(&self, view: u64, id: BlockId) -> bool {
        self.alt_proposal.get(&view) == Some(&id)
    }

    /// `amnesia`: on a restart, forgets the locked certificate and the last voted view, which a
    /// correct replica keeps (so it never votes twice in a view).
    pub(super) fn byzantine_restart(&mut self, env: &dyn Env<HsMsg>) {
        if Self::behaviour(env) == Some(Behaviour::Amnesia) {
            self.locked_qc = Qc::genesis();
            self.last_voted_view = 0;
        }
    }
}
