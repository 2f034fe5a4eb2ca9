//! One run as a small state machine, read top to bottom:
//!
//! 1. [`Run::start`] (`start.rs`): pair the adapter with the program and the faults, write the
//!    genesis, let the adapter prepare;
//! 2. [`Run::load`]: phase by phase, at every turn *observe* (stop request, due faults, timeouts,
//!    progress), then either *submit* the transaction that is due (`submit.rs`) or *advance* the
//!    chain until the next thing the engine must do;
//! 3. [`Run::drain`]: wait for the outstanding outcomes, still applying faults;
//! 4. [`Run::finish`] (`finish.rs`): settle what is unresolved, read the state, shut down,
//!    summarise.
//!
//! A stop request or an adapter failure at any step is a [`Halt`], carried up by `?` to
//! [`Run::execute`], which ends the load at once and always finishes, so partial results are kept.

use super::faults::FaultTimeline;
use super::phase::{Due, PhaseClock};
use super::progress::ProgressReporter;
use super::recorder::Recorder;
use super::result::{EndReason, RunResult};
use super::watchdog::WATCHDOG_STEP;
use crate::adapter::{Adapter, AdapterError, Capabilities};
use crate::metrics::LatencyHistogram;
use crate::program::Program;
use crate::scenario::Scenario;
use crate::seed::Seed;
use crate::time::Nanos;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why the load or the drain stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Halt {
    /// The stop flag was raised (e.g. Ctrl-C).
    Interrupted,
    /// The adapter could not go on.
    AdapterFailed(String),
    /// The watchdog tripped at a limit.
    LimitExceeded(String),
}

impl From<AdapterError> for Halt {
    fn from(e: AdapterError) -> Self {
        Halt::AdapterFailed(e.to_string())
    }
}

impl From<Halt> for EndReason {
    fn from(h: Halt) -> Self {
        match h {
            Halt::Interrupted => EndReason::Interrupted,
            Halt::AdapterFailed(message) => EndReason::AdapterFailed { message },
            Halt::LimitExceeded(message) => EndReason::LimitExceeded { message },
        }
    }
}

/// A run under way: everything the steps share (`'o`: the caller's run options).
pub(super) struct Run<'a, 'o> {
    pub(super) scenario: &'a Scenario,
    pub(super) program: Box<dyn Program>,
    pub(super) adapter: &'a mut dyn Adapter,
    pub(super) seed: Seed,
    pub(super) caps: Capabilities,
    /// The harness's account names, `a0..aN`.
    pub(super) accounts: Vec<String>,
    /// Outcomes → metrics and `tx.result` lines; the adapter's events → trace.
    pub(super) rec: Recorder<'a>,
    pub(super) timeline: FaultTimeline,
    /// How late each transaction was sent after its intended time.
    pub(super) lag: LatencyHistogram,
    pub(super) progress: ProgressReporter<'o>,
    pub(super) stop: Option<&'o AtomicBool>,
    /// Adapter time when it was ready: phase and fault times are relative to it.
    pub(super) t0: Nanos,
}

impl Run<'_, '_> {
    /// Load, drain, finish.
    pub(super) fn execute(mut self) -> RunResult {
        let end = match self.load().and_then(|()| self.drain()) {
            Ok(()) => EndReason::Completed,
            Err(halt) => halt.into(),
        };
        self.finish(end)
    }

    /// The workload's phases, one after the other, each until its end.
    fn load(&mut self) -> Result<(), Halt> {
        let scenario = self.scenario;
        let mut start = self.t0;
        for (index, phase) in scenario.workload.phases.iter().enumerate() {
            let mut clock = PhaseClock::new(index, phase, start, self.seed);
            self.rec.phases[index].start = clock.start;
            self.rec.phases[index].end = clock.end;
            loop {
                let now = self.observe()?;
                self.progress.report(now, &self.rec);
                match clock.due(now, self.rec.outstanding) {
                    Due::PhaseOver => break,
                    Due::Now(intended) => self.send_due(&mut clock, now, intended)?,
                    Due::Later(next) => {
                        let until = self.wake_up(clock.end, next).min(self.progress.next_at());
                        self.advance_step(now, until)?;
                    }
                }
            }
            start = clock.end;
        }
        Ok(())
    }

    /// After the load: wait for outstanding outcomes until the drain window closes, applying
    /// the faults that fall in it.
    fn drain(&mut self) -> Result<(), Halt> {
        let w = &self.scenario.workload;
        let drain_end = self.t0 + w.phases.iter().map(|p| p.duration).sum::<Nanos>() + w.drain;
        loop {
            let now = self.observe()?;
            if self.rec.outstanding == 0 || now >= drain_end {
                return Ok(());
            }
            let until = self.wake_up(drain_end, None);
            self.advance_step(now, until)?;
        }
    }

    /// Lets the adapter run from `now` towards `until`, at most [`WATCHDOG_STEP`] at a time, so
    /// the stop flag and the watchdog are looked at in every simulated second.
    pub(super) fn advance_step(&mut self, now: Nanos, until: Nanos) -> Result<(), Halt> {
        let step_end = until.min(now.saturating_add(WATCHDOG_STEP)).max(now + 1);
        self.adapter.advance(step_end, &mut self.rec)?;
        Ok(())
    }

    /// What comes before anything else at every turn: a stop request ends the run; faults due
    /// are applied; transactions past their timeout become `unknown`. Returns the adapter's time.
    fn observe(&mut self) -> Result<Nanos, Halt> {
        if self.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Err(Halt::Interrupted);
        }
        if let Some(why) = self.rec.trace.tripped() {
            return Err(Halt::LimitExceeded(why.to_string()));
        }
        let now = self.adapter.now();
        self.timeline.apply_due(now, self.adapter, &mut self.rec);
        self.rec.expire(now, self.scenario.workload.timeout);
        Ok(now)
    }

    /// When the engine must act again: the earliest of `limit`, the next send, the next fault
    /// step and the oldest outstanding transaction's deadline.
    fn wake_up(&self, limit: Nanos, next_send: Option<Nanos>) -> Nanos {
        [
            next_send,
            self.timeline.next_time(),
            self.rec.oldest_deadline(self.scenario.workload.timeout),
        ]
        .into_iter()
        .flatten()
        .fold(limit, Nanos::min)
    }

    /// Hands the program the outcomes of its transactions observed since the last call.
    pub(super) fn feed_program(&mut self) {
        for (id, status, notice) in self.rec.program_feedback.drain(..) {
            self.program.observe_notice(id, &status, notice);
        }
    }
}
