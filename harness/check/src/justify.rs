//! Vote justification (`vote_justification`): each vote of a correct node must follow from
//! what was traced before it, by the rule of the protocol family `run.start` declares:
//!
//! - `tendermint`: a `precommit` for a block needs `prevote`s for it in that round whose power
//!   is a quorum, traced before it; and a node that precommitted a block (locked it) prevotes
//!   another block in a later round only on a quorum of prevotes for that block in a round
//!   between the lock's and the vote's (a proof of lock), traced before it;
//! - `pbft`: a `commit` needs a `prepare` quorum (the proposal counts as its proposer's
//!   prepare);
//! - `simplex`: a `finalize` needs a `notarize` quorum;
//! - `raft`: a decision needs acknowledgements (`vote` for the block at its height) of a
//!   majority before it;
//! - `hotstuff`: a vote for a proposal must respect the locking rule: the proposal extends the
//!   voter's locked block, or the certificate it carries is newer than the lock. The lock is
//!   what the voter's own earlier votes prove: voting for `x` (carrying a certificate of `y`)
//!   locks the block `y`'s certificate certifies (by default `y`'s parent). Certificates are
//!   read from `cons.propose`'s `justify` (`{"block", "round"}`), or taken to certify the
//!   parent in the parent's round when absent.

use std::collections::VecDeque;

use crate::checker::{Checker, EventResult};
use crate::event::{members, req_u64, Fields};
use crate::findings::RawFinding;
use crate::height::{fingerprint, COMMIT, FINALIZE, NOTARIZE, PRECOMMIT, PREPARE, PREVOTE, VOTE};
use crate::intern::FxMap;
use crate::json::Val;
use crate::model::Family;
use touchstone_spec::Property;

/// A proposed block, as the locking rule needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    parent: Option<u64>,
    height: u64,
    round: u64,
    line: u64,
    /// The certificate the proposal carries: (block, round).
    justify: Option<(u64, u64)>,
}

/// Proposed blocks by fingerprint, dropped a window below the judged heights.
#[derive(Debug, Default)]
pub(crate) struct Links {
    map: FxMap<u64, Link>,
    order: VecDeque<(u64, u64)>,
}

/// A node's lock: the certified block, the round of its certificate, the line of the vote that
/// proves it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lock {
    block: u64,
    height: u64,
    round: u64,
    line: u64,
}

enum Extends {
    Yes,
    No,
    Unknown,
}

impl Links {
    /// The certificate `x` carries: the declared one, or its parent in the parent's round (the
    /// parent of a height-1 block is genesis, certified in round 0).
    fn certificate(&self, x: &Link) -> Option<(u64, Option<u64>)> {
        if let Some((b, r)) = x.justify {
            return Some((b, Some(r)));
        }
        let p = x.parent?;
        let round = self.map.get(&p).map(|l| l.round).or((x.height == 1).then_some(0));
        Some((p, round))
    }

    /// Whether `from` (at `height`) is `ancestor` or descends from it, as far as the
    /// proposals tell.
    fn extends(&self, mut from: u64, mut height: u64, ancestor: &Lock) -> Extends {
        loop {
            if from == ancestor.block {
                return Extends::Yes;
            }
            if height <= ancestor.height {
                return Extends::No;
            }
            match self.map.get(&from).and_then(|l| l.parent.map(|p| (p, l.height))) {
                Some((p, h)) => {
                    from = p;
                    height = h.saturating_sub(1);
                }
                None => return Extends::Unknown,
            }
        }
    }
}

impl Checker<'_> {
    /// `cons.propose`'s optional `justify`: `{"block": B, "round": R}`.
    pub(crate) fn justify_of(&self, f: &Fields<'_>) -> EventResult<Option<(u64, u64)>> {
        let Some(v) = f.justify.filter(|v| !matches!(v, Val::Null)) else { return Ok(None) };
        let (mut b, mut r) = (None, None);
        for (k, v) in members(&self.ctx, "justify", v)? {
            match &*k {
                "block" => b = Some(v),
                "round" => r = Some(v),
                _ => {}
            }
        }
        let block = self.ctx.req_str("justify.block", b)?;
        let round = req_u64("justify.round", r)?;
        Ok(Some((fingerprint(&block), round)))
    }

    /// Remembers a proposal for the locking rule (HotStuff).
    pub(crate) fn link(
        &mut self,
        block: &[u8],
        parent: Option<&[u8]>,
        h: u64,
        r: u64,
        justify: Option<(u64, u64)>,
    ) {
        let fp = fingerprint(&String::from_utf8_lossy(block));
        let parent = parent.map(|p| fingerprint(&String::from_utf8_lossy(p)));
        let line = self.line;
        let links = &mut self.links;
        if let std::collections::hash_map::Entry::Vacant(e) = links.map.entry(fp) {
            e.insert(Link { parent, height: h, round: r, line, justify });
            links.order.push_back((h, fp));
        }
        let keep = self.pruned_below.saturating_sub(self.opts.limits.window_heights);
        while links.order.front().is_some_and(|&(h, _)| h < keep) {
            if let Some((_, fp)) = links.order.pop_front() {
                links.map.remove(&fp);
            }
        }
    }

    /// Judges a new vote of `n` by its family's rule (the vote is already recorded; `b` is its
    /// block's index at height `h`).
    #[inline]
    pub(crate) fn justify_vote(
        &mut self,
        n: u32,
        h: u64,
        r: u64,
        vt: u8,
        b: u16,
        block: Option<&[u8]>,
    ) {
        let needs = match (self.model.family, vt) {
            (Family::Tendermint, PREVOTE) => {
                if b != crate::height::NIL && self.model.is_correct(n) {
                    self.tendermint_lock(n, h, r, b);
                }
                return;
            }
            (Family::Tendermint, PRECOMMIT) => {
                if b != crate::height::NIL && self.model.is_correct(n) {
                    self.quorum_rule(n, h, r, vt, PREVOTE, b);
                    // Precommitting a block locks it.
                    let line = self.line;
                    if let Some(hs) = self.heights.get_mut(&h) {
                        match hs.locks.iter_mut().find(|l| l.0 == n) {
                            Some(l) if l.1 >= r => {}
                            Some(l) => *l = (n, r, b, line),
                            None => hs.locks.push((n, r, b, line)),
                        }
                    }
                }
                return;
            }
            (Family::Pbft, COMMIT) => PREPARE,
            (Family::Simplex, FINALIZE) => NOTARIZE,
            (Family::Hotstuff, _) => {
                if let (Some(block), true) = (block, self.model.is_correct(n)) {
                    self.locking_rule(n, h, r, block);
                }
                return;
            }
            _ => return,
        };
        if b != crate::height::NIL && self.model.is_correct(n) {
            self.quorum_rule(n, h, r, vt, needs, b);
        }
    }

    /// A vote of type `vt` for block `b` needs a quorum of `needs` votes for it in its round.
    fn quorum_rule(&mut self, n: u32, h: u64, r: u64, vt: u8, needs: u8, b: u16) {
        let line = self.line;
        let Some(hs) = self.heights.get(&h) else { return };
        self.stats.votes_justified += 1;
        let tally = hs.tally(&(r, needs, b));
        if tally.is_some_and(|t| t.quorum_before(line)) {
            return;
        }
        let total = self.model.valset(h).total;
        let (power, first) = tally.map_or((0, None), |t| (t.power, Some(t.first_line)));
        let message = format!(
            "{} for {} without a {} quorum for it in round {r} before it ({} power {power} of {total})",
            self.vtype_name(vt),
            hs.block_name(b),
            self.vtype_name(needs),
            self.vtype_name(needs),
        );
        self.findings.add(RawFinding {
            prop: Property::VoteJustification,
            nodes: vec![n],
            height: Some(h),
            round: Some(r),
            lines: first.into_iter().chain([line]).collect(),
            message,
        });
    }

    /// Tendermint: a prevote of `n` for block `b` in round `r` while `n` is locked on another
    /// block since an earlier round needs a proof of lock for `b`: a prevote quorum for it in a
    /// round from the lock's to `r` (excluded), traced before.
    fn tendermint_lock(&mut self, n: u32, h: u64, r: u64, b: u16) {
        let line = self.line;
        let Some(hs) = self.heights.get(&h) else { return };
        let Some(&(_, lr, lb, lline)) = hs.locks.iter().find(|l| l.0 == n && l.1 < r) else {
            return;
        };
        self.stats.votes_justified += 1;
        if lb == b {
            return;
        }
        let unlocked = hs
            .tally_keys()
            .filter(|k| k.1 == PREVOTE && k.2 == b && (lr..r).contains(&k.0))
            .any(|k| hs.tally(&k).is_some_and(|t| t.quorum_before(line)));
        if unlocked {
            return;
        }
        let message = format!(
            "prevote for {} in round {r} while locked on {} since round {lr}, with no prevote quorum for it in rounds {lr}..{r} before it",
            hs.block_name(b),
            hs.block_name(lb)
        );
        self.findings.add(RawFinding {
            prop: Property::VoteJustification,
            nodes: vec![n],
            height: Some(h),
            round: Some(r),
            lines: vec![lline, line],
            message,
        });
    }

    /// HotStuff's locking rule for a vote of `n` for `block`, then the lock the vote proves.
    fn locking_rule(&mut self, n: u32, h: u64, r: u64, block: &[u8]) {
        let line = self.line;
        let x = fingerprint(&String::from_utf8_lossy(block));
        let Some(lx) = self.links.map.get(&x).copied() else {
            self.stats.votes_unjudged += 1;
            return;
        };
        let Some((y, y_round)) = self.links.certificate(&lx) else {
            self.stats.votes_unjudged += 1;
            return;
        };
        let lock = self.locks.get(n as usize).copied().flatten();
        if let Some(lock) = lock {
            let newer = y_round.map(|yr| yr > lock.round);
            let y_height = self.links.map.get(&y).map_or(lx.height.saturating_sub(1), |l| l.height);
            match (self.links.extends(y, y_height, &lock), newer) {
                (Extends::Yes, _) | (_, Some(true)) => self.stats.votes_justified += 1,
                (Extends::No, Some(false)) => {
                    self.stats.votes_justified += 1;
                    let name = String::from_utf8_lossy(block).into_owned();
                    self.findings.add(RawFinding {
                        prop: Property::VoteJustification,
                        nodes: vec![n],
                        height: Some(h),
                        round: Some(r),
                        lines: vec![lock.line, lx.line, line],
                        message: format!(
                            "voted for {name}, which does not extend its locked block (height {}, certified in round {}) and carries a certificate of round {}, not newer",
                            lock.height,
                            lock.round,
                            y_round.unwrap_or(0)
                        ),
                    });
                }
                _ => self.stats.votes_unjudged += 1,
            }
        } else {
            self.stats.votes_justified += 1;
        }
        // The vote processed the certificate of `y`: the voter locks what `y` certifies.
        let Some(ly) = self.links.map.get(&y).copied() else { return };
        let Some((g, Some(g_round))) = self.links.certificate(&ly) else { return };
        let g_height = self.links.map.get(&g).map_or(ly.height.saturating_sub(1), |l| l.height);
        if lock.is_none_or(|l| g_round > l.round) {
            let i = n as usize;
            if self.locks.len() <= i {
                self.locks.resize(i + 1, None);
            }
            self.locks[i] = Some(Lock { block: g, height: g_height, round: g_round, line });
        }
    }

    /// Raft: a decision needs acknowledgements of a majority (votes for the block at its
    /// height) traced before it.
    pub(crate) fn justify_decision(&mut self, n: u32, h: u64, r: u64, b: u16) -> EventResult<()> {
        if self.model.family != Family::Raft || !self.model.is_correct(n) {
            return Ok(());
        }
        let line = self.line;
        let Some(hs) = self.heights.get(&h) else { return Ok(()) };
        self.stats.votes_justified += 1;
        let mut best: Option<(u128, u64)> = None;
        for k in hs.tally_keys().filter(|k| k.1 == VOTE && k.2 == b) {
            let t = hs.tally(&k).expect("key of a tally");
            if t.quorum_before(line) {
                return Ok(());
            }
            if best.is_none_or(|x| t.power > x.0) {
                best = Some((t.power, t.first_line));
            }
        }
        let total = self.model.valset(h).total;
        let (power, first) = best.map_or((0, None), |(p, l)| (p, Some(l)));
        let message = format!(
            "decided {} with acknowledgements (vote) of power {power} of {total} before it, not a majority",
            hs.block_name(b)
        );
        self.findings.add(RawFinding {
            prop: Property::VoteJustification,
            nodes: vec![n],
            height: Some(h),
            round: Some(r),
            lines: first.into_iter().chain([line]).collect(),
            message,
        });
        Ok(())
    }
}
