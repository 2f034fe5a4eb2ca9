//! `touchstone check TRACE [--json] [--skip-bad-lines]`: consensus and ledger properties of any
//! trace in the format of `docs/trace-format.md`.

use crate::exit::{CmdResult, Failure, FINDINGS, PASS};
use clap::Args;
use std::path::PathBuf;
use touchstone_check::CheckOptions;
use touchstone_core::time::parse_duration;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Trace file (`.jsonl`, `.jsonl.gz`), or `-` for standard input.
    pub trace: PathBuf,
    /// Print the full report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Count and report malformed lines instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// Bounded-liveness window after the last heal (default 10s).
    #[arg(long)]
    pub liveness_bound: Option<String>,
}

pub fn exec(a: CheckArgs) -> CmdResult {
    let liveness_bound_ns = match &a.liveness_bound {
        Some(s) => Some(
            parse_duration(s).map_err(|e| Failure::bad_input(format!("--liveness-bound: {e}")))?,
        ),
        None => None,
    };
    let opts =
        CheckOptions { skip_bad_lines: a.skip_bad_lines, liveness_bound_ns, ..Default::default() };
    let report = touchstone_check::check_path(&a.trace, &opts)
        .map_err(|e| Failure { code: e.exit_code(), message: e.to_string() })?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| Failure::harness(e.to_string()))?
        );
    } else {
        print!("{}", report.render_text());
    }
    Ok(if report.passed() { PASS } else { FINDINGS })
}
