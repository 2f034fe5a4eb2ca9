//! A multi-chain run, end to end: script → [`touchstone_xchain`]'s engine (trace) → checker →
//! run directory, written through the same staging as a single-chain run.
//!
//! `run.json` is a run record like any other (its `scenario.network` is the first chain's, its
//! `faults` every chain's, named `<chain>/<id>`), with the cross-chain measurements in a
//! section of their own, `xchain`: every settlement's state and commit times, the latency
//! distribution, transactions per settled one, rejections, supply and escrow per chain. The
//! verdict fails on what those measurements show (a transfer stuck or unbacked, one settled
//! twice, a pair half claimed and half refunded) whatever the checker says, and on the
//! checker's failed gates as for any run.

use crate::environment::{CostMeter, Stopwatch};
use crate::exit::{Failure, FINDINGS};
use crate::interrupt::hurried;
use crate::pipeline::{check_trace_with, manifest_fields, running_record, RunParams, RunSummary};
use crate::scoring::write_run_reports;
use crate::verdict::{judge, Evidence};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use touchstone_check::CheckOptions;
use touchstone_core::adapter::{Capabilities, SystemInfo};
use touchstone_core::record::*;
use touchstone_core::rundir::{self, Staging};
use touchstone_core::time::format_duration;
use touchstone_xchain::measure::XReport;
use touchstone_xchain::{XScenario, XTrace};

/// Why a multi-chain scenario refuses another adapter.
pub const SIM_ONLY: &str = "a multi-chain scenario runs on the simulator (--adapter sim) only";

/// Whether the script at `path` declares several chains (unreadable: no, and the single-chain
/// path reports why).
pub fn is_multi_chain(path: &Path) -> bool {
    touchstone_core::input::read_text_capped(
        path,
        touchstone_core::input::MAX_SCRIPT_BYTES,
        "scenario script",
    )
    .is_ok_and(|t| touchstone_xchain::is_multi_chain(&t))
}

/// `ok FILE: NAME (...)` for `touchstone validate`.
pub fn ok_line(path: &Path, s: &XScenario) -> String {
    let chains: Vec<String> = s
        .chains
        .iter()
        .map(|c| {
            let n = &c.scenario.network;
            format!(
                "{} ({} validators {}, {} faults)",
                c.id,
                n.validators,
                n.protocol,
                c.scenario.faults.len()
            )
        })
        .collect();
    format!(
        "ok {}: {} ({}, chains {}; {} {} × {} over {}, drain {})",
        path.display(),
        s.name,
        s.kind.as_str(),
        chains.join(", "),
        s.bridge.mechanism.as_str(),
        s.bridge.workload.shape.name(),
        s.bridge.workload.count,
        format_duration(s.load_duration()),
        format_duration(s.bridge.workload.drain),
    )
}

/// Runs one multi-chain scenario and writes its run directory.
pub fn run_one(p: &RunParams, stop: &AtomicBool) -> Result<RunSummary, Failure> {
    let (s, text) = touchstone_xchain::load(&p.scenario).map_err(Failure::from)?;
    if p.adapter != "sim" || p.adapter_config.is_some() {
        return Err(Failure::bad_input(format!("{}: {SIM_ONLY}", p.scenario.display())));
    }
    // Every chain is the simulator: refused here (bad input) if one cannot be built.
    let caps = match touchstone_sim::SimAdapter::new(&s.chains[0].scenario) {
        Ok(a) => touchstone_core::Adapter::capabilities(&a),
        Err(e) => return Err(Failure::bad_input(e.to_string())),
    };
    let _ = stop; // Virtual time: a multi-chain run is short; it is not interrupted midway.
    let meter = CostMeter::start();
    let target = p.out.clone().unwrap_or_else(|| crate::pipeline::default_dir(&s.name, p));
    let staging = Staging::begin(&target, p.existing)?;
    let dir = staging.dir.clone();
    let label = staging.target.display().to_string();
    dir.write_bytes("scenario.toml", text.as_bytes())?;
    let mut record = started_record(p, &s, &text, caps);
    dir.write_json("run.json", &record)?;
    if !p.quiet {
        eprintln!(
            "touchstone: {} ({} chains, {}) with seed {} → {}",
            s.name,
            s.chains.len(),
            s.bridge.mechanism.as_str(),
            p.seed,
            staging.target.display()
        );
    }
    let simulate = Stopwatch::start();
    let path = dir.file("trace.jsonl");
    let file = std::fs::File::create(&path)
        .map_err(|e| Failure::harness(format!("{}: {e}", path.display())))?;
    let mut trace = XTrace::new(std::io::BufWriter::new(file));
    let result = touchstone_xchain::run(&s, p.seed, &mut trace, Default::default());
    let lines = trace.lines();
    let (_, fingerprint) =
        trace.finish().map_err(|e| Failure::harness(format!("{}: {e}", path.display())))?;
    record.trace = TraceInfo { file: "trace.jsonl".into(), lines, fingerprint };
    let r = result.map_err(|e| Failure::harness(e.to_string()))?;
    record.status = RunStatus::Completed;
    record.duration_ns = r.duration_ns;
    record.faults = r
        .faults
        .iter()
        .flat_map(|(c, fs)| fs.iter().map(move |f| (c, f)))
        .map(|(c, f)| {
            let mut f = f.clone();
            f.id = format!("{c}/{}", f.id);
            f
        })
        .collect();
    record.harness_cost = Some(meter.finish(r.report.txs.values().sum()));
    let simulate_ns = simulate.elapsed_ns();
    write_record(&dir, &record, &r.report)?;

    let checking = Stopwatch::start();
    let opts = CheckOptions { replay_command: Some(record.replay.clone()), ..Default::default() };
    let check = if hurried() { None } else { check_trace_with(&dir, opts, &mut record) };
    let check_ns = check.is_some().then(|| checking.elapsed_ns());
    record.timings = Some(StepTimes { simulate_ns, check_ns, report_ns: None });
    record.verdict = verdict(&record, &s, check.as_ref(), &r.report);
    write_record(&dir, &record, &r.report)?;
    // The reports score single-chain indicators: a multi-chain record has none of their
    // metrics, so a report that cannot be made is left out rather than failing the run.
    let report = if hurried() {
        None
    } else {
        write_run_reports(&dir.path, &label, &p.profile, p.rubric.as_deref()).ok()
    };
    write_record(&dir, &record, &r.report)?;
    dir.write_run_manifest(&manifest_fields(p, &record, hurried()))?;
    let at = staging.publish(record.status == RunStatus::Completed)?;
    Ok(RunSummary { dir: at, record, check, report })
}

/// `run.json`: the record with the cross-chain section beside its fields.
fn write_record(dir: &rundir::RunDir, record: &RunRecord, x: &XReport) -> Result<(), Failure> {
    let mut v = serde_json::to_value(record).map_err(|e| Failure::harness(e.to_string()))?;
    v["xchain"] = serde_json::to_value(x).map_err(|e| Failure::harness(e.to_string()))?;
    dir.write_json("run.json", &v)?;
    Ok(())
}

/// The checker's verdict (its gates), and the cross-chain measurements' own findings.
fn verdict(
    record: &RunRecord,
    s: &XScenario,
    check: Option<&touchstone_check::CheckReport>,
    x: &XReport,
) -> Verdict {
    let mut v = judge(&Evidence {
        status: record.status,
        message: record.message.as_deref(),
        criteria: &record.criteria,
        conformance: &[],
        gates: s.criteria.gates.as_deref(),
        properties: check.map(|c| c.properties.as_slice()),
    });
    let mut failed = Vec::new();
    for state in ["stuck", "not_started", "mixed", "unbacked"] {
        if let Some(n) = x.states.get(state) {
            failed.push(format!("xchain: {n} settlement(s) {state}"));
        }
    }
    if !x.unbacked.is_empty() {
        failed.push(format!("xchain: unbacked {}", x.unbacked.join(", ")));
    }
    if !x.settled_twice.is_empty() {
        failed.push(format!("xchain: settled twice {}", x.settled_twice.join(", ")));
    }
    if !failed.is_empty() && v.passed {
        v = Verdict { passed: false, exit_code: FINDINGS, failed: Vec::new() };
    }
    v.failed.extend(failed);
    v
}

/// The record before the run: the first chain's network, every chain's faults.
fn started_record(p: &RunParams, s: &XScenario, text: &str, caps: Capabilities) -> RunRecord {
    let first = &s.chains[0].scenario;
    let faults = s
        .chains
        .iter()
        .flat_map(|c| c.scenario.faults.iter().map(move |f| (c, f)))
        .map(|(c, f)| {
            let mut f = f.clone();
            f.id = format!("{}/{}", c.id, f.id);
            f
        })
        .collect();
    let mut details = std::collections::BTreeMap::new();
    for c in &s.chains {
        let n = &c.scenario.network;
        details.insert(
            format!("chain.{}", c.id),
            format!(
                "{} × {} validators, blocks every {}",
                n.protocol,
                n.validators,
                format_duration(n.consensus.block_interval)
            ),
        );
    }
    details.insert("bridge".into(), s.bridge.mechanism.as_str().into());
    let system = SystemInfo {
        adapter: "sim".into(),
        protocol: "multi-chain".into(),
        validators: Vec::new(),
        quorum: None,
        details,
    };
    let info = ScenarioInfo {
        name: s.name.clone(),
        kind: s.kind.as_str().into(),
        purpose: s.purpose.iter().map(|p| p.as_str().into()).collect(),
        description: s.description.clone(),
        file: Some(p.scenario.display().to_string()),
        sha256: rundir::sha256_hex(text.as_bytes()),
        network: first.network.clone(),
        faults,
        criteria: s.criteria.clone(),
        load_ns: s.load_duration(),
    };
    running_record(p, info, AdapterInfo { system, capabilities: caps })
}
