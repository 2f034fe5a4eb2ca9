//! Ledger replay of the harness's extensions: batch legs (DvP), forced transfers, recovery,
//! and mint/burn written as `issue`/`redeem`.

use serde_json::{json, Value};
use touchstone_check::Verdict;

use crate::builder::{findings, only_finding, verdict, T};

/// Genesis: alice holds 100 EUR, bob 50 BOND.
fn genesis() -> T {
    let mut t = T::new("tendermint", 4);
    t.push(json!({"kind":"tx.submit","tx":"g1","client":"genesis","op":"issue","to":"alice","asset":"EUR","amount":100}));
    t.result("g1", "committed", Some(0));
    t.push(json!({"kind":"tx.submit","tx":"g2","client":"genesis","op":"issue","to":"bob","asset":"BOND","amount":50}));
    t.result("g2", "committed", Some(0));
    t
}

/// A DvP batch as the harness writes it: from/to/asset of the first leg, no amount.
fn batch(t: &mut T, tx: &str, nonce: u64, legs: Value) {
    let first = &legs[0];
    t.push(json!({"kind":"tx.submit","tx":tx,"client":"c0","op":"batch","from":first["from"],
        "to":first["to"],"asset":first["asset"],"nonce":nonce,"intended_ns":5,"legs":legs}));
}

fn dvp(eur: u64, bond: u64) -> Value {
    json!([
        {"from":"alice","to":"bob","asset":"EUR","amount":eur},
        {"from":"bob","to":"alice","asset":"BOND","amount":bond}
    ])
}

/// A complete snapshot of both assets by node `i` at height `h`.
fn snapshot(t: &mut T, i: usize, h: u64, balances: Value) {
    t.push(json!({"kind":"state.snapshot","node":format!("n{i}"),"height":h,
        "supply":{"EUR":100,"BOND":50},"balances":balances}));
}

#[test]
fn decided_batch_applies_every_leg_and_conserves_supply() {
    let mut t = genesis();
    batch(&mut t, "b1", 1, dvp(30, 10));
    t.height(1, &[0, 1, 2, 3], &["b1"]);
    t.result("b1", "committed", Some(1));
    snapshot(&mut t, 0, 1, json!({"alice":{"EUR":70,"BOND":10},"bob":{"EUR":30,"BOND":40}}));
    let r = t.check();
    assert!(r.findings.is_empty(), "{}", r.render_text());
    for p in ["no_double_spend", "conservation", "no_lost_tx", "no_phantom_tx"] {
        assert_eq!(verdict(&r, p), Verdict::Pass, "{p}: {}", r.render_text());
    }
}

#[test]
fn a_snapshot_that_misses_a_leg_is_a_conservation_finding() {
    let mut t = genesis();
    batch(&mut t, "b1", 1, dvp(30, 10));
    t.height(1, &[0, 1, 2, 3], &["b1"]);
    // Only the first leg applied: not atomic.
    snapshot(&mut t, 2, 1, json!({"alice":{"EUR":70,"BOND":0},"bob":{"EUR":30,"BOND":50}}));
    let f = only_finding(&t.check(), "conservation", &["n2"], Some(1));
    assert!(f.message.contains("balance of alice in BOND is 0, replay gives 10"), "{}", f.message);
}

#[test]
fn a_batch_leg_driving_a_balance_negative_is_a_double_spend() {
    let mut t = genesis();
    // bob holds 50 BOND: the second leg overdraws it.
    batch(&mut t, "b1", 1, dvp(30, 60));
    t.height(1, &[0, 1, 2, 3], &["b1"]);
    let f = only_finding(&t.check(), "no_double_spend", &["n0"], Some(1));
    assert!(f.message.contains("balance of bob in BOND goes negative (-10)"), "{}", f.message);
    assert!(f.message.contains("leg 2 of batch b1"), "{}", f.message);
    // Two batches spending the same (from, nonce).
    let mut t = genesis();
    batch(&mut t, "b1", 7, dvp(10, 10));
    batch(&mut t, "b2", 7, dvp(10, 10));
    t.height(1, &[0, 1, 2, 3], &["b1"]).height(2, &[0, 1, 2, 3], &["b2"]);
    let f = only_finding(&t.check(), "no_double_spend", &["n0"], Some(2));
    assert!(f.message.contains("nonce 7 of account alice"), "{}", f.message);
}

#[test]
fn a_rejected_batch_moves_nothing() {
    let mut t = genesis();
    batch(&mut t, "b1", 1, dvp(30, 60));
    t.result("b1", "rejected", None);
    t.height(1, &[0, 1, 2, 3], &[]);
    snapshot(&mut t, 1, 1, json!({"alice":{"EUR":100},"bob":{"BOND":50}}));
    let r = t.check();
    assert!(r.findings.is_empty(), "{}", r.render_text());
    assert_eq!(verdict(&r, "conservation"), Verdict::Pass);
}

#[test]
fn a_decided_batch_without_legs_leaves_conservation_unevaluated() {
    let mut t = genesis();
    t.push(json!({"kind":"tx.submit","tx":"b1","client":"c0","op":"batch","from":"alice","to":"bob","asset":"EUR"}));
    t.height(1, &[0, 1, 2, 3], &["b1"]);
    snapshot(&mut t, 1, 1, json!({"alice":{"EUR":100},"bob":{"BOND":50}}));
    let r = t.check();
    assert_eq!(verdict(&r, "conservation"), Verdict::NotEvaluated, "{}", r.render_text());
}

#[test]
fn bad_legs_are_bad_input_naming_the_field() {
    for (legs, field) in [
        (json!([{"from":"a","to":"b","asset":"X"}]), "legs[0].amount"),
        (
            json!([{"from":"a","to":"b","asset":"X","amount":1},{"to":"b","asset":"X","amount":1}]),
            "legs[1].from",
        ),
        (json!([{"from":"a","to":"b","asset":"X","amount":-1}]), "legs[0].amount"),
        (json!([{"from":"a","to":7,"asset":"X","amount":1}]), "legs[0].to"),
        (json!({"from":"a"}), "legs"),
    ] {
        let mut t = genesis();
        t.push(json!({"kind":"tx.submit","tx":"b1","client":"c0","op":"batch","legs":legs}));
        let e = touchstone_check::check_reader(
            t.text().as_bytes(),
            "bad.jsonl",
            &touchstone_check::CheckOptions::default(),
        )
        .expect_err("bad legs");
        let msg = e.to_string();
        assert!(msg.contains("bad.jsonl:6:"), "{msg}");
        assert!(msg.contains(field), "{field}: {msg}");
    }
}

#[test]
fn forced_transfer_and_recover_move_balances() {
    let mut t = genesis();
    t.push(json!({"kind":"tx.submit","tx":"f1","client":"agent","op":"forced_transfer","from":"alice","to":"carol","asset":"EUR","amount":40}));
    t.push(json!({"kind":"tx.submit","tx":"r1","client":"agent","op":"recover","from":"bob","to":"dave","asset":"BOND","amount":50}));
    t.height(1, &[0, 1, 2, 3], &["f1", "r1"]);
    t.result("f1", "committed", Some(1)).result("r1", "committed", Some(1));
    snapshot(
        &mut t,
        0,
        1,
        json!({"alice":{"EUR":60},"carol":{"EUR":40},"bob":{"BOND":0},"dave":{"BOND":50}}),
    );
    let r = t.check();
    assert!(r.findings.is_empty(), "{}", r.render_text());
    assert_eq!(verdict(&r, "conservation"), Verdict::Pass);
    // A snapshot that ignores the recovery disagrees with the replay.
    let mut t = genesis();
    t.push(json!({"kind":"tx.submit","tx":"r1","client":"agent","op":"recover","from":"bob","to":"dave","asset":"BOND","amount":50}));
    t.height(1, &[0, 1, 2, 3], &["r1"]);
    snapshot(&mut t, 3, 1, json!({"alice":{"EUR":100},"bob":{"BOND":50}}));
    let f = only_finding(&t.check(), "conservation", &["n3"], Some(1));
    assert!(f.message.contains("balance of bob in BOND is 50, replay gives 0"), "{}", f.message);
    // A forced transfer beyond the holding drives it negative.
    let mut t = genesis();
    t.push(json!({"kind":"tx.submit","tx":"f1","client":"agent","op":"forced_transfer","from":"alice","to":"carol","asset":"EUR","amount":101}));
    t.height(1, &[0, 1, 2, 3], &["f1"]);
    only_finding(&t.check(), "no_double_spend", &["n0"], Some(1));
}

#[test]
fn mint_and_burn_written_as_issue_and_redeem_change_supply() {
    let mut t = genesis();
    // The harness's Mint { to, asset, amount } and Burn { from, asset, amount }.
    t.push(json!({"kind":"tx.submit","tx":"m1","client":"issuer","op":"issue","to":"carol","asset":"EUR","amount":25}));
    t.push(json!({"kind":"tx.submit","tx":"x1","client":"issuer","op":"redeem","from":"bob","asset":"BOND","amount":20}));
    t.height(1, &[0, 1, 2, 3], &["m1", "x1"]);
    t.push(json!({"kind":"state.snapshot","node":"n1","height":1,"supply":{"EUR":125,"BOND":30},
        "balances":{"alice":{"EUR":100},"carol":{"EUR":25},"bob":{"BOND":30}}}));
    let r = t.check();
    assert!(r.findings.is_empty(), "{}", r.render_text());
    assert_eq!(verdict(&r, "conservation"), Verdict::Pass);
    // The supply before the mint is now wrong.
    let mut t = genesis();
    t.push(json!({"kind":"tx.submit","tx":"m1","client":"issuer","op":"issue","to":"carol","asset":"EUR","amount":25}));
    t.height(1, &[0, 1, 2, 3], &["m1"]);
    t.push(json!({"kind":"state.snapshot","node":"n1","height":1,"supply":{"EUR":100}}));
    let f = only_finding(&t.check(), "conservation", &["n1"], Some(1));
    assert!(f.message.contains("supply of EUR is 100, issued - redeemed is 125"), "{}", f.message);
    assert_eq!(findings(&t.check(), "conservation").len(), 1);
}
