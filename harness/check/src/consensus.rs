//! Proposals and votes (`cons.propose`, `cons.vote`) into the open-height window: blocks,
//! tallies, and equivocations as they happen. Decisions are in `decision`.

use crate::checker::{Checker, EventResult, RawEquiv};
use crate::event::{req_u64, Fields};
use crate::height::{FirstVote, HeightState, NIL, VTYPES};

impl Checker<'_> {
    /// The open state of height `h` (creating it, bounded).
    #[inline]
    pub(crate) fn open(&mut self, h: u64) -> EventResult<&mut HeightState> {
        let max = self.opts.limits.max_open_heights;
        if self.heights.get_or_insert(h, max).is_none() {
            return Err(self.limit("number of open heights", max));
        }
        Ok(self.heights.get_mut(&h).expect("opened above"))
    }

    pub(crate) fn block_in(&mut self, h: u64, block: &[u8]) -> EventResult<u16> {
        let limit = self.opts.limits.max_blocks_per_height;
        match self.open(h)?.block_bytes(block, limit) {
            Some(b) => Ok(b),
            None => Err(self.limit("number of distinct blocks at one height", limit)),
        }
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
        let fixed = match v {
            b"prevote" => Some(0),
            b"precommit" => Some(1),
            b"prepare" => Some(2),
            b"commit" => Some(3),
            b"vote" => Some(4),
            b"request_vote" => Some(5),
            _ => None,
        };
        if let Some(i) = fixed {
            debug_assert_eq!(VTYPES[i as usize].as_bytes(), v);
            return Ok(i);
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

    fn equivocation(&mut self, e: RawEquiv) {
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
        self.ctx.opt_str("parent", f.parent)?;
        self.ctx.opt_str_list("txs", f.txs)?;
        self.propose(node.as_bytes(), h, r, block.as_bytes())
    }

    /// A proposal whose fields were read and validated (strings as bytes of valid UTF-8).
    pub(crate) fn propose(&mut self, node: &[u8], h: u64, r: u64, block: &[u8]) -> EventResult<()> {
        let n = self.node_bytes(node)?;
        self.stats.proposes += 1;
        if h < self.pruned_below {
            self.stats.late_events += 1;
            return Ok(());
        }
        let b = self.block_in(h, block)?;
        let line = self.line;
        let hs = self.open(h)?;
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
        if h < self.pruned_below {
            self.stats.late_events += 1;
            return Ok(());
        }
        let line = self.line;
        let limit = self.opts.limits.max_open_votes;
        if self.open_votes >= limit {
            return Err(self.limit("number of open votes", limit));
        }
        let block_limit = self.opts.limits.max_blocks_per_height;
        let max_heights = self.opts.limits.max_open_heights;
        let Some(hs) = self.heights.get_or_insert(h, max_heights) else {
            return Err(self.limit("number of open heights", max_heights));
        };
        let b = match block {
            Some(b) => match hs.block_bytes(b, block_limit) {
                Some(b) => b,
                None => {
                    return Err(self.limit("number of distinct blocks at one height", block_limit))
                }
            },
            None => NIL,
        };
        let fv = hs.first_votes.entry((n, r, vt)).or_insert(FirstVote {
            block: b,
            equivocated: false,
            line,
        });
        if fv.line == line {
            // First vote of this node in this slot.
            self.open_votes += 1;
            if b != NIL {
                push_tally(hs, r, vt, b, n, line);
            }
            return Ok(());
        }
        if fv.block == b {
            return Ok(());
        }
        let first = *fv;
        fv.equivocated = true;
        let blocks = [hs.block_name(first.block).to_string(), hs.block_name(b).to_string()];
        if b != NIL && hs.tally(&(r, vt, b)).is_none_or(|t| !t.voters.contains(&n)) {
            push_tally(hs, r, vt, b, n, line);
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
        Ok(())
    }
}

#[inline]
fn push_tally(hs: &mut HeightState, r: u64, vt: u8, b: u16, n: u32, line: u64) {
    hs.tally_mut((r, vt, b), line).voters.push(n);
}
