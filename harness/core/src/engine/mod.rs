//! The engine: runs one scenario × adapter × seed.
//!
//! Open loop: every transaction has an intended send time from its phase's rate controller, and
//! latency is measured from it, so a lagging generator cannot hide a slow chain. How late the
//! generator was (p99, max) is recorded and the run is flagged when it fell behind. The adapter
//! owns the clock ([`Adapter::now`] / [`Adapter::advance`]), so the same loop runs in virtual
//! time on the simulator and in wall time on real chains.

mod faults;
mod finish;
mod phase;
mod progress;
mod recorder;
mod result;
mod run;
mod start;
mod submit;
mod watchdog;

pub use faults::{FaultRecord, FaultStatus, FaultTimeline};
pub use progress::{Progress, ProgressObserver};
pub use result::{EndReason, EngineError, GeneratorLag, RunMetrics, RunResult};
pub use watchdog::WATCHDOG_STEP;

use crate::adapter::Adapter;
use crate::program;
use crate::scenario::Scenario;
use crate::seed::Seed;
use crate::time::{Nanos, NS_PER_MS};
use crate::trace::TraceSink;
use std::sync::atomic::AtomicBool;

/// A generator more than this late at p99 "fell behind" its schedule.
pub const LAG_TOLERANCE: Nanos = 10 * NS_PER_MS;

/// Options of a run.
#[derive(Default)]
pub struct RunOptions<'a> {
    pub progress: Option<&'a mut dyn ProgressObserver>,
    /// Set (e.g. by Ctrl-C) to stop the run early; partial results are kept.
    pub stop: Option<&'a AtomicBool>,
    /// What the watchdog stops the run at (default: the documented limits).
    pub limits: crate::scenario::limits::RunLimits,
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions").finish_non_exhaustive()
    }
}

/// Runs `scenario` against `adapter` with `seed`, writing the trace to `trace`.
///
/// `seed` is the run's only seed: the workload's streams derive from it, and the adapter receives
/// it in [`Setup::seed`] (adapters and their factories take none of their own).
///
/// Errors before the first transaction return `Err`; an adapter failure mid-run ends the run with
/// [`EndReason::AdapterFailed`] and keeps everything measured so far.
pub fn run(
    scenario: &Scenario,
    adapter: &mut dyn Adapter,
    seed: Seed,
    trace: &mut dyn TraceSink,
    opts: RunOptions<'_>,
) -> Result<RunResult, EngineError> {
    let program =
        program::build(&scenario.workload, seed, scenario.network.validators).map_err(|errs| {
            EngineError::Program(
                errs.into_iter().map(|(p, m)| format!("{p}: {m}")).collect::<Vec<_>>().join("; "),
            )
        })?;
    run_program(scenario, program, adapter, seed, trace, opts)
}

/// [`run`] with a workload program of the caller's (tests, custom programs).
pub fn run_program(
    scenario: &Scenario,
    program: Box<dyn program::Program>,
    adapter: &mut dyn Adapter,
    seed: Seed,
    trace: &mut dyn TraceSink,
    opts: RunOptions<'_>,
) -> Result<RunResult, EngineError> {
    Ok(run::Run::start(scenario, program, adapter, seed, trace, opts)?.execute())
}
