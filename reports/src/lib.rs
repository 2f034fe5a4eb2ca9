//! # touchstone-reports
//!
//! Touchstone's scored evaluation and its reports, in criterion's pipeline: **model → JSON →
//! renderers**. A run directory (`run.json` + `trace.jsonl`) or a suite of them is scored against
//! a [`Rubric`] (the indicator tree of `shared/spec/indicators.md`, shipped as the editable data
//! file `rubrics/default.toml`) under a profile (`vendor`, `regulator`, `researcher`), giving a
//! [`Report`]: gates, every indicator's measured value, target, minimum, score, method, threshold
//! source and evidence, the findings with their trace lines quoted, time series, CDF and the
//! consensus timeline. Renderers read only the model:
//!
//! - [`render_json`] → `report.json` (format `touchstone-report/1`, the complete evaluation);
//! - [`html::render`] → `report.html`, one self-contained file (inline CSS, inline SVG charts drawn
//!   with plotters, no script, no CDN), readable printed and on a phone;
//! - [`text::summary`] → a few judgemental terminal lines;
//! - [`junit::render`] → JUnit XML for a vendor's CI;
//! - [`compare::compare`] → two evaluations side by side, regressed / improved / no change.
//!
//! ```
//! use touchstone_reports::{synth, Scorer, RunInput};
//! let tmp = tempfile::tempdir().unwrap();
//! synth::write_run_dir(tmp.path(), &synth::Synth::small()).unwrap();
//! let scorer = Scorer::new(None).unwrap();            // the embedded default rubric
//! let run = RunInput::load(tmp.path()).unwrap();
//! let report = scorer.score("vendor", "run", &run.record.scenario.name.clone(), &[run]).unwrap();
//! assert_eq!(report.format, "touchstone-report/1");
//! println!("{}", touchstone_reports::text::summary(&report));
//! let html = touchstone_reports::html::render(&report);
//! assert!(html.contains("<svg"));
//! ```
//!
//! ## Scoring
//! Exactly as `indicators.md`: an indicator scores 1 at its target, 0 at or below its minimum,
//! linear between (direction per indicator); L2 = weighted mean of its evaluated L3, L1 =
//! weighted mean of its evaluated L2, overall = the profile's weighted sum of the evaluated L1 on
//! 0–100 (renormalised over the evaluated areas). Any failed gate makes the grade F. An indicator
//! Touchstone cannot measure in the runs given is *not evaluated*, with the reason, and is
//! excluded; coverage (evaluated / total) is on the cover.
//!
//! ## Determinism
//! Same inputs and rubric → byte-identical `report.json` and `report.html` (ordered maps, no
//! clock): the golden test pins it.

pub mod compare;
mod disclose;
pub mod display;
pub mod error;
pub mod evaluate;
pub mod feeds;
mod gate;
pub mod html;
mod indicator;
pub mod input;
pub mod junit;
pub mod measure;
pub mod model;
pub mod rubric;
pub mod rule;
pub mod score;
pub mod series;
pub mod suite;
pub mod sweep;
#[doc(hidden)]
pub mod synth;
pub mod text;
pub mod trace;
pub mod xchain;

pub use error::ReportError;
pub use input::RunInput;
pub use model::{Report, REPORT_FORMAT};
pub use rubric::Rubric;

use std::path::Path;

/// A loaded rubric, ready to score.
#[derive(Debug, Clone)]
pub struct Scorer {
    pub rubric: Rubric,
    /// SHA-256 of the rubric text (recorded in the report).
    pub sha256: String,
}

impl Scorer {
    /// The rubric at `path`, or the embedded default.
    pub fn new(path: Option<&Path>) -> Result<Scorer, ReportError> {
        match path {
            None => Ok(Scorer {
                rubric: Rubric::default_rubric(),
                sha256: touchstone_core::rundir::sha256_hex(rubric::DEFAULT_RUBRIC.as_bytes()),
            }),
            Some(p) => {
                let rubric = Rubric::load(p)?;
                let text = std::fs::read(p).map_err(|e| {
                    ReportError::rubric(p.display().to_string(), "<file>", e.to_string())
                })?;
                Ok(Scorer { rubric, sha256: touchstone_core::rundir::sha256_hex(&text) })
            }
        }
    }

    /// Scores `runs` together (`kind` = `run` or `suite`).
    pub fn score(
        &self,
        profile: &str,
        kind: &str,
        title: &str,
        runs: &[RunInput],
    ) -> Result<Report, ReportError> {
        self.rubric.check_profile(profile)?;
        Ok(evaluate::evaluate(&self.rubric, &self.sha256, profile, kind, title, runs))
    }

    /// Loads the run directory `dir` and scores it alone.
    pub fn score_run_dir(&self, dir: &Path, profile: &str) -> Result<Report, ReportError> {
        let run = RunInput::load(dir)?;
        let title = run.record.scenario.name.clone();
        self.score(profile, "run", &title, &[run])
    }
}

/// `report.json` text (pretty, newline-terminated).
pub fn render_json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("the report model serializes");
    s.push('\n');
    s
}

/// Writes `report.json` and `report.html` into `dir` (atomically, before the manifest).
pub fn write_reports(dir: &Path, r: &Report) -> Result<(), ReportError> {
    let rd = touchstone_core::rundir::RunDir { path: dir.to_path_buf() };
    let io = |e: touchstone_core::rundir::RunDirError| ReportError::Io {
        path: dir.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    };
    rd.write_bytes("report.json", render_json(r).as_bytes()).map_err(io)?;
    rd.write_bytes("report.html", html::render(r).as_bytes()).map_err(io)?;
    Ok(())
}

/// Reads a saved `report.json`.
pub fn read_report(path: &Path) -> Result<Report, ReportError> {
    let ps = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ReportError::input(&ps, "<file>", e.to_string()))?;
    let r: Report = serde_json::from_str(&text).map_err(|e| {
        ReportError::input(&ps, "<json>", format!("line {} column {}: {e}", e.line(), e.column()))
    })?;
    if r.format != REPORT_FORMAT {
        return Err(ReportError::input(
            &ps,
            "format",
            format!("{:?}, expected {REPORT_FORMAT:?}", r.format),
        ));
    }
    Ok(r)
}
