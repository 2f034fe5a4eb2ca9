//! `touchstone run SCENARIO... [--adapter NAME] [--adapter-config FILE] [--seed N] [--out DIR] [--profile P] [--rubric FILE] [--junit FILE] [--quick]`

use crate::exit::{CmdResult, Failure, PASS};
use crate::interrupt::interrupt_flag;
use crate::pipeline::{self, RunParams};
use crate::scoring::{scorer, write_junit};
use crate::summary::summary_text;
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
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
    /// Rubric file for the report (default: the embedded reports/rubrics/default.toml).
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    /// Also write a JUnit XML file (one test case per gate and criterion) for CI.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Print a machine-readable JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// No progress bar or banner.
    #[arg(long, short)]
    pub quiet: bool,
    /// Scale big scenarios down (load ÷ k, program sizes ÷ k; durations, faults and criteria
    /// unchanged) for a fast check, e.g. in CI. See scenarios/README.md.
    #[arg(long)]
    pub quick: bool,
}

pub fn exec(a: RunArgs) -> CmdResult {
    // Validate every script before running any, so bad input leaves nothing half-written.
    for s in &a.scenarios {
        pipeline::load_scenario(s)?;
    }
    crate::adapters::find(&a.adapter)?;
    scorer(a.rubric.as_deref())?;
    let stop = interrupt_flag();
    let mut worst = PASS;
    let mut summaries = Vec::new();
    for s in &a.scenarios {
        let out = match (&a.out, a.scenarios.len()) {
            (Some(o), 1) => Some(o.clone()),
            (Some(o), _) => Some(
                o.join(
                    s.file_stem()
                        .map(|x| x.to_string_lossy().to_string())
                        .unwrap_or_else(|| "scenario".into()),
                ),
            ),
            (None, _) => None,
        };
        let params = RunParams {
            scenario: s.clone(),
            adapter: a.adapter.clone(),
            adapter_config: a.adapter_config.clone(),
            seed: a.seed,
            out,
            quiet: a.quiet || a.json,
            profile: a.profile.clone(),
            rubric: a.rubric.clone(),
            quick: a.quick,
        };
        let summary = pipeline::run_one(&params, &stop)?;
        if !a.json {
            print!("{}", summary_text(&summary));
            if let Some(r) = &summary.report {
                print!("{}", touchstone_reports::text::summary(r));
            }
        }
        worst = worst.max(summary.record.verdict.exit_code);
        summaries.push(summary);
        if stop.load(Ordering::SeqCst) {
            break;
        }
    }
    if let Some(j) = &a.junit {
        let reports: Vec<&touchstone_reports::Report> =
            summaries.iter().filter_map(|s| s.report.as_ref()).collect();
        write_junit(j, &reports)?;
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
                    "report": s.report.as_ref().map(|x| &x.verdict),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| Failure::harness(e.to_string()))?
        );
    }
    Ok(worst)
}
