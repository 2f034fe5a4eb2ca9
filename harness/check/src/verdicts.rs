//! End of trace: flush the window, judge the ledger, liveness and accountability, and give
//! each property its verdict (or the reason it is not evaluated).

use crate::checker::Checker;
use crate::error::CheckError;
use crate::findings::RawFinding;
use crate::model::Family;
use crate::options::DEFAULT_LIVENESS_BOUND_NS;
use crate::report::{CheckReport, Verdict};
use touchstone_spec::Property;

/// A property's verdict and the reason given with it.
pub(crate) type Judgement = (Verdict, Option<String>);

fn not_evaluated(r: impl Into<String>) -> Judgement {
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
        while let Some((h, hs)) = self.heights.pop_first() {
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
        self.build(verdicts, byz, total, over, lstats, pstats)
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
            if l.info[u.tx as usize].submitted.is_none() {
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
            if l.info[u.tx as usize].submitted.is_none() && l.submits > 0 {
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
            let name = l.txs.name(t as u32);
            if let (Some(rej), Some((h, line))) = (i.rejected, i.first_at) {
                out.push(RawFinding {
                    prop: Property::NoPhantomTx,
                    nodes: vec![],
                    height: Some(h),
                    round: None,
                    lines: vec![line, rej],
                    message: format!("tx {name} has a rejected result but is in the decided chain"),
                });
            } else if let (Some(rej), Some((line, height, node))) = (i.rejected, i.committed) {
                // The client was told two things (trace format 1.1, resolution 9).
                out.push(RawFinding {
                    prop: Property::NoPhantomTx,
                    nodes: node.into_iter().collect(),
                    height,
                    round: None,
                    lines: vec![line, rej],
                    message: format!("tx {name} has both a committed and a rejected result"),
                });
            }
            let Some((line, height, node)) = i.committed else { continue };
            if height == Some(0) || height.is_some_and(|h| h > l.last_height.unwrap_or(0)) {
                continue;
            }
            if i.occurrences != 1 {
                let msg = if i.occurrences == 0 {
                    format!("tx {name} was reported committed but is not in the decided chain")
                } else {
                    format!("tx {name} appears {} times in the decided chain", i.occurrences)
                };
                out.push(RawFinding {
                    prop: Property::NoLostTx,
                    nodes: node.into_iter().collect(),
                    height,
                    round: None,
                    lines: std::iter::once(line).chain(i.first_at.map(|a| a.1)).collect(),
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

    /// The verdicts that are not a plain pass: not evaluated for want of events, or passed with
    /// a remark on what could be checked. Failures come from the findings afterwards.
    fn fill_verdicts(&self, v: &mut [Judgement]) {
        self.fill_decision_verdicts(v);
        self.fill_vote_verdicts(v);
        self.fill_justification_verdict(v);
        self.fill_ledger_verdicts(v);
        self.fill_overflow_notes(v);
    }

    /// `vote_justification`: evaluated when the trace declares a family this checker has a
    /// rule for, and holds the votes the rule needs.
    fn fill_justification_verdict(&self, v: &mut [Judgement]) {
        let s = &self.stats;
        let p = Property::VoteJustification;
        let family = self.model.family_name.as_deref();
        let needs = match self.model.family {
            Family::Unknown => {
                let r = match family {
                    None => "the trace declares no protocol family (run.start family)".to_string(),
                    Some(f) => format!("no vote rule for protocol family {f:?}"),
                };
                return set(v, p, not_evaluated(r));
            }
            Family::Tendermint => "prevote",
            Family::Pbft => "prepare",
            Family::Simplex => "notarize",
            Family::Raft => "acknowledgement (vote for a block)",
            Family::Hotstuff => "",
        };
        if self.model.family == Family::Hotstuff {
            if s.votes_justified == 0 {
                let r = "no vote whose proposal and certificate the trace shows (cons.propose)";
                return set(v, p, not_evaluated(r));
            }
        } else if s.needed_votes == 0 {
            return set(v, p, not_evaluated(format!("no {needs} vote in the trace")));
        } else if s.votes_justified == 0 {
            return set(v, p, not_evaluated("no vote of a correct node for the rule to judge"));
        }
        let what = if self.model.family == Family::Raft { "decisions" } else { "votes" };
        let mut r =
            format!("{} {what} judged by the {} rule", s.votes_justified, family.unwrap_or(""));
        if s.votes_unjudged > 0 {
            r.push_str(&format!(
                "; {} could not be (their proposal or ancestors are not in the trace)",
                s.votes_unjudged
            ));
        }
        set(v, p, passed_with(r));
    }

    /// Heights over a per-height limit and events dropped by a limit: the properties that
    /// judge heights say what they could not judge.
    fn fill_overflow_notes(&self, v: &mut [Judgement]) {
        let s = &self.stats;
        if s.overflow_heights == 0 && s.dropped_events == 0 {
            return;
        }
        let note = format!(
            "{} heights over a per-height limit and {} events dropped by a limit were not judged",
            s.overflow_heights, s.dropped_events
        );
        for p in [
            Property::Agreement,
            Property::Integrity,
            Property::Validity,
            Property::Quorum,
            Property::NoConflictingQuorums,
            Property::StateAgreement,
        ] {
            let j = &mut v[p.index()];
            if j.0 == Verdict::Pass {
                j.1 = Some(match &j.1 {
                    Some(r) => format!("{r}; {note}"),
                    None => note.clone(),
                });
            }
        }
    }

    /// Agreement, integrity, chain, validity and quorum: they need decisions of correct nodes.
    fn fill_decision_verdicts(&self, v: &mut [Judgement]) {
        let s = &self.stats;
        let submits = self.ledger.submits;
        let no_correct_decision = s.correct_decisions == 0;
        if s.decides == 0 {
            set(v, Property::Agreement, not_evaluated("no cons.decide in the trace"));
        } else if s.agreement_compared == 0 && s.late_decides == 0 {
            let r = "no height was decided by two correct nodes";
            set(v, Property::Agreement, not_evaluated(r));
        }
        if no_correct_decision {
            let r = "no cons.decide by a correct node";
            for p in [Property::Integrity, Property::Chain, Property::Validity, Property::Quorum] {
                set(v, p, not_evaluated(r));
            }
            return;
        }
        if s.parents_checked == 0 {
            set(v, Property::Chain, passed_with("contiguity only: no parent fields"));
        }
        if s.validity_judged == 0 && submits == 0 {
            let r = "no cons.propose and no tx.submit in the trace";
            set(v, Property::Validity, not_evaluated(r));
        } else if s.validity_judged == 0 {
            set(v, Property::Validity, passed_with("txs only: no cons.propose"));
        } else if submits == 0 {
            set(v, Property::Validity, passed_with("proposals only: no tx.submit"));
        }
        if s.quorum_unverifiable == s.quorum_judged {
            let r = "no decision carries a cert or has votes for its block in the trace (an observed chain)";
            set(v, Property::Quorum, not_evaluated(r));
        } else if s.quorum_unverifiable > 0 {
            let r = format!(
                "{} decisions without cert or votes for their block (observed) not evaluated",
                s.quorum_unverifiable
            );
            set(v, Property::Quorum, passed_with(r));
        }
    }

    /// No conflicting quorums, state agreement and equivocation: they need votes, app hashes,
    /// proposals or evidence.
    fn fill_vote_verdicts(&self, v: &mut [Judgement]) {
        let s = &self.stats;
        if s.votes == 0 {
            set(v, Property::NoConflictingQuorums, not_evaluated("no cons.vote in the trace"));
        }
        if s.app_hash_compared == 0 {
            let r = "no height with an app_hash from two correct nodes";
            set(v, Property::StateAgreement, not_evaluated(r));
        }
        if s.votes == 0 && s.proposes == 0 && self.evidence.is_empty() {
            let r = "no cons.vote or cons.propose in the trace";
            set(v, Property::Equivocation, not_evaluated(r));
        } else if self.equivs_total > 0 {
            let r = format!("{} equivocations attributed", self.equivs_total);
            set(v, Property::Equivocation, passed_with(r));
        }
    }

    /// The ledger properties: they need decided txs with their details, snapshots, results.
    fn fill_ledger_verdicts(&self, v: &mut [Judgement]) {
        let l = &self.ledger;
        let unknown = l.unknown_accounts();
        let partly = (unknown > 0).then(|| {
            format!("balance part not evaluated for {unknown} accounts of unknown opening balance")
        });
        if l.applied_with_effect == 0 && l.nonces_checked == 0 {
            let r = "no decided tx with ledger details (tx.submit op, accounts, amount, nonce)";
            set(v, Property::NoDoubleSpend, not_evaluated(r));
        } else if l.nonces_checked == 0 && l.debits_checked == 0 {
            let r = match &partly {
                Some(p) => format!("no nonce in the trace, and the {p}"),
                None => "no nonce and no debit of a known balance in the trace".to_string(),
            };
            set(v, Property::NoDoubleSpend, not_evaluated(r));
        } else if let Some(p) = &partly {
            set(v, Property::NoDoubleSpend, passed_with(format!("nonces checked; {p}")));
        }
        if l.uncertain > 0 {
            let mut r =
                format!("{} decided txs lack the details needed to replay balances", l.uncertain);
            if !l.unreplayable.is_empty() {
                r = format!(
                    "the decided block of heights {:?} could not be kept (a per-height limit), so the replay is uncertain",
                    l.unreplayable
                );
            }
            set(v, Property::Conservation, not_evaluated(r));
        } else if l.snapshots_checked == 0 {
            let r = "no state.snapshot with supply or balances at a decided height";
            set(v, Property::Conservation, not_evaluated(r));
        } else if l.values_compared == 0 {
            let r = "snapshots only gave opening balances (no genesis in the trace): nothing left to compare";
            set(v, Property::Conservation, not_evaluated(r));
        } else if let Some(p) = &partly {
            set(v, Property::Conservation, passed_with(p.clone()));
        }
        let committed = l.info.iter().any(|i| i.committed.is_some_and(|c| c.1 != Some(0)));
        if !committed || l.last_height.is_none() {
            let r = "no committed tx.result (outside genesis) and decided chain";
            set(v, Property::NoLostTx, not_evaluated(r));
        }
        let told_both = l.info.iter().any(|i| i.committed.is_some() && i.rejected.is_some());
        if (l.submits == 0 || l.applied == 0) && !told_both {
            let r = "no tx.submit or no decided tx in the trace";
            set(v, Property::NoPhantomTx, not_evaluated(r));
        }
    }
}

fn set(v: &mut [Judgement], p: Property, j: Judgement) {
    v[p.index()] = j;
}

fn passed_with(r: impl Into<String>) -> Judgement {
    (Verdict::Pass, Some(r.into()))
}
