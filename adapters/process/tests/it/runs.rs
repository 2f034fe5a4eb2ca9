//! Engine runs through the pipe: the same results as a built-in adapter, and the child's own
//! trace lines in the run's trace.

use crate::support::{null_child, payment, template};
use touchstone_core::engine::{self, EndReason};
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{Adapter, Seed};
use touchstone_process::{AckMode, ProcessAdapter};

#[test]
fn a_run_through_the_template_commits_everything_and_carries_its_consensus_lines() {
    let scenario = payment(100.0, 2);
    let mut adapter = ProcessAdapter::start(template(true), &scenario).unwrap();
    let mut trace = MemoryTrace::default();
    let r = engine::run(&scenario, &mut adapter, Seed(3), &mut trace, Default::default()).unwrap();
    assert_eq!(r.end, EndReason::Completed);
    assert_eq!(r.metrics.measured.committed, 200);
    let lines = trace.values();
    let decides: Vec<_> = lines.iter().filter(|l| l["kind"] == "cons.decide").collect();
    assert!(!decides.is_empty());
    assert_eq!(decides[0]["cert"]["signers"][0], "n0");
    assert!(lines.iter().any(|l| l["kind"] == "state.snapshot" && l["node"] == "n0"));
    // The disclosure names the protocol version and the child.
    let d = &r.system.details;
    assert_eq!(d["adapter_protocol_version"], "1");
    assert!(d["child_version"].starts_with("template-adapter 0.1.0"), "{d:?}");
    assert_eq!(r.system.adapter, "process");
}

#[test]
fn the_null_child_matches_the_built_in_null_adapter() {
    let scenario = payment(500.0, 2);
    let mut builtin = touchstone_null::NullAdapter::new(Default::default());
    let mut t1 = MemoryTrace::default();
    let a = engine::run(&scenario, &mut builtin, Seed(1), &mut t1, Default::default()).unwrap();
    for extra in [&[][..], &["--deferred"][..]] {
        let mut child = ProcessAdapter::start(null_child(extra), &scenario).unwrap();
        let deferred = child.ack_mode() == AckMode::Deferred;
        assert_eq!(deferred, !extra.is_empty());
        let mut t2 = MemoryTrace::default();
        let b = engine::run(&scenario, &mut child, Seed(1), &mut t2, Default::default()).unwrap();
        assert_eq!(b.end, EndReason::Completed, "{extra:?}");
        assert_eq!(a.metrics.measured.committed, b.metrics.measured.committed, "{extra:?}");
        assert_eq!(a.metrics.measured.submitted, b.metrics.measured.submitted, "{extra:?}");
        assert_eq!(b.metrics.duplicate_outcomes, 0);
    }
}

#[test]
fn amounts_beyond_64_bits_cross_the_pipe_intact() {
    use touchstone_core::adapter::{CollectingSink, Setup, TxRequest};
    use touchstone_core::ledger::{Genesis, Operation};
    use touchstone_core::trace::DiscardTrace;
    let scenario = payment(1.0, 1);
    let mut a = ProcessAdapter::start(template(true), &scenario).unwrap();
    let big = u128::MAX >> 4;
    let genesis = Genesis {
        assets: vec![("USD".into(), None)],
        balances: vec![("a0".into(), "USD".into(), big), ("a1".into(), "USD".into(), 0)],
        ..Default::default()
    };
    let setup =
        Setup { seed: Seed(1), accounts: vec!["a0".into(), "a1".into()], assets: vec![], genesis };
    let mut sink = CollectingSink { trace: DiscardTrace::default(), outcomes: Vec::new() };
    a.prepare(&setup, &mut sink).unwrap();
    let op = Operation::Transfer {
        from: "a0".into(),
        to: "a1".into(),
        asset: "USD".into(),
        amount: big - 1,
    };
    let tx = TxRequest {
        id: touchstone_core::TxId(1),
        client: 0,
        op,
        nonce: None,
        via: None,
        intended: 0,
    };
    a.submit(&tx, &mut sink).unwrap();
    while sink.outcomes.is_empty() {
        let t = a.now() + 50_000_000;
        a.advance(t, &mut sink).unwrap();
    }
    let snap = a.snapshot(&["a0".into(), "a1".into()]).unwrap();
    assert_eq!(snap[0].balances[1].1[0].1, big - 1);
    assert_eq!(snap[0].balances[0].1[0].1, 1);
    a.shutdown(&mut sink).unwrap();
}
