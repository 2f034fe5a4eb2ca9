//! Step 4 of a run, which always happens: whatever is unresolved becomes `unknown`, the state is
//! read, the adapter shut down, `run.end` written and the measurements summarised.

use super::result::{EndReason, GeneratorLag, RunMetrics, RunResult};
use super::run::Run;
use super::LAG_TOLERANCE;
use crate::adapter::StateSnapshot;
use crate::metrics::{LatencyHistogram, PhaseMetrics};
use crate::scenario::{Phase, RateSpec};
use crate::time::Nanos;
use crate::trace::{TraceEvent, TraceSink};

impl Run<'_, '_> {
    /// Ends the run as `end` says (a failure while reading the state or shutting down turns a
    /// completed run into a failed one) and returns everything measured.
    pub(super) fn finish(mut self, mut end: EndReason) -> RunResult {
        let now = self.adapter.now();
        let why = match &end {
            EndReason::Completed => "TIMEOUT",
            EndReason::Interrupted | EndReason::LimitExceeded { .. } => "INTERRUPTED",
            EndReason::AdapterFailed { .. } => "ADAPTER_FAILED",
        };
        self.rec.expire_all(now, why);
        self.feed_program();
        let snapshots = self.read_state(now, &mut end);
        if let Err(e) = self.adapter.shutdown(&mut self.rec) {
            if end == EndReason::Completed {
                end = EndReason::AdapterFailed { message: e.to_string() };
            }
        }
        let end_reason = match &end {
            EndReason::Completed => "completed".to_string(),
            EndReason::Interrupted => "interrupted".to_string(),
            EndReason::AdapterFailed { message } => format!("adapter failed: {message}"),
            EndReason::LimitExceeded { message } => format!("limit exceeded: {message}"),
        };
        self.rec.trace.emit(self.adapter.now(), &TraceEvent::RunEnd { reason: Some(&end_reason) });
        let metrics = self.metrics();
        RunResult {
            end,
            system: self.adapter.system_info(),
            capabilities: self.caps,
            metrics,
            faults: self.timeline.records,
            duration_ns: now,
            snapshots,
        }
    }

    /// The chain's state for the ledger checks (unless the adapter cannot read it or failed),
    /// written to the trace at `now`.
    fn read_state(&mut self, now: Nanos, end: &mut EndReason) -> Vec<StateSnapshot> {
        if !self.caps.state_reads || matches!(end, EndReason::AdapterFailed { .. }) {
            return Vec::new();
        }
        let snapshots = match self.adapter.snapshot(&self.accounts) {
            Ok(s) => s,
            Err(e) => {
                *end = EndReason::AdapterFailed { message: e.to_string() };
                Vec::new()
            }
        };
        for s in &snapshots {
            self.rec.trace.emit(
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
        snapshots
    }

    /// Per phase, all measured phases together, the generator's lag and the program's results.
    fn metrics(&mut self) -> RunMetrics {
        let measured = merge_measured(&self.rec.phases);
        let mut conformance = std::mem::take(&mut self.rec.conformance);
        conformance.extend(self.program.results());
        RunMetrics {
            phases: self.rec.phases.iter().map(PhaseMetrics::summary).collect(),
            measured: measured.summary(),
            latency_cdf: measured.latency.cdf(),
            series: std::mem::take(&mut self.rec.series).finish(),
            generator: generator_lag(&self.lag, &self.scenario.workload.phases),
            foreign_outcomes: self.rec.foreign_outcomes,
            duplicate_outcomes: self.rec.duplicate_outcomes,
            program: self.program.name().to_string(),
            conformance,
            program_summary: self.program.summary(),
        }
    }
}

/// The non-warm-up phases as one.
fn merge_measured(phases: &[PhaseMetrics]) -> PhaseMetrics {
    let mut measured =
        PhaseMetrics { name: "measured".into(), start: Nanos::MAX, ..Default::default() };
    for m in phases.iter().filter(|m| !m.warmup) {
        if measured.start == Nanos::MAX {
            measured.start = m.start;
        }
        measured.merge(m);
    }
    if measured.start == Nanos::MAX {
        measured.start = 0;
    }
    measured
}

/// How late the generator sent; it fell behind when an open-loop phase ran late at p99.
fn generator_lag(lag: &LatencyHistogram, phases: &[Phase]) -> GeneratorLag {
    let s = lag.summary();
    let any_open = phases.iter().any(|p| !matches!(p.rate, RateSpec::Closed { .. }));
    GeneratorLag {
        p50_ns: s.p50_ns,
        p99_ns: s.p99_ns,
        max_ns: s.max_ns,
        fell_behind: any_open && s.p99_ns > LAG_TOLERANCE,
    }
}
