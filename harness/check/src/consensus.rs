//! Proposals and votes (`cons.propose`, `cons.vote`) into the open-height window: blocks,
//! tallies, and equivocations as they happen. Decisions are in `decision`, the rules that
//! justify a vote in `justify`, equivocation per view in `views`.

use crate::checker::{Checker, EventResult, RawEquiv};
use crate::event::{req_u64, Fields};
use crate::height::{FirstVote, HeightState, NIL, PREPARE, VTYPES};
use crate::model::Family;

/// What a vote line added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// The node's first vote in this (height, round, vtype).
    First,
    /// The same vote again (a replay from a journal, say): nothing new.
    Same,
    /// Another block than its first vote in the slot: an equivocation.
    Other,
    /// Dropped: a per-height limit was reached.
    Dropped,
}

/// Node flags for trace completeness.
pub(crate) const VOTED: u8 = 1;
pub(crate) const PROPOSED: u8 = 2;
pub(crate) const DECIDED: u8 = 4;
pub(crate) const CERTIFIED: u8 = 8;

impl Checker<'_> {
    /// The open state of height `h` (creating it); `None` when the open-height limit is
    /// reached: the event is dropped and counted, the rest of the trace is still checked.
    #[inline]
    pub(crate) fn open(&mut self, h: u64) -> Option<&mut HeightState> {
        let max = self.opts.limits.max_open_heights;
        if self.heights.get_or_insert(h, max).is_none() {
            self.stats.dropped_events += 1;
            return None;
        }
        self.heights.get_mut(&h)
    }

    /// The index of `block` at height `h`; `None` when the height is over a limit (it is
    /// then marked and not judged) or could not be opened.
    pub(crate) fn block_in(&mut self, h: u64, block: &[u8]) -> Option<u16> {
        let limit = self.opts.limits.max_blocks_per_height;
        let hs = self.open(h)?;
        match hs.block_bytes(block, limit) {
            Some(b) => Some(b),
            None => {
                if !hs.overflow {
                    hs.overflow = true;
                    self.stats.overflow_heights += 1;
                }
                self.stats.dropped_events += 1;
                None
            }
        }
    }

    #[inline]
    pub(crate) fn flag(&mut self, n: u32, f: u8) {
        let i = n as usize;
        if self.node_flags.len() <= i {
            self.node_flags.resize(i + 1, 0);
        }
        self.node_flags[i] |= f;
    }

    #[inline]
    fn vtype(&mut self, v: &[u8]) -> EventResult<u8> {
        // The commonest first, compared as words.
        if v.len() == 7 && crate::fast::same_bytes(v, b"prevote") {
            return Ok(0);
        }
        if v.len() == 9 && crate::fast::same_bytes(v, b"precommit") {
            return Ok(1);
        }
        if let Some(i) = VTYPES.iter().position(|t| t.as_bytes() == v) {
            return Ok(i as u8);
        }
        match self.vtypes.intern(&String::from_utf8_lossy(v), 64) {
            Some(i) => Ok((i as usize + VTYPES.len()) as u8),
            None => Err(self.limit("number of distinct vote types", 64)),
        }
    }

    pub(crate) fn vtype_name(&self, vt: u8) -> String {
        match VTYPES.get(vt as usize) {
            Some(s) => (*s).to_string(),
            None => self.vtypes.name(u32::from(vt) - VTYPES.len() as u32).to_string(),
        }
    }

    pub(crate) fn equivocation(&mut self, e: RawEquiv) {
        self.equivs_total += 1;
        self.equivocators.insert(e.node);
        if self.equivs.len() < self.opts.limits.max_findings_per_property {
            self.equivs.push(e);
        }
    }

    pub(crate) fn on_propose(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let node = self.ctx.req_str("node", f.node)?;
        let h = req_u64("height", f.height)?;
        let r = req_u64("round", f.round)?;
        let block = self.ctx.req_str("block", f.block)?;
        let parent = self.ctx.opt_str("parent", f.parent)?;
        self.ctx.opt_str_list("txs", f.txs)?;
        let justify = self.justify_of(f)?;
        let parent = parent.as_deref().map(str::as_bytes);
        self.propose(node.as_bytes(), h, r, block.as_bytes(), parent, justify)
    }

    /// A proposal whose fields were read and validated (strings as bytes of valid UTF-8);
    /// `justify` is the certificate it carries, `(block, round)`, when the trace gives it.
    pub(crate) fn propose(
        &mut self,
        node: &[u8],
        h: u64,
        r: u64,
        block: &[u8],
        parent: Option<&[u8]>,
        justify: Option<(u64, u64)>,
    ) -> EventResult<()> {
        let n = self.node_bytes(node)?;
        self.stats.proposes += 1;
        self.flag(n, PROPOSED);
        self.progress.attempt(h, self.t_now);
        if self.model.family == Family::Hotstuff {
            self.link(block, parent, h, r, justify);
        }
        if h < self.pruned_below {
            self.stats.late_events += 1;
            return Ok(());
        }
        let Some(b) = self.block_in(h, block) else { return Ok(()) };
        let line = self.line;
        if self.model.view_based {
            self.view_proposal(n, h, r, b);
        }
        let Some(hs) = self.heights.get_mut(&h) else { return Ok(()) };
        hs.blocks[b as usize].proposed_line.get_or_insert(line);
        if hs.proposals.iter().any(|p| p.0 == n && p.1 == r && p.2 == b) {
            return Ok(());
        }
        let mut same = hs.proposals.iter().filter(|p| p.0 == n && p.1 == r).map(|p| (p.2, p.3));
        let (first, more) = (same.next(), same.next().is_some());
        hs.proposals.push((n, r, b, line));
        // Only the first conflicting proposal is reported.
        if let (Some(first), false) = (first, more) {
            let blocks = [hs.block_name(first.0).to_string(), hs.block_name(b).to_string()];
            self.equivocation(RawEquiv {
                node: n,
                height: h,
                round: r,
                what: "proposal".into(),
                blocks,
                lines: [first.1, line],
            });
        }
        // PBFT: the pre-prepare counts as the primary's prepare.
        if self.model.family == Family::Pbft {
            self.record_vote(n, h, r, PREPARE, Some(block))?;
        }
        Ok(())
    }

    pub(crate) fn on_vote(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let node = self.ctx.req_str("node", f.node)?;
        let h = req_u64("height", f.height)?;
        let r = req_u64("round", f.round)?;
        let vtype = self.ctx.req_str("vtype", f.vtype)?;
        let block = self.ctx.req_str_or_null("block", f.block)?;
        self.vote(node.as_bytes(), h, r, vtype.as_bytes(), block.as_deref().map(str::as_bytes))
    }

    /// A vote whose fields were read and validated (by the general scanner or a fast path);
    /// strings are given as the bytes of valid UTF-8.
    #[inline]
    pub(crate) fn vote(
        &mut self,
        node: &[u8],
        h: u64,
        r: u64,
        vtype: &[u8],
        block: Option<&[u8]>,
    ) -> EventResult<()> {
        let n = self.node_bytes(node)?;
        let vt = self.vtype(vtype)?;
        self.stats.votes += 1;
        self.flag(n, VOTED);
        self.progress.attempt(h, self.t_now);
        if block.is_some() && Some(vt) == self.needed_vt {
            self.stats.needed_votes += 1;
        }
        if h < self.pruned_below {
            self.stats.late_events += 1;
            return Ok(());
        }
        let (rec, b) = self.record_vote(n, h, r, vt, block)?;
        if matches!(rec, Recorded::First | Recorded::Other) && self.model.family != Family::Unknown
        {
            self.justify_vote(n, h, r, vt, b, block);
        }
        Ok(())
    }

    /// Records a vote into its height's tallies and equivocation evidence; also gives the
    /// block's index at the height ([`NIL`] for a nil vote).
    #[inline]
    pub(crate) fn record_vote(
        &mut self,
        n: u32,
        h: u64,
        r: u64,
        vt: u8,
        block: Option<&[u8]>,
    ) -> EventResult<(Recorded, u16)> {
        let line = self.line;
        let limit = self.opts.limits.max_open_votes;
        let block_limit = self.opts.limits.max_blocks_per_height;
        let max_heights = self.opts.limits.max_open_heights;
        let Some(hs) = self.heights.get_or_insert(h, max_heights) else {
            self.stats.dropped_events += 1;
            return Ok((Recorded::Dropped, NIL));
        };
        let b = match block {
            Some(b) => match hs.block_bytes(b, block_limit) {
                Some(b) => b,
                None => return Ok((self.drop_at(h), NIL)),
            },
            None => NIL,
        };
        if self.open_votes >= limit && !hs.first_votes.contains_key(&(n, r, vt)) {
            return Ok((self.drop_at(h), NIL));
        }
        let fv = hs.first_votes.entry((n, r, vt)).or_insert(FirstVote {
            block: b,
            equivocated: false,
            line,
        });
        if fv.line == line && fv.block == b {
            // First vote of this node in this slot.
            self.open_votes += 1;
            if b != NIL {
                push_tally(hs, (r, vt, b), n, line, &self.model, h);
            }
            if self.model.view_based {
                self.view_vote(n, h, r, vt, b);
            }
            return Ok((Recorded::First, b));
        }
        if fv.block == b {
            return Ok((Recorded::Same, b));
        }
        let first = *fv;
        fv.equivocated = true;
        let blocks = [hs.block_name(first.block).to_string(), hs.block_name(b).to_string()];
        if b != NIL && hs.tally(&(r, vt, b)).is_none_or(|t| !t.voters.contains(&n)) {
            push_tally(hs, (r, vt, b), n, line, &self.model, h);
        }
        if !first.equivocated {
            let what = self.vtype_name(vt);
            self.equivocation(RawEquiv {
                node: n,
                height: h,
                round: r,
                what,
                blocks,
                lines: [first.line, line],
            });
        }
        Ok((Recorded::Other, b))
    }

    /// A vote dropped at height `h` over a per-height limit: the height is marked.
    fn drop_at(&mut self, h: u64) -> Recorded {
        self.stats.dropped_events += 1;
        if let Some(hs) = self.heights.get_mut(&h) {
            if !hs.overflow {
                hs.overflow = true;
                self.stats.overflow_heights += 1;
            }
        }
        Recorded::Dropped
    }
}

/// Adds `n`'s vote to a tally, with its power in the set in force at height `h`, and notes the
/// line where the tally first reaches a quorum.
#[inline]
fn push_tally(
    hs: &mut HeightState,
    k: (u64, u8, u16),
    n: u32,
    line: u64,
    model: &crate::model::Model,
    h: u64,
) {
    let vs = model.valset(h);
    let t = hs.tally_mut(k, line);
    t.voters.push(n);
    t.power += vs.power(n).map_or(0, u128::from);
    if t.quorum_line.is_none() && model.is_quorum(t.power, vs.total) {
        t.quorum_line = Some(line);
    }
}
