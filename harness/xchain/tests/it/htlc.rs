//! Hashed time-locks: pairs settle, failing pairs are refunded on both sides, never one leg
//! claimed and the other refunded.

use crate::support::*;
use touchstone_xchain::htlc::pair_ids;

/// Per pair, what its two legs ended as in the trace: (cash leg, securities leg), each
/// "claim", "refund" or "".
fn legs(lines: &[serde_json::Value], pairs: u32) -> Vec<(String, String)> {
    let c = committed(lines);
    let end = |chain: &str, xfer: &str| {
        let ops: Vec<&str> = c
            .iter()
            .filter(|x| x.chain == chain && x.xfer == xfer && x.op != "hashlock")
            .map(|x| x.op.as_str())
            .collect();
        assert!(ops.len() <= 1, "{xfer} paid out twice: {ops:?}");
        ops.first().copied().unwrap_or_default().to_string()
    };
    (0..pairs)
        .map(|i| {
            let (_, a, b) = pair_ids(i);
            (end("cash", &a), end("sec", &b))
        })
        .collect()
}

#[test]
fn dvp_pairs_settle_and_failing_pairs_are_refunded_on_both_sides() {
    let s = scenario(&dvp_script(20, 0.25, ""));
    let (r, lines, _) = run(&s, 1, Default::default());
    let legs = legs(&lines, 20);
    let claimed = legs.iter().filter(|(a, b)| a == "claim" && b == "claim").count();
    let refunded = legs.iter().filter(|(a, b)| a == "refund" && b == "refund").count();
    assert_eq!((claimed, refunded), (15, 5), "{legs:?}");
    assert_eq!(r.report.states.get("settled"), Some(&15));
    assert_eq!(r.report.states.get("refunded"), Some(&5));
    assert_eq!(r.report.states.get("mixed"), None);
    assert_eq!(
        r.report.txs_per_settled,
        Some(4.0 + 4.0 * 5.0 / 15.0),
        "2 locks + 2 claims; refunds count"
    );
    for (chain, held) in &r.report.escrow {
        assert!(held.values().all(|v| *v == 0), "{chain}'s escrow is empty at the end: {held:?}");
    }
}

#[test]
fn hashlock_expiries_are_heights_and_the_counterparty_lock_expires_first() {
    let s = scenario(&dvp_script(4, 0.0, ""));
    let (_, lines, _) = run(&s, 3, Default::default());
    let locks: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["kind"] == "tx.submit" && l["op"] == "hashlock").collect();
    assert_eq!(locks.len(), 8);
    for l in &locks {
        assert!(l["expires_height"].as_u64().is_some_and(|h| h > 0), "{l}");
        assert_eq!(l["hash"].as_str().map(str::len), Some(64));
        assert!(l["dvp"].as_str().is_some_and(|d| d.starts_with('p')));
    }
    let first =
        |chain: &str| locks.iter().find(|l| l["chain"] == chain).unwrap()["expires_height"].clone();
    // 4 s of 50 ms blocks on cash, 2 s on sec, above the heights at the time.
    assert!(first("cash").as_u64().unwrap() >= 80 && first("sec").as_u64().unwrap() < 80);
}

#[test]
fn an_htlc_transfer_swaps_with_a_counterparty_on_the_other_chain() {
    let text = relay_script(10, "").replace("mechanism = \"relay\"", "mechanism = \"htlc\"");
    let s = scenario(&text);
    let (r, lines, _) = run(&s, 1, Default::default());
    assert_eq!(r.report.states.get("settled"), Some(&10), "{:?}", r.report.states);
    assert_eq!(r.report.txs_per_settled, Some(4.0));
    let c = committed(&lines);
    assert!(c.iter().all(|x| x.op != "mint"), "no wrapped asset: the swap moves what exists");
}

#[test]
fn secrets_come_from_the_seed_so_a_dvp_run_replays_exactly() {
    let s = scenario(&dvp_script(6, 0.5, ""));
    let (_, a, fa) = run(&s, 9, Default::default());
    let (_, _, fb) = run(&s, 9, Default::default());
    let (_, c, _) = run(&s, 10, Default::default());
    assert_eq!(fa, fb);
    let hash = |lines: &[serde_json::Value]| {
        lines.iter().find(|l| l["op"] == "hashlock").map(|l| l["hash"].clone()).unwrap()
    };
    assert_ne!(hash(&a), hash(&c), "another seed, another secret");
    let claim = a.iter().find(|l| l["op"] == "claim").expect("a claim");
    let preimage = claim["preimage"].as_str().unwrap();
    let locked = a.iter().find(|l| l["op"] == "hashlock" && l["xfer"] == claim["xfer"]).unwrap();
    assert_eq!(
        touchstone_core::ledger::hash_of_preimage(preimage).as_deref(),
        locked["hash"].as_str()
    );
}
