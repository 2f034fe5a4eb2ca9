//! Reading files, gzip and standard input.

use std::io::Write;

use touchstone_check::{check_path, check_reader, CheckError, CheckOptions, Verdict};

use crate::builder::clean;

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

#[test]
fn fixture_files_give_their_verdicts() {
    let r = check_path(&data("clean-n4.jsonl"), &CheckOptions::default()).unwrap();
    assert!(r.passed(), "{}", r.render_text());
    let r = check_path(&data("agreement-fail.jsonl"), &CheckOptions::default()).unwrap();
    assert!(!r.passed());
    assert_eq!(r.findings[0].property, "agreement");
    assert_eq!(r.findings[0].lines, vec![4, 5]);
}

#[test]
fn gzip_is_read_by_name_and_by_magic() {
    let dir = tempfile::tempdir().unwrap();
    let text = clean().text();
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let plain = check_reader(text.as_bytes(), "t", &CheckOptions::default()).unwrap();
    for name in ["trace.jsonl.gz", "trace.jsonl"] {
        let p = dir.path().join(name);
        std::fs::write(&p, &gz).unwrap();
        let r = check_path(&p, &CheckOptions::default()).unwrap();
        assert_eq!(r.properties, plain.properties);
        assert_eq!(r.lines, plain.lines);
    }
    // Corrupt gzip is an input error, not a panic.
    let p = dir.path().join("bad.jsonl.gz");
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    let e = check_path(&p, &CheckOptions::default()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn missing_file_is_an_io_error() {
    let e = check_path(std::path::Path::new("/nonexistent/trace.jsonl"), &CheckOptions::default())
        .unwrap_err();
    assert!(matches!(e, CheckError::Io { .. }));
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn tiny_reader_buffers_give_the_same_report() {
    let text = clean().text();
    let a = check_reader(text.as_bytes(), "t", &CheckOptions::default()).unwrap();
    let b = check_reader(
        std::io::BufReader::with_capacity(7, text.as_bytes()),
        "t",
        &CheckOptions::default(),
    )
    .unwrap();
    assert_eq!(a, b);
}

#[test]
fn report_round_trips_through_json() {
    let r = clean().check();
    let j = serde_json::to_string(&r).unwrap();
    assert!(j.contains("\"verdict\":\"pass\""));
    let back: touchstone_check::CheckReport = serde_json::from_str(&j).unwrap();
    assert_eq!(back, r);
    // The cross-chain properties (trace format 1.2) are not evaluated on a single chain.
    let cross = |id: &str| id.starts_with("xchain_");
    assert!(r.properties.iter().filter(|p| !cross(&p.id)).all(|p| p.verdict == Verdict::Pass));
    assert!(r
        .properties
        .iter()
        .filter(|p| cross(&p.id))
        .all(|p| p.verdict == Verdict::NotEvaluated));
}

/// Helper run in a child process by `stdin_dash_reads_standard_input`.
#[test]
#[ignore = "run as a child process only"]
fn stdin_child() {
    if std::env::var("TOUCHSTONE_CHECK_STDIN_CHILD").is_err() {
        return;
    }
    let r = check_path(std::path::Path::new("-"), &CheckOptions::default()).unwrap();
    println!("CHILD source={} lines={} passed={}", r.source, r.lines, r.passed());
}

#[test]
fn stdin_dash_reads_standard_input() {
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe)
        .args(["--exact", "io::stdin_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TOUCHSTONE_CHECK_STDIN_CHILD", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let text = clean().text();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    let lines = text.lines().count();
    assert!(s.contains(&format!("CHILD source=- lines={lines} passed=true")), "{s}");
}
