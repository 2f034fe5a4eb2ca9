//! The report, assembled once every property has its verdict: findings about nodes known to
//! be Byzantine dropped, the rest counted and sorted, one result per property (a finding
//! makes an evaluated property fail), names resolved, and notes on what was only partly checked.

use crate::checker::Checker;
use crate::consensus::{CERTIFIED, DECIDED, PROPOSED, VOTED};
use crate::error::CheckError;
use crate::findings::{publish, RawFinding};
use crate::report::{
    CheckReport, Equivocation, LedgerInfo, LivenessStats, ProgressStats, PropertyResult,
    QuorumInfo, TraceCompleteness, ValidatorInfo, Verdict,
};
use crate::verdicts::Judgement;
use touchstone_spec::Property;

impl Checker<'_> {
    /// The report, from each property's verdict, the Byzantine and total power of the worst
    /// set, whether that is over budget, and the liveness and progress statistics.
    pub(crate) fn build(
        &mut self,
        mut verdicts: Vec<Judgement>,
        byz: u128,
        total: u128,
        over: bool,
        liveness: Option<LivenessStats>,
        progress: Option<ProgressStats>,
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
        let truncated = self.run_end_line.is_none();
        let fails = properties.iter().any(|p| p.verdict == Verdict::Fail && !p.expected_to_fail);
        Ok(CheckReport {
            format_version: 1,
            spec_version: "1.1".into(),
            status: CheckReport::status_of(truncated, !fails).into(),
            truncated,
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
            adapter: self.adapter.clone(),
            family: model.family_name.clone(),
            view_based: model.view_based,
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
            progress,
            trace_completeness: self.completeness(),
            ledger: LedgerInfo {
                unknown_opening_balances: self.ledger.unknown_accounts(),
                known_opening_balances: (self.ledger.accounts.len() as u64)
                    .saturating_sub(self.ledger.unknown_accounts()),
            },
            heights_decided: self.stats.heights_decided,
            notes: self.notes(),
            chains: Vec::new(),
            xchain: None,
        })
    }

    /// The command that replays the run: given in the options, or built when the trace names
    /// a scenario and an adapter Touchstone can run, and a seed (trace format 1.1, resolution
    /// 12). A trace from elsewhere gets none.
    fn replay(&self) -> Option<String> {
        if let Some(r) = &self.opts.replay_command {
            return Some(r.clone());
        }
        let (scenario, adapter, seed) =
            (self.scenario.as_ref()?, self.adapter.as_ref()?, self.seed.as_ref()?);
        let script = self.opts.replay_scenarios.get(scenario)?;
        if !self.opts.replay_adapters.contains(adapter) {
            return None;
        }
        Some(format!("touchstone run {script} --adapter {adapter} --seed {seed}"))
    }

    /// Per node, what the trace shows of its consensus: exported (votes, proposals or
    /// certified decisions), only observed (decisions without cert), or nothing.
    fn completeness(&self) -> TraceCompleteness {
        let mut validators: Vec<u32> =
            self.model.valsets.values().flat_map(|vs| vs.members.iter().map(|m| m.0)).collect();
        validators.sort_unstable();
        validators.dedup();
        let flags = |n: u32| self.node_flags.get(n as usize).copied().unwrap_or(0);
        let mut c = TraceCompleteness { validators: validators.len() as u64, ..Default::default() };
        for &f in &self.node_flags {
            if f & (VOTED | PROPOSED | CERTIFIED) != 0 {
                c.exported += 1;
            } else if f & DECIDED != 0 {
                c.observed += 1;
            }
        }
        c.silent = validators.iter().filter(|&&n| flags(n) == 0).count() as u64;
        c
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
                chain: None,
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
        if self.stats.late_uncompared > 0 {
            notes.push(format!(
                "{} decisions arrived more than {} heights after their height was judged (the tx horizon keeps no older block) and were not compared",
                self.stats.late_uncompared,
                crate::horizon::PRUNED_KEPT
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
        if !self.overflowed.is_empty() {
            notes.push(format!(
                "heights {:?}{} went over a per-height limit (distinct blocks or open votes): their consensus properties were not judged",
                self.overflowed,
                if self.stats.overflow_heights > self.overflowed.len() as u64 { " and more" } else { "" }
            ));
        }
        if self.stats.dropped_events > 0 {
            notes.push(format!(
                "{} events were dropped by a memory limit (open heights, blocks per height, open votes)",
                self.stats.dropped_events
            ));
        }
        if self.stats.nullified_gaps > 0 {
            notes.push(format!(
                "{} gaps in a node's decided heights are views without a decision (view-based protocol): no chain finding",
                self.stats.nullified_gaps
            ));
        }
        let unknown = self.ledger.unknown_accounts();
        if unknown > 0 {
            notes.push(format!(
                "{unknown} accounts moved before the trace gave their opening balance (no genesis, no snapshot yet): their balances were not judged until a snapshot listed them"
            ));
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
            chains: None,
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
        // Judged across chains from committed transactions, never about a node.
        Property::XchainConservation
        | Property::XchainNoDoubleMint
        | Property::XchainAtomicity
        | Property::XchainSettlementTime => false,
        Property::Agreement
        | Property::Integrity
        | Property::Chain
        | Property::Validity
        | Property::Quorum
        | Property::VoteJustification
        | Property::StateAgreement
        | Property::Liveness
        | Property::Progress
        | Property::Equivocation
        | Property::NoDoubleSpend
        | Property::Conservation
        | Property::NoPhantomTx => true,
    }
}
