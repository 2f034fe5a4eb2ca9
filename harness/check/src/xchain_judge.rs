//! Trace format 1.2: the cross-chain properties, judged at the end of a multi-chain trace from
//! each chain's committed bridge transactions (`xchain`), its decided blocks and its
//! validator sets: `xchain_conservation` (every mint or release backed by a lock or burn of
//! the same transfer on its peer chain, with a proof that chain's validators signed; minted
//! never above locked), `xchain_no_double_mint`, `xchain_atomicity` and
//! `xchain_settlement_time`.

use std::collections::{BTreeMap, BTreeSet};

use crate::report::{Finding, Verdict};
use crate::verdicts::{not_evaluated, Judgement};
use crate::xchain::{BridgeOp, BridgeTx, Commit, Xchain};
use crate::xchain_report::{TransferInfo, XchainInfo};
use touchstone_spec::Property;

/// What the judge needs of one chain.
#[derive(Debug, Clone)]
pub(crate) struct ChainView {
    pub(crate) id: String,
    /// Validator sets from their first height: (height, [(node, power)]).
    pub(crate) valsets: Vec<(u64, Vec<(String, u64)>)>,
    pub(crate) num: u64,
    pub(crate) den: u64,
    pub(crate) byzantine: BTreeSet<String>,
}

impl ChainView {
    fn valset(&self, h: u64) -> &[(String, u64)] {
        let at = self.valsets.iter().rev().find(|(from, _)| *from <= h);
        at.or(self.valsets.first()).map_or(&[], |(_, v)| v.as_slice())
    }
}

/// The cross-chain verdicts, findings and summary.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) verdicts: BTreeMap<Property, Judgement>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) info: XchainInfo,
}

pub(crate) struct Judge<'a> {
    pub(crate) x: &'a Xchain,
    pub(crate) chains: &'a [ChainView],
    pub(crate) bound_ns: u64,
    pub(crate) replay: Option<String>,
    pub(crate) findings: Vec<Finding>,
    /// Mints and releases already found unbacked (not reported again by the running totals).
    pub(crate) flagged: BTreeSet<usize>,
}

impl<'a> Judge<'a> {
    /// Where a bridge tx committed: its committed result or the earliest decision of a correct
    /// node holding it, whichever came first.
    pub(crate) fn commit(&self, t: &BridgeTx) -> Option<Commit> {
        let byz = &self.chains[t.chain].byzantine;
        let decided = t.decided.iter().filter(|(n, _)| !byz.contains(n)).map(|(_, c)| *c);
        t.result.into_iter().chain(decided).min_by_key(|c| (c.1, c.2))
    }

    pub(crate) fn add(
        &mut self,
        p: Property,
        chain: usize,
        c: Commit,
        lines: Vec<u64>,
        msg: String,
    ) {
        let mut lines = lines;
        lines.sort_unstable();
        lines.dedup();
        self.findings.push(Finding {
            property: p.id().to_string(),
            nodes: Vec::new(),
            height: c.0,
            round: None,
            lines,
            message: msg,
            replay: self.replay.clone(),
            chain: Some(self.chains[chain].id.clone()),
        });
    }

    fn chain_index(&self, id: &str) -> Option<usize> {
        self.chains.iter().position(|c| c.id == id)
    }

    /// Why a mint's (or release's) proof does not prove its backing lock (or burn) `b` on
    /// chain `src`, if it does not.
    fn proof_fault(
        &self,
        m: &BridgeTx,
        src: usize,
        b: Option<(&BridgeTx, Commit)>,
    ) -> Option<String> {
        let p = m.f.proof.as_ref()?;
        let view = &self.chains[src];
        if p.chain != view.id {
            return Some(format!(
                "the proof is of chain {}, not the peer chain {}",
                p.chain, view.id
            ));
        }
        if p.xfer != m.f.xfer {
            return Some(format!("the proof is of xfer {}", p.xfer));
        }
        let decided = self.x.decided[src].get(&p.height).into_iter().flatten();
        if !decided.filter(|(_, n)| !view.byzantine.contains(n)).any(|(blk, _)| *blk == p.block) {
            return Some(format!(
                "the proof names block {} at height {} that {} never decided",
                p.block, p.height, view.id
            ));
        }
        if let Some((_, (Some(h), _, _))) = b {
            if h != p.height {
                return Some(format!(
                    "the proof names height {}, but the {} committed at height {h}",
                    p.height,
                    if m.f.op == BridgeOp::Mint { "lock" } else { "burn" }
                ));
            }
        }
        let vs = view.valset(p.height);
        let signers: BTreeSet<&str> = p.signers.iter().map(String::as_str).collect();
        let power: u128 = vs
            .iter()
            .filter(|(n, _)| signers.contains(n.as_str()))
            .map(|(_, w)| u128::from(*w))
            .sum();
        let total: u128 = vs.iter().map(|(_, w)| u128::from(*w)).sum();
        let quorum = total > 0 && power * u128::from(view.den) > u128::from(view.num) * total;
        if !quorum {
            let names: Vec<&str> = signers.into_iter().collect();
            return Some(format!(
                "its signers [{}] hold {power} of {total} power of {}'s validators: no quorum",
                names.join(","),
                view.id
            ));
        }
        None
    }

    /// Judges everything.
    pub(crate) fn run(mut self) -> Outcome {
        let commits: Vec<Option<Commit>> = self.x.txs.iter().map(|t| self.commit(t)).collect();
        let mut verdicts = BTreeMap::new();
        let info = self.backing(&commits);
        let has = |ops: &[BridgeOp]| {
            self.x.txs.iter().zip(&commits).any(|(t, c)| c.is_some() && ops.contains(&t.f.op))
        };
        use BridgeOp::*;
        let relay = has(&[Lock, Mint, Burn, Release]);
        let singles = has(&[Mint, Release, Claim, Refund]);
        let settle = has(&[Lock, Burn]);
        let dvp = self
            .x
            .txs
            .iter()
            .zip(&commits)
            .any(|(t, c)| c.is_some() && t.f.op == Hashlock && t.f.dvp.is_some());
        self.running_totals(&commits);
        self.double_mints(&commits);
        let pairs = crate::xchain_dvp::atomicity(&mut self, &commits);
        let n_transfers = info.transfers.len();
        let mut judge = |p: Property, evaluated: bool, none: &str, what: String| {
            let j = if evaluated { (Verdict::Pass, Some(what)) } else { not_evaluated(none) };
            verdicts.insert(p, j);
        };
        judge(
            Property::XchainConservation,
            relay,
            "no committed lock, mint, burn or release in the trace",
            format!("{n_transfers} transfers checked against their peer chains"),
        );
        judge(
            Property::XchainNoDoubleMint,
            singles,
            "no committed mint, release, claim or refund in the trace",
            "every mint, release, claim and refund counted".into(),
        );
        judge(
            Property::XchainAtomicity,
            dvp,
            "no committed hashlock of a DvP pair (dvp) in the trace",
            format!("{} DvP pairs checked", pairs.len()),
        );
        judge(
            Property::XchainSettlementTime,
            settle,
            "no committed lock or burn in the trace",
            format!("{n_transfers} transfers timed against {} ns", self.bound_ns),
        );
        let mut info = info;
        info.dvp = pairs;
        Outcome { verdicts, findings: self.findings, info }
    }

    /// Every committed mint or release against its backing lock or burn and its proof; the
    /// settlement time of each transfer. Returns the transfers.
    fn backing(&mut self, commits: &[Option<Commit>]) -> XchainInfo {
        let x = self.x;
        // (chain, xfer, op) → the first committed lock or burn.
        let mut backs: BTreeMap<(usize, &str, BridgeOp), usize> = BTreeMap::new();
        for (i, t) in x.txs.iter().enumerate() {
            if commits[i].is_some() && matches!(t.f.op, BridgeOp::Lock | BridgeOp::Burn) {
                backs.entry((t.chain, t.f.xfer.as_str(), t.f.op)).or_insert(i);
            }
        }
        let mut settled: BTreeMap<usize, (usize, Commit)> = BTreeMap::new();
        for (i, m) in x.txs.iter().enumerate() {
            let Some(mc) = commits[i] else { continue };
            if !m.f.op.needs_proof() {
                continue;
            }
            let (op, want) = (
                m.f.op.name(),
                if m.f.op == BridgeOp::Mint { BridgeOp::Lock } else { BridgeOp::Burn },
            );
            let here = self.chains[m.chain].id.clone();
            let xfer = &m.f.xfer;
            let peer = m.f.peer.clone().unwrap_or_default();
            let prop = Property::XchainConservation;
            let Some(src) = self.chain_index(&peer) else {
                self.flagged.insert(i);
                let msg = format!(
                    "{op} of xfer {xfer} names peer chain {peer}, which run.start does not declare"
                );
                self.add(prop, m.chain, mc, vec![m.submit_line, mc.2], msg);
                continue;
            };
            let b = backs
                .get(&(src, xfer.as_str(), want))
                .map(|&j| (&x.txs[j], commits[j].unwrap_or((None, 0, 0)), j));
            let mut faults = Vec::new();
            match b {
                None => {
                    faults.push(format!("no committed {} of xfer {xfer} on {peer}", want.name()))
                }
                Some((bt, _, _)) => {
                    if bt.f.asset != m.f.asset || bt.f.amount != m.f.amount {
                        faults.push(format!(
                            "the {} on {peer} is of {} {}, the {op} of {} {}",
                            want.name(),
                            bt.f.amount,
                            bt.f.asset,
                            m.f.amount,
                            m.f.asset
                        ));
                    }
                    if bt.f.peer.as_deref() != Some(here.as_str()) {
                        faults.push(format!(
                            "the {} on {peer} is bound for {}",
                            want.name(),
                            bt.f.peer.as_deref().unwrap_or("?")
                        ));
                    }
                }
            }
            if let Some(why) = self.proof_fault(m, src, b.map(|(t, c, _)| (t, c))) {
                faults.push(why);
            }
            let mut lines = vec![m.submit_line, mc.2];
            if let Some((bt, bc, j)) = b {
                lines.extend([bt.submit_line, bc.2]);
                settled.entry(j).or_insert((i, mc));
            }
            if !faults.is_empty() {
                self.flagged.insert(i);
                let msg = format!(
                    "{here} committed an unbacked {op} of xfer {xfer}: {}",
                    faults.join("; ")
                );
                self.add(prop, m.chain, mc, lines, msg);
            }
        }
        self.transfers(commits, &settled)
    }

    /// The transfers and their settlement times; a late or missing mint or release is a
    /// finding of `xchain_settlement_time`.
    fn transfers(
        &mut self,
        commits: &[Option<Commit>],
        settled: &BTreeMap<usize, (usize, Commit)>,
    ) -> XchainInfo {
        let x = self.x;
        let mut info = XchainInfo { settlement_bound_ns: self.bound_ns, ..Default::default() };
        for (j, b) in x.txs.iter().enumerate() {
            let Some(bc) = commits[j] else { continue };
            if !matches!(b.f.op, BridgeOp::Lock | BridgeOp::Burn) {
                continue;
            }
            let to = b.f.peer.clone().unwrap_or_default();
            let done = settled.get(&j);
            let latency = done.map(|(_, mc)| mc.1.saturating_sub(bc.1));
            let xfer = &b.f.xfer;
            let prop = Property::XchainSettlementTime;
            match done {
                Some(&(i, mc)) if latency.unwrap_or(0) > self.bound_ns => {
                    let msg = format!(
                        "xfer {xfer} settled on {to} {} ns after its {} committed on {} (bound {} ns)",
                        latency.unwrap_or(0), b.f.op.name(), self.chains[b.chain].id, self.bound_ns
                    );
                    let lines = vec![bc.2, mc.2];
                    self.add(prop, x.txs[i].chain, mc, lines, msg);
                }
                None if x.end_t.saturating_sub(bc.1) > self.bound_ns => {
                    let msg = format!(
                        "xfer {xfer}: the {} committed on {} is not settled on {to} {} ns later, at the end of the trace (bound {} ns)",
                        b.f.op.name(), self.chains[b.chain].id, x.end_t - bc.1, self.bound_ns
                    );
                    self.add(prop, b.chain, bc, vec![b.submit_line, bc.2], msg);
                }
                _ => {}
            }
            info.transfers.push(TransferInfo {
                xfer: xfer.clone(),
                op: b.f.op.name().into(),
                from_chain: self.chains[b.chain].id.clone(),
                to_chain: to,
                asset: b.f.asset.clone(),
                amount: b.f.amount.to_string(),
                state: if done.is_some() { "settled" } else { "pending" }.into(),
                source_height: bc.0,
                dest_height: done.and_then(|d| d.1 .0),
                latency_ns: latency,
            });
        }
        info
    }
}
