//! Chained HotStuff, after Yin, Malkhi, Reiter, Gueta and Abraham, "HotStuff: BFT Consensus
//! with Linearity and Responsiveness" (PODC 2019), Algorithm 3.
//!
//! Views have leaders by rotation weighted by power. The leader of view `v` proposes a block
//! extending the block of its highest quorum certificate (`highQC`), carrying that certificate
//! as `justify`. Replicas vote (to the leader of `v + 1`) for a proposal that is valid and safe:
//! it extends the locked block, or its `justify` is newer than the lock (the safe-node rule).
//! A quorum of votes is a certificate (QC). When a QC for `b''` arrives with `b''.justify`
//! certifying `b'` and `b'.justify` certifying `b`: the replica locks `b'`, and if
//! `b'' → b' → b` are direct parents it commits `b` and its uncommitted ancestors, in height
//! order (three-chain rule).
//!
//! Pacemaker: each view has a timer, doubling with each consecutive view that fails (reset on
//! a commit). On a timeout a replica moves to the next view and broadcasts `NewView` with its
//! `highQC`; a replica seeing more than a third of the power in a higher view joins it; the leader
//! proposes once a quorum of `NewView`s (or a QC for the previous view) has arrived. The leader
//! waits `block_interval` after the previous block before proposing. A replica missing an
//! ancestor of a proposal or of a block to commit fetches it (with up to [`FETCH_BATCH`] of its
//! ancestors) from the sender.
//!
//! Durable across a restart: the block tree and the committed chain, the view, `highQC`, the
//! locked QC, the last voted view and the last proposed view (so a restarted correct replica
//! never votes or proposes twice in a view). An `amnesia` replica forgets its lock and last voted view.
//!
//! Byzantine behaviours (from [`NodeConfig::behaviour`]) live in [`byzantine`], beside this
//! honest code: `equivocate`, `double_vote`, `amnesia`, and `invalid_proposal`. Correct replicas
//! report `duplicate_vote` (two votes of one voter in one view reaching a leader) and
//! `conflicting_proposal` (two proposals of one leader in one view).
//!
//! Trace mapping: view → `round`, block height → `height`; votes have `vtype = "vote"`.
//!
//! **Broken variant** `two_chain` (deliberately unsafe, for testing the checkers): commits `b'`
//! as soon as it is locked (`b'' → b'` direct), so a fork justified by an older certificate can
//! later be committed by others. See `scenarios/byzantine-hotstuff-twochain.toml`.

pub mod byzantine;
mod chain;
pub mod msg;
mod pacemaker;
#[cfg(test)]
mod tests;
mod voting;

use crate::protocol::{BlockId, Env, NodeConfig, NodeIdx, Protocol, Timer};
use msg::{HsBlock, HsMsg, Qc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use touchstone_core::scenario::Behaviour;
use touchstone_core::Nanos;

/// Ancestors sent in answer to one `Fetch`.
pub const FETCH_BATCH: usize = 32;
/// Cap on the backoff exponent of the view timer: at most 8 × the timeout, so that once a
/// quorum is back, one faulty leader costs the chain at most that long (inside the progress
/// bound of 10 timeouts); 64 × let a view armed during a partition stall the healed chain
/// for 16 s behind a silent leader (found by touchstone explore).
pub const MAX_BACKOFF: u32 = 3;

pub(crate) const T_VIEW: u32 = 1;
pub(crate) const T_PROPOSE_DELAY: u32 = 2;

/// Votes collected for one (view, block).
#[derive(Debug, Default)]
pub(crate) struct VoteTally {
    voters: BTreeSet<NodeIdx>,
    power: u64,
    certified: bool,
}

/// One chained-HotStuff replica.
#[derive(Debug)]
pub struct HotStuff {
    cfg: NodeConfig,
    two_chain: bool,
    // Durable.
    blocks: BTreeMap<BlockId, Arc<HsBlock>>,
    view: u64,
    high_qc: Qc,
    locked_qc: Qc,
    last_voted_view: u64,
    committed_height: u64,
    committed_tip: BlockId,
    /// The last view this replica proposed in, kept like its last voted view: a leader that
    /// restarts within its view never proposes a second block there.
    proposed_view: u64,
    // Volatile.
    fails: u32,
    last_block_at: Nanos,
    votes: BTreeMap<(u64, BlockId), VoteTally>,
    vote_of: BTreeMap<(u64, NodeIdx), BlockId>,
    new_views: BTreeMap<u64, BTreeSet<NodeIdx>>,
    seen_proposal: BTreeMap<u64, BlockId>,
    /// The fork this replica proposed, by view, if it equivocates ([`byzantine`]).
    alt_proposal: BTreeMap<u64, BlockId>,
    waiting: Vec<(NodeIdx, Arc<HsBlock>)>,
    fetching: BTreeMap<BlockId, Nanos>,
    evidence: BTreeSet<(u64, NodeIdx, u8)>,
}

impl HotStuff {
    pub fn new(cfg: NodeConfig) -> Self {
        let two_chain = cfg.variant.as_deref() == Some("two_chain");
        let genesis = Arc::new(HsBlock::genesis());
        HotStuff {
            cfg,
            two_chain,
            blocks: BTreeMap::from([(BlockId::GENESIS, genesis)]),
            view: 0,
            high_qc: Qc::genesis(),
            locked_qc: Qc::genesis(),
            last_voted_view: 0,
            committed_height: 0,
            committed_tip: BlockId::GENESIS,
            proposed_view: 0,
            fails: 0,
            last_block_at: 0,
            votes: BTreeMap::new(),
            vote_of: BTreeMap::new(),
            new_views: BTreeMap::new(),
            seen_proposal: BTreeMap::new(),
            alt_proposal: BTreeMap::new(),
            waiting: Vec::new(),
            fetching: BTreeMap::new(),
            evidence: BTreeSet::new(),
        }
    }

    pub fn view(&self) -> u64 {
        self.view
    }

    pub fn high_qc(&self) -> &Qc {
        &self.high_qc
    }

    pub fn locked_qc(&self) -> &Qc {
        &self.locked_qc
    }

    pub fn last_voted_view(&self) -> u64 {
        self.last_voted_view
    }

    pub fn block(&self, id: BlockId) -> Option<&HsBlock> {
        self.blocks.get(&id).map(|b| &**b)
    }

    /// This replica's Byzantine behaviour now: the simulator's current configuration, so a
    /// `byzantine` fault switched on at run time acts at once.
    pub(crate) fn behaviour(env: &dyn Env<HsMsg>) -> Option<Behaviour> {
        env.config().behaviour
    }

    /// Leader of `view`: rotation weighted by power.
    pub fn leader(cfg: &NodeConfig, view: u64) -> NodeIdx {
        let total = cfg.total_power().max(1);
        let mut slot = view % total;
        for (i, &p) in cfg.powers.iter().enumerate() {
            if slot < p {
                return i;
            }
            slot -= p;
        }
        0
    }

    /// View timer after `fails` consecutive failed views: `T · 2^min(fails, MAX_BACKOFF)`.
    pub fn view_timeout(&self, fails: u32) -> Nanos {
        self.cfg.timeout.saturating_mul(1 << fails.min(MAX_BACKOFF))
    }
}

impl Protocol for HotStuff {
    type Msg = HsMsg;

    fn on_start(&mut self, env: &mut dyn Env<HsMsg>) {
        self.enter_view(self.view.max(1), env);
        if Self::leader(&self.cfg, self.view) == self.cfg.me {
            self.try_propose(env);
        }
    }

    fn on_message(&mut self, from: NodeIdx, msg: HsMsg, env: &mut dyn Env<HsMsg>) {
        match msg {
            HsMsg::Proposal(b) => self.on_proposal(from, b, env),
            HsMsg::Vote { view, block, height, voter } => {
                if voter == from {
                    self.on_vote(view, block, height, voter, env);
                }
            }
            HsMsg::NewView { view, high_qc } => self.on_new_view(from, view, high_qc, env),
            HsMsg::Fetch { id } => self.on_fetch(from, id, env),
            HsMsg::Blocks(bs) => self.on_blocks(from, bs, env),
        }
    }

    fn on_timer(&mut self, timer: Timer, env: &mut dyn Env<HsMsg>) {
        if timer.round != self.view {
            return;
        }
        match timer.kind {
            T_VIEW => self.on_view_timeout(env),
            T_PROPOSE_DELAY => self.try_propose(env),
            _ => {}
        }
    }

    fn on_client_tx(&mut self, _env: &mut dyn Env<HsMsg>) {}

    fn on_restart(&mut self, env: &mut dyn Env<HsMsg>) {
        self.fails = 0;
        self.votes.clear();
        self.vote_of.clear();
        self.new_views.clear();
        self.seen_proposal.clear();
        self.waiting.clear();
        self.fetching.clear();
        self.byzantine_restart(env);
        let v = self.view.max(1);
        self.view = 0;
        self.enter_view(v, env);
        env.broadcast(HsMsg::NewView { view: v, high_qc: self.high_qc.clone() });
    }

    fn decided_height(&self) -> u64 {
        self.committed_height
    }
}
