//! `touchstone validate SCENARIO... [--adapter NAME]`: parse and check scripts without running
//! them — everything `run` would refuse: syntax, types, fields, ranges, the run's budget against
//! the limits of `docs/limits.md`, and what the adapter (default: the simulator) cannot run.
//! Prints each script's budget.

use crate::exit::{CmdResult, BAD_INPUT, PASS};
use clap::Args;
use std::path::PathBuf;
use touchstone_core::scenario::{self, bytes, thousands, Scenario, ScenarioError};
use touchstone_core::time::format_duration;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario scripts (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Also check that this adapter can run them (see `touchstone list adapters`).
    #[arg(long, default_value = crate::adapters::DEFAULT)]
    pub adapter: String,
}

pub fn exec(a: ValidateArgs) -> CmdResult {
    let factory = crate::adapters::find(&a.adapter)?;
    let mut code = PASS;
    for path in &a.scenarios {
        if crate::xchain::is_multi_chain(path) {
            match touchstone_xchain::load(path) {
                Ok((s, _)) if a.adapter == "sim" => outln!("{}", crate::xchain::ok_line(path, &s)),
                Ok(_) => {
                    eprintln!("{}: {}", path.display(), crate::xchain::SIM_ONLY);
                    code = BAD_INPUT;
                }
                Err(e) => {
                    for d in e.diagnostics() {
                        eprintln!("{d}");
                    }
                    if e.diagnostics().is_empty() {
                        eprintln!("{e}");
                    }
                    code = BAD_INPUT;
                }
            }
            continue;
        }
        match scenario::load(path) {
            Ok((s, _)) => match factory.check(&s) {
                Ok(()) => outln!("{}", ok_line(path, &s)),
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    code = BAD_INPUT;
                }
            },
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

/// `ok FILE: NAME (kind, …)` and the run's budget.
fn ok_line(path: &std::path::Path, s: &Scenario) -> String {
    let b = s.budget();
    format!(
        "ok {}: {} ({}, {} validators {}, {} phases over {}, {} faults)\n   budget: {} with drain, \
         ~{} transactions, ~{} trace events, ~{} trace, ~{} memory",
        path.display(),
        s.name,
        s.kind.as_str(),
        s.network.validators,
        s.network.protocol,
        s.workload.phases.len(),
        format_duration(s.workload.duration()),
        s.faults.len(),
        format_duration(b.run_ns),
        thousands(b.transactions),
        thousands(b.events),
        bytes(b.trace_bytes),
        bytes(b.memory_bytes),
    )
}
