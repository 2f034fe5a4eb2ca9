//! Running a prepared sweep on this machine: every cell × seed through the run pipeline, on
//! `jobs` threads, each into its own run directory.

use super::{Prepared, PreparedCell};
use crate::exit::{Failure, HARNESS};
use crate::pipeline::{run_one, RunParams};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use touchstone_core::rundir::Existing;
use touchstone_core::Seed;

/// Where a cell's script is written in the sweep (or plan) directory.
pub fn scenario_path(dir: &Path, cell: &PreparedCell) -> PathBuf {
    dir.join("scenarios").join(format!("{}.toml", cell.id))
}

/// Where the run of `cell` with `seed` goes, relative to the sweep directory.
pub fn run_rel(p: &Prepared, cell: &PreparedCell, seed: u64) -> String {
    format!("runs/{}/{}-s{seed}", cell.id, p.file.adapter)
}

/// Writes every cell's script into `dir/scenarios/` and the sweep file beside it.
pub fn write_scenarios(p: &Prepared, dir: &Path) -> Result<(), Failure> {
    let io = |path: &Path, e: std::io::Error| Failure::harness(format!("{}: {e}", path.display()));
    let sdir = dir.join("scenarios");
    std::fs::create_dir_all(&sdir).map_err(|e| io(&sdir, e))?;
    for c in &p.cells {
        let path = scenario_path(dir, c);
        std::fs::write(&path, &c.text).map_err(|e| io(&path, e))?;
    }
    let copy = dir.join("sweep.toml");
    std::fs::write(&copy, &p.file.text).map_err(|e| io(&copy, e))
}

/// The parameters of one run of the sweep.
pub fn params(p: &Prepared, dir: &Path, cell: &PreparedCell, seed: u64) -> RunParams {
    RunParams {
        scenario: scenario_path(dir, cell),
        adapter: p.file.adapter.clone(),
        adapter_config: p.file.adapter_config.clone(),
        seed: Seed(seed),
        out: Some(dir.join(run_rel(p, cell, seed))),
        existing: Existing::Replace,
        quiet: true,
        profile: p.file.profile.clone().unwrap_or_else(|| "researcher".into()),
        rubric: None,
        quick: p.file.quick,
    }
}

/// What one run ended with: its exit code, or the failure that stopped it.
#[derive(Debug)]
pub struct Outcome {
    pub cell: usize,
    pub seed: u64,
    pub code: i32,
    pub error: Option<String>,
}

/// Runs every cell × seed of `p` into `dir` on `jobs` threads (the scripts must be written
/// first, [`write_scenarios`]). A line per finished run on stderr unless `quiet`.
pub fn run(p: &Prepared, dir: &Path, jobs: usize, quiet: bool, stop: &AtomicBool) -> Vec<Outcome> {
    let items: Vec<(usize, u64)> =
        (0..p.cells.len()).flat_map(|c| p.file.seeds.iter().map(move |s| (c, *s))).collect();
    let done = AtomicUsize::new(0);
    let total = items.len();
    let results = crate::explore::pool::map(&items, jobs, stop, |_, &(ci, seed)| {
        let cell = &p.cells[ci];
        let rp = params(p, dir, cell, seed);
        let t = Stopwatch::start();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_one(&rp, stop)));
        let outcome = match r {
            Ok(Ok(s)) => Outcome { cell: ci, seed, code: s.record.verdict.exit_code, error: None },
            Ok(Err(f)) => Outcome { cell: ci, seed, code: f.code, error: Some(f.message) },
            Err(_) => Outcome {
                cell: ci,
                seed,
                code: HARNESS,
                error: Some("the run panicked (a harness or simulator bug)".into()),
            },
        };
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if !quiet {
            eprintln!(
                "[{n}/{total}] {} seed {seed}: exit {}{} ({:.1} s)",
                cell.id,
                outcome.code,
                outcome.error.as_deref().map(|e| format!(" — {e}")).unwrap_or_default(),
                t.seconds()
            );
        }
        outcome
    });
    results.into_iter().flatten().collect()
}

/// Wall-clock and CPU time of the sweep, for what it prints (never for anything it decides).
#[derive(Debug)]
pub struct Stopwatch {
    wall: std::time::Instant,
    cpu: Option<cpu_time::ProcessTime>,
}

impl Stopwatch {
    #[allow(clippy::disallowed_methods)] // the sweep reports its own speed on the wall clock
    pub fn start() -> Self {
        Stopwatch { wall: std::time::Instant::now(), cpu: cpu_time::ProcessTime::try_now().ok() }
    }

    pub fn seconds(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }

    /// CPU seconds of the whole process (every thread) since the start, if measurable.
    pub fn cpu_seconds(&self) -> Option<f64> {
        self.cpu.and_then(|c| c.try_elapsed().ok()).map(|d| d.as_secs_f64())
    }
}
