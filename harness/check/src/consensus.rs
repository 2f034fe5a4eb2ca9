//! Consensus events (`cons.propose`, `cons.vote`, `cons.decide`) into the open-height window.

use crate::checker::{Checker, EventResult, NodeChain, RawEquiv};
use crate::event::{bad, members, req_u64, Fields};
use crate::findings::RawFinding;
use crate::height::{FirstVote, HeightState, NIL, VTYPES};
use crate::json::Val;
use touchstone_spec::Property;

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

    fn block_in(&mut self, h: u64, block: &[u8]) -> EventResult<u16> {
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

    pub(crate) fn on_decide(&mut self, f: &Fields<'_>, t: u64) -> EventResult<()> {
        let node = self.ctx.req_str("node", f.node)?;
        let h = req_u64("height", f.height)?;
        let r = req_u64("round", f.round)?;
        let block = self.ctx.req_str("block", f.block)?;
        let parent = self.ctx.opt_str("parent", f.parent)?;
        let app_hash = self.ctx.opt_str("app_hash", f.app_hash)?;
        let txs = self.ctx.opt_str_list("txs", f.txs)?.unwrap_or_default();
        let signers = match f.cert {
            None | Some(Val::Null) => None,
            Some(c) => {
                let mut s = None;
                for (k, v) in members(&self.ctx, "cert", c)? {
                    if k == "signers" {
                        s = Some(self.ctx.str_list("cert.signers", v)?);
                    }
                }
                match s {
                    Some(s) => Some(s),
                    None => return bad("cert.signers", "missing required field")?,
                }
            }
        };
        let d = Decision {
            node: node.as_bytes(),
            height: h,
            round: r,
            block: block.as_bytes(),
            parent: parent.as_deref().map(str::as_bytes),
            app_hash: app_hash.as_deref().map(str::as_bytes),
        };
        self.decide(
            d,
            signers.as_ref().map(|s| s.iter().map(|x| x.as_bytes())),
            None,
            txs.iter().map(|x| x.as_bytes()),
            t,
        )
    }

    /// A decision whose fields were read and validated (by the general scanner or a fast
    /// path); `signers` is `None` without a cert. `signers_raw`, the list's raw text when a fast
    /// path read it, lets a cert equal to the previous one skip interning its signers again.
    pub(crate) fn decide<'s>(
        &mut self,
        d: Decision<'_>,
        signers: Option<impl Iterator<Item = &'s [u8]>>,
        signers_raw: Option<&[u8]>,
        txs: impl Iterator<Item = &'s [u8]>,
        t: u64,
    ) -> EventResult<()> {
        let (h, r) = (d.height, d.round);
        let n = self.node_bytes(d.node)?;
        let has_cert = signers.is_some();
        let mut cert = std::mem::take(&mut self.scratch_cert);
        let mut tx_ids = std::mem::take(&mut self.scratch_txs);
        tx_ids.clear();
        let same_cert = signers_raw
            .is_some_and(|raw| self.cert_raw_valid && crate::fast::same_bytes(&self.cert_raw, raw));
        let mut res = Ok(());
        if !same_cert {
            cert.clear();
            self.cert_raw_valid = false;
            for x in signers.into_iter().flatten() {
                match self.node_bytes(x) {
                    Ok(i) => cert.push(i),
                    Err(e) => {
                        res = Err(e);
                        break;
                    }
                }
            }
            if let (Ok(()), Some(raw)) = (&res, signers_raw) {
                self.cert_raw.clear();
                self.cert_raw.extend_from_slice(raw);
                self.cert_raw_valid = true;
            }
        }
        if res.is_ok() {
            for tx in txs {
                match self.ledger.tx(&String::from_utf8_lossy(tx), self.opts.limits.max_txs) {
                    Some(i) => tx_ids.push(i),
                    None => {
                        let limit = self.opts.limits.max_txs;
                        res = Err(self.limit("number of distinct tx ids", limit));
                        break;
                    }
                }
            }
        }
        let res = res.and_then(|()| {
            self.decide_with(n, h, r, &d, has_cert.then_some(&cert[..]), &tx_ids, t)
        });
        self.scratch_cert = cert;
        self.scratch_txs = tx_ids;
        res
    }

    #[allow(clippy::too_many_arguments)] // the decision and its interned lists
    fn decide_with(
        &mut self,
        n: u32,
        h: u64,
        r: u64,
        d: &Decision<'_>,
        cert: Option<&[u32]>,
        tx_ids: &[u32],
        t: u64,
    ) -> EventResult<()> {
        self.stats.decides += 1;
        self.live.decide(n, h, t);
        let line = self.line;
        if h < self.pruned_below {
            self.late_decide(n, h, &String::from_utf8_lossy(d.block), line);
            return Ok(());
        }
        let b = self.block_in(h, d.block)?;
        let hs = self.heights.get_mut(&h).expect("opened above");
        let mut first = true;
        for x in hs.decisions.iter().filter(|x| x.node == n) {
            if x.block == b {
                return Ok(());
            }
            first = false;
        }
        if first {
            self.contiguity(n, h, line);
        }
        let hs = self.heights.get_mut(&h).expect("opened above");
        hs.blocks[b as usize].txs.get_or_insert_with(|| tx_ids.into());
        hs.decide(n, b, r, line, cert, d.app_hash, d.parent);
        if first {
            self.check_parents(n, h);
        }
        if self.model.is_correct(n) && self.watermark.is_none_or(|w| h > w) {
            self.watermark = Some(h);
            self.prune();
        }
        Ok(())
    }

    fn contiguity(&mut self, n: u32, h: u64, line: u64) {
        let i = n as usize;
        if self.node_chain.len() <= i {
            self.node_chain.resize(i + 1, NodeChain::default());
        }
        let nc = &mut self.node_chain[i];
        match nc.min {
            None => {
                nc.min = Some(h);
                nc.max = h;
            }
            Some(min) => {
                if h > nc.max + 1 && nc.gaps.len() < 16 {
                    nc.gaps.push((nc.max + 1, h - 1, line));
                }
                nc.max = nc.max.max(h);
                nc.min = Some(min.min(h));
            }
        }
        nc.count += 1;
    }

    /// Parent links between this node's decisions at h-1, h and h+1 (within the window).
    fn check_parents(&mut self, n: u32, h: u64) {
        let mut found = Vec::new();
        for (lo, hi) in [(h.checked_sub(1), Some(h)), (Some(h), h.checked_add(1))] {
            let (Some(lo), Some(hi)) = (lo, hi) else { continue };
            let (Some(a), Some(b)) = (self.heights.get(&lo), self.heights.get(&hi)) else {
                continue;
            };
            let (Some(da), Some(db)) = (a.decision_of(n), b.decision_of(n)) else { continue };
            let Some(parent) = b.parent(db) else { continue };
            self.stats.parents_checked += 1;
            let prev = a.block_name(da.block);
            if parent != prev {
                found.push(RawFinding {
                    prop: Property::Chain,
                    nodes: vec![n],
                    height: Some(hi),
                    round: Some(db.round),
                    lines: vec![da.line, db.line],
                    message: format!(
                        "decided block {} with parent {} but had decided {} at height {lo}",
                        b.block_name(db.block),
                        parent,
                        prev
                    ),
                });
            }
        }
        if self.model.is_correct(n) {
            for f in found {
                self.findings.add(f);
            }
        }
    }

    fn late_decide(&mut self, n: u32, h: u64, block: &str, line: u64) {
        self.stats.late_decides += 1;
        let i = h.checked_sub(self.pruned.base).map(|i| i as usize);
        let Some(&(fp, rn, rl)) = i.and_then(|i| self.pruned.entries.get(i)) else { return };
        if fp == 0 || !self.model.is_correct(n) {
            return;
        }
        if crate::height::fingerprint(block) != fp {
            let rname = self.model.name(rn);
            self.findings.add(RawFinding {
                prop: Property::Agreement,
                nodes: vec![n, rn],
                height: Some(h),
                round: None,
                lines: vec![rl, line],
                message: format!("decided block {block}, {rname} decided a different block"),
            });
            self.first_disagreement = Some(self.first_disagreement.map_or(h, |d| d.min(h)));
        }
    }

    /// Judges and drops heights older than the window below the watermark.
    pub(crate) fn prune(&mut self) {
        let Some(w) = self.watermark else { return };
        let cutoff = w.saturating_sub(self.opts.limits.window_heights);
        while let Some(h) = self.heights.first_key() {
            if h >= cutoff {
                break;
            }
            let hs = self.heights.pop_first().expect("non-empty").1;
            self.finalize(h, hs);
        }
        self.pruned_below = self.pruned_below.max(cutoff);
        // The next height to judge was written a window ago: bring its state into the cache
        // while the next lines are read (two levels of loads, each issued together).
        if let Some(next) = self.heights.get(&cutoff) {
            std::hint::black_box(next.touch());
            std::hint::black_box(next.touch_voters());
        }
    }
}

/// The scalar fields of a `cons.decide` (strings as the bytes of valid UTF-8).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision<'a> {
    pub(crate) node: &'a [u8],
    pub(crate) height: u64,
    pub(crate) round: u64,
    pub(crate) block: &'a [u8],
    pub(crate) parent: Option<&'a [u8]>,
    pub(crate) app_hash: Option<&'a [u8]>,
}

#[inline]
fn push_tally(hs: &mut HeightState, r: u64, vt: u8, b: u16, n: u32, line: u64) {
    hs.tally_mut((r, vt, b), line).voters.push(n);
}
