//! What the adapter declares (capabilities) and discloses (system info): exactly what it does,
//! so a report never shows as tested what was not.

use crate::adapter::{SimplexAdapter, NAME};
use crate::finality::RULE;
use crate::workers::Counters;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use touchstone_core::adapter::{
    Capabilities, FinalityRule, SystemInfo, DETAIL_FAMILY, DETAIL_TIMEOUT_NS,
};
use touchstone_core::ledger::OpKind;
use touchstone_core::scenario::FaultKind;
use touchstone_core::trace::{QuorumRule, ValidatorInfo};

/// The commonware release the node is built on (pinned in its own workspace).
pub const COMMONWARE: &str = "commonware-consensus 2026.10.0 (every crate of the family pinned)";

pub(crate) fn capabilities(a: &SimplexAdapter) -> Capabilities {
    use FaultKind::*;
    let mut faults = vec![Crash, Restart, Pause, Resume];
    if a.cfg.proxy {
        faults.extend([Partition, Heal, Link]);
    }
    Capabilities {
        operations: vec![
            OpKind::Transfer,
            OpKind::Issue,
            OpKind::Redeem,
            OpKind::Batch,
            OpKind::Admin,
        ],
        faults,
        consensus_events: true,
        state_reads: true,
        finality: FinalityRule {
            description: RULE.into(),
            required_share: 1.0,
            confirmation_depth: 0,
        },
        virtual_time: false,
    }
}

pub(crate) fn system_info(a: &SimplexAdapter) -> SystemInfo {
    let mut d = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        d.insert(k.to_string(), v);
    };
    put("node", format!("{} ({})", a.binary.display(), a.binary_version));
    put("consensus", format!(
        "{COMMONWARE}: Simplex, ed25519 signing scheme (certificates name their signers), round-robin leaders, \
         authenticated lookup p2p; leader timeout {} ms, at most {} transactions per block",
        a.params.leader_timeout_ms, a.params.max_block_txs
    ));
    put("processes", format!(
        "{} validator processes on 127.0.0.1, each with its own storage (journal, finalized blocks, trace); \
         crash = SIGKILL, restart = same storage, pause = SIGSTOP/SIGCONT",
        a.names.len()
    ));
    put("link", a.link.clone());
    // The checker's Simplex vote rules (a finalize needs a notarize quorum, nullified views)
    // and its progress bound.
    put(DETAIL_FAMILY, "simplex".into());
    put(DETAIL_TIMEOUT_NS, (a.params.leader_timeout_ms * 1_000_000).to_string());
    put("finality", RULE.into());
    put(
        "clock",
        "wall clock; node trace lines rebased from their t_unix_ns to the run's clock".into(),
    );
    put(
        "submission",
        "queued per entry node and sent in batches by a thread per node; a sender's nonced \
         transactions all enter one node (sender mod n, the first running correct node from there)"
            .into(),
    );
    if !a.modes.is_empty() {
        let m: Vec<String> = a.modes.iter().map(|(n, m)| format!("{n}={}", m.name())).collect();
        put("byzantine", m.join(", "));
    }
    if let Some(c) = &a.cluster {
        let where_ = if c.temporary() { "temporary, removed after the run" } else { "kept" };
        put("storage", format!("{} ({where_})", c.dir().display()));
        let ports: Vec<String> = a
            .names
            .iter()
            .zip(c.clients.iter().zip(&c.p2p))
            .map(|(n, (cl, p))| format!("{n}: client {cl}, p2p {p}"))
            .collect();
        put("endpoints", ports.join("; "));
        let starts: Vec<String> = c
            .nodes
            .iter()
            .filter(|p| p.starts > 1)
            .map(|p| format!("{} ×{}", p.name, p.starts))
            .collect();
        if !starts.is_empty() {
            put("process_starts", starts.join(", "));
        }
    }
    if let Some(l) = &a.links {
        if !l.effects.is_empty() {
            put("network_faults", l.effects.join("; "));
        }
        put("proxy_bytes", l.bytes().to_string());
    }
    if !a.after_heal.is_empty() {
        put("after_heal", a.after_heal.join("; "));
    }
    if !a.catch_ups.is_empty() {
        put("catch_up", a.catch_ups.join("; "));
    }
    for (k, v) in &a.notes {
        put(k, v.clone());
    }
    SystemInfo {
        adapter: NAME.into(),
        protocol: "simplex".into(),
        validators: a.names.iter().map(|id| ValidatorInfo { id: id.clone(), power: 1 }).collect(),
        // Simplex's quorum is n − f of n = 3f + 1 equal validators: more than two thirds.
        quorum: Some(QuorumRule { num: 2, den: 3 }),
        details: d,
    }
}

/// The worker threads' counters, in words.
pub(crate) fn counters(c: &Counters) -> String {
    let g = |x: &std::sync::atomic::AtomicU64| x.load(Ordering::Relaxed);
    format!(
        "{} submissions in {} batches (largest {}), {} answers lost to a node that died, {} outcome polls, {} connections",
        g(&c.submitted),
        g(&c.batches),
        g(&c.largest_batch),
        g(&c.lost_answers),
        g(&c.polls),
        g(&c.reconnects)
    )
}

/// After the last read of the nodes' files: how much of what each node exported reached the
/// run's trace.
pub(crate) fn record_completeness(a: &mut SimplexAdapter) {
    let Some(m) = &a.merger else { return };
    let s = &m.stats;
    let unread = m.unread();
    let per_node: Vec<String> = a
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                "{n}: {} lines read ({} passed on, {} decisions){}",
                s.read[i],
                s.merged[i],
                s.decisions[i],
                if unread[i] > 0 {
                    format!(", {} bytes of a torn last line", unread[i])
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let exporting = s.read.iter().filter(|&&r| r > 0).count();
    let complete = exporting == a.names.len() && m.errors.iter().all(Option::is_none);
    a.notes.insert(
        "trace_merge".into(),
        format!(
            "{} of {} validators exported ({}); {} lines seen in several files passed on once, {} malformed, \
             {} of other kinds, {} stamped before the run's clock started{}",
            exporting,
            a.names.len(),
            if complete { "every file read to its last complete line" } else { "INCOMPLETE" },
            s.duplicates,
            s.malformed,
            s.other_kinds,
            s.before_start,
            m.errors.iter().flatten().map(|e| format!("; read error {e}")).collect::<String>()
        ),
    );
    a.notes.insert("trace_per_node".into(), per_node.join("; "));
}
