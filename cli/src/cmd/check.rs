//! `touchstone check TRACE [--json] [--skip-bad-lines]`: consensus and ledger properties of any
//! trace in the format of `docs/trace-format.md`.

use crate::exit::{CmdResult, Failure, FINDINGS, PASS};
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// Heights after which a cleanly settled transaction is forgotten (but its nonce kept), so
    /// that memory is bounded by what is in flight on a trace of any length; 0 remembers every
    /// transaction to the end (see docs/trace-format.md, Limits).
    #[arg(long, default_value_t = touchstone_check::DEFAULT_TX_HORIZON)]
    pub tx_horizon: u64,
}

pub fn exec(a: CheckArgs) -> CmdResult {
    let liveness_bound_ns = match &a.liveness_bound {
        Some(s) => Some(
            parse_duration(s).map_err(|e| Failure::bad_input(format!("--liveness-bound: {e}")))?,
        ),
        None => None,
    };
    let opts = CheckOptions {
        skip_bad_lines: a.skip_bad_lines,
        liveness_bound_ns,
        replay_scenarios: runnable_scenarios(Path::new("scenarios")),
        replay_adapters: crate::adapters::all().iter().map(|f| f.name().to_string()).collect(),
        limits: touchstone_check::Limits {
            tx_horizon_heights: (a.tx_horizon > 0).then_some(a.tx_horizon),
            ..Default::default()
        },
        ..Default::default()
    };
    let report = touchstone_check::check_path(&a.trace, &opts)
        .map_err(|e| Failure { code: e.exit_code(), message: e.to_string() })?;
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| Failure::harness(e.to_string()))?
        );
    } else {
        out!("{}", report.render_text());
    }
    // A truncated trace is not passed either (`passed()` is false): exit 1, as for findings.
    Ok(if report.passed() { PASS } else { FINDINGS })
}

/// The scenarios this binary can run, by name (the scripts under `dir`, when there is one): a
/// finding in a trace one of them produced carries the command that replays it; a trace from
/// elsewhere gets none.
fn runnable_scenarios(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| {
            let (s, _) = touchstone_core::scenario::load(&p).ok()?;
            Some((s.name, p.display().to_string()))
        })
        .collect()
}
