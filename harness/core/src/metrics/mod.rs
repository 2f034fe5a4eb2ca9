//! Measurement: latency histograms, per-second series, per-phase counters.

mod histogram;
mod series;

pub use histogram::{CdfPoint, LatencyHistogram, LatencySummary};
pub use series::{SecondStats, SeriesRecorder};

use crate::reason::Reason;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counters and histograms of one phase (or of all measured phases merged).
#[derive(Debug, Clone, Default)]
pub struct PhaseMetrics {
    pub name: String,
    pub warmup: bool,
    pub closed_loop: bool,
    pub start: Nanos,
    pub end: Nanos,
    pub submitted: u64,
    pub accepted: u64,
    pub committed: u64,
    pub rejected: u64,
    pub unknown: u64,
    /// Outcomes that arrived after the transaction was already declared `unknown`.
    pub late: u64,
    pub latency: LatencyHistogram,
    /// Intended send → rejection observed (the sender's notice).
    pub rejection_notice: LatencyHistogram,
    pub reasons: BTreeMap<Reason, u64>,
    pub first_submit: Option<Nanos>,
    pub last_outcome: Option<Nanos>,
}

impl PhaseMetrics {
    pub fn merge(&mut self, o: &PhaseMetrics) {
        self.submitted += o.submitted;
        self.accepted += o.accepted;
        self.committed += o.committed;
        self.rejected += o.rejected;
        self.unknown += o.unknown;
        self.late += o.late;
        self.latency.merge(&o.latency);
        self.rejection_notice.merge(&o.rejection_notice);
        for (r, n) in &o.reasons {
            *self.reasons.entry(*r).or_default() += n;
        }
        self.first_submit = match (self.first_submit, o.first_submit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_outcome = self.last_outcome.max(o.last_outcome);
        self.closed_loop |= o.closed_loop;
        self.start = if self.submitted == o.submitted { o.start } else { self.start.min(o.start) };
        self.end = self.end.max(o.end);
    }

    /// The serializable summary.
    pub fn summary(&self) -> PhaseSummary {
        let secs = (self.end.saturating_sub(self.start)) as f64 / 1e9;
        let rate = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        PhaseSummary {
            name: self.name.clone(),
            warmup: self.warmup,
            closed_loop: self.closed_loop,
            start_ns: self.start,
            end_ns: self.end,
            submitted: self.submitted,
            accepted: self.accepted,
            committed: self.committed,
            rejected: self.rejected,
            unknown: self.unknown,
            late: self.late,
            offered_tps: rate(self.submitted),
            committed_tps: rate(self.committed),
            success_rate: if self.submitted > 0 {
                self.committed as f64 / self.submitted as f64
            } else {
                0.0
            },
            latency: self.latency.summary(),
            rejection_notice: self.rejection_notice.summary(),
            reasons: self.reasons.iter().map(|(r, n)| (r.code().to_string(), *n)).collect(),
            completion_ns: match (self.first_submit, self.last_outcome) {
                (Some(a), Some(b)) if b >= a => Some(b - a),
                _ => None,
            },
        }
    }
}

/// What `run.json` says about a phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseSummary {
    pub name: String,
    pub warmup: bool,
    /// Latency is service time (closed loop), not from a schedule.
    pub closed_loop: bool,
    pub start_ns: Nanos,
    pub end_ns: Nanos,
    pub submitted: u64,
    pub accepted: u64,
    pub committed: u64,
    pub rejected: u64,
    pub unknown: u64,
    pub late: u64,
    pub offered_tps: f64,
    pub committed_tps: f64,
    pub success_rate: f64,
    pub latency: LatencySummary,
    pub rejection_notice: LatencySummary,
    pub reasons: BTreeMap<String, u64>,
    /// First submission → last outcome of the phase's transactions.
    pub completion_ns: Option<Nanos>,
}
