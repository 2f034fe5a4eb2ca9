//! `touchstone compare BASELINE NEW [--format text|json] [--out FILE]`
//!
//! Regression verdicts for CI: two sweep directories (results.json) — or two run directories
//! (run.json), each taken as a sweep of one cell — compared cell by cell (cells matched by
//! their parameters): per headline metric `improved`, `regressed` or `no change` by the rule of
//! [`touchstone_reports::rule`] across the cell's seeds, and per cell the verdicts. Exit code:
//! 1 if anything regressed, 0 otherwise, 2 if the two have no cell in common or cannot be read.

use crate::exit::{CmdResult, Failure, FINDINGS, PASS};
use clap::Args;
use std::path::{Path, PathBuf};
use touchstone_reports::rule::Change;
use touchstone_reports::sweep::{compare, Cell, SweepResults, SweepRow, RESULTS_FORMAT};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline: a sweep directory (results.json) or a run directory (run.json).
    pub baseline: PathBuf,
    /// The new sweep or run, of the same cells.
    pub new: PathBuf,
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A sweep directory's results, or a run directory as a sweep of one cell.
pub fn load(dir: &Path) -> Result<SweepResults, Failure> {
    let results = dir.join("results.json");
    if results.is_file() {
        let text = touchstone_core::input::read_text_capped(
            &results,
            touchstone_core::input::MAX_RECORD_BYTES,
            "sweep results",
        )
        .map_err(|e| Failure::bad_input(e.to_string()))?;
        let r: SweepResults = serde_json::from_str(&text)
            .map_err(|e| Failure::bad_input(format!("{}: {e}", results.display())))?;
        if r.format != RESULTS_FORMAT {
            return Err(Failure::bad_input(format!(
                "{}: format {:?}, expected {RESULTS_FORMAT:?}",
                results.display(),
                r.format
            )));
        }
        return Ok(r);
    }
    if !dir.join("run.json").is_file() {
        return Err(Failure::bad_input(format!(
            "{}: neither a sweep directory (results.json) nor a run directory (run.json)",
            dir.display()
        )));
    }
    let row = SweepRow::from_run_dir(dir, &dir.display().to_string(), "run", &[])
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    Ok(SweepResults {
        format: RESULTS_FORMAT.into(),
        name: dir.display().to_string(),
        description: String::new(),
        base: String::new(),
        axes: Vec::new(),
        seeds: vec![row.seed],
        cells: vec![Cell { id: "run".into(), params: Vec::new() }],
        rows: vec![row],
        missing: Vec::new(),
    })
}

pub fn exec(a: CompareArgs) -> CmdResult {
    let base = load(&a.baseline)?;
    let new = load(&a.new)?;
    let c = compare::compare(&base, &new);
    let text = match a.format.as_str() {
        "json" => {
            serde_json::to_string_pretty(&c).map_err(|e| Failure::harness(e.to_string()))? + "\n"
        }
        _ => compare::render_text(&c),
    };
    match &a.out {
        Some(p) => std::fs::write(p, &text)
            .map_err(|e| Failure::harness(format!("{}: {e}", p.display())))?,
        None => crate::output::stdout(&text)?,
    }
    match c.overall {
        Change::Regressed => Ok(FINDINGS),
        Change::NotComparable if c.cells.is_empty() => Err(Failure::bad_input(format!(
            "{} and {} have no cell in common",
            a.baseline.display(),
            a.new.display()
        ))),
        _ => Ok(PASS),
    }
}
