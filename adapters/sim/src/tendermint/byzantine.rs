//! Tendermint's Byzantine behaviours, beside the honest code whose hooks call them:
//! - `equivocate`: as proposer, two different blocks to the two halves of its peers; as voter,
//!   its vote to one half and a conflicting one (the other proposal it knows, or nil) to the
//!   other (the halves rotate with the round, see [`crate::byzantine::in_first_half`]);
//! - `double_vote`: its vote and a conflicting one, both to everyone;
//! - `amnesia`: on a restart, forgets its lock, valid value and votes.
//!
//! `invalid_proposal` is [`crate::byzantine::invalid_proposal`], where blocks are made; `silent`
//! and `delay` are the simulator's. Every vote cast is traced, conflicting ones too. The
//! behaviour is read from the node's current configuration, so one switched on at run time acts
//! at once.

use super::msg::{TmMsg, Vote};
use super::Tendermint;
use crate::byzantine::send_split;
use crate::protocol::{Block, BlockId, Env};
use touchstone_core::scenario::Behaviour;

impl Tendermint {
    /// `equivocate` as proposer: `block` to the first half of the peers, a second fresh block to
    /// the others. Whether this node sent its proposal this way.
    pub(super) fn byzantine_propose(
        &mut self,
        block: &Block,
        pol_round: Option<u64>,
        env: &mut dyn Env<TmMsg>,
    ) -> bool {
        if Self::behaviour(env) != Some(Behaviour::Equivocate) {
            return false;
        }
        let r = self.round;
        let alt = self.fresh_block(1, env);
        let alt_pol_round = if alt.id == block.id { pol_round } else { None };
        send_split(
            env,
            r,
            TmMsg::Proposal { block: block.clone(), pol_round },
            TmMsg::Proposal { block: alt.clone(), pol_round: alt_pol_round },
        );
        env.trace_propose(block);
        env.trace_propose(&alt);
        self.alt_proposal.insert(r, alt.id);
        self.blocks.insert(alt.id, alt);
        true
    }

    /// `equivocate` and `double_vote` as voter, when a conflicting value is known: `vote` and
    /// the same vote for the other value, to the two halves of the peers or both to everyone.
    /// Whether this node sent its vote this way.
    pub(super) fn byzantine_vote(&mut self, vote: Vote, env: &mut dyn Env<TmMsg>) -> bool {
        let behaviour = Self::behaviour(env);
        if !matches!(behaviour, Some(Behaviour::Equivocate | Behaviour::DoubleVote)) {
            return false;
        }
        let Some(o) = self.conflicting(vote.block) else { return false };
        let other = Vote { block: o, ..vote };
        if behaviour == Some(Behaviour::Equivocate) {
            send_split(env, vote.round, TmMsg::Vote(vote), TmMsg::Vote(other));
        } else {
            env.broadcast(TmMsg::Vote(vote));
            env.broadcast(TmMsg::Vote(other));
        }
        env.trace_vote(vote.height, vote.round, vote.vtype.name(), vote.block);
        env.trace_vote(vote.height, vote.round, vote.vtype.name(), o);
        true
    }

    /// A value that conflicts with `v` at this round: another proposal we know, else nil (or,
    /// for a nil vote, the proposal).
    fn conflicting(&self, v: Option<BlockId>) -> Option<Option<BlockId>> {
        let r = self.round;
        let known = self
            .proposals
            .get(&r)
            .map(|p| p.block.id)
            .into_iter()
            .chain(self.alt_proposal.get(&r).copied());
        let mut others = known.filter(|id| Some(*id) != v);
        match (v, others.next()) {
            (_, Some(id)) => Some(Some(id)),
            (Some(_), None) => Some(None),
            (None, None) => None,
        }
    }

    /// Whether `id` is the second proposal this (equivocating) node made at `round`: its own
    /// fork coming back is no evidence against anyone.
    pub(super) fn own_alternative(&self, round: u64, id: BlockId) -> bool {
        self.alt_proposal.get(&round) == Some(&id)
    }

    /// `amnesia`: on a restart, forgets the lock, the valid value and its own votes, which a
    /// correct node keeps.
    pub(super) fn byzantine_restart(&mut self, env: &dyn Env<TmMsg>) {
        if Self::behaviour(env) == Some(Behaviour::Amnesia) {
            self.locked = None;
            self.valid = None;
            self.my_votes.clear();
        }
    }
}
