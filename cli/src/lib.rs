//! # touchstone: the command line, on top of every other crate
//!
//! The composition root of the harness: it picks an adapter by name (every adapter crate is a
//! dependency), runs scenarios through the engine of `touchstone-core`, checks the trace with
//! `touchstone-check`, scores the run with `touchstone-reports`, and maps the outcome to an exit
//! code. The `touchstone` binary only parses the command line and dispatches to [`cmd`]; what it
//! runs lives here, so it can be tested without spawning a process.
//!
//! ```
//! use std::sync::atomic::AtomicBool;
//! use touchstone::pipeline::{run_one, RunParams};
//! use touchstone_core::Seed;
//!
//! let tmp = tempfile::tempdir().unwrap();
//! let script = tmp.path().join("small.toml");
//! std::fs::write(&script, r#"name = "small"
//! kind = "payment"
//! [workload]
//! [[workload.phases]]
//! duration = "1s"
//! rate = { type = "constant", tps = 20 }
//! "#).unwrap();
//! let params = RunParams {
//!     scenario: script,
//!     adapter: "null".into(),
//!     adapter_config: None,
//!     seed: Seed(1),
//!     out: Some(tmp.path().join("run")),
//!     existing: touchstone_core::rundir::Existing::Refuse,
//!     quiet: true,
//!     profile: "vendor".into(),
//!     rubric: None,
//!     quick: false,
//! };
//! let run = run_one(&params, &AtomicBool::new(false)).unwrap();
//! assert_eq!(run.record.verdict.exit_code, touchstone::exit::PASS);
//! assert!(run.dir.join("manifest.json").is_file());
//! ```
//!
//! ## Layout
//! - [`pipeline`]: one run end to end, writing its run directory incrementally;
//! - [`verdict`]: the gate → exit-code rule; [`exit`]: the exit codes and the error carrying one;
//! - [`scoring`]: reports of runs and suites, the suite index, JUnit;
//! - [`sweep`]: a base scenario run over a grid of field values and seeds, the results and
//!   their page, plans for a cluster's scheduler;
//! - [`explore`]: randomized fault schedules searched in memory, a failure shrunk to a script;
//! - [`adapters`]: the adapters by name; [`environment`], [`progress`], [`interrupt`],
//!   [`summary`]: disclosure, the progress bar, signals (SIGINT, SIGTERM), the terminal summary;
//! - [`evidence`]: a run directory verified as evidence (digests, recomputed fingerprint and
//!   verdicts, signature) and the exit code of each class of problem; [`signing`]: minisign
//!   signatures of the manifest; [`output`]: stdout that fails with exit 3, never a panic;
//! - [`cmd`]: one file per subcommand (its clap arguments and what it does).
//!
//! ## Exit codes
//! 0 every gate and criterion met · 1 findings (a gate, criterion or conformance case failed) ·
//! 2 bad input or usage · 3 harness or adapter failure (the chain could not be driven), an
//! interrupted run, or a standard output that cannot be written.

#![deny(clippy::print_stdout)]

/// `println!` that returns exit 3 from the enclosing function when stdout is closed or full.
macro_rules! outln {
    ($($t:tt)*) => { $crate::output::stdoutln(format!($($t)*))? };
}

/// `print!` that returns exit 3 from the enclosing function when stdout is closed or full.
macro_rules! out {
    ($($t:tt)*) => { $crate::output::stdout(format!($($t)*))? };
}

pub mod adapters;
pub mod cmd;
pub mod environment;
pub mod evidence;
pub mod exit;
pub mod explore;
pub mod interrupt;
pub mod monitor;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod scoring;
pub mod signing;
pub mod summary;
pub mod sweep;
pub mod verdict;
pub mod xchain;
