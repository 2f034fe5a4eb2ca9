//! The report, assembled once every property has its verdict: findings about nodes known to
//! be Byzantine dropped, the rest counted and sorted, one result per property (a finding
//! makes an evaluated property fail), names resolved, and notes on what was only partly checked.

use crate::checker::Checker;
use crate::error::CheckError;
use crate::findings::{publish, RawFinding};
use crate::report::{
    CheckReport, Equivocation, LivenessStats, PropertyResult, QuorumInfo, ValidatorInfo, Verdict,
};
use crate::verdicts::Judgement;
use touchstone_spec::Property;

impl Checker<'_> {
    /// The report, from each property's verdict, the Byzantine and total power of the worst
    /// set, whether that is over budget, and the liveness statistics.
    pub(crate) fn build(
        mut self,
        mut verdicts: Vec<Judgement>,
        byz: u128,
        total: u128,
        over: bool,
        liveness: Option<LivenessStats>,
    ) -> Result<CheckReport, CheckError> {
        let replay = self.replay();
        let (kept, counts) = self.kept_findings(&verdicts);
        let properties = property_results(&mut verdicts, &counts, over);
        let model = &self.model;
        let findings = kept
            .iter()
            .filter(|f| verdicts[f.prop.index()].0 != Verdict::NotEvaluated)
            .map(|f| publish(f, |n| model.name(n), &replay))
            .collect();
        Ok(CheckReport {
            format_version: 1,
            source: self.source.clone(),
            lines: self.line,
            events: self.events,
            bad_lines: self.bad.clone(),
            unknown_kinds: self.unknown_kinds.clone(),
            protocol: self.protocol.clone(),
            validators: self
                .run_validators
                .iter()
                .map(|(id, power)| ValidatorInfo { id: id.clone(), power: *power })
                .collect(),
            quorum: QuorumInfo { num: model.num, den: model.den },
            seed: self.seed.clone(),
            scenario: self.scenario.clone(),
            byzantine: model
                .byzantine_nodes()
                .into_iter()
                .map(|n| model.name(n))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            byzantine_power: u64::try_from(byz).unwrap_or(u64::MAX),
            total_power: u64::try_from(total).unwrap_or(u64::MAX),
            over_budget: over,
            properties,
            findings,
            equivocations: self.equivocation_list(),
            replay,
            liveness,
            heights_decided: self.stats.heights_decided,
            notes: self.notes(),
        })
    }

    /// The command that replays the run: given in the options, or built from the trace's
    /// scenario and seed.
    fn replay(&self) -> Option<String> {
        self.opts.replay_command.clone().or_else(|| match (&self.scenario, &self.seed) {
            (Some(s), Some(seed)) => Some(format!("touchstone run {s} --seed {seed}")),
            _ => None,
        })
    }

    /// The findings to publish, sorted, and the number per property (those over the cap
    /// included). Findings about nodes finally known to be Byzantine are dropped (roles are
    /// run-wide truth), and so are conservation's when it was not evaluated.
    fn kept_findings(
        &mut self,
        verdicts: &[Judgement],
    ) -> (Vec<RawFinding>, [usize; Property::COUNT]) {
        let model = &self.model;
        let mut kept: Vec<RawFinding> = std::mem::take(&mut self.findings.kept)
            .into_iter()
            .filter(|f| {
                !about_correct_nodes(f.prop) || f.nodes.iter().all(|&n| model.is_correct(n))
            })
            .collect();
        let mut counts = [0usize; Property::COUNT];
        for (i, c) in counts.iter_mut().enumerate() {
            let listed = kept.iter().filter(|f| f.prop.index() == i).count();
            *c = listed
                + self.findings.counts[i]
                    .saturating_sub(self.opts.limits.max_findings_per_property);
        }
        if verdicts[Property::Conservation.index()].0 == Verdict::NotEvaluated {
            kept.retain(|f| f.prop != Property::Conservation);
            counts[Property::Conservation.index()] = 0;
        }
        kept.sort_by(|a, b| {
            (a.prop, a.height, a.round, &a.nodes, &a.lines)
                .cmp(&(b.prop, b.height, b.round, &b.nodes, &b.lines))
        });
        (kept, counts)
    }

    /// Every equivocation proven, Byzantine or not, with names.
    fn equivocation_list(&self) -> Vec<Equivocation> {
        let model = &self.model;
        self.equivs
            .iter()
            .map(|e| Equivocation {
                node: model.name(e.node),
                byzantine: model.is_byzantine(e.node),
                height: e.height,
                round: e.round,
                what: e.what.clone(),
                blocks: e.blocks.clone(),
                lines: e.lines,
            })
            .collect()
    }

    /// What was only partly checked.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.stats.late_events + self.stats.late_decides > 0 {
            notes.push(format!(
                "{} events and {} decisions arrived for heights older than the {}-height window and were only partly checked",
                self.stats.late_events, self.stats.late_decides, self.opts.limits.window_heights
            ));
        }
        if self.ledger.snapshots_unchecked > 0 {
            notes.push(format!(
                "{} snapshots could not be checked (height not reached or not kept)",
                self.ledger.snapshots_unchecked
            ));
        }
        if self.stats.validity_unverifiable > 0 && self.stats.proposes == 0 {
            notes.push("no cons.propose in the trace: proposals were not checked".into());
        }
        notes
    }
}

/// One result per property, in the trace format's order. A property with findings fails
/// unless it was not evaluated (then its findings are not counted).
fn property_results(
    verdicts: &mut [Judgement],
    counts: &[usize; Property::COUNT],
    over: bool,
) -> Vec<PropertyResult> {
    let mut properties = Vec::with_capacity(Property::COUNT);
    for p in Property::ALL {
        let i = p.index();
        if counts[i] > 0 && verdicts[i].0 != Verdict::NotEvaluated {
            verdicts[i].0 = Verdict::Fail;
        }
        properties.push(PropertyResult {
            id: p.id().to_string(),
            name: p.name().to_string(),
            verdict: verdicts[i].0,
            reason: verdicts[i].1.clone(),
            expected_to_fail: over && p.is_safety(),
            is_gate: p.is_gate(over),
            findings: if verdicts[i].0 == Verdict::NotEvaluated { 0 } else { counts[i] },
        });
    }
    properties
}

/// Whether a property's findings are about correct nodes, so that a finding naming a node
/// known to be Byzantine is dropped. A conflicting quorum, a lack of accountability and a lost
/// tx are faults of the run as a whole, whoever they name.
fn about_correct_nodes(p: Property) -> bool {
    match p {
        Property::NoConflictingQuorums | Property::Accountability | Property::NoLostTx => false,
        Property::Agreement
        | Property::Integrity
        | Property::Chain
        | Property::Validity
        | Property::Quorum
        | Property::StateAgreement
        | Property::Liveness
        | Property::Equivocation
        | Property::NoDoubleSpend
        | Property::Conservation
        | Property::NoPhantomTx => true,
    }
}
