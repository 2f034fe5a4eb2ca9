//! Casting proposals and votes — honestly, or as the configured Byzantine behaviour.

use super::msg::{TmMsg, Vote, VoteType};
use super::{Step, Tendermint};
use crate::protocol::{Block, BlockId, Env, NodeIdx};
use touchstone_core::scenario::Behaviour;

/// Whether peer `j` is in the half that gets this Byzantine node's "honest" message at `round`.
/// The peers (all but `me`, in index order) are split in two; the split rotates with the round.
pub fn in_first_half(me: NodeIdx, n: usize, j: NodeIdx, round: u64) -> bool {
    let k = n.saturating_sub(1).max(1);
    let pos = if j < me { j } else { j - 1 };
    let rot = (round % k as u64) as usize;
    (pos + k - rot) % k < k.div_ceil(2)
}

impl Tendermint {
    /// Proposes for the current round: the valid value if there is one (not under `no_lock`),
    /// else a fresh block.
    pub(super) fn propose(&mut self, env: &mut dyn Env<TmMsg>) {
        let (h, r, me) = (self.height, self.round, self.cfg.me);
        let reuse = if self.no_lock { None } else { self.valid.clone() };
        let (block, pol_round) = match reuse {
            Some((vr, b)) => (Block { round: r, ..b }, Some(vr)),
            None => (self.fresh_block(0, env), None),
        };
        env.trace_step(h, r, "propose");
        if self.behaviour() == Some(Behaviour::Equivocate) {
            let alt = self.fresh_block(1, env);
            let n = self.cfg.n();
            for j in (0..n).filter(|&j| j != me) {
                let b = if in_first_half(me, n, j, r) { &block } else { &alt };
                env.send(
                    j,
                    TmMsg::Proposal {
                        block: b.clone(),
                        pol_round: if b.id == block.id { pol_round } else { None },
                    },
                );
            }
            env.trace_propose(&block);
            env.trace_propose(&alt);
            self.alt_proposal.insert(r, alt.id);
            self.blocks.insert(alt.id, alt);
        } else {
            env.broadcast(TmMsg::Proposal { block: block.clone(), pol_round });
            env.trace_propose(&block);
        }
        self.handle(me, TmMsg::Proposal { block, pol_round }, env);
    }

    fn fresh_block(&mut self, salt: u64, env: &mut dyn Env<TmMsg>) -> Block {
        let (h, r) = (self.height, self.round);
        let parent = self.parent_id();
        let mut txs = env.take_txs(parent, self.cfg.block_size);
        if self.behaviour() == Some(Behaviour::InvalidProposal) {
            txs.push(env.invalid_tx());
        }
        let id = env.block_id(h, r, parent, &txs, ((self.cfg.me as u64) << 8) | salt);
        Block { id, height: h, round: r, parent, proposer: self.cfg.me, txs: txs.into() }
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

    /// Casts this node's vote of `vtype` at the current round. A vote already cast (before a
    /// restart) is re-sent unchanged instead.
    pub(super) fn cast_vote(
        &mut self,
        vtype: VoteType,
        v: Option<BlockId>,
        env: &mut dyn Env<TmMsg>,
    ) {
        let (h, r, me) = (self.height, self.round, self.cfg.me);
        self.step = match vtype {
            VoteType::Prevote => Step::Prevote,
            VoteType::Precommit => Step::Precommit,
        };
        if let Some(prev) = self.my_votes.get(&(h, r, vtype)).copied() {
            self.send_vote(vtype, prev, env);
            return;
        }
        self.my_votes.insert((h, r, vtype), v);
        env.trace_step(h, r, vtype.name());
        let vote = |block| Vote { vtype, height: h, round: r, block, voter: me };
        let other = self.conflicting(v);
        match (self.behaviour(), other) {
            (Some(Behaviour::Equivocate), Some(o)) => {
                let n = self.cfg.n();
                for j in (0..n).filter(|&j| j != me) {
                    let b = if in_first_half(me, n, j, r) { v } else { o };
                    env.send(j, TmMsg::Vote(vote(b)));
                }
                env.trace_vote(h, r, vtype.name(), v);
                env.trace_vote(h, r, vtype.name(), o);
            }
            (Some(Behaviour::DoubleVote), Some(o)) => {
                env.broadcast(TmMsg::Vote(vote(v)));
                env.broadcast(TmMsg::Vote(vote(o)));
                env.trace_vote(h, r, vtype.name(), v);
                env.trace_vote(h, r, vtype.name(), o);
            }
            _ => {
                env.broadcast(TmMsg::Vote(vote(v)));
                env.trace_vote(h, r, vtype.name(), v);
            }
        }
        self.votes.add(&vote(v), &self.cfg);
    }

    /// Re-sends a recorded vote (no new trace event: it is the same vote).
    pub(super) fn send_vote(
        &mut self,
        vtype: VoteType,
        v: Option<BlockId>,
        env: &mut dyn Env<TmMsg>,
    ) {
        let vote =
            Vote { vtype, height: self.height, round: self.round, block: v, voter: self.cfg.me };
        env.broadcast(TmMsg::Vote(vote));
        self.votes.add(&vote, &self.cfg);
    }
}
