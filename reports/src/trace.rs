//! One streaming pass over `trace.jsonl`: decided heights per validator (for the consensus
//! timeline and the fault-tolerance indicators), which validators export consensus events, the
//! Byzantine marks, and the evidence lines the findings cite.
//!
//! Only `cons.*` and `node.role` lines are parsed; every other line is recognised by its `kind`
//! prefix and skipped, so a 1 M-transaction trace is read at disk speed.

use crate::error::ReportError;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Longest evidence line quoted (bytes); longer lines are cut with `…`.
pub const EVIDENCE_MAX_BYTES: usize = 400;

/// What the report needs from a trace.
#[derive(Debug, Clone, Default)]
pub struct TraceScan {
    pub lines: u64,
    /// Per node: `(t_ns, height)` each time its highest decided height grew.
    pub decided: BTreeMap<String, Vec<(u64, u64)>>,
    pub decide_lines: u64,
    /// Nodes that emitted at least one `cons.*` event.
    pub consensus_nodes: BTreeSet<String>,
    /// Nodes marked Byzantine by `node.role`.
    pub byzantine: BTreeSet<String>,
    /// Requested evidence lines: number → text.
    pub evidence: BTreeMap<u64, String>,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
}

#[derive(Deserialize)]
struct Decide<'a> {
    #[serde(default)]
    t_ns: u64,
    #[serde(borrow)]
    node: Option<std::borrow::Cow<'a, str>>,
    height: Option<u64>,
}

#[derive(Deserialize)]
struct Role<'a> {
    #[serde(borrow)]
    node: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    role: Option<std::borrow::Cow<'a, str>>,
}

/// The `kind` of a line: fast path for lines that start with `{"kind":"`, JSON otherwise.
fn kind_of(line: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    const KIND_FIRST: &[u8] = br#"{"kind":""#;
    if let Some(rest) = line.strip_prefix(KIND_FIRST) {
        let end = rest.iter().position(|b| *b == b'"')?;
        return std::str::from_utf8(&rest[..end]).ok().map(std::borrow::Cow::Borrowed);
    }
    serde_json::from_slice::<Head<'_>>(line)
        .ok()
        .map(|h| std::borrow::Cow::Owned(h.kind.into_owned()))
}

/// Reads `path`, keeping the evidence lines listed in `wanted`.
pub fn scan(path: &Path, wanted: &BTreeSet<u64>) -> Result<TraceScan, ReportError> {
    let io = |e: std::io::Error| ReportError::Io { path: path.display().to_string(), source: e };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut s = TraceScan::default();
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf).map_err(io)? == 0 {
            break;
        }
        s.lines += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if wanted.contains(&s.lines) {
            s.evidence.insert(s.lines, quote(line));
        }
        let Some(kind) = kind_of(line) else { continue };
        if kind == "cons.decide" {
            if let Ok(d) = serde_json::from_slice::<Decide<'_>>(line) {
                if let (Some(node), Some(h)) = (d.node, d.height) {
                    s.decide_lines += 1;
                    let v = s.decided.entry(node.to_string()).or_default();
                    if v.last().is_none_or(|(_, last)| h > *last) {
                        v.push((d.t_ns, h));
                    }
                    if !s.consensus_nodes.contains(node.as_ref()) {
                        s.consensus_nodes.insert(node.to_string());
                    }
                }
            }
        } else if kind.starts_with("cons.") {
            if let Ok(d) = serde_json::from_slice::<Decide<'_>>(line) {
                if let Some(node) = d.node {
                    if !s.consensus_nodes.contains(node.as_ref()) {
                        s.consensus_nodes.insert(node.to_string());
                    }
                }
            }
        } else if kind == "node.role" {
            if let Ok(role) = serde_json::from_slice::<Role<'_>>(line) {
                if let (Some(n), Some("byzantine")) = (role.node, role.role.as_deref()) {
                    s.byzantine.insert(n.to_string());
                }
            }
        }
    }
    Ok(s)
}

fn quote(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    if text.len() <= EVIDENCE_MAX_BYTES {
        return text.into_owned();
    }
    let mut end = EVIDENCE_MAX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

impl TraceScan {
    /// Highest height decided by any of `nodes` at or before `t_ns`.
    pub fn head_at(&self, nodes: &[&str], t_ns: u64) -> u64 {
        nodes
            .iter()
            .filter_map(|n| self.decided.get(*n))
            .map(|v| height_at(v, t_ns))
            .max()
            .unwrap_or(0)
    }

    /// First time after `from_ns` at which `node` decided at least `height`.
    pub fn reached(&self, node: &str, height: u64, from_ns: u64) -> Option<u64> {
        self.decided.get(node)?.iter().find(|(t, h)| *h >= height && *t >= from_ns).map(|(t, _)| *t)
    }

    /// Time of the first new height (above the head at `from_ns`) decided by any of `nodes`.
    pub fn first_new_height(&self, nodes: &[&str], from_ns: u64) -> Option<u64> {
        let head = self.head_at(nodes, from_ns);
        nodes
            .iter()
            .filter_map(|n| self.decided.get(*n))
            .filter_map(|v| v.iter().find(|(t, h)| *h > head && *t >= from_ns).map(|(t, _)| *t))
            .min()
    }

    /// Times at which the highest height decided by any of `nodes` grew, in order.
    pub fn head_times(&self, nodes: &[&str]) -> Vec<u64> {
        let mut all: Vec<(u64, u64)> =
            nodes.iter().filter_map(|n| self.decided.get(*n)).flatten().copied().collect();
        all.sort_unstable();
        let mut head = 0;
        let mut out = Vec::new();
        for (t, h) in all {
            if h > head {
                head = h;
                out.push(t);
            }
        }
        out
    }
}

fn height_at(v: &[(u64, u64)], t_ns: u64) -> u64 {
    let i = v.partition_point(|(t, _)| *t <= t_ns);
    if i == 0 {
        0
    } else {
        v[i - 1].1
    }
}
