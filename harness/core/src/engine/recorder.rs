//! The engine's [`EventSink`]: outcomes → metrics and `tx.result` lines; adapter events → trace.

use super::watchdog::Watchdog;
use crate::adapter::{EventSink, Outcome, OutcomeStatus};
use crate::ids::TxId;
use crate::metrics::{PhaseMetrics, SeriesRecorder};
use crate::scenario::{Phase, RateSpec, WorkloadSpec};
use crate::time::{Nanos, NS_PER_MS};
use crate::trace::{TraceEvent, TraceSink, TxStatus};

/// Per-transaction bookkeeping, indexed by workload tx number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TxState {
    pub intended: Nanos,
    pub phase: u16,
    pub done: bool,
    pub timed_out: bool,
}

pub(crate) struct Recorder<'t> {
    /// The run's trace, through the watchdog of the run-time limits.
    pub trace: Watchdog<'t>,
    pub first_id: u64,
    pub txs: Vec<TxState>,
    pub phases: Vec<PhaseMetrics>,
    pub series: SeriesRecorder,
    pub outstanding: u64,
    /// Oldest transaction that may still be unresolved.
    pub cursor: usize,
    /// Outcomes for ids the engine never sent (an adapter that lies).
    pub foreign_outcomes: u64,
    /// Second outcome for an already-resolved tx.
    pub duplicate_outcomes: u64,
    /// Expected interval of closed-loop phases (for coordinated-omission correction), per phase.
    pub closed_interval: Vec<Option<Nanos>>,
    /// Conformance cases awaiting their outcome, by tx id.
    pub cases: std::collections::BTreeMap<u64, crate::program::Case>,
    pub conformance: Vec<crate::program::CaseResult>,
    /// Outcomes to hand back to the workload program, with their notice time (intended send →
    /// outcome observed).
    pub program_feedback: Vec<(TxId, OutcomeStatus, Nanos)>,
}

impl std::fmt::Debug for Recorder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("txs", &self.txs.len()).finish()
    }
}

impl<'t> Recorder<'t> {
    /// A recorder for `workload`'s phases, numbering the workload's transactions from `first_id`
    /// (the genesis issues come first).
    pub fn new(trace: Watchdog<'t>, first_id: u64, workload: &WorkloadSpec) -> Self {
        let closed = |p: &Phase| matches!(p.rate, RateSpec::Closed { .. });
        Recorder {
            trace,
            first_id,
            txs: Vec::new(),
            phases: workload
                .phases
                .iter()
                .map(|p| PhaseMetrics {
                    name: p.name.clone(),
                    warmup: p.warmup,
                    closed_loop: closed(p),
                    ..Default::default()
                })
                .collect(),
            series: SeriesRecorder::new(),
            outstanding: 0,
            cursor: 0,
            foreign_outcomes: 0,
            duplicate_outcomes: 0,
            closed_interval: workload
                .phases
                .iter()
                .map(|p| closed(p).then_some(NS_PER_MS))
                .collect(),
            cases: std::collections::BTreeMap::new(),
            conformance: Vec::new(),
            program_feedback: Vec::new(),
        }
    }

    /// When the oldest unresolved transaction times out, if any.
    pub fn oldest_deadline(&self, timeout: Nanos) -> Option<Nanos> {
        self.txs[self.cursor..].iter().find(|t| !t.done).map(|t| t.intended.saturating_add(timeout))
    }

    /// Declares `unknown` every transaction sent more than `timeout` before `now`.
    pub fn expire(&mut self, now: Nanos, timeout: Nanos) {
        while self.cursor < self.txs.len() {
            let st = self.txs[self.cursor];
            if st.done {
                self.cursor += 1;
                continue;
            }
            if st.intended.saturating_add(timeout) > now {
                break;
            }
            self.mark_unknown(self.cursor, now, Some("TIMEOUT"));
            self.cursor += 1;
        }
    }

    /// Declares every unresolved transaction `unknown` (end of run, abort).
    pub fn expire_all(&mut self, now: Nanos, why: &str) {
        for i in self.cursor..self.txs.len() {
            if !self.txs[i].done {
                self.mark_unknown(i, now, Some(why));
            }
        }
        self.cursor = self.txs.len();
    }

    fn settle_case(&mut self, tx: TxId, status: OutcomeStatus, at: Nanos, intended: Nanos) {
        self.program_feedback.push((tx, status, at.saturating_sub(intended)));
        if let Some(case) = self.cases.remove(&tx.0) {
            let (observed, reason) = match status {
                OutcomeStatus::Committed { .. } => ("committed", None),
                OutcomeStatus::Rejected { reason } => ("rejected", Some(reason.code().to_string())),
                OutcomeStatus::Unknown => ("unknown", None),
            };
            self.conformance.push(crate::program::CaseResult {
                tx: tx.to_string(),
                passed: case.expected.matches(&status),
                indicator: case.indicator,
                label: case.label,
                expected: case.expected,
                observed: observed.to_string(),
                reason,
                notice_ns: Some(at.saturating_sub(intended)),
                predicted: case.predicted,
            });
        }
    }

    fn mark_unknown(&mut self, i: usize, now: Nanos, reason: Option<&str>) {
        let intended = self.txs[i].intended;
        self.settle_case(TxId(self.first_id + i as u64), OutcomeStatus::Unknown, now, intended);
        let st = &mut self.txs[i];
        st.done = true;
        st.timed_out = true;
        let phase = st.phase as usize;
        self.outstanding -= 1;
        let m = &mut self.phases[phase];
        m.unknown += 1;
        m.last_outcome = Some(m.last_outcome.unwrap_or(0).max(now));
        self.series.unknown(now);
        self.trace.emit(
            now,
            &TraceEvent::TxResult {
                tx: TxId(self.first_id + i as u64),
                status: TxStatus::Unknown,
                height: None,
                reason,
                node: None,
            },
        );
    }
}

impl EventSink for Recorder<'_> {
    fn outcome(&mut self, o: Outcome) {
        let Some(idx) =
            o.tx.0.checked_sub(self.first_id).map(|i| i as usize).filter(|&i| i < self.txs.len())
        else {
            self.foreign_outcomes += 1;
            return;
        };
        let st = self.txs[idx];
        let (status, height, reason) = match o.status {
            OutcomeStatus::Committed { height } => (TxStatus::Committed, Some(height), None),
            OutcomeStatus::Rejected { reason } => (TxStatus::Rejected, None, Some(reason)),
            OutcomeStatus::Unknown => (TxStatus::Unknown, None, None),
        };
        if st.done {
            if st.timed_out && status != TxStatus::Unknown {
                // The spec allows a transaction declared unknown to appear once, later.
                self.phases[st.phase as usize].late += 1;
                self.txs[idx].timed_out = false;
                self.trace.emit(
                    o.at,
                    &TraceEvent::TxResult {
                        tx: o.tx,
                        status,
                        height,
                        reason: reason.map(|r| r.code()),
                        node: o.node.as_deref(),
                    },
                );
            } else {
                self.duplicate_outcomes += 1;
            }
            return;
        }
        self.txs[idx].done = true;
        self.outstanding -= 1;
        self.settle_case(o.tx, o.status, o.at, st.intended);
        let phase = st.phase as usize;
        let m = &mut self.phases[phase];
        m.last_outcome = Some(m.last_outcome.unwrap_or(0).max(o.at));
        match o.status {
            OutcomeStatus::Committed { .. } => {
                m.committed += 1;
                let latency = o.at.saturating_sub(st.intended);
                match self.closed_interval[phase] {
                    Some(iv) => m.latency.record_correct(latency, iv),
                    None => m.latency.record(latency),
                }
                self.series.committed(o.at, latency);
            }
            OutcomeStatus::Rejected { reason } => {
                m.rejected += 1;
                *m.reasons.entry(reason).or_default() += 1;
                m.rejection_notice.record(o.at.saturating_sub(st.intended));
                self.series.rejected(o.at);
            }
            OutcomeStatus::Unknown => {
                m.unknown += 1;
                self.txs[idx].timed_out = true;
                self.series.unknown(o.at);
            }
        }
        self.trace.emit(
            o.at,
            &TraceEvent::TxResult {
                tx: o.tx,
                status,
                height,
                reason: reason.map(|r| r.code()),
                node: o.node.as_deref(),
            },
        );
    }

    fn trace(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        self.trace.emit(t, ev);
    }
}
