use std::sync::atomic::AtomicBool;
use touchstone_core::criteria;
use touchstone_core::engine::{self, EndReason, FaultStatus, RunOptions, RunResult};
use touchstone_core::scenario::*;
use touchstone_core::time::{NS_PER_MS, NS_PER_S};
use touchstone_core::trace::{MemoryTrace, TraceWriter};
use touchstone_core::Seed;
use touchstone_null::{NullAdapter, NullConfig};

fn run_with(s: &Scenario, cfg: NullConfig, seed: u64) -> (RunResult, MemoryTrace) {
    let mut a = NullAdapter::new(cfg);
    let mut t = MemoryTrace::default();
    let r = engine::run(s, &mut a, Seed(seed), &mut t, RunOptions::default()).expect("run");
    (r, t)
}

fn constant(tps: f64, secs: u64) -> Scenario {
    ScenarioBuilder::new("t", ScenarioKind::Payment)
        .accounts(50)
        .phase("load", secs * NS_PER_S, RateSpec::Constant { tps })
        .build()
}

#[test]
fn constant_load_commits_everything_with_the_configured_delay() {
    let s = constant(200.0, 2);
    let (r, _) = run_with(&s, NullConfig { delay: 50 * NS_PER_MS, ..Default::default() }, 1);
    let m = &r.metrics.measured;
    assert_eq!(r.end, EndReason::Completed);
    assert_eq!(m.submitted, 400);
    assert_eq!(m.committed, 400);
    assert_eq!(m.unknown, 0);
    assert!((m.latency.p99_ns as i64 - 50_000_000).abs() < 100_000, "p99 {}", m.latency.p99_ns);
    assert!((m.committed_tps - 200.0).abs() < 1.0, "{}", m.committed_tps);
    let series_committed: u64 = r.metrics.series.iter().map(|s| s.committed).sum();
    assert_eq!(series_committed, 400);
    assert!(!r.metrics.generator.fell_behind);
}

#[test]
fn trace_is_spec_shaped_and_ordered() {
    let s = constant(100.0, 1);
    let (_, t) = run_with(&s, NullConfig::default(), 1);
    let v = t.values();
    assert_eq!(v[0]["kind"], "run.start");
    assert_eq!(v[0]["seed"], 1);
    assert_eq!(v.last().unwrap()["kind"], "run.end");
    let mut last = 0;
    for l in &v {
        let t = l["t_ns"].as_u64().unwrap();
        assert!(t >= last);
        last = t;
    }
    // Genesis issues (50 accounts × 1 asset) then 100 submissions and 100 results.
    let genesis = v.iter().filter(|l| l["kind"] == "tx.submit" && l["client"] == "genesis").count();
    assert_eq!(genesis, 50);
    let submits = v.iter().filter(|l| l["kind"] == "tx.submit" && l["client"] != "genesis").count();
    let committed = v
        .iter()
        .filter(|l| l["kind"] == "tx.result" && l["status"] == "committed" && l["height"] != 0)
        .count();
    assert_eq!((submits, committed), (100, 100));
}

#[test]
fn warmup_is_excluded_from_the_measured_figures() {
    let s = ScenarioBuilder::new("w", ScenarioKind::Payment)
        .warmup(NS_PER_S, RateSpec::Constant { tps: 1000.0 })
        .phase("load", NS_PER_S, RateSpec::Constant { tps: 100.0 })
        .build();
    let (r, _) = run_with(&s, NullConfig::default(), 1);
    assert_eq!(r.metrics.phases[0].submitted, 1000);
    assert_eq!(r.metrics.measured.submitted, 100);
}

#[test]
fn rejections_carry_reason_codes_and_notice_time() {
    let s = constant(100.0, 1);
    let (r, t) = run_with(&s, NullConfig { reject_every: 10, ..Default::default() }, 1);
    assert_eq!(r.metrics.measured.rejected, 10);
    assert_eq!(r.metrics.measured.reasons.get("INSUFFICIENT_BALANCE"), Some(&10));
    assert_eq!(r.metrics.measured.rejection_notice.count, 10);
    let rejected = t.values().into_iter().filter(|l| l["status"] == "rejected").count();
    assert_eq!(rejected, 10);
}

#[test]
fn a_chain_that_never_answers_yields_unknown_after_the_timeout() {
    let s = ScenarioBuilder::new("slow", ScenarioKind::Payment)
        .timeout(NS_PER_S)
        .phase("load", NS_PER_S, RateSpec::Constant { tps: 10.0 })
        .build();
    let (r, t) = run_with(&s, NullConfig { delay: 60 * NS_PER_S, ..Default::default() }, 1);
    assert_eq!(r.metrics.measured.unknown, 10);
    assert_eq!(r.metrics.measured.committed, 0);
    assert!(t.values().iter().any(|l| l["status"] == "unknown" && l["reason"] == "TIMEOUT"));
    let c = criteria::evaluate(
        &Criteria { latency_p99: Some(NS_PER_S), ..Default::default() },
        &r.metrics,
    );
    assert!(!c[0].passed, "nothing committed cannot meet a latency bound");
}

#[test]
fn closed_loop_keeps_the_concurrency() {
    let s = ScenarioBuilder::new("c", ScenarioKind::Payment)
        .phase("load", NS_PER_S, RateSpec::Closed { concurrency: 10 })
        .build();
    let (r, _) = run_with(&s, NullConfig { delay: 10 * NS_PER_MS, ..Default::default() }, 1);
    let n = r.metrics.measured.submitted;
    assert!((990..=1010).contains(&n), "10 outstanding × 100 round trips/s ≈ 1000, got {n}");
    assert!(r.metrics.measured.closed_loop);
}

#[test]
fn burst_sends_its_count_and_reports_completion() {
    let s = ScenarioBuilder::new("b", ScenarioKind::Clearing)
        .phase("burst", NS_PER_S, RateSpec::Burst { count: 5000, at: 0, within: 0 })
        .criteria(Criteria { completion_max: Some(NS_PER_S), ..Default::default() })
        .build();
    let (r, _) = run_with(&s, NullConfig { delay: 200 * NS_PER_MS, ..Default::default() }, 1);
    assert_eq!(r.metrics.measured.committed, 5000);
    assert_eq!(r.metrics.measured.completion_ns, Some(200 * NS_PER_MS));
    let c = criteria::evaluate(&s.criteria, &r.metrics);
    assert!(c[0].passed);
}

#[test]
fn faults_the_adapter_cannot_inject_are_not_exercised_and_leave_no_trace() {
    let s = ScenarioBuilder::new("f", ScenarioKind::Payment)
        .phase("load", 2 * NS_PER_S, RateSpec::Constant { tps: 10.0 })
        .fault(NS_PER_S, Some(NS_PER_S / 2), FaultAction::Crash { nodes: vec!["n0".into()] })
        .build();
    let (r, t) = run_with(&s, NullConfig::default(), 1);
    assert_eq!(r.faults[0].status, FaultStatus::NotExercised);
    assert!(!t.values().iter().any(|l| l["kind"].as_str().unwrap().starts_with("fault.")));
}

#[test]
fn same_seed_same_fingerprint_and_different_seed_differs() {
    let s = ScenarioBuilder::new("d", ScenarioKind::Payment)
        .phase("load", NS_PER_S, RateSpec::Poisson { tps: 500.0 })
        .build();
    let fp = |seed| {
        let mut a = NullAdapter::new(NullConfig { delay: 5 * NS_PER_MS, ..Default::default() });
        let mut w = TraceWriter::new(Vec::new());
        engine::run(&s, &mut a, Seed(seed), &mut w, RunOptions::default()).unwrap();
        w.finish().unwrap().1
    };
    assert_eq!(fp(7), fp(7));
    assert_ne!(fp(7), fp(8));
}

#[test]
fn a_stop_request_ends_the_run_with_partial_results() {
    let s = constant(100.0, 10);
    let stop = AtomicBool::new(true);
    let mut a = NullAdapter::new(NullConfig::default());
    let mut t = MemoryTrace::default();
    let r = engine::run(
        &s,
        &mut a,
        Seed(1),
        &mut t,
        RunOptions { stop: Some(&stop), progress: None, limits: Default::default() },
    )
    .unwrap();
    assert_eq!(r.end, EndReason::Interrupted);
    assert_eq!(t.values().last().unwrap()["reason"], "interrupted");
}

#[test]
fn ramp_offers_the_area_under_the_rate() {
    let s = ScenarioBuilder::new("r", ScenarioKind::Clearing)
        .phase("ramp", 4 * NS_PER_S, RateSpec::Ramp { from: 0.0, to: 1000.0 })
        .build();
    let (r, _) = run_with(&s, NullConfig::default(), 1);
    let n = r.metrics.measured.submitted as i64;
    assert!((n - 2000).abs() <= 2, "{n}");
    let series = &r.metrics.series;
    assert!(series[3].offered > series[0].offered * 3, "rate must grow: {series:?}");
}

/// A program of two cases: the first expected to commit, the second to be rejected.
#[derive(Debug, Default)]
struct TwoCases {
    sent: u32,
    observed: Vec<String>,
}

impl touchstone_core::program::Program for TwoCases {
    fn name(&self) -> &'static str {
        "two-cases"
    }
    fn genesis(&mut self) -> touchstone_core::ledger::Genesis {
        Default::default()
    }
    fn next(&mut self, _phase: usize, _now: u64) -> touchstone_core::program::Next {
        use touchstone_core::program::{Case, Expected, Next, ProgramTx};
        self.sent += 1;
        let expected = match self.sent {
            1 => Expected::Commit,
            2 => Expected::Reject { reasons: vec![touchstone_core::Reason::InvalidReceiver] },
            _ => return Next::Done,
        };
        let op = touchstone_core::Operation::Transfer {
            from: "a0".into(),
            to: "a1".into(),
            asset: "USD".into(),
            amount: 1,
        };
        Next::Send(Box::new(ProgramTx {
            op,
            nonce: Some(self.sent as u64),
            via: None,
            case: Some(Case::new("D1.1", format!("case {}", self.sent), expected)),
        }))
    }
    fn observe(&mut self, tx: touchstone_core::TxId, _status: &touchstone_core::OutcomeStatus) {
        self.observed.push(tx.to_string());
    }
}

#[test]
fn conformance_cases_are_compared_with_what_the_chain_did() {
    let s = constant(10.0, 1);
    let mut a = NullAdapter::new(NullConfig::default());
    let mut t = MemoryTrace::default();
    let r = engine::run_program(
        &s,
        Box::new(TwoCases::default()),
        &mut a,
        Seed(1),
        &mut t,
        RunOptions::default(),
    )
    .unwrap();
    let c = &r.metrics.conformance;
    assert_eq!(c.len(), 2);
    assert!(c[0].passed, "{c:?}");
    assert!(!c[1].passed, "the null chain committed what should have been rejected: {c:?}");
    assert_eq!(c[1].observed, "committed");
    assert_eq!(r.metrics.measured.submitted, 2, "the program ran out: nothing more is sent");
}

#[test]
fn the_watchdog_stops_a_run_that_writes_too_much_in_one_simulated_second() {
    // 5,000 tx/s writes about 10,000 lines a second; the limit here is 2,000.
    let s = constant(5000.0, 10);
    let mut a = NullAdapter::new(NullConfig::default());
    let mut t = MemoryTrace::default();
    let limits = limits::RunLimits { max_events_per_sim_second: 2000, ..Default::default() };
    let opts = RunOptions { limits, ..Default::default() };
    let r = engine::run(&s, &mut a, Seed(1), &mut t, opts).unwrap();
    let EndReason::LimitExceeded { message } = &r.end else { panic!("{:?}", r.end) };
    assert!(message.contains("2,000 events in one second of simulated time"), "{message}");
    assert!(
        t.lines.len() < 2100,
        "nothing is written past the limit but run.end: {}",
        t.lines.len()
    );
    let last = t.values().last().unwrap().clone();
    assert_eq!(last["kind"], "run.end");
    assert!(last["reason"].as_str().unwrap().starts_with("limit exceeded"), "{last}");
    assert!(r.duration_ns < 2 * NS_PER_S, "stopped within the first simulated seconds");
}

#[test]
fn the_watchdog_stops_a_run_at_its_total_trace_bytes() {
    let s = constant(200.0, 10);
    let mut a = NullAdapter::new(NullConfig::default());
    let mut t = MemoryTrace::default();
    let limits = limits::RunLimits { max_trace_bytes: 50_000, ..Default::default() };
    let r = engine::run(&s, &mut a, Seed(1), &mut t, RunOptions { limits, ..Default::default() })
        .unwrap();
    assert!(matches!(r.end, EndReason::LimitExceeded { .. }), "{:?}", r.end);
}
