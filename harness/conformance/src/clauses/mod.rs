//! The clauses, in the order of the crate docs, and the run that judges them all.

mod clock;
mod faults;
mod operations;
mod outcomes;
mod precheck;
mod timeout;

use crate::report::{ClauseResult, ConformanceReport, Verdict};
use crate::session::{Session, Start};
use crate::watch::{ClockLog, SharedLog};
use crate::{ConformanceOptions, Factory};
use std::cell::RefCell;
use std::rc::Rc;
use touchstone_core::adapter::Capabilities;
use touchstone_core::scenario::FaultKind;

/// Every clause: id and title, as in the crate docs.
pub(crate) const CLAUSES: &[(&str, &str)] = &[
    ("operations.declared_are_accepted", "every declared operation kind is accepted and commits"),
    (
        "outcomes.exactly_once",
        "one final outcome per accepted transaction, none after a rejection at submit",
    ),
    (
        "snapshot.matches_outcomes",
        "balances are the starting ones moved by the committed transfers",
    ),
    (
        "precheck.agrees_with_admission",
        "a pre-check predicts the chain's answer to a transfer and to its replay",
    ),
    ("clock.monotonic", "the clock never goes back"),
    ("clock.advance_by_deadline", "advance(until) returns by until and the clock reaches it"),
    ("timeout.unknown", "held transactions become unknown at the engine's timeout, and count once"),
    ("faults.pause", "pausing every validator stops commits; resume restarts them"),
    ("faults.crash", "crashing every validator stops commits; restart restarts them"),
    ("faults.partition_minority", "cutting one validator off does not stop the others"),
    ("faults.partition_all", "isolating every validator stops commits; heal restarts them"),
    ("faults.link", "slower links make commits slower"),
    ("faults.undeclared_refused", "an undeclared fault is refused with NotSupported"),
];

/// The verdicts so far, by clause id.
#[derive(Debug, Default)]
pub(crate) struct Verdicts(Vec<(&'static str, Verdict)>);

impl Verdicts {
    pub(crate) fn set(&mut self, id: &'static str, v: Verdict) {
        debug_assert!(CLAUSES.iter().any(|(c, _)| *c == id), "unknown clause {id}");
        self.0.retain(|(c, _)| *c != id);
        self.0.push((id, v));
    }
}

/// What every clause needs: the factory, the options, what the adapter declares, and the
/// shared clock log.
pub(crate) struct Kit<'a> {
    pub(crate) factory: Factory<'a>,
    pub(crate) opts: &'a ConformanceOptions,
    pub(crate) caps: Capabilities,
    pub(crate) log: SharedLog,
}

impl Kit<'_> {
    /// A fresh, prepared adapter.
    pub(crate) fn open(&self, start: Start) -> Result<Session, String> {
        Session::open(self.factory, self.opts, &self.log, start)
    }

    pub(crate) fn declares(&self, kind: FaultKind) -> bool {
        self.caps.can_inject(kind)
    }
}

/// The clause's verdict, or a failure saying why the kit could not drive the adapter through it.
pub(crate) fn verdict_of(r: Result<Verdict, String>) -> Verdict {
    r.unwrap_or_else(Verdict::fail)
}

pub(crate) fn run(factory: Factory<'_>, opts: &ConformanceOptions) -> ConformanceReport {
    let mut v = Verdicts::default();
    let (adapter, caps) = match factory() {
        Ok(a) => (a.name().to_string(), a.capabilities()),
        Err(e) => {
            let evidence = format!("the factory could not build the adapter: {e}");
            for (id, _) in CLAUSES {
                v.set(id, Verdict::fail(evidence.clone()));
            }
            return report("?".into(), v);
        }
    };
    let log = Rc::new(RefCell::new(ClockLog::default()));
    let kit = Kit { factory, opts, caps, log };
    operations::judge(&kit, &mut v);
    outcomes::judge(&kit, &mut v);
    precheck::judge(&kit, &mut v);
    timeout::judge(&kit, &mut v);
    faults::judge(&kit, &mut v);
    clock::judge(&kit, &mut v);
    report(adapter, v)
}

fn report(adapter: String, v: Verdicts) -> ConformanceReport {
    let clauses = CLAUSES
        .iter()
        .map(|(id, title)| ClauseResult {
            id: id.to_string(),
            title: title.to_string(),
            verdict: v
                .0
                .iter()
                .find(|(c, _)| c == id)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| Verdict::fail("the kit did not judge this clause")),
        })
        .collect();
    ConformanceReport { adapter, clauses }
}
