//! The search: the scenario as written, the drawn schedules in parallel, the first failure
//! shrunk, written and replayed (see the module docs of [`crate::explore`]).

use super::generate::{Generator, LeaderHint};
use super::output::{self, ScheduleLog};
use super::trial::{self, Outcome};
use super::{pool, shrink, Bounds, ExploreParams};
use crate::exit::Failure;
use crate::pipeline::{self, RunParams};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use touchstone_core::scenario::{self, Scenario};
use touchstone_core::Seed;

/// A shrunk failure and its confirmation.
#[derive(Debug, Clone)]
pub struct ShrunkFailure {
    pub index: usize,
    pub seed: u64,
    pub signature: String,
    pub from_faults: usize,
    pub shrunk: shrink::Shrunk,
    pub file: PathBuf,
    /// `touchstone run FILE --seed N`.
    pub replay: String,
    /// Exit code and failed items of that replay through the run pipeline.
    pub replayed: (i32, Vec<String>),
    /// Wall-clock seconds the shrink took.
    pub seconds: f64,
}

impl ShrunkFailure {
    /// Whether the replay failed the way the search saw it fail.
    pub fn confirmed(&self) -> bool {
        self.replayed.0 == crate::exit::FINDINGS
            && (self.signature == "panic" || self.replayed.1.contains(&self.signature))
    }
}

/// What a search did.
#[derive(Debug, Clone)]
pub struct ExploreReport {
    /// The scenario as explored (overrides and `--quick` applied).
    pub scenario: Scenario,
    pub bounds: Bounds,
    pub schedules: Vec<ScheduleLog>,
    /// Indices of the failing schedules.
    pub failures: Vec<usize>,
    /// Schedules that could not be run (harness failures).
    pub errors: Vec<usize>,
    /// Wall-clock seconds the search (not the shrink) took.
    pub seconds: f64,
    /// CPU seconds it took, over every thread (a loaded machine slows the wall clock, not this).
    pub cpu_seconds: Option<f64>,
    pub shrunk: Option<ShrunkFailure>,
    pub out_dir: PathBuf,
}

impl ExploreReport {
    /// Schedules run per minute of wall-clock time.
    pub fn per_minute(&self) -> f64 {
        self.schedules.len() as f64 * 60.0 / self.seconds.max(1e-9)
    }

    /// Schedules run per minute of one core's CPU time.
    pub fn per_cpu_minute(&self) -> Option<f64> {
        self.cpu_seconds.map(|c| self.schedules.len() as f64 * 60.0 / c.max(1e-9))
    }
}

/// Runs the search, shrinks the first failure, writes the log and the script (see the module
/// docs). `stop` (Ctrl-C) ends the search early with what it has.
pub fn explore(p: &ExploreParams, stop: &AtomicBool) -> Result<ExploreReport, Failure> {
    if p.budget == 0 {
        return Err(Failure::bad_input("--budget must be at least 1"));
    }
    if let Some(g) = p.gate.as_deref().filter(|g| !scenario::PROPERTY_IDS.contains(g)) {
        let hint = scenario::suggest(g, scenario::PROPERTY_IDS)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(Failure::bad_input(format!(
            "--gate {g:?} is no property{hint}; known: {}",
            scenario::PROPERTY_IDS.join(", ")
        )));
    }
    let base = scenario_of(p)?;
    let bounds = Bounds::of(&base);
    let out_dir = p.out.clone().unwrap_or_else(|| {
        PathBuf::from("touchstone-out").join(&base.name).join(format!("explore-s{}", p.seed))
    });
    let clock = Stopwatch::start();
    let (first, leaders) = trial::run(&base, p.seed, true);
    if let Outcome::Harness { message } = &first {
        return Err(Failure::harness(format!(
            "{}: the scenario as written cannot run: {message}",
            base.name
        )));
    }
    let leaders = leaders.unwrap_or_default();
    let schedules = search(p, &base, &bounds, &leaders, first, stop);
    let (seconds, cpu_seconds) = (clock.seconds(), clock.cpu_seconds());
    let failures: Vec<usize> = schedules
        .iter()
        .filter(|s| p.signature_of(&s.outcome).is_some())
        .map(|s| s.index)
        .collect();
    let errors: Vec<usize> = schedules
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Harness { .. }))
        .map(|s| s.index)
        .collect();
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| Failure::harness(format!("{}: {e}", out_dir.display())))?;
    write_log(&out_dir, &schedules)?;
    let shrunk = match failures.first() {
        Some(&i) => Some(shrink_and_write(p, &base, &schedules[i], &out_dir, stop)?),
        None => None,
    };
    Ok(ExploreReport {
        scenario: base,
        bounds,
        schedules,
        failures,
        errors,
        seconds,
        cpu_seconds,
        shrunk,
        out_dir,
    })
}

/// The scenario to explore: loaded, with `--protocol`, `--variant` and `--quick` applied, and
/// checked against the simulator.
fn scenario_of(p: &ExploreParams) -> Result<Scenario, Failure> {
    let (mut s, _) = pipeline::load_scenario(&p.scenario)?;
    if let Some(proto) = &p.protocol {
        s.network.protocol = proto.clone();
    }
    if let Some(v) = &p.variant {
        s.network.variant = v.clone();
    }
    if p.quick {
        s = s.quick();
    }
    touchstone_sim::registry::check(&s.network)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", p.scenario.display())))?;
    shrink::with_faults(&s, &s.faults).map_err(Failure::bad_input)
}

/// Runs the schedules 1.. of the budget (schedule 0, the scenario as written, already ran).
fn search(
    p: &ExploreParams,
    base: &Scenario,
    bounds: &Bounds,
    leaders: &LeaderHint,
    first: Outcome,
    stop: &AtomicBool,
) -> Vec<ScheduleLog> {
    let w = &base.workload;
    let gen = Generator {
        bounds,
        original: &base.faults,
        run_end: w.duration(),
        drain: w.drain,
        leaders,
    };
    let drawn: Vec<(u64, Vec<touchstone_core::scenario::FaultSpec>)> = (1..p.budget)
        .map(|i| {
            let mut rng = p.seed.stream(&format!("explore/schedule/{i}"));
            let seed =
                if p.keep_seed { p.seed } else { p.seed.derive(&format!("explore/run/{i}")) };
            (seed.0, gen.schedule(&mut rng))
        })
        .collect();
    let outcomes = pool::map(&drawn, p.jobs, stop, |_, (seed, faults)| {
        shrink::evaluate(base, faults, Seed(*seed))
    });
    let mut logs =
        vec![ScheduleLog { index: 0, seed: p.seed.0, faults: base.faults.clone(), outcome: first }];
    for (k, ((seed, faults), outcome)) in drawn.into_iter().zip(outcomes).enumerate() {
        let Some(outcome) = outcome else { break };
        logs.push(ScheduleLog { index: k + 1, seed, faults, outcome });
    }
    logs
}

fn write_log(dir: &std::path::Path, schedules: &[ScheduleLog]) -> Result<(), Failure> {
    let mut text = String::new();
    for s in schedules {
        text.push_str(&serde_json::to_string(s).map_err(|e| Failure::harness(e.to_string()))?);
        text.push('\n');
    }
    let path = dir.join("explore.jsonl");
    std::fs::write(&path, text).map_err(|e| Failure::harness(format!("{}: {e}", path.display())))
}

/// Shrinks one failing schedule, writes its script and replays it through the run pipeline.
fn shrink_and_write(
    p: &ExploreParams,
    base: &Scenario,
    failing: &ScheduleLog,
    dir: &std::path::Path,
    stop: &AtomicBool,
) -> Result<ShrunkFailure, Failure> {
    let clock = Stopwatch::start();
    let signature = p.signature_of(&failing.outcome).expect("a failing schedule");
    let seed = Seed(failing.seed);
    let eval =
        |faults: &[touchstone_core::scenario::FaultSpec]| shrink::evaluate(base, faults, seed);
    let shrinker = shrink::Shrinker::new(&eval, signature.clone(), p.jobs, p.shrink_runs, stop);
    let shrunk = shrinker.shrink(failing.faults.clone());
    let file = dir.join(format!("{}-shrunk.toml", base.name));
    let command = p.command();
    let prov = output::Provenance {
        command: &command,
        index: failing.index,
        seed: failing.seed,
        signature: &signature,
        from_faults: failing.faults.len(),
        steps: shrunk.steps,
    };
    let text = output::shrunk_script(base, &shrunk.faults, &prov, &file);
    std::fs::write(&file, text)
        .map_err(|e| Failure::harness(format!("{}: {e}", file.display())))?;
    let replayed = replay(&file, seed, &dir.join("replay"), stop)?;
    Ok(ShrunkFailure {
        index: failing.index,
        seed: failing.seed,
        signature,
        from_faults: failing.faults.len(),
        shrunk,
        replay: output::replay_command(&file, failing.seed),
        file,
        replayed,
        seconds: clock.seconds(),
    })
}

/// Runs the written script as `touchstone run FILE --seed N` does; its exit code and what failed.
fn replay(
    file: &std::path::Path,
    seed: Seed,
    out: &std::path::Path,
    stop: &AtomicBool,
) -> Result<(i32, Vec<String>), Failure> {
    let params = RunParams {
        scenario: file.to_path_buf(),
        adapter: crate::adapters::DEFAULT.into(),
        adapter_config: None,
        seed,
        out: Some(out.to_path_buf()),
        quiet: true,
        profile: "vendor".into(),
        rubric: None,
        quick: false,
        // The explorer's own confirmation run, redone with each search into the same directory.
        existing: touchstone_core::rundir::Existing::Replace,
    };
    let run = pipeline::run_one(&params, stop)?;
    Ok((run.record.verdict.exit_code, run.record.verdict.failed))
}

/// Wall-clock and CPU time for the rates printed (never for anything the search decides).
struct Stopwatch {
    wall: std::time::Instant,
    cpu: Option<cpu_time::ProcessTime>,
}

impl Stopwatch {
    #[allow(clippy::disallowed_methods)] // the search reports its own speed on the wall clock
    fn start() -> Self {
        Stopwatch { wall: std::time::Instant::now(), cpu: cpu_time::ProcessTime::try_now().ok() }
    }

    fn seconds(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }

    /// CPU seconds of the whole process (every thread) since the start, if measurable.
    fn cpu_seconds(&self) -> Option<f64> {
        self.cpu.and_then(|c| c.try_elapsed().ok()).map(|d| d.as_secs_f64())
    }
}
