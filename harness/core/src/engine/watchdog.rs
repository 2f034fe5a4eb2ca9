//! The run-time half of the limits (`scenario::limits`): every trace line of a run passes
//! through the watchdog, which counts events and bytes — in all and per second of simulated
//! time — and trips at the first limit. From then on it drops what the run writes (but
//! `run.end`), so neither memory nor disk grows, and the engine stops the run at its next turn
//! with a clear error ([`super::EndReason::LimitExceeded`]) instead of an out-of-memory abort.

use crate::scenario::bytes;
use crate::scenario::limits::RunLimits;
use crate::scenario::thousands;
use crate::time::{Nanos, NS_PER_S};
use crate::trace::{TraceEvent, TraceSink};

/// Longest stretch of simulated time the engine lets an adapter advance in one step, so the
/// watchdog and the stop flag are looked at least once per simulated second.
pub const WATCHDOG_STEP: Nanos = NS_PER_S;

pub(crate) struct Watchdog<'t> {
    inner: &'t mut dyn TraceSink,
    limits: RunLimits,
    events: u64,
    last_t: Nanos,
    second: u64,
    second_events: u64,
    second_bytes_from: u64,
    tripped: Option<String>,
}

impl<'t> Watchdog<'t> {
    pub(crate) fn new(inner: &'t mut dyn TraceSink, limits: RunLimits) -> Self {
        Watchdog {
            inner,
            limits,
            events: 0,
            last_t: 0,
            second: 0,
            second_events: 0,
            second_bytes_from: 0,
            tripped: None,
        }
    }

    /// Why the run must stop, once a limit was passed.
    pub(crate) fn tripped(&self) -> Option<&str> {
        self.tripped.as_deref()
    }

    fn check(&mut self, bytes_now: Option<u64>) -> Option<String> {
        let l = &self.limits;
        let at = |what: String| {
            format!(
                "{what} (at {:.3} s of simulated time; see docs/limits.md)",
                self.last_t as f64 / 1e9
            )
        };
        if self.events > l.max_events {
            return Some(at(format!(
                "the trace passed the limit of {} events",
                thousands(l.max_events)
            )));
        }
        if self.second_events > l.max_events_per_sim_second {
            return Some(at(format!(
                "the trace passed the limit of {} events in one second of simulated time",
                thousands(l.max_events_per_sim_second)
            )));
        }
        let b = bytes_now?;
        if b > l.max_trace_bytes {
            return Some(at(format!("the trace passed the limit of {}", bytes(l.max_trace_bytes))));
        }
        if b - self.second_bytes_from > l.max_bytes_per_sim_second {
            return Some(at(format!(
                "the trace passed the limit of {} in one second of simulated time",
                bytes(l.max_bytes_per_sim_second)
            )));
        }
        None
    }
}

impl TraceSink for Watchdog<'_> {
    fn emit(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        let is_end = matches!(ev, TraceEvent::RunEnd { .. });
        if self.tripped.is_some() && !is_end {
            return;
        }
        self.last_t = self.last_t.max(t);
        let second = self.last_t / NS_PER_S;
        if second != self.second {
            self.second = second;
            self.second_events = 0;
            self.second_bytes_from = self.inner.bytes_written().unwrap_or(0);
        }
        self.inner.emit(t, ev);
        self.events += 1;
        self.second_events += 1;
        if self.tripped.is_none() {
            self.tripped = self.check(self.inner.bytes_written());
        }
    }

    fn bytes_written(&self) -> Option<u64> {
        self.inner.bytes_written()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::MemoryTrace;

    #[test]
    fn trips_on_events_per_simulated_second_and_then_drops_all_but_run_end() {
        let mut mem = MemoryTrace::default();
        let limits = RunLimits { max_events_per_sim_second: 10, ..RunLimits::default() };
        let mut w = Watchdog::new(&mut mem, limits);
        for i in 0..10 {
            w.emit(i * NS_PER_S, &TraceEvent::NetHeal);
        }
        assert!(w.tripped().is_none(), "one a second is fine");
        for _ in 0..20 {
            w.emit(20 * NS_PER_S, &TraceEvent::NetHeal);
        }
        let why = w.tripped().expect("tripped").to_string();
        assert!(why.contains("10 events in one second"), "{why}");
        w.emit(21 * NS_PER_S, &TraceEvent::RunEnd { reason: Some("limit") });
        assert_eq!(mem.lines.len(), 10 + 11 + 1);
    }

    #[test]
    fn trips_on_total_bytes() {
        let mut mem = MemoryTrace::default();
        let limits = RunLimits { max_trace_bytes: 100, ..RunLimits::default() };
        let mut w = Watchdog::new(&mut mem, limits);
        for i in 0..10 {
            w.emit(i, &TraceEvent::NetHeal);
        }
        assert!(w.tripped().expect("tripped").contains("limit of 100 B"));
    }
}
