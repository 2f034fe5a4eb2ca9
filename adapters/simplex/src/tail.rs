//! Reading the nodes' trace files while they grow, and turning their lines into trace events.
//!
//! Each node appends JSON Lines stamped with its wall clock (`t_unix_ns`, see the node's
//! README). A [`TraceTail`] returns the complete lines appended since its last read; a line
//! still being written is left for the next read. A node killed mid-line cuts the torn tail off
//! when it starts again: the tail only ever consumed complete lines, so it reads on from there.

use serde::Deserialize;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use touchstone_core::trace::TraceEvent;
use touchstone_core::TxId;

/// Longest line accepted from a node (a block of 2 000 transactions' ids is ~20 kB).
const MAX_LINE: usize = 4 << 20;

/// The growing trace file of one node.
#[derive(Debug)]
pub struct TraceTail {
    pub path: PathBuf,
    file: Option<File>,
    /// End of the last complete line consumed.
    pub consumed: u64,
    buf: Vec<u8>,
    /// Complete lines read so far.
    pub lines: u64,
}

impl TraceTail {
    pub fn new(path: PathBuf) -> TraceTail {
        TraceTail { path, file: None, consumed: 0, buf: Vec::new(), lines: 0 }
    }

    /// Calls `f` with every complete line appended since the last call (without its newline).
    pub fn read_new(&mut self, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
        if self.file.is_none() {
            match File::open(&self.path) {
                Ok(file) => self.file = Some(file),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        let file = self.file.as_mut().expect("opened above");
        file.seek(SeekFrom::Start(self.consumed))?;
        self.buf.clear();
        file.read_to_end(&mut self.buf)?;
        let mut start = 0;
        while let Some(nl) = memchr_newline(&self.buf[start..]) {
            let line = &self.buf[start..start + nl];
            start += nl + 1;
            if !line.is_empty() {
                self.lines += 1;
                f(line);
            }
        }
        if self.buf.len() - start > MAX_LINE {
            // A line this long is not one the node writes: skip it rather than hold it forever.
            start = self.buf.len();
        }
        self.consumed += start as u64;
        Ok(())
    }

    /// Bytes in the file beyond the last complete line (a line being written, or torn).
    pub fn unread(&self) -> u64 {
        std::fs::metadata(&self.path).map(|m| m.len().saturating_sub(self.consumed)).unwrap_or(0)
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// A node's trace line, owned (it outlives the buffer it was read from).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NodeLine {
    pub kind: String,
    pub t_unix_ns: u64,
    pub node: String,
    #[serde(default)]
    pub height: u64,
    #[serde(default)]
    pub round: u64,
    #[serde(default)]
    pub block: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub txs: Vec<String>,
    #[serde(default)]
    pub vtype: Option<String>,
    #[serde(default)]
    pub app_hash: Option<String>,
    #[serde(default)]
    pub cert: Option<Cert>,
    #[serde(default)]
    pub etype: Option<String>,
    #[serde(default)]
    pub accused: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cert {
    pub signers: Vec<String>,
}

/// A line made ready to emit: its transaction ids parsed and its fields checked for its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub line: NodeLine,
    txs: Vec<TxId>,
    /// The certificate's signers; `None` for a decision written without its certificate.
    signers: Option<Vec<String>>,
}

/// Why a node's line is not merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Not JSON, or lacking a field its kind needs.
    Malformed(String),
    /// A kind this adapter does not pass on.
    OtherKind(String),
}

impl Parsed {
    pub fn parse(bytes: &[u8]) -> Result<Parsed, Skip> {
        let line: NodeLine =
            serde_json::from_slice(bytes).map_err(|e| Skip::Malformed(e.to_string()))?;
        let need = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(Skip::Malformed(format!("{} without {what}", line.kind)))
            }
        };
        match line.kind.as_str() {
            "cons.propose" | "cons.decide" => need(line.block.is_some(), "block")?,
            "cons.vote" => need(line.vtype.is_some(), "vtype")?,
            "evidence.detect" => need(line.etype.is_some(), "etype")?,
            other => return Err(Skip::OtherKind(other.to_string())),
        }
        let mut txs = Vec::with_capacity(line.txs.len());
        for t in &line.txs {
            txs.push(TxId::parse(t).ok_or_else(|| Skip::Malformed(format!("tx id {t:?}")))?);
        }
        let signers = line.cert.as_ref().map(|c| c.signers.clone());
        Ok(Parsed { line, txs, signers })
    }

    /// The identity of what the line reports, the same whichever node observed it: a vote or
    /// a proposal is one event however many validators saw it (height is left out: an observer
    /// that did not hold the block wrote the view instead). Decisions and evidence are each
    /// node's own.
    pub fn identity(&self) -> Option<String> {
        let l = &self.line;
        let block = l.block.as_deref().unwrap_or("null");
        match l.kind.as_str() {
            "cons.vote" => Some(format!(
                "v|{}|{}|{}|{block}",
                l.node,
                l.round,
                l.vtype.as_deref().unwrap_or("")
            )),
            "cons.propose" => Some(format!("p|{}|{}|{block}", l.node, l.round)),
            "cons.decide" => Some(format!("d|{}|{}|{block}", l.node, l.height)),
            "evidence.detect" => Some(format!(
                "e|{}|{}|{}|{}",
                l.node,
                l.etype.as_deref().unwrap_or(""),
                l.accused.join(","),
                l.round
            )),
            _ => None,
        }
    }

    /// The trace event, borrowing from this line.
    pub fn event<'a>(
        &'a self,
        signers: Option<&'a [&'a str]>,
        accused: &'a [&'a str],
    ) -> TraceEvent<'a> {
        let l = &self.line;
        let block = l.block.as_deref().unwrap_or("");
        match l.kind.as_str() {
            "cons.propose" => TraceEvent::ConsPropose {
                node: &l.node,
                height: l.height,
                round: l.round,
                block,
                parent: l.parent.as_deref(),
                txs: &self.txs,
            },
            "cons.vote" => TraceEvent::ConsVote {
                node: &l.node,
                height: l.height,
                round: l.round,
                vtype: l.vtype.as_deref().unwrap_or(""),
                block: l.block.as_deref(),
                signature: None,
            },
            "cons.decide" => TraceEvent::ConsDecide {
                node: &l.node,
                height: l.height,
                round: l.round,
                block,
                parent: l.parent.as_deref(),
                app_hash: l.app_hash.as_deref(),
                txs: &self.txs,
                signers,
            },
            _ => TraceEvent::EvidenceDetect {
                node: &l.node,
                etype: l.etype.as_deref().unwrap_or(""),
                accused,
                height: l.height,
                round: l.round,
            },
        }
    }

    /// The certificate's signers (`None` when the decision came without one).
    pub fn signers(&self) -> Option<&[String]> {
        self.signers.as_deref()
    }
}

/// Emits `p` through `emit` (which receives the borrowed event).
pub fn with_event<R>(p: &Parsed, emit: impl FnOnce(&TraceEvent<'_>) -> R) -> R {
    let signers: Option<Vec<&str>> = p.signers().map(|s| s.iter().map(String::as_str).collect());
    let accused: Vec<&str> = p.line.accused.iter().map(String::as_str).collect();
    emit(&p.event(signers.as_deref(), &accused))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn only_complete_lines_are_read_and_a_torn_line_cut_at_restart_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace.jsonl");
        let mut t = TraceTail::new(path.clone());
        let mut got = Vec::new();
        t.read_new(|l| got.push(l.to_vec())).unwrap();
        assert!(got.is_empty(), "no file yet");
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).unwrap();
        f.write_all(b"{\"a\":1}\n{\"b\":").unwrap();
        t.read_new(|l| got.push(l.to_vec())).unwrap();
        assert_eq!(got, vec![b"{\"a\":1}".to_vec()]);
        assert_eq!(t.unread(), 5);
        // The node is killed mid-line; at its restart it cuts the torn tail and writes on.
        drop(f);
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(t.consumed).unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"c\":3}\n").unwrap();
        t.read_new(|l| got.push(l.to_vec())).unwrap();
        assert_eq!(got[1], b"{\"c\":3}".to_vec());
        assert_eq!(t.lines, 2);
        assert_eq!(t.unread(), 0);
    }

    #[test]
    fn node_lines_become_trace_events_and_a_decision_without_certificate_keeps_none() {
        let vote = br#"{"kind":"cons.vote","t_unix_ns":5,"node":"n1","height":5,"round":7,"vtype":"notarize","block":"ab","observer":"n0"}"#;
        let p = Parsed::parse(vote).unwrap();
        assert_eq!(p.identity().unwrap(), "v|n1|7|notarize|ab");
        let mut buf = Vec::new();
        with_event(&p, |e| e.encode(9, 1, &mut buf));
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!((v["kind"].as_str(), v["round"].as_u64()), (Some("cons.vote"), Some(7)));
        assert_eq!(v["t_ns"], 9);

        let decide = br#"{"kind":"cons.decide","t_unix_ns":5,"node":"n0","height":2,"round":3,"block":"b2","parent":"b1","txs":["t4","t5"],"app_hash":"h"}"#;
        let p = Parsed::parse(decide).unwrap();
        let mut buf = Vec::new();
        with_event(&p, |e| e.encode(9, 1, &mut buf));
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["txs"], serde_json::json!(["t4", "t5"]));
        assert!(v.get("cert").is_none(), "{v}");

        let ev = br#"{"kind":"evidence.detect","t_unix_ns":5,"node":"n0","etype":"duplicate_vote","detail":"conflicting_notarize","accused":["n3"],"height":9,"round":11}"#;
        let p = Parsed::parse(ev).unwrap();
        let mut buf = Vec::new();
        with_event(&p, |e| e.encode(9, 1, &mut buf));
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["accused"], serde_json::json!(["n3"]));
    }

    #[test]
    fn bad_lines_are_told_apart_from_other_kinds() {
        assert!(matches!(Parsed::parse(b"{nope"), Err(Skip::Malformed(_))));
        let no_vtype = br#"{"kind":"cons.vote","t_unix_ns":1,"node":"n1","round":1}"#;
        assert!(matches!(Parsed::parse(no_vtype), Err(Skip::Malformed(_))));
        let bad_tx =
            br#"{"kind":"cons.propose","t_unix_ns":1,"node":"n1","block":"b","txs":["x"]}"#;
        assert!(matches!(Parsed::parse(bad_tx), Err(Skip::Malformed(_))));
        let other = br#"{"kind":"msg.send","t_unix_ns":1,"node":"n1"}"#;
        assert_eq!(Parsed::parse(other), Err(Skip::OtherKind("msg.send".into())));
    }
}
