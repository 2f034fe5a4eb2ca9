//! Synthetic runs for tests, examples and benchmarks: a deterministic `run.json` + `trace.jsonl`
//! of a BFT chain (blocks every interval, decided by every validator), with an optional crash
//! and restart, a Byzantine node, rejections and a fork. Not part of the stable API.

use std::io::Write;
use std::path::Path;
use touchstone_core::adapter::{Capabilities, FinalityRule, SystemInfo};
use touchstone_core::engine::{FaultRecord, FaultStatus, GeneratorLag, RunMetrics};
use touchstone_core::ledger::OpKind;
use touchstone_core::metrics::{PhaseMetrics, SeriesRecorder};
use touchstone_core::record::*;
use touchstone_core::scenario::{Criteria, FaultAction, RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::{NS_PER_MS, NS_PER_S};
use touchstone_core::trace::{
    Targets, TraceEvent, TraceSink, TraceWriter, TxStatus, ValidatorInfo,
};
use touchstone_core::{Reason, TxId};

/// What to synthesise.
#[derive(Debug, Clone)]
pub struct Synth {
    pub name: String,
    pub validators: usize,
    pub seconds: u64,
    pub tps: u64,
    pub block_interval_ns: u64,
    /// `(node index, at s, for s)`.
    pub crash: Option<(usize, u64, u64)>,
    pub byzantine: Option<usize>,
    /// Node 1 decides another block at this height (an agreement finding).
    pub fork_at: Option<u64>,
    /// Every k-th transaction is rejected (0: none).
    pub reject_every: u64,
}

impl Synth {
    /// 4 validators, 40 s at 50 tx/s, a crash of n1 at 10 s for 5 s, n3 Byzantine, 1 in 50 rejected.
    pub fn small() -> Synth {
        Synth {
            name: "synthetic-payments".into(),
            validators: 4,
            seconds: 40,
            tps: 50,
            block_interval_ns: 200 * NS_PER_MS,
            crash: Some((1, 10, 5)),
            byzantine: Some(3),
            fork_at: None,
            reject_every: 50,
        }
    }

    /// About `txs` transactions at 10,000 tx/s (benchmarks).
    pub fn large(txs: u64) -> Synth {
        Synth {
            name: "synthetic-load".into(),
            validators: 4,
            seconds: txs.div_ceil(10_000),
            tps: 10_000,
            block_interval_ns: 100 * NS_PER_MS,
            crash: Some((1, 30, 10)),
            byzantine: None,
            fork_at: None,
            reject_every: 1000,
        }
    }
}

/// Deterministic per-tx latency draw (a cheap hash, no RNG state).
fn draw(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

/// Writes `run.json` and `trace.jsonl` (checked by touchstone-check) into `dir`.
pub fn write_run_dir(dir: &Path, s: &Synth) -> std::io::Result<RunRecord> {
    std::fs::create_dir_all(dir)?;
    let nodes: Vec<String> = (0..s.validators).map(|i| format!("n{i}")).collect();
    let vals: Vec<ValidatorInfo> =
        nodes.iter().map(|n| ValidatorInfo { id: n.clone(), power: 1 }).collect();
    let mut b = ScenarioBuilder::new(&s.name, ScenarioKind::Payment)
        .description("Synthetic BFT payments (touchstone-reports synth)")
        .validators(s.validators)
        .protocol("tendermint")
        .accounts(100)
        .phase("steady", s.seconds * NS_PER_S, RateSpec::Constant { tps: s.tps as f64 })
        .criteria(Criteria {
            latency_p99: Some(NS_PER_S),
            success_rate_min: Some(0.95),
            ..Default::default()
        });
    if let Some((n, at, d)) = s.crash {
        b = b.fault(
            at * NS_PER_S,
            Some(d * NS_PER_S),
            FaultAction::Crash { nodes: vec![nodes[n].clone()] },
        );
    }
    let mut sc = b.build();
    sc.network.consensus.block_interval = s.block_interval_ns;
    let file = std::fs::File::create(dir.join("trace.jsonl"))?;
    let mut w = TraceWriter::new(std::io::BufWriter::with_capacity(1 << 20, file));
    w.emit(
        0,
        &TraceEvent::RunStart {
            protocol: "tendermint",
            validators: &vals,
            quorum: None,
            seed: Some(7),
            scenario: Some(&s.name),
            adapter: Some("synth"),
        },
    );
    if let Some(z) = s.byzantine {
        w.emit(
            0,
            &TraceEvent::NodeRole { node: &nodes[z], byzantine: true, behaviour: Some("delay") },
        );
    }
    let accounts: Vec<String> = (0..100).map(|i| format!("a{i}")).collect();
    for (i, a) in accounts.iter().enumerate() {
        w.emit(
            0,
            &TraceEvent::TxSubmit {
                tx: TxId(i as u64),
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
            },
        );
        w.emit(
            0,
            &TraceEvent::TxResult {
                tx: TxId(i as u64),
                status: TxStatus::Committed,
                height: Some(0),
                reason: None,
                node: None,
            },
        );
    }
    let first = accounts.len() as u64;
    let total = s.seconds * s.tps;
    let gap = NS_PER_S / s.tps;
    let end = s.seconds * NS_PER_S;
    let crash = s.crash.map(|(n, at, d)| (n, at * NS_PER_S, (at + d) * NS_PER_S));
    let mut pm = PhaseMetrics { name: "steady".into(), start: 0, end, ..Default::default() };
    let mut series = SeriesRecorder::new();
    let mut nonces = vec![0u64; accounts.len()];
    let (mut next_tx, mut height) = (0u64, 0u64);
    let mut pending: Vec<(u64, u64)> = Vec::new(); // (tx index, ready time)
    let mut missed: Vec<(u64, String)> = Vec::new(); // heights the crashed node must catch up
    let mut faults = Vec::new();
    let mut t = s.block_interval_ns;
    let drain = end + 5 * NS_PER_S;
    let mut fault_started = false;
    let mut fault_stopped = false;
    while t <= drain && (next_tx < total || !pending.is_empty() || t <= end) {
        if let Some((_, _, z)) = crash {
            if fault_started && !fault_stopped && t >= z {
                fault_stopped = true;
                w.emit(z, &TraceEvent::FaultStop { fault: "f0" });
            }
        }
        if let Some((n, a, z)) = crash {
            if !fault_started && t >= a {
                fault_started = true;
                w.emit(
                    a,
                    &TraceEvent::FaultStart {
                        fault: "f0",
                        ftype: "crash",
                        targets: Targets::Nodes(std::slice::from_ref(&nodes[n])),
                        params: None,
                    },
                );
                faults.push((n, a, z));
            }
        }
        // Submissions due before this block.
        while next_tx < total && next_tx * gap < t {
            let i = next_tx;
            let at = i * gap;
            let from = (i % 100) as usize;
            let to = accounts[((i * 7 + 3) % 100) as usize].as_str();
            nonces[from] += 1;
            w.emit(
                at,
                &TraceEvent::TxSubmit {
                    tx: TxId(first + i),
                    client: "c0",
                    op: "transfer",
                    from: Some(&accounts[from]),
                    to: Some(to),
                    asset: Some("EUR"),
                    amount: Some(1),
                    nonce: Some(nonces[from]),
                    via: Some("n0"),
                    intended_ns: Some(at),
                    legs: &[],
                },
            );
            pm.submitted += 1;
            series.offered(at);
            pm.first_submit.get_or_insert(at);
            if s.reject_every > 0 && i % s.reject_every == s.reject_every - 1 {
                let notice = 20 * NS_PER_MS + draw(i) % (30 * NS_PER_MS);
                w.emit(
                    at + notice,
                    &TraceEvent::TxResult {
                        tx: TxId(first + i),
                        status: TxStatus::Rejected,
                        height: None,
                        reason: Some("INSUFFICIENT_BALANCE"),
                        node: Some("n0"),
                    },
                );
                pm.rejected += 1;
                pm.rejection_notice.record(notice);
                *pm.reasons.entry(Reason::InsufficientBalance).or_default() += 1;
                series.rejected(at + notice);
            } else {
                pm.accepted += 1;
                series.accepted(at);
                let extra = 150 * NS_PER_MS
                    + draw(i) % (250 * NS_PER_MS)
                    + if draw(i) % 1000 == 0 { 600 * NS_PER_MS } else { 0 };
                pending.push((i, at + extra));
            }
            next_tx += 1;
        }
        let (ready, rest): (Vec<_>, Vec<_>) = pending.iter().partition(|(_, r)| *r <= t);
        pending = rest;
        height += 1;
        let block = format!("B{height}");
        let txs: Vec<TxId> = ready.iter().map(|(i, _)| TxId(first + i)).collect();
        let leader = &nodes[(height as usize) % s.validators];
        w.emit(
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
        let down = crash.filter(|(_, a, z)| t >= *a && t < *z).map(|(n, _, _)| n);
        let signers: Vec<&str> = nodes
            .iter()
            .enumerate()
            .filter(|(k, _)| Some(*k) != down)
            .map(|(_, n)| n.as_str())
            .take(3)
            .collect();
        for (k, n) in nodes.iter().enumerate() {
            let at = t + (k as u64 + 1) * NS_PER_MS;
            if Some(k) == down {
                missed.push((height, block.clone()));
                continue;
            }
            let b = if s.fork_at == Some(height) && k == 1 {
                format!("{block}x")
            } else {
                block.clone()
            };
            w.emit(
                at,
                &TraceEvent::ConsDecide {
                    node: n,
                    height,
                    round: 0,
                    block: &b,
                    parent: None,
                    app_hash: None,
                    txs: &txs,
                    signers: &signers,
                },
            );
        }
        // Catch-up of the restarted node, a few heights per block interval.
        if let Some((n, _, z)) = crash {
            if t >= z && !missed.is_empty() {
                for (h, b) in missed.drain(..missed.len().min(20)) {
                    w.emit(
                        t + 5 * NS_PER_MS,
                        &TraceEvent::ConsDecide {
                            node: &nodes[n],
                            height: h,
                            round: 0,
                            block: &b,
                            parent: None,
                            app_hash: None,
                            txs: &[],
                            signers: &signers,
                        },
                    );
                }
            }
        }
        let commit_at = t + s.validators as u64 * NS_PER_MS;
        for (i, _) in &ready {
            w.emit(
                commit_at,
                &TraceEvent::TxResult {
                    tx: TxId(first + i),
                    status: TxStatus::Committed,
                    height: Some(height),
                    reason: None,
                    node: Some("n0"),
                },
            );
            let lat = commit_at - i * gap;
            pm.committed += 1;
            pm.latency.record(lat);
            series.committed(commit_at, lat);
            pm.last_outcome = Some(commit_at);
        }
        t += s.block_interval_ns;
    }
    w.emit(t, &TraceEvent::RunEnd { reason: None });
    let lines = w.lines();
    let (mut out, fingerprint) = w.finish()?;
    out.flush()?;
    drop(out);
    let summary = pm.summary();
    let metrics = RunMetrics {
        phases: vec![summary.clone()],
        measured: summary,
        latency_cdf: pm.latency.cdf(),
        series: series.finish(),
        generator: GeneratorLag { p50_ns: 0, p99_ns: 0, max_ns: 0, fell_behind: false },
        foreign_outcomes: 0,
        duplicate_outcomes: 0,
        program: "payments".into(),
        conformance: Vec::new(),
        program_summary: None,
    };
    let fault_records = faults
        .iter()
        .map(|(n, a, z)| FaultRecord {
            id: "f0".into(),
            action: "crash".into(),
            nodes: vec![nodes[*n].clone()],
            at_ns: *a,
            duration_ns: Some(z - a),
            status: FaultStatus::Applied,
            message: None,
            applied_ns: Some(*a),
            undone_ns: Some(*z),
        })
        .collect();
    let criteria = touchstone_core::criteria::evaluate(&sc.criteria, &metrics);
    let replay = format!("touchstone run scenarios/{}.toml --adapter synth --seed 7", s.name);
    let opts = touchstone_check::CheckOptions {
        replay_command: Some(replay.clone()),
        ..Default::default()
    };
    let check = touchstone_check::check_path(&dir.join("trace.jsonl"), &opts)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut details = std::collections::BTreeMap::new();
    details.insert("version".to_string(), "synth 1".to_string());
    let mut rec = RunRecord {
        format: RUN_FORMAT.into(),
        harness: HarnessInfo { name: "touchstone".into(), version: "0.1.0".into() },
        scenario: ScenarioInfo {
            name: s.name.clone(),
            kind: "payment".into(),
            description: sc.description.clone(),
            file: Some(format!("scenarios/{}.toml", s.name)),
            sha256: touchstone_core::rundir::sha256_hex(s.name.as_bytes()),
            network: sc.network.clone(),
            faults: sc.faults.clone(),
            criteria: sc.criteria.clone(),
            load_ns: end,
        },
        seed: 7,
        replay,
        adapter: AdapterInfo {
            system: SystemInfo {
                adapter: "synth".into(),
                protocol: "tendermint".into(),
                validators: vals.clone(),
                quorum: None,
                details,
            },
            capabilities: Capabilities {
                operations: vec![OpKind::Transfer, OpKind::Issue],
                faults: vec![],
                consensus_events: true,
                state_reads: false,
                finality: FinalityRule {
                    description: "BFT finality: decided at 100% of validators".into(),
                    required_share: 1.0,
                    confirmation_depth: 0,
                },
                virtual_time: true,
            },
        },
        environment: Environment {
            os: "linux".into(),
            arch: "x86_64".into(),
            cpus: 2,
            cpu_model: Some("synthetic CPU".into()),
            memory_bytes: Some(8 << 30),
            started_at: Some("2025-01-01T00:00:00Z".into()),
        },
        status: RunStatus::Completed,
        message: None,
        duration_ns: t,
        metrics: Some(metrics),
        faults: fault_records,
        criteria,
        check: Some(serde_json::to_value(&check).map_err(std::io::Error::other)?),
        trace: TraceInfo { file: "trace.jsonl".into(), lines, fingerprint },
        harness_cost: None,
        verdict: Verdict { passed: true, exit_code: 0, failed: vec![] },
    };
    let failed: Vec<String> = rec
        .criteria
        .iter()
        .filter(|c| !c.passed)
        .map(|c| format!("criterion {}", c.id))
        .chain(
            check
                .properties
                .iter()
                .filter(|p| p.is_gate && p.verdict == touchstone_check::Verdict::Fail)
                .map(|p| format!("gate {}", p.id)),
        )
        .collect();
    rec.verdict = Verdict {
        passed: failed.is_empty(),
        exit_code: if failed.is_empty() { 0 } else { 1 },
        failed,
    };
    let mut bytes = serde_json::to_vec_pretty(&rec).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(dir.join("run.json"), bytes)?;
    Ok(rec)
}
