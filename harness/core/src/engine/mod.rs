//! The engine: runs one scenario × adapter × seed.
//!
//! Open loop: every transaction has an intended send time from its phase's rate controller, and
//! latency is measured from it, so a lagging generator cannot hide a slow chain. How late the
//! generator was (p99, max) is recorded and the run is flagged when it fell behind. The adapter
//! owns the clock ([`Adapter::now`] / [`Adapter::advance`]), so the same loop runs in virtual
//! time on the simulator and in wall time on real chains.

mod faults;
mod recorder;

pub use faults::{FaultRecord, FaultStatus, FaultTimeline};

use crate::adapter::{
    Adapter, AdapterError, Capabilities, EventSink, Setup, StateSnapshot, SubmitAck, SystemInfo,
    TxRequest,
};
use crate::ids::TxId;
use crate::metrics::{
    LatencyHistogram, LatencySummary, PhaseMetrics, PhaseSummary, SecondStats, SeriesRecorder,
};
use crate::program::{self, CaseResult};
use crate::scenario::Scenario;
use crate::seed::Seed;
use crate::time::{Nanos, NS_PER_MS, NS_PER_S};
use crate::trace::{TraceEvent, TraceSink};
use crate::workload::Schedule;
use recorder::{Recorder, TxState};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// A generator more than this late at p99 "fell behind" its schedule.
pub const LAG_TOLERANCE: Nanos = 10 * NS_PER_MS;

/// Live figures for a progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub now: Nanos,
    pub total: Nanos,
    pub submitted: u64,
    pub committed: u64,
    pub rejected: u64,
    pub outstanding: u64,
    /// Committed per second over the last full second.
    pub committed_rate: f64,
    pub offered_rate: f64,
    pub p99_so_far: Nanos,
}

/// Receives progress about once per second of run time.
pub trait ProgressObserver {
    fn update(&mut self, p: &Progress);
}

/// Options of a run.
#[derive(Default)]
pub struct RunOptions<'a> {
    pub progress: Option<&'a mut dyn ProgressObserver>,
    /// Set (e.g. by Ctrl-C) to stop the run early; partial results are kept.
    pub stop: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions").finish_non_exhaustive()
    }
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EndReason {
    Completed,
    Interrupted,
    AdapterFailed { message: String },
}

/// How well the generator kept its schedule (open-loop phases).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeneratorLag {
    pub p50_ns: Nanos,
    pub p99_ns: Nanos,
    pub max_ns: Nanos,
    pub fell_behind: bool,
}

/// Everything measured by a run (the body of `run.json`'s metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    pub phases: Vec<PhaseSummary>,
    /// All measured (non-warm-up) phases together.
    pub measured: PhaseSummary,
    pub latency_cdf: Vec<crate::metrics::CdfPoint>,
    pub series: Vec<SecondStats>,
    pub generator: GeneratorLag,
    /// Outcomes the adapter reported for transactions never sent (a lying adapter).
    pub foreign_outcomes: u64,
    pub duplicate_outcomes: u64,
    /// The workload program and its conformance matrix (expected vs observed per case).
    #[serde(default)]
    pub program: String,
    #[serde(default)]
    pub conformance: Vec<CaseResult>,
    /// Program-specific results (e.g. dividend totals).
    #[serde(default)]
    pub program_summary: Option<serde_json::Value>,
}

/// The result of [`run`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub end: EndReason,
    pub system: SystemInfo,
    pub capabilities: Capabilities,
    pub metrics: RunMetrics,
    pub faults: Vec<FaultRecord>,
    /// Run time at the end (virtual in simulation).
    pub duration_ns: Nanos,
    #[serde(skip)]
    pub snapshots: Vec<StateSnapshot>,
}

/// Errors before the run could start (bad pairing of scenario and adapter, failed preparation).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "scenario {scenario:?} uses operation {op:?}, which adapter {adapter} does not support"
    )]
    Unsupported { scenario: String, adapter: String, op: String },
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    #[error("workload program: {0}")]
    Program(String),
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
    mut program: Box<dyn program::Program>,
    adapter: &mut dyn Adapter,
    seed: Seed,
    trace: &mut dyn TraceSink,
    mut opts: RunOptions<'_>,
) -> Result<RunResult, EngineError> {
    let caps = adapter.capabilities();
    for kind in program.operations() {
        if !caps.supports(kind) {
            return Err(EngineError::Unsupported {
                scenario: scenario.name.clone(),
                adapter: adapter.name().to_string(),
                op: format!("{kind:?} (program {})", program.name()).to_lowercase(),
            });
        }
    }
    // Faults the adapter does not declare are known now; they are recorded as not exercised
    // and never handed to its fault control.
    let has_fault_control = adapter.faults().is_some();
    let system = adapter.system_info();
    trace.emit(
        0,
        &TraceEvent::RunStart {
            protocol: &system.protocol,
            validators: &system.validators,
            quorum: system.quorum,
            seed: Some(seed.0),
            scenario: Some(&scenario.name),
            adapter: Some(&system.adapter),
        },
    );
    let w = &scenario.workload;
    let accounts: Vec<String> = (0..w.accounts).map(crate::ids::account_name).collect();
    let genesis = program.genesis();

    // Genesis: the starting balances, as issues committed at height 0 (the checker's convention).
    let mut next_id: u64 = 0;
    for (acct, asset, amount) in &genesis.balances {
        if *amount == 0 {
            continue;
        }
        let tx = TxId(next_id);
        next_id += 1;
        trace.emit(
            0,
            &TraceEvent::TxSubmit {
                tx,
                client: "genesis",
                op: "issue",
                from: None,
                to: Some(acct),
                asset: Some(asset),
                amount: Some(*amount),
                nonce: None,
                via: None,
                intended_ns: None,
                legs: &[],
            },
        );
        trace.emit(
            0,
            &TraceEvent::TxResult {
                tx,
                status: crate::trace::TxStatus::Committed,
                height: Some(0),
                reason: None,
                node: None,
            },
        );
    }
    let setup = Setup { seed, accounts: accounts.clone(), assets: w.assets.clone(), genesis };

    let phases_len: Vec<Nanos> = w.phases.iter().map(|p| p.duration).collect();
    let total: Nanos = phases_len.iter().sum();
    let closed_interval = w
        .phases
        .iter()
        .map(|p| match p.rate {
            crate::scenario::RateSpec::Closed { .. } => Some(NS_PER_MS),
            _ => None,
        })
        .collect();
    let mut rec = Recorder {
        trace,
        first_id: next_id,
        txs: Vec::new(),
        phases: w
            .phases
            .iter()
            .map(|p| PhaseMetrics {
                name: p.name.clone(),
                warmup: p.warmup,
                closed_loop: matches!(p.rate, crate::scenario::RateSpec::Closed { .. }),
                ..Default::default()
            })
            .collect(),
        series: SeriesRecorder::new(),
        outstanding: 0,
        cursor: 0,
        foreign_outcomes: 0,
        duplicate_outcomes: 0,
        closed_interval,
        cases: std::collections::BTreeMap::new(),
        conformance: Vec::new(),
        program_feedback: Vec::new(),
    };
    adapter.prepare(&setup, &mut rec)?;

    let mut lag = LatencyHistogram::new();
    let clients = w.clients.max(1);
    let mut end = EndReason::Completed;
    let stop = opts.stop;
    let stopped = || stop.is_some_and(|s| s.load(Ordering::Relaxed));
    // Run time starts when the adapter is ready: phase offsets are relative to this.
    let t0 = adapter.now();
    let mut timeline = FaultTimeline::new(&scenario.faults, &scenario.network.link, t0);
    timeline.refuse_undeclared(&caps, has_fault_control, adapter.name());
    let mut next_progress = t0 + NS_PER_S;
    let mut last_committed = 0u64;
    let mut last_submitted = 0u64;
    let timeout = w.timeout;

    let mut phase_start = t0;
    'phases: for (pi, phase) in w.phases.iter().enumerate() {
        let phase_end = phase_start + phase.duration;
        rec.phases[pi].start = phase_start;
        rec.phases[pi].end = phase_end;
        let mut sched = Schedule::new(
            &phase.rate,
            phase.duration,
            seed.stream(&format!("workload/phase/{pi}")),
        );
        let closed = match phase.rate {
            crate::scenario::RateSpec::Closed { concurrency } => Some(concurrency as u64),
            _ => None,
        };
        let mut next_intended =
            if closed.is_some() { None } else { sched.next_offset().map(|o| phase_start + o) };
        loop {
            if stopped() {
                end = EndReason::Interrupted;
                break 'phases;
            }
            let now = adapter.now();
            timeline.apply_due(now, adapter, &mut rec);
            rec.expire(now, timeout);
            if now >= next_progress {
                if let Some(p) = opts.progress.as_deref_mut() {
                    let (sub, com) = totals(&rec.phases);
                    p.update(&Progress {
                        now: now - t0,
                        total,
                        submitted: sub,
                        committed: com,
                        rejected: rec.phases.iter().map(|m| m.rejected).sum(),
                        outstanding: rec.outstanding,
                        committed_rate: (com - last_committed) as f64,
                        offered_rate: (sub - last_submitted) as f64,
                        p99_so_far: p99_measured(&rec.phases),
                    });
                    last_committed = com;
                    last_submitted = sub;
                }
                next_progress = now + NS_PER_S;
            }
            // What is due next?
            let due = match closed {
                Some(conc) => {
                    if now >= phase_end {
                        break;
                    }
                    if rec.outstanding < conc {
                        Some(now)
                    } else {
                        None
                    }
                }
                None => match next_intended {
                    None => {
                        if now >= phase_end {
                            break;
                        }
                        None
                    }
                    Some(t) => Some(t),
                },
            };
            if let Some(t) = due.filter(|&t| t <= now) {
                feed_program(program.as_mut(), &mut rec);
                let ptx = match program.next(pi, now) {
                    program::Next::Send(ptx) => *ptx,
                    program::Next::Skip => {
                        if closed.is_some() {
                            // Closed loop: wait for an outcome (or the phase end) before asking again.
                            if let Err(e) = adapter
                                .advance((now + NS_PER_MS).min(phase_end).max(now + 1), &mut rec)
                            {
                                end = EndReason::AdapterFailed { message: e.to_string() };
                                break 'phases;
                            }
                        } else {
                            next_intended = sched.next_offset().map(|o| phase_start + o);
                        }
                        continue;
                    }
                    program::Next::Done => {
                        // The program has nothing more for this phase: idle until it ends.
                        next_intended = None;
                        if closed.is_some() {
                            if let Err(e) = adapter.advance(phase_end.max(now + 1), &mut rec) {
                                end = EndReason::AdapterFailed { message: e.to_string() };
                                break 'phases;
                            }
                        }
                        continue;
                    }
                };
                let program::ProgramTx { op, nonce, via, case } = ptx;
                let id = TxId(rec.first_id + rec.txs.len() as u64);
                let client = (id.0 % clients as u64) as u32;
                program.sent(id);
                lag.record(now - t);
                if let Some(mut c) = case {
                    match adapter.precheck(&op) {
                        Ok(Some(p)) => c.predicted = Some(program::Expected::from_result(p)),
                        Ok(None) => {}
                        Err(e) => {
                            end = EndReason::AdapterFailed { message: e.to_string() };
                            break 'phases;
                        }
                    }
                    rec.cases.insert(id.0, c);
                }
                rec.txs.push(TxState {
                    intended: t,
                    phase: pi as u16,
                    done: false,
                    timed_out: false,
                });
                rec.outstanding += 1;
                let m = &mut rec.phases[pi];
                m.submitted += 1;
                m.first_submit.get_or_insert(now);
                rec.series.offered(t);
                let client_name = ClientName(client);
                rec.trace.emit(
                    now,
                    &TraceEvent::TxSubmit {
                        tx: id,
                        client: client_name.as_str(&mut [0u8; 16]),
                        op: op.name(),
                        from: op.from(),
                        to: op.to(),
                        asset: op.asset(),
                        amount: op.amount(),
                        nonce,
                        via: via.as_deref(),
                        intended_ns: Some(t),
                        legs: op.legs(),
                    },
                );
                let req = TxRequest { id, client, op, nonce, via, intended: t };
                match adapter.submit(&req, &mut rec) {
                    Ok(SubmitAck::Accepted { .. }) => {
                        rec.phases[pi].accepted += 1;
                        rec.series.accepted(now);
                    }
                    Ok(SubmitAck::Rejected { reason }) => {
                        rec.outcome(crate::adapter::Outcome {
                            tx: id,
                            status: crate::adapter::OutcomeStatus::Rejected { reason },
                            at: now,
                            node: None,
                        });
                    }
                    Err(e) => {
                        end = EndReason::AdapterFailed { message: e.to_string() };
                        break 'phases;
                    }
                }
                if closed.is_none() {
                    next_intended = sched.next_offset().map(|o| phase_start + o);
                }
                continue;
            }
            // Nothing due now: let the chain progress until the next thing we must do.
            let mut until = phase_end;
            if let Some(t) = due {
                until = until.min(t);
            }
            if let Some(t) = timeline.next_time() {
                until = until.min(t);
            }
            if let Some(t) = oldest_deadline(&rec, timeout) {
                until = until.min(t);
            }
            until = until.min(next_progress).max(now + 1);
            if let Err(e) = adapter.advance(until, &mut rec) {
                end = EndReason::AdapterFailed { message: e.to_string() };
                break 'phases;
            }
        }
        phase_start = phase_end;
    }
    // Drain: wait for outstanding outcomes, keep applying faults that fall in the drain window.
    if end == EndReason::Completed {
        let drain_end = phase_start + w.drain;
        loop {
            if stopped() {
                end = EndReason::Interrupted;
                break;
            }
            let now = adapter.now();
            timeline.apply_due(now, adapter, &mut rec);
            rec.expire(now, timeout);
            if rec.outstanding == 0 || now >= drain_end {
                break;
            }
            let mut until = drain_end;
            if let Some(t) = timeline.next_time() {
                until = until.min(t);
            }
            if let Some(t) = oldest_deadline(&rec, timeout) {
                until = until.min(t);
            }
            if let Err(e) = adapter.advance(until.max(now + 1), &mut rec) {
                end = EndReason::AdapterFailed { message: e.to_string() };
                break;
            }
        }
    }
    let now = adapter.now();
    let why = match &end {
        EndReason::Completed => "TIMEOUT",
        EndReason::Interrupted => "INTERRUPTED",
        EndReason::AdapterFailed { .. } => "ADAPTER_FAILED",
    };
    rec.expire_all(now, why);
    feed_program(program.as_mut(), &mut rec);
    let snapshots = if caps.state_reads && !matches!(end, EndReason::AdapterFailed { .. }) {
        match adapter.snapshot(&accounts) {
            Ok(s) => s,
            Err(e) => {
                end = EndReason::AdapterFailed { message: e.to_string() };
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    for s in &snapshots {
        rec.trace.emit(
            now,
            &TraceEvent::StateSnapshot {
                node: &s.node,
                height: s.height,
                app_hash: s.app_hash.as_deref(),
                supply: &s.supply,
                balances: &s.balances,
            },
        );
    }
    if let Err(e) = adapter.shutdown(&mut rec) {
        if end == EndReason::Completed {
            end = EndReason::AdapterFailed { message: e.to_string() };
        }
    }
    let end_reason = match &end {
        EndReason::Completed => "completed".to_string(),
        EndReason::Interrupted => "interrupted".to_string(),
        EndReason::AdapterFailed { message } => format!("adapter failed: {message}"),
    };
    rec.trace.emit(adapter.now(), &TraceEvent::RunEnd { reason: Some(&end_reason) });

    let lag_s = lag.summary();
    let any_open =
        w.phases.iter().any(|p| !matches!(p.rate, crate::scenario::RateSpec::Closed { .. }));
    let generator = GeneratorLag {
        p50_ns: lag_s.p50_ns,
        p99_ns: lag_s.p99_ns,
        max_ns: lag_s.max_ns,
        fell_behind: any_open && lag_s.p99_ns > LAG_TOLERANCE,
    };
    let mut measured =
        PhaseMetrics { name: "measured".into(), start: Nanos::MAX, ..Default::default() };
    for m in rec.phases.iter().filter(|m| !m.warmup) {
        if measured.start == Nanos::MAX {
            measured.start = m.start;
        }
        measured.merge(m);
    }
    if measured.start == Nanos::MAX {
        measured.start = 0;
    }
    let metrics = RunMetrics {
        phases: rec.phases.iter().map(PhaseMetrics::summary).collect(),
        measured: measured.summary(),
        latency_cdf: measured.latency.cdf(),
        series: std::mem::take(&mut rec.series).finish(),
        generator,
        foreign_outcomes: rec.foreign_outcomes,
        duplicate_outcomes: rec.duplicate_outcomes,
        program: program.name().to_string(),
        conformance: {
            let mut c = std::mem::take(&mut rec.conformance);
            c.extend(program.results());
            c
        },
        program_summary: program.summary(),
    };
    Ok(RunResult {
        end,
        system: adapter.system_info(),
        capabilities: caps,
        metrics,
        faults: timeline.records,
        duration_ns: now,
        snapshots,
    })
}

/// Hands the program the outcomes of its transactions observed since the last call.
fn feed_program(program: &mut dyn program::Program, rec: &mut Recorder<'_>) {
    for (id, status, notice) in rec.program_feedback.drain(..) {
        program.observe_notice(id, &status, notice);
    }
}

fn totals(phases: &[PhaseMetrics]) -> (u64, u64) {
    phases.iter().fold((0, 0), |(s, c), m| (s + m.submitted, c + m.committed))
}

fn p99_measured(phases: &[PhaseMetrics]) -> Nanos {
    phases.iter().filter(|m| !m.warmup).map(|m| m.latency.quantile(0.99)).max().unwrap_or(0)
}

fn oldest_deadline(rec: &Recorder<'_>, timeout: Nanos) -> Option<Nanos> {
    rec.txs[rec.cursor..].iter().find(|t| !t.done).map(|t| t.intended.saturating_add(timeout))
}

/// `"c<n>"` without allocating.
struct ClientName(u32);

impl ClientName {
    fn as_str<'b>(&self, buf: &'b mut [u8; 16]) -> &'b str {
        buf[0] = b'c';
        let mut ib = itoa::Buffer::new();
        let s = ib.format(self.0).as_bytes();
        buf[1..1 + s.len()].copy_from_slice(s);
        std::str::from_utf8(&buf[..1 + s.len()]).expect("ASCII")
    }
}

impl LatencySummary {
    /// Convenience for criteria: the value of a named percentile.
    pub fn get(&self, name: &str) -> Option<Nanos> {
        Some(match name {
            "p50" => self.p50_ns,
            "p90" => self.p90_ns,
            "p99" => self.p99_ns,
            "p999" => self.p999_ns,
            "max" => self.max_ns,
            _ => return None,
        })
    }
}
