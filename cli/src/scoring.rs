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

/// Reads an input file within its cap (exit 2 if it is missing, too large or not text).
fn read_input(path: &Path, cap: u64, what: &'static str) -> Result<String, Failure> {
    touchstone_core::input::read_text_capped(path, cap, what).map_err(|e| match e {
        touchstone_core::input::InputError::Io { ref source, .. }
            if source.kind() != std::io::ErrorKind::NotFound =>
        {
            Failure::harness(e.to_string())
        }
        e => Failure::bad_input(e.to_string()),
    })
}

/// The scorer for `--rubric` (exit 2 on a bad rubric; the file is read within
/// [`touchstone_core::input::MAX_RUBRIC_BYTES`]).
pub fn scorer(rubric: Option<&Path>) -> Result<Scorer, Failure> {
    let Some(p) = rubric else { return Scorer::new(None).map_err(bad) };
    let text = read_input(p, touchstone_core::input::MAX_RUBRIC_BYTES, "rubric")?;
    let rubric = touchstone_reports::Rubric::parse(&text, &p.display().to_string()).map_err(bad)?;
    Ok(Scorer { rubric, sha256: touchstone_core::rundir::sha256_hex(text.as_bytes()) })
}

/// A suite file, read within [`touchstone_core::input::MAX_SUITE_BYTES`] (exit 2 if bad).
pub fn load_suite(path: &Path) -> Result<touchstone_reports::suite::Suite, Failure> {
    let text = read_input(path, touchstone_core::input::MAX_SUITE_BYTES, "suite file")?;
    touchstone_reports::suite::Suite::parse(&text, path)
        .map_err(|e| Failure::bad_input(e.to_string()))
}

/// Scores the run directory `dir` with `profile` (exit 2 on a run directory it cannot read as
/// one).
pub fn score_run_dir(scorer: &Scorer, dir: &Path, profile: &str) -> Result<Report, Failure> {
    scorer.score_run_dir(dir, profile).map_err(bad)
}

/// Scores the run directory `dir` (named `label` in the report: where the run is published) and
/// writes report.json and report.html into it (before the manifest, which then covers them).
/// Called by the run pipeline.
pub fn write_run_reports(
    dir: &Path,
    label: &str,
    profile: &str,
    rubric: Option<&Path>,
) -> Result<Report, Failure> {
    let scorer = scorer(rubric)?;
    let run = RunInput::load_labelled(dir, label).map_err(bad)?;
    let title = run.record.scenario.name.clone();
    let report = scorer.score(profile, "run", &title, &[run]).map_err(bad)?;
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
    let text = read_input(path, touchstone_core::input::MAX_RECORD_BYTES, "suite index")?;
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
