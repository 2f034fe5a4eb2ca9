//! The heart of open-loop load: a transaction is due, the program says what it is, and it is
//! submitted with its *intended* send time, from which its latency will be measured.

use super::phase::PhaseClock;
use super::recorder::TxState;
use super::run::{Halt, Run};
use crate::adapter::{EventSink, Outcome, OutcomeStatus, SubmitAck, TxRequest};
use crate::ids::TxId;
use crate::program::{Expected, Next, ProgramTx};
use crate::time::{Nanos, NS_PER_MS};
use crate::trace::{TraceEvent, TraceSink};

impl Run<'_, '_> {
    /// A send is due at `intended` (≤ `now`): asks the program what to send and sends it. A
    /// program with nothing for this slot skips it (open loop) or waits for an outcome (closed
    /// loop); one with nothing more for the phase leaves the chain alone until the phase ends.
    pub(super) fn send_due(
        &mut self,
        clock: &mut PhaseClock,
        now: Nanos,
        intended: Nanos,
    ) -> Result<(), Halt> {
        self.feed_program();
        match self.program.next(clock.index, now) {
            Next::Send(ptx) => {
                self.submit(clock.index, now, intended, *ptx)?;
                clock.next_slot();
            }
            Next::Skip if clock.closed_loop() => {
                // Wait for an outcome (or the phase end) before asking again.
                let until = (now + NS_PER_MS).min(clock.end);
                self.advance_step(now, until)?;
            }
            Next::Skip => clock.next_slot(),
            Next::Done => {
                clock.exhausted();
                if clock.closed_loop() {
                    self.advance_step(now, clock.end)?;
                }
            }
        }
        Ok(())
    }

    /// Numbers, records and submits one transaction of phase `phase`.
    fn submit(
        &mut self,
        phase: usize,
        now: Nanos,
        intended: Nanos,
        ptx: ProgramTx,
    ) -> Result<(), Halt> {
        let ProgramTx { op, nonce, via, case } = ptx;
        let id = TxId(self.rec.first_id + self.rec.txs.len() as u64);
        let client = (id.0 % self.scenario.workload.clients.max(1) as u64) as u32;
        self.program.sent(id);
        self.lag.record(now - intended);
        let req = TxRequest { id, client, op, nonce, via, intended };
        if let Some(mut case) = case {
            // The pre-check is asked about the request as it will be sent (nonce and id
            // included): a replay differs from the original only there.
            if let Some(p) = self.adapter.precheck(&req)? {
                case.predicted = Some(Expected::from_result(p));
            }
            self.rec.cases.insert(id.0, case);
        }
        self.rec.txs.push(TxState { intended, phase: phase as u16, done: false, timed_out: false });
        self.rec.outstanding += 1;
        let m = &mut self.rec.phases[phase];
        m.submitted += 1;
        m.first_submit.get_or_insert(now);
        self.rec.series.offered(intended);
        self.rec.trace.emit(
            now,
            &TraceEvent::TxSubmit {
                tx: id,
                client: ClientName(client).as_str(&mut [0u8; 16]),
                op: req.op.name(),
                from: req.op.from(),
                to: req.op.to(),
                asset: req.op.asset(),
                amount: req.op.amount(),
                nonce,
                via: req.via.as_deref(),
                intended_ns: Some(intended),
                legs: req.op.legs(),
                bridge: req.op.bridge(),
            },
        );
        match self.adapter.submit(&req, &mut self.rec)? {
            SubmitAck::Accepted { .. } => {
                self.rec.phases[phase].accepted += 1;
                self.rec.series.accepted(now);
            }
            SubmitAck::Rejected { reason } => {
                let status = OutcomeStatus::Rejected { reason };
                self.rec.outcome(Outcome { tx: id, status, at: now, node: None });
            }
        }
        Ok(())
    }
}

/// `"c<n>"` without allocating.
struct ClientName(u32);

impl ClientName {
    fn as_str<'b>(&self, buf: &'b mut [u8; 16]) -> &'b str {
        buf[0] = b'c';
        let mut ib = itoa::Buffer::new();
        let s = ib.format(self.0).as_bytes();
        buf[1..1 + s.len()].copy_from_slice(s);
        std::str::from_utf8(&buf[..1 + s.len()]).expect("ASCII")
    }
}
