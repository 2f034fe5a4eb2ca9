//! One run, end to end: scenario → adapter → engine (trace) → checker → criteria → run directory.
//!
//! The run directory is written incrementally into a fresh staging directory beside its target
//! (`<target>.incomplete-<pid>`, see [`touchstone_core::rundir::Staging`]): `scenario.toml` and
//! a `run.json` saying `running` before the first transaction, the trace as it goes, and the
//! final record, reports and manifest at the end — also when the run is interrupted or the
//! adapter fails, so nothing measured is lost. Only then is it renamed onto its target, so an
//! earlier run there is never destroyed by a later one, however the later one ends.

use crate::environment::{self, CostMeter, Stopwatch};
use crate::exit::{Failure, HARNESS};
use crate::interrupt::hurried;
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
use touchstone_core::rundir::{self, Existing, ManifestFields, ManifestStatus, RunDir, Staging};
use touchstone_core::scenario::{self, Scenario};
use touchstone_core::Seed;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunParams {
    pub scenario: PathBuf,
    pub adapter: String,
    pub adapter_config: Option<PathBuf>,
    pub seed: Seed,
    /// Run directory; default [`default_dir`].
    pub out: Option<PathBuf>,
    /// What to do when the run directory already holds a run: the default directory takes a
    /// numbered name, an explicit `--out` refuses, `--overwrite` replaces it once complete.
    pub existing: Existing,
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
    /// Where the run directory is (its target, or a numbered name beside it).
    pub dir: PathBuf,
    pub record: RunRecord,
    pub check: Option<CheckReport>,
    /// The scored evaluation written as report.json / report.html.
    pub report: Option<touchstone_reports::Report>,
}

/// The default run directory: `touchstone-out/<scenario>/<adapter>-s<seed>/`, with `-quick`
/// for a `--quick` run (so a scaled-down run never takes the place of a full one).
pub fn default_dir(scenario_name: &str, p: &RunParams) -> PathBuf {
    PathBuf::from("touchstone-out").join(scenario_name).join(format!(
        "{}-s{}{}",
        p.adapter,
        p.seed,
        if p.quick { "-quick" } else { "" }
    ))
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

/// Validates a scenario of either kind, single- or multi-chain (what `run` checks before
/// running anything).
pub fn validate_scenario(path: &Path) -> Result<(), Failure> {
    if crate::xchain::is_multi_chain(path) {
        return touchstone_xchain::load(path).map(|_| ()).map_err(Failure::from);
    }
    load_scenario(path).map(|_| ())
}

/// The scenario of `p`, scaled down when `p.quick`, with the text of the script that runs.
pub fn prepared_scenario(p: &RunParams) -> Result<(Scenario, String), Failure> {
    let (mut scenario, mut text) = load_scenario(&p.scenario)?;
    if p.quick {
        scenario = scenario.quick();
        text = scenario::to_toml(&scenario);
    }
    Ok((scenario, text))
}

/// Runs one scenario and writes its run directory (a multi-chain one through
/// [`crate::xchain::run_one`]).
pub fn run_one(p: &RunParams, stop: &AtomicBool) -> Result<RunSummary, Failure> {
    if crate::xchain::is_multi_chain(&p.scenario) {
        return crate::xchain::run_one(p, stop);
    }
    let (scenario, text) = prepared_scenario(p)?;
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
    let target = p.out.clone().unwrap_or_else(|| default_dir(&scenario.name, p));
    let staging = Staging::begin(&target, p.existing)?;
    let dir = staging.dir.clone();
    let label = staging.target.display().to_string();
    dir.write_bytes("scenario.toml", text.as_bytes())?;
    let mut record = started_record(p, &scenario, &text, adapter.as_ref());
    dir.write_json("run.json", &record)?;
    if !p.quiet {
        let moved = if staging.target != target {
            format!(" ({} already holds a run, kept)", target.display())
        } else {
            String::new()
        };
        eprintln!(
            "touchstone: {} on {} with seed {} → {}{moved}",
            scenario.name,
            p.adapter,
            p.seed,
            staging.target.display()
        );
    }

    let simulate = Stopwatch::start();
    let (result, trace) = drive(p, &scenario, adapter.as_mut(), &dir, stop)?;
    record.trace = trace;
    let simulate_ns = simulate.elapsed_ns();
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            let failure = record_engine_error(p, &dir, &label, &mut record, &e)?;
            let at = staging.publish(false)?;
            return Err(Failure {
                code: failure.code,
                message: format!("{} (partial run kept at {})", failure.message, at.display()),
            });
        }
    };
    record_result(&mut record, &scenario, result, &meter);
    dir.write_json("run.json", &record)?;

    let checking = Stopwatch::start();
    let check = if hurried() { None } else { check_trace(&dir, &scenario, &mut record) };
    let check_ns = check.is_some().then(|| checking.elapsed_ns());
    record.timings = Some(StepTimes { simulate_ns, check_ns, report_ns: None });
    record.verdict = verdict(&record, &scenario, check.as_ref());
    dir.write_json("run.json", &record)?;
    let report = if hurried() {
        None
    } else {
        let reporting = Stopwatch::start();
        let report = write_run_reports(&dir.path, &label, &p.profile, p.rubric.as_deref())?;
        // The reports do not read the timings: recording the report's own time after it
        // changes nothing they show.
        record.timings =
            Some(StepTimes { simulate_ns, check_ns, report_ns: Some(reporting.elapsed_ns()) });
        dir.write_json("run.json", &record)?;
        Some(report)
    };
    let complete = record.status == RunStatus::Completed;
    dir.write_run_manifest(&manifest_fields(p, &record, hurried()))?;
    let planned = staging.target.clone();
    let at = staging.publish(complete)?;
    if !p.quiet && at != planned {
        eprintln!("touchstone: {} is taken; this run is at {}", planned.display(), at.display());
    }
    Ok(RunSummary { dir: at, record, check, report })
}

/// The manifest's fields: seed, fingerprint, scenario hash, trace lines, and the label
/// `partial` (with why) for a run that did not complete.
pub(crate) fn manifest_fields(p: &RunParams, record: &RunRecord, hurried: bool) -> ManifestFields {
    let complete = record.status == RunStatus::Completed && !hurried;
    let reason = match (&record.status, hurried) {
        (_, true) => Some(
            "interrupted twice: the trace was not checked and no report was written".to_string(),
        ),
        (RunStatus::Completed, false) => None,
        (status, false) => {
            Some(record.message.clone().unwrap_or_else(|| format!("{status:?}").to_lowercase()))
        }
    };
    ManifestFields {
        seed: p.seed.0,
        fingerprint: record.trace.fingerprint.clone(),
        status: Some(if complete { ManifestStatus::Complete } else { ManifestStatus::Partial }),
        partial_reason: reason,
        scenario_sha256: Some(record.scenario.sha256.clone()),
        trace_lines: Some(record.trace.lines),
    }
}

/// The record written before the first transaction: status `running`, and a verdict that says
/// the run did not finish (what a reader finds if the harness dies mid-run).
fn started_record(
    p: &RunParams,
    scenario: &Scenario,
    text: &str,
    adapter: &dyn Adapter,
) -> RunRecord {
    let info = ScenarioInfo {
        name: scenario.name.clone(),
        kind: scenario.kind.as_str().into(),
        purpose: scenario.purpose.iter().map(|p| p.as_str().into()).collect(),
        description: scenario.description.clone(),
        file: Some(p.scenario.display().to_string()),
        sha256: rundir::sha256_hex(text.as_bytes()),
        network: scenario.network.clone(),
        faults: scenario.faults.clone(),
        criteria: scenario.criteria.clone(),
        load_ns: scenario.workload.duration(),
    };
    let adapter =
        AdapterInfo { system: adapter.system_info(), capabilities: adapter.capabilities() };
    running_record(p, info, adapter)
}

/// A run's record before its first transaction, for the scenario and adapter described (the
/// single-chain pipeline's and the multi-chain one's).
pub(crate) fn running_record(
    p: &RunParams,
    scenario: ScenarioInfo,
    adapter: AdapterInfo,
) -> RunRecord {
    RunRecord {
        format: RUN_FORMAT.into(),
        harness: HarnessInfo::current(),
        scenario,
        seed: p.seed.0,
        replay: replay_command(p),
        adapter,
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
        timings: None,
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
        limits: Default::default(),
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
    label: &str,
    record: &mut RunRecord,
    e: &EngineError,
) -> Result<Failure, Failure> {
    let (code, msg) = (engine_error_code(e), e.to_string());
    record.status = RunStatus::AdapterFailed;
    record.message = Some(msg.clone());
    record.verdict = Verdict { passed: false, exit_code: code, failed: vec![msg.clone()] };
    dir.write_json("run.json", record)?;
    if !hurried() {
        let _ = write_run_reports(&dir.path, label, &p.profile, p.rubric.as_deref());
    }
    dir.write_run_manifest(&manifest_fields(p, record, hurried()))?;
    Ok(Failure { code, message: msg })
}

/// How the run ended and what it measured, into the record (criteria judged on the metrics).
fn record_result(record: &mut RunRecord, scenario: &Scenario, r: RunResult, meter: &CostMeter) {
    record.status = match &r.end {
        EndReason::Completed => RunStatus::Completed,
        EndReason::Interrupted => RunStatus::Interrupted,
        EndReason::AdapterFailed { .. } => RunStatus::AdapterFailed,
        EndReason::LimitExceeded { .. } => RunStatus::LimitExceeded,
    };
    record.message = match &r.end {
        EndReason::Completed => None,
        EndReason::Interrupted => Some("interrupted: partial results".into()),
        EndReason::AdapterFailed { message } => Some(message.clone()),
        EndReason::LimitExceeded { message } => {
            Some(format!("stopped by the watchdog: {message}: partial results"))
        }
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
/// the record. A second signal abandons the check (the run is then labelled partial).
fn check_trace(dir: &RunDir, scenario: &Scenario, record: &mut RunRecord) -> Option<CheckReport> {
    let opts = check_options(scenario, Some(record.replay.clone()));
    check_trace_with(dir, opts, record)
}

/// [`check_trace`] with the checker's options given (multi-chain runs, `crate::xchain`).
pub(crate) fn check_trace_with(
    dir: &RunDir,
    opts: CheckOptions,
    record: &mut RunRecord,
) -> Option<CheckReport> {
    let path = dir.file("trace.jsonl");
    let (tx, rx) = std::sync::mpsc::channel();
    // The checker runs beside this thread so that a second signal need not wait for it; it
    // only reads the trace.
    std::thread::spawn(move || {
        let _ = tx.send(touchstone_check::check_path(&path, &opts));
    });
    let result = loop {
        match rx.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(r) => break r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if !hurried() => continue,
            Err(_) => return None,
        }
    };
    let check = match result {
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
