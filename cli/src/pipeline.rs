//! One run, end to end: scenario → adapter → engine (trace) → checker → criteria → run directory.
//!
//! The run directory is written incrementally: `scenario.toml` and a `run.json` saying `running`
//! before the first transaction, the trace as it goes, and the final record, reports and manifest
//! at the end — also when the run is interrupted or the adapter fails, so nothing measured is lost.

use crate::environment::{self, CostMeter};
use crate::exit::{Failure, HARNESS};
use crate::progress::Bar;
use crate::scoring::write_run_reports;
use crate::verdict::{adapter_failure, engine_error_code, verdict};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use touchstone_check::{CheckOptions, CheckReport};
use touchstone_core::adapter::Adapter;
use touchstone_core::criteria;
use touchstone_core::engine::{self, EndReason, EngineError, RunOptions, RunResult};
use touchstone_core::record::*;
use touchstone_core::rundir::{self, RunDir};
use touchstone_core::scenario::{self, Scenario};
use touchstone_core::Seed;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunParams {
    pub scenario: PathBuf,
    pub adapter: String,
    pub adapter_config: Option<PathBuf>,
    pub seed: Seed,
    /// Run directory; default `touchstone-out/<scenario>/<adapter>-s<seed>/`.
    pub out: Option<PathBuf>,
    pub quiet: bool,
    /// Scoring profile of report.json / report.html (`vendor`, `regulator`, `researcher`).
    pub profile: String,
    /// Rubric file; `None`: the embedded default.
    pub rubric: Option<PathBuf>,
    /// Scale the scenario down first ([`touchstone_core::scenario::Scenario::quick`]); the run
    /// directory's `scenario.toml` is then the scaled script.
    pub quick: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunSummary {
    pub dir: PathBuf,
    pub record: RunRecord,
    pub check: Option<CheckReport>,
    /// The scored evaluation written as report.json / report.html.
    pub report: Option<touchstone_reports::Report>,
}

/// The exact command that replays a run.
pub fn replay_command(p: &RunParams) -> String {
    let mut s = format!(
        "touchstone run {} --adapter {} --seed {}",
        p.scenario.display(),
        p.adapter,
        p.seed
    );
    if let Some(c) = &p.adapter_config {
        s.push_str(&format!(" --adapter-config {}", c.display()));
    }
    if p.quick {
        s.push_str(" --quick");
    }
    s
}

/// Loads and validates a scenario (exit 2 with every diagnostic on failure).
pub fn load_scenario(path: &Path) -> Result<(Scenario, String), Failure> {
    scenario::load(path).map_err(Failure::from)
}

/// Runs one scenario and writes its run directory.
pub fn run_one(p: &RunParams, stop: &AtomicBool) -> Result<RunSummary, Failure> {
    let (mut scenario, mut text) = load_scenario(&p.scenario)?;
    if p.quick {
        scenario = scenario.quick();
        text = scenario::to_toml(&scenario);
    }
    let factory = crate::adapters::find(&p.adapter)?;
    if let Some(c) = &p.adapter_config {
        if !c.is_file() {
            return Err(Failure::bad_input(format!(
                "{}: adapter configuration file not found",
                c.display()
            )));
        }
    }
    let meter = CostMeter::start();
    let mut adapter =
        factory.build(&scenario, p.adapter_config.as_deref()).map_err(adapter_failure)?;
    let dir_path = p.out.clone().unwrap_or_else(|| {
        PathBuf::from("touchstone-out")
            .join(&scenario.name)
            .join(format!("{}-s{}", p.adapter, p.seed))
    });
    let dir = RunDir::create(&dir_path)?;
    dir.write_bytes("scenario.toml", text.as_bytes())?;
    let mut record = started_record(p, &scenario, &text, adapter.as_ref());
    dir.write_json("run.json", &record)?;
    if !p.quiet {
        eprintln!(
            "touchstone: {} on {} with seed {} → {}",
            scenario.name,
            p.adapter,
            p.seed,
            dir_path.display()
        );
    }

    let (result, trace) = drive(p, &scenario, adapter.as_mut(), &dir, stop)?;
    let fingerprint = trace.fingerprint.clone();
    record.trace = trace;
    let result = match result {
        Ok(r) => r,
        Err(e) => return Err(record_engine_error(p, &dir, &mut record, &e)?),
    };
    record_result(&mut record, &scenario, result, &meter);
    dir.write_json("run.json", &record)?;

    let check = check_trace(&dir, &scenario, &mut record);
    record.verdict = verdict(&record, &scenario, check.as_ref());
    dir.write_json("run.json", &record)?;
    let report = write_run_reports(&dir.path, &p.profile, p.rubric.as_deref())?;
    dir.write_manifest(p.seed.0, &fingerprint)?;
    Ok(RunSummary { dir: dir_path, record, check, report: Some(report) })
}

/// The record written before the first transaction: status `running`, and a verdict that says
/// the run did not finish (what a reader finds if the harness dies mid-run).
fn started_record(
    p: &RunParams,
    scenario: &Scenario,
    text: &str,
    adapter: &dyn Adapter,
) -> RunRecord {
    RunRecord {
        format: RUN_FORMAT.into(),
        harness: HarnessInfo::current(),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            kind: scenario.kind.as_str().into(),
            description: scenario.description.clone(),
            file: Some(p.scenario.display().to_string()),
            sha256: rundir::sha256_hex(text.as_bytes()),
            network: scenario.network.clone(),
            faults: scenario.faults.clone(),
            criteria: scenario.criteria.clone(),
            load_ns: scenario.workload.duration(),
        },
        seed: p.seed.0,
        replay: replay_command(p),
        adapter: AdapterInfo {
            system: adapter.system_info(),
            capabilities: adapter.capabilities(),
        },
        environment: environment::current(),
        status: RunStatus::Running,
        message: None,
        duration_ns: 0,
        metrics: None,
        faults: Vec::new(),
        criteria: Vec::new(),
        check: None,
        trace: TraceInfo { file: "trace.jsonl".into(), lines: 0, fingerprint: String::new() },
        harness_cost: None,
        verdict: Verdict {
            passed: false,
            exit_code: HARNESS,
            failed: vec!["run did not finish".into()],
        },
    }
}

/// Drives the engine, writing the trace into the run directory (with a progress bar on a
/// terminal); returns the engine's result and the finished trace's line count and fingerprint.
fn drive(
    p: &RunParams,
    scenario: &Scenario,
    adapter: &mut dyn Adapter,
    dir: &RunDir,
    stop: &AtomicBool,
) -> Result<(Result<RunResult, EngineError>, TraceInfo), Failure> {
    let mut trace = dir.trace_writer()?;
    let mut bar = Bar::new(&scenario.name, scenario.workload.duration(), p.quiet);
    let opts = RunOptions {
        progress: bar.as_mut().map(|b| b as &mut dyn engine::ProgressObserver),
        stop: Some(stop),
    };
    let result = engine::run(scenario, adapter, p.seed, &mut trace, opts);
    if let Some(b) = &bar {
        b.finish();
    }
    let lines = trace.lines();
    let fingerprint = trace.fingerprint().map_err(|e| {
        Failure::harness(format!(
            "{}: cannot write the trace: {e}",
            dir.file("trace.jsonl").display()
        ))
    })?;
    Ok((result, TraceInfo { file: "trace.jsonl".into(), lines, fingerprint }))
}

/// The run stopped before its first transaction: the record says why, the reports and the
/// manifest still cover what was written. Returns the failure the run exits with.
fn record_engine_error(
    p: &RunParams,
    dir: &RunDir,
    record: &mut RunRecord,
    e: &EngineError,
) -> Result<Failure, Failure> {
    let (code, msg) = (engine_error_code(e), e.to_string());
    record.status = RunStatus::AdapterFailed;
    record.message = Some(msg.clone());
    record.verdict = Verdict { passed: false, exit_code: code, failed: vec![msg.clone()] };
    dir.write_json("run.json", record)?;
    let _ = write_run_reports(&dir.path, &p.profile, p.rubric.as_deref());
    dir.write_manifest(p.seed.0, &record.trace.fingerprint)?;
    Ok(Failure { code, message: msg })
}

/// How the run ended and what it measured, into the record (criteria judged on the metrics).
fn record_result(record: &mut RunRecord, scenario: &Scenario, r: RunResult, meter: &CostMeter) {
    record.status = match &r.end {
        EndReason::Completed => RunStatus::Completed,
        EndReason::Interrupted => RunStatus::Interrupted,
        EndReason::AdapterFailed { .. } => RunStatus::AdapterFailed,
    };
    record.message = match &r.end {
        EndReason::Completed => None,
        EndReason::Interrupted => Some("interrupted: partial results".into()),
        EndReason::AdapterFailed { message } => Some(message.clone()),
    };
    record.adapter = AdapterInfo { system: r.system, capabilities: r.capabilities };
    record.duration_ns = r.duration_ns;
    record.faults = r.faults;
    record.criteria = criteria::evaluate(&scenario.criteria, &r.metrics);
    record.harness_cost = Some(meter.finish(
        r.metrics.measured.committed
            + r.metrics.phases.iter().filter(|p| p.warmup).map(|p| p.committed).sum::<u64>(),
    ));
    record.metrics = Some(r.metrics);
}

/// How a run of `scenario` has its trace checked (`touchstone explore` judges its in-memory runs
/// the same way).
pub fn check_options(scenario: &Scenario, replay_command: Option<String>) -> CheckOptions {
    CheckOptions {
        liveness_bound_ns: scenario.criteria.liveness_bound,
        replay_command,
        ..Default::default()
    }
}

/// Checks the run's trace from disk, as any vendor's trace would be, and puts the report into
/// the record.
fn check_trace(dir: &RunDir, scenario: &Scenario, record: &mut RunRecord) -> Option<CheckReport> {
    let opts = check_options(scenario, Some(record.replay.clone()));
    let check = match touchstone_check::check_path(&dir.file("trace.jsonl"), &opts) {
        Ok(r) => Some(r),
        Err(e) => {
            // The harness wrote this trace: a bad line here is a harness bug, not bad input.
            record.message = Some(format!("checker could not read the run's own trace: {e}"));
            None
        }
    };
    record.check =
        check.as_ref().map(|c| serde_json::to_value(c).expect("check report serializes"));
    check
}
