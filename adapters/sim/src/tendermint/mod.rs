//! Tendermint, after Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus" (2018).
//!
//! Each height runs rounds of propose → prevote → precommit. The proposer of (height, round) is
//! chosen by rotation weighted by voting power. A node prevotes a proposal if it is valid and
//! compatible with its lock (`lockedValue`/`lockedRound`, or a proof-of-lock round at or above
//! the lock); on a quorum of prevotes for a block it locks it and precommits; on a quorum of
//! precommits for a block in any round it decides. `validValue`/`validRound` make the next
//! proposer re-propose a block that may have been decided. Timeouts grow with the round
//! (`base + round·delta`), so rounds eventually last long enough after the network heals.
//! A node that sees more than a third of the power at a higher round skips to it.
//!
//! Beyond the paper, for a simulated network that drops messages:
//! - a per-round *rebroadcast* timer re-sends this node's proposal and votes of the current round
//!   (the gossip layer of a real node), and relays the proposal it holds;
//! - *catch-up*: a node that sees a peer behind sends it the commit certificate of that height
//!   (the block and a quorum of distinct precommit signers, which the receiver verifies); a node
//!   that sees a peer ahead asks it with `Status` for up to [`SYNC_BATCH`] certificates.
//!
//! Durable across a restart ([`Protocol::on_restart`]): the decided chain, height and round,
//! the lock and valid value, and this node's own votes, so a restarted correct node re-sends its
//! earlier vote instead of casting a different one. An `amnesia` node forgets lock and votes.
//!
//! Byzantine behaviours (from [`NodeConfig::behaviour`]) live in [`byzantine`], beside this
//! honest code: `equivocate`, `double_vote`, `amnesia`, and `invalid_proposal` (an invalid
//! transaction in every block it proposes). Correct nodes report `duplicate_vote` and
//! `conflicting_proposal` evidence when they hold both signed messages.
//!
//! **Broken variant** `no_lock` (deliberately unsafe, for testing the checkers): nodes never lock
//! and proposers never re-propose their valid value, so a block decided by some correct nodes in
//! one round can be replaced by another block in a later round. See
//! `scenarios/byzantine-tendermint-nolock.toml`.

pub mod byzantine;
mod cast;
pub mod msg;
mod rules;
mod sync;
#[cfg(test)]
mod tests;
pub mod votes;

use crate::protocol::{Block, BlockId, Env, NodeConfig, NodeIdx, Protocol, Timer};
use msg::{CommitCert, TmMsg, VoteType};
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::scenario::Behaviour;
use touchstone_core::Nanos;
use votes::HeightVotes;

/// Certificates sent in answer to one `Status`.
pub const SYNC_BATCH: u64 = 16;

pub(crate) const T_PROPOSE: u32 = 1;
pub(crate) const T_PREVOTE: u32 = 2;
pub(crate) const T_PRECOMMIT: u32 = 3;
pub(crate) const T_PROPOSE_DELAY: u32 = 4;
pub(crate) const T_REBROADCAST: u32 = 5;

/// Step within a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Propose,
    Prevote,
    Precommit,
}

/// A proposal held for a round.
#[derive(Debug, Clone)]
pub(crate) struct Proposal {
    block: Block,
    pol_round: Option<u64>,
}

/// One Tendermint validator.
#[derive(Debug)]
pub struct Tendermint {
    cfg: NodeConfig,
    no_lock: bool,
    // Durable.
    height: u64,
    round: u64,
    locked: Option<(u64, Block)>,
    valid: Option<(u64, Block)>,
    my_votes: BTreeMap<(u64, u64, VoteType), Option<BlockId>>,
    chain: BTreeMap<u64, CommitCert>,
    last_decide_at: Nanos,
    // Volatile (this height).
    step: Step,
    proposals: BTreeMap<u64, Proposal>,
    blocks: BTreeMap<BlockId, Block>,
    validity: BTreeMap<BlockId, bool>,
    votes: HeightVotes,
    /// Who sent anything for a round above ours, by round.
    round_senders: BTreeMap<u64, BTreeSet<NodeIdx>>,
    /// Once-per-round rule flags: (round, flag).
    done: BTreeSet<(u64, u8)>,
    /// The second proposal this node made, by round, if it equivocates ([`byzantine`]).
    alt_proposal: BTreeMap<u64, BlockId>,
    future: Vec<(NodeIdx, TmMsg)>,
    pending_certs: BTreeMap<u64, CommitCert>,
    last_status_at: Option<Nanos>,
    helped: BTreeMap<NodeIdx, (u64, Nanos)>,
}

pub(crate) const F_LOCK: u8 = 1;
pub(crate) const F_PREVOTE_TIMER: u8 = 2;
pub(crate) const F_PRECOMMIT_TIMER: u8 = 3;

impl Tendermint {
    pub fn new(cfg: NodeConfig) -> Self {
        let no_lock = cfg.variant.as_deref() == Some("no_lock");
        Tendermint {
            cfg,
            no_lock,
            height: 1,
            round: 0,
            locked: None,
            valid: None,
            my_votes: BTreeMap::new(),
            chain: BTreeMap::new(),
            last_decide_at: 0,
            step: Step::Propose,
            proposals: BTreeMap::new(),
            blocks: BTreeMap::new(),
            validity: BTreeMap::new(),
            votes: HeightVotes::default(),
            round_senders: BTreeMap::new(),
            done: BTreeSet::new(),
            alt_proposal: BTreeMap::new(),
            future: Vec::new(),
            pending_certs: BTreeMap::new(),
            last_status_at: None,
            helped: BTreeMap::new(),
        }
    }

    /// The height this node is working on.
    pub fn height(&self) -> u64 {
        self.height
    }

    pub fn round(&self) -> u64 {
        self.round
    }

    pub fn step(&self) -> Step {
        self.step
    }

    /// The locked block and round, if any.
    pub fn locked(&self) -> Option<(u64, BlockId)> {
        self.locked.as_ref().map(|(r, b)| (*r, b.id))
    }

    /// The valid block and round, if any.
    pub fn valid(&self) -> Option<(u64, BlockId)> {
        self.valid.as_ref().map(|(r, b)| (*r, b.id))
    }

    /// This node's own vote at (height, round, type), if cast.
    pub fn my_vote(&self, height: u64, round: u64, vtype: VoteType) -> Option<Option<BlockId>> {
        self.my_votes.get(&(height, round, vtype)).copied()
    }

    /// The decided block at `height`.
    pub fn decided(&self, height: u64) -> Option<&CommitCert> {
        self.chain.get(&height)
    }

    /// This node's Byzantine behaviour now: the simulator's current configuration, so a
    /// `byzantine` fault switched on at run time acts at once.
    pub(crate) fn behaviour(env: &dyn Env<TmMsg>) -> Option<Behaviour> {
        env.config().behaviour
    }

    /// Proposer of (height, round): rotation weighted by power.
    pub fn proposer(cfg: &NodeConfig, height: u64, round: u64) -> NodeIdx {
        let total = cfg.total_power().max(1);
        let mut slot = height.wrapping_add(round) % total;
        for (i, &p) in cfg.powers.iter().enumerate() {
            if slot < p {
                return i;
            }
            slot -= p;
        }
        0
    }

    /// Propose timeout of a round: `T + round·T/2`.
    pub fn timeout_propose(&self, round: u64) -> Nanos {
        self.cfg.timeout + round.saturating_mul(self.cfg.timeout / 2)
    }

    /// Prevote and precommit timeouts of a round: `T/2 + round·T/2`.
    pub fn timeout_vote(&self, round: u64) -> Nanos {
        self.cfg.timeout / 2 + round.saturating_mul(self.cfg.timeout / 2)
    }

    fn timer(&self, kind: u32, round: u64) -> Timer {
        Timer { kind, height: self.height, round }
    }

    /// Forgets everything about the current height except the durable state.
    fn reset_volatile(&mut self) {
        self.step = Step::Propose;
        self.proposals.clear();
        self.blocks.clear();
        self.validity.clear();
        self.votes.clear();
        self.round_senders.clear();
        self.done.clear();
        self.alt_proposal.clear();
    }
}

impl Protocol for Tendermint {
    type Msg = TmMsg;

    fn on_start(&mut self, env: &mut dyn Env<TmMsg>) {
        self.start_round(self.round, env);
    }

    fn on_message(&mut self, from: NodeIdx, msg: TmMsg, env: &mut dyn Env<TmMsg>) {
        self.handle(from, msg, env);
    }

    fn on_timer(&mut self, timer: Timer, env: &mut dyn Env<TmMsg>) {
        self.handle_timer(timer, env);
    }

    fn on_client_tx(&mut self, _env: &mut dyn Env<TmMsg>) {}

    fn on_restart(&mut self, env: &mut dyn Env<TmMsg>) {
        self.reset_volatile();
        self.future.clear();
        self.pending_certs.clear();
        self.last_status_at = None;
        self.helped.clear();
        self.byzantine_restart(env);
        env.broadcast(TmMsg::Status { next: self.height });
        self.start_round(self.round, env);
    }

    fn decided_height(&self) -> u64 {
        self.height - 1
    }
}
