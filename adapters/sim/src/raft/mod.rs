//! Raft, the crash-fault baseline: leader election with randomized timeouts (drawn from the
//! run's seed through [`Env::random_u64`]), log replication in batches (one block of
//! transactions per log entry, appended every `block_interval` while transactions wait), commit
//! on a majority of voting power (quorum 1/2), and persistence of term, vote, log and applied
//! index across a restart.
//!
//! Trace mapping (`docs/trace-format.md`): term → `round`, log index → `height`; an
//! applied entry → `cons.decide` whose `cert.signers` are the leader and the followers whose
//! acknowledgements committed it. The leader appending an entry and each follower appending it
//! write `cons.vote` `vote` for that block at (index, entry term). Election: the candidate writes `cons.vote` `request_vote` and
//! each granted vote is a `cons.vote` `vote` with a null block, both at (candidate's last log
//! index, term). Roles are `cons.step` `follower` / `candidate` / `leader`.
//!
//! Raft does not tolerate Byzantine nodes. Only the network-level behaviours (silent, delay)
//! apply to it, `invalid_proposal`, and `amnesia`, which forgets the vote of the current term on
//! restart (see [`byzantine`]).

pub mod byzantine;
mod msg;
#[cfg(test)]
mod tests;

pub use msg::{Entry, RaftMsg};

use crate::byzantine::invalid_proposal;
use crate::protocol::{Block, BlockId, Env, NodeConfig, NodeIdx, Protocol, Timer};
use std::sync::Arc;
use touchstone_core::Nanos;

const ELECTION: Timer = Timer { kind: 1, height: 0, round: 0 };
const HEARTBEAT: Timer = Timer { kind: 2, height: 0, round: 0 };
const PROPOSE: Timer = Timer { kind: 3, height: 0, round: 0 };

/// Entries sent in one AppendEntries at most.
const MAX_BATCH: usize = 64;
/// Uncommitted entries a leader appends before it waits.
const MAX_INFLIGHT: u64 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Follower,
    Candidate,
    Leader,
}

/// One Raft server.
#[derive(Debug)]
pub struct Raft {
    cfg: NodeConfig,
    // Durable.
    term: u64,
    voted_for: Option<NodeIdx>,
    log: Vec<Entry>,
    applied: u64,
    // Volatile.
    role: Role,
    commit: u64,
    votes: Vec<NodeIdx>,
    next: Vec<u64>,
    matched: Vec<u64>,
    signers: Arc<[NodeIdx]>,
    last_propose: Option<Nanos>,
}

impl Raft {
    pub fn new(cfg: NodeConfig) -> Self {
        let n = cfg.n();
        Raft {
            cfg,
            term: 0,
            voted_for: None,
            log: Vec::new(),
            applied: 0,
            role: Role::Follower,
            commit: 0,
            votes: Vec::new(),
            next: vec![1; n],
            matched: vec![0; n],
            signers: Arc::from(Vec::new()),
            last_propose: None,
        }
    }

    /// Current term.
    pub fn term(&self) -> u64 {
        self.term
    }

    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    fn last_index(&self) -> u64 {
        self.log.len() as u64
    }

    fn term_at(&self, index: u64) -> u64 {
        if index == 0 {
            0
        } else {
            self.log.get(index as usize - 1).map_or(0, |e| e.term)
        }
    }

    fn block_at(&self, index: u64) -> BlockId {
        if index == 0 {
            BlockId::GENESIS
        } else {
            self.log[index as usize - 1].block.id
        }
    }

    fn quorum(&self, nodes: impl IntoIterator<Item = NodeIdx>) -> bool {
        self.cfg.is_quorum(self.cfg.power_of(nodes))
    }

    fn reset_election(&mut self, env: &mut dyn Env<RaftMsg>) {
        let t = self.cfg.timeout.max(1);
        let r = env.random_u64() % t;
        env.set_timer(t + r, ELECTION);
    }

    fn become_follower(&mut self, term: u64, env: &mut dyn Env<RaftMsg>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
        }
        if self.role != Role::Follower {
            self.role = Role::Follower;
            env.cancel_timer(HEARTBEAT);
            env.cancel_timer(PROPOSE);
            env.trace_step(self.last_index(), self.term, "follower");
            self.reset_election(env);
        }
    }

    fn start_election(&mut self, env: &mut dyn Env<RaftMsg>) {
        self.term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.cfg.me);
        self.votes = vec![self.cfg.me];
        let (li, lt) = (self.last_index(), self.term_at(self.last_index()));
        env.trace_step(li, self.term, "candidate");
        env.trace_vote(li, self.term, "request_vote", None);
        env.broadcast(RaftMsg::RequestVote { term: self.term, last_index: li, last_term: lt });
        self.reset_election(env);
        if self.quorum(self.votes.iter().copied()) {
            self.become_leader(env);
        }
    }

    fn become_leader(&mut self, env: &mut dyn Env<RaftMsg>) {
        self.role = Role::Leader;
        env.cancel_timer(ELECTION);
        let li = self.last_index();
        self.next = vec![li + 1; self.cfg.n()];
        self.matched = vec![0; self.cfg.n()];
        env.trace_step(li, self.term, "leader");
        // A no-op entry of the new term commits what earlier terms left uncommitted.
        self.append_block(Vec::new(), env);
        self.broadcast_append(env);
        env.set_timer(self.heartbeat(), HEARTBEAT);
        self.arm_propose(env);
    }

    fn heartbeat(&self) -> Nanos {
        (self.cfg.timeout / 4).max(1)
    }

    fn append_block(&mut self, mut txs: Vec<touchstone_core::TxId>, env: &mut dyn Env<RaftMsg>) {
        let height = self.last_index() + 1;
        let parent = self.block_at(self.last_index());
        invalid_proposal(env.config().behaviour, &mut txs, env);
        let id = env.block_id(height, self.term, parent, &txs, 0);
        let block =
            Block { id, height, round: self.term, parent, proposer: self.cfg.me, txs: txs.into() };
        env.trace_propose(&block);
        env.trace_vote(height, self.term, "vote", Some(id));
        self.log.push(Entry { term: self.term, block });
        self.matched[self.cfg.me] = height;
        self.last_propose = Some(env.now());
        self.advance_commit(env);
    }

    fn arm_propose(&mut self, env: &mut dyn Env<RaftMsg>) {
        if self.role != Role::Leader || !env.has_pending_txs() {
            return;
        }
        let now = env.now();
        let due = self.last_propose.map_or(now, |t| t + self.cfg.block_interval);
        env.set_timer(due.saturating_sub(now), PROPOSE);
    }

    /// Appends a block of waiting transactions; whether it did.
    fn propose(&mut self, env: &mut dyn Env<RaftMsg>) -> bool {
        if self.role != Role::Leader
            || !env.has_pending_txs()
            || self.last_index() - self.commit >= MAX_INFLIGHT
        {
            return false;
        }
        let parent = self.block_at(self.last_index());
        let txs = env.take_txs(parent, self.cfg.block_size);
        if txs.is_empty() && self.last_index() > self.commit {
            return false; // nothing new to add while an entry is in flight
        }
        self.append_block(txs, env);
        self.broadcast_append(env);
        true
    }

    fn broadcast_append(&mut self, env: &mut dyn Env<RaftMsg>) {
        let me = self.cfg.me;
        for p in (0..self.cfg.n()).filter(|&p| p != me) {
            self.send_append(p, env);
        }
    }

    fn send_append(&mut self, p: NodeIdx, env: &mut dyn Env<RaftMsg>) {
        let prev = self.next[p].saturating_sub(1).min(self.last_index());
        let end = (prev as usize + MAX_BATCH).min(self.log.len());
        let entries = self.log[prev as usize..end].to_vec();
        self.next[p] = end as u64 + 1;
        env.send(
            p,
            RaftMsg::Append {
                term: self.term,
                prev_index: prev,
                prev_term: self.term_at(prev),
                entries,
                commit: self.commit,
                signers: self.signers.clone(),
            },
        );
    }

    fn advance_commit(&mut self, env: &mut dyn Env<RaftMsg>) {
        for idx in (self.commit + 1..=self.last_index()).rev() {
            if self.term_at(idx) != self.term {
                break;
            }
            let acks: Vec<NodeIdx> =
                (0..self.cfg.n()).filter(|&p| self.matched[p] >= idx).collect();
            if self.quorum(acks.iter().copied()) {
                self.commit = idx;
                self.signers = acks.into();
                break;
            }
        }
        let signers = self.signers.clone();
        self.apply(&signers, env);
    }

    fn apply(&mut self, signers: &[NodeIdx], env: &mut dyn Env<RaftMsg>) {
        while self.applied < self.commit {
            self.applied += 1;
            let block = self.log[self.applied as usize - 1].block.clone();
            env.decide(&block, signers);
        }
        if self.role == Role::Leader {
            self.arm_propose(env);
        }
    }

    fn on_request_vote(
        &mut self,
        from: NodeIdx,
        term: u64,
        last_index: u64,
        last_term: u64,
        env: &mut dyn Env<RaftMsg>,
    ) {
        if term > self.term {
            self.become_follower(term, env);
        }
        let (my_li, my_lt) = (self.last_index(), self.term_at(self.last_index()));
        let up_to_date = last_term > my_lt || (last_term == my_lt && last_index >= my_li);
        let granted = term == self.term && self.voted_for.is_none_or(|v| v == from) && up_to_date;
        if granted {
            self.voted_for = Some(from);
            env.trace_vote(last_index, term, "vote", None);
            self.reset_election(env);
        }
        env.send(from, RaftMsg::Vote { term: self.term, granted });
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append(
        &mut self,
        from: NodeIdx,
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        commit: u64,
        signers: Arc<[NodeIdx]>,
        env: &mut dyn Env<RaftMsg>,
    ) {
        if term < self.term {
            env.send(
                from,
                RaftMsg::AppendReply { term: self.term, success: false, index: self.applied },
            );
            return;
        }
        self.become_follower(term, env);
        self.reset_election(env);
        if prev_index > self.last_index() || self.term_at(prev_index) != prev_term {
            let hint = if prev_index > self.last_index() {
                self.last_index()
            } else {
                self.applied.min(prev_index.saturating_sub(1))
            };
            env.send(from, RaftMsg::AppendReply { term: self.term, success: false, index: hint });
            return;
        }
        let matched = prev_index + entries.len() as u64;
        for (k, e) in entries.into_iter().enumerate() {
            let idx = prev_index + 1 + k as u64;
            if idx <= self.last_index() {
                if self.term_at(idx) == e.term {
                    continue;
                }
                debug_assert!(idx > self.applied, "Raft never truncates applied entries");
                self.log.truncate(idx as usize - 1);
            }
            env.trace_vote(idx, e.term, "vote", Some(e.block.id));
            self.log.push(e);
        }
        if commit > self.commit {
            self.commit = commit.min(matched).max(self.commit);
            // The acknowledgements that committed the leader's index also certify every entry
            // below it: kept, so that this node, once leader, passes them on with the index
            // instead of an empty certificate (before it commits an entry of its own term).
            if !signers.is_empty() {
                self.signers = signers.clone();
            }
            self.apply(&signers, env);
        }
        env.send(from, RaftMsg::AppendReply { term: self.term, success: true, index: matched });
    }

    fn on_append_reply(
        &mut self,
        from: NodeIdx,
        term: u64,
        success: bool,
        index: u64,
        env: &mut dyn Env<RaftMsg>,
    ) {
        if term > self.term {
            self.become_follower(term, env);
            return;
        }
        if self.role != Role::Leader || term != self.term {
            return;
        }
        if success {
            self.matched[from] = self.matched[from].max(index);
            self.next[from] = self.next[from].max(index + 1);
            self.advance_commit(env);
            if self.next[from] <= self.last_index() {
                self.send_append(from, env);
            }
        } else {
            self.next[from] = (index + 1).min(self.next[from]).max(1);
            self.send_append(from, env);
        }
    }
}

impl Protocol for Raft {
    type Msg = RaftMsg;

    fn on_start(&mut self, env: &mut dyn Env<RaftMsg>) {
        env.trace_step(self.last_index(), self.term, "follower");
        self.reset_election(env);
    }

    fn on_message(&mut self, from: NodeIdx, msg: RaftMsg, env: &mut dyn Env<RaftMsg>) {
        match msg {
            RaftMsg::RequestVote { term, last_index, last_term } => {
                self.on_request_vote(from, term, last_index, last_term, env)
            }
            RaftMsg::Vote { term, granted } => {
                if term > self.term {
                    self.become_follower(term, env);
                } else if self.role == Role::Candidate
                    && term == self.term
                    && granted
                    && !self.votes.contains(&from)
                {
                    self.votes.push(from);
                    if self.quorum(self.votes.iter().copied()) {
                        self.become_leader(env);
                    }
                }
            }
            RaftMsg::Append { term, prev_index, prev_term, entries, commit, signers } => {
                self.on_append(from, term, prev_index, prev_term, entries, commit, signers, env)
            }
            RaftMsg::AppendReply { term, success, index } => {
                self.on_append_reply(from, term, success, index, env)
            }
        }
    }

    fn on_timer(&mut self, timer: Timer, env: &mut dyn Env<RaftMsg>) {
        match timer.kind {
            1 if self.role != Role::Leader => self.start_election(env),
            2 if self.role == Role::Leader => {
                self.broadcast_append(env);
                env.set_timer(self.heartbeat(), HEARTBEAT);
            }
            3 if self.propose(env) => self.arm_propose(env),
            _ => {}
        }
    }

    fn on_client_tx(&mut self, env: &mut dyn Env<RaftMsg>) {
        if self.role == Role::Leader {
            let now = env.now();
            if self.last_propose.is_none_or(|t| now >= t + self.cfg.block_interval) {
                self.propose(env);
            }
            self.arm_propose(env);
        }
    }

    fn on_restart(&mut self, env: &mut dyn Env<RaftMsg>) {
        self.byzantine_restart(env);
        self.role = Role::Follower;
        self.commit = self.applied;
        self.votes.clear();
        self.next = vec![1; self.cfg.n()];
        self.matched = vec![0; self.cfg.n()];
        self.last_propose = None;
        self.on_start(env);
    }

    fn decided_height(&self) -> u64 {
        self.applied
    }
}
