//! The trace exporter: what the engine reports becomes Touchstone trace lines (JSON Lines),
//! appended to a file the harness reads.
//!
//! Lines carry the node's wall clock as `t_unix_ns` instead of `t_ns`: the harness rebases
//! them to its run clock (`t_ns = t_unix_ns − run start`) when it merges the nodes' files.
//! `observer` names the node whose exporter wrote the line; `node` is the validator the line is
//! about (the voter, the proposer, the decider, the reporter of evidence).
//!
//! Mapping (trace format v1.1, resolution 10): `round` = view; `height` = the block's position
//! in the finalized sequence (blocks carry it); a nullify vote, which names no block, carries
//! `height` = view. A vote is written once per (voter, view, vtype, block): the engine replays
//! its journal after a restart and reports the same votes again, and the exporter reloads the
//! keys of what the file already holds when it opens it.

use crate::block::hex;
use crate::identity::NodeName;
use commonware_cryptography::sha256::Digest;
use serde_json::{json, Value};
use std::collections::{HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use touchstone_core::TxId;

/// Vote types of Simplex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteType {
    Notarize,
    Nullify,
    Finalize,
}

impl VoteType {
    pub fn name(self) -> &'static str {
        match self {
            VoteType::Notarize => "notarize",
            VoteType::Nullify => "nullify",
            VoteType::Finalize => "finalize",
        }
    }
}

/// Something worth a trace line.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A proposal, by `node` (this node's own, or one it received and checked).
    Propose {
        node: NodeName,
        height: u64,
        view: u64,
        block: Digest,
        parent: Digest,
        txs: Vec<TxId>,
    },
    /// A vote by `node`; `block` is `None` for nullify.
    Vote { node: NodeName, vtype: VoteType, height: u64, view: u64, block: Option<Digest> },
    /// This node applied a finalized block; `signers` from the finalization certificate that
    /// named this block (`None` when it was finalized through a descendant's certificate).
    Decide {
        height: u64,
        view: u64,
        block: Digest,
        parent: Digest,
        txs: Vec<TxId>,
        app_hash: String,
        signers: Option<Vec<NodeName>>,
    },
    /// Proof that `accused` misbehaved (`detail`: which engine activity proved it).
    Evidence {
        etype: &'static str,
        detail: &'static str,
        accused: NodeName,
        height: u64,
        view: u64,
    },
}

/// The JSON object of `ev` as written by `observer` at `t_unix_ns`.
pub fn to_json(ev: &Event, observer: NodeName, t_unix_ns: u64) -> Value {
    let txs = |t: &[TxId]| t.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match ev {
        Event::Propose { node, height, view, block, parent, txs: t } => json!({
            "kind": "cons.propose", "t_unix_ns": t_unix_ns, "node": node.to_string(),
            "height": height, "round": view, "block": hex(block), "parent": hex(parent),
            "txs": txs(t), "observer": observer.to_string(),
        }),
        Event::Vote { node, vtype, height, view, block } => json!({
            "kind": "cons.vote", "t_unix_ns": t_unix_ns, "node": node.to_string(),
            "height": height, "round": view, "vtype": vtype.name(),
            "block": block.as_ref().map(hex), "observer": observer.to_string(),
        }),
        Event::Decide { height, view, block, parent, txs: t, app_hash, signers } => {
            let mut v = json!({
                "kind": "cons.decide", "t_unix_ns": t_unix_ns, "node": observer.to_string(),
                "height": height, "round": view, "block": hex(block), "parent": hex(parent),
                "txs": txs(t), "app_hash": app_hash,
            });
            if let Some(s) = signers {
                let names: Vec<String> = s.iter().map(|n| n.to_string()).collect();
                v["cert"] = json!({ "signers": names });
            }
            v
        }
        Event::Evidence { etype, detail, accused, height, view } => json!({
            "kind": "evidence.detect", "t_unix_ns": t_unix_ns, "node": observer.to_string(),
            "etype": etype, "detail": detail, "accused": [accused.to_string()],
            "height": height, "round": view,
        }),
    }
}

/// The identity of a line for de-duplication: the same vote, proposal, decision or evidence
/// gives the same key whenever it is reported (height is left out of votes: a replayed vote may
/// meet a block this node no longer holds).
pub fn key_of(v: &Value) -> String {
    let s = |k: &str| v.get(k).map(Value::to_string).unwrap_or_default();
    match v.get("kind").and_then(Value::as_str).unwrap_or("") {
        "cons.vote" => format!("v|{}|{}|{}|{}", s("node"), s("round"), s("vtype"), s("block")),
        "cons.propose" => format!("p|{}|{}|{}", s("node"), s("round"), s("block")),
        "cons.decide" => format!("d|{}|{}", s("height"), s("block")),
        "evidence.detect" => {
            format!("e|{}|{}|{}|{}", s("etype"), s("detail"), s("accused"), s("round"))
        }
        other => format!("?|{other}|{v}"),
    }
}

/// How many recent line identities the exporter remembers (a replay after a restart only
/// repeats the last few views; older identities are forgotten to bound memory).
pub const REMEMBERED: usize = 1_000_000;

/// How much of an existing trace file is read back at start.
const TAIL: u64 = 16 << 20;

/// The identities of recently written lines (64-bit hashes, first in first out).
#[derive(Debug)]
struct Seen {
    set: HashSet<u64>,
    order: VecDeque<u64>,
    cap: usize,
}

impl Default for Seen {
    fn default() -> Self {
        Seen { set: HashSet::new(), order: VecDeque::new(), cap: REMEMBERED }
    }
}

impl Seen {
    /// Remembers `key`; `false` if it was already remembered.
    fn insert(&mut self, key: &str) -> bool {
        // SipHash with fixed keys: the same key hashes alike in every run of this binary.
        let mut h = std::hash::DefaultHasher::new();
        key.hash(&mut h);
        let k = h.finish();
        if !self.set.insert(k) {
            return false;
        }
        self.order.push_back(k);
        if self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// Appends lines to the node's trace file, each at most once.
#[derive(Debug)]
pub struct Exporter {
    me: NodeName,
    out: BufWriter<File>,
    seen: Seen,
    written: u64,
}

/// Why the trace file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("trace file {path}: {source}")]
pub struct TraceError {
    path: String,
    source: std::io::Error,
}

impl Exporter {
    /// Opens (or creates) `path`, remembering the lines it already holds and dropping a torn
    /// last line (the process was killed mid-write).
    pub fn open(path: &Path, me: NodeName) -> Result<Exporter, TraceError> {
        let err = |source| TraceError { path: path.display().to_string(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut file =
            OpenOptions::new().read(true).append(true).create(true).open(path).map_err(err)?;
        // Only the tail can be replayed (the engine journals the last few views), so only the
        // lines of the last TAIL bytes are remembered; the file may be far larger.
        let len = file.seek(SeekFrom::End(0)).map_err(err)?;
        let start = len.saturating_sub(TAIL);
        file.seek(SeekFrom::Start(start)).map_err(err)?;
        let mut reader = BufReader::new(&mut file);
        let mut pos = start;
        let mut line = String::new();
        if start > 0 {
            // Skip the line the tail starts inside.
            pos += reader.read_line(&mut line).map_err(err)? as u64;
        }
        let mut seen = Seen::default();
        let mut good_len = pos;
        loop {
            line.clear();
            let n = reader.read_line(&mut line).map_err(err)?;
            if n == 0 || !line.ends_with('\n') {
                break;
            }
            good_len += n as u64;
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                seen.insert(&key_of(&v));
            }
        }
        drop(reader);
        if good_len != len {
            file.set_len(good_len).map_err(err)?;
        }
        Ok(Exporter { me, out: BufWriter::new(file), seen, written: 0 })
    }

    /// Writes `ev` unless an identical line was written before; whether it was written.
    pub fn emit(&mut self, ev: &Event) -> bool {
        let v = to_json(ev, self.me, now_unix_ns());
        if !self.seen.insert(&key_of(&v)) {
            return false;
        }
        let mut line = v.to_string().into_bytes();
        line.push(b'\n');
        // A full disk must not stop consensus: the line is lost and the error logged.
        if let Err(e) = self.out.write_all(&line) {
            tracing::error!(error = %e, "cannot write a trace line");
        }
        self.written += 1;
        true
    }

    /// Pushes buffered lines to the file (called once per event-loop turn).
    pub fn flush(&mut self) {
        if let Err(e) = self.out.flush() {
            tracing::error!(error = %e, "cannot flush the trace");
        }
    }

    /// Lines written by this process.
    pub fn written(&self) -> u64 {
        self.written
    }
}

/// Nanoseconds since the Unix epoch (the node's wall clock; the harness rebases it).
#[allow(clippy::disallowed_methods)] // a real process: its trace is stamped with the wall clock
pub fn now_unix_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::digest_of;

    fn n(i: usize) -> NodeName {
        NodeName::new(i)
    }

    #[test]
    fn a_notarize_vote_maps_to_a_cons_vote_with_round_view_and_the_block_height() {
        let b = digest_of(b"b");
        let v = to_json(
            &Event::Vote {
                node: n(2),
                vtype: VoteType::Notarize,
                height: 5,
                view: 9,
                block: Some(b),
            },
            n(0),
            42,
        );
        assert_eq!(v["kind"], "cons.vote");
        assert_eq!(v["node"], "n2");
        assert_eq!(v["observer"], "n0");
        assert_eq!(v["height"], 5);
        assert_eq!(v["round"], 9);
        assert_eq!(v["vtype"], "notarize");
        assert_eq!(v["block"], hex(&b));
        assert_eq!(v["t_unix_ns"], 42);
    }

    #[test]
    fn a_nullify_vote_names_no_block() {
        let ev =
            Event::Vote { node: n(1), vtype: VoteType::Nullify, height: 4, view: 4, block: None };
        let v = to_json(&ev, n(0), 1);
        assert!(v["block"].is_null());
        assert_eq!(v["vtype"], "nullify");
    }

    #[test]
    fn a_decision_carries_the_certificate_signers_and_the_app_hash() {
        let decide = |signers| Event::Decide {
            height: 3,
            view: 4,
            block: digest_of(b"b"),
            parent: digest_of(b"a"),
            txs: vec![TxId(7), TxId(8)],
            app_hash: "ab".into(),
            signers,
        };
        let v = to_json(&decide(Some(vec![n(0), n(1), n(3)])), n(1), 1);
        assert_eq!(v["kind"], "cons.decide");
        assert_eq!(v["node"], "n1");
        assert_eq!(v["txs"], json!(["t7", "t8"]));
        assert_eq!(v["cert"]["signers"], json!(["n0", "n1", "n3"]));
        assert_eq!(v["app_hash"], "ab");
        assert!(to_json(&decide(None), n(1), 1).get("cert").is_none());
    }

    #[test]
    fn evidence_names_the_accused_and_the_reporter() {
        let ev = Event::Evidence {
            etype: "duplicate_vote",
            detail: "conflicting_notarize",
            accused: n(3),
            height: 2,
            view: 6,
        };
        let v = to_json(&ev, n(0), 1);
        assert_eq!(v["kind"], "evidence.detect");
        assert_eq!(v["node"], "n0");
        assert_eq!(v["accused"], json!(["n3"]));
        assert_eq!(v["round"], 6);
    }

    #[test]
    fn only_recent_identities_are_remembered() {
        let mut s = Seen { cap: 2, ..Seen::default() };
        assert!(s.insert("a"));
        assert!(s.insert("b"));
        assert!(!s.insert("a"));
        assert!(s.insert("c"));
        assert!(s.insert("a"), "the oldest was forgotten");
        assert!(!s.insert("c"));
    }

    #[test]
    fn a_replayed_vote_is_written_once_even_across_a_reopen_and_a_torn_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let vote_at = |height, view| Event::Vote {
            node: n(0),
            vtype: VoteType::Finalize,
            height,
            view,
            block: Some(digest_of(b"x")),
        };
        let vote = |height| vote_at(height, 3);
        let mut e = Exporter::open(&path, n(0)).unwrap();
        assert!(e.emit(&vote(2)));
        assert!(!e.emit(&vote(2)));
        e.flush();
        drop(e);
        // A torn line, as a SIGKILL mid-write leaves it.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"kind\":\"cons.vo")
            .unwrap();
        let mut e = Exporter::open(&path, n(0)).unwrap();
        assert!(!e.emit(&vote(3)), "the same vote after a restart, even with another height");
        assert!(e.emit(&vote_at(3, 4)));
        e.flush();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()));
    }
}
