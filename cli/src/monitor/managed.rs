//! A network the monitor starts itself and observes through any adapter (`--adapter NAME
//! --scenario FILE`): the scenario's network and genesis, no load, faults left out, run until
//! the monitor stops; or, with `--with-load`, the scenario's whole run (load and faults) watched
//! live as it happens. The engine drives the adapter as in a run whose one phase never sends,
//! so every adapter that can run a scenario can be watched: the simulated network (paced to
//! the wall clock, so it is live), the Simplex processes, an etcd cluster behind the process
//! adapter. Its trace lines go to the monitor one by one as the engine writes them.

use super::source::Msg;
use crate::exit::Failure;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use touchstone_core::adapter::{
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, Setup, StateSnapshot, SubmitAck,
    SystemInfo, TxRequest,
};
use touchstone_core::engine::{self, EndReason, RunOptions};
use touchstone_core::ledger::Genesis;
use touchstone_core::program::{Next, Program};
use touchstone_core::scenario::limits::RunLimits;
use touchstone_core::scenario::{Phase, RateSpec, Scenario};
use touchstone_core::time::{Nanos, NS_PER_S};
use touchstone_core::trace::{TraceEvent, TraceSink};
use touchstone_core::Seed;

/// What to start and observe.
#[derive(Debug, Clone)]
pub struct Managed {
    pub adapter: String,
    pub config: Option<PathBuf>,
    pub scenario: Box<Scenario>,
    pub seed: u64,
    /// Run the scenario's own load and faults (a live run, watched), instead of none.
    pub with_load: bool,
}

/// How often the engine asks the idle program (and so how often lines come in a burst).
const TICKS_PER_S: f64 = 10.0;

/// Builds the adapter (so a bad configuration fails the monitor at once) and starts the
/// engine on a thread; `stop` ends the run, whose `run.end` is then the last line sent.
pub fn start(
    m: &Managed,
    out: SyncSender<Msg>,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<()>, Failure> {
    crate::adapters::find(&m.adapter)?
        .check(&m.scenario)
        .map_err(|e| Failure::bad_input(format!("--adapter {}: {e}", m.adapter)))?;
    let m = m.clone();
    let mut scenario = (*m.scenario).clone();
    if !m.with_load {
        // One phase that never sends and lasts until stopped; no fault.
        scenario.faults.clear();
        scenario.workload.phases = vec![Phase {
            name: "observe".into(),
            duration: 100 * 365 * 86_400 * NS_PER_S,
            warmup: false,
            rate: RateSpec::Constant { tps: TICKS_PER_S },
        }];
    }
    std::thread::Builder::new()
        .name("managed-network".into())
        .spawn(move || {
            let why = match observe(&m, &scenario, &out, &stop) {
                Ok(()) if m.with_load => Msg::End("the scenario's run ended".into()),
                Ok(()) => Msg::End("the observed network was stopped".into()),
                Err(e) => Msg::Failed(e),
            };
            let _ = out.send(why);
        })
        .map_err(|e| Failure::harness(format!("cannot start the managed network: {e}")))
}

fn observe(
    m: &Managed,
    scenario: &Scenario,
    out: &SyncSender<Msg>,
    stop: &AtomicBool,
) -> Result<(), String> {
    let factory = crate::adapters::find(&m.adapter).map_err(|f| f.message)?;
    let inner =
        factory.build(scenario, m.config.as_deref()).map_err(|e| format!("{}: {e}", m.adapter))?;
    let program = touchstone_core::program::build(
        &scenario.workload,
        Seed(m.seed),
        scenario.network.validators,
    )
    .map_err(|errs| format!("{} parameter errors in the workload", errs.len()))?;
    let mut adapter = Paced { inner, start: None };
    let mut sink = Lines { out, last_t: 0, seq: 0, bytes: 0 };
    let unlimited = RunLimits {
        max_events: u64::MAX,
        max_trace_bytes: u64::MAX,
        max_events_per_sim_second: u64::MAX,
        max_bytes_per_sim_second: u64::MAX,
    };
    let opts = RunOptions { stop: Some(stop), limits: unlimited, ..Default::default() };
    let program: Box<dyn Program> =
        if m.with_load { program } else { Box::new(Idle { genesis_of: program }) };
    let r = engine::run_program(scenario, program, &mut adapter, Seed(m.seed), &mut sink, opts)
        .map_err(|e| e.to_string())?;
    if stop.load(Ordering::SeqCst) || (m.with_load && r.end == EndReason::Completed) {
        return Ok(());
    }
    Err(format!("the observed network's run ended: {:?}", r.end))
}

/// The scenario's genesis, and never a transaction.
#[derive(Debug)]
struct Idle {
    genesis_of: Box<dyn Program>,
}

impl Program for Idle {
    fn name(&self) -> &'static str {
        "observe"
    }
    fn genesis(&mut self) -> Genesis {
        self.genesis_of.genesis()
    }
    fn operations(&self) -> Vec<touchstone_core::ledger::OpKind> {
        Vec::new()
    }
    fn next(&mut self, _phase: usize, _now: Nanos) -> Next {
        Next::Skip
    }
}

/// Each trace line, encoded as the run's writer would, sent on at once.
struct Lines<'a> {
    out: &'a SyncSender<Msg>,
    last_t: Nanos,
    seq: u64,
    bytes: u64,
}

impl TraceSink for Lines<'_> {
    fn emit(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        let t = t.max(self.last_t);
        self.last_t = t;
        self.seq += 1;
        let mut l = Vec::with_capacity(256);
        ev.encode(t, self.seq, &mut l);
        l.push(b'\n');
        self.bytes += l.len() as u64;
        // A monitor that has stopped reading has stopped: the run's stop flag ends the engine.
        let _ = self.out.send(Msg::Line(l));
    }

    fn bytes_written(&self) -> Option<u64> {
        Some(self.bytes)
    }
}

/// An adapter whose clock cannot run ahead of the wall clock: a simulated network advances in
/// virtual time as fast as it can, and observed live it must advance as time passes. A real
/// network's adapter already waits for its clock, so nothing is slept there.
struct Paced {
    inner: Box<dyn Adapter>,
    /// The wall clock and the adapter's clock when pacing began.
    start: Option<(Instant, Nanos)>,
}

impl Adapter for Paced {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn system_info(&self) -> SystemInfo {
        self.inner.system_info()
    }
    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.inner.prepare(setup, sink)
    }
    fn now(&self) -> Nanos {
        self.inner.now()
    }
    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        self.inner.submit(tx, sink)
    }
    #[allow(clippy::disallowed_methods)] // pacing a live observation by the wall clock
    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        let (w0, v0) = *self.start.get_or_insert_with(|| (Instant::now(), self.inner.now()));
        let due = w0 + Duration::from_nanos(until.saturating_sub(v0));
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        self.inner.advance(until, sink)
    }
    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        None
    }
    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        self.inner.snapshot(accounts)
    }
    fn shutdown(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.inner.shutdown(sink)
    }
}
