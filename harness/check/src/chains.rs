//! Trace format 1.2: a trace whose `run.start` declares `chains` is checked as one
//! [`Checker`] per chain, each started with that chain's protocol, family, quorum, timeout and
//! validators. This layer reads each line's envelope and `chain`, routes the line (keeping its
//! line number) to its chain's checker, and collects the bridge transactions for the
//! cross-chain properties (`xchain`). Lines that concern every chain (`run.end`, `net.heal`,
//! `fault.stop`) may omit `chain` and go to each; any other known kind must name a declared
//! chain, or it is a bad line (field `chain`). A trace without `chains` goes straight to one
//! checker, exactly as before 1.2.

use serde_json::{Map, Value};

use crate::checker::{Checker, EventError, EventResult};
use crate::error::CheckError;
use crate::event::{bad, opt_u64, req_u64, Fields, LineError};
use crate::fast::Fast;
use crate::lines::Sink;
use crate::options::CheckOptions;
use crate::report::CheckReport;
use crate::xchain::Xchain;

/// Kinds that may omit `chain` in a multi-chain trace: they go to every chain.
const EVERY_CHAIN: [&str; 3] = ["run.end", "net.heal", "fault.stop"];

/// Kinds the checker reads (any other kind is only counted).
const KNOWN: [&str; 18] = [
    "run.start",
    "run.end",
    "node.role",
    "valset.change",
    "fault.start",
    "fault.stop",
    "net.heal",
    "cons.propose",
    "cons.vote",
    "cons.decide",
    "cons.step",
    "msg.send",
    "msg.recv",
    "msg.drop",
    "evidence.detect",
    "tx.submit",
    "tx.result",
    "state.snapshot",
];

/// One entry of `run.start.chains`.
#[derive(Debug, Clone)]
pub(crate) struct ChainDecl {
    pub(crate) id: String,
    entry: Map<String, Value>,
}

/// The chains `run.start` declares: an array of objects, each with a unique, non-empty `id`,
/// a `protocol` and its `validators`.
pub(crate) fn declared(raw: &str) -> Result<Vec<ChainDecl>, LineError> {
    let fail = |m: String| LineError::Bad { field: "chains".into(), message: m };
    let list: Vec<Value> = serde_json::from_str(raw).map_err(|e| fail(e.to_string()))?;
    if list.is_empty() {
        return Err(fail("declares no chain".into()));
    }
    let mut out: Vec<ChainDecl> = Vec::with_capacity(list.len());
    for (i, v) in list.into_iter().enumerate() {
        let Value::Object(entry) = v else {
            return Err(fail(format!("entry {i} is not an object")));
        };
        let id = match entry.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(fail(format!("entry {i} has no id (a non-empty string)"))),
        };
        if out.iter().any(|c| c.id == id) {
            return Err(fail(format!("chain {id:?} is declared twice")));
        }
        for need in ["protocol", "validators"] {
            if !entry.contains_key(need) {
                return Err(fail(format!("chain {id:?} has no {need}")));
            }
        }
        out.push(ChainDecl { id, entry });
    }
    Ok(out)
}

/// The per-chain checkers of a multi-chain trace.
#[derive(Debug)]
pub(crate) struct Multi<'o> {
    pub(crate) ids: Vec<String>,
    pub(crate) subs: Vec<Checker<'o>>,
    pub(crate) x: Xchain,
}

/// Lines in: one checker, or (1.2, `chains`) one per chain.
#[derive(Debug)]
pub(crate) struct Demux<'o> {
    /// The only checker of a single-chain trace; with `chains`, the holder of the trace-wide
    /// envelope (`run.start`, line numbers, time order) and of the lines no chain takes.
    pub(crate) primary: Checker<'o>,
    pub(crate) multi: Option<Multi<'o>>,
}

impl<'o> Demux<'o> {
    pub(crate) fn new(source: &str, opts: &'o CheckOptions) -> Self {
        Demux { primary: Checker::new(source, opts), multi: None }
    }

    pub(crate) fn finish(self) -> Result<CheckReport, CheckError> {
        match self.multi {
            None => self.primary.finish(),
            Some(m) => crate::chains_report::finish(self.primary, m),
        }
    }

    /// `run.start` declared `chains`: one checker per chain, started by a `run.start` of its
    /// own on the same line (the chain's entry, with the run's seed, scenario and adapter).
    fn split(&mut self, raw: &str) -> Result<(), CheckError> {
        let p = &self.primary;
        let decls = declared(raw).map_err(|e| match e {
            LineError::Bad { field, message } => {
                CheckError::BadLine { source_name: p.source.clone(), line: p.line, field, message }
            }
            LineError::Limit { what, limit } => CheckError::LimitExceeded {
                source_name: p.source.clone(),
                line: p.line,
                what,
                limit,
            },
        })?;
        let mut m = Multi { ids: Vec::new(), subs: Vec::new(), x: Xchain::new(decls.len()) };
        for d in decls {
            let mut start = Map::new();
            start.insert("kind".into(), "run.start".into());
            start.insert("t_ns".into(), p.t_now.into());
            let seed = p
                .seed
                .as_ref()
                .map(|s| s.parse::<u64>().map_or(Value::from(s.as_str()), Value::from));
            for (k, v) in [
                ("seed", seed),
                ("scenario", p.scenario.clone().map(Value::from)),
                ("adapter", p.adapter.clone().map(Value::from)),
            ] {
                if let Some(v) = v {
                    start.insert(k.into(), v);
                }
            }
            for (k, v) in d.entry {
                if k != "id" {
                    start.insert(k, v);
                }
            }
            let mut sub = Checker::new(&p.source, p.opts);
            sub.line = p.line - 1;
            sub.line(Value::Object(start).to_string().as_bytes())?;
            m.ids.push(d.id);
            m.subs.push(sub);
        }
        self.multi = Some(m);
        Ok(())
    }

    /// A line of a multi-chain trace.
    fn routed(&mut self, raw: &[u8]) -> Result<(), CheckError> {
        self.primary.line += 1;
        match self.route(raw) {
            Ok(()) => Ok(()),
            Err(EventError::Fatal(e)) => Err(e),
            Err(EventError::Line(e)) => self.primary.bad_line(e),
        }
    }

    fn route(&mut self, raw: &[u8]) -> EventResult<()> {
        let s = std::str::from_utf8(raw).map_err(|e| LineError::Bad {
            field: "<line>".into(),
            message: format!("not UTF-8 at byte {}", e.valid_up_to() + 1),
        })?;
        let mut f = Fields::default();
        let p = &mut self.primary;
        p.ctx.fields(s, &mut f)?;
        let kind = p.ctx.req_str("kind", f.kind)?.into_owned();
        let t = req_u64("t_ns", f.t_ns)?;
        let seq = opt_u64("seq", f.seq)?;
        p.envelope_of(kind == "run.start", &kind, t, seq)?;
        let Some(m) = self.multi.as_mut() else { return Ok(()) };
        let chain = p.ctx.opt_str("chain", f.chain)?;
        let line = p.line;
        let target = match chain {
            Some(c) => match m.ids.iter().position(|id| *id == *c) {
                Some(i) => Some(i),
                None => {
                    let msg =
                        format!("unknown chain {c:?} (run.start declares {})", m.ids.join(", "));
                    return bad("chain", msg)?;
                }
            },
            None if EVERY_CHAIN.contains(&kind.as_str()) => None,
            None if !KNOWN.contains(&kind.as_str()) => {
                let k = crate::event::clip(&kind);
                let k = if p.unknown_kinds.contains_key(&k)
                    || p.unknown_kinds.len() < p.opts.limits.max_unknown_kinds
                {
                    k
                } else {
                    "<other>".to_string()
                };
                *p.unknown_kinds.entry(k).or_insert(0) += 1;
                p.envelope_done(t, seq);
                return Ok(());
            }
            None => {
                let msg = format!("missing required field: run.start declares chains, so a {kind} line names its chain");
                return bad("chain", msg)?;
            }
        };
        m.x.end_t = t;
        match target {
            Some(i) => {
                let bridge = match kind.as_str() {
                    "tx.submit" => Xchain::parse_submit(s, &p.ctx.req_str("op", f.op)?)?,
                    _ => None,
                };
                let sub = &mut m.subs[i];
                let before = sub.bad.count;
                sub.line = line - 1;
                sub.line(raw).map_err(EventError::Fatal)?;
                if sub.bad.count == before {
                    observe(&p.ctx, &mut m.x, i, &kind, &f, bridge, (t, line))?;
                }
            }
            None => {
                for sub in &mut m.subs {
                    let before = sub.bad.count;
                    sub.line = line - 1;
                    sub.line(raw).map_err(EventError::Fatal)?;
                    if sub.bad.count != before {
                        break;
                    }
                }
            }
        }
        p.envelope_done(t, seq);
        Ok(())
    }
}

/// What the cross-chain properties need of a line its chain accepted.
fn observe(
    ctx: &crate::event::Ctx,
    x: &mut Xchain,
    chain: usize,
    kind: &str,
    f: &Fields<'_>,
    bridge: Option<crate::xchain::BridgeFields>,
    (t, line): (u64, u64),
) -> Result<(), LineError> {
    match kind {
        "tx.submit" => {
            if let Some(b) = bridge {
                x.submit(chain, b, line);
            }
        }
        "tx.result" => {
            let tx = ctx.req_str("tx", f.tx)?;
            if ctx.req_str("status", f.status)? == "committed" && x.knows(chain, &tx) {
                x.committed(chain, &tx, (opt_u64("height", f.height)?, t, line));
            }
        }
        "cons.decide" => {
            let node = ctx.req_str("node", f.node)?;
            let block = ctx.opt_str("block", f.block)?.unwrap_or_default();
            let txs = match f.txs {
                Some(v @ crate::json::Val::Arr(_)) if !x.txs.is_empty() => {
                    ctx.str_list("txs", v)?.into_iter().map(|s| s.into_owned()).collect()
                }
                _ => Vec::new(),
            };
            x.decide(chain, &node, &block, &txs, (opt_u64("height", f.height)?, t, line));
        }
        _ => {}
    }
    Ok(())
}

impl Sink for Demux<'_> {
    fn source_name(&self) -> &str {
        &self.primary.source
    }

    fn max_line_bytes(&self) -> usize {
        self.primary.opts.limits.max_line_bytes
    }

    #[inline]
    fn line(&mut self, raw: &[u8]) -> Result<(), CheckError> {
        if self.multi.is_some() {
            return self.routed(raw);
        }
        self.primary.line(raw)?;
        if let Some(chains) = self.primary.chains_decl.take() {
            self.split(&chains)?;
        }
        Ok(())
    }

    fn max_id_bytes(&self) -> usize {
        self.primary.ctx.max_id
    }

    fn max_depth(&self) -> usize {
        self.primary.ctx.max_depth
    }

    #[inline]
    fn fast_line(&mut self, f: Fast<'_>, raw: &[u8]) -> Result<(), CheckError> {
        if self.multi.is_some() {
            // Lines are routed to their chain as they are.
            return self.routed(raw);
        }
        self.primary.fast_line(f)
    }

    fn skipped_line(&mut self, e: LineError) -> Result<(), CheckError> {
        self.primary.line += 1;
        self.primary.bad_line(e)
    }
}
