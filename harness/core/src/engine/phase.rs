//! One load phase's clock: when the next transaction is due.
//!
//! Open loop: the phase's rate controller fixes every transaction's *intended* send time in
//! advance, whatever the chain does; latency is measured from it, so a lagging generator cannot
//! hide a slow chain. Closed loop: a transaction is due whenever fewer than `concurrency` are
//! outstanding.

use crate::scenario::{Phase, RateSpec};
use crate::seed::Seed;
use crate::time::Nanos;
use crate::workload::Schedule;

/// What the phase asks for at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// The phase has ended: move on.
    PhaseOver,
    /// A transaction is due now; its intended send time (≤ now).
    Now(Nanos),
    /// Nothing due yet; the next intended send time, when one is known.
    Later(Option<Nanos>),
}

pub(super) struct PhaseClock {
    pub(super) index: usize,
    pub(super) start: Nanos,
    pub(super) end: Nanos,
    schedule: Schedule,
    /// Closed loop: the number of transactions to keep outstanding.
    concurrency: Option<u64>,
    /// Open loop: the intended send time of the next transaction (`None`: no more).
    next_intended: Option<Nanos>,
}

impl PhaseClock {
    /// Phase `index` starting at adapter time `start`; its schedule draws from the run's seed.
    pub(super) fn new(index: usize, phase: &Phase, start: Nanos, seed: Seed) -> Self {
        let mut schedule = Schedule::new(
            &phase.rate,
            phase.duration,
            seed.stream(&format!("workload/phase/{index}")),
        );
        let concurrency = match phase.rate {
            RateSpec::Closed { concurrency } => Some(concurrency as u64),
            _ => None,
        };
        let next_intended = match concurrency {
            Some(_) => None,
            None => schedule.next_offset().map(|o| start + o),
        };
        PhaseClock {
            index,
            start,
            end: start + phase.duration,
            schedule,
            concurrency,
            next_intended,
        }
    }

    pub(super) fn closed_loop(&self) -> bool {
        self.concurrency.is_some()
    }

    /// What is due at `now`, with `outstanding` transactions awaiting their outcome.
    pub(super) fn due(&self, now: Nanos, outstanding: u64) -> Due {
        match (self.concurrency, self.next_intended) {
            (Some(_), _) | (None, None) if now >= self.end => Due::PhaseOver,
            (Some(conc), _) if outstanding < conc => Due::Now(now),
            (Some(_), _) | (None, None) => Due::Later(None),
            (None, Some(t)) if t <= now => Due::Now(t),
            (None, Some(t)) => Due::Later(Some(t)),
        }
    }

    /// Open loop: the slot was used (or skipped); the schedule gives the next intended time.
    pub(super) fn next_slot(&mut self) {
        if self.concurrency.is_none() {
            self.next_intended = self.schedule.next_offset().map(|o| self.start + o);
        }
    }

    /// The program has nothing more for this phase: nothing is due until it ends.
    pub(super) fn exhausted(&mut self) {
        self.next_intended = None;
    }
}
