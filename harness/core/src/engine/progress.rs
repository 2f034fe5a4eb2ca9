//! Live figures for a progress display, reported about once per second of run time.

use super::recorder::Recorder;
use crate::metrics::PhaseMetrics;
use crate::time::{Nanos, NS_PER_S};

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

/// When the next report is due and what the last one said. The engine also wakes the chain up
/// at each report time, observer or not, so a run's course does not depend on whether anyone
/// watches.
pub(super) struct ProgressReporter<'a> {
    observer: Option<&'a mut dyn ProgressObserver>,
    t0: Nanos,
    total: Nanos,
    next_at: Nanos,
    last_committed: u64,
    last_submitted: u64,
}

impl<'a> ProgressReporter<'a> {
    /// The load starts at `t0` and lasts `total`.
    pub(super) fn new(
        observer: Option<&'a mut dyn ProgressObserver>,
        t0: Nanos,
        total: Nanos,
    ) -> Self {
        ProgressReporter {
            observer,
            t0,
            total,
            next_at: t0 + NS_PER_S,
            last_committed: 0,
            last_submitted: 0,
        }
    }

    /// Adapter time of the next report.
    pub(super) fn next_at(&self) -> Nanos {
        self.next_at
    }

    /// Reports at `now` if a report is due.
    pub(super) fn report(&mut self, now: Nanos, rec: &Recorder<'_>) {
        if now < self.next_at {
            return;
        }
        if let Some(observer) = self.observer.as_deref_mut() {
            let (submitted, committed) = totals(&rec.phases);
            observer.update(&Progress {
                now: now - self.t0,
                total: self.total,
                submitted,
                committed,
                rejected: rec.phases.iter().map(|m| m.rejected).sum(),
                outstanding: rec.outstanding,
                committed_rate: (committed - self.last_committed) as f64,
                offered_rate: (submitted - self.last_submitted) as f64,
                p99_so_far: p99_measured(&rec.phases),
            });
            self.last_committed = committed;
            self.last_submitted = submitted;
        }
        self.next_at = now + NS_PER_S;
    }
}

fn totals(phases: &[PhaseMetrics]) -> (u64, u64) {
    phases.iter().fold((0, 0), |(s, c), m| (s + m.submitted, c + m.committed))
}

fn p99_measured(phases: &[PhaseMetrics]) -> Nanos {
    phases.iter().filter(|m| !m.warmup).map(|m| m.latency.quantile(0.99)).max().unwrap_or(0)
}
