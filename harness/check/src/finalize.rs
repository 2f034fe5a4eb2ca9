//! Judging a height when it leaves the window: agreement, integrity, quorum, validity,
//! conflicting quorums, state agreement; then the ledger applies its reference block.

use crate::checker::Checker;
use crate::findings::RawFinding;
use crate::height::{fingerprint, Dec, HeightState, DECIDING, NIL};
use crate::ledger::Unsubmitted;
use touchstone_spec::Property;

/// No entry in `Checker::scratch_node_first`.
const NO_FIRST: u32 = u32::MAX;

impl Checker<'_> {
    pub(crate) fn finalize(&mut self, h: u64, hs: Box<HeightState>) {
        self.open_votes -= hs.first_votes.len();
        let mut correct = std::mem::take(&mut self.scratch_decs);
        correct.clear();
        correct.extend(hs.decisions.iter().filter(|d| self.model.is_correct(d.node)).copied());
        let reference = correct.first().map(|d| (d.block, d.node, d.line));
        if hs.overflow {
            self.finalize_overflowed(h, hs, reference, correct);
            return;
        }
        self.judge_agreement(h, &hs, &correct);
        // Decisions with the same cert, round and block as the previous one, which was
        // judged without a finding, are judged the same way: the power sums are not redone.
        let mut prev_clean: Option<&Dec> = None;
        for d in &correct {
            self.stats.correct_decisions += 1;
            let same = prev_clean.is_some_and(|p| {
                p.round == d.round
                    && p.block == d.block
                    && match (hs.cert(p), hs.cert(d)) {
                        (Some(a), Some(b)) => {
                            a.len() == b.len() && a.iter().zip(b).all(|x| x.0 == x.1)
                        }
                        (a, b) => a.is_none() && b.is_none(),
                    }
            });
            if same {
                self.stats.quorum_judged += 1;
            } else {
                let before = (self.findings.total(), self.stats.quorum_unverifiable);
                self.judge_quorum(h, &hs, d);
                let clean = before == (self.findings.total(), self.stats.quorum_unverifiable);
                prev_clean = clean.then_some(d);
            }
            self.judge_validity(h, &hs, d);
        }
        self.judge_slots(h, &hs);
        self.judge_app_hashes(h, &hs, &correct);
        // Validity of txs: one check per distinct block decided by a correct node.
        let mut seen = Vec::new();
        for d in &correct {
            let txs = hs.blocks[d.block as usize].txs.as_deref().unwrap_or(&[]);
            if txs.is_empty() || seen.contains(&d.block) {
                continue;
            }
            seen.push(d.block);
            for &t in txs {
                if self.ledger.info[t as usize].submitted().is_none() {
                    let cap = self.opts.limits.max_findings_per_property * 4;
                    if self.ledger.validity_unsubmitted.len() < cap {
                        let u = Unsubmitted { tx: t, height: h, node: d.node, line: d.line };
                        self.ledger.validity_unsubmitted.push(u);
                    }
                }
            }
        }
        // Ledger replay and the pruned-chain fingerprint.
        let cap = self.opts.limits.max_findings_per_property * 4;
        match reference {
            Some((b, node, line)) => {
                self.stats.heights_decided += 1;
                let txs = hs.blocks[b as usize].txs.as_deref().unwrap_or(&[]);
                self.ledger.apply_height(h, txs, node, line, &self.model, &mut self.findings, cap);
                self.remember(h, fingerprint(hs.block_name(b)), node, line);
            }
            None => self.ledger.check_snapshots(h, true, &self.model, &mut self.findings),
        }
        self.scratch_decs = correct;
        self.heights.recycle(hs);
        self.maybe_forget();
    }

    /// A height over a per-height limit: its consensus properties are not judged (the report
    /// says so); the ledger applies its reference block when no decision was dropped.
    fn finalize_overflowed(
        &mut self,
        h: u64,
        hs: Box<HeightState>,
        reference: Option<(u16, u32, u64)>,
        correct: Vec<Dec>,
    ) {
        if self.overflowed.len() < 16 {
            self.overflowed.push(h);
        }
        let cap = self.opts.limits.max_findings_per_property * 4;
        match reference {
            Some((b, node, line)) if !hs.dropped_decision => {
                self.stats.heights_decided += 1;
                let txs = hs.blocks[b as usize].txs.as_deref().unwrap_or(&[]);
                self.ledger.apply_height(h, txs, node, line, &self.model, &mut self.findings, cap);
                self.remember(h, fingerprint(hs.block_name(b)), node, line);
            }
            Some(_) => self.ledger.unreplayable(h),
            None if hs.dropped_decision => self.ledger.unreplayable(h),
            None => self.ledger.check_snapshots(h, true, &self.model, &mut self.findings),
        }
        self.scratch_decs = correct;
        self.heights.recycle(hs);
    }

    fn remember(&mut self, h: u64, fp: u64, node: u32, line: u64) {
        let p = &mut self.pruned;
        if p.entries.is_empty() {
            p.base = h;
        }
        let Some(i) = h.checked_sub(p.base) else { return };
        let i = i as usize;
        if i >= p.entries.len() && i - p.entries.len() < 1 << 20 {
            p.entries.resize(i, (0, 0, 0));
            p.entries.push((fp.max(1), node, line));
        }
    }

    fn judge_agreement(&mut self, h: u64, hs: &HeightState, correct: &[Dec]) {
        let Some(first) = correct.first() else { return };
        let mut firsts = std::mem::take(&mut self.scratch_firsts);
        firsts.clear();
        // Each node's index in `firsts` (NO_FIRST: none yet), and the first decision of that
        // node for another block (integrity): one pass each, not one per pair of decisions.
        let mut at = std::mem::take(&mut self.scratch_node_first);
        let mut other: Vec<Option<usize>> = Vec::new();
        for d in correct {
            let i = d.node as usize;
            if at.len() <= i {
                at.resize(i + 1, NO_FIRST);
            }
            if at[i] == NO_FIRST {
                at[i] = firsts.len() as u32;
                firsts.push(*d);
            }
        }
        for (j, d) in correct.iter().enumerate() {
            let k = at[d.node as usize] as usize;
            if d.block != firsts[k].block && other.get(k).is_none_or(Option::is_none) {
                if other.len() <= k {
                    other.resize(k + 1, None);
                }
                other[k] = Some(j);
            }
        }
        for f in &firsts {
            at[f.node as usize] = NO_FIRST;
        }
        self.scratch_node_first = at;
        if firsts.len() >= 2 {
            self.stats.agreement_compared += 1;
        }
        let dissent: Vec<&Dec> = firsts.iter().filter(|d| d.block != first.block).collect();
        if !dissent.is_empty() {
            let mut nodes = vec![first.node];
            let mut lines = vec![first.line];
            let mut parts = Vec::new();
            for d in &dissent {
                nodes.push(d.node);
                lines.push(d.line);
                parts.push(format!(
                    "{} decided {}",
                    self.model.name(d.node),
                    hs.block_name(d.block)
                ));
            }
            parts.dedup();
            self.findings.add(RawFinding {
                prop: Property::Agreement,
                nodes,
                height: Some(h),
                round: None,
                lines,
                message: format!(
                    "{} but {} decided {}",
                    parts.join(", "),
                    self.model.name(first.node),
                    hs.block_name(first.block)
                ),
            });
            self.first_disagreement = Some(self.first_disagreement.map_or(h, |x| x.min(h)));
        }
        // Integrity: one correct node, two blocks at this height.
        for (k, f) in firsts.iter().enumerate() {
            if let Some(other) = other.get(k).copied().flatten().map(|j| &correct[j]) {
                self.findings.add(RawFinding {
                    prop: Property::Integrity,
                    nodes: vec![f.node],
                    height: Some(h),
                    round: Some(other.round),
                    lines: vec![f.line, other.line],
                    message: format!(
                        "decided {} and then {} at the same height",
                        hs.block_name(f.block),
                        hs.block_name(other.block)
                    ),
                });
            }
        }
        self.scratch_firsts = firsts;
    }

    /// A decision is justified by its cert alone when it carries one (distinct signers of the
    /// set in force, with a quorum of power); without one, by votes of a deciding type for
    /// its block at its height and round traced before it. Without cert or such votes at all
    /// (an observed chain), `quorum` is not evaluated for it.
    fn judge_quorum(&mut self, h: u64, hs: &HeightState, d: &Dec) {
        self.stats.quorum_judged += 1;
        let vs = self.model.valset(h);
        let q = || format!("{}/{}", self.model.num, self.model.den);
        let mut problems = Vec::new();
        if let Some(cert) = hs.cert(d) {
            self.stats.quorum_by_cert += 1;
            // Certs are usually listed in id order already: no copy then.
            let copy;
            let sorted = if cert.windows(2).all(|w| w[0] < w[1]) {
                cert
            } else {
                let mut v = cert.to_vec();
                v.sort_unstable();
                copy = v;
                &copy[..]
            };
            let mut repeated: Vec<String> = Vec::new();
            let mut outside: Vec<String> = Vec::new();
            let mut power = 0u128;
            for (i, &s) in sorted.iter().enumerate() {
                if i > 0 && sorted[i - 1] == s {
                    if !repeated.contains(&self.model.name(s)) {
                        repeated.push(self.model.name(s));
                    }
                    continue;
                }
                match vs.power(s) {
                    Some(p) => power += u128::from(p),
                    None => outside.push(self.model.name(s)),
                }
            }
            if !outside.is_empty() {
                problems
                    .push(format!("cert signers outside the validator set: {}", outside.join(",")));
            }
            if !repeated.is_empty() {
                problems.push(format!("cert signers repeated: {}", repeated.join(",")));
            }
            if !self.model.is_quorum(power, vs.total) {
                problems.push(format!(
                    "cert of power {power} of {} is not more than {}",
                    vs.total,
                    q()
                ));
            }
        } else {
            let tally = |vt: u8| hs.tally(&(d.round, vt, d.block)).map(|t| (vt, t));
            if d.block == NIL || DECIDING.iter().all(|&vt| tally(vt).is_none()) {
                self.stats.quorum_unverifiable += 1;
                return;
            }
            if DECIDING.iter().filter_map(|&vt| tally(vt)).any(|(_, t)| t.quorum_before(d.line)) {
                self.stats.quorum_by_votes += 1;
            } else {
                let (vt, t) = DECIDING
                    .iter()
                    .filter_map(|&vt| tally(vt))
                    .max_by_key(|(_, t)| t.power)
                    .expect("a tally, checked above");
                let when = match t.quorum_line {
                    Some(l) => format!("reach a quorum only on line {l}, after it"),
                    None => {
                        format!("have power {} of {}, not more than {}", t.power, vs.total, q())
                    }
                };
                problems.push(format!(
                    "no cert, and its {} votes (from line {}) {when}",
                    self.vtype_name(vt),
                    t.first_line
                ));
            }
        }
        if !problems.is_empty() {
            self.findings.add(RawFinding {
                prop: Property::Quorum,
                nodes: vec![d.node],
                height: Some(h),
                round: Some(d.round),
                lines: vec![d.line],
                message: format!("decision of {}: {}", hs.block_name(d.block), problems.join("; ")),
            });
        }
    }

    fn judge_validity(&mut self, h: u64, hs: &HeightState, d: &Dec) {
        if hs.blocks[d.block as usize].proposed_line.is_some() {
            self.stats.validity_judged += 1;
        } else if self.stats.proposes > 0 {
            self.stats.validity_judged += 1;
            self.findings.add(RawFinding {
                prop: Property::Validity,
                nodes: vec![d.node],
                height: Some(h),
                round: Some(d.round),
                lines: vec![d.line],
                message: format!(
                    "decided block {} that was never proposed",
                    hs.block_name(d.block)
                ),
            });
        } else {
            self.stats.validity_unverifiable += 1;
        }
    }

    /// No conflicting quorums at any (round, vtype) of this height.
    fn judge_slots(&mut self, h: u64, hs: &HeightState) {
        // Sorted for determinism (the map's order is not).
        let mut keys = std::mem::take(&mut self.scratch_keys);
        let vs = self.model.valset(h);
        keys.clear();
        keys.extend(hs.tally_keys());
        keys.sort_unstable();
        let mut i = 0;
        while i < keys.len() {
            let (r, vt) = (keys[i].0, keys[i].1);
            // The first two blocks with a quorum in this slot.
            let mut quorums = [None, None];
            let mut found = 0;
            while i < keys.len() && keys[i].0 == r && keys[i].1 == vt {
                let t = hs.tally(&keys[i]).expect("key of a tally");
                let p: u128 = t.voters.iter().filter_map(|&v| vs.power(v)).map(u128::from).sum();
                if keys[i].2 != NIL && self.model.is_quorum(p, vs.total) && found < 2 {
                    quorums[found] = Some((keys[i].2, t, p));
                    found += 1;
                }
                i += 1;
            }
            self.stats.slots_judged += 1;
            if let [Some(a), Some(b)] = &quorums {
                let both: Vec<u32> =
                    a.1.voters.iter().copied().filter(|v| b.1.voters.contains(v)).collect();
                self.findings.add(RawFinding {
                    prop: Property::NoConflictingQuorums,
                    nodes: both,
                    height: Some(h),
                    round: Some(r),
                    lines: vec![a.1.first_line, b.1.first_line],
                    message: format!(
                        "{} quorums for {} (power {}) and {} (power {}) of {}",
                        self.vtype_name(vt),
                        hs.block_name(a.0),
                        a.2,
                        hs.block_name(b.0),
                        b.2,
                        vs.total
                    ),
                });
            }
        }
        self.scratch_keys = keys;
    }

    /// `app_hash` is the state after the height (trace format 1.1, resolution 4): every
    /// correct node's `cons.decide` and `state.snapshot` hash at one height must agree.
    fn judge_app_hashes(&mut self, h: u64, hs: &HeightState, correct: &[Dec]) {
        let mut list: Vec<(u32, &str, u64, &str)> = correct
            .iter()
            .filter_map(|d| hs.app_hash(d).map(|a| (d.node, a, d.line, "cons.decide")))
            .collect();
        list.extend(
            hs.snapshot_hashes
                .iter()
                .filter(|s| self.model.is_correct(s.0))
                .map(|s| (s.0, &*s.1, s.2, "state.snapshot")),
        );
        let Some(&(n0, a0, l0, w0)) = list.first() else { return };
        if list.len() >= 2 {
            self.stats.app_hash_compared += 1;
        }
        let diff: Vec<&(u32, &str, u64, &str)> = list.iter().filter(|x| x.1 != a0).collect();
        let Some(&&(dn, da, _, dw)) = diff.first() else { return };
        let mut nodes = vec![n0];
        let mut lines = vec![l0];
        for d in &diff {
            nodes.push(d.0);
            lines.push(d.2);
        }
        self.findings.add(RawFinding {
            prop: Property::StateAgreement,
            nodes,
            height: Some(h),
            round: None,
            lines,
            message: format!(
                "app_hash differs: {} reports {da} ({dw}), {} reports {a0} ({w0})",
                self.model.name(dn),
                self.model.name(n0)
            ),
        });
    }
}
