//! `touchstone report RUN_DIR [--compare BASE_DIR] [--format html|json|text] [--profile P] [--rubric FILE] [--out FILE]`
//!
//! Re-renders the evaluation of a saved run (run.json + trace.jsonl) — or of a suite directory
//! (suite.json) — without re-running anything, to stdout or `--out`. The run directory itself is
//! never modified (its manifest still verifies). `--compare BASE_DIR` puts the base run beside
//! this one: per gate and indicator, regressed / improved / no change beyond the noise threshold;
//! the exit code is then 1 if anything regressed.

use crate::exit::{CmdResult, Failure, FINDINGS, PASS};
use clap::Args;
use std::path::{Path, PathBuf};
use touchstone_reports::{Report, RunInput, Scorer};

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

fn bad(e: touchstone_reports::ReportError) -> Failure {
    if e.is_bad_input() {
        Failure::bad_input(e.to_string())
    } else {
        Failure::harness(e.to_string())
    }
}

/// The scorer for `--rubric` (exit 2 on a bad rubric).
pub fn scorer(rubric: Option<&Path>) -> Result<Scorer, Failure> {
    Scorer::new(rubric).map_err(bad)
}

/// Scores the run directory `dir` and writes report.json and report.html into it (before the
/// manifest, which then covers them). Called by the run pipeline.
pub fn write_run_reports(
    dir: &Path,
    profile: &str,
    rubric: Option<&Path>,
) -> Result<Report, Failure> {
    let scorer = scorer(rubric)?;
    let report = scorer.score_run_dir(dir, profile).map_err(bad)?;
    touchstone_reports::write_reports(dir, &report).map_err(|e| Failure::harness(e.to_string()))?;
    Ok(report)
}

/// `suite.json` in a suite directory: the runs scored together, so `report` can re-render it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SuiteIndex {
    pub format: String,
    pub name: String,
    pub profile: String,
    /// Run directories relative to the suite directory, each with its rerun (if any).
    pub runs: Vec<SuiteRun>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SuiteRun {
    pub dir: String,
    pub rerun: Option<String>,
}

pub const SUITE_FORMAT: &str = "touchstone-suite/1";

/// Loads the run directories of a suite index and scores them together.
pub fn score_suite(
    scorer: &Scorer,
    base: &Path,
    index: &SuiteIndex,
    profile: &str,
) -> Result<Report, Failure> {
    let mut inputs = Vec::new();
    for r in &index.runs {
        let mut input = RunInput::load_labelled(&base.join(&r.dir), &r.dir).map_err(bad)?;
        if let Some(re) = &r.rerun {
            let again = RunInput::load_labelled(&base.join(re), re).map_err(bad)?;
            input.rerun = Some(touchstone_reports::input::Rerun {
                label: re.clone(),
                fingerprint: again.record.trace.fingerprint.clone(),
                failed: again.record.verdict.failed.clone(),
            });
        }
        inputs.push(input);
    }
    scorer.score(profile, "suite", &index.name, &inputs).map_err(bad)
}

fn load(scorer: &Scorer, dir: &Path, profile: Option<&str>) -> Result<Report, Failure> {
    if !dir.is_dir() {
        return Err(Failure::bad_input(format!("{}: no such run directory", dir.display())));
    }
    let saved =
        || touchstone_reports::read_report(&dir.join("report.json")).ok().map(|r| r.profile);
    let suite = dir.join("suite.json");
    if !dir.join("run.json").exists() && suite.is_file() {
        let text = std::fs::read_to_string(&suite)
            .map_err(|e| Failure::bad_input(format!("{}: {e}", suite.display())))?;
        let index: SuiteIndex = serde_json::from_str(&text)
            .map_err(|e| Failure::bad_input(format!("{}: {e}", suite.display())))?;
        if index.format != SUITE_FORMAT {
            return Err(Failure::bad_input(format!(
                "{}: format: {:?}, expected {SUITE_FORMAT:?}",
                suite.display(),
                index.format
            )));
        }
        let profile = profile.map(String::from).unwrap_or_else(|| index.profile.clone());
        return score_suite(scorer, dir, &index, &profile);
    }
    let profile = profile.map(String::from).or_else(saved).unwrap_or_else(|| "vendor".into());
    scorer.score_run_dir(dir, &profile).map_err(bad)
}

fn emit(out: Option<&Path>, text: &str) -> Result<(), Failure> {
    match out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| Failure::harness(format!("{}: {e}", p.display())))
        }
        None => {
            use std::io::Write;
            // A closed pipe (`| head`) is not an error of the report.
            match std::io::stdout().lock().write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::harness(format!("stdout: {e}")))
                }
                _ => Ok(()),
            }
        }
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

/// Writes the JUnit XML of `reports` to `path` (`--junit FILE` of run and suite).
pub fn write_junit(path: &Path, reports: &[&Report]) -> Result<(), Failure> {
    std::fs::write(path, touchstone_reports::junit::render(reports)).map_err(|e| {
        Failure::harness(format!("{}: cannot write the JUnit file: {e}", path.display()))
    })
}
