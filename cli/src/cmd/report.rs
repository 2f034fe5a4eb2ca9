//! `touchstone report RUN_DIR [--compare BASE_DIR] [--format html|json|text] [--profile P] [--rubric FILE] [--out FILE]`
//!
//! Re-renders the evaluation of a saved run (run.json + trace.jsonl) — or of a suite directory
//! (suite.json) — without re-running anything, to stdout or `--out`. The run directory itself is
//! never modified (its manifest still verifies). `--compare BASE_DIR` puts the base run beside
//! this one: per gate and indicator, regressed / improved / no change beyond the noise threshold;
//! the exit code is then 1 if anything regressed.
//!
//! A run directory is verified first, as `touchstone verify` does: one that does not verify
//! (an artefact changed, missing or unlisted, a recorded field the artefacts contradict) is
//! refused with exit 1, naming what; one that never finished (no manifest) with exit 2. A
//! partial run (interrupted, failed) is rendered, and its report says so.

use crate::exit::{CmdResult, Failure, FINDINGS, PASS};
use crate::scoring::{read_suite_index, score_run_dir, score_suite, scorer};
use clap::Args;
use std::path::{Path, PathBuf};
use touchstone_reports::{Report, Scorer};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run directory (run.json, trace.jsonl) or a suite directory (suite.json).
    pub run_dir: PathBuf,
    /// A baseline run directory to compare against (this run is the new one).
    #[arg(long)]
    pub compare: Option<PathBuf>,
    #[arg(long, default_value = "text", value_parser = ["html", "json", "text"])]
    pub format: String,
    /// Scoring profile (default: the one of the saved report.json, else vendor).
    #[arg(long)]
    pub profile: Option<String>,
    /// Rubric file (default: the embedded rubrics/default.toml).
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn load(scorer: &Scorer, dir: &Path, profile: Option<&str>) -> Result<Report, Failure> {
    let evidence = crate::evidence::examine(dir, None)?;
    if !evidence.intact() {
        return Err(evidence.refusal("refusing to report"));
    }
    if let Some(why) = &evidence.audit.partial {
        eprintln!("note: {}: a partial run: {why}", dir.display());
    }
    let saved =
        || touchstone_reports::read_report(&dir.join("report.json")).ok().map(|r| r.profile);
    let suite = dir.join("suite.json");
    if !dir.join("run.json").exists() && suite.is_file() {
        let index = read_suite_index(&suite)?;
        let profile = profile.map(String::from).unwrap_or_else(|| index.profile.clone());
        return score_suite(scorer, dir, &index, &profile);
    }
    let profile = profile.map(String::from).or_else(saved).unwrap_or_else(|| "vendor".into());
    score_run_dir(scorer, dir, &profile)
}

fn emit(out: Option<&Path>, text: &str) -> Result<(), Failure> {
    match out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| Failure::harness(format!("{}: {e}", p.display())))
        }
        None => crate::output::stdout(text),
    }
}

pub fn exec(a: ReportArgs) -> CmdResult {
    let scorer = scorer(a.rubric.as_deref())?;
    let report = load(&scorer, &a.run_dir, a.profile.as_deref())?;
    if let Some(base_dir) = &a.compare {
        let base = load(&scorer, base_dir, Some(&report.profile))?;
        let c = touchstone_reports::compare::compare(&base, &report);
        let text = match a.format.as_str() {
            "json" => {
                serde_json::to_string_pretty(&c).map_err(|e| Failure::harness(e.to_string()))?
                    + "\n"
            }
            "html" => touchstone_reports::html::render_compare(&c),
            _ => touchstone_reports::compare::render_text(&c),
        };
        emit(a.out.as_deref(), &text)?;
        let regressed = c.overall == touchstone_reports::compare::Change::Regressed
            || c.rows.iter().any(|r| r.change == touchstone_reports::compare::Change::Regressed);
        return Ok(if regressed { FINDINGS } else { PASS });
    }
    let text = match a.format.as_str() {
        "json" => touchstone_reports::render_json(&report),
        "html" => touchstone_reports::html::render(&report),
        _ => touchstone_reports::text::summary(&report),
    };
    emit(a.out.as_deref(), &text)?;
    Ok(report.verdict.exit_code)
}
