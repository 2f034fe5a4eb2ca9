//! Scoring runs and suites with the rubric: the reports a run directory holds, the suite index
//! that lets `touchstone report` re-render a suite, and JUnit for CI.

use crate::exit::Failure;
use std::path::Path;
use touchstone_reports::{Report, RunInput, Scorer};

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

/// Scores the run directory `dir` with `profile` (exit 2 on a run directory it cannot read as
/// one).
pub fn score_run_dir(scorer: &Scorer, dir: &Path, profile: &str) -> Result<Report, Failure> {
    scorer.score_run_dir(dir, profile).map_err(bad)
}

/// Scores the run directory `dir` and writes report.json and report.html into it (before the
/// manifest, which then covers them). Called by the run pipeline.
pub fn write_run_reports(
    dir: &Path,
    profile: &str,
    rubric: Option<&Path>,
) -> Result<Report, Failure> {
    let scorer = scorer(rubric)?;
    let report = score_run_dir(&scorer, dir, profile)?;
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

/// Reads a suite directory's `suite.json` (exit 2 if it is not one).
pub fn read_suite_index(path: &Path) -> Result<SuiteIndex, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    let index: SuiteIndex = serde_json::from_str(&text)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    if index.format != SUITE_FORMAT {
        return Err(Failure::bad_input(format!(
            "{}: format: {:?}, expected {SUITE_FORMAT:?}",
            path.display(),
            index.format
        )));
    }
    Ok(index)
}

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

/// Writes the JUnit XML of `reports` to `path` (`--junit FILE` of run and suite).
pub fn write_junit(path: &Path, reports: &[&Report]) -> Result<(), Failure> {
    std::fs::write(path, touchstone_reports::junit::render(reports)).map_err(|e| {
        Failure::harness(format!("{}: cannot write the JUnit file: {e}", path.display()))
    })
}
