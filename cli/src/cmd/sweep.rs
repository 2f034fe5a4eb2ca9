//! `touchstone sweep SWEEP.toml [--out DIR] [--jobs J] [--quiet] [--plan | --collect DIR...]`
//!
//! Runs a parameter sweep (see [`crate::sweep`] and docs/sweeps.md): every cell is validated
//! before any runs, then every cell × seed runs on all cores into `DIR/runs/`, and
//! `DIR/results.csv`, `DIR/results.json` and `DIR/sweep.html` are written. `--plan` runs
//! nothing: it writes the cells' scripts and `DIR/plan/` (commands.txt, job.yaml, slurm.sh) for
//! a scheduler; `--collect DIR…` builds the results from run directories wherever they ran.
//! Exit code: the worst of the runs (0 pass, 1 findings, 3 a run could not be driven); 2 for a
//! bad sweep file.

use crate::exit::{CmdResult, Failure, FINDINGS, HARNESS, PASS};
use crate::interrupt::interrupt_flag;
use crate::sweep::{output, plan, prepare, run};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The sweep file (TOML): a base scenario, the fields to vary, seeds.
    pub sweep: PathBuf,
    /// Sweep directory (default touchstone-out/sweeps/<name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs at once (default: every core); results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Write the plan (one command per run, a Kubernetes Indexed Job, a Slurm array) instead
    /// of running.
    #[arg(long, conflicts_with = "collect")]
    pub plan: bool,
    /// Build the results from run directories below these directories instead of running.
    #[arg(long, num_args = 1.., value_name = "DIR")]
    pub collect: Vec<PathBuf>,
    /// No line per finished run.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn exec(a: SweepArgs) -> CmdResult {
    let p = prepare(&a.sweep).map_err(|e| Failure::bad_input(e.to_string()))?;
    crate::adapters::find(&p.file.adapter)?;
    let dir = a.out.clone().unwrap_or_else(|| p.default_dir());
    let runs = p.cells.len() * p.file.seeds.len();
    if a.plan {
        let n = plan::write_plan(&p, &dir)?;
        let d = std::fs::canonicalize(&dir).unwrap_or(dir);
        outln!(
            "sweep {}: {} cell(s) × {} seed(s) = {n} run(s) planned in {}",
            p.file.name,
            p.cells.len(),
            p.file.seeds.len(),
            d.display()
        );
        outln!("  commands:   {}", d.join("plan/commands.txt").display());
        outln!("  kubernetes: kubectl apply -f {}", d.join("plan/job.yaml").display());
        outln!("  slurm:      sbatch {}", d.join("plan/slurm.sh").display());
        outln!(
            "  then:       touchstone sweep {} --collect {} --out {}",
            a.sweep.display(),
            d.join("runs").display(),
            d.display()
        );
        return Ok(PASS);
    }
    let t = run::Stopwatch::start();
    let mut worst = PASS;
    let found = if !a.collect.is_empty() {
        let (found, foreign) = plan::collect(&p, &a.collect)?;
        if foreign > 0 {
            eprintln!("note: {foreign} run director(ies) below the given directories are not runs of this sweep");
        }
        found
    } else {
        let jobs = match a.jobs {
            Some(0) => return Err(Failure::bad_input("--jobs must be at least 1")),
            Some(j) => j,
            None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        };
        run::write_scenarios(&p, &dir)?;
        if !a.quiet {
            eprintln!("touchstone: sweep {}: {} cell(s) × {} seed(s) = {runs} run(s) on {jobs} thread(s) → {}", p.file.name, p.cells.len(), p.file.seeds.len(), dir.display());
        }
        let stop = interrupt_flag();
        let outcomes = run::run(&p, &dir, jobs, a.quiet, stop);
        for o in &outcomes {
            worst = worst.max(o.code);
            if let Some(e) = &o.error {
                eprintln!("error: {} seed {}: {e}", p.cells[o.cell].id, o.seed);
            }
        }
        if outcomes.len() < runs {
            worst = worst.max(HARNESS);
        }
        output::in_place(&p, &dir)
    };
    let results = output::write(&p, &dir, &found)?;
    for r in &results.rows {
        worst = worst.max(if r.passed { PASS } else { r.exit_code.max(FINDINGS) });
    }
    if !results.missing.is_empty() {
        worst = worst.max(HARNESS);
    }
    let failed = results.rows.iter().filter(|r| !r.passed).count();
    outln!(
        "sweep {}: {} run(s) of {runs} in {:.1} s{}; {} passed, {failed} with findings{}",
        p.file.name,
        results.rows.len(),
        t.seconds(),
        t.cpu_seconds().map(|c| format!(" ({c:.1} CPU-s)")).unwrap_or_default(),
        results.rows.len() - failed,
        if results.missing.is_empty() {
            String::new()
        } else {
            format!(", {} missing", results.missing.len())
        }
    );
    outln!("  {}", dir.join("sweep.html").display());
    outln!("  {}", dir.join("results.csv").display());
    Ok(worst)
}
