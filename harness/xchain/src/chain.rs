//! One chain of the run: its adapter, its fault timeline, and the sink that tags what it emits.

use crate::actor::{Block, ChainView, Sent};
use crate::trace::XTrace;
use std::collections::BTreeMap;
use std::io::Write;
use touchstone_core::adapter::{Adapter, EventSink, Outcome, OutcomeStatus};
use touchstone_core::engine::FaultTimeline;
use touchstone_core::ledger::Operation;
use touchstone_core::trace::{TraceEvent, TxStatus};
use touchstone_core::{Nanos, TxId};

/// A chain under way.
pub(crate) struct Chain {
    pub(crate) adapter: Box<dyn Adapter>,
    pub(crate) timeline: FaultTimeline,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain").field("adapter", &self.adapter.name()).finish_non_exhaustive()
    }
}

/// What the engine keeps of every submitted transaction, shared by the chains' sinks.
#[derive(Debug, Default)]
pub(crate) struct Book {
    pub(crate) sent: BTreeMap<TxId, Sent>,
    pub(crate) settled: BTreeMap<(usize, &'static str, String), (TxId, Nanos, u64)>,
    /// Rejections by chain and reason code.
    pub(crate) rejected: BTreeMap<(usize, &'static str), u64>,
}

impl Book {
    /// Records the outcome of `o` (the first one of a transaction counts).
    pub(crate) fn outcome(&mut self, o: &Outcome) {
        let Some(s) = self.sent.get_mut(&o.tx) else { return };
        if s.outcome.is_some() {
            return;
        }
        s.outcome = Some((o.status, o.at));
        match o.status {
            OutcomeStatus::Committed { height } => {
                if let Some(x) = xfer_of(&s.op) {
                    let key = (s.chain, s.op.name(), x.to_string());
                    self.settled.entry(key).or_insert((o.tx, o.at, height));
                }
            }
            OutcomeStatus::Rejected { reason } => {
                *self.rejected.entry((s.chain, reason.code())).or_default() += 1;
            }
            OutcomeStatus::Unknown => {}
        }
    }
}

/// The `xfer` of a bridge operation.
pub(crate) fn xfer_of(op: &Operation) -> Option<&str> {
    op.bridge().map(|b| b.xfer)
}

/// The [`EventSink`] of one chain: every trace event goes to the shared trace tagged with
/// the chain; certified decisions become the chain's finalized blocks; outcomes are written as
/// `tx.result` and booked.
pub(crate) struct ChainSink<'a, W: Write> {
    pub(crate) view: &'a mut ChainView,
    pub(crate) trace: &'a mut XTrace<W>,
    pub(crate) book: &'a mut Book,
}

impl<W: Write> EventSink for ChainSink<'_, W> {
    fn outcome(&mut self, o: Outcome) {
        let (status, height, reason) = match o.status {
            OutcomeStatus::Committed { height } => (TxStatus::Committed, Some(height), None),
            OutcomeStatus::Rejected { reason } => (TxStatus::Rejected, None, Some(reason.code())),
            OutcomeStatus::Unknown => (TxStatus::Unknown, None, None),
        };
        if self.book.sent.get(&o.tx).is_some_and(|s| s.outcome.is_some()) {
            return;
        }
        let ev = TraceEvent::TxResult { tx: o.tx, status, height, reason, node: o.node.as_deref() };
        self.trace.emit(&self.view.id, o.at, &ev);
        self.book.outcome(&o);
    }

    fn trace(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        self.trace.emit(&self.view.id, t, ev);
        if let TraceEvent::ConsDecide { height, block, txs, signers: Some(signers), .. } = *ev {
            self.view.blocks.entry(height).or_insert_with(|| Block {
                height,
                block: block.to_string(),
                signers: signers.iter().map(|s| s.to_string()).collect(),
                txs: txs.to_vec(),
                t,
            });
        }
    }
}
