//! The streaming checker: one line in, state updated, nothing kept per line.

use std::collections::{BTreeMap, BTreeSet};

use crate::consensus::Decision;
use crate::error::CheckError;
use crate::event::{bad, req_u64, Ctx, LineError};
use crate::fast::Fast;
use crate::findings::Findings;
use crate::height::Heights;
use crate::intern::{IdCache, Interner};
use crate::ledger::Ledger;
use crate::liveness::Liveness;
use crate::model::Model;
use crate::options::CheckOptions;
use crate::report::{BadLine, BadLines};

/// An error while handling one line: the line is bad (skippable) or checking must stop.
#[derive(Debug)]
pub(crate) enum E {
    Line(LineError),
    Fatal(CheckError),
}

impl From<LineError> for E {
    fn from(e: LineError) -> Self {
        E::Line(e)
    }
}

pub(crate) type R<T> = Result<T, E>;

/// An equivocation before names are resolved.
#[derive(Debug, Clone)]
pub(crate) struct RawEquiv {
    pub(crate) node: u32,
    pub(crate) height: u64,
    pub(crate) round: u64,
    pub(crate) what: String,
    pub(crate) blocks: [String; 2],
    pub(crate) lines: [u64; 2],
}

/// Per-node decided-height bookkeeping for `chain` contiguity.
#[derive(Debug, Default, Clone)]
pub(crate) struct NodeChain {
    pub(crate) min: Option<u64>,
    pub(crate) max: u64,
    pub(crate) count: u64,
    /// Gaps seen when a height was skipped: (first missing, last missing, line).
    pub(crate) gaps: Vec<(u64, u64, u64)>,
}

/// Counters behind the "not evaluated" reasons and the notes.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) proposes: u64,
    pub(crate) votes: u64,
    pub(crate) decides: u64,
    pub(crate) correct_decisions: u64,
    pub(crate) agreement_compared: u64,
    pub(crate) quorum_judged: u64,
    pub(crate) quorum_unverifiable: u64,
    pub(crate) validity_judged: u64,
    pub(crate) validity_unverifiable: u64,
    pub(crate) slots_judged: u64,
    pub(crate) app_hash_compared: u64,
    pub(crate) parents_checked: u64,
    pub(crate) late_events: u64,
    pub(crate) late_decides: u64,
    pub(crate) heights_decided: u64,
}

/// Fingerprints of reference blocks of heights that left the window.
#[derive(Debug, Default)]
pub(crate) struct PrunedChain {
    pub(crate) base: u64,
    /// (fingerprint, reference node, line); fingerprint 0 = no correct decision.
    pub(crate) entries: Vec<(u64, u32, u64)>,
}

/// All checker state.
#[derive(Debug)]
pub(crate) struct Checker<'o> {
    pub(crate) opts: &'o CheckOptions,
    pub(crate) ctx: Ctx,
    pub(crate) source: String,
    pub(crate) line: u64,
    pub(crate) events: u64,
    pub(crate) last_t: (u64, u64),
    pub(crate) last_seq: Option<(u64, u64)>,
    pub(crate) run_start_line: Option<u64>,
    pub(crate) protocol: String,
    pub(crate) seed: Option<String>,
    pub(crate) scenario: Option<String>,
    pub(crate) run_validators: Vec<(String, u64)>,
    pub(crate) model: Model,
    pub(crate) vtypes: Interner,
    pub(crate) heights: Heights,
    pub(crate) open_votes: usize,
    pub(crate) pruned_below: u64,
    pub(crate) pruned: PrunedChain,
    pub(crate) watermark: Option<u64>,
    pub(crate) findings: Findings,
    pub(crate) equivs: Vec<RawEquiv>,
    pub(crate) equivs_total: u64,
    pub(crate) equivocators: BTreeSet<u32>,
    pub(crate) evidence: Vec<(u32, u32, u64, u64, u64)>,
    pub(crate) node_chain: Vec<NodeChain>,
    pub(crate) ledger: Ledger,
    pub(crate) live: Liveness,
    pub(crate) stats: Stats,
    pub(crate) unknown_kinds: BTreeMap<String, u64>,
    pub(crate) bad: BadLines,
    pub(crate) genesis_seen: bool,
    pub(crate) first_disagreement: Option<u64>,
    /// Direct-mapped cache of node ids in front of `model.nodes`.
    pub(crate) node_cache: IdCache,
    /// Reused buffers for a decision's cert and txs.
    pub(crate) scratch_cert: Vec<u32>,
    pub(crate) scratch_txs: Vec<u32>,
    /// Raw text of the signer list interned into `scratch_cert` (when `cert_raw_valid`).
    pub(crate) cert_raw: Vec<u8>,
    pub(crate) cert_raw_valid: bool,
    /// Reused buffers for judging a height.
    pub(crate) scratch_decs: Vec<crate::height::Dec>,
    pub(crate) scratch_firsts: Vec<crate::height::Dec>,
    pub(crate) scratch_keys: Vec<crate::height::TallyKey>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("max_depth", &self.max_depth).finish()
    }
}

impl<'o> Checker<'o> {
    pub(crate) fn new(source: &str, opts: &'o CheckOptions) -> Self {
        let l = &opts.limits;
        Checker {
            opts,
            ctx: Ctx { max_depth: l.max_depth, max_id: l.max_id_bytes },
            source: source.to_string(),
            line: 0,
            events: 0,
            last_t: (0, 0),
            last_seq: None,
            run_start_line: None,
            protocol: String::new(),
            seed: None,
            scenario: None,
            run_validators: Vec::new(),
            model: Model::default(),
            vtypes: Interner::default(),
            heights: Heights::default(),
            open_votes: 0,
            pruned_below: 0,
            pruned: PrunedChain::default(),
            watermark: None,
            findings: Findings::new(l.max_findings_per_property),
            equivs: Vec::new(),
            equivs_total: 0,
            equivocators: BTreeSet::new(),
            evidence: Vec::new(),
            node_chain: Vec::new(),
            ledger: Ledger::default(),
            live: Liveness::default(),
            stats: Stats::default(),
            unknown_kinds: BTreeMap::new(),
            bad: BadLines::default(),
            genesis_seen: false,
            first_disagreement: None,
            node_cache: IdCache::default(),
            scratch_cert: Vec::new(),
            scratch_txs: Vec::new(),
            cert_raw: Vec::new(),
            cert_raw_valid: false,
            scratch_decs: Vec::new(),
            scratch_firsts: Vec::new(),
            scratch_keys: Vec::new(),
        }
    }

    /// A fatal limit error at the current line.
    pub(crate) fn limit(&self, what: &str, limit: usize) -> E {
        E::Fatal(CheckError::LimitExceeded {
            source_name: self.source.clone(),
            line: self.line,
            what: what.to_string(),
            limit: limit as u64,
        })
    }

    /// Interns a node id (bounded).
    #[inline]
    pub(crate) fn node(&mut self, id: &str) -> R<u32> {
        self.node_bytes(id.as_bytes())
    }

    /// Interns a node id given as the bytes of a valid UTF-8 string (bounded).
    #[inline]
    pub(crate) fn node_bytes(&mut self, id: &[u8]) -> R<u32> {
        if let Some(n) = self.node_cache.get(id) {
            return Ok(n);
        }
        let limit = self.opts.limits.max_nodes;
        match self.model.nodes.intern(&String::from_utf8_lossy(id), limit) {
            Some(n) => {
                self.node_cache.put(id, n);
                Ok(n)
            }
            None => Err(self.limit("number of distinct node ids", limit)),
        }
    }

    /// Handles one raw line (without its newline).
    pub(crate) fn line(&mut self, raw: &[u8]) -> Result<(), CheckError> {
        self.line += 1;
        let res = match crate::fast::parse(raw, self.ctx.max_id) {
            Some(f) => self.fast(f),
            None => self.general(raw),
        };
        self.line_done(res)
    }

    /// Handles the line at the start of `buf` if a fast path takes it and it ends (with `\n`
    /// or `\r\n`) inside `buf`: the number of bytes consumed, newline included. `None`: the
    /// caller must find the line's end and call [`Checker::line`].
    #[inline]
    pub(crate) fn line_in_buffer(&mut self, buf: &[u8]) -> Result<Option<usize>, CheckError> {
        let known = if self.cert_raw_valid { &self.cert_raw[..] } else { b"" };
        let Some((f, end)) = crate::fast::parse_prefix(buf, self.ctx.max_id, known) else {
            return Ok(None);
        };
        let consumed = match buf.get(end) {
            Some(b'\n') => end + 1,
            Some(b'\r') if buf.get(end + 1) == Some(&b'\n') => end + 2,
            _ => return Ok(None),
        };
        if end > self.opts.limits.max_line_bytes {
            return Ok(None);
        }
        self.line += 1;
        let res = self.fast(f);
        self.line_done(res)?;
        Ok(Some(consumed))
    }

    #[inline]
    fn fast(&mut self, f: Fast<'_>) -> R<()> {
        match f {
            Fast::Vote(v) => self.fast_vote(v),
            Fast::Decide(d) => self.fast_decide(d),
            Fast::Propose(p) => self.fast_propose(p),
        }
    }

    #[inline]
    fn line_done(&mut self, res: R<()>) -> Result<(), CheckError> {
        match res {
            Ok(()) => {
                self.events += 1;
                Ok(())
            }
            Err(E::Fatal(e)) => Err(e),
            Err(E::Line(e)) => self.bad_line(e),
        }
    }

    /// A line through the general scanner.
    fn general(&mut self, raw: &[u8]) -> R<()> {
        match std::str::from_utf8(raw) {
            Ok(s) => self.event(s),
            Err(e) => Err(E::Line(LineError::Bad {
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

    fn event(&mut self, s: &str) -> R<()> {
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
    fn fast_vote(&mut self, v: crate::fast::Vote<'_>) -> R<()> {
        self.envelope_of(false, "cons.vote", v.t, v.seq)?;
        self.vote(v.node, v.height, v.round, v.vtype, v.block)?;
        self.envelope_done(v.t, v.seq);
        Ok(())
    }

    /// A `cons.propose` read by the fast path.
    fn fast_propose(&mut self, p: crate::fast::Propose<'_>) -> R<()> {
        self.envelope_of(false, "cons.propose", p.t, p.seq)?;
        self.propose(p.node, p.height, p.round, p.block)?;
        self.envelope_done(p.t, p.seq);
        Ok(())
    }

    /// A `cons.decide` read by the fast path.
    fn fast_decide(&mut self, d: crate::fast::Decide<'_>) -> R<()> {
        self.envelope_of(false, "cons.decide", d.t, d.seq)?;
        let dec = Decision {
            node: d.node,
            height: d.height,
            round: d.round,
            block: d.block,
            parent: d.parent,
            app_hash: d.app_hash,
        };
        self.decide(dec, Some(d.signers.iter()), Some(d.signers.raw()), d.txs.iter(), d.t)?;
        self.envelope_done(d.t, d.seq);
        Ok(())
    }

    /// Checks a line's envelope against the trace so far: `run.start` first and once,
    /// `t_ns` non-decreasing, `seq` increasing.
    #[inline]
    fn envelope(&mut self, kind: &str, t: u64, seq: Option<u64>) -> R<()> {
        self.envelope_of(kind == "run.start", kind, t, seq)
    }

    /// [`Checker::envelope`] with the kind already compared with `run.start`.
    #[inline]
    fn envelope_of(&mut self, run_start: bool, kind: &str, t: u64, seq: Option<u64>) -> R<()> {
        let line = self.line;
        if run_start {
            if let Some(first) = self.run_start_line {
                return Err(E::Fatal(CheckError::DuplicateRunStart {
                    source_name: self.source.clone(),
                    line,
                    first_line: first,
                }));
            }
        } else if self.run_start_line.is_none() {
            return Err(E::Fatal(CheckError::BeforeRunStart {
                source_name: self.source.clone(),
                line,
                kind: crate::event::clip(kind),
            }));
        }
        if t < self.last_t.0 {
            return Err(E::Fatal(CheckError::Order {
                source_name: self.source.clone(),
                line,
                t_ns: t,
                previous: self.last_t.0,
                previous_line: self.last_t.1,
            }));
        }
        if let (Some(seq), Some((prev, prev_line))) = (seq, self.last_seq) {
            if seq <= prev {
                return Err(E::Fatal(CheckError::SeqOrder {
                    source_name: self.source.clone(),
                    line,
                    seq,
                    previous: prev,
                    previous_line: prev_line,
                }));
            }
        }
        Ok(())
    }

    /// Records the envelope of a line that was handled.
    #[inline]
    fn envelope_done(&mut self, t: u64, seq: Option<u64>) {
        self.last_t = (t, self.line);
        if let Some(seq) = seq {
            self.last_seq = Some((seq, self.line));
        }
    }

    fn dispatch(&mut self, kind: &str, f: &crate::event::Fields<'_>, t: u64) -> R<()> {
        match kind {
            "cons.vote" => self.on_vote(f),
            "cons.decide" => self.on_decide(f, t),
            "cons.propose" => self.on_propose(f),
            "cons.step" => {
                self.ctx.req_str("node", f.node)?;
                req_u64("height", f.height)?;
                req_u64("round", f.round)?;
                self.ctx.req_str("step", f.step)?;
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
            "run.start" => self.on_run_start(f),
            "node.role" => self.on_role(f),
            "valset.change" => self.on_valset(f),
            "run.end" => Ok(()),
            "fault.start" => self.on_fault_start(f),
            "fault.stop" => {
                let id = self.ctx.req_str("fault", f.fault)?;
                self.live.fault_stop(&id, t, self.line);
                Ok(())
            }
            "net.heal" => {
                self.live.heal(t, self.line);
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

    fn on_fault_start(&mut self, f: &crate::event::Fields<'_>) -> R<()> {
        let id = self.ctx.req_str("fault", f.fault)?;
        let ftype = self.ctx.req_str("type", f.ftype)?;
        let Some(tv) = f.targets else { return bad("targets", "missing required field")? };
        let mut names = Vec::new();
        for e in crate::event::elements(&self.ctx, "targets", tv)? {
            match e {
                crate::json::Val::Arr(_) => names.extend(self.ctx.str_list("targets", e)?),
                _ => names.push(self.ctx.req_str("targets", Some(e))?),
            }
        }
        let mut targets = Vec::with_capacity(names.len());
        for n in names {
            targets.push(self.node(&n)?);
        }
        if self.live.active_faults() >= self.opts.limits.max_nodes {
            return Err(self.limit("number of active faults", self.opts.limits.max_nodes));
        }
        self.live.fault_start(&id, &ftype, targets);
        Ok(())
    }
}
