//! Step 1 of a run: refuse a pairing that cannot work, settle the faults the adapter cannot
//! inject, write `run.start` and the genesis, and let the adapter prepare.

use super::faults::FaultTimeline;
use super::progress::ProgressReporter;
use super::recorder::Recorder;
use super::result::EngineError;
use super::run::Run;
use super::watchdog::Watchdog;
use super::RunOptions;
use crate::adapter::{Adapter, Capabilities, Setup};
use crate::ids::TxId;
use crate::ledger::Genesis;
use crate::metrics::LatencyHistogram;
use crate::program::Program;
use crate::scenario::Scenario;
use crate::seed::Seed;
use crate::trace::{TraceEvent, TraceSink};

impl<'a, 'o> Run<'a, 'o> {
    /// Starts a run: nothing is sent yet, and an `Err` leaves no run behind.
    pub(super) fn start(
        scenario: &'a Scenario,
        mut program: Box<dyn Program>,
        adapter: &'a mut dyn Adapter,
        seed: Seed,
        trace: &'a mut dyn TraceSink,
        opts: RunOptions<'o>,
    ) -> Result<Self, EngineError> {
        let caps = adapter.capabilities();
        refuse_missing_operations(scenario, program.as_ref(), adapter.name(), &caps)?;
        // Faults the adapter does not declare are known now: recorded as not exercised, they
        // never reach its fault control.
        let mut timeline = FaultTimeline::new(&scenario.faults, &scenario.network.link);
        let has_fault_control = adapter.faults().is_some();
        timeline.refuse_undeclared(&caps, has_fault_control, adapter.name());

        let system = adapter.system_info();
        let mut trace = Watchdog::new(trace, opts.limits);
        trace.emit(
            0,
            &TraceEvent::RunStart {
                protocol: &system.protocol,
                validators: &system.validators,
                quorum: system.quorum,
                seed: Some(seed.0),
                scenario: Some(&scenario.name),
                adapter: Some(&system.adapter),
                family: system.details.get(crate::adapter::DETAIL_FAMILY).map(String::as_str),
                timeout_ns: system
                    .details
                    .get(crate::adapter::DETAIL_TIMEOUT_NS)
                    .and_then(|t| t.parse().ok()),
            },
        );
        let w = &scenario.workload;
        let accounts: Vec<String> = (0..w.accounts).map(crate::ids::account_name).collect();
        let genesis = program.genesis();
        let first_id = write_genesis(&mut trace, &genesis);
        let setup = Setup { seed, accounts: accounts.clone(), assets: w.assets.clone(), genesis };
        let mut rec = Recorder::new(trace, first_id, w);
        adapter.prepare(&setup, &mut rec)?;

        // Run time starts when the adapter is ready: phase offsets are relative to this.
        let t0 = adapter.now();
        timeline.schedule_from(t0);
        let total = w.phases.iter().map(|p| p.duration).sum();
        Ok(Run {
            scenario,
            program,
            adapter,
            seed,
            caps,
            accounts,
            rec,
            timeline,
            lag: LatencyHistogram::new(),
            progress: ProgressReporter::new(opts.progress, t0, total),
            stop: opts.stop,
            t0,
        })
    }
}

/// The engine refuses to start when the adapter lacks an operation kind the program sends.
fn refuse_missing_operations(
    scenario: &Scenario,
    program: &dyn Program,
    adapter: &str,
    caps: &Capabilities,
) -> Result<(), EngineError> {
    match program.operations().into_iter().find(|&kind| !caps.supports(kind)) {
        None => Ok(()),
        Some(kind) => Err(EngineError::Unsupported {
            scenario: scenario.name.clone(),
            adapter: adapter.to_string(),
            op: format!("{kind:?} (program {})", program.name()).to_lowercase(),
        }),
    }
}

/// The starting balances, as issues committed at height 0 (the checker's convention). Returns
/// the first id left for the workload's transactions.
fn write_genesis(trace: &mut dyn TraceSink, genesis: &Genesis) -> u64 {
    let mut next_id: u64 = 0;
    for (acct, asset, amount) in genesis.balances.iter().filter(|(.., amount)| *amount != 0) {
        for ev in TraceEvent::genesis_issue(TxId(next_id), acct, asset, *amount) {
            trace.emit(0, &ev);
        }
        next_id += 1;
    }
    next_id
}
