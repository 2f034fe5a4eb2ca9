//! `touchstone run SCENARIO... [--adapter NAME] [--adapter-config FILE] [--seed N] [--out DIR]`

use crate::exit::{CmdResult, Failure, PASS};
use crate::pipeline::{self, RunParams};
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use touchstone_core::Seed;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario scripts (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Adapter to drive (see `touchstone list adapters`).
    #[arg(long, default_value = crate::adapters::DEFAULT)]
    pub adapter: String,
    /// Adapter configuration file.
    #[arg(long)]
    pub adapter_config: Option<PathBuf>,
    /// Seed of every random draw; the same seed replays the run.
    #[arg(long, default_value = "1")]
    pub seed: Seed,
    /// Run directory (default touchstone-out/<scenario>/<adapter>-s<seed>/); with several
    /// scenarios, one subdirectory per scenario.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Scoring profile for the report.
    #[arg(long, default_value = "vendor", value_parser = ["vendor", "regulator", "researcher"])]
    pub profile: String,
    /// Print a machine-readable JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// No progress bar or banner.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Ctrl-C sets a flag the engine polls: the run stops and writes partial results.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    // A second handler registration (several runs in one process) is harmless to ignore.
    let _ = ctrlc::set_handler(move || {
        if f.swap(true, Ordering::SeqCst) {
            std::process::exit(crate::exit::HARNESS);
        }
        eprintln!("\ninterrupted: stopping the run and writing partial results (Ctrl-C again to abort)");
    });
    flag
}

pub fn exec(a: RunArgs) -> CmdResult {
    // Validate every script before running any, so bad input leaves nothing half-written.
    for s in &a.scenarios {
        pipeline::load_scenario(s)?;
    }
    crate::adapters::find(&a.adapter)?;
    let stop = interrupt_flag();
    let mut worst = PASS;
    let mut summaries = Vec::new();
    for s in &a.scenarios {
        let out = match (&a.out, a.scenarios.len()) {
            (Some(o), 1) => Some(o.clone()),
            (Some(o), _) => Some(o.join(s.file_stem().map(|x| x.to_string_lossy().to_string()).unwrap_or_else(|| "scenario".into()))),
            (None, _) => None,
        };
        let params = RunParams { scenario: s.clone(), adapter: a.adapter.clone(), adapter_config: a.adapter_config.clone(), seed: a.seed, out, quiet: a.quiet || a.json };
        let summary = pipeline::run_one(&params, &stop)?;
        if !a.json {
            print!("{}", pipeline::summary_text(&summary));
        }
        worst = worst.max(summary.record.verdict.exit_code);
        summaries.push(summary);
        if stop.load(Ordering::SeqCst) {
            break;
        }
    }
    if a.json {
        let doc: Vec<serde_json::Value> = summaries
            .iter()
            .map(|s| {
                let r = &s.record;
                serde_json::json!({
                    "scenario": r.scenario.name,
                    "adapter": r.adapter.system.adapter,
                    "seed": r.seed,
                    "dir": s.dir,
                    "status": r.status,
                    "verdict": r.verdict,
                    "fingerprint": r.trace.fingerprint,
                    "measured": r.metrics.as_ref().map(|m| &m.measured),
                    "criteria": r.criteria,
                    "properties": s.check.as_ref().map(|c| &c.properties),
                    "replay": r.replay,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&doc).map_err(|e| Failure::harness(e.to_string()))?);
    }
    Ok(worst)
}
