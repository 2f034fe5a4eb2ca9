//! Consensus events (`cons.propose`, `cons.vote`, `cons.decide`) into the open-height window.

use crate::catalogue::{RawFinding, P};
use crate::checker::{Checker, NodeChain, RawEquiv, R};
use crate::event::{bad, members, opt_u64, req_u64, Fields};
use crate::height::{FirstVote, HeightState, Tally, NIL, VTYPES};
use crate::json::Val;

impl Checker<'_> {
    /// The open state of height `h` (creating it, bounded).
    #[inline]
    pub(crate) fn open(&mut self, h: u64) -> R<&mut HeightState> {
        if !self.heights.contains_key(&h) && self.heights.len() >= self.opts.limits.max_open_heights
        {
            return Err(self.limit("number of open heights", self.opts.limits.max_open_heights));
        }
        Ok(self.heights.get_or_insert(h))
    }

    fn block_in(&mut self, h: u64, block: &str) -> R<u16> {
        let limit = self.opts.limits.max_blocks_per_height;
        match self.open(h)?.block(block, limit) {
            Some(b) => Ok(b),
            None => Err(self.limit("number of distinct blocks at one height", limit)),
        }
    }

    #[inline]
    fn vtype(&mut self, v: &str) -> R<u8> {
        if let Some(i) = VTYPES.iter().position(|x| *x == v) {
            return Ok(i as u8);
        }
        match self.vtypes.intern(v, 64) {
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

    pub(crate) fn on_propose(&mut self, f: &Fields<'_>) -> R<()> {
        let node = self.ctx.req_str("node", f.node)?;
        let h = req_u64("height", f.height)?;
        let r = req_u64("round", f.round)?;
        let block = self.ctx.req_str("block", f.block)?;
        self.ctx.opt_str("parent", f.parent)?;
        self.ctx.opt_str_list("txs", f.txs)?;
        let n = self.node(&node)?;
        self.stats.proposes += 1;
        if h < self.pruned_below {
            self.stats.late_events += 1;
            return Ok(());
        }
        let b = self.block_in(h, &block)?;
        let line = self.line;
        let hs = self.open(h)?;
        hs.blocks[b as usize].proposed_line.get_or_insert(line);
        let same: Vec<(u16, u64)> =
            hs.proposals.iter().filter(|p| p.0 == n && p.1 == r).map(|p| (p.2, p.3)).collect();
        if same.iter().any(|p| p.0 == b) {
            return Ok(());
        }
        hs.proposals.push((n, r, b, line));
        if same.len() == 1 {
            let blocks = [hs.block_name(same[0].0).to_string(), hs.block_name(b).to_string()];
            self.equivocation(RawEquiv {
                node: n,
                height: h,
                round: r,
                what: "proposal".into(),
                blocks,
                lines: [same[0].1, line],
            });
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn on_vote(&mut self, f: &Fields<'_>) -> R<()> {
        let node = self.ctx.req_str("node", f.node)?;
        let h = req_u64("height", f.height)?;
        let r = req_u64("round", f.round)?;
        let vtype = self.ctx.req_str("vtype", f.vtype)?;
        let block = self.ctx.req_str_or_null("block", f.block)?;
        let n = self.node(&node)?;
        let vt = self.vtype(&vtype)?;
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
        if !self.heights.contains_key(&h) {
            self.open(h)?;
        }
        let hs = self.heights.get_mut(&h).expect("opened above");
        let b = match &block {
            Some(b) => match hs.block(b, block_limit) {
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
        if b != NIL && hs.tallies.get(&(r, vt, b)).is_none_or(|t| !t.voters.contains(&n)) {
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

    pub(crate) fn on_decide(&mut self, f: &Fields<'_>, t: u64) -> R<()> {
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
        let _ = opt_u64("round", f.round)?;
        let n = self.node(&node)?;
        let cert = match signers {
            Some(s) => {
                let mut v = Vec::with_capacity(s.len());
                for x in s {
                    v.push(self.node(&x)?);
                }
                Some(v.into_boxed_slice())
            }
            None => None,
        };
        let mut tx_ids = Vec::with_capacity(txs.len());
        for tx in &txs {
            match self.ledger.tx(tx, self.opts.limits.max_txs) {
                Some(i) => tx_ids.push(i),
                None => {
                    return Err(self.limit("number of distinct tx ids", self.opts.limits.max_txs))
                }
            }
        }
        self.stats.decides += 1;
        self.live.decide(n, h, t);
        let line = self.line;
        if h < self.pruned_below {
            self.late_decide(n, h, &block, line);
            return Ok(());
        }
        let b = self.block_in(h, &block)?;
        let hs = self.heights.get_mut(&h).expect("opened above");
        let mine: Vec<u16> = hs.decisions.iter().filter(|d| d.node == n).map(|d| d.block).collect();
        if mine.contains(&b) {
            return Ok(());
        }
        if mine.is_empty() {
            self.contiguity(n, h, line);
        }
        let hs = self.heights.get_mut(&h).expect("opened above");
        hs.blocks[b as usize].txs.get_or_insert_with(|| tx_ids.into_boxed_slice());
        hs.decisions.push(crate::height::Dec {
            node: n,
            block: b,
            round: r,
            line,
            cert,
            app_hash: app_hash.map(|a| a.into()),
            parent: parent.map(|p| p.into()),
        });
        if mine.is_empty() {
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
        for (lo, hi) in [(h.wrapping_sub(1), h), (h, h + 1)] {
            if lo == u64::MAX {
                continue;
            }
            let (Some(a), Some(b)) = (self.heights.get(&lo), self.heights.get(&hi)) else {
                continue;
            };
            let (Some(da), Some(db)) = (a.decision_of(n), b.decision_of(n)) else { continue };
            let Some(parent) = &db.parent else { continue };
            self.stats.parents_checked += 1;
            let prev = a.block_name(da.block);
            if **parent != *prev {
                found.push(RawFinding {
                    prop: P::Chain,
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
                prop: P::Agreement,
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
    }
}

#[inline]
fn push_tally(hs: &mut HeightState, r: u64, vt: u8, b: u16, n: u32, line: u64) {
    let t = hs
        .tallies
        .entry((r, vt, b))
        .or_insert_with(|| Tally { voters: Vec::new(), first_line: line });
    t.voters.push(n);
}
