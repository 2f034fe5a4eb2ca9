//! The synthetic run's record (`run.json`): metrics and faults from the trace's writing, the
//! checker's verdict on the trace, a fixed adapter and environment, and the run's own verdict.

use super::shape::Synth;
use super::trace::Timeline;
use std::collections::BTreeMap;
use std::path::Path;
use touchstone_check::{CheckOptions, CheckReport};
use touchstone_core::adapter::{Capabilities, FinalityRule, SystemInfo};
use touchstone_core::criteria::CriterionResult;
use touchstone_core::engine::{FaultRecord, FaultStatus, GeneratorLag, RunMetrics};
use touchstone_core::ledger::OpKind;
use touchstone_core::metrics::{PhaseMetrics, SeriesRecorder};
use touchstone_core::record::*;
use touchstone_core::scenario::Scenario;
use touchstone_core::trace::ValidatorInfo;

/// The record of the run whose trace `dir/trace.jsonl` was written as `timeline`.
pub(super) fn build(
    dir: &Path,
    s: &Synth,
    sc: &Scenario,
    nodes: &[String],
    vals: Vec<ValidatorInfo>,
    timeline: Timeline,
) -> std::io::Result<RunRecord> {
    let metrics = metrics(timeline.phase, timeline.series);
    let criteria = touchstone_core::criteria::evaluate(&sc.criteria, &metrics);
    let replay = format!("touchstone run scenarios/{}.toml --adapter synth --seed 7", s.name);
    let opts = CheckOptions { replay_command: Some(replay.clone()), ..Default::default() };
    let check = touchstone_check::check_path(&dir.join("trace.jsonl"), &opts)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut rec = RunRecord {
        format: RUN_FORMAT.into(),
        harness: HarnessInfo { name: "touchstone".into(), version: "0.1.0".into() },
        scenario: ScenarioInfo {
            name: s.name.clone(),
            kind: "payment".into(),
            purpose: sc.purpose.iter().map(|p| p.as_str().into()).collect(),
            description: sc.description.clone(),
            file: Some(format!("scenarios/{}.toml", s.name)),
            sha256: touchstone_core::rundir::sha256_hex(s.name.as_bytes()),
            network: sc.network.clone(),
            faults: sc.faults.clone(),
            criteria: sc.criteria.clone(),
            load_ns: s.load_ns(),
        },
        seed: 7,
        replay,
        adapter: adapter(vals),
        environment: environment(),
        status: RunStatus::Completed,
        message: None,
        duration_ns: timeline.end_ns,
        metrics: Some(metrics),
        faults: fault_records(&timeline.faults, nodes),
        criteria,
        check: Some(serde_json::to_value(&check).map_err(std::io::Error::other)?),
        trace: TraceInfo {
            file: "trace.jsonl".into(),
            lines: timeline.lines,
            fingerprint: timeline.fingerprint,
        },
        harness_cost: None,
        timings: None,
        verdict: Verdict { passed: true, exit_code: 0, failed: vec![] },
    };
    rec.verdict = verdict(&rec.criteria, &check);
    Ok(rec)
}

/// One steady phase, measured as a whole.
fn metrics(phase: PhaseMetrics, series: SeriesRecorder) -> RunMetrics {
    let summary = phase.summary();
    RunMetrics {
        phases: vec![summary.clone()],
        measured: summary,
        latency_cdf: phase.latency.cdf(),
        series: series.finish(),
        generator: GeneratorLag { p50_ns: 0, p99_ns: 0, max_ns: 0, fell_behind: false },
        foreign_outcomes: 0,
        duplicate_outcomes: 0,
        program: "payments".into(),
        conformance: Vec::new(),
        program_summary: None,
    }
}

/// The crashes applied, as the engine records faults.
fn fault_records(faults: &[(usize, u64, u64)], nodes: &[String]) -> Vec<FaultRecord> {
    faults
        .iter()
        .map(|(n, a, z)| FaultRecord {
            id: "f0".into(),
            action: "crash".into(),
            nodes: vec![nodes[*n].clone()],
            at_ns: *a,
            duration_ns: Some(z - a),
            status: FaultStatus::Applied,
            message: None,
            applied_ns: Some(*a),
            undone_ns: Some(*z),
        })
        .collect()
}

/// The `synth` adapter: Tendermint-like, BFT finality, consensus events, no faults of its own.
fn adapter(vals: Vec<ValidatorInfo>) -> AdapterInfo {
    let mut details = BTreeMap::new();
    details.insert("version".to_string(), "synth 1".to_string());
    AdapterInfo {
        system: SystemInfo {
            adapter: "synth".into(),
            protocol: "tendermint".into(),
            validators: vals,
            quorum: None,
            details,
        },
        capabilities: Capabilities {
            operations: vec![OpKind::Transfer, OpKind::Issue],
            faults: vec![],
            consensus_events: true,
            state_reads: false,
            finality: FinalityRule {
                description: "BFT finality: decided at 100% of validators".into(),
                required_share: 1.0,
                confirmation_depth: 0,
            },
            virtual_time: true,
        },
    }
}

/// A fixed machine, so that the output does not depend on where it is made.
fn environment() -> Environment {
    Environment {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpus: 2,
        cpu_model: Some("synthetic CPU".into()),
        memory_bytes: Some(8 << 30),
        started_at: Some("2025-01-01T00:00:00Z".into()),
    }
}

/// The run's own verdict: failed criteria and failed checker gates.
fn verdict(criteria: &[CriterionResult], check: &CheckReport) -> Verdict {
    let failed: Vec<String> = criteria
        .iter()
        .filter(|c| !c.passed)
        .map(|c| format!("criterion {}", c.id))
        .chain(
            check
                .properties
                .iter()
                .filter(|p| p.is_gate && p.verdict == touchstone_check::Verdict::Fail)
                .map(|p| format!("gate {}", p.id)),
        )
        .collect();
    Verdict { passed: failed.is_empty(), exit_code: if failed.is_empty() { 0 } else { 1 }, failed }
}
