//! [`Watched`]: an adapter seen through the kit's eyes. Every call goes through to the adapter
//! under test; every reading of its clock is checked (never backwards, `advance` back by its
//! deadline) and what is wrong is written to a [`ClockLog`] that all sessions share.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use touchstone_core::adapter::{
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, Setup, StateSnapshot, SubmitAck,
    SystemInfo, TxRequest,
};
use touchstone_core::{Nanos, Reason};

/// Clock misbehaviour seen anywhere in a conformance run.
#[derive(Debug, Default)]
pub(crate) struct ClockLog {
    /// A reading earlier than the one before it.
    pub(crate) backwards: Vec<String>,
    /// `advance(until)` returned later than `until` (plus the allowed slack).
    pub(crate) late: Vec<String>,
    /// Calls of `advance` checked.
    pub(crate) advances: u64,
}

pub(crate) type SharedLog = Rc<RefCell<ClockLog>>;

/// The adapter under test, with its clock watched.
pub(crate) struct Watched {
    inner: Box<dyn Adapter>,
    log: SharedLog,
    /// How late a return from `advance` may be (0 for virtual time).
    slack: Nanos,
    last: Cell<Option<Nanos>>,
}

impl std::fmt::Debug for Watched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watched").field("adapter", &self.inner.name()).finish_non_exhaustive()
    }
}

impl Watched {
    pub(crate) fn new(inner: Box<dyn Adapter>, log: SharedLog, slack: Nanos) -> Self {
        Watched { inner, log, slack, last: Cell::new(None) }
    }

    fn reading(&self, t: Nanos, what: &str) {
        if let Some(last) = self.last.get() {
            if t < last {
                self.log
                    .borrow_mut()
                    .backwards
                    .push(format!("{what} read {t} ns after an earlier reading of {last} ns"));
            }
        }
        self.last.set(Some(self.last.get().map_or(t, |l| l.max(t))));
    }
}

impl Adapter for Watched {
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
        let t = self.inner.now();
        self.reading(t, "now()");
        t
    }

    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        self.inner.submit(tx, sink)
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        let r = self.inner.advance(until, sink)?;
        self.reading(r, &format!("advance({until})"));
        let mut log = self.log.borrow_mut();
        log.advances += 1;
        if r > until.saturating_add(self.slack) {
            log.late.push(format!("advance({until}) returned at {r} ns"));
        }
        Ok(r)
    }

    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        self.inner.faults()
    }

    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        self.inner.snapshot(accounts)
    }

    fn shutdown(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.inner.shutdown(sink)
    }

    fn precheck(&mut self, tx: &TxRequest) -> Result<Option<Result<(), Reason>>, AdapterError> {
        self.inner.precheck(tx)
    }
}
