//! Suite files: a list of scenarios (each with its adapter, adapter configuration and seeds)
//! run and scored together as one evaluation (`touchstone suite SUITE.toml`).
//!
//! ```toml
//! name = "admission"
//! description = "Regulator admission: payments and clearing"
//! profile = "regulator"             # default profile (the CLI's --profile overrides it)
//! # rubric = "my-rubric.toml"       # optional, relative to this file
//!
//! [[scenarios]]
//! path = "../payment-latency.toml"  # relative to this file
//! adapter = "sim"                   # default: sim
//! # adapter_config = "sim.toml"
//! seeds = [1, 2]                    # default: [1]
//! reproduce = true                  # rerun the first seed: judges F2.1 reproducibility
//!
//! [[sweeps]]                        # a parameter sweep (docs/sweeps.md): its runs are scored
//! path = "../sweeps/admission-scale.toml"  # with the others (e.g. B4.1, B4.2 from its cells)
//! ```
//! Unknown keys are errors naming the file, the line and the field.

use crate::error::ReportError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A parsed suite file (paths resolved against the file's directory).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub rubric: Option<PathBuf>,
    #[serde(default)]
    pub scenarios: Vec<SuiteEntry>,
    /// Sweep files whose runs are scored with the scenarios' (run first).
    #[serde(default)]
    pub sweeps: Vec<SuiteSweep>,
}

/// One sweep of a suite.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteSweep {
    pub path: PathBuf,
}

/// One scenario of a suite.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteEntry {
    pub path: PathBuf,
    #[serde(default = "default_adapter")]
    pub adapter: String,
    #[serde(default)]
    pub adapter_config: Option<PathBuf>,
    #[serde(default = "default_seeds")]
    pub seeds: Vec<u64>,
    #[serde(default)]
    pub reproduce: bool,
}

fn default_adapter() -> String {
    "sim".into()
}

fn default_seeds() -> Vec<u64> {
    vec![1]
}

impl Suite {
    /// Reads and checks a suite file.
    pub fn load(path: &Path) -> Result<Suite, ReportError> {
        let ps = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::Suite {
            path: ps.clone(),
            line: 0,
            field: "<file>".into(),
            message: e.to_string(),
        })?;
        Self::parse(&text, path)
    }

    /// Parses suite text; relative paths are resolved against `path`'s directory.
    pub fn parse(text: &str, path: &Path) -> Result<Suite, ReportError> {
        let ps = path.display().to_string();
        let mut s: Suite = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|sp| {
                    text[..sp.start.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
                })
                .unwrap_or(0);
            let field = e.message().split('`').nth(1).unwrap_or("<toml>").to_string();
            ReportError::Suite {
                path: ps.clone(),
                line,
                field,
                message: e.message().trim().to_string(),
            }
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let line_of = |needle: &str| {
            text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or(0)
        };
        if s.scenarios.is_empty() && s.sweeps.is_empty() {
            return Err(ReportError::Suite {
                path: ps,
                line: line_of("scenarios"),
                field: "scenarios".into(),
                message: "a suite lists at least one [[scenarios]] or [[sweeps]] entry".into(),
            });
        }
        for w in &mut s.sweeps {
            let raw = w.path.display().to_string();
            w.path = base.join(&w.path);
            if !w.path.is_file() {
                return Err(ReportError::Suite {
                    path: ps.clone(),
                    line: line_of(&raw),
                    field: "path".into(),
                    message: format!("{}: sweep file not found", w.path.display()),
                });
            }
        }
        for e in &mut s.scenarios {
            if e.seeds.is_empty() {
                return Err(ReportError::Suite {
                    path: ps.clone(),
                    line: line_of("seeds"),
                    field: "seeds".into(),
                    message: "at least one seed".into(),
                });
            }
            let raw = e.path.display().to_string();
            e.path = base.join(&e.path);
            if !e.path.is_file() {
                return Err(ReportError::Suite {
                    path: ps.clone(),
                    line: line_of(&raw),
                    field: "path".into(),
                    message: format!("{}: scenario file not found", e.path.display()),
                });
            }
            e.adapter_config = e.adapter_config.as_ref().map(|c| base.join(c));
        }
        s.rubric = s.rubric.as_ref().map(|r| base.join(r));
        Ok(s)
    }
}
