//! Faults on a managed anvil: pause/resume mining, crash and restart mid-run.

use crate::support::*;
use std::time::Duration;
use touchstone_core::adapter::{Adapter, OutcomeStatus, SubmitAck};
use touchstone_core::scenario::FaultAction;

fn n0() -> Vec<String> {
    vec!["n0".into()]
}

#[test]
fn slow_anvil_pause_holds_commits_until_resume() {
    let mut a = connect(managed(None, ""));
    let mut sink = Sink::default();
    prepare(&mut a, 2, 1_000_000, &mut sink);
    let now = a.now();
    a.faults()
        .expect("managed anvil has faults")
        .apply(now, &FaultAction::Pause { nodes: n0() }, &mut sink)
        .unwrap();
    assert!(accepted(&a.submit(&transfer(1, 0, 1, 5, a.now()), &mut sink).unwrap()));
    let out = wait_for(&mut a, &mut sink, &[1], Duration::from_millis(1500));
    assert!(out[0].is_none(), "nothing commits while mining is paused: {out:?}");
    let now = a.now();
    a.faults().unwrap().apply(now, &FaultAction::Resume { nodes: n0() }, &mut sink).unwrap();
    let out = wait_for(&mut a, &mut sink, &[1], Duration::from_secs(10));
    assert!(is_committed(&out[0]), "{out:?}");
}

#[test]
fn slow_anvil_restart_mid_run_loses_no_transaction() {
    let mut a = connect(managed(Some(1), ""));
    let mut sink = Sink::default();
    prepare(&mut a, 10, 1_000_000, &mut sink);
    let mut sent = Vec::new();
    // Some commit before the crash, some are in the pool when it comes.
    for i in 0..40u64 {
        let ack = a
            .submit(&transfer(i, (i % 10) as u32, ((i + 3) % 10) as u32, 7, a.now()), &mut sink)
            .unwrap();
        assert!(accepted(&ack), "{ack:?}");
        sent.push(i);
        if i == 19 {
            let _ = wait_for(&mut a, &mut sink, &[0], Duration::from_secs(5));
        }
    }
    // Let the sender threads send the last batch (submit only queues).
    let deadline = a.now() + 5_000_000_000;
    while a.unsent() > 0 && a.now() < deadline {
        a.advance(a.now() + 5_000_000, &mut sink).unwrap();
    }
    assert_eq!(a.unsent(), 0, "the senders sent everything queued before the crash");
    let now = a.now();
    a.faults().unwrap().apply(now, &FaultAction::Crash { nodes: n0() }, &mut sink).unwrap();
    // While it is down: refused at once, never sent.
    let ack = a.submit(&transfer(100, 0, 1, 7, a.now()), &mut sink).unwrap();
    assert!(matches!(ack, SubmitAck::Rejected { .. }), "{ack:?}");
    a.advance(a.now() + 300_000_000, &mut sink).unwrap();
    let now = a.now();
    a.faults().unwrap().apply(now, &FaultAction::Restart { nodes: n0() }, &mut sink).unwrap();
    for i in 200..210u64 {
        assert!(accepted(
            &a.submit(&transfer(i, (i % 10) as u32, ((i + 1) % 10) as u32, 3, a.now()), &mut sink)
                .unwrap()
        ));
        sent.push(i);
    }
    let out = wait_for(&mut a, &mut sink, &sent, Duration::from_secs(20));
    let missing: Vec<u64> =
        sent.iter().zip(&out).filter(|(_, o)| o.is_none()).map(|(i, _)| *i).collect();
    assert!(
        missing.is_empty(),
        "every accepted transaction ends with an outcome; missing {missing:?}"
    );
    for o in out.iter().flatten() {
        assert!(
            matches!(o.status, OutcomeStatus::Committed { .. } | OutcomeStatus::Rejected { .. }),
            "{o:?}"
        );
    }
    let committed = out.iter().filter(|o| is_committed(o)).count();
    assert_eq!(
        committed,
        sent.len(),
        "all accepted transactions commit after the restart: {out:?}"
    );
    let names: Vec<String> = (0..10).map(|i| format!("a{i}")).collect();
    let s = a.snapshot(&names).unwrap().remove(0);
    let total: u128 = names.iter().map(|n| balance(&s, n)).sum();
    assert_eq!(
        total,
        10 * 1_000_000,
        "value is conserved across the restart (details: {:?})",
        a.system_info().details
    );
}

#[test]
fn slow_anvil_a_crash_right_after_prepare_loses_no_funding() {
    // No state dump before the crash (interval 60 s): the restarted chain has lost everything
    // since anvil started, the funding included. The adapter sends it again before any transfer.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let extra = format!(
        "persist_state = false\nanvil_args = [\"--state\", {:?}, \"--state-interval\", \"60\"]\n",
        state.display().to_string()
    );
    let mut a = connect(managed(None, &extra));
    let mut sink = Sink::default();
    prepare(&mut a, 4, 1_000_000, &mut sink);
    let now = a.now();
    a.faults().unwrap().apply(now, &FaultAction::Crash { nodes: n0() }, &mut sink).unwrap();
    let now = a.now();
    a.faults().unwrap().apply(now, &FaultAction::Restart { nodes: n0() }, &mut sink).unwrap();
    let ids: Vec<u64> = (0..8).collect();
    for &i in &ids {
        let t = transfer(i, (i % 4) as u32, ((i + 1) % 4) as u32, 5, a.now());
        assert!(accepted(&a.submit(&t, &mut sink).unwrap()));
    }
    let out = wait_for(&mut a, &mut sink, &ids, Duration::from_secs(15));
    let stats = a.system_info().details["stats"].clone();
    assert!(out.iter().all(is_committed), "transfers after the restart commit: {out:?}; {stats}");
    assert!(stats.contains("funding transactions sent again 4"), "{stats}");
    let names: Vec<String> = (0..4).map(|i| format!("a{i}")).collect();
    let s = a.snapshot(&names).unwrap().remove(0);
    assert_eq!(names.iter().map(|n| balance(&s, n)).sum::<u128>(), 4 * 1_000_000);
}

/// A state dump of a node that lost the blocks above `at` but kept their accounts: what
/// anvil's periodic dump writes when it reads the block list before a block is stored and the
/// accounts after it was applied.
fn torn_dump(mut dump: serde_json::Value, at: u64) -> serde_json::Value {
    let hex = |v: &serde_json::Value| {
        u64::from_str_radix(v.as_str().expect("hex").trim_start_matches("0x"), 16).expect("hex")
    };
    let blocks = dump["blocks"].as_array_mut().expect("blocks");
    blocks.retain(|b| hex(&b["header"]["number"]) <= at);
    let txs = dump["transactions"].as_array_mut().expect("transactions");
    txs.retain(|t| t["block_number"].as_u64().expect("block_number") <= at);
    dump["best_block_number"] = at.into();
    dump["block"]["number"] = format!("{at:#x}").into();
    dump
}

#[test]
fn slow_anvil_a_restart_whose_state_holds_blocks_it_lost_loses_no_value() {
    // Deterministic form of a race in anvil's `--state-interval` dump: the restarted node holds
    // the accounts of the transfers' blocks but not the blocks. Their nonces are used, so they
    // can never be included again: they are neither lost commits nor sent again, their fees
    // stay charged, and the balances still add up.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let extra = format!(
        "persist_state = false\nanvil_args = [\"--state\", {:?}, \"--state-interval\", \"1\"]\n",
        state.display().to_string()
    );
    let mut a = connect(managed(Some(1), &extra));
    let mut sink = Sink::default();
    prepare(&mut a, 4, 1_000_000, &mut sink);
    let first: Vec<u64> = (0..4).collect();
    for &i in &first {
        let t = transfer(i, i as u32, ((i + 1) % 4) as u32, 5, a.now());
        assert!(accepted(&a.submit(&t, &mut sink).unwrap()));
    }
    let out = wait_for(&mut a, &mut sink, &first, Duration::from_secs(10));
    let heights: Vec<u64> = out
        .iter()
        .map(|o| match o {
            Some(o) => match o.status {
                OutcomeStatus::Committed { height } => height,
                _ => panic!("{o:?}"),
            },
            None => panic!("no outcome: {out:?}"),
        })
        .collect();
    let (low, high) = (*heights.iter().min().unwrap(), *heights.iter().max().unwrap());
    // A dump that holds the transfers' blocks (anvil writes one every second).
    let deadline = a.now() + 10_000_000_000;
    let dump = loop {
        let read = std::fs::read_to_string(&state).ok();
        let dump: Option<serde_json::Value> = read.and_then(|t| serde_json::from_str(&t).ok());
        if let Some(d) = dump.filter(|d| d["best_block_number"].as_u64() >= Some(high)) {
            break d;
        }
        assert!(a.now() < deadline, "no state dump reached height {high}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let now = a.now();
    a.faults().unwrap().apply(now, &FaultAction::Crash { nodes: n0() }, &mut sink).unwrap();
    std::fs::write(&state, torn_dump(dump, low - 1).to_string()).unwrap();
    let now = a.now();
    a.faults().unwrap().apply(now, &FaultAction::Restart { nodes: n0() }, &mut sink).unwrap();
    let second: Vec<u64> = (100..104).collect();
    for &i in &second {
        let t = transfer(i, (i % 4) as u32, ((i + 2) % 4) as u32, 3, a.now());
        assert!(accepted(&a.submit(&t, &mut sink).unwrap()));
    }
    let out = wait_for(&mut a, &mut sink, &second, Duration::from_secs(15));
    let stats = a.system_info().details["stats"].clone();
    assert!(out.iter().all(is_committed), "transfers after the restart commit: {out:?}; {stats}");
    assert!(stats.contains("applied by a restart's state without their block 4"), "{stats}");
    assert!(stats.contains("commits lost by a restart 0"), "{stats}");
    let names: Vec<String> = (0..4).map(|i| format!("a{i}")).collect();
    let s = a.snapshot(&names).unwrap().remove(0);
    assert!(s.height > low - 1, "read on the restarted chain: {s:?}");
    let total: u128 = names.iter().map(|n| balance(&s, n)).sum();
    assert_eq!(total, 4 * 1_000_000, "value is conserved: {s:?}; {stats}");
    // Each account sent 5 and received 5, then sent 3 and received 3.
    assert!(names.iter().all(|n| balance(&s, n) == 1_000_000), "{s:?}");
}

#[test]
fn slow_anvil_external_endpoint_declares_no_faults() {
    let owner = connect(managed(None, ""));
    let cfg = touchstone_ethereum::Config::parse(
        &format!(
            "endpoint = \"{}\"\nfunding_key = \"{}\"\n",
            owner.endpoint(),
            touchstone_ethereum::config::ANVIL_DEV_KEY
        ),
        "external.toml",
    )
    .unwrap();
    let mut ext = connect(cfg);
    assert!(ext.capabilities().faults.is_empty());
    assert!(ext.faults().is_none());
    assert!(!ext.capabilities().consensus_events);
}
