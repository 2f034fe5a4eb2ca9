//! `timeout.unknown`: an engine run with a short timeout, during which every validator is
//! paused for a while. Transactions held past the timeout must be recorded `unknown` by the
//! engine, and whatever the adapter reports about them afterwards must count once.

use super::outcomes::summarise;
use super::{Kit, Verdicts};
use crate::report::Verdict;
use crate::watch::Watched;
use std::collections::BTreeMap;
use touchstone_core::engine::{self, EndReason, FaultStatus, RunOptions, RunResult};
use touchstone_core::scenario::{
    AssetSpec, FaultAction, FaultKind, RateSpec, Scenario, ScenarioBuilder, ScenarioKind,
};
use touchstone_core::trace::{TraceEvent, TraceSink, TxStatus};
use touchstone_core::{Adapter, Nanos};

const ID: &str = "timeout.unknown";

pub(super) fn judge(kit: &Kit<'_>, v: &mut Verdicts) {
    let verdict = if !kit.declares(FaultKind::Pause) {
        Verdict::not_applicable(
            "the adapter declares no pause fault, so the kit cannot hold a transaction back",
        )
    } else if !kit.declares(FaultKind::Resume) {
        Verdict::fail("the adapter declares pause but not resume: a paused chain never resumes")
    } else {
        run(kit).unwrap_or_else(Verdict::fail)
    };
    v.set(ID, verdict);
}

fn run(kit: &Kit<'_>) -> Result<Verdict, String> {
    let opts = kit.opts;
    let inner =
        (kit.factory)().map_err(|e| format!("the factory could not build the adapter: {e}"))?;
    let slack = if kit.caps.virtual_time { 0 } else { opts.wall_slack };
    let mut adapter = Watched::new(inner, kit.log.clone(), slack);
    let nodes: Vec<String> = adapter.system_info().validators.into_iter().map(|v| v.id).collect();
    if nodes.is_empty() {
        return Ok(Verdict::fail("the adapter names no validator to pause (system_info)"));
    }
    let scenario = scenario(kit, nodes);
    let mut log = ResultLog::default();
    let r = engine::run(&scenario, &mut adapter, opts.seed, &mut log, RunOptions::default())
        .map_err(|e| format!("the engine could not start the run: {e}"))?;
    Ok(judge_run(&r, &log))
}

/// Load for three holds; every validator paused during the second; a timeout of a quarter hold.
fn scenario(kit: &Kit<'_>, nodes: Vec<String>) -> Scenario {
    let opts = kit.opts;
    let hold = opts.hold;
    let validators = nodes.len();
    ScenarioBuilder::new("conformance-timeout", ScenarioKind::Payment)
        .validators(validators)
        .accounts(opts.accounts)
        .timeout((hold / 4).max(1))
        .phase("load", 3 * hold, RateSpec::Constant { tps: 20.0 })
        .fault(hold, Some(hold), FaultAction::Pause { nodes })
        .with(|s| {
            let w = &mut s.workload;
            w.assets =
                vec![AssetSpec { id: opts.asset.clone(), initial_balance: opts.initial_balance }];
            w.amount_min = 1;
            w.amount_max = 9;
            w.drain = opts.settle;
        })
        .build()
}

fn judge_run(r: &RunResult, log: &ResultLog) -> Verdict {
    if r.end != EndReason::Completed {
        return Verdict::fail(format!("the engine run did not complete: {:?}", r.end));
    }
    if let Some(f) = r.faults.iter().find(|f| f.status != FaultStatus::Applied) {
        return Verdict::fail(format!(
            "the pause was not applied: {:?} {}",
            f.status,
            f.message.as_deref().unwrap_or("")
        ));
    }
    let mut problems = Vec::new();
    let m = &r.metrics;
    if m.duplicate_outcomes > 0 {
        problems.push(format!("{} duplicate outcome(s) reported", m.duplicate_outcomes));
    }
    if m.foreign_outcomes > 0 {
        problems.push(format!("{} outcome(s) for ids never sent", m.foreign_outcomes));
    }
    let unknown: u64 = m.phases.iter().map(|p| p.unknown).sum();
    if unknown == 0 {
        problems.push(
            "no transaction was unresolved at the engine's timeout while every validator was paused"
                .to_string(),
        );
    }
    for (tx, statuses) in &log.results {
        if !well_formed(statuses) {
            problems.push(format!(
                "t{tx}: results {statuses:?} (at most one final, after at most one unknown)"
            ));
        }
    }
    summarise(problems)
}

/// `final`, `unknown`, or `unknown, final`.
fn well_formed(statuses: &[TxStatus]) -> bool {
    use TxStatus::*;
    matches!(statuses, [Committed | Rejected] | [Unknown] | [Unknown, Committed | Rejected])
}

/// The `tx.result` statuses of the run's workload transactions, by id (genesis issues left out).
#[derive(Debug, Default)]
struct ResultLog {
    genesis: Vec<u64>,
    results: BTreeMap<u64, Vec<TxStatus>>,
}

impl TraceSink for ResultLog {
    fn emit(&mut self, _t: Nanos, ev: &TraceEvent<'_>) {
        match ev {
            TraceEvent::TxSubmit { tx, client: "genesis", .. } => self.genesis.push(tx.0),
            TraceEvent::TxResult { tx, status, .. } if !self.genesis.contains(&tx.0) => {
                self.results.entry(tx.0).or_default().push(*status);
            }
            _ => {}
        }
    }
}
