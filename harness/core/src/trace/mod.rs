//! Writing traces in the format of `docs/trace-format.md`.
//!
//! The writer appends one line per event, keeps `t_ns` non-decreasing (an event reported late
//! is stamped with the last time written, never earlier), numbers lines with `seq`, and chains a
//! SHA-256 over every byte it writes: that digest is the run's **fingerprint**. Same scenario and
//! seed on the simulator → byte-identical trace → same fingerprint.

mod event;
pub mod json;

pub use event::{QuorumRule, Targets, TraceEvent, TxStatus, ValidatorInfo};

use crate::time::Nanos;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// Anything that takes trace events: the run's file writer, a test buffer, a counter.
pub trait TraceSink {
    /// Appends `ev` observed at time `t`.
    fn emit(&mut self, t: Nanos, ev: &TraceEvent<'_>);

    /// Bytes written so far, when the sink knows (the engine's watchdog limits them).
    fn bytes_written(&self) -> Option<u64> {
        None
    }
}

/// Writes trace lines to any `Write`, with the fingerprint chained over them.
#[derive(Debug)]
pub struct TraceWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    hasher: Sha256,
    last_t: Nanos,
    seq: u64,
    /// Bytes handed to `out` so far.
    flushed: u64,
    error: Option<io::Error>,
}

/// Flush to the underlying writer once this many bytes are buffered.
const FLUSH_AT: usize = 256 * 1024;

impl<W: Write> TraceWriter<W> {
    pub fn new(out: W) -> Self {
        TraceWriter {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            hasher: Sha256::new(),
            last_t: 0,
            seq: 0,
            flushed: 0,
            error: None,
        }
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.seq
    }

    /// Time of the last line written.
    pub fn last_t(&self) -> Nanos {
        self.last_t
    }

    /// Writes buffered lines through (and remembers the first I/O error).
    pub fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.hasher.update(&self.buf);
            self.flushed += self.buf.len() as u64;
            let r = self.out.write_all(&self.buf);
            self.buf.clear();
            if let Err(e) = r {
                self.error.get_or_insert(e);
            }
        }
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(e);
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The fingerprint so far (hex SHA-256 of every byte written). Flushes first.
    pub fn fingerprint(&mut self) -> io::Result<String> {
        self.flush()?;
        Ok(hex::encode(self.hasher.clone().finalize()))
    }

    /// Flushes and returns the inner writer and the fingerprint.
    pub fn finish(mut self) -> io::Result<(W, String)> {
        let fp = self.fingerprint()?;
        Ok((self.out, fp))
    }
}

impl<W: Write> TraceSink for TraceWriter<W> {
    #[inline]
    fn emit(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        let t = t.max(self.last_t);
        self.last_t = t;
        self.seq += 1;
        ev.encode(t, self.seq, &mut self.buf);
        self.buf.push(b'\n');
        if self.buf.len() >= FLUSH_AT {
            self.hasher.update(&self.buf);
            self.flushed += self.buf.len() as u64;
            if let Err(e) = self.out.write_all(&self.buf) {
                self.error.get_or_insert(e);
            }
            self.buf.clear();
        }
    }

    fn bytes_written(&self) -> Option<u64> {
        Some(self.flushed + self.buf.len() as u64)
    }
}

/// A sink that keeps lines in memory (tests, examples).
#[derive(Debug, Default)]
pub struct MemoryTrace {
    pub lines: Vec<String>,
    last_t: Nanos,
    bytes: u64,
}

impl MemoryTrace {
    /// Each line parsed as JSON.
    pub fn values(&self) -> Vec<serde_json::Value> {
        self.lines.iter().map(|l| serde_json::from_str(l).expect("trace line is JSON")).collect()
    }
}

impl TraceSink for MemoryTrace {
    fn emit(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        let t = t.max(self.last_t);
        self.last_t = t;
        let mut buf = Vec::new();
        ev.encode(t, self.lines.len() as u64 + 1, &mut buf);
        self.bytes += buf.len() as u64 + 1;
        self.lines.push(String::from_utf8(buf).expect("encoder writes UTF-8"));
    }

    fn bytes_written(&self) -> Option<u64> {
        Some(self.bytes)
    }
}

/// A sink that drops everything (benchmarks of the harness without I/O).
#[derive(Debug, Default)]
pub struct DiscardTrace {
    pub events: u64,
}

impl TraceSink for DiscardTrace {
    fn emit(&mut self, _t: Nanos, _ev: &TraceEvent<'_>) {
        self.events += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TxId;

    #[test]
    fn time_never_decreases_and_seq_counts() {
        let mut w = TraceWriter::new(Vec::new());
        w.emit(10, &TraceEvent::NetHeal);
        w.emit(5, &TraceEvent::RunEnd { reason: Some("done") });
        let (out, fp) = w.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[1]["t_ns"], 10);
        assert_eq!(lines[1]["seq"], 2);
        assert_eq!(fp.len(), 64);
    }

    #[test]
    fn every_kind_encodes_to_spec_fields() {
        let vals = vec![ValidatorInfo { id: "n0".into(), power: 1 }];
        let nodes = vec!["n0".to_string()];
        let groups = vec![vec!["n0".to_string()], vec!["n1".to_string()]];
        let txs = [TxId(1), TxId(2)];
        let supply = vec![("USD".to_string(), 100u128)];
        let balances = vec![("a0".to_string(), vec![("USD".to_string(), 100u128)])];
        let events = [
            TraceEvent::RunStart {
                protocol: "pbft",
                validators: &vals,
                quorum: Some(QuorumRule { num: 2, den: 3 }),
                seed: Some(7),
                scenario: Some("s"),
                adapter: Some("sim"),
                family: Some("pbft"),
                timeout_ns: Some(1_000_000_000),
            },
            TraceEvent::NodeRole { node: "n0", byzantine: true, behaviour: Some("silent") },
            TraceEvent::FaultStart {
                fault: "f1",
                ftype: "partition",
                targets: Targets::Groups(&groups),
                params: None,
            },
            TraceEvent::FaultStart {
                fault: "f2",
                ftype: "crash",
                targets: Targets::Nodes(&nodes),
                params: Some(&serde_json::json!({"x": 1})),
            },
            TraceEvent::ConsVote {
                node: "n0",
                height: 1,
                round: 0,
                vtype: "prevote",
                block: None,
                signature: None,
            },
            TraceEvent::ConsDecide {
                node: "n0",
                height: 1,
                round: 0,
                block: "b1",
                parent: Some("b0"),
                app_hash: Some("h"),
                txs: &txs,
                signers: Some(&["n0", "n1"]),
            },
            TraceEvent::TxSubmit {
                tx: TxId(1),
                client: "c0",
                op: "transfer",
                from: Some("a0"),
                to: Some("a1"),
                asset: Some("USD"),
                amount: Some(5),
                nonce: Some(0),
                via: None,
                intended_ns: Some(3),
                legs: &[],
                bridge: None,
            },
            TraceEvent::TxResult {
                tx: TxId(1),
                status: TxStatus::Rejected,
                height: None,
                reason: Some("BAD_NONCE"),
                node: None,
            },
            TraceEvent::StateSnapshot {
                node: "n0",
                height: 1,
                app_hash: None,
                supply: &supply,
                balances: &balances,
            },
        ];
        let mut mem = MemoryTrace::default();
        for e in &events {
            mem.emit(1, e);
        }
        let v = mem.values();
        assert_eq!(v[0]["quorum"]["den"], 3);
        assert_eq!(v[1]["role"], "byzantine");
        assert_eq!(v[2]["targets"][1][0], "n1");
        assert_eq!(v[3]["params"]["x"], 1);
        assert!(v[4]["block"].is_null());
        assert_eq!(v[5]["cert"]["signers"][1], "n1");
        assert_eq!(v[5]["txs"][0], "t1");
        assert_eq!(v[6]["amount"], 5);
        assert_eq!(v[7]["reason"], "BAD_NONCE");
        assert_eq!(v[8]["balances"]["a0"]["USD"], 100);
    }

    #[test]
    fn an_observed_decision_is_written_without_a_cert() {
        let mut mem = MemoryTrace::default();
        let ev = TraceEvent::ConsDecide {
            node: "n1",
            height: 7,
            round: 2,
            block: "b7",
            parent: Some("b6"),
            app_hash: Some("h7"),
            txs: &[TxId(3)],
            signers: None,
        };
        mem.emit(1, &ev);
        let v = &mem.values()[0];
        assert!(v.get("cert").is_none(), "{v}");
        assert_eq!(v["app_hash"], "h7");
    }

    #[test]
    fn bridge_operations_write_the_vocabulary_fields() {
        use crate::ledger::{Certified, Operation, Proof};
        let proof = Proof {
            chain: "sec".into(),
            height: 9,
            block: "b9".into(),
            signers: vec!["n0".into(), "n2".into()],
            xfer: "x1".into(),
            of: Certified::Lock,
            asset: "USD".into(),
            amount: 5,
            beneficiary: "a1".into(),
        };
        let mint = Operation::Mint {
            to: "a1".into(),
            asset: "USD".into(),
            amount: 5,
            xfer: "x1".into(),
            peer_chain: "sec".into(),
            proof: Box::new(proof),
        };
        let hashlock = Operation::Hashlock {
            from: "a0".into(),
            to: "bridge.escrow".into(),
            asset: "USD".into(),
            amount: 7,
            xfer: "h1".into(),
            hash: "ab".repeat(32),
            expires_height: 40,
            beneficiary: "b3".into(),
            dvp: Some("p1".into()),
        };
        let mut mem = MemoryTrace::default();
        for op in [&mint, &hashlock] {
            let ev = TraceEvent::TxSubmit {
                tx: TxId(1),
                client: "relay",
                op: op.name(),
                from: op.from(),
                to: op.to(),
                asset: op.asset(),
                amount: op.amount(),
                nonce: None,
                via: None,
                intended_ns: None,
                legs: op.legs(),
                bridge: op.bridge(),
            };
            mem.emit(1, &ev);
        }
        let v = mem.values();
        assert_eq!(v[0]["op"], "mint");
        assert!(v[0].get("from").is_none());
        assert_eq!((v[0]["to"].as_str(), v[0]["amount"].as_u64()), (Some("a1"), Some(5)));
        assert_eq!((v[0]["xfer"].as_str(), v[0]["peer_chain"].as_str()), (Some("x1"), Some("sec")));
        let p = &v[0]["proof"];
        assert_eq!(p["chain"], "sec");
        assert_eq!(p["height"], 9);
        assert_eq!(p["block"], "b9");
        assert_eq!(p["signers"][1], "n2");
        assert_eq!(p["xfer"], "x1");
        assert_eq!(p.as_object().map(|o| o.len()), Some(5), "the certificate's fields only");
        assert_eq!(v[1]["op"], "hashlock");
        assert_eq!(v[1]["to"], "bridge.escrow");
        assert_eq!(v[1]["hash"], "ab".repeat(32));
        assert_eq!(v[1]["expires_height"], 40);
        assert_eq!((v[1]["beneficiary"].as_str(), v[1]["dvp"].as_str()), (Some("b3"), Some("p1")));
        assert!(v[1].get("proof").is_none() && v[1].get("preimage").is_none());
    }
}
