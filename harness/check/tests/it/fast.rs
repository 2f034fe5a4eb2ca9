//! The fixed-layout fast paths (`cons.vote`, `cons.decide`, `cons.propose` in the writer's
//! field order) must give exactly the general scanner's results, and reject what it rejects.

use serde_json::Value;

use crate::layout::{ordered, sorted_line, CONS_ORDER};
use touchstone_check::{check_reader, CheckError, CheckOptions, CheckReport};

use crate::gen::{generate, VIOLATIONS};

/// One line with the writer's key order (so that the fast paths take it).
fn writer_line(v: &Value) -> String {
    ordered(v, CONS_ORDER)
}

fn check(text: &str) -> Result<CheckReport, CheckError> {
    check_reader(text.as_bytes(), "t.jsonl", &CheckOptions::default())
}

fn texts(lines: &[Value]) -> (String, String) {
    let (mut general, mut fast) = (String::new(), String::new());
    for l in lines {
        general.push_str(&sorted_line(l));
        general.push('\n');
        fast.push_str(&writer_line(l));
        fast.push('\n');
    }
    (general, fast)
}

#[test]
fn fast_paths_agree_with_the_general_scanner_on_generated_traces() {
    let mut taken = 0;
    for seed in 0..12u64 {
        for (v, name) in VIOLATIONS.iter().enumerate() {
            let g = generate(seed, v);
            let (general, fast) = texts(&g.lines);
            taken += fast.lines().filter(|l| l.starts_with(r#"{"kind":"cons."#)).count();
            assert!(!general.lines().any(|l| l.starts_with(r#"{"kind":"cons."#)));
            let a = check(&general).expect("general");
            let b = check(&fast).expect("fast");
            assert_eq!(a, b, "seed {seed}, violation {name}");
        }
    }
    assert!(taken > 1000);
}

#[test]
fn synthetic_trace_is_checked_the_same_either_way() {
    let mut buf = Vec::new();
    touchstone_check::synth::write_vote_heavy(&mut buf, 5000, 4).unwrap();
    let fast = String::from_utf8(buf).unwrap();
    let lines: Vec<Value> = fast.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (general, again) = texts(&lines);
    // The synthetic trace is in the writer's order (all but `run.start`, whose keys differ).
    assert!(again.lines().skip(1).eq(fast.lines().skip(1)), "writer order differs");
    let (a, b) = (check(&general).unwrap(), check(&fast).unwrap());
    assert_eq!(a, b);
    assert!(b.passed() && b.events >= 5000);
}

/// Lines in the fast layout that are wrong must fail as the general scanner makes them fail.
#[test]
fn bad_lines_in_the_fast_layout_are_rejected_with_line_and_field() {
    let head = r#"{"kind":"run.start","t_ns":0,"protocol":"tendermint","validators":[{"id":"n0"},{"id":"n1"},{"id":"n2"},{"id":"n3"}]}"#;
    let vote = r#"{"kind":"cons.vote","t_ns":5,"node":"n0","height":1,"round":0,"vtype":"prevote","block":"B1"}"#;
    let decide = r#"{"kind":"cons.decide","t_ns":5,"node":"n0","height":1,"round":0,"block":"B1","txs":[],"cert":{"signers":["n0","n1","n2"]}}"#;
    let cases: Vec<(String, &str)> = vec![
        (vote.replace(r#""height":1"#, r#""height":-1"#), "height"),
        (vote.replace(r#""height":1"#, r#""height":1.5"#), "height"),
        (vote.replace(r#""height":1"#, r#""height":99999999999999999999"#), "height"),
        (vote.replace(r#""round":0"#, r#""round":"0""#), "round"),
        (vote.replace(r#""block":"B1""#, r#""block":7"#), "block"),
        (vote.replace(r#""vtype":"prevote""#, r#""vtype":null"#), "vtype"),
        (vote.replace(r#""node":"n0""#, r#""node":"n\q""#), "<line>"),
        (vote.replace(r#""B1"}"#, r#""B1"} x"#), "<line>"),
        (vote.replace(r#""B1"}"#, r#""B1""#), "<line>"),
        (vote.replace(r#""B1"}"#, r#""B1",}"#), "<line>"),
        (vote.replace(r#""t_ns":5"#, r#""t_ns":05"#), "<line>"),
        (vote.replace(r#","block":"B1""#, ""), "block"),
        (decide.replace(r#"["n0","n1","n2"]"#, r#"["n0",1]"#), "cert.signers"),
        (decide.replace(r#""txs":[]"#, r#""txs":{}"#), "txs"),
        (decide.replace(r#""txs":[]"#, r#""txs":["a",]"#), "<line>"),
        (decide.replace(r#"{"signers""#, r#"{"signer""#), "cert.signers"),
    ];
    for (line, field) in cases {
        let text = format!("{head}\n{line}\n");
        let e = check(&text).expect_err(&line);
        match &e {
            CheckError::BadLine { line: 2, field: f, .. } => assert_eq!(f, field, "{line}: {e}"),
            other => panic!("{line}: {other}"),
        }
    }
    // Not UTF-8 inside an id of a fast-layout line.
    let mut bytes = format!("{head}\n").into_bytes();
    bytes.extend_from_slice(&vote.as_bytes()[..40]);
    bytes.push(0xff);
    bytes.extend_from_slice(&vote.as_bytes()[40..]);
    bytes.push(b'\n');
    let e = check_reader(&bytes[..], "t.jsonl", &CheckOptions::default()).expect_err("utf-8");
    assert!(e.to_string().contains("t.jsonl:2: field `<line>`: not UTF-8"), "{e}");
    // An id over the limit is a limit error, as through the general scanner.
    let long = vote.replace(r#""node":"n0""#, &format!(r#""node":"{}""#, "n".repeat(2000)));
    let e = check(&format!("{head}\n{long}\n")).expect_err("long id");
    assert!(matches!(e, CheckError::LimitExceeded { line: 2, .. }), "{e}");
    // Order and envelope errors.
    let e = check(&format!("{vote}\n")).expect_err("before run.start");
    assert!(matches!(e, CheckError::BeforeRunStart { line: 1, .. }), "{e}");
    let late = vote.replace(r#""t_ns":5"#, r#""t_ns":4"#);
    let e = check(&format!("{head}\n{vote}\n{late}\n")).expect_err("backwards");
    assert!(matches!(e, CheckError::Order { line: 3, .. }), "{e}");
    let seq = |s: u64| vote.replace(r#""t_ns":5,"#, &format!(r#""t_ns":5,"seq":{s},"#));
    let e = check(&format!("{head}\n{}\n{}\n", seq(2), seq(2))).expect_err("seq");
    assert!(matches!(e, CheckError::SeqOrder { line: 3, .. }), "{e}");
}

/// A nesting limit below the fast layouts' depth applies to lines in the writer's layout as
/// to any other. At a limit of 2 a `run.start` with validators is itself too deep, so only
/// with bad lines skipped does the check go on: a decision's cert (depth 3) is then a bad
/// line whichever path would read it, and the next line is the first event, before any
/// `run.start`; from a reader or a file alike.
#[test]
fn a_nesting_limit_below_the_layouts_applies_to_them_too() {
    let head =
        r#"{"kind":"run.start","t_ns":0,"protocol":"tendermint","validators":[{"id":"n0"}]}"#;
    let decide = r#"{"kind":"cons.decide","t_ns":5,"node":"n0","height":1,"round":0,"block":"B","txs":[],"cert":{"signers":["n0"]}}"#;
    let vote = r#"{"kind":"cons.vote","t_ns":6,"node":"n0","height":2,"round":0,"vtype":"prevote","block":"C"}"#;
    let text = format!("{head}\n{decide}\n{vote}\n");
    let mut opts = CheckOptions::default();
    opts.limits.max_depth = 2;
    opts.skip_bad_lines = true;
    let e = check_reader(text.as_bytes(), "t.jsonl", &opts).expect_err("no run.start read");
    assert!(e.to_string().starts_with("t.jsonl:3: `cons.vote` before run.start"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    std::fs::write(&path, &text).unwrap();
    let e = touchstone_check::check_path(&path, &opts).expect_err("from a file too").to_string();
    assert!(
        e.ends_with(":3: `cons.vote` before run.start (run.start must be the first event)"),
        "{e}"
    );
}
