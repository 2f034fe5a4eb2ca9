//! Casting this node's proposals and votes. A Byzantine node casts them through the hooks of
//! [`super::byzantine`].

use super::msg::{TmMsg, Vote, VoteType};
use super::{Step, Tendermint};
use crate::byzantine::invalid_proposal;
use crate::protocol::{Block, BlockId, Env};

impl Tendermint {
    /// Proposes for the current round: the valid value if there is one (not under `no_lock`),
    /// else a fresh block.
    pub(super) fn propose(&mut self, env: &mut dyn Env<TmMsg>) {
        let (h, r, me) = (self.height, self.round, self.cfg.me);
        let reuse = if self.no_lock { None } else { self.valid.clone() };
        let (block, pol_round) = match reuse {
            // The valid value, proposed by this node in this round: receivers check the
            // round's proposer, so a value first proposed by another node keeps its id and
            // contents but not its proposer.
            Some((vr, b)) => (Block { round: r, proposer: me, ..b }, Some(vr)),
            None => (self.fresh_block(0, env), None),
        };
        env.trace_step(h, r, "propose");
        if let Some(vr) = pol_round {
            // The proof of lock travels with the re-proposal (see `TmMsg::Pol`).
            let votes: Vec<Vote> = self
                .votes
                .get(vr, VoteType::Prevote)
                .map(|rv| rv.signers(Some(block.id)))
                .unwrap_or_default()
                .into_iter()
                .map(|voter| Vote {
                    vtype: VoteType::Prevote,
                    height: h,
                    round: vr,
                    block: Some(block.id),
                    voter,
                })
                .collect();
            if !votes.is_empty() {
                env.broadcast(TmMsg::Pol { votes: votes.into() });
            }
        }
        if !self.byzantine_propose(&block, pol_round, env) {
            env.broadcast(TmMsg::Proposal { block: block.clone(), pol_round });
            env.trace_propose(&block);
        }
        self.handle(me, TmMsg::Proposal { block, pol_round }, env);
    }

    /// A new block at the current height and round on this node's chain; `salt` tells apart
    /// blocks of the same contents.
    pub(super) fn fresh_block(&mut self, salt: u64, env: &mut dyn Env<TmMsg>) -> Block {
        let (h, r) = (self.height, self.round);
        let parent = self.parent_id();
        let mut txs = env.take_txs(parent, self.cfg.block_size);
        invalid_proposal(Self::behaviour(env), &mut txs, env);
        let id = env.block_id(h, r, parent, &txs, ((self.cfg.me as u64) << 8) | salt);
        Block { id, height: h, round: r, parent, proposer: self.cfg.me, txs: txs.into() }
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
        let vote = Vote { vtype, height: h, round: r, block: v, voter: me };
        if !self.byzantine_vote(vote, env) {
            env.broadcast(TmMsg::Vote(vote));
            env.trace_vote(h, r, vtype.name(), v);
        }
        self.votes.add(&vote, &self.cfg);
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
