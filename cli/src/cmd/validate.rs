//! `touchstone validate SCENARIO...`: parse and check scripts without running them.

use crate::exit::{CmdResult, BAD_INPUT, PASS};
use clap::Args;
use std::path::PathBuf;
use touchstone_core::scenario::{self, ScenarioError};
use touchstone_core::time::format_duration;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario scripts (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

pub fn exec(a: ValidateArgs) -> CmdResult {
    let mut code = PASS;
    for path in &a.scenarios {
        match scenario::load(path) {
            Ok((s, _)) => outln!(
                "ok {}: {} ({}, {} validators {}, {} phases over {}, {} faults)",
                path.display(),
                s.name,
                s.kind.as_str(),
                s.network.validators,
                s.network.protocol,
                s.workload.phases.len(),
                format_duration(s.workload.duration()),
                s.faults.len()
            ),
            Err(ScenarioError::Io { path, source }) => {
                eprintln!("{path}: cannot read: {source}");
                code = BAD_INPUT;
            }
            Err(e @ ScenarioError::Input(_)) => {
                eprintln!("{e}");
                code = BAD_INPUT;
            }
            Err(e @ ScenarioError::Invalid { .. }) => {
                for d in e.diagnostics() {
                    eprintln!("{d}");
                }
                code = BAD_INPUT;
            }
        }
    }
    Ok(code)
}
