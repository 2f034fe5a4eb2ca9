//! Merging the nodes' trace files into the run's trace while the run is live.
//!
//! Every node's file is read as it grows ([`TraceTail`]); each line's `t_unix_ns` is rebased to
//! the run's clock (`t_ns = t_unix_ns − the Unix time at which the run's clock read 0`), and the
//! lines of one read, from all nodes, are handed on in time order. A vote or proposal appears in
//! the file of every node that saw it: it is passed on once (the first report), the way the node
//! writes each vote once in its own file. Lines are read every few milliseconds, so a line
//! reaches the run's trace a few milliseconds after the node wrote it; the trace writer never
//! lets time go back, so such a line is stamped no earlier than the last line written before it.

use crate::tail::{Parsed, Skip, TraceTail};
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use touchstone_core::Nanos;

/// How many recent identities are remembered for de-duplication (a vote is reported by its
/// observers within seconds of each other; older identities are forgotten to bound memory).
const REMEMBERED: usize = 2_000_000;

/// Counters per node and overall, for the disclosure and the completeness figure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeStats {
    /// Complete lines read from each node's file.
    pub read: Vec<u64>,
    /// Lines of each node's file passed on to the run's trace.
    pub merged: Vec<u64>,
    /// Decisions each node exported (its own `cons.decide` lines).
    pub decisions: Vec<u64>,
    /// Lines already passed on from another node's file.
    pub duplicates: u64,
    /// Lines that are not JSON or lack a field their kind needs.
    pub malformed: u64,
    /// Lines of kinds this adapter does not pass on.
    pub other_kinds: u64,
    /// Lines stamped before the run's clock started (their time is taken as 0).
    pub before_start: u64,
}

/// Identities of lines already passed on (64-bit hashes, first in first out).
#[derive(Debug, Default)]
struct Seen {
    set: HashSet<u64>,
    order: VecDeque<u64>,
}

impl Seen {
    fn insert(&mut self, key: &str) -> bool {
        // SipHash with fixed keys: the same key hashes alike in every run.
        let mut h = std::hash::DefaultHasher::new();
        key.hash(&mut h);
        let k = h.finish();
        if !self.set.insert(k) {
            return false;
        }
        self.order.push_back(k);
        if self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// Every node's trace file, and what was passed on.
#[derive(Debug)]
pub struct Merger {
    tails: Vec<TraceTail>,
    seen: Seen,
    /// Unix time (ns) at which the run's clock read 0.
    unix_zero: u64,
    pub stats: MergeStats,
    /// The first read error per node (a file the harness cannot read is reported, not fatal).
    pub errors: Vec<Option<String>>,
}

impl Merger {
    pub fn new(paths: Vec<PathBuf>, unix_zero: u64) -> Merger {
        let n = paths.len();
        Merger {
            tails: paths.into_iter().map(TraceTail::new).collect(),
            seen: Seen::default(),
            unix_zero,
            stats: MergeStats {
                read: vec![0; n],
                merged: vec![0; n],
                decisions: vec![0; n],
                ..MergeStats::default()
            },
            errors: vec![None; n],
        }
    }

    /// The new lines of every node, rebased and de-duplicated (the earliest report of a vote
    /// or proposal is kept), in time order.
    pub fn poll(&mut self) -> Vec<(Nanos, Parsed)> {
        let mut fresh: Vec<(u64, usize, Parsed)> = Vec::new();
        for (i, tail) in self.tails.iter_mut().enumerate() {
            let stats = &mut self.stats;
            let r = tail.read_new(|bytes| {
                stats.read[i] += 1;
                match Parsed::parse(bytes) {
                    Ok(p) => fresh.push((p.line.t_unix_ns, i, p)),
                    Err(Skip::Malformed(_)) => stats.malformed += 1,
                    Err(Skip::OtherKind(_)) => stats.other_kinds += 1,
                }
            });
            if let Err(e) = r {
                self.errors[i].get_or_insert_with(|| format!("{}: {e}", tail.path.display()));
            }
        }
        fresh.sort_by_key(|(t, i, _)| (*t, *i));
        let mut out = Vec::with_capacity(fresh.len());
        for (t, i, p) in fresh {
            if let Some(id) = p.identity() {
                if !self.seen.insert(&id) {
                    self.stats.duplicates += 1;
                    continue;
                }
            }
            if p.line.kind == "cons.decide" {
                self.stats.decisions[i] += 1;
            }
            self.stats.merged[i] += 1;
            if t < self.unix_zero {
                self.stats.before_start += 1;
            }
            out.push((t.saturating_sub(self.unix_zero), p));
        }
        out
    }

    /// Bytes left unread in each node's file (a torn last line of a killed node).
    pub fn unread(&self) -> Vec<u64> {
        self.tails.iter().map(TraceTail::unread).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn line(node: &str, observer: &str, round: u64, t: u64) -> String {
        format!(
            "{{\"kind\":\"cons.vote\",\"t_unix_ns\":{t},\"node\":\"{node}\",\"height\":{round},\"round\":{round},\"vtype\":\"finalize\",\"block\":\"b{round}\",\"observer\":\"{observer}\"}}\n"
        )
    }

    #[test]
    fn lines_of_every_node_come_rebased_in_time_order_and_a_vote_seen_twice_comes_once() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..2).map(|i| dir.path().join(format!("n{i}.jsonl"))).collect();
        let mut files: Vec<std::fs::File> =
            paths.iter().map(|p| std::fs::File::create(p).unwrap()).collect();
        files[0].write_all(line("n0", "n0", 1, 1_030).as_bytes()).unwrap();
        files[0].write_all(line("n1", "n0", 1, 1_040).as_bytes()).unwrap();
        files[1].write_all(line("n1", "n1", 1, 1_020).as_bytes()).unwrap();
        files[1].write_all(b"garbage\n").unwrap();
        let mut m = Merger::new(paths, 1_000);
        let got = m.poll();
        let summary: Vec<(u64, &str)> =
            got.iter().map(|(t, p)| (*t, p.line.node.as_str())).collect();
        assert_eq!(summary, vec![(20, "n1"), (30, "n0")], "n1's vote as n1 wrote it, first");
        assert_eq!(m.stats.merged, vec![1, 1]);
        assert_eq!(m.stats.duplicates, 1);
        assert_eq!(m.stats.malformed, 1);
        assert_eq!(m.stats.read, vec![2, 2]);
        assert!(m.poll().is_empty());
    }
}
