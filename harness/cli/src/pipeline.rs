//! One run, end to end: scenario → adapter → engine (trace) → checker → criteria → run directory.
//!
//! The run directory is written incrementally: `scenario.toml` and a `run.json` saying `running`
//! before the first transaction, the trace as it goes, and the final record, reports and manifest
//! at the end — also when the run is interrupted or the adapter fails, so nothing measured is lost.

use crate::environment::{self, CostMeter};
use crate::exit::{Failure, BAD_INPUT, FINDINGS, HARNESS, PASS};
use crate::progress::Bar;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use touchstone_check::{CheckOptions, CheckReport, Verdict as PropVerdict};
use touchstone_core::adapter::AdapterError;
use touchstone_core::criteria::{self, CriterionResult};
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

fn adapter_failure(e: AdapterError) -> Failure {
    match e {
        AdapterError::Config { .. } | AdapterError::Unsupported { .. } => {
            Failure::bad_input(e.to_string())
        }
        other => Failure::harness(other.to_string()),
    }
}

/// Runs one scenario and writes its run directory.
pub fn run_one(p: &RunParams, stop: &AtomicBool) -> Result<RunSummary, Failure> {
    let (mut scenario, mut text) = load_scenario(&p.scenario)?;
    if p.quick {
        scenario = scenario.quick();
        text = touchstone_core::scenario::to_toml(&scenario);
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
    let replay = replay_command(p);
    let mut record = RunRecord {
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
        replay: replay.clone(),
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
    };
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
    let mut trace = dir.trace_writer()?;
    let mut bar = Bar::new(&scenario.name, scenario.workload.duration(), p.quiet);
    let opts = RunOptions {
        progress: bar.as_mut().map(|b| b as &mut dyn engine::ProgressObserver),
        stop: Some(stop),
    };
    let result = engine::run(&scenario, adapter.as_mut(), p.seed, &mut trace, opts);
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
    drop(trace);
    record.trace =
        TraceInfo { file: "trace.jsonl".into(), lines, fingerprint: fingerprint.clone() };

    let result: RunResult = match result {
        Ok(r) => r,
        Err(e) => {
            let (code, msg) = match &e {
                EngineError::Unsupported { .. } | EngineError::Program(_) => {
                    (BAD_INPUT, e.to_string())
                }
                EngineError::Adapter(AdapterError::Config { .. }) => (BAD_INPUT, e.to_string()),
                EngineError::Adapter(_) => (HARNESS, e.to_string()),
            };
            record.status = RunStatus::AdapterFailed;
            record.message = Some(msg.clone());
            record.verdict = Verdict { passed: false, exit_code: code, failed: vec![msg.clone()] };
            dir.write_json("run.json", &record)?;
            let _ =
                crate::cmd::report::write_run_reports(&dir_path, &p.profile, p.rubric.as_deref());
            dir.write_manifest(p.seed.0, &fingerprint)?;
            return Err(Failure { code, message: msg });
        }
    };
    record.status = match &result.end {
        EndReason::Completed => RunStatus::Completed,
        EndReason::Interrupted => RunStatus::Interrupted,
        EndReason::AdapterFailed { .. } => RunStatus::AdapterFailed,
    };
    record.message = match &result.end {
        EndReason::Completed => None,
        EndReason::Interrupted => Some("interrupted: partial results".into()),
        EndReason::AdapterFailed { message } => Some(message.clone()),
    };
    record.adapter =
        AdapterInfo { system: result.system.clone(), capabilities: result.capabilities.clone() };
    record.duration_ns = result.duration_ns;
    record.faults = result.faults.clone();
    record.criteria = criteria::evaluate(&scenario.criteria, &result.metrics);
    record.harness_cost = Some(meter.finish(
        result.metrics.measured.committed
            + result.metrics.phases.iter().filter(|p| p.warmup).map(|p| p.committed).sum::<u64>(),
    ));
    record.metrics = Some(result.metrics);
    dir.write_json("run.json", &record)?;

    // Check the trace (from disk, as any vendor's trace would be).
    let check_opts = CheckOptions {
        liveness_bound_ns: scenario.criteria.liveness_bound,
        replay_command: Some(replay.clone()),
        ..Default::default()
    };
    let check = match touchstone_check::check_path(&dir.file("trace.jsonl"), &check_opts) {
        Ok(r) => Some(r),
        Err(e) => {
            // The harness wrote this trace: a bad line here is a harness bug, not bad input.
            record.message = Some(format!("checker could not read the run's own trace: {e}"));
            None
        }
    };
    record.check =
        check.as_ref().map(|c| serde_json::to_value(c).expect("check report serializes"));
    record.verdict = verdict(&record, &scenario, check.as_ref());
    dir.write_json("run.json", &record)?;
    let report = crate::cmd::report::write_run_reports(&dir_path, &p.profile, p.rubric.as_deref())?;
    dir.write_manifest(p.seed.0, &fingerprint)?;
    Ok(RunSummary { dir: dir_path, record, check, report: Some(report) })
}

/// Gates and criteria → pass / findings / harness failure.
pub fn verdict(record: &RunRecord, scenario: &Scenario, check: Option<&CheckReport>) -> Verdict {
    let mut failed: Vec<String> = record
        .criteria
        .iter()
        .filter(|c| !c.passed)
        .map(|c: &CriterionResult| format!("criterion {}", c.id))
        .collect();
    // A wrong outcome or reason code in a conformance case is a finding, not a pass.
    if let Some(m) = &record.metrics {
        let mut by_indicator: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        for c in m.conformance.iter().filter(|c| !c.passed) {
            *by_indicator.entry(c.indicator.as_str()).or_default() += 1;
        }
        for (ind, n) in by_indicator {
            failed.push(format!("conformance {ind}: {n} case(s) differ from the reference model"));
        }
    }
    if let Some(check) = check {
        for prop in &check.properties {
            let gate = match &scenario.criteria.gates {
                Some(gates) => gates.iter().any(|g| g == &prop.id),
                None => prop.is_gate,
            };
            if gate && prop.verdict == PropVerdict::Fail {
                failed.push(format!("gate {}", prop.id));
            }
        }
    } else {
        failed.push("trace not checked".into());
    }
    let exit_code = match record.status {
        RunStatus::Completed if failed.is_empty() => PASS,
        RunStatus::Completed => FINDINGS,
        _ => HARNESS,
    };
    if let Some(m) = &record.message {
        if record.status != RunStatus::Completed {
            failed.push(m.clone());
        }
    }
    Verdict { passed: exit_code == PASS, exit_code, failed }
}

/// A short, judgemental summary of a run for the terminal.
pub fn summary_text(s: &RunSummary) -> String {
    use std::fmt::Write;
    use touchstone_core::time::Human;
    let r = &s.record;
    let mut out = String::new();
    let verdict = if r.verdict.passed {
        "PASS"
    } else if r.verdict.exit_code == FINDINGS {
        "FAIL"
    } else {
        "ERROR"
    };
    let _ = writeln!(
        out,
        "{verdict} {} on {} (seed {}) — {}",
        r.scenario.name,
        r.adapter.system.adapter,
        r.seed,
        s.dir.display()
    );
    if let Some(m) = &r.metrics {
        let x = &m.measured;
        let _ = writeln!(
            out,
            "  submitted {}  committed {}  rejected {}  unknown {}  committed {:.1} tx/s  success {:.3}%",
            x.submitted,
            x.committed,
            x.rejected,
            x.unknown,
            x.committed_tps,
            x.success_rate * 100.0
        );
        let _ = writeln!(
            out,
            "  latency p50 {}  p99 {}  p99.9 {}  max {}{}",
            Human(x.latency.p50_ns),
            Human(x.latency.p99_ns),
            Human(x.latency.p999_ns),
            Human(x.latency.max_ns),
            if m.generator.fell_behind {
                format!("  (generator fell behind: lag p99 {})", Human(m.generator.p99_ns))
            } else {
                String::new()
            }
        );
    }
    for c in &r.criteria {
        let _ = writeln!(
            out,
            "  {} {} {} (measured {})",
            if c.passed { "ok  " } else { "FAIL" },
            c.id,
            c.target,
            c.measured
        );
    }
    if let Some(m) = r.metrics.as_ref().filter(|m| !m.conformance.is_empty()) {
        let bad: Vec<_> = m.conformance.iter().filter(|c| !c.passed).collect();
        let _ = writeln!(
            out,
            "  conformance ({}): {} cases, {} as expected, {} differ",
            m.program,
            m.conformance.len(),
            m.conformance.len() - bad.len(),
            bad.len()
        );
        for c in bad.iter().take(5) {
            let _ = writeln!(
                out,
                "    {} {} {}: expected {:?}, observed {}{}",
                c.tx,
                c.indicator,
                c.label,
                c.expected,
                c.observed,
                c.reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default()
            );
        }
    }
    if let Some(check) = &s.check {
        let failed: Vec<&str> = check
            .properties
            .iter()
            .filter(|p| p.verdict == PropVerdict::Fail)
            .map(|p| p.id.as_str())
            .collect();
        let not_eval =
            check.properties.iter().filter(|p| p.verdict == PropVerdict::NotEvaluated).count();
        let passed = check.properties.iter().filter(|p| p.verdict == PropVerdict::Pass).count();
        let _ = writeln!(
            out,
            "  properties: {passed} pass, {} fail{}, {not_eval} not evaluated",
            failed.len(),
            if failed.is_empty() { String::new() } else { format!(" ({})", failed.join(", ")) }
        );
        for f in check.findings.iter().take(5) {
            let _ = writeln!(out, "  finding {}: {}", f.property, f.message);
        }
    }
    for f in r.faults.iter().filter(|f| f.status != touchstone_core::engine::FaultStatus::Applied) {
        let _ = writeln!(
            out,
            "  fault {} ({}) {:?}: {}",
            f.id,
            f.action,
            f.status,
            f.message.clone().unwrap_or_default()
        );
    }
    if !r.verdict.passed {
        let _ = writeln!(out, "  replay: {}", r.replay);
    }
    out
}
