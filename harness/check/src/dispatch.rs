//! One line in: the fast paths or the general scanner, the envelope checks (`run.start`
//! first, time and `seq` in order), and the dispatch of an event to its handler by kind.

use crate::checker::{Checker, EventError, EventResult};
use crate::decision::Decision;
use crate::error::CheckError;
use crate::event::{bad, req_u64, LineError};
use crate::fast::Fast;
use crate::report::BadLine;

impl Checker<'_> {
    /// Handles one raw line (without its newline).
    pub(crate) fn line(&mut self, raw: &[u8]) -> Result<(), CheckError> {
        self.line += 1;
        let fast = self.ctx.max_depth >= crate::fast::DEPTH;
        let res = match fast.then(|| crate::fast::parse(raw, self.ctx.max_id)).flatten() {
            Some(f) => self.fast(f),
            None => self.general(raw),
        };
        self.line_done(res)
    }

    /// Handles one line a fast layout parsed (on the reading thread: `split.rs`).
    #[inline]
    pub(crate) fn fast_line(&mut self, f: Fast<'_>) -> Result<(), CheckError> {
        self.line += 1;
        let res = self.fast(f);
        self.line_done(res)
    }

    #[inline]
    fn fast(&mut self, f: Fast<'_>) -> EventResult<()> {
        match f {
            Fast::Vote(v) => self.fast_vote(v),
            Fast::Decide(d) => self.fast_decide(d),
            Fast::Propose(p) => self.fast_propose(p),
            Fast::Submit(s) => self.fast_submit(s),
            Fast::Result(r) => self.fast_result(r),
            Fast::Snapshot(s) => self.fast_snapshot(s),
        }
    }

    #[inline]
    fn line_done(&mut self, res: EventResult<()>) -> Result<(), CheckError> {
        match res {
            Ok(()) => {
                self.events += 1;
                Ok(())
            }
            Err(EventError::Fatal(e)) => Err(e),
            Err(EventError::Line(e)) => self.bad_line(e),
        }
    }

    /// A line through the general scanner.
    fn general(&mut self, raw: &[u8]) -> EventResult<()> {
        match std::str::from_utf8(raw) {
            Ok(s) => self.event(s),
            Err(e) => Err(EventError::Line(LineError::Bad {
                field: "<line>".into(),
                message: format!("not UTF-8 at byte {}", e.valid_up_to() + 1),
            })),
        }
    }

    /// Records (or raises) a bad line.
    pub(crate) fn bad_line(&mut self, e: LineError) -> Result<(), CheckError> {
        let (field, message, limit) = match e {
            LineError::Bad { field, message } => (field, message, None),
            LineError::Limit { what, limit } => (
                "<limit>".to_string(),
                format!("{what} exceeds the limit of {limit}"),
                Some((what, limit)),
            ),
        };
        if !self.opts.skip_bad_lines {
            return Err(match limit {
                Some((what, limit)) => CheckError::LimitExceeded {
                    source_name: self.source.clone(),
                    line: self.line,
                    what,
                    limit,
                },
                None => CheckError::BadLine {
                    source_name: self.source.clone(),
                    line: self.line,
                    field,
                    message,
                },
            });
        }
        self.bad.count += 1;
        if self.bad.first.len() < self.opts.limits.max_bad_lines_reported {
            self.bad.first.push(BadLine { line: self.line, field, message });
        }
        Ok(())
    }

    fn event(&mut self, s: &str) -> EventResult<()> {
        let mut f = crate::event::Fields::default();
        self.ctx.fields(s, &mut f)?;
        let kind = self.ctx.req_str("kind", f.kind)?;
        let t = req_u64("t_ns", f.t_ns)?;
        let seq = crate::event::opt_u64("seq", f.seq)?;
        self.envelope(&kind, t, seq)?;
        self.dispatch(&kind, &f, t)?;
        self.envelope_done(t, seq);
        Ok(())
    }

    /// A `cons.vote` read by the fast path.
    #[inline]
    fn fast_vote(&mut self, v: crate::fast::Vote<'_>) -> EventResult<()> {
        self.envelope_of(false, "cons.vote", v.t, v.seq)?;
        self.vote(v.node, v.height, v.round, v.vtype, v.block)?;
        self.envelope_done(v.t, v.seq);
        Ok(())
    }

    /// A `cons.propose` read by the fast path.
    fn fast_propose(&mut self, p: crate::fast::Propose<'_>) -> EventResult<()> {
        self.envelope_of(false, "cons.propose", p.t, p.seq)?;
        self.propose(p.node, p.height, p.round, p.block, p.parent, None)?;
        self.envelope_done(p.t, p.seq);
        Ok(())
    }

    /// A `cons.decide` read by the fast path.
    fn fast_decide(&mut self, d: crate::fast::Decide<'_>) -> EventResult<()> {
        self.envelope_of(false, "cons.decide", d.t, d.seq)?;
        let dec = Decision {
            node: d.node,
            height: d.height,
            round: d.round,
            block: d.block,
            parent: d.parent,
            app_hash: d.app_hash,
        };
        let (signers, txs) = (d.signers, d.txs);
        self.decide(
            dec,
            Some(signers.iter()),
            Some(signers.raw()),
            txs.iter(),
            Some(txs.raw()),
            d.t,
        )?;
        self.envelope_done(d.t, d.seq);
        Ok(())
    }

    /// A `tx.submit` read by the fast path.
    fn fast_submit(&mut self, s: crate::fast_tx::Submit<'_>) -> EventResult<()> {
        self.envelope_of(false, "tx.submit", s.t, s.seq)?;
        // The fast path's strings are valid UTF-8: they are interned as they are.
        let fields = crate::ledger_events::SubmitFields {
            tx: s.tx,
            op: crate::ledger::Op::parse(s.op),
            from: s.from,
            to: s.to,
            asset: s.asset,
            amount: s.amount.map(|a| Ok(i128::from(a))),
            nonce: s.nonce,
            legs: None,
        };
        self.submit(fields)?;
        self.envelope_done(s.t, s.seq);
        Ok(())
    }

    /// A `tx.result` read by the fast path.
    fn fast_result(&mut self, r: crate::fast_tx::TxResult<'_>) -> EventResult<()> {
        self.envelope_of(false, "tx.result", r.t, r.seq)?;
        self.result(r.tx, r.status, r.height, r.node)?;
        self.envelope_done(r.t, r.seq);
        Ok(())
    }

    /// A `state.snapshot` read by the fast path.
    fn fast_snapshot(&mut self, s: crate::fast_snapshot::Snapshot<'_>) -> EventResult<()> {
        self.envelope_of(false, "state.snapshot", s.t, s.seq)?;
        let supply: Vec<(&[u8], i128)> = s.supply.iter().map(|(a, v)| (a, i128::from(v))).collect();
        let balances: Vec<(&[u8], &[u8], i128)> =
            s.balances.iter().map(|(acct, a, v)| (acct, a, i128::from(v))).collect();
        // The fast path's strings are valid UTF-8 (`fast`).
        let app_hash = match s.app_hash.map(std::str::from_utf8).transpose() {
            Ok(a) => a,
            Err(_) => return bad("app_hash", "not UTF-8")?,
        };
        self.snapshot(s.node, s.height, app_hash, &supply, &balances)?;
        self.envelope_done(s.t, s.seq);
        Ok(())
    }

    /// Checks a line's envelope against the trace so far: `run.start` first and once,
    /// `t_ns` non-decreasing, `seq` increasing.
    #[inline]
    fn envelope(&mut self, kind: &str, t: u64, seq: Option<u64>) -> EventResult<()> {
        self.envelope_of(kind == "run.start", kind, t, seq)
    }

    /// [`Checker::envelope`] with the kind already compared with `run.start`.
    #[inline(always)]
    pub(crate) fn envelope_of(
        &mut self,
        run_start: bool,
        kind: &str,
        t: u64,
        seq: Option<u64>,
    ) -> EventResult<()> {
        // The usual case, inline: after `run.start`, in time and `seq` order.
        let in_order = !run_start
            && self.run_start_line.is_some()
            && t >= self.last_t.0
            && !matches!((seq, self.last_seq), (Some(s), Some((p, _))) if s <= p);
        if in_order {
            self.t_now = t;
            return Ok(());
        }
        self.envelope_judged(run_start, kind, t, seq)
    }

    /// [`Checker::envelope_of`] in full, errors included.
    #[inline(never)]
    fn envelope_judged(
        &mut self,
        run_start: bool,
        kind: &str,
        t: u64,
        seq: Option<u64>,
    ) -> EventResult<()> {
        let line = self.line;
        if run_start {
            if let Some(first) = self.run_start_line {
                return Err(EventError::Fatal(CheckError::DuplicateRunStart {
                    source_name: self.source.clone(),
                    line,
                    first_line: first,
                }));
            }
        } else if self.run_start_line.is_none() {
            return Err(EventError::Fatal(CheckError::BeforeRunStart {
                source_name: self.source.clone(),
                line,
                kind: crate::event::clip(kind),
            }));
        }
        if t < self.last_t.0 {
            return Err(EventError::Fatal(CheckError::Order {
                source_name: self.source.clone(),
                line,
                t_ns: t,
                previous: self.last_t.0,
                previous_line: self.last_t.1,
            }));
        }
        if let (Some(seq), Some((prev, prev_line))) = (seq, self.last_seq) {
            if seq <= prev {
                return Err(EventError::Fatal(CheckError::SeqOrder {
                    source_name: self.source.clone(),
                    line,
                    seq,
                    previous: prev,
                    previous_line: prev_line,
                }));
            }
        }
        self.t_now = t;
        Ok(())
    }

    /// Records the envelope of a line that was handled.
    #[inline]
    pub(crate) fn envelope_done(&mut self, t: u64, seq: Option<u64>) {
        self.last_t = (t, self.line);
        if let Some(seq) = seq {
            self.last_seq = Some((seq, self.line));
        }
    }

    fn dispatch(&mut self, kind: &str, f: &crate::event::Fields<'_>, t: u64) -> EventResult<()> {
        match kind {
            "cons.vote" => self.on_vote(f),
            "cons.decide" => self.on_decide(f, t),
            "cons.propose" => self.on_propose(f),
            "cons.step" => {
                self.ctx.req_str("node", f.node)?;
                req_u64("height", f.height)?;
                req_u64("round", f.round)?;
                self.ctx.req_str("step", f.step)?;
                self.stats.steps += 1;
                Ok(())
            }
            "msg.send" => {
                for (name, v) in
                    [("node", f.node), ("to", f.to), ("msg", f.msg), ("mtype", f.mtype)]
                {
                    self.ctx.req_str(name, v)?;
                }
                Ok(())
            }
            "msg.recv" => {
                for (name, v) in [("node", f.node), ("from", f.from), ("msg", f.msg)] {
                    self.ctx.req_str(name, v)?;
                }
                Ok(())
            }
            "msg.drop" => {
                self.ctx.req_str("msg", f.msg)?;
                self.ctx.req_str("reason", f.reason)?;
                Ok(())
            }
            "run.start" => self.on_run_start(f, t),
            "node.role" => {
                self.on_role(f)?;
                self.connectivity();
                Ok(())
            }
            "valset.change" => {
                self.on_valset(f)?;
                self.connectivity();
                Ok(())
            }
            "run.end" => {
                self.ctx.opt_str("reason", f.reason)?;
                self.run_end_line.get_or_insert(self.line);
                Ok(())
            }
            "fault.start" => self.on_fault_start(f),
            "fault.stop" => {
                let id = self.ctx.req_str("fault", f.fault)?;
                self.faults.stop(&id);
                self.live.open_window(t, self.line);
                self.connectivity();
                Ok(())
            }
            "net.heal" => {
                self.faults.heal();
                self.live.open_window(t, self.line);
                self.connectivity();
                Ok(())
            }
            "evidence.detect" => self.on_evidence(f),
            "tx.submit" => self.on_submit(f),
            "tx.result" => self.on_result(f),
            "state.snapshot" => self.on_snapshot(f),
            other => {
                if let Some(c) = self.unknown_kinds.get_mut(other) {
                    *c += 1;
                } else if self.unknown_kinds.len() < self.opts.limits.max_unknown_kinds {
                    self.unknown_kinds.insert(other.to_string(), 1);
                } else {
                    *self.unknown_kinds.entry("<other>".to_string()).or_insert(0) += 1;
                }
                Ok(())
            }
        }
    }

    /// A `fault.start`: its targets are node ids, or groups of node ids (a partition). A flat
    /// list of a partition is one group against everyone else.
    fn on_fault_start(&mut self, f: &crate::event::Fields<'_>) -> EventResult<()> {
        let id = self.ctx.req_str("fault", f.fault)?;
        let ftype = self.ctx.req_str("type", f.ftype)?;
        let Some(tv) = f.targets else { return bad("targets", "missing required field")? };
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut flat: Vec<String> = Vec::new();
        for e in crate::event::elements(&self.ctx, "targets", tv)? {
            match e {
                crate::json::Val::Arr(_) => groups.push(
                    self.ctx.str_list("targets", e)?.into_iter().map(|s| s.into_owned()).collect(),
                ),
                _ => flat.push(self.ctx.req_str("targets", Some(e))?.into_owned()),
            }
        }
        if !flat.is_empty() {
            groups.push(flat);
        }
        let mut ids = Vec::with_capacity(groups.len());
        for g in groups {
            let mut v = Vec::with_capacity(g.len());
            for n in g {
                v.push(self.node(&n)?);
            }
            ids.push(v);
        }
        if ftype == "partition" && ids.len() == 1 {
            // One listed group: cut off from the others.
            let listed = ids[0].clone();
            let rest = self.model.valset(0).members.iter().map(|m| m.0);
            ids.push(rest.filter(|n| !listed.contains(n)).collect());
        }
        if self.faults.len() >= self.opts.limits.max_nodes {
            return Err(self.limit("number of active faults", self.opts.limits.max_nodes));
        }
        self.faults.start(&id, &ftype, ids);
        self.connectivity();
        Ok(())
    }

    /// Tells the progress judge which validators are now up and connected in a quorum.
    pub(crate) fn connectivity(&mut self) {
        let top = self.watermark.unwrap_or(0);
        let nodes = self.faults.connected_quorum(&self.model, top);
        self.progress.connectivity(&nodes, self.t_now);
    }
}
