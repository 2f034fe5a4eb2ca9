//! End of trace: flush the window, judge the ledger, liveness and accountability, and give
//! each property its verdict (or the reason it is not evaluated).

use crate::checker::Checker;
use crate::error::CheckError;
use crate::findings::RawFinding;
use crate::options::DEFAULT_LIVENESS_BOUND_NS;
use crate::report::{CheckReport, Verdict};
use touchstone_spec::Property;

/// A property's verdict and the reason given with it.
pub(crate) type Judgement = (Verdict, Option<String>);

pub(crate) fn not_evaluated(r: impl Into<String>) -> Judgement {
    (Verdict::NotEvaluated, Some(r.into()))
}

impl Checker<'_> {
    /// Finishes the check and builds the report.
    pub(crate) fn finish(mut self) -> Result<CheckReport, CheckError> {
        let Some(run_line) = self.run_start_line else {
            return Err(CheckError::NoRunStart {
                source_name: self.source.clone(),
                lines: self.line,
            });
        };
        self.heights.hold_spent();
        while let Some((h, hs)) = self.heights.pop_first() {
            // As `prune` does while reading: the next height's state, written long ago, is
            // brought into the cache while this one is judged.
            if let Some(next) = self.heights.first_key() {
                self.heights.warm(next);
            }
            self.finalize(h, hs);
        }
        let last = self.ledger.last_height.unwrap_or(0);
        self.ledger.check_snapshots(last, true, &self.model, &mut self.findings);
        self.ledger.drop_pending_snapshots();
        self.judge_contiguity();
        self.judge_ledger_end();
        self.judge_equivocations();
        let (byz, total) = self.model.worst_byzantine_share();
        let over = self.model.over_budget(byz, total);
        let bound = self.opts.liveness_bound_ns.unwrap_or(DEFAULT_LIVENESS_BOUND_NS);
        let (lv, lr, lstats) = self.live.evaluate(
            &self.model,
            &self.faults,
            self.last_t.0,
            run_line,
            bound,
            over,
            &mut self.findings,
        );
        let s = &self.stats;
        let mut progress = std::mem::take(&mut self.progress);
        progress.consensus_events = s.votes + s.proposes + s.decides + s.steps;
        let model = &self.model;
        let (pv, pr, pstats) = progress.evaluate(
            self.last_t.0,
            self.line,
            over,
            self.progress_bound().1,
            |n| model.name(n),
            &mut self.findings,
        );
        let acc = self.judge_accountability();
        let mut verdicts: Vec<Judgement> =
            (0..Property::COUNT).map(|_| (Verdict::Pass, None)).collect();
        verdicts[Property::Liveness.index()] = (lv, lr);
        verdicts[Property::Progress.index()] = (pv, pr);
        verdicts[Property::Accountability.index()] = acc;
        self.fill_verdicts(&mut verdicts);
        let report = self.build(verdicts, byz, total, over, lstats, pstats);
        self.free_elsewhere();
        report
    }

    fn judge_contiguity(&mut self) {
        for (n, nc) in self.node_chain.iter().enumerate() {
            let n = n as u32;
            let Some(min) = nc.min else { continue };
            if !self.model.is_correct(n) || nc.max - min + 1 == nc.count {
                continue;
            }
            for &(a, b, line) in &nc.gaps {
                self.findings.add(RawFinding {
                    prop: Property::Chain,
                    nodes: vec![n],
                    height: Some(a),
                    round: None,
                    lines: vec![line],
                    message: format!("decided heights are not contiguous: missing {a}..={b}"),
                });
            }
        }
    }

    fn judge_ledger_end(&mut self) {
        let l = &self.ledger;
        let mut out = Vec::new();
        for u in &l.phantom_unsubmitted {
            if l.info[u.tx as usize].submitted().is_none() {
                out.push(RawFinding {
                    prop: Property::NoPhantomTx,
                    nodes: vec![u.node],
                    height: Some(u.height),
                    round: None,
                    lines: vec![u.line],
                    message: format!(
                        "tx {} in the decided chain was never submitted",
                        l.txs.name(u.tx)
                    ),
                });
            }
        }
        for u in &l.validity_unsubmitted {
            if l.info[u.tx as usize].submitted().is_none() && l.submits > 0 {
                out.push(RawFinding {
                    prop: Property::Validity,
                    nodes: vec![u.node],
                    height: Some(u.height),
                    round: None,
                    lines: vec![u.line],
                    message: format!(
                        "decided block holds tx {} that was never submitted",
                        l.txs.name(u.tx)
                    ),
                });
            }
        }
        for (t, i) in l.info.iter().enumerate() {
            // Named only for a finding: the loop passes over every tx held, at the end.
            let name = || l.txs.name(t as u32);
            if let (Some(rej), Some((h, line))) = (i.rejected, i.first_at()) {
                out.push(RawFinding {
                    prop: Property::NoPhantomTx,
                    nodes: vec![],
                    height: Some(h),
                    round: None,
                    lines: vec![line, rej],
                    message: format!(
                        "tx {} has a rejected result but is in the decided chain",
                        name()
                    ),
                });
            } else if let (Some(rej), Some((line, height, node))) = (i.rejected, i.committed()) {
                // The client was told two things (trace format 1.1, resolution 9).
                out.push(RawFinding {
                    prop: Property::NoPhantomTx,
                    nodes: node.into_iter().collect(),
                    height,
                    round: None,
                    lines: vec![line, rej],
                    message: format!("tx {} has both a committed and a rejected result", name()),
                });
            }
            let Some((line, height, node)) = i.committed() else { continue };
            if height == Some(0) || height.is_some_and(|h| h > l.last_height.unwrap_or(0)) {
                continue;
            }
            if i.occurrences != 1 {
                let msg = if i.occurrences == 0 {
                    format!("tx {} was reported committed but is not in the decided chain", name())
                } else {
                    format!("tx {} appears {} times in the decided chain", name(), i.occurrences)
                };
                out.push(RawFinding {
                    prop: Property::NoLostTx,
                    nodes: node.into_iter().collect(),
                    height,
                    round: None,
                    lines: std::iter::once(line).chain(i.first_at().map(|a| a.1)).collect(),
                    message: msg,
                });
            }
        }
        for f in out {
            self.findings.add(f);
        }
    }

    fn judge_equivocations(&mut self) {
        let mut out = Vec::new();
        for e in &self.equivs {
            if self.model.is_correct(e.node) {
                out.push(RawFinding {
                    prop: Property::Equivocation,
                    nodes: vec![e.node],
                    height: Some(e.height),
                    round: Some(e.round),
                    lines: e.lines.to_vec(),
                    message: format!(
                        "correct node equivocated: two {}s, {} and {}",
                        e.what, e.blocks[0], e.blocks[1]
                    ),
                });
            }
        }
        for &(reporter, accused, h, r, line) in &self.evidence {
            if self.model.is_correct(accused) && !self.equivocators.contains(&accused) {
                out.push(RawFinding {
                    prop: Property::Equivocation,
                    nodes: vec![accused],
                    height: Some(h),
                    round: Some(r),
                    lines: vec![line],
                    message: format!(
                        "{} reported evidence against correct node {} that the trace does not prove",
                        self.model.name(reporter),
                        self.model.name(accused)
                    ),
                });
            }
        }
        for f in out {
            self.findings.add(f);
        }
    }

    fn judge_accountability(&mut self) -> Judgement {
        let Some(h) = self.first_disagreement else {
            return if self.stats.agreement_compared > 0 {
                (Verdict::Pass, Some("agreement held".into()))
            } else {
                not_evaluated("agreement was not evaluated")
            };
        };
        let vs = self.model.valset(h);
        let culprits: Vec<u32> = self.equivocators.iter().copied().collect();
        let power: u128 = culprits.iter().filter_map(|&n| vs.power(n)).map(u128::from).sum();
        let names: Vec<String> = culprits.iter().map(|&n| self.model.name(n)).collect();
        // The bound follows the protocol family through its quorum: 1 - num/den.
        let bound = self.model.bound_text();
        if self.model.reaches_bound(power, vs.total) {
            return (
                Verdict::Pass,
                Some(format!(
                    "agreement broke at height {h}; proven equivocators {} hold {power} of {} (>= {bound})",
                    names.join(","),
                    vs.total
                )),
            );
        }
        let total = vs.total;
        self.findings.add(RawFinding {
            prop: Property::Accountability,
            nodes: culprits,
            height: Some(h),
            round: None,
            lines: vec![],
            message: format!(
                "agreement broke but proven equivocators hold only {power} of {total} (< {bound}): protocol bug"
            ),
        });
        (Verdict::Fail, None)
    }
}
