//! The rules of the Tendermint state machine (Algorithm 1 of the paper), one height at a time.

use super::msg::{CommitCert, TmMsg, Vote, VoteType};
use super::votes::Added;
use super::{Proposal, Step, Tendermint, F_LOCK, F_PRECOMMIT_TIMER, F_PREVOTE_TIMER};
use super::{T_PRECOMMIT, T_PREVOTE, T_PROPOSE, T_PROPOSE_DELAY, T_REBROADCAST};
use crate::protocol::{Block, BlockId, Env, NodeIdx, Timer};

/// Messages kept for the next height while this one finishes.
const FUTURE_CAP_PER_NODE: usize = 16;

impl Tendermint {
    /// StartRound(r).
    pub(super) fn start_round(&mut self, round: u64, env: &mut dyn Env<TmMsg>) {
        self.round = round;
        self.step = Step::Propose;
        env.trace_step(self.height, round, "propose");
        // A restarted node that already voted in this round resumes after its vote.
        if let Some(v) = self.my_votes.get(&(self.height, round, VoteType::Prevote)).copied() {
            self.step = Step::Prevote;
            self.send_vote(VoteType::Prevote, v, env);
        }
        if let Some(v) = self.my_votes.get(&(self.height, round, VoteType::Precommit)).copied() {
            self.step = Step::Precommit;
            self.send_vote(VoteType::Precommit, v, env);
        }
        env.set_timer(self.rebroadcast_period(round), self.timer(T_REBROADCAST, round));
        if self.step == Step::Propose {
            if Self::proposer(&self.cfg, self.height, round) == self.cfg.me {
                let ready = self.last_decide_at + self.cfg.block_interval;
                if env.now() < ready {
                    env.set_timer(ready - env.now(), self.timer(T_PROPOSE_DELAY, round));
                } else {
                    self.propose(env);
                }
            } else {
                env.set_timer(self.timeout_propose(round), self.timer(T_PROPOSE, round));
            }
        }
        self.progress(env);
    }

    fn rebroadcast_period(&self, round: u64) -> u64 {
        2 * self.timeout_propose(round)
    }

    pub(super) fn handle_timer(&mut self, t: Timer, env: &mut dyn Env<TmMsg>) {
        if t.height != self.height || t.round != self.round {
            return;
        }
        match t.kind {
            T_PROPOSE_DELAY if self.step == Step::Propose => self.propose(env),
            T_PROPOSE if self.step == Step::Propose => {
                env.trace_step(self.height, self.round, "timeout");
                self.cast_vote(VoteType::Prevote, None, env);
            }
            T_PREVOTE if self.step == Step::Prevote => {
                env.trace_step(self.height, self.round, "timeout");
                self.cast_vote(VoteType::Precommit, None, env);
            }
            T_PRECOMMIT => {
                env.trace_step(self.height, self.round, "timeout");
                self.start_round(self.round + 1, env);
                return;
            }
            T_REBROADCAST => {
                self.rebroadcast(env);
                env.set_timer(self.rebroadcast_period(self.round), t);
            }
            _ => {}
        }
        self.progress(env);
    }

    /// Re-sends this round's proposal (ours or the one we hold) and our votes.
    fn rebroadcast(&mut self, env: &mut dyn Env<TmMsg>) {
        if let Some(p) = self.proposals.get(&self.round) {
            env.broadcast(TmMsg::Proposal { block: p.block.clone(), pol_round: p.pol_round });
        }
        for vt in [VoteType::Prevote, VoteType::Precommit] {
            if let Some(v) = self.my_votes.get(&(self.height, self.round, vt)).copied() {
                env.broadcast(TmMsg::Vote(Vote {
                    vtype: vt,
                    height: self.height,
                    round: self.round,
                    block: v,
                    voter: self.cfg.me,
                }));
            }
        }
        if self.round > 0 {
            // Peers stuck in an earlier round need our precommit of the previous one.
            let r = self.round - 1;
            if let Some(v) = self.my_votes.get(&(self.height, r, VoteType::Precommit)).copied() {
                env.broadcast(TmMsg::Vote(Vote {
                    vtype: VoteType::Precommit,
                    height: self.height,
                    round: r,
                    block: v,
                    voter: self.cfg.me,
                }));
            }
        }
    }

    pub(super) fn handle(&mut self, from: NodeIdx, msg: TmMsg, env: &mut dyn Env<TmMsg>) {
        let height = match &msg {
            TmMsg::Proposal { block, .. } => block.height,
            TmMsg::Vote(v) => v.height,
            TmMsg::Pol { votes } => {
                let votes = votes.clone();
                self.on_pol(&votes, env);
                return;
            }
            TmMsg::Commit { cert, more } => {
                let more = *more;
                self.on_commit_cert(from, cert.clone(), more, env);
                return;
            }
            TmMsg::Status { next } => {
                self.on_status(from, *next, env);
                return;
            }
        };
        if height < self.height {
            self.help_lagging(from, height, env);
            return;
        }
        if height > self.height {
            if height == self.height + 1 {
                let from_count = self.future.iter().filter(|(f, _)| *f == from).count();
                if from_count < FUTURE_CAP_PER_NODE {
                    self.future.push((from, msg));
                }
            }
            self.ask_status(from, env);
            return;
        }
        match msg {
            TmMsg::Proposal { block, pol_round } => self.on_proposal(block, pol_round, env),
            TmMsg::Vote(v) => {
                if v.voter == from {
                    self.on_vote(v, env);
                }
            }
            TmMsg::Commit { .. } | TmMsg::Status { .. } | TmMsg::Pol { .. } => {}
        }
    }

    /// Relayed prevotes of a proof-of-lock: those of this height count as if received from
    /// their voters (duplicates are ignored, conflicts reported as usual).
    fn on_pol(&mut self, votes: &[Vote], env: &mut dyn Env<TmMsg>) {
        let mut added = false;
        for v in votes.iter().filter(|v| v.height == self.height && v.vtype == VoteType::Prevote) {
            match self.votes.add(v, &self.cfg) {
                Added::New => added = true,
                Added::Conflict => {
                    env.trace_evidence("duplicate_vote", &[v.voter], v.height, v.round)
                }
                Added::Duplicate | Added::AlreadyReported => {}
            }
        }
        if added {
            self.progress(env);
        }
    }

    fn on_proposal(&mut self, block: Block, pol_round: Option<u64>, env: &mut dyn Env<TmMsg>) {
        let r = block.round;
        if block.proposer != Self::proposer(&self.cfg, self.height, r)
            || pol_round.is_some_and(|p| p >= r)
        {
            return;
        }
        if let Some(held) = self.proposals.get(&r) {
            if held.block.id != block.id && !self.own_alternative(r, block.id) {
                let key = (r, 100u8);
                if self.done.insert(key) {
                    env.trace_evidence("conflicting_proposal", &[block.proposer], self.height, r);
                }
            }
            self.blocks.entry(block.id).or_insert(block);
            return;
        }
        self.note_round(block.proposer, r, env);
        self.blocks.insert(block.id, block.clone());
        self.proposals.insert(r, Proposal { block, pol_round });
        self.progress(env);
        self.try_decide(r, env);
    }

    pub(super) fn on_vote(&mut self, v: Vote, env: &mut dyn Env<TmMsg>) {
        match self.votes.add(&v, &self.cfg) {
            Added::New => {}
            Added::Conflict => {
                env.trace_evidence("duplicate_vote", &[v.voter], v.height, v.round);
                return;
            }
            Added::Duplicate | Added::AlreadyReported => return,
        }
        self.note_round(v.voter, v.round, env);
        self.progress(env);
        if v.vtype == VoteType::Precommit {
            self.try_decide(v.round, env);
        }
    }

    /// Round skip: more than a third of the power seen at a higher round.
    fn note_round(&mut self, sender: NodeIdx, round: u64, env: &mut dyn Env<TmMsg>) {
        if round <= self.round {
            return;
        }
        let set = self.round_senders.entry(round).or_default();
        set.insert(sender);
        let power = self.cfg.power_of(set.iter().copied());
        let (num, den) = (self.cfg.quorum_num, self.cfg.quorum_den);
        // "f + 1": power > (den - num)/den of the total (a third for 2/3 quorums).
        if power as u128 * den as u128
            > self.cfg.total_power() as u128 * (den - num.min(den)) as u128
        {
            self.start_round(round, env);
        }
    }

    pub(super) fn is_valid(&mut self, id: BlockId, env: &mut dyn Env<TmMsg>) -> bool {
        if let Some(v) = self.validity.get(&id) {
            return *v;
        }
        let Some(b) = self.blocks.get(&id) else { return false };
        let ok = b.height == self.height && b.parent == self.parent_id() && env.validate(b);
        self.validity.insert(id, ok);
        ok
    }

    pub(super) fn parent_id(&self) -> BlockId {
        self.chain.get(&(self.height - 1)).map_or(BlockId::GENESIS, |c| c.block.id)
    }

    /// Evaluates the rules of the current round (each fires at most once per round).
    pub(super) fn progress(&mut self, env: &mut dyn Env<TmMsg>) {
        let (h, r) = (self.height, self.round);
        let proposal = self.proposals.get(&r).cloned();
        if self.step == Step::Propose {
            if let Some(p) = &proposal {
                let id = p.block.id;
                match p.pol_round {
                    None => {
                        let ok = self.is_valid(id, env)
                            && (self.no_lock
                                || self.locked.as_ref().is_none_or(|(_, b)| b.id == id));
                        self.cast_vote(VoteType::Prevote, ok.then_some(id), env);
                    }
                    Some(vr)
                        if self.cfg.is_quorum(self.votes.power_for(
                            vr,
                            VoteType::Prevote,
                            Some(id),
                        )) =>
                    {
                        let lock_ok = self.no_lock
                            || self.locked.as_ref().is_none_or(|(lr, b)| *lr <= vr || b.id == id);
                        let ok = self.is_valid(id, env) && lock_ok;
                        self.cast_vote(VoteType::Prevote, ok.then_some(id), env);
                    }
                    Some(_) => {}
                }
            }
        }
        if self.step == Step::Prevote
            && self.cfg.is_quorum(self.votes.any_power(r, VoteType::Prevote))
            && self.done.insert((r, F_PREVOTE_TIMER))
        {
            env.set_timer(self.timeout_vote(r), self.timer(T_PREVOTE, r));
        }
        if self.step >= Step::Prevote && !self.done.contains(&(r, F_LOCK)) {
            if let Some(p) = &proposal {
                let id = p.block.id;
                if self.cfg.is_quorum(self.votes.power_for(r, VoteType::Prevote, Some(id)))
                    && self.is_valid(id, env)
                {
                    self.done.insert((r, F_LOCK));
                    if self.step == Step::Prevote {
                        if !self.no_lock {
                            self.locked = Some((r, p.block.clone()));
                        }
                        self.cast_vote(VoteType::Precommit, Some(id), env);
                    }
                    if !self.no_lock {
                        self.valid = Some((r, p.block.clone()));
                    }
                }
            }
        }
        if self.step == Step::Prevote
            && self.cfg.is_quorum(self.votes.power_for(r, VoteType::Prevote, None))
        {
            self.cast_vote(VoteType::Precommit, None, env);
        }
        if self.cfg.is_quorum(self.votes.any_power(r, VoteType::Precommit))
            && self.done.insert((r, F_PRECOMMIT_TIMER))
        {
            env.set_timer(self.timeout_vote(r), self.timer(T_PRECOMMIT, r));
        }
        debug_assert_eq!(h, self.height);
        self.try_decide(r, env);
    }

    /// Decides if a quorum of precommits at `round` names a known, valid block.
    pub(super) fn try_decide(&mut self, round: u64, env: &mut dyn Env<TmMsg>) {
        let Some(rv) = self.votes.get(round, VoteType::Precommit) else { return };
        let Some(id) = rv.quorum_block(&self.cfg) else { return };
        if !self.blocks.contains_key(&id) || !self.is_valid(id, env) {
            return;
        }
        let signers = self
            .votes
            .get(round, VoteType::Precommit)
            .map(|rv| rv.signers(Some(id)))
            .unwrap_or_default();
        let block = self.blocks[&id].clone();
        self.decide(CommitCert { block, round, signers }, env);
    }

    /// Decides `cert.block` at the current height and moves to the next.
    pub(super) fn decide(&mut self, cert: CommitCert, env: &mut dyn Env<TmMsg>) {
        env.trace_step(self.height, cert.round, "commit");
        env.decide(&Block { round: cert.round, ..cert.block.clone() }, &cert.signers);
        self.chain.insert(self.height, cert);
        self.last_decide_at = env.now();
        self.height += 1;
        self.round = 0;
        self.locked = None;
        self.valid = None;
        let h = self.height;
        self.my_votes.retain(|(vh, _, _), _| *vh >= h);
        self.reset_volatile();
        self.pending_certs.retain(|k, _| *k >= h);
        if let Some(next) = self.pending_certs.remove(&h) {
            if next.block.parent == self.parent_id() {
                self.blocks.insert(next.block.id, next.block.clone());
                if self.is_valid(next.block.id, env) {
                    self.decide(next, env);
                    return;
                }
            }
        }
        self.start_round(0, env);
        let future = std::mem::take(&mut self.future);
        for (from, msg) in future {
            if self.height != h {
                break;
            }
            self.handle(from, msg, env);
        }
    }
}
