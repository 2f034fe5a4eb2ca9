//! One trace for every chain (trace format 1.2): `run.start` declares the `chains`, and every
//! other line carries the `chain` it belongs to.
//!
//! The lines are the single-chain writer's ([`TraceEvent::encode`]), with `"chain":"<id>"`
//! spliced in after `seq`: what the simulator emits through its [`EventSink`] is tagged by
//! wrapping the sink ([`ChainSink`]), not by changing the events. As the single-chain writer,
//! [`XTrace`] keeps `t_ns` non-decreasing, numbers lines and chains a SHA-256 over every byte:
//! the run's fingerprint.

use sha2::{Digest, Sha256};
use std::io::{self, Write};
use touchstone_core::adapter::SystemInfo;
use touchstone_core::trace::json::Obj;
use touchstone_core::trace::TraceEvent;
use touchstone_core::Nanos;

/// The multi-chain trace writer.
#[derive(Debug)]
pub struct XTrace<W: Write> {
    out: W,
    hasher: Sha256,
    staged: Vec<(Nanos, Vec<u8>)>,
    last_t: Nanos,
    seq: u64,
    bytes: u64,
    error: Option<io::Error>,
}

impl<W: Write> XTrace<W> {
    pub fn new(out: W) -> Self {
        XTrace {
            out,
            hasher: Sha256::new(),
            staged: Vec::new(),
            last_t: 0,
            seq: 0,
            bytes: 0,
            error: None,
        }
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.seq
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// `ev` at `t`, on `chain`: staged until [`XTrace::commit`], which writes the staged lines
    /// in time order (the chains advance one after the other through the same interval).
    pub fn emit(&mut self, chain: &str, t: Nanos, ev: &TraceEvent<'_>) {
        let mut line = Vec::with_capacity(256);
        ev.encode(t, 0, &mut line);
        let at = after_seq(&line);
        let mut tag = Vec::with_capacity(chain.len() + 12);
        tag.extend_from_slice(b",\"chain\":");
        touchstone_core::trace::json::write_str(&mut tag, chain);
        line.splice(at..at, tag);
        self.staged.push((t, line));
    }

    /// A line of the whole run (`run.end`), without a chain; the staged lines go first.
    pub fn emit_run(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        self.commit();
        let t = t.max(self.last_t);
        self.last_t = t;
        self.seq += 1;
        let mut line = Vec::with_capacity(128);
        ev.encode(t, self.seq, &mut line);
        self.write_line(&line);
    }

    /// Writes the staged lines, ordered by time (stably: at one instant, in the order staged),
    /// numbering them.
    pub fn commit(&mut self) {
        let mut staged = std::mem::take(&mut self.staged);
        staged.sort_by_key(|(t, _)| *t);
        for (t, line) in staged.drain(..) {
            self.seq += 1;
            let line = if t < self.last_t { restamp(&line, self.last_t) } else { line };
            self.last_t = self.last_t.max(t);
            let line = renumber(&line, self.seq);
            self.write_line(&line);
        }
        self.staged = staged;
    }

    /// `run.start` of a multi-chain run: the chains with their validators, quorum, family and
    /// timeout; no top-level validators.
    pub fn run_start(&mut self, seed: u64, scenario: &str, chains: &[(String, SystemInfo)]) {
        self.commit();
        self.seq += 1;
        let mut line = Vec::new();
        let mut o = Obj::new(&mut line);
        o.str("kind", "run.start").u64("t_ns", 0).u64("seq", self.seq);
        o.str("protocol", "multi-chain");
        o.raw("validators", b"[]");
        o.u64("seed", seed).str("scenario", scenario).str("adapter", "sim");
        let b = o.raw_key("chains");
        b.push(b'[');
        for (i, (id, sys)) in chains.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            let mut c = Obj::new(b);
            c.str("id", id).str("protocol", &sys.protocol);
            let d = &sys.details;
            c.opt_str("family", d.get(touchstone_core::adapter::DETAIL_FAMILY).map(String::as_str));
            if let Some(q) = sys.quorum {
                let mut qo = c.obj("quorum");
                qo.u64("num", q.num).u64("den", q.den);
                qo.end();
            }
            let timeout =
                d.get(touchstone_core::adapter::DETAIL_TIMEOUT_NS).and_then(|t| t.parse().ok());
            c.opt_u64("timeout_ns", timeout);
            let vb = c.raw_key("validators");
            vb.push(b'[');
            for (j, v) in sys.validators.iter().enumerate() {
                if j > 0 {
                    vb.push(b',');
                }
                let mut vo = Obj::new(vb);
                vo.str("id", &v.id).u64("power", v.power);
                vo.end();
            }
            vb.push(b']');
            c.end();
        }
        b.push(b']');
        o.end();
        self.write_line(&line);
    }

    fn write_line(&mut self, line: &[u8]) {
        self.hasher.update(line);
        self.hasher.update(b"\n");
        self.bytes += line.len() as u64 + 1;
        let r = self.out.write_all(line).and_then(|()| self.out.write_all(b"\n"));
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    /// Flushes and returns the writer and the fingerprint (hex SHA-256 of every byte).
    pub fn finish(mut self) -> io::Result<(W, String)> {
        self.commit();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok((self.out, hex::encode(self.hasher.finalize())))
    }
}

/// `line` (encoded with `"seq":0`) with its number.
fn renumber(line: &[u8], seq: u64) -> Vec<u8> {
    let end = after_seq(line);
    let mut out = Vec::with_capacity(line.len() + 8);
    out.extend_from_slice(&line[..end - 1]);
    out.extend_from_slice(itoa::Buffer::new().format(seq).as_bytes());
    out.extend_from_slice(&line[end..]);
    out
}

/// `line` with its `t_ns` replaced (an event reported behind the last line written).
fn restamp(line: &[u8], t: Nanos) -> Vec<u8> {
    const KEY: &[u8] = b"\"t_ns\":";
    let Some(p) = line.windows(KEY.len()).position(|w| w == KEY) else { return line.to_vec() };
    let start = p + KEY.len();
    let end = start + line[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut out = Vec::with_capacity(line.len() + 8);
    out.extend_from_slice(&line[..start]);
    out.extend_from_slice(itoa::Buffer::new().format(t).as_bytes());
    out.extend_from_slice(&line[end..]);
    out
}

/// Where `"seq":<n>` ends in an encoded line (the encoder writes `kind`, `t_ns`, `seq` first).
fn after_seq(line: &[u8]) -> usize {
    const KEY: &[u8] = b"\"seq\":";
    let start = line.windows(KEY.len()).position(|w| w == KEY).map_or(0, |p| p + KEY.len());
    start + line[start..].iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::trace::ValidatorInfo;

    #[test]
    fn lines_carry_their_chain_after_seq_and_run_start_lists_the_chains() {
        let mut w = XTrace::new(Vec::new());
        let sys = SystemInfo {
            adapter: "sim".into(),
            protocol: "pbft".into(),
            validators: vec![ValidatorInfo { id: "n0".into(), power: 1 }],
            quorum: Some(touchstone_core::trace::QuorumRule { num: 2, den: 3 }),
            details: Default::default(),
        };
        w.run_start(7, "x", &[("cash".into(), sys)]);
        w.emit("cash", 5, &TraceEvent::NetHeal);
        w.emit("sec", 3, &TraceEvent::NetHeal);
        w.commit();
        w.emit("sec", 1, &TraceEvent::NetHeal);
        w.emit_run(9, &TraceEvent::RunEnd { reason: None });
        let (out, fp) = w.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["chains"][0]["id"], "cash");
        assert_eq!(lines[0]["chains"][0]["validators"][0]["id"], "n0");
        assert_eq!(lines[0]["chains"][0]["quorum"]["den"], 3);
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .starts_with(r#"{"kind":"net.heal","t_ns":3,"seq":2,"chain":"sec""#),
            "staged lines are written in time order"
        );
        assert_eq!((lines[2]["chain"].as_str(), lines[2]["seq"].as_u64()), (Some("cash"), Some(3)));
        assert_eq!(lines[3]["t_ns"], 5, "time never goes back");
        assert_eq!((lines[4]["kind"].as_str(), lines[4].get("chain")), (Some("run.end"), None));
        assert_eq!(fp.len(), 64);
    }
}
