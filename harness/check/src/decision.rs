//! Decisions (`cons.decide`) into the open-height window: a node's contiguity and parent
//! links as they come, decisions older than the window against the pruned chain, and the
//! window moved on (heights judged and dropped) when a correct node decides higher.

use crate::checker::{Checker, EventResult, NodeChain};
use crate::consensus::{CERTIFIED, DECIDED};
use crate::event::{bad, members, req_u64, Fields};
use crate::findings::RawFinding;
use crate::json::Val;
use touchstone_spec::Property;

impl Checker<'_> {
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
            None,
            t,
        )
    }

    /// A decision whose fields were read and validated (by the general scanner or a fast
    /// path); `signers` is `None` without a cert. `signers_raw`, the list's raw text when a fast
    /// path read it, lets a cert equal to the previous one skip interning its signers again;
    /// `txs_raw` does the same for the tx list.
    pub(crate) fn decide<'s>(
        &mut self,
        d: Decision<'_>,
        signers: Option<impl Iterator<Item = &'s [u8]>>,
        signers_raw: Option<&[u8]>,
        txs: impl Iterator<Item = &'s [u8]>,
        txs_raw: Option<&[u8]>,
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
        // A tx list is long (hundreds of bytes): compared by `memcmp`, not word by word.
        let same_txs = txs_raw.is_some_and(|raw| self.txs_raw_valid && self.txs_raw[..] == *raw);
        if same_txs {
            // The same list as the previous decision's: every id is interned already.
            tx_ids.extend_from_slice(&self.txs_raw_ids);
        } else if res.is_ok() {
            self.txs_raw_valid = false;
            for tx in txs {
                match self.ledger.tx(tx, self.opts.limits.max_txs) {
                    Some(i) => tx_ids.push(i),
                    None => {
                        let limit = self.opts.limits.max_txs;
                        res = Err(self.limit("number of distinct tx ids", limit));
                        break;
                    }
                }
            }
            if let (Ok(()), Some(raw)) = (&res, txs_raw) {
                self.txs_raw.clear();
                self.txs_raw.extend_from_slice(raw);
                self.txs_raw_ids.clear();
                self.txs_raw_ids.extend_from_slice(&tx_ids);
                self.txs_raw_valid = true;
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
        self.flag(n, if cert.is_some() { DECIDED | CERTIFIED } else { DECIDED });
        let correct = self.model.is_correct(n);
        self.live.decide(n, h, t, correct);
        let line = self.line;
        if correct {
            self.progress.decide(n, h, t, line);
        }
        if h < self.pruned_below {
            self.late_decide(n, h, &String::from_utf8_lossy(d.block), line);
            return Ok(());
        }
        let Some(b) = self.block_in(h, d.block) else {
            if let Some(hs) = self.heights.get_mut(&h) {
                hs.dropped_decision = true;
            }
            return Ok(());
        };
        let hs = self.heights.get_mut(&h).expect("opened above");
        let mut first = true;
        for x in hs.decisions.iter().filter(|x| x.node == n) {
            if x.block == b {
                return Ok(());
            }
            first = false;
        }
        if first {
            self.contiguity(n, h, line, d);
        }
        let hs = self.heights.get_mut(&h).expect("opened above");
        hs.blocks[b as usize].txs.get_or_insert_with(|| tx_ids.into());
        hs.decide(n, b, r, line, cert, d.app_hash, d.parent);
        if first {
            self.check_parents(n, h);
            self.justify_decision(n, h, r, b)?;
        }
        if self.model.is_correct(n) && self.watermark.is_none_or(|w| h > w) {
            self.watermark = Some(h);
            self.prune();
        }
        Ok(())
    }

    /// A node's decided heights must be contiguous. In a view-based protocol whose heights
    /// are views, a gap is a nullified view when the decision's parent is the node's previous
    /// decided block (or, without parents, cannot be told from one): no finding.
    fn contiguity(&mut self, n: u32, h: u64, line: u64, d: &Decision<'_>) {
        let i = n as usize;
        if self.node_chain.len() <= i {
            self.node_chain.resize(i + 1, NodeChain::default());
        }
        let view_based = self.model.view_based;
        let fp = || crate::height::fingerprint(&String::from_utf8_lossy(d.block));
        let nc = &mut self.node_chain[i];
        match nc.min {
            None => {
                nc.min = Some(h);
                nc.max = h;
            }
            Some(min) => {
                if h > nc.max + 1 {
                    let bridged = view_based
                        && match (d.parent, nc.last) {
                            (Some(p), Some((lh, lb))) => {
                                lh == nc.max
                                    && crate::height::fingerprint(&String::from_utf8_lossy(p)) == lb
                            }
                            (None, _) => true,
                            (Some(_), None) => false,
                        };
                    if bridged {
                        self.stats.nullified_gaps += 1;
                    } else if nc.gaps.len() < 16 {
                        nc.gaps.push((nc.max + 1, h - 1, line));
                    }
                }
                nc.max = nc.max.max(h);
                nc.min = Some(min.min(h));
            }
        }
        if view_based && nc.last.is_none_or(|(lh, _)| h > lh) {
            nc.last = Some((h, fp()));
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
        if i.is_none() && !self.pruned.entries.is_empty() {
            self.stats.late_uncompared += 1;
        }
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
        if self.model.view_based {
            self.sweep_views();
        }
        // The next height to judge was written a window ago: bring its state into the cache
        // while the next lines are read (two levels of loads, each issued together).
        self.heights.warm(cutoff);
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
