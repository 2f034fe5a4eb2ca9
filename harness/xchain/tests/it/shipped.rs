//! Every shipped multi-chain scenario (`scenarios/xchain/`) validates and runs with the
//! outcome its header promises.

use crate::support::*;
use std::path::PathBuf;

fn shipped(name: &str) -> touchstone_xchain::XScenario {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/xchain").join(name);
    touchstone_xchain::load(&p).unwrap_or_else(|e| panic!("{e}")).0
}

#[test]
fn every_shipped_multi_chain_scenario_is_valid_and_declares_its_purpose() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/xchain");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let (s, _) = touchstone_xchain::load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(!s.purpose.is_empty(), "{}", p.display());
            n += 1;
        }
    }
    assert!(n >= 8, "{n} scenarios");
}

fn settled_all(name: &str, expect: u64) -> touchstone_xchain::measure::XReport {
    let (r, lines, _) = run(&shipped(name), 1, Default::default());
    let x = r.report;
    assert_eq!(x.states.get("settled"), Some(&expect), "{name}: {:?}", x.states);
    assert!(x.unbacked.is_empty() && x.settled_twice.is_empty(), "{name}");
    assert!(unbacked(&committed(&lines)).is_empty(), "{name}");
    x
}

#[test]
fn the_shipped_relay_and_htlc_transfers_settle_every_one() {
    let relay = settled_all("xchain-transfer.toml", 400);
    assert_eq!(relay.txs_per_settled, Some(2.0));
    let htlc = settled_all("xchain-transfer-htlc.toml", 200);
    assert_eq!(htlc.txs_per_settled, Some(4.0));
    let (rl, hl) = (relay.latency.unwrap(), htlc.latency.unwrap());
    assert!(hl.p50_ns > rl.p50_ns, "a swap takes more block rounds than one mint: {hl:?} {rl:?}");
}

#[test]
fn the_shipped_dvp_settles_80_pairs_and_refunds_20_on_both_sides() {
    let (r, _, _) = run(&shipped("xchain-dvp.toml"), 1, Default::default());
    let s = &r.report.states;
    assert_eq!((s.get("settled"), s.get("refunded"), s.get("mixed")), (Some(&80), Some(&20), None));
}

#[test]
fn the_shipped_fault_scenarios_settle_every_transfer_once() {
    let crash = settled_all("xchain-relay-crash.toml", 400);
    assert!(crash.latency.unwrap().max_ns > 4_000_000_000, "some waited for the restart");
    let delay = settled_all("xchain-relay-delay.toml", 400);
    assert!(delay.latency.unwrap().max_ns > 10_000_000_000, "beyond the settlement bound");
    let part = settled_all("xchain-partition.toml", 400);
    assert!(part.latency.unwrap().max_ns > 2_000_000_000, "the stall is visible");
    let forge = settled_all("xchain-relay-forge.toml", 400);
    assert_eq!(forge.rejections["wrapped"]["BAD_PROOF"], 200, "one forgery per mint");
    let replay = settled_all("xchain-relay-replay.toml", 400);
    let refused: u64 = replay.rejections.values().filter_map(|r| r.get("REPLAYED_XFER")).sum();
    assert!(refused >= 400, "every delivery replayed and refused ({refused})");
}
