//! PBFT (Castro & Liskov): pre-prepare / prepare / commit in views, view change with new-view
//! proofs when the primary fails, and catch-up of lagging or restarted replicas.
//!
//! - Sequence number → `height`, view → `round`. One sequence number is in flight at a time: the
//!   primary proposes `decided + 1` once it has decided `decided`, at most every
//!   `block_interval`, whenever transactions wait (a block is a batch of up to `block_size`).
//! - The pre-prepare counts as the primary's prepare. A replica is *prepared* with the
//!   pre-prepare and prepares of a quorum (power > 2/3), then commits; it decides once it holds
//!   commits of a quorum, in sequence order. `cert.signers` are the commit voters.
//! - Correct replicas refuse (do not prepare) a block whose transactions are invalid.
//! - **View change**: a replica with work pending (transactions, or an undecided pre-prepare)
//!   that sees no decision for `timeout` moves to view `v + 1`, sending its prepared
//!   certificates; it joins a higher view when replicas with more than 1/3 of the power ask for
//!   one; the wait for a new view doubles each time. The new primary sends a quorum of view
//!   changes and re-proposes, for every sequence number above the highest decided one, the block
//!   prepared in the highest view; replicas check the selection themselves.
//! - **Catch-up and garbage collection**: decided blocks and their commit certificates form the
//!   replica's log; a replica that sees messages beyond its next sequence number, restarts, or
//!   makes no progress asks peers (`fetch`) and decides from certificates (`decided`). Vote state
//!   below the decided height is dropped as soon as a height is decided (the decided height is
//!   the stable checkpoint).
//! - Durable across a restart: view, decided log, prepared certificates, own votes and own
//!   pre-prepares (a primary that restarts within its view proposes the same block again), and
//!   the view it asked for (a replica that left a view never returns to it).
//!
//! Byzantine behaviours (from the node's configuration) live in [`byzantine`], beside this honest
//! code: `equivocate` (as primary: two blocks to two halves of the replicas, with matching
//! commits; as backup: conflicting votes to the two halves), `double_vote` (votes for the block
//! and for another one to everyone), `amnesia` (forgets prepared certificates, votes and
//! pre-prepares on restart), and `invalid_proposal` (an invalid transaction in its blocks).
//!
//! **Broken variant `small_quorum`** (deliberately BROKEN): every quorum is f + 1 (power > 1/3)
//! instead of 2f + 1, so two quorums need not share a correct replica; an equivocating primary
//! makes two correct replicas decide different blocks at one height
//! (`scenarios/byzantine-pbft-small-quorum.toml`).

pub mod byzantine;
mod catchup;
mod msg;
#[cfg(test)]
mod tests;
mod viewchange;

pub use msg::{PbftMsg, ViewChange};

use crate::byzantine::invalid_proposal;
use crate::protocol::{Block, BlockId, Env, NodeConfig, NodeIdx, Protocol, Timer};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use touchstone_core::scenario::Behaviour;
use touchstone_core::Nanos;

const PROPOSE: Timer = Timer { kind: 1, height: 0, round: 0 };
const PROGRESS: Timer = Timer { kind: 2, height: 0, round: 0 };
/// Waiting for a new view (`round` = the target view).
const NEW_VIEW: u32 = 3;

/// How far beyond its decided height a replica accepts pre-prepares.
const WINDOW: u64 = 4;
/// Views ahead for which early pre-prepares are kept.
const EARLY_VIEWS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Prepare,
    Commit,
}

impl Kind {
    /// The vote type in the trace.
    fn name(self) -> &'static str {
        match self {
            Kind::Prepare => "prepare",
            Kind::Commit => "commit",
        }
    }
}

/// A vote of `kind` for `block` at (view, seq).
fn vote_msg(kind: Kind, view: u64, seq: u64, block: BlockId) -> PbftMsg {
    match kind {
        Kind::Prepare => PbftMsg::Prepare { view, seq, block },
        Kind::Commit => PbftMsg::Commit { view, seq, block },
    }
}

/// Votes and proposal at one (view, sequence number).
#[derive(Debug, Default)]
struct Slot {
    pre: Option<Block>,
    prepares: Vec<(NodeIdx, BlockId)>,
    commits: Vec<(NodeIdx, BlockId)>,
    sent_commit: bool,
    committed: bool,
}

/// A decided block with its certificate.
#[derive(Debug, Clone)]
struct Decision {
    block: Block,
    view: u64,
    signers: Arc<[NodeIdx]>,
}

/// One PBFT replica.
#[derive(Debug)]
pub struct Pbft {
    cfg: NodeConfig,
    small_quorum: bool,
    // Durable.
    view: u64,
    decided: u64,
    last_id: BlockId,
    log: Vec<Decision>,
    prepared: BTreeMap<u64, (u64, Block)>,
    my_votes: BTreeMap<(u64, u64, Kind), BlockId>,
    /// The blocks this replica proposed as primary, by (view, seq): its pre-prepare is its
    /// prepare, so it is kept like its votes.
    my_proposals: BTreeMap<(u64, u64), Block>,
    /// Asking for view `vc_target` (the view it left is never rejoined, even after a restart).
    in_view_change: bool,
    vc_target: u64,
    // Volatile.
    slots: BTreeMap<(u64, u64), Slot>,
    ready: BTreeMap<u64, Decision>,
    vcs: BTreeMap<u64, BTreeMap<NodeIdx, ViewChange>>,
    higher: BTreeMap<u64, BTreeSet<NodeIdx>>,
    /// Pre-prepares of views this replica has not entered yet, by view: a new primary's first
    /// proposal may overtake its new-view message on the network, and dropping it left the
    /// replica out of that view's quorum (found by touchstone explore: a paused primary's
    /// successors each lost one of three backups and no view decided for 10 s).
    early: BTreeMap<u64, Vec<(NodeIdx, Block)>>,
    proposed: u64,
    last_propose: Option<Nanos>,
    progress_mark: u64,
    last_fetch: Option<Nanos>,
    /// Blocks were taken from a peer's catch-up answer since the last progress timer: more may
    /// have been decided since that answer, so the timer asks again (once nothing new comes,
    /// it stops).
    caught_up: bool,
    /// The view-change target whose timer runs: armed only once a quorum asks for that view
    /// (PBFT's liveness rule), so a replica cut off from the others does not escalate alone.
    vc_timer: Option<u64>,
}

impl Pbft {
    pub fn new(cfg: NodeConfig) -> Self {
        let small_quorum = cfg.variant.as_deref() == Some("small_quorum");
        Pbft {
            cfg,
            small_quorum,
            view: 0,
            decided: 0,
            last_id: BlockId::GENESIS,
            log: Vec::new(),
            prepared: BTreeMap::new(),
            my_votes: BTreeMap::new(),
            my_proposals: BTreeMap::new(),
            slots: BTreeMap::new(),
            ready: BTreeMap::new(),
            in_view_change: false,
            vc_target: 0,
            vcs: BTreeMap::new(),
            higher: BTreeMap::new(),
            early: BTreeMap::new(),
            proposed: 0,
            last_propose: None,
            progress_mark: 0,
            last_fetch: None,
            caught_up: false,
            vc_timer: None,
        }
    }

    pub fn view(&self) -> u64 {
        self.view
    }

    pub fn in_view_change(&self) -> bool {
        self.in_view_change
    }

    fn primary(&self, view: u64) -> NodeIdx {
        (view % self.cfg.n() as u64) as NodeIdx
    }

    fn me(&self) -> NodeIdx {
        self.cfg.me
    }

    /// A quorum: power > 2/3 (power > 1/3 in the broken `small_quorum` variant).
    fn quorum(&self, nodes: impl IntoIterator<Item = NodeIdx>) -> bool {
        let p = self.cfg.power_of(nodes);
        if self.small_quorum {
            self.weak(p)
        } else {
            self.cfg.is_quorum(p)
        }
    }

    /// More than 1/3 of the power: at least one correct replica among them.
    fn weak(&self, power: u64) -> bool {
        power * 3 > self.cfg.total_power()
    }

    fn behaviour(env: &dyn Env<PbftMsg>) -> Option<Behaviour> {
        env.config().behaviour
    }

    fn arm_progress(&mut self, env: &mut dyn Env<PbftMsg>) {
        self.progress_mark = self.decided;
        env.set_timer(self.cfg.timeout, PROGRESS);
    }

    fn arm_propose(&mut self, env: &mut dyn Env<PbftMsg>) {
        if self.primary(self.view) != self.me()
            || self.in_view_change
            || self.proposed > self.decided
            || !env.has_pending_txs()
        {
            return;
        }
        let now = env.now();
        let due = self.last_propose.map_or(now, |t| t + self.cfg.block_interval);
        env.set_timer(due.saturating_sub(now), PROPOSE);
    }

    fn propose(&mut self, env: &mut dyn Env<PbftMsg>) {
        if self.primary(self.view) != self.me()
            || self.in_view_change
            || self.proposed > self.decided
            || !env.has_pending_txs()
        {
            return;
        }
        let (seq, view, parent) = (self.decided + 1, self.view, self.last_id);
        if let Some(block) = self.my_proposals.get(&(view, seq)).cloned() {
            // Proposed before a restart: the same block again, never another one.
            self.proposed = seq;
            self.last_propose = Some(env.now());
            env.broadcast(PbftMsg::PrePrepare { view, block: block.clone() });
            self.on_preprepare(self.me(), view, block, env);
            return;
        }
        let mut txs = env.take_txs(parent, self.cfg.block_size);
        invalid_proposal(Self::behaviour(env), &mut txs, env);
        let id = env.block_id(seq, view, parent, &txs, 0);
        let block =
            Block { id, height: seq, round: view, parent, proposer: self.me(), txs: txs.into() };
        self.proposed = seq;
        self.last_propose = Some(env.now());
        self.my_proposals.insert((view, seq), block.clone());
        env.trace_propose(&block);
        env.trace_vote(seq, view, "prepare", Some(id));
        if !self.byzantine_propose(&block, env) {
            env.broadcast(PbftMsg::PrePrepare { view, block: block.clone() });
        }
        self.on_preprepare(self.me(), view, block, env);
    }

    pub(super) fn on_preprepare(
        &mut self,
        from: NodeIdx,
        view: u64,
        block: Block,
        env: &mut dyn Env<PbftMsg>,
    ) {
        let seq = block.height;
        if view != self.view || self.in_view_change {
            if view > self.view || (view == self.view && self.in_view_change) {
                // Kept for when this view is entered (a bounded number per view and sender).
                let primary = self.primary(view);
                let held = self.early.entry(view).or_default();
                if from == primary
                    && held.iter().filter(|(f, _)| *f == from).count() < WINDOW as usize
                {
                    held.push((from, block));
                }
                self.early.retain(|_, v| !v.is_empty());
                while self.early.len() > EARLY_VIEWS {
                    self.early.pop_last();
                }
                if view > self.view {
                    self.note_higher(from, view, env);
                }
            }
            return;
        }
        if seq <= self.decided
            || from != self.primary(view)
            || block.round != view
            || block.proposer != from
        {
            return;
        }
        if seq > self.decided + 1 {
            self.fetch(from, env);
            if seq > self.decided + WINDOW {
                return;
            }
        }
        let slot = self.slots.entry((view, seq)).or_default();
        if let Some(pre) = &slot.pre {
            if pre.id != block.id {
                env.trace_evidence("conflicting_proposal", &[from], seq, view);
            }
            return;
        }
        if from != self.me() && !env.validate(&block) {
            return;
        }
        let id = block.id;
        let slot = self.slots.entry((view, seq)).or_default();
        slot.pre = Some(block);
        add_vote(&mut slot.prepares, from, id);
        if from != self.me() {
            self.vote(Kind::Prepare, view, seq, id, env);
        }
        self.check(view, seq, env);
    }

    /// Casts (and records, durably) this replica's vote; a correct replica never votes twice.
    fn vote(&mut self, kind: Kind, view: u64, seq: u64, id: BlockId, env: &mut dyn Env<PbftMsg>) {
        if self.my_votes.contains_key(&(view, seq, kind)) {
            return;
        }
        self.my_votes.insert((view, seq, kind), id);
        env.trace_vote(seq, view, kind.name(), Some(id));
        if !self.byzantine_vote(kind, view, seq, id, env) {
            env.broadcast(vote_msg(kind, view, seq, id));
        }
        let slot = self.slots.entry((view, seq)).or_default();
        let votes = if kind == Kind::Prepare { &mut slot.prepares } else { &mut slot.commits };
        add_vote(votes, self.cfg.me, id);
    }

    fn on_vote(
        &mut self,
        from: NodeIdx,
        kind: Kind,
        view: u64,
        seq: u64,
        id: BlockId,
        env: &mut dyn Env<PbftMsg>,
    ) {
        if seq <= self.decided || view < self.view {
            return;
        }
        if view > self.view {
            self.note_higher(from, view, env);
        }
        if seq > self.decided + 1 {
            self.fetch(from, env);
        }
        if seq > self.decided + WINDOW || view > self.view + WINDOW {
            return;
        }
        let slot = self.slots.entry((view, seq)).or_default();
        let votes = if kind == Kind::Prepare { &mut slot.prepares } else { &mut slot.commits };
        if let Some(&(_, prev)) = votes.iter().find(|(n, _)| *n == from) {
            if prev != id {
                env.trace_evidence("duplicate_vote", &[from], seq, view);
            }
            return;
        }
        votes.push((from, id));
        if view == self.view && !self.in_view_change {
            self.check(view, seq, env);
        }
    }

    /// Moves a slot forward: prepared → send commit; committed → ready to decide.
    fn check(&mut self, view: u64, seq: u64, env: &mut dyn Env<PbftMsg>) {
        let Some(slot) = self.slots.get(&(view, seq)) else { return };
        let Some(pre) = slot.pre.clone() else { return };
        let id = pre.id;
        if !slot.sent_commit && self.quorum(voters(&slot.prepares, id)) {
            self.slots.get_mut(&(view, seq)).expect("slot").sent_commit = true;
            self.prepared.insert(seq, (view, pre.clone()));
            self.vote(Kind::Commit, view, seq, id, env);
        }
        let slot = &self.slots[&(view, seq)];
        if slot.sent_commit && !slot.committed && self.quorum(voters(&slot.commits, id)) {
            let signers: Vec<NodeIdx> = voters(&slot.commits, id).collect();
            self.slots.get_mut(&(view, seq)).expect("slot").committed = true;
            self.ready.insert(seq, Decision { block: pre, view, signers: signers.into() });
            self.execute(env);
        }
    }

    /// Decides every ready block in sequence order.
    fn execute(&mut self, env: &mut dyn Env<PbftMsg>) {
        let before = self.decided;
        while let Some(d) = self.ready.remove(&(self.decided + 1)) {
            if d.block.parent != self.last_id {
                break; // not on this replica's chain (only with too many Byzantine replicas)
            }
            // The round of a decision is the view it was committed in.
            let block = Block { round: d.view, ..d.block.clone() };
            let mut signers = d.signers.to_vec();
            signers.sort_unstable();
            env.decide(&block, &signers);
            self.decided += 1;
            self.last_id = d.block.id;
            self.log.push(d);
        }
        if self.decided > before {
            let h = self.decided;
            self.ready.retain(|&s, _| s > h);
            self.slots.retain(|&(_, s), _| s > h);
            self.prepared.retain(|&s, _| s > h);
            self.my_votes.retain(|&(_, s, _), _| s > h);
            self.my_proposals.retain(|&(_, s), _| s > h);
            self.proposed = self.proposed.max(h);
            self.arm_progress(env);
            self.arm_propose(env);
        }
    }
}

fn add_vote(votes: &mut Vec<(NodeIdx, BlockId)>, from: NodeIdx, id: BlockId) {
    if !votes.iter().any(|(n, _)| *n == from) {
        votes.push((from, id));
    }
}

fn voters(votes: &[(NodeIdx, BlockId)], id: BlockId) -> impl Iterator<Item = NodeIdx> + '_ {
    votes.iter().filter(move |(_, b)| *b == id).map(|(n, _)| *n)
}

impl Protocol for Pbft {
    type Msg = PbftMsg;

    fn on_start(&mut self, env: &mut dyn Env<PbftMsg>) {
        env.trace_step(self.decided + 1, self.view, "propose");
        self.arm_progress(env);
        self.arm_propose(env);
    }

    fn on_message(&mut self, from: NodeIdx, msg: PbftMsg, env: &mut dyn Env<PbftMsg>) {
        match msg {
            PbftMsg::PrePrepare { view, block } => self.on_preprepare(from, view, block, env),
            PbftMsg::Prepare { view, seq, block } => {
                self.on_vote(from, Kind::Prepare, view, seq, block, env)
            }
            PbftMsg::Commit { view, seq, block } => {
                self.on_vote(from, Kind::Commit, view, seq, block, env)
            }
            PbftMsg::ViewChange(vc) => self.on_view_change(from, &vc, env),
            PbftMsg::NewView { view, vcs, blocks } => {
                self.on_new_view(from, view, &vcs, blocks, env)
            }
            PbftMsg::Fetch { from_seq } => self.on_fetch(from, from_seq, env),
            PbftMsg::Decided { seq, view, block, signers, more } => {
                self.on_decided(from, seq, view, block, signers, more, env)
            }
        }
    }

    fn on_timer(&mut self, timer: Timer, env: &mut dyn Env<PbftMsg>) {
        match timer.kind {
            1 => self.propose(env),
            2 => self.on_progress_timer(env),
            NEW_VIEW if self.in_view_change && self.vc_target == timer.round => {
                self.start_view_change(self.vc_target + 1, env)
            }
            _ => {}
        }
    }

    fn on_client_tx(&mut self, env: &mut dyn Env<PbftMsg>) {
        self.arm_propose(env);
    }

    fn on_restart(&mut self, env: &mut dyn Env<PbftMsg>) {
        self.byzantine_restart(env);
        self.slots.clear();
        self.ready.clear();
        // A replica that asked for a view before it crashed left the old one for good: it asks
        // again (its timers are gone) rather than taking part in the view it abandoned.
        let asked = self.in_view_change.then_some(self.vc_target);
        self.in_view_change = false;
        self.vc_timer = None;
        self.vcs.clear();
        self.higher.clear();
        self.early.clear();
        self.proposed = self.decided;
        self.last_propose = None;
        self.last_fetch = None;
        self.on_start(env);
        if let Some(target) = asked {
            self.start_view_change(target, env);
        }
        for p in (0..self.cfg.n()).filter(|&p| p != self.me()) {
            env.send(p, PbftMsg::Fetch { from_seq: self.decided + 1 });
        }
    }

    fn decided_height(&self) -> u64 {
        self.decided
    }
}
