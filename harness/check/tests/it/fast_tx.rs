//! The ledger fast paths (`tx.submit`, `tx.result`, `state.snapshot` in the writer's field
//! order) must give exactly the general scanner's results, and reject what it rejects.

use serde_json::Value;
use touchstone_check::{check_reader, CheckError, CheckOptions, CheckReport};

use crate::gen::{generate, VIOLATIONS};
use crate::layout::ordered;

/// Keys of the ledger kinds in the order Touchstone's writer emits them.
const SUBMIT_ORDER: &[&str] = &[
    "kind",
    "t_ns",
    "seq",
    "tx",
    "client",
    "op",
    "from",
    "to",
    "asset",
    "amount",
    "nonce",
    "via",
    "intended_ns",
];
const RESULT_ORDER: &[&str] = &["kind", "t_ns", "seq", "tx", "status", "height", "reason", "node"];
const SNAPSHOT_ORDER: &[&str] =
    &["kind", "t_ns", "seq", "node", "height", "app_hash", "supply", "balances"];

/// Ledger lines in the writer's order, everything else with keys sorted.
fn writer_line(v: &Value) -> String {
    match v["kind"].as_str() {
        Some("tx.submit") => ordered(v, SUBMIT_ORDER),
        Some("tx.result") => ordered(v, RESULT_ORDER),
        Some("state.snapshot") => ordered(v, SNAPSHOT_ORDER),
        _ => ordered(v, &[]),
    }
}

fn check(text: &str) -> Result<CheckReport, CheckError> {
    check_reader(text.as_bytes(), "t.jsonl", &CheckOptions::default())
}

#[test]
fn ledger_fast_paths_agree_with_the_general_scanner_on_generated_traces() {
    let (mut taken, mut snapshots) = (0, 0);
    for seed in 0..12u64 {
        for (v, name) in VIOLATIONS.iter().enumerate() {
            let g = generate(seed, v);
            let (mut general, mut fast) = (String::new(), String::new());
            for l in &g.lines {
                general.push_str(&ordered(l, &[]));
                general.push('\n');
                let mut with_extensions = l.clone();
                if l["kind"] == "tx.submit" {
                    // The writer's extensions, which the checker does not read.
                    with_extensions["intended_ns"] = l["t_ns"].clone();
                }
                fast.push_str(&writer_line(&with_extensions));
                fast.push('\n');
            }
            taken += fast.lines().filter(|l| l.starts_with(r#"{"kind":"tx."#)).count();
            snapshots += fast.lines().filter(|l| l.starts_with(r#"{"kind":"state."#)).count();
            let a = check(&general).expect("general");
            let b = check(&fast).expect("fast");
            assert_eq!(a, b, "seed {seed}, violation {name}");
        }
    }
    assert!(taken > 1000 && snapshots > 100, "{taken} tx lines, {snapshots} snapshots");
}

/// Ledger lines in the fast layout that are wrong fail as through the general scanner.
#[test]
fn bad_ledger_lines_in_the_fast_layout_fail_as_through_the_general_scanner() {
    let head = r#"{"kind":"run.start","t_ns":0,"protocol":"tendermint","validators":[{"id":"n0"},{"id":"n1"},{"id":"n2"},{"id":"n3"}]}"#;
    let submit = r#"{"kind":"tx.submit","t_ns":5,"seq":2,"tx":"t1","client":"c0","op":"transfer","from":"a1","to":"a2","asset":"EUR","amount":5,"nonce":1,"intended_ns":5}"#;
    let result = r#"{"kind":"tx.result","t_ns":6,"seq":3,"tx":"t1","status":"committed","height":1,"node":"n0"}"#;
    let snapshot = r#"{"kind":"state.snapshot","t_ns":6,"seq":4,"node":"n0","height":1,"app_hash":"h","supply":{"EUR":8},"balances":{"a1":{"EUR":3},"a2":{"EUR":5}}}"#;
    let cases: Vec<(String, &str)> = vec![
        (result.replace("committed", "done"), "status"),
        (result.replace(r#""height":1"#, r#""height":-1"#), "height"),
        (submit.replace(r#""amount":5"#, r#""amount":-5"#), "amount"),
        (submit.replace(r#""amount":5"#, r#""amount":5.5"#), "amount"),
        (submit.replace(r#""nonce":1"#, r#""nonce":[1]"#), "nonce"),
        (submit.replace(r#","client":"c0""#, ""), "client"),
        (submit.replace(r#":5}"#, r#":5,}"#), "<line>"),
        (snapshot.replace(r#"{"EUR":3}"#, "3"), "balances"),
        (snapshot.replace(r#":3}"#, r#":3.5}"#), "balances"),
        (snapshot.replace(r#":3}"#, r#":"x"}"#), "balances"),
        (snapshot.replace(r#""EUR":8"#, r#""EUR":true"#), "supply"),
        (snapshot.replace(r#""height":1"#, r#""height":"1""#), "height"),
        (snapshot.replace(r#","node":"n0""#, ""), "node"),
        (snapshot.replace(r#"}}}"#, r#"},}}"#), "<line>"),
    ];
    for (line, field) in cases {
        let text = format!("{head}\n{line}\n");
        let e = check(&text).expect_err(&line);
        match &e {
            CheckError::BadLine { line: 2, field: f, .. } => assert_eq!(f, field, "{line}: {e}"),
            other => panic!("{line}: {other}"),
        }
    }
    let ok = check(&format!("{head}\n{submit}\n{result}\n{{\"kind\":\"run.end\",\"t_ns\":7}}\n"));
    assert_eq!(ok.expect("clean").events, 4);
    let long = submit.replace(r#""tx":"t1""#, &format!(r#""tx":"{}""#, "t".repeat(2000)));
    let e = check(&format!("{head}\n{long}\n")).expect_err("long id");
    assert!(matches!(e, CheckError::LimitExceeded { line: 2, .. }), "{e}");
    let long = snapshot.replace(r#""a2""#, &format!(r#""{}""#, "a".repeat(2000)));
    let e = check(&format!("{head}\n{long}\n")).expect_err("long account");
    assert!(matches!(e, CheckError::LimitExceeded { line: 2, .. }), "{e}");
    let late = result.replace(r#""t_ns":6"#, r#""t_ns":4"#);
    let e = check(&format!("{head}\n{submit}\n{late}\n")).expect_err("backwards");
    assert!(matches!(e, CheckError::Order { line: 3, .. }), "{e}");
}
