//! `touchstone run SCENARIO... [--adapter NAME] [--adapter-config FILE] [--seed N] [--out DIR] [--overwrite] [--profile P] [--rubric FILE] [--junit FILE] [--quick]`
//!
//! Where a run goes, and what happens to an earlier run there:
//! - default: `touchstone-out/<scenario>/<adapter>-s<seed>/` (`…-quick` with `--quick`); if that
//!   already holds a run, the new one takes the next numbered name beside it (`….2`, `….3`);
//! - `--out DIR`: exactly `DIR` (with several scripts, `DIR/<file stem>`, numbered when two
//!   stems are alike); if it already holds anything, the run is refused (exit 2) before
//!   anything runs;
//! - `--overwrite`: the earlier run is replaced, but only once the new one is complete.
//!
//! Either way the run is written beside its target and renamed onto it at the end, so an
//! earlier run is never lost to a later one that is interrupted or killed.

use crate::exit::{CmdResult, Failure, PASS};
use crate::interrupt::interrupt_flag;
use crate::pipeline::{self, RunParams};
use crate::scoring::{scorer, write_junit};
use crate::summary::summary_text;
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use touchstone_core::rundir::{Existing, Staging};
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
    /// Run directory (default touchstone-out/<scenario>/<adapter>-s<seed>/, numbered when it
    /// already holds a run); with several scenarios, one subdirectory per script. An --out
    /// that already holds a run is refused unless --overwrite.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an earlier run at the run directory, once the new run is complete.
    #[arg(long)]
    pub overwrite: bool,
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

/// Each script's explicit run directory: `--out` itself for one script, `--out/<file stem>` for
/// several (stems made distinct with `.2`, `.3`, …); `None` for the default directory.
fn explicit_dirs(a: &RunArgs) -> Vec<Option<PathBuf>> {
    let Some(o) = &a.out else { return vec![None; a.scenarios.len()] };
    if a.scenarios.len() == 1 {
        return vec![Some(o.clone())];
    }
    let mut taken = std::collections::BTreeSet::new();
    a.scenarios
        .iter()
        .map(|s| {
            let stem = s
                .file_stem()
                .map(|x| x.to_string_lossy().to_string())
                .unwrap_or_else(|| "scenario".into());
            let name = (1u32..)
                .map(|k| if k == 1 { stem.clone() } else { format!("{stem}.{k}") })
                .find(|n| taken.insert(n.clone()))
                .expect("a distinct name");
            Some(o.join(name))
        })
        .collect()
}

pub fn exec(a: RunArgs) -> CmdResult {
    // Validate every script before running any, so bad input leaves nothing half-written.
    for s in &a.scenarios {
        pipeline::validate_scenario(s)?;
    }
    crate::adapters::find(&a.adapter)?;
    scorer(a.rubric.as_deref())?;
    let dirs = explicit_dirs(&a);
    let existing = match (a.overwrite, a.out.is_some()) {
        (true, _) => Existing::Replace,
        (false, true) => Existing::Refuse,
        (false, false) => Existing::Number,
    };
    if existing == Existing::Refuse {
        // Refuse before running anything, not after the first of several runs.
        for d in dirs.iter().flatten() {
            Staging::check_free(d)?;
        }
    }
    let stop = interrupt_flag();
    let mut worst = PASS;
    let mut summaries = Vec::new();
    for (s, out) in a.scenarios.iter().zip(dirs) {
        let params = RunParams {
            scenario: s.clone(),
            adapter: a.adapter.clone(),
            adapter_config: a.adapter_config.clone(),
            seed: a.seed,
            out,
            existing,
            quiet: a.quiet || a.json,
            profile: a.profile.clone(),
            rubric: a.rubric.clone(),
            quick: a.quick,
        };
        let summary = pipeline::run_one(&params, stop)?;
        if !a.json {
            out!("{}", summary_text(&summary));
            if let Some(r) = &summary.report {
                out!("{}", touchstone_reports::text::summary(r));
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
        outln!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| Failure::harness(e.to_string()))?
        );
    }
    Ok(worst)
}
