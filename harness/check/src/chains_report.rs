//! Trace format 1.2: the report of a multi-chain trace — each chain's checker's report, the
//! cross-chain verdicts, and one result per property: a per-chain property fails if it fails
//! on any chain (its verdict on each chain is listed), and every finding names its chain.

use std::collections::BTreeSet;

use crate::chains::Multi;
use crate::checker::Checker;
use crate::error::CheckError;
use crate::options::DEFAULT_SETTLEMENT_BOUND_NS;
use crate::report::{
    ChainSummary, ChainVerdict, CheckReport, Finding, PropertyResult, TraceCompleteness, Verdict,
};
use crate::xchain_judge::{ChainView, Judge};
use touchstone_spec::Property;

/// What the cross-chain judge needs of a chain's checker.
fn view(id: &str, c: &Checker<'_>) -> ChainView {
    let m = &c.model;
    ChainView {
        id: id.to_string(),
        valsets: m
            .valsets
            .iter()
            .map(|(h, vs)| (*h, vs.members.iter().map(|&(n, w)| (m.name(n), w)).collect()))
            .collect(),
        num: m.num,
        den: m.den,
        byzantine: m.byzantine_nodes().into_iter().map(|n| m.name(n)).collect(),
    }
}

/// Finishes every chain's checker, judges the cross-chain properties, and merges.
pub(crate) fn finish(primary: Checker<'_>, m: Multi<'_>) -> Result<CheckReport, CheckError> {
    let views: Vec<ChainView> = m.ids.iter().zip(&m.subs).map(|(id, c)| view(id, c)).collect();
    let opts = primary.opts;
    let mut subs = Vec::with_capacity(m.subs.len());
    for (id, c) in m.ids.iter().zip(m.subs) {
        subs.push((id.clone(), c.finish()?));
    }
    let replay = subs.first().and_then(|(_, r)| r.replay.clone());
    let judge = Judge {
        x: &m.x,
        chains: &views,
        bound_ns: opts.settlement_bound_ns.unwrap_or(DEFAULT_SETTLEMENT_BOUND_NS),
        replay: replay.clone(),
        findings: Vec::new(),
        flagged: BTreeSet::new(),
    };
    let outcome = judge.run();
    let over = subs.iter().any(|(_, r)| r.over_budget);
    let mut properties = Vec::with_capacity(Property::COUNT);
    for p in Property::ALL {
        if p.is_cross_chain() {
            let (verdict, reason) =
                outcome.verdicts.get(&p).cloned().unwrap_or((Verdict::NotEvaluated, None));
            let n = outcome.findings.iter().filter(|f| f.property == p.id()).count();
            let verdict = if n > 0 && verdict == Verdict::Pass { Verdict::Fail } else { verdict };
            properties.push(PropertyResult {
                id: p.id().into(),
                name: p.name().into(),
                verdict,
                reason: if verdict == Verdict::Fail { None } else { reason },
                expected_to_fail: over && p.is_safety(),
                is_gate: p.is_gate(over),
                findings: n,
                chains: None,
            });
        } else {
            properties.push(per_chain(p, &subs, over));
        }
    }
    let mut findings: Vec<Finding> = Vec::new();
    for (id, r) in &subs {
        findings.extend(r.findings.iter().cloned().map(|mut f| {
            f.chain = Some(id.clone());
            f
        }));
    }
    findings.extend(outcome.findings);
    let order = |f: &Finding| Property::from_id(&f.property).map_or(usize::MAX, Property::index);
    findings.sort_by(|a, b| {
        (order(a), &a.chain, a.height, a.round, &a.nodes, &a.lines).cmp(&(
            order(b),
            &b.chain,
            b.height,
            b.round,
            &b.nodes,
            &b.lines,
        ))
    });
    let fails = properties.iter().any(|p| p.verdict == Verdict::Fail && !p.expected_to_fail);
    let truncated = subs.iter().any(|(_, r)| r.truncated);
    let mut bad = primary.bad.clone();
    for (_, r) in &subs {
        bad.count += r.bad_lines.count;
        bad.first.extend(r.bad_lines.first.iter().cloned());
    }
    bad.first.sort_by_key(|b| b.line);
    bad.first.truncate(opts.limits.max_bad_lines_reported);
    let mut unknown_kinds = primary.unknown_kinds.clone();
    let mut completeness = TraceCompleteness::default();
    let mut ledger = crate::report::LedgerInfo::default();
    let mut notes = Vec::new();
    let mut equivocations = Vec::new();
    let mut byzantine = Vec::new();
    let (mut byz, mut total) = (0u64, 0u64);
    for (id, r) in &subs {
        for (k, n) in &r.unknown_kinds {
            *unknown_kinds.entry(k.clone()).or_insert(0) += n;
        }
        let c = &r.trace_completeness;
        completeness.validators += c.validators;
        completeness.exported += c.exported;
        completeness.observed += c.observed;
        completeness.silent += c.silent;
        ledger.known_opening_balances += r.ledger.known_opening_balances;
        ledger.unknown_opening_balances += r.ledger.unknown_opening_balances;
        notes.extend(r.notes.iter().map(|n| format!("chain {id}: {n}")));
        equivocations.extend(r.equivocations.iter().cloned().map(|mut e| {
            e.chain = Some(id.clone());
            e
        }));
        byzantine.extend(r.byzantine.iter().map(|n| format!("{id}/{n}")));
        // The chain whose Byzantine share is largest.
        if u128::from(r.byzantine_power) * u128::from(total.max(1))
            > u128::from(byz) * u128::from(r.total_power.max(1))
            || total == 0
        {
            (byz, total) = (r.byzantine_power, r.total_power);
        }
    }
    let chains = subs.iter().map(|(id, r)| summary(id, r)).collect();
    Ok(CheckReport {
        format_version: 1,
        spec_version: "1.2".into(),
        status: CheckReport::status_of(truncated, !fails).into(),
        truncated,
        source: primary.source.clone(),
        lines: primary.line,
        events: primary.line.saturating_sub(bad.count),
        bad_lines: bad,
        unknown_kinds,
        protocol: primary.protocol.clone(),
        validators: Vec::new(),
        quorum: crate::report::QuorumInfo { num: primary.model.num, den: primary.model.den },
        seed: primary.seed.clone(),
        scenario: primary.scenario.clone(),
        adapter: primary.adapter.clone(),
        family: None,
        view_based: false,
        byzantine,
        byzantine_power: byz,
        total_power: total,
        over_budget: over,
        properties,
        findings,
        equivocations,
        replay,
        liveness: None,
        progress: None,
        trace_completeness: completeness,
        ledger,
        heights_decided: subs.iter().map(|(_, r)| r.heights_decided).sum(),
        notes,
        chains,
        xchain: Some(outcome.info),
    })
}

/// A per-chain property over every chain: it fails if it fails on any, passes if it passes
/// on at least one and fails on none, and is not evaluated where no chain evaluated it.
fn per_chain(p: Property, subs: &[(String, CheckReport)], over: bool) -> PropertyResult {
    let each: Vec<ChainVerdict> = subs
        .iter()
        .map(|(id, r)| {
            let pr = &r.properties[p.index()];
            ChainVerdict {
                chain: id.clone(),
                verdict: pr.verdict,
                reason: pr.reason.clone(),
                findings: pr.findings,
            }
        })
        .collect();
    let any = |v: Verdict| each.iter().any(|c| c.verdict == v);
    let verdict = if any(Verdict::Fail) {
        Verdict::Fail
    } else if any(Verdict::Pass) {
        Verdict::Pass
    } else {
        Verdict::NotEvaluated
    };
    let failing: Vec<&(String, CheckReport)> =
        subs.iter().filter(|(_, r)| r.properties[p.index()].verdict == Verdict::Fail).collect();
    let expected_to_fail = if failing.is_empty() {
        over && p.is_safety()
    } else {
        failing.iter().all(|(_, r)| r.properties[p.index()].expected_to_fail)
    };
    let reasons: Vec<String> = each
        .iter()
        .filter_map(|c| c.reason.as_ref().map(|r| format!("{}: {r}", c.chain)))
        .collect();
    PropertyResult {
        id: p.id().into(),
        name: p.name().into(),
        verdict,
        reason: if reasons.is_empty() { None } else { Some(reasons.join("; ")) },
        expected_to_fail,
        is_gate: p.is_gate(over),
        findings: each.iter().map(|c| c.findings).sum(),
        chains: Some(each),
    }
}

fn summary(id: &str, r: &CheckReport) -> ChainSummary {
    ChainSummary {
        id: id.to_string(),
        protocol: r.protocol.clone(),
        family: r.family.clone(),
        validators: r.validators.clone(),
        quorum: r.quorum,
        status: r.status.clone(),
        events: r.events,
        heights_decided: r.heights_decided,
        byzantine: r.byzantine.clone(),
        over_budget: r.over_budget,
        findings: r.findings.len(),
        liveness: r.liveness.clone(),
        progress: r.progress.clone(),
        notes: r.notes.clone(),
    }
}
