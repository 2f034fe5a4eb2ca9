//! PBFT's Byzantine behaviours, beside the honest code whose hooks call them:
//! - `equivocate`: as primary, a second block (the same transactions in reverse order) to the
//!   even-numbered replicas and the honest one to the odd-numbered, each with a matching commit;
//!   as backup, its vote to the odd-numbered replicas and a vote for a made-up block to the others;
//! - `double_vote`: its vote and a vote for a made-up block, both to everyone;
//! - `amnesia`: on a restart, forgets its prepared certificates, votes and pre-prepares.
//!
//! `invalid_proposal` is [`crate::byzantine::invalid_proposal`], where blocks are made; `silent`
//! and `delay` are the simulator's. Every vote cast is traced, conflicting ones too. The
//! behaviour is read from the node's current configuration, so one switched on at run time acts
//! at once.

use super::{vote_msg, Kind, Pbft, PbftMsg};
use crate::protocol::{Block, BlockId, Env};
use touchstone_core::scenario::Behaviour;

/// The made-up block a Byzantine replica votes for beside `id`.
fn fake(id: BlockId) -> BlockId {
    BlockId(id.0 ^ 0x5eed_5eed_5eed_5eed)
}

impl Pbft {
    /// `equivocate` as primary: a second block for the even-numbered replicas, with its commit.
    /// Whether this replica sent its pre-prepare this way.
    pub(super) fn byzantine_propose(&mut self, block: &Block, env: &mut dyn Env<PbftMsg>) -> bool {
        if Self::behaviour(env) != Some(Behaviour::Equivocate) {
            return false;
        }
        let txs: Vec<_> = block.txs.iter().rev().copied().collect();
        let id2 = env.block_id(block.height, block.round, block.parent, &txs, 1);
        let other = Block { id: id2, txs: txs.into(), ..block.clone() };
        env.trace_propose(&other);
        env.trace_vote(block.height, block.round, "commit", Some(block.id));
        env.trace_vote(block.height, block.round, "commit", Some(id2));
        for p in (0..self.cfg.n()).filter(|&p| p != self.me()) {
            let b = if p % 2 == 1 { block } else { &other };
            env.send(p, PbftMsg::PrePrepare { view: block.round, block: b.clone() });
            env.send(p, PbftMsg::Commit { view: block.round, seq: block.height, block: b.id });
        }
        true
    }

    /// `double_vote`, and `equivocate` as backup: this replica's vote of `kind` for `id` and one
    /// for a made-up block, both to everyone or split by parity. Whether it voted this way.
    pub(super) fn byzantine_vote(
        &mut self,
        kind: Kind,
        view: u64,
        seq: u64,
        id: BlockId,
        env: &mut dyn Env<PbftMsg>,
    ) -> bool {
        match Self::behaviour(env) {
            Some(Behaviour::DoubleVote) => {
                env.trace_vote(seq, view, kind.name(), Some(fake(id)));
                env.broadcast(vote_msg(kind, view, seq, id));
                env.broadcast(vote_msg(kind, view, seq, fake(id)));
                true
            }
            Some(Behaviour::Equivocate) if self.primary(view) != self.me() => {
                env.trace_vote(seq, view, kind.name(), Some(fake(id)));
                for p in (0..self.cfg.n()).filter(|&p| p != self.me()) {
                    env.send(p, vote_msg(kind, view, seq, if p % 2 == 1 { id } else { fake(id) }));
                }
                true
            }
            _ => false,
        }
    }

    /// `amnesia`: on a restart, forgets the prepared certificates and its own votes and
    /// pre-prepares, which a correct replica keeps.
    pub(super) fn byzantine_restart(&mut self, env: &mut dyn Env<PbftMsg>) {
        if Self::behaviour(env) == Some(Behaviour::Amnesia) {
            self.prepared.clear();
            self.my_votes.clear();
            self.my_proposals.clear();
        }
    }
}
