//! `touchstone suite SUITE.toml [--out DIR] [--profile P] [--rubric FILE] [--junit FILE]`
//!
//! Runs every scenario × seed of the suite through the same pipeline as `touchstone run` (one
//! run directory each, with its own report and manifest), reruns the first seed of entries with
//! `reproduce = true`, then scores all runs together as one evaluation — with the runs of the
//! suite's `[[sweeps]]`, which run first (every cell on all cores, into `DIR/sweeps/<name>/`,
//! with the sweep's results and page): `DIR/report.json`,
//! `DIR/report.html`, `DIR/suite.json` (so `touchstone report DIR` re-renders it) and a
//! manifest over them. Exit code: the worst of the runs and the suite's verdict.

use crate::exit::{CmdResult, Failure, PASS};
use crate::interrupt::interrupt_flag;
use crate::pipeline::{self, RunParams};
use crate::scoring::{score_suite, scorer, write_junit, SuiteIndex, SuiteRun, SUITE_FORMAT};
use crate::summary::summary_text;
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use touchstone_core::rundir::RunDir;
use touchstone_core::Seed;

#[derive(Debug, Args)]
pub struct SuiteArgs {
    /// A suite file listing scenarios, adapters and seeds.
    pub suite: PathBuf,
    /// Suite directory (default touchstone-out/suites/<name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Scoring profile (default: the suite file's, else regulator).
    #[arg(long, value_parser = ["vendor", "regulator", "researcher"])]
    pub profile: Option<String>,
    /// Rubric file (default: the suite file's, else the embedded default).
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    /// Also write a JUnit XML file (one test case per gate and criterion).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// No progress bar or banner.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn exec(a: SuiteArgs) -> CmdResult {
    let suite = crate::scoring::load_suite(&a.suite)?;
    let rubric = a.rubric.clone().or(suite.rubric.clone());
    let scorer = scorer(rubric.as_deref())?;
    let profile = a.profile.clone().or(suite.profile.clone()).unwrap_or_else(|| "regulator".into());
    scorer
        .rubric
        .check_profile(&profile)
        .map_err(|e| Failure::bad_input(format!("{}: profile: {e}", a.suite.display())))?;
    // Validate everything before running anything.
    for e in &suite.scenarios {
        pipeline::load_scenario(&e.path)?;
        crate::adapters::find(&e.adapter)?;
    }
    let mut sweeps = Vec::new();
    for w in &suite.sweeps {
        let p = crate::sweep::prepare(&w.path).map_err(|e| Failure::bad_input(e.to_string()))?;
        crate::adapters::find(&p.file.adapter)?;
        sweeps.push(p);
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("touchstone-out").join("suites").join(&suite.name));
    let stop = interrupt_flag();
    let mut worst = PASS;
    let mut index = SuiteIndex {
        format: SUITE_FORMAT.into(),
        name: suite.name.clone(),
        profile: profile.clone(),
        runs: Vec::new(),
    };
    for p in &sweeps {
        let (worst_here, runs) = run_sweep(p, &out, a.quiet, stop)?;
        worst = worst.max(worst_here);
        index.runs.extend(runs.into_iter().map(|dir| SuiteRun { dir, rerun: None }));
    }
    'entries: for e in &suite.scenarios {
        let stem = e
            .path
            .file_stem()
            .map(|x| x.to_string_lossy().to_string())
            .unwrap_or_else(|| "scenario".into());
        for (k, seed) in e.seeds.iter().enumerate() {
            let reruns = if e.reproduce && k == 0 { 2 } else { 1 };
            let mut dirs = Vec::new();
            for r in 0..reruns {
                let rel =
                    format!("{stem}/{}-s{seed}{}", e.adapter, if r == 1 { "-rerun" } else { "" });
                let params = RunParams {
                    scenario: e.path.clone(),
                    adapter: e.adapter.clone(),
                    adapter_config: e.adapter_config.clone(),
                    seed: Seed(*seed),
                    out: Some(out.join(&rel)),
                    quiet: a.quiet,
                    profile: profile.clone(),
                    rubric: rubric.clone(),
                    quick: false,
                    // A rerun of the suite replaces each run only once the new one is complete.
                    existing: touchstone_core::rundir::Existing::Replace,
                };
                let s = pipeline::run_one(&params, stop)?;
                if !a.quiet {
                    out!("{}", summary_text(&s));
                }
                worst = worst.max(s.record.verdict.exit_code);
                // A partial run never replaces a complete one: it may sit beside it.
                let rel = s
                    .dir
                    .strip_prefix(&out)
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or(rel);
                dirs.push(rel);
                if stop.load(Ordering::SeqCst) {
                    index.runs.push(SuiteRun { dir: dirs[0].clone(), rerun: dirs.get(1).cloned() });
                    break 'entries;
                }
            }
            index.runs.push(SuiteRun { dir: dirs[0].clone(), rerun: dirs.get(1).cloned() });
        }
    }
    let report = score_suite(&scorer, &out, &index, &profile)?;
    let dir = RunDir::open(&out)?;
    dir.write_json("suite.json", &index)?;
    touchstone_reports::write_reports(&out, &report)
        .map_err(|e| Failure::harness(e.to_string()))?;
    let fingerprint = touchstone_core::rundir::sha256_hex(
        report
            .runs
            .iter()
            .map(|r| r.fingerprint.as_str())
            .collect::<Vec<_>>()
            .join("\n")
            .as_bytes(),
    );
    dir.write_manifest(0, &fingerprint)?;
    if let Some(j) = &a.junit {
        write_junit(j, &[&report])?;
    }
    outln!("suite {} → {}", suite.name, out.display());
    out!("{}", touchstone_reports::text::summary(&report));
    Ok(worst.max(report.verdict.exit_code))
}

/// Runs a sweep of the suite into `out/sweeps/<name>/` and writes its results; returns the worst
/// exit code and its run directories relative to `out`.
fn run_sweep(
    p: &crate::sweep::Prepared,
    out: &std::path::Path,
    quiet: bool,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(i32, Vec<String>), Failure> {
    use crate::sweep::{output, run};
    let dir = out.join("sweeps").join(&p.file.name);
    run::write_scenarios(p, &dir)?;
    let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut worst = PASS;
    for o in run::run(p, &dir, jobs, quiet, stop) {
        worst = worst.max(o.code);
        if let Some(e) = &o.error {
            eprintln!("error: sweep {} {} seed {}: {e}", p.file.name, p.cells[o.cell].id, o.seed);
        }
    }
    let found = output::in_place(p, &dir);
    output::write(p, &dir, &found)?;
    let rel = found
        .iter()
        .map(|f| {
            f.dir
                .strip_prefix(out)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_else(|_| f.dir.display().to_string())
        })
        .collect();
    Ok((worst, rel))
}
