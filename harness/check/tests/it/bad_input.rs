//! Bad and hostile input: the error names the line and field; never a crash.

use touchstone_check::{check_reader, CheckError, CheckOptions, Limits};

const START: &str =
    r#"{"kind":"run.start","t_ns":0,"protocol":"pbft","validators":[{"id":"n0","power":1}]}"#;

fn run(body: &str, opts: &CheckOptions) -> Result<touchstone_check::CheckReport, CheckError> {
    check_reader(format!("{START}\n{body}").as_bytes(), "bad.jsonl", opts)
}

#[track_caller]
fn bad_line(body: &str, line: u64, field: &str) -> String {
    match run(body, &CheckOptions::default()) {
        Err(e @ CheckError::BadLine { .. }) => {
            assert_eq!(e.exit_code(), 2);
            let CheckError::BadLine { line: l, field: f, message, .. } = e else { unreachable!() };
            assert_eq!((l, f.as_str()), (line, field), "{message}");
            message
        }
        other => panic!("expected BadLine, got {other:?}"),
    }
}

#[test]
fn not_json_names_the_line() {
    let m = bad_line("{\"kind\":\"net.heal\",\"t_ns\":1\n", 2, "<line>");
    assert!(m.contains("not valid JSON"), "{m}");
    bad_line("hello", 2, "<line>");
    let m = bad_line("\n{\"kind\":\"net.heal\",\"t_ns\":1}", 2, "<line>");
    assert!(m.contains("blank"), "{m}");
}

#[test]
fn missing_required_fields_are_named() {
    bad_line(r#"{"t_ns":1}"#, 2, "kind");
    bad_line(r#"{"kind":"net.heal"}"#, 2, "t_ns");
    bad_line(
        r#"{"kind":"cons.vote","t_ns":1,"node":"n0","height":1,"round":0,"vtype":"prevote"}"#,
        2,
        "block",
    );
    bad_line(r#"{"kind":"cons.decide","t_ns":1,"node":"n0","round":0,"block":"b"}"#, 2, "height");
    bad_line(r#"{"kind":"tx.submit","t_ns":1,"tx":"t","client":"c"}"#, 2, "op");
    bad_line(r#"{"kind":"node.role","t_ns":1,"node":"n0"}"#, 2, "role");
}

#[test]
fn wrong_types_are_named() {
    bad_line(r#"{"kind":"net.heal","t_ns":"1"}"#, 2, "t_ns");
    bad_line(r#"{"kind":"net.heal","t_ns":-1}"#, 2, "t_ns");
    bad_line(r#"{"kind":"net.heal","t_ns":1.5}"#, 2, "t_ns");
    bad_line(
        r#"{"kind":"cons.vote","t_ns":1,"node":7,"height":1,"round":0,"vtype":"prevote","block":null}"#,
        2,
        "node",
    );
    bad_line(
        r#"{"kind":"cons.decide","t_ns":1,"node":"n0","height":1,"round":0,"block":"b","cert":{"signers":"n0"}}"#,
        2,
        "cert.signers",
    );
    bad_line(
        r#"{"kind":"tx.submit","t_ns":1,"tx":"t","client":"c","op":"issue","amount":-5}"#,
        2,
        "amount",
    );
    bad_line(r#"{"kind":"tx.result","t_ns":1,"tx":"t","status":"maybe"}"#, 2, "status");
}

#[test]
fn huge_numbers_are_bad_lines_not_crashes() {
    let m = bad_line(r#"{"kind":"net.heal","t_ns":123456789012345678901234567890}"#, 2, "t_ns");
    assert!(m.contains("below 2^64"), "{m}");
    bad_line(r#"{"kind":"net.heal","t_ns":1e999999}"#, 2, "t_ns");
}

#[test]
fn skip_bad_lines_counts_and_continues() {
    let opts = CheckOptions { skip_bad_lines: true, ..CheckOptions::default() };
    let r = run("garbage\n{\"kind\":\"net.heal\",\"t_ns\":1}\n{\"kind\":\"x\"}\n", &opts).unwrap();
    assert_eq!(r.bad_lines.count, 2);
    assert_eq!(r.bad_lines.first[0].line, 2);
    assert_eq!(r.bad_lines.first[1].field, "t_ns");
    assert_eq!(r.events, 2);
    assert_eq!(r.lines, 4);
}

#[test]
fn unknown_kinds_and_fields_are_counted_not_fatal() {
    let r = run("{\"kind\":\"vendor.thing\",\"t_ns\":1,\"extra\":{\"deep\":[1,2]}}\n{\"kind\":\"vendor.thing\",\"t_ns\":2}\n{\"kind\":\"net.heal\",\"t_ns\":3,\"zzz\":true}\n", &CheckOptions::default()).unwrap();
    assert_eq!(r.unknown_kinds.get("vendor.thing"), Some(&2));
}

#[test]
fn time_going_backwards_is_an_order_error() {
    let e = run(
        "{\"kind\":\"net.heal\",\"t_ns\":5}\n{\"kind\":\"net.heal\",\"t_ns\":4}\n",
        &CheckOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, CheckError::Order { line: 3, t_ns: 4, previous: 5, .. }), "{e}");
    assert_eq!(e.exit_code(), 2);
    let e = run("{\"kind\":\"net.heal\",\"t_ns\":5,\"seq\":3}\n{\"kind\":\"net.heal\",\"t_ns\":6,\"seq\":3}\n", &CheckOptions::default()).unwrap_err();
    assert!(matches!(e, CheckError::SeqOrder { line: 3, .. }), "{e}");
}

#[test]
fn run_start_must_come_first_and_once() {
    let e = run(START, &CheckOptions::default()).unwrap_err();
    assert!(matches!(e, CheckError::DuplicateRunStart { line: 2, first_line: 1, .. }), "{e}");
    let e =
        check_reader(&b"{\"kind\":\"net.heal\",\"t_ns\":0}\n"[..], "x", &CheckOptions::default())
            .unwrap_err();
    assert!(matches!(e, CheckError::BeforeRunStart { line: 1, .. }), "{e}");
    let e = check_reader(&b""[..], "x", &CheckOptions::default()).unwrap_err();
    assert!(matches!(e, CheckError::NoRunStart { .. }), "{e}");
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = format!(
        "{{\"kind\":\"x\",\"t_ns\":1,\"a\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let m = bad_line(&deep, 2, "<line>");
    assert!(m.contains("nesting too deep"), "{m}");
}

#[test]
fn long_lines_and_ids_hit_limits() {
    let big = "x".repeat(2_000_000);
    let opts = CheckOptions {
        limits: Limits { max_line_bytes: 1_000_000, ..Limits::default() },
        ..CheckOptions::default()
    };
    let e = run(&format!("{{\"kind\":\"x\",\"t_ns\":1,\"s\":\"{big}\"}}"), &opts).unwrap_err();
    assert!(matches!(e, CheckError::LimitExceeded { line: 2, .. }), "{e}");
    let e = run(&format!("{{\"kind\":\"cons.step\",\"t_ns\":1,\"node\":\"{big}\",\"height\":1,\"round\":0,\"step\":\"x\"}}"), &CheckOptions::default()).unwrap_err();
    assert!(matches!(e, CheckError::LimitExceeded { line: 2, .. }), "{e}");
    // Skipped as a bad line with skip_bad_lines, and checking goes on.
    let opts = CheckOptions { skip_bad_lines: true, ..opts };
    let r = run(
        &format!(
            "{{\"kind\":\"x\",\"t_ns\":1,\"s\":\"{big}\"}}\n{{\"kind\":\"net.heal\",\"t_ns\":2}}"
        ),
        &opts,
    )
    .unwrap();
    assert_eq!(r.bad_lines.count, 1);
    assert_eq!(r.events, 2);
}

#[test]
fn millions_of_distinct_ids_hit_a_limit() {
    let opts = CheckOptions {
        limits: Limits { max_nodes: 1000, ..Limits::default() },
        ..CheckOptions::default()
    };
    let mut body = String::new();
    for i in 0..2000 {
        body.push_str(&format!("{{\"kind\":\"cons.vote\",\"t_ns\":1,\"node\":\"v{i}\",\"height\":1,\"round\":0,\"vtype\":\"prevote\",\"block\":\"b\"}}\n"));
    }
    let e = run(&body, &opts).unwrap_err();
    assert!(
        matches!(&e, CheckError::LimitExceeded { what, .. } if what.contains("node ids")),
        "{e}"
    );
    let opts = CheckOptions {
        limits: Limits { max_open_heights: 100, ..Limits::default() },
        ..CheckOptions::default()
    };
    let mut body = String::new();
    for h in 0..200 {
        body.push_str(&format!("{{\"kind\":\"cons.vote\",\"t_ns\":1,\"node\":\"n0\",\"height\":{h},\"round\":0,\"vtype\":\"prevote\",\"block\":\"b\"}}\n"));
    }
    // A limit that protects memory per height degrades per height (issue 20): the heights
    // beyond it are not judged, and the report says so; the trace is still checked.
    let r = run(&body, &opts).expect("the rest of the trace is checked");
    assert!(r.notes.iter().any(|n| n.contains("100 events were dropped")), "{:?}", r.notes);
    let slots = r.properties.iter().find(|p| p.id == "no_conflicting_quorums").unwrap();
    assert!(slots.reason.as_deref().is_some_and(|r| r.contains("not judged")), "{slots:?}");
}

#[test]
fn invalid_utf8_and_bad_quorum_are_bad_lines() {
    let e = check_reader(
        &b"{\"kind\":\"run.start\",\"t_ns\":0,\"protocol\":\"p\xff\",\"validators\":[]}\n"[..],
        "x",
        &CheckOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, CheckError::BadLine { line: 1, .. }), "{e}");
    let e = check_reader(&br#"{"kind":"run.start","t_ns":0,"protocol":"pbft","validators":[],"quorum":{"num":3,"den":2}}"#[..], "x", &CheckOptions::default()).unwrap_err();
    assert!(matches!(&e, CheckError::BadLine { field, .. } if field == "quorum"), "{e}");
}
