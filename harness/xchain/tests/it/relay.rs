//! The relay: honest, crashed, delayed, lying, and a destination with a broken rule.

use crate::support::*;
use touchstone_xchain::{xfer_ids, XOptions};

#[test]
fn a_multi_chain_run_is_deterministic() {
    let s = scenario(&relay_script(10, ""));
    let (_, a, fa) = run(&s, 5, Default::default());
    let (_, b, fb) = run(&s, 5, Default::default());
    assert_eq!(fa, fb, "same seed, same fingerprint");
    assert_eq!(a, b);
    let (_, _, fc) = run(&s, 6, Default::default());
    assert_ne!(fa, fc, "another seed draws other network delays");
    assert!(a[0]["chains"].as_array().is_some_and(|c| c.len() == 2), "{}", a[0]);
    assert!(a[1..a.len() - 1].iter().all(|l| l["chain"] == "cash" || l["chain"] == "wrapped"));
    let seqs: Vec<u64> = a.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
    let ts: Vec<u64> = a.iter().map(|l| l["t_ns"].as_u64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[1] >= w[0]), "time never goes back");
}

#[test]
fn honest_relay_mints_every_lock_once_and_the_supply_is_conserved_across_chains() {
    let n = 12;
    // `back = false` lands in [bridge.workload]: the transfers stay on `wrapped`.
    let s = scenario(&relay_script(n, "back = false"));
    let (r, lines, _) = run(&s, 1, Default::default());
    let c = committed(&lines);
    for i in 0..n {
        let x = xfer_ids(i).0;
        assert_eq!(times(&c, "cash", "lock", &x), 1, "{x}");
        assert_eq!(times(&c, "wrapped", "mint", &x), 1, "{x} minted exactly once");
    }
    assert!(unbacked(&c).is_empty());
    assert_eq!(r.report.states.get("settled"), Some(&(n as u64)));
    let locked = r.report.escrow["cash"]["USD"];
    assert_eq!(locked, u128::from(n) * 100, "the source's escrow holds every lock");
    assert_eq!(r.report.supply["wrapped"]["USD"], locked, "minted = locked");
    assert_eq!(r.report.supply["cash"]["USD"], 8 * touchstone_xchain::genesis::START_BALANCE);
}

#[test]
fn the_way_back_burns_and_releases_so_nothing_stays_locked() {
    let s = scenario(&relay_script(10, ""));
    let (r, lines, _) = run(&s, 2, Default::default());
    let c = committed(&lines);
    assert_eq!(r.report.states.get("settled"), Some(&20), "{:?}", r.report.states);
    assert!(unbacked(&c).is_empty());
    assert_eq!(r.report.escrow["cash"]["USD"], 0);
    assert_eq!(r.report.supply["wrapped"]["USD"], 0);
    assert_eq!(r.report.txs_per_settled, Some(2.0), "lock + mint, burn + release");
}

#[test]
fn a_forging_relay_mints_nothing_and_its_forgeries_are_rejected_bad_proof() {
    let s = scenario(&relay_script(8, "[bridge.faults]\nbyzantine = \"forge\""));
    let (r, lines, _) = run(&s, 1, Default::default());
    let c = committed(&lines);
    let forged = lines.iter().filter(|l| l["client"] == "relay-forge").count();
    assert!(forged >= 8, "the forger tried ({forged})");
    assert_eq!(rejections(&lines, "wrapped", "BAD_PROOF"), forged);
    assert!(c.iter().all(|x| !x.xfer.starts_with("forged")), "nothing forged committed");
    assert!(unbacked(&c).is_empty());
    assert_eq!(r.report.states.get("settled"), Some(&16), "the honest transfers still settle");
}

#[test]
fn a_replaying_relay_is_refused_replayed_xfer_and_nothing_is_minted_twice() {
    let s = scenario(&relay_script(8, "[bridge.faults]\nbyzantine = \"replay\""));
    let (r, lines, _) = run(&s, 1, Default::default());
    let c = committed(&lines);
    let replays = lines.iter().filter(|l| l["client"] == "relay-replay").count();
    assert!(replays >= 16, "every mint and release replayed ({replays})");
    let refused = rejections(&lines, "wrapped", "REPLAYED_XFER")
        + rejections(&lines, "cash", "REPLAYED_XFER");
    assert_eq!(refused, replays);
    for i in 0..8 {
        let (out, back) = xfer_ids(i);
        assert_eq!(times(&c, "wrapped", "mint", &out), 1);
        assert_eq!(times(&c, "cash", "release", &back), 1);
    }
    assert!(r.report.settled_twice.is_empty());
}

#[test]
fn a_crashed_relay_after_restart_leaves_no_transfer_half_settled() {
    let faults = "[bridge.faults]\ncrash_at = \"500ms\"\nrestart_at = \"3s\"";
    let s = scenario(&relay_script(20, faults));
    let (r, lines, _) = run(&s, 1, Default::default());
    let during = lines.iter().filter(|l| {
        l["kind"] == "tx.submit"
            && l["client"] == "relay"
            && (600_000_000..3_000_000_000).contains(&l["t_ns"].as_u64().unwrap())
    });
    assert_eq!(during.count(), 0, "the relay was down");
    assert_eq!(r.report.states.get("settled"), Some(&40), "{:?}", r.report.states);
    let c = committed(&lines);
    assert!(unbacked(&c).is_empty());
    assert!(r.report.settled_twice.is_empty());
    let late = r.report.latency.as_ref().unwrap().max_ns;
    assert!(late >= 2_000_000_000, "transfers waited for the restart ({late} ns)");
}

#[test]
fn a_relay_delayed_beyond_the_settlement_bound_settles_late() {
    let faults = "[bridge.faults]\ndelay = \"12s\"\ndelay_until = \"500ms\"";
    let s = scenario(&relay_script(10, faults).replace("drain = \"20s\"", "drain = \"30s\""));
    let (r, _, _) = run(&s, 1, Default::default());
    let l = r.report.latency.as_ref().unwrap();
    assert!(l.max_ns > 12_000_000_000, "{l:?}");
    assert!(l.p50_ns < 1_000_000_000, "only the first half-second was delayed: {l:?}");
    assert_eq!(r.report.states.get("settled"), Some(&20));
}

#[test]
fn a_partition_of_one_chain_during_settlement_delays_but_loses_nothing() {
    let partition = r#"
[[chains.wrapped.faults]]
at = "300ms"
action = "partition"
groups = [["n0", "n1"], ["n2", "n3"]]
duration = "3s"
"#;
    let text = relay_script(10, "").replace("[bridge]", &format!("{partition}\n[bridge]"));
    let s = scenario(&text);
    let (r, lines, _) = run(&s, 1, Default::default());
    assert!(lines.iter().any(|l| l["kind"] == "fault.start" && l["chain"] == "wrapped"));
    assert_eq!(r.report.states.get("settled"), Some(&20), "{:?}", r.report.states);
    assert!(r.report.latency.as_ref().unwrap().max_ns > 2_000_000_000);
    assert!(unbacked(&committed(&lines)).is_empty());
}

#[test]
fn a_destination_with_a_broken_quorum_rule_mints_without_a_valid_proof() {
    // The deliberately broken bridge rule the checker must catch: one signer is a quorum.
    let s = scenario(&relay_script(8, "[bridge.faults]\nbyzantine = \"forge\""));
    let (r, lines, _) = run(&s, 1, XOptions { broken_quorum: true });
    let c = committed(&lines);
    let bad = unbacked(&c);
    assert!(!bad.is_empty(), "a forged mint went through");
    assert!(bad.iter().all(|m| m.chain == "wrapped" && m.xfer.starts_with("forged")));
    assert_eq!(r.report.unbacked.len(), bad.len());
}
