//! Deliberately broken adapters: the toy chain with one clause of the contract broken each.

use crate::toy_chain::ToyChain;
use std::cell::Cell;
use touchstone_core::adapter::*;
use touchstone_core::scenario::FaultAction;
use touchstone_core::trace::TraceEvent;
use touchstone_core::{Nanos, Reason};

/// How a [`Broken`] chain breaks the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Reports every commit twice.
    DoublesCommits,
    /// Never reports every third commit.
    LosesCommits,
    /// Every 50th reading of its clock is 1 ms earlier than the truth.
    ClockGoesBack,
    /// `advance` runs 5 ms past the deadline it was given.
    OvershootsDeadline,
    /// Its snapshot credits `a1` with one unit nobody sent.
    SnapshotInventsMoney,
    /// Declares pause and resume, but pausing changes nothing.
    PauseDoesNothing,
    /// Answers an undeclared fault with `Failed` instead of `NotSupported`.
    RefusesWithTheWrongError,
    /// Its pre-check looks at the operation only: a replay is predicted to commit.
    PrecheckIgnoresNonce,
}

/// The toy chain with one [`Flaw`].
#[derive(Debug)]
pub struct Broken {
    inner: ToyChain,
    flaw: Flaw,
    readings: Cell<u64>,
    commits: u64,
}

impl Broken {
    pub fn factory(flaw: Flaw) -> impl Fn() -> Result<Box<dyn Adapter>, AdapterError> {
        move || {
            Ok(Box::new(Broken {
                inner: ToyChain::default(),
                flaw,
                readings: Cell::new(0),
                commits: 0,
            }) as Box<dyn Adapter>)
        }
    }
}

/// Passes the inner chain's reports on, doubling or dropping commits as the flaw says.
struct Relay<'s> {
    sink: &'s mut dyn EventSink,
    flaw: Flaw,
    commits: &'s mut u64,
}

impl EventSink for Relay<'_> {
    fn outcome(&mut self, o: Outcome) {
        if !matches!(o.status, OutcomeStatus::Committed { .. }) {
            return self.sink.outcome(o);
        }
        *self.commits += 1;
        match self.flaw {
            Flaw::DoublesCommits => {
                self.sink.outcome(o.clone());
                self.sink.outcome(o);
            }
            Flaw::LosesCommits if *self.commits % 3 == 0 => {}
            _ => self.sink.outcome(o),
        }
    }
    fn trace(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        self.sink.trace(t, ev);
    }
}

impl Adapter for Broken {
    fn name(&self) -> &str {
        "broken"
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
        let n = self.readings.get() + 1;
        self.readings.set(n);
        let t = self.inner.now();
        if self.flaw == Flaw::ClockGoesBack && n % 50 == 0 {
            t.saturating_sub(1_000_000)
        } else {
            t
        }
    }
    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        let mut relay = Relay { sink, flaw: self.flaw, commits: &mut self.commits };
        self.inner.submit(tx, &mut relay)
    }
    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        let until = if self.flaw == Flaw::OvershootsDeadline { until + 5_000_000 } else { until };
        let mut relay = Relay { sink, flaw: self.flaw, commits: &mut self.commits };
        self.inner.advance(until, &mut relay)
    }
    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        Some(self)
    }
    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        let mut snaps = self.inner.snapshot(accounts)?;
        if self.flaw == Flaw::SnapshotInventsMoney {
            for (account, holdings) in &mut snaps[0].balances {
                if account == "a1" {
                    holdings[0].1 += 1;
                }
            }
        }
        Ok(snaps)
    }
    fn shutdown(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.inner.shutdown(sink)
    }
    fn precheck(&mut self, tx: &TxRequest) -> Result<Option<Result<(), Reason>>, AdapterError> {
        if self.flaw == Flaw::PrecheckIgnoresNonce {
            return self.inner.precheck(&TxRequest { nonce: None, ..tx.clone() });
        }
        self.inner.precheck(tx)
    }
}

impl FaultControl for Broken {
    fn apply(
        &mut self,
        now: Nanos,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        match (self.flaw, action) {
            (Flaw::PauseDoesNothing, FaultAction::Pause { .. }) => Ok(()),
            (Flaw::RefusesWithTheWrongError, a) if !self.capabilities().can_inject(a.kind()) => {
                Err(FaultError::Failed("cannot do that".into()))
            }
            _ => {
                let fc: &mut dyn FaultControl = &mut self.inner;
                fc.apply(now, action, sink)
            }
        }
    }
}
