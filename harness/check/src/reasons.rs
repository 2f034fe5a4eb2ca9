//! The verdicts that are not a plain pass: each property's "not evaluated" reason when the
//! trace lacks what it needs, and the remark on what a pass covers. Failures come from the
//! findings afterwards (`assemble`).

use crate::checker::Checker;
use crate::model::Family;
use crate::report::Verdict;
use crate::verdicts::{not_evaluated, Judgement};
use touchstone_spec::Property;

impl Checker<'_> {
    /// The verdicts that are not a plain pass: not evaluated for want of events, or passed with
    /// a remark on what could be checked. Failures come from the findings afterwards.
    pub(crate) fn fill_verdicts(&self, v: &mut [Judgement]) {
        self.fill_decision_verdicts(v);
        self.fill_vote_verdicts(v);
        self.fill_justification_verdict(v);
        self.fill_ledger_verdicts(v);
        self.fill_overflow_notes(v);
        for p in Property::CROSS_CHAIN {
            let why = "a single-chain trace (run.start declares no chains): nothing crosses chains";
            set(v, p, not_evaluated(why));
        }
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
        let committed =
            l.forgotten > 0 || l.info.iter().any(|i| i.committed().is_some_and(|c| c.1 != Some(0)));
        if !committed || l.last_height.is_none() {
            let r = "no committed tx.result (outside genesis) and decided chain";
            set(v, Property::NoLostTx, not_evaluated(r));
        }
        // A pass over every tx held, so only when it can matter.
        let told_both = || l.info.iter().any(|i| i.has_committed() && i.rejected.is_some());
        if (l.submits == 0 || l.applied == 0) && !told_both() {
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
