//! The tx horizon (`Limits::tx_horizon_heights`): an endless stream of transactions holds the
//! txs in flight only, with the same verdicts as without it on everything within the horizon.

use touchstone_check::{check_reader, CheckOptions, CheckReport, Limits, LiveChecker, Verdict};

const ACCOUNTS: u64 = 100;

/// A PBFT trace of `heights` heights of `ACCOUNTS` transfers each, without genesis (so the
/// nonces are judged, the balances not): account `a{i}` pays with nonce `h` at height `h`.
/// `extra(h)` adds lines (already formatted) before height `h`'s decisions, with the txs
/// they add to its block.
fn trace(heights: u64, extra: &dyn Fn(u64) -> (Vec<String>, Vec<String>)) -> Vec<String> {
    let mut out = vec![r#"{"kind":"run.start","t_ns":0,"protocol":"pbft","validators":[{"id":"n0"},{"id":"n1"},{"id":"n2"},{"id":"n3"}],"seed":1,"scenario":"horizon"}"#.to_string()];
    let mut t = 0;
    let mut tick = || {
        t += 1000;
        t
    };
    for h in 1..=heights {
        let mut ids = Vec::new();
        for i in 0..ACCOUNTS {
            let id = format!("t{}", h * ACCOUNTS + i);
            out.push(format!(
                r#"{{"kind":"tx.submit","t_ns":{},"tx":"{id}","client":"c0","op":"transfer","from":"a{i}","to":"a{}","asset":"USD","amount":1,"nonce":{h}}}"#,
                tick(),
                (i + 1) % ACCOUNTS
            ));
            ids.push(id);
        }
        let (lines, txs) = extra(h);
        for l in lines {
            out.push(l.replace("T_NS", &tick().to_string()));
        }
        ids.extend(txs);
        let list: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
        for n in 0..4 {
            out.push(format!(
                r#"{{"kind":"cons.decide","t_ns":{},"node":"n{n}","height":{h},"round":0,"block":"B{h}","parent":"B{}","txs":[{}],"cert":{{"signers":["n0","n1","n2"]}}}}"#,
                tick(),
                h - 1,
                list.join(",")
            ));
        }
        for id in &ids {
            out.push(format!(
                r#"{{"kind":"tx.result","t_ns":{},"tx":"{id}","status":"committed","height":{h},"node":"n0"}}"#,
                tick()
            ));
        }
    }
    out.push(format!(r#"{{"kind":"run.end","t_ns":{}}}"#, tick()));
    out
}

/// At height 400, a transfer by account a7 (tx `tx`) of a nonce it already used.
fn respend_at_400(tx: &'static str, nonce: u64) -> impl Fn(u64) -> (Vec<String>, Vec<String>) {
    move |h| {
        if h != 400 {
            return none(h);
        }
        let l = format!(
            r#"{{"kind":"tx.submit","t_ns":T_NS,"tx":"{tx}","client":"c0","op":"transfer","from":"a7","to":"a8","asset":"USD","amount":1,"nonce":{nonce}}}"#
        );
        (vec![l], vec![tx.to_string()])
    }
}

fn none(_: u64) -> (Vec<String>, Vec<String>) {
    (Vec::new(), Vec::new())
}

fn opts(horizon: Option<u64>) -> CheckOptions {
    CheckOptions {
        limits: Limits { tx_horizon_heights: horizon, window_heights: 16, ..Default::default() },
        ..Default::default()
    }
}

fn one_pass(lines: &[String], horizon: Option<u64>) -> CheckReport {
    check_reader(lines.join("\n").as_bytes(), "horizon", &opts(horizon)).unwrap()
}

/// Pushes every line, releasing every 50, and returns the report and the most tx ids held.
fn live(lines: &[String], horizon: Option<u64>) -> (CheckReport, usize) {
    let o = opts(horizon);
    let mut c = LiveChecker::new("horizon", &o);
    let mut most = 0;
    for (i, l) in lines.iter().enumerate() {
        c.push_line(l.as_bytes()).unwrap();
        if i % 50 == 0 {
            c.release();
            most = most.max(c.tx_ids_held());
        }
    }
    (c.finish().unwrap(), most)
}

fn verdicts(r: &CheckReport) -> Vec<(String, Verdict, usize)> {
    r.properties.iter().map(|p| (p.id.clone(), p.verdict, p.findings)).collect()
}

#[test]
fn a_long_clean_stream_holds_the_txs_in_flight_only_with_the_verdicts_unchanged() {
    let lines = trace(500, &none);
    let (all, held_all) = live(&lines, None);
    let (bounded, held) = live(&lines, Some(20));
    assert_eq!(verdicts(&all), verdicts(&bounded));
    assert_eq!(all.status, bounded.status);
    assert_eq!(held_all, 50_000, "without a horizon every id is held");
    assert!(held <= 2 * 16_384 + 2 * 30 * ACCOUNTS as usize, "held {held} tx ids at most");
    assert_eq!(verdicts(&one_pass(&lines, Some(20))), verdicts(&all));
}

#[test]
fn a_nonce_spent_twice_after_the_table_was_compacted_is_still_a_double_spend() {
    // Height 400 re-spends the nonce account a7 used at height 395: within the horizon,
    // long after the first compaction.
    let lines = trace(420, &respend_at_400("dup", 395));
    for horizon in [None, Some(20)] {
        let r = one_pass(&lines, horizon);
        let p = r.properties.iter().find(|p| p.id == "no_double_spend").unwrap();
        assert_eq!((p.verdict, p.findings), (Verdict::Fail, 1), "horizon {horizon:?}");
        let f = r.findings.iter().find(|f| f.property == "no_double_spend").unwrap();
        assert!(f.message.contains("nonce 395 of account a7 spent twice"), "{}", f.message);
    }
}

#[test]
fn a_tx_decided_again_beyond_the_horizon_is_still_a_finding_of_no_phantom_tx() {
    // Height 400 holds again a tx of height 10.
    let again = |h: u64| if h == 400 { (Vec::new(), vec!["t1003".to_string()]) } else { none(h) };
    let lines = trace(420, &again);
    let within = one_pass(&lines, None);
    let beyond = one_pass(&lines, Some(20));
    for (r, what) in [(&within, "appears again"), (&beyond, "never submitted")] {
        let p = r.properties.iter().find(|p| p.id == "no_phantom_tx").unwrap();
        assert_eq!(p.verdict, Verdict::Fail);
        let f = r.findings.iter().find(|f| f.property == "no_phantom_tx").unwrap();
        assert!(f.message.contains("t1003") && f.message.contains(what), "{}", f.message);
    }
}

#[test]
fn a_nonce_of_a_forgotten_tx_spent_again_is_still_a_double_spend() {
    // Height 400 re-spends the nonce account a7 used at height 10: long forgotten.
    let lines = trace(420, &respend_at_400("old", 10));
    let (r, held) = live(&lines, Some(20));
    assert!(held < 40_000, "the tx of height 10 was forgotten ({held} held)");
    let p = r.properties.iter().find(|p| p.id == "no_double_spend").unwrap();
    assert_eq!((p.verdict, p.findings), (Verdict::Fail, 1));
    let f = r.findings.iter().find(|f| f.property == "no_double_spend").unwrap();
    assert!(f.message.contains("nonce 10 of account a7 spent twice"), "{}", f.message);
    assert!(f.message.contains("beyond the tx horizon"), "{}", f.message);
    let exact = one_pass(&lines, None);
    let p = exact.properties.iter().find(|p| p.id == "no_double_spend").unwrap();
    assert_eq!((p.verdict, p.findings), (Verdict::Fail, 1), "the same verdict without a horizon");
}

#[test]
fn the_synthetic_tx_heavy_trace_checks_clean_and_within_the_default_horizon() {
    let mut text = Vec::new();
    let events = touchstone_check::synth::write_tx_heavy(&mut text, 60_000, 500, 150).unwrap();
    let r = check_reader(text.as_slice(), "synth", &CheckOptions::default()).unwrap();
    assert!(r.passed(), "{:?}", r.status);
    assert_eq!(r.events, events);
    let p = r.properties.iter().find(|p| p.id == "no_double_spend").unwrap();
    assert_eq!(p.verdict, Verdict::Pass, "nonces judged: {:?}", p.reason);
}

#[test]
fn a_late_decision_is_compared_with_the_last_65536_judged_blocks_and_counted_beyond() {
    let mut text = Vec::new();
    touchstone_check::synth::write_vote_heavy(&mut text, 4 * 140_000, 1).unwrap();
    let mut text = String::from_utf8(text).unwrap();
    let end = text.trim_end().rfind('\n').unwrap() + 1;
    let (top, t) = (140_000u64, 10_000_000_000_000u64);
    text.truncate(end);
    for h in [100, top - 1000] {
        text.push_str(&format!(
            "{{\"kind\":\"cons.decide\",\"t_ns\":{t},\"node\":\"n0\",\"height\":{h},\"round\":0,\"block\":\"X{h}\"}}\n"
        ));
    }
    text.push_str(&format!("{{\"kind\":\"run.end\",\"t_ns\":{t}}}\n"));
    let opts = |horizon| CheckOptions {
        limits: Limits { tx_horizon_heights: horizon, window_heights: 16, ..Default::default() },
        ..Default::default()
    };
    let bounded = check_reader(text.as_bytes(), "late", &opts(Some(256))).unwrap();
    let heights: Vec<Option<u64>> =
        bounded.findings.iter().filter(|f| f.property == "agreement").map(|f| f.height).collect();
    assert_eq!(heights, vec![Some(top - 1000)], "the recent one compared, the old one not");
    assert!(
        bounded.notes.iter().any(|n| n.starts_with("1 decisions arrived more than 65536 heights")),
        "{:?}",
        bounded.notes
    );
    let all = check_reader(text.as_bytes(), "late", &opts(None)).unwrap();
    let p = all.properties.iter().find(|p| p.id == "agreement").unwrap();
    assert_eq!(p.findings, 2, "without a horizon both are compared");
}
