//! The adapter contract: disclosure, capabilities, outcomes, faults and trace contents.

use crate::common::*;
use std::collections::BTreeSet;
use touchstone_core::adapter::{
    Adapter, CollectingSink, OutcomeStatus, Setup, SubmitAck, TxRequest,
};
use touchstone_core::scenario::{AssetSpec, Behaviour, FaultAction};
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{Operation, Reason, Seed, TxId};
use touchstone_sim::SimAdapter;

/// Every rejected transaction is absent from every decided block; every committed one present.
fn assert_no_phantom(r: &Run) {
    let decided: BTreeSet<String> = r
        .lines
        .iter()
        .filter(|l| l["kind"] == "cons.decide")
        .flat_map(|l| l["txs"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()))
        .collect();
    for l in r.lines.iter().filter(|l| l["kind"] == "tx.result") {
        let tx = l["tx"].as_str().unwrap();
        match l["status"].as_str().unwrap() {
            "rejected" => assert!(!decided.contains(tx), "rejected {tx} is in a decided block"),
            "committed" if l["height"] != 0 => {
                assert!(decided.contains(tx), "committed {tx} is in no decided block")
            }
            _ => {}
        }
    }
}

#[test]
fn system_info_is_valid_right_after_construction() {
    let a = SimAdapter::new(&payment("pbft", 4, 1.0, 1).build()).unwrap();
    let i = a.system_info();
    assert_eq!((i.adapter.as_str(), i.protocol.as_str(), i.validators.len()), ("sim", "pbft", 4));
    assert_eq!(i.quorum.map(|q| (q.num, q.den)), Some((2, 3)));
    assert!(i.details["link"].contains("fixed"));
    let raft = SimAdapter::new(&payment("raft", 3, 1.0, 1).build()).unwrap().system_info();
    assert_eq!(raft.quorum.map(|q| (q.num, q.den)), Some((1, 2)));
    let caps = a.capabilities();
    assert!(
        caps.virtual_time && caps.consensus_events && caps.state_reads && caps.faults.len() == 9
    );
}

#[test]
fn unknown_protocol_or_variant_is_an_error() {
    let s = payment("pbft", 4, 1.0, 1).variant("no_such").build();
    assert!(SimAdapter::new(&s).unwrap_err().to_string().contains("no variant"));
}

#[test]
fn overdrafts_are_rejected_and_never_decided() {
    let s = payment("pbft", 4, 200.0, 2)
        .accounts(10)
        .with(|s| {
            for a in &mut s.workload.assets {
                a.initial_balance = 300;
            }
            s.workload.amount_min = 50;
            s.workload.amount_max = 150;
        })
        .build();
    let r = run(&s, 3);
    let m = &r.result.metrics.measured;
    assert!(m.rejected > 0 && m.committed > 0, "{m:?}");
    assert!(m.reasons.contains_key("INSUFFICIENT_BALANCE"), "{:?}", m.reasons);
    assert_no_phantom(&r);
    assert!(r.disagreement().is_none());
}

fn prepared(protocol: &str) -> (SimAdapter, CollectingSink<MemoryTrace>) {
    let s = payment(protocol, 4, 1.0, 1).build();
    let mut a = SimAdapter::new(&s).unwrap();
    let mut sink = CollectingSink::<MemoryTrace>::default();
    let setup = Setup {
        seed: Seed(1),
        accounts: (0..10).map(|i| format!("a{i}")).collect(),
        assets: vec![AssetSpec { id: "USD".into(), initial_balance: 1000 }],
        genesis: Default::default(),
    };
    a.prepare(&setup, &mut sink).unwrap();
    (a, sink)
}

fn transfer(id: u64, from: &str, nonce: u64, via: Option<&str>) -> TxRequest {
    TxRequest {
        id: TxId(id),
        client: 0,
        op: Operation::Transfer {
            from: from.into(),
            to: "a9".into(),
            asset: "USD".into(),
            amount: 10,
        },
        nonce: Some(nonce),
        via: via.map(String::from),
        intended: 0,
    }
}

#[test]
fn submission_rules_follow_real_behaviour() {
    let (mut a, mut sink) = prepared("pbft");
    a.faults().unwrap().apply(0, &crash(&["n1"]), &mut sink).unwrap();
    assert_eq!(
        a.submit(&transfer(100, "a0", 0, Some("n1")), &mut sink).unwrap(),
        SubmitAck::Rejected { reason: Reason::Other }
    );
    assert!(
        matches!(a.submit(&transfer(101, "a0", 0, None), &mut sink).unwrap(), SubmitAck::Accepted { via: Some(v) } if v != "n1")
    );
    assert_eq!(
        a.submit(&transfer(101, "a1", 0, None), &mut sink).unwrap(),
        SubmitAck::Rejected { reason: Reason::DuplicateTx }
    );
    let bad = TxRequest {
        op: Operation::Transfer {
            from: "a0".into(),
            to: "a1".into(),
            asset: "ZZZ".into(),
            amount: 1,
        },
        ..transfer(102, "a0", 0, None)
    };
    assert_eq!(
        a.submit(&bad, &mut sink).unwrap(),
        SubmitAck::Rejected { reason: Reason::Malformed }
    );
    a.advance(5 * S, &mut sink).unwrap();
    while a.now() < 5 * S {
        a.advance(5 * S, &mut sink).unwrap();
    }
    assert!(sink
        .outcomes
        .iter()
        .any(|o| o.tx == TxId(101) && matches!(o.status, OutcomeStatus::Committed { .. })));
    // Now a0's nonce is 1: a replay of nonce 0 is refused at once.
    assert_eq!(
        a.submit(&transfer(103, "a0", 0, None), &mut sink).unwrap(),
        SubmitAck::Rejected { reason: Reason::BadNonce }
    );
}

#[test]
fn nonce_gaps_are_allowed_and_a_used_nonce_rejects_its_rivals_at_once() {
    let (mut a, mut sink) = prepared("pbft");
    // A gap: nonce 5 first, then 3 would be below it once 5 applies.
    assert!(matches!(
        a.submit(&transfer(200, "a2", 5, Some("n0")), &mut sink).unwrap(),
        SubmitAck::Accepted { .. }
    ));
    // Two rivals on one nonce through two validators: one commits, the other is told at once.
    for (id, via) in [(201, "n1"), (202, "n2")] {
        assert!(matches!(
            a.submit(&transfer(id, "a3", 0, Some(via)), &mut sink).unwrap(),
            SubmitAck::Accepted { .. }
        ));
    }
    while a.now() < 5 * S {
        a.advance(5 * S, &mut sink).unwrap();
    }
    let outcome = |id| sink.outcomes.iter().find(|o| o.tx == TxId(id)).expect("an outcome");
    assert!(matches!(outcome(200).status, OutcomeStatus::Committed { .. }));
    let (w, l) = (outcome(201), outcome(202));
    let (winner, loser) =
        if matches!(w.status, OutcomeStatus::Committed { .. }) { (w, l) } else { (l, w) };
    assert!(matches!(winner.status, OutcomeStatus::Committed { .. }));
    assert_eq!(loser.status, OutcomeStatus::Rejected { reason: Reason::BadNonce });
    assert!(loser.at <= winner.at + S, "rejected {} ns after the commit", loser.at - winner.at);
    assert_eq!(
        a.submit(&transfer(203, "a2", 3, None), &mut sink).unwrap(),
        SubmitAck::Rejected { reason: Reason::BadNonce }
    );
}

/// The pre-check is asked about the request as sent: a replay of a committed payment (same
/// operation, its spent nonce) is predicted `BAD_NONCE` and a resent id `DUPLICATE_TX`, as
/// admission then answers — not `committed` from the balance rules alone.
#[test]
fn precheck_of_a_replayed_payment_predicts_its_rejection() {
    let (mut a, mut sink) = prepared("hotstuff");
    let first = transfer(300, "a4", 0, None);
    assert_eq!(a.precheck(&first).unwrap(), Some(Ok(())));
    assert!(matches!(a.submit(&first, &mut sink).unwrap(), SubmitAck::Accepted { .. }));
    assert_eq!(a.precheck(&first).unwrap(), Some(Err(Reason::DuplicateTx)));
    while a.now() < 5 * S {
        a.advance(5 * S, &mut sink).unwrap();
    }
    assert!(sink
        .outcomes
        .iter()
        .any(|o| o.tx == TxId(300) && matches!(o.status, OutcomeStatus::Committed { .. })));
    let replay = transfer(301, "a4", 0, None);
    let predicted = a.precheck(&replay).unwrap();
    assert_eq!(predicted, Some(Err(Reason::BadNonce)));
    let answered = a.submit(&replay, &mut sink).unwrap();
    assert_eq!(answered, SubmitAck::Rejected { reason: Reason::BadNonce });
    // The next nonce of the same payment is fine, and the pre-check changed nothing.
    assert_eq!(a.precheck(&transfer(302, "a4", 1, None)).unwrap(), Some(Ok(())));
    assert_eq!(
        a.precheck(&transfer(302, "a4", 1, Some("n2"))).unwrap(),
        Some(Ok(())),
        "through another validator too"
    );
}

#[test]
fn runtime_byzantine_fault_writes_ground_truth() {
    let (mut a, mut sink) = prepared("pbft");
    a.faults()
        .unwrap()
        .apply(
            0,
            &FaultAction::Byzantine { nodes: nodes(&["n2"]), behaviour: Behaviour::Silent },
            &mut sink,
        )
        .unwrap();
    let v = sink.trace.values();
    assert!(v
        .iter()
        .any(|l| l["kind"] == "node.role" && l["node"] == "n2" && l["behaviour"] == "silent"));
}

#[test]
fn messages_and_snapshots_are_traced_when_asked() {
    let s = payment("raft", 3, 50.0, 1)
        .with(|s| {
            s.network.trace_messages = true;
            s.network.snapshot_every = 1;
        })
        .build();
    let r = run(&s, 1);
    assert!(r.count("msg.send") > 0 && r.count("msg.recv") > 0);
    assert!(r.count("state.snapshot") > 3, "periodic snapshots plus the final ones");
    assert_no_phantom(&r);
}

#[test]
fn pause_partition_skew_and_restart_keep_agreement() {
    for protocol in ["pbft", "raft"] {
        let s = payment(protocol, 4, 100.0, 4)
            .fault(300 * MS, Some(800 * MS), FaultAction::Pause { nodes: nodes(&["n2"]) })
            .fault(
                1500 * MS,
                Some(800 * MS),
                FaultAction::Partition { groups: vec![nodes(&["n0"])] },
            )
            .fault(2500 * MS, Some(S), FaultAction::ClockSkew { nodes: nodes(&["n3"]), rate: 1.5 })
            .fault(2600 * MS, Some(500 * MS), crash(&["n1"]))
            .build();
        let r = run(&s, 11);
        assert!(r.disagreement().is_none(), "{}", replay(&s, 11));
        assert!(
            r.result.metrics.measured.committed > 300,
            "{protocol}: {:?}",
            r.result.metrics.measured
        );
        assert_no_phantom(&r);
    }
}
