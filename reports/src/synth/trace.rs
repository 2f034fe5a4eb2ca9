//! The synthetic trace, block interval by block interval: the crash fault's edges, the
//! open-loop submissions due (some rejected), one block proposed and decided by every running
//! validator (node 1 forking where asked), the restarted node catching up, and the commits.
//! The phase metrics and time series are recorded as the events are written.

use super::shape::Synth;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use touchstone_core::metrics::{PhaseMetrics, SeriesRecorder};
use touchstone_core::time::{NS_PER_MS, NS_PER_S};
use touchstone_core::trace::{
    Targets, TraceEvent, TraceSink, TraceWriter, TxStatus, ValidatorInfo,
};
use touchstone_core::{Reason, TxId};

/// What the trace's writing measured, for the run record.
#[derive(Debug)]
pub(super) struct Timeline {
    pub(super) phase: PhaseMetrics,
    pub(super) series: SeriesRecorder,
    /// Crashes applied: (node index, start, end).
    pub(super) faults: Vec<(usize, u64, u64)>,
    /// Time of `run.end`.
    pub(super) end_ns: u64,
    pub(super) lines: u64,
    pub(super) fingerprint: String,
}

/// Number of genesis accounts (`a0`..`a99`), funded before the load.
const ACCOUNTS: u64 = 100;

/// Deterministic per-tx latency draw (a cheap hash, no RNG state).
fn draw(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

/// Writes the trace of `s` to `path`.
pub(super) fn write(
    path: &Path,
    s: &Synth,
    nodes: &[String],
    vals: &[ValidatorInfo],
) -> std::io::Result<Timeline> {
    let file = File::create(path)?;
    let mut chain = Chain::new(s, nodes, TraceWriter::new(BufWriter::with_capacity(1 << 20, file)));
    chain.genesis(vals);
    let total = s.seconds * s.tps;
    let end = s.load_ns();
    let drain = end + 5 * NS_PER_S;
    let mut t = s.block_interval_ns;
    while t <= drain && (chain.next_tx < total || !chain.pending.is_empty() || t <= end) {
        chain.fault_edges(t);
        chain.submit_due(t, total);
        chain.block(t);
        t += s.block_interval_ns;
    }
    chain.w.emit(t, &TraceEvent::RunEnd { reason: None });
    let lines = chain.w.lines();
    let (mut out, fingerprint) = chain.w.finish()?;
    out.flush()?;
    drop(out);
    Ok(Timeline {
        phase: chain.pm,
        series: chain.series,
        faults: chain.faults,
        end_ns: t,
        lines,
        fingerprint,
    })
}

/// The synthetic chain while its trace is written.
struct Chain<'a> {
    s: &'a Synth,
    nodes: &'a [String],
    accounts: Vec<String>,
    w: TraceWriter<BufWriter<File>>,
    pm: PhaseMetrics,
    series: SeriesRecorder,
    /// The crash as (node index, start ns, end ns).
    crash: Option<(usize, u64, u64)>,
    fault_started: bool,
    fault_stopped: bool,
    faults: Vec<(usize, u64, u64)>,
    /// Time between submissions, ns.
    gap: u64,
    nonces: Vec<u64>,
    /// Index of the next transfer to submit (its tx id is `ACCOUNTS + index`).
    next_tx: u64,
    height: u64,
    /// Accepted transfers not yet in a block: (index, time it may be included).
    pending: Vec<(u64, u64)>,
    /// Heights the crashed node must catch up: (height, block).
    missed: Vec<(u64, String)>,
}

impl<'a> Chain<'a> {
    fn new(s: &'a Synth, nodes: &'a [String], w: TraceWriter<BufWriter<File>>) -> Chain<'a> {
        Chain {
            s,
            nodes,
            accounts: (0..ACCOUNTS).map(|i| format!("a{i}")).collect(),
            w,
            pm: PhaseMetrics {
                name: "steady".into(),
                start: 0,
                end: s.load_ns(),
                ..Default::default()
            },
            series: SeriesRecorder::new(),
            crash: s.crash.map(|(n, at, d)| (n, at * NS_PER_S, (at + d) * NS_PER_S)),
            fault_started: false,
            fault_stopped: false,
            faults: Vec::new(),
            gap: NS_PER_S / s.tps,
            nonces: vec![0; ACCOUNTS as usize],
            next_tx: 0,
            height: 0,
            pending: Vec::new(),
            missed: Vec::new(),
        }
    }

    /// `run.start`, the Byzantine node's role, and every account's funding at height 0.
    fn genesis(&mut self, vals: &[ValidatorInfo]) {
        let s = self.s;
        self.w.emit(
            0,
            &TraceEvent::RunStart {
                protocol: "tendermint",
                validators: vals,
                quorum: None,
                seed: Some(7),
                scenario: Some(&s.name),
                adapter: Some("synth"),
                family: None,
                timeout_ns: None,
            },
        );
        if let Some(z) = s.byzantine {
            self.w.emit(
                0,
                &TraceEvent::NodeRole {
                    node: &self.nodes[z],
                    byzantine: true,
                    behaviour: Some("delay"),
                },
            );
        }
        for (i, a) in self.accounts.iter().enumerate() {
            let tx = TxId(i as u64);
            self.w.emit(
                0,
                &TraceEvent::TxSubmit {
                    tx,
                    client: "genesis",
                    op: "issue",
                    from: None,
                    to: Some(a),
                    asset: Some("EUR"),
                    amount: Some(1_000_000_000),
                    nonce: None,
                    via: None,
                    intended_ns: None,
                    legs: &[],
                    bridge: None,
                },
            );
            let committed = TraceEvent::TxResult {
                tx,
                status: TxStatus::Committed,
                height: Some(0),
                reason: None,
                node: None,
            };
            self.w.emit(0, &committed);
        }
    }

    /// The crash's stop, then its start, once each, when the block at `t` passes them.
    fn fault_edges(&mut self, t: u64) {
        let Some((n, a, z)) = self.crash else { return };
        if self.fault_started && !self.fault_stopped && t >= z {
            self.fault_stopped = true;
            self.w.emit(z, &TraceEvent::FaultStop { fault: "f0" });
        }
        if !self.fault_started && t >= a {
            self.fault_started = true;
            self.w.emit(
                a,
                &TraceEvent::FaultStart {
                    fault: "f0",
                    ftype: "crash",
                    targets: Targets::Nodes(std::slice::from_ref(&self.nodes[n])),
                    params: None,
                },
            );
            self.faults.push((n, a, z));
        }
    }

    /// Submits every transfer due before the block at `t` (of `total`).
    fn submit_due(&mut self, t: u64, total: u64) {
        while self.next_tx < total && self.next_tx * self.gap < t {
            self.submit(self.next_tx);
            self.next_tx += 1;
        }
    }

    /// Transfer `i`, at its intended time: rejected every `reject_every`-th, else pending.
    fn submit(&mut self, i: u64) {
        let at = i * self.gap;
        let tx = TxId(ACCOUNTS + i);
        let from = (i % ACCOUNTS) as usize;
        let to = self.accounts[((i * 7 + 3) % ACCOUNTS) as usize].as_str();
        self.nonces[from] += 1;
        self.w.emit(
            at,
            &TraceEvent::TxSubmit {
                tx,
                client: "c0",
                op: "transfer",
                from: Some(&self.accounts[from]),
                to: Some(to),
                asset: Some("EUR"),
                amount: Some(1),
                nonce: Some(self.nonces[from]),
                via: Some("n0"),
                intended_ns: Some(at),
                legs: &[],
                bridge: None,
            },
        );
        self.pm.submitted += 1;
        self.series.offered(at);
        self.pm.first_submit.get_or_insert(at);
        let every = self.s.reject_every;
        if every > 0 && i % every == every - 1 {
            let notice = 20 * NS_PER_MS + draw(i) % (30 * NS_PER_MS);
            self.w.emit(
                at + notice,
                &TraceEvent::TxResult {
                    tx,
                    status: TxStatus::Rejected,
                    height: None,
                    reason: Some(Reason::InsufficientBalance.code()),
                    node: Some("n0"),
                },
            );
            self.pm.rejected += 1;
            self.pm.rejection_notice.record(notice);
            *self.pm.reasons.entry(Reason::InsufficientBalance).or_default() += 1;
            self.series.rejected(at + notice);
        } else {
            self.pm.accepted += 1;
            self.series.accepted(at);
            let extra = 150 * NS_PER_MS
                + draw(i) % (250 * NS_PER_MS)
                + if draw(i) % 1000 == 0 { 600 * NS_PER_MS } else { 0 };
            self.pending.push((i, at + extra));
        }
    }

    /// The next height at `t`: its proposal, its decisions, the catch-up, its commits.
    fn block(&mut self, t: u64) {
        let (ready, rest): (Vec<_>, Vec<_>) = self.pending.iter().partition(|(_, r)| *r <= t);
        self.pending = rest;
        self.height += 1;
        let height = self.height;
        let block = format!("B{height}");
        let txs: Vec<TxId> = ready.iter().map(|(i, _)| TxId(ACCOUNTS + i)).collect();
        let leader = &self.nodes[(height as usize) % self.s.validators];
        self.w.emit(
            t,
            &TraceEvent::ConsPropose {
                node: leader,
                height,
                round: 0,
                block: &block,
                parent: None,
                txs: &txs,
            },
        );
        let down = self.crash.filter(|(_, a, z)| t >= *a && t < *z).map(|(n, _, _)| n);
        let signers: Vec<&str> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(k, _)| Some(*k) != down)
            .map(|(_, n)| n.as_str())
            .take(3)
            .collect();
        self.decide(t, &block, &txs, &signers, down);
        self.catch_up(t, &signers);
        self.commit(t, &ready);
    }

    /// Every running node decides the block (node 1 another one at the fork height); the
    /// crashed node's height is kept for its catch-up.
    fn decide(&mut self, t: u64, block: &str, txs: &[TxId], signers: &[&str], down: Option<usize>) {
        let height = self.height;
        for (k, n) in self.nodes.iter().enumerate() {
            let at = t + (k as u64 + 1) * NS_PER_MS;
            if Some(k) == down {
                self.missed.push((height, block.to_string()));
                continue;
            }
            let b = if self.s.fork_at == Some(height) && k == 1 {
                format!("{block}x")
            } else {
                block.to_string()
            };
            self.w.emit(
                at,
                &TraceEvent::ConsDecide {
                    node: n,
                    height,
                    round: 0,
                    block: &b,
                    parent: None,
                    app_hash: None,
                    txs,
                    signers: Some(signers),
                },
            );
        }
    }

    /// The restarted node decides the heights it missed, a few per block interval.
    fn catch_up(&mut self, t: u64, signers: &[&str]) {
        let Some((n, _, z)) = self.crash else { return };
        if t < z || self.missed.is_empty() {
            return;
        }
        for (h, b) in self.missed.drain(..self.missed.len().min(20)) {
            self.w.emit(
                t + 5 * NS_PER_MS,
                &TraceEvent::ConsDecide {
                    node: &self.nodes[n],
                    height: h,
                    round: 0,
                    block: &b,
                    parent: None,
                    app_hash: None,
                    txs: &[],
                    signers: Some(signers),
                },
            );
        }
    }

    /// The block's transfers are committed once every validator has decided.
    fn commit(&mut self, t: u64, ready: &[(u64, u64)]) {
        let commit_at = t + self.s.validators as u64 * NS_PER_MS;
        for (i, _) in ready {
            self.w.emit(
                commit_at,
                &TraceEvent::TxResult {
                    tx: TxId(ACCOUNTS + i),
                    status: TxStatus::Committed,
                    height: Some(self.height),
                    reason: None,
                    node: Some("n0"),
                },
            );
            let lat = commit_at - i * self.gap;
            self.pm.committed += 1;
            self.pm.latency.record(lat);
            self.series.committed(commit_at, lat);
            self.pm.last_outcome = Some(commit_at);
        }
    }
}
