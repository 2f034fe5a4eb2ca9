//! Traces written as other producers write them (`tests/corpus/`): fields in any order, extra
//! members and kinds, no `seq` or no genesis, CRLF line ends, gzip, Raft with leader changes, a
//! view-based protocol with nullified views, observed chains without certs. Each file is named
//! after the verdict it must get:
//!
//! - `pass-<what>` — complete, and no property fails;
//! - `fail-<property>-<culprits>-<what>` — that property fails with a finding naming exactly the
//!   culprits (`+`-separated node ids; `none` for a finding that names no node);
//! - `truncated-<what>` — no `run.end`: reported as truncated.
//!
//! None of them was produced by a shipped scenario, so none gets a replay command, even when the
//! checker knows every shipped scenario and adapter.

use crate::layout::CONS_ORDER;
use std::path::{Path, PathBuf};

use touchstone_check::{check_path, check_reader, CheckOptions, CheckReport};

use crate::spec_examples::Expect;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    v.sort();
    v
}

/// The expectation a file's name states.
fn expectation(name: &str) -> Expect {
    let parts: Vec<&str> = name.split('-').collect();
    match parts.as_slice() {
        ["pass", ..] => Expect::Pass,
        ["truncated", ..] => Expect::Truncated,
        ["fail", property, culprits, ..] => {
            let nodes = if *culprits == "none" {
                vec![]
            } else {
                culprits.split('+').map(str::to_string).collect()
            };
            Expect::Fail(property.to_string(), Some(nodes))
        }
        _ => panic!(
            "{name}: a corpus file is named pass-…, fail-<property>-<culprits>-… or truncated-…"
        ),
    }
}

/// Options as `touchstone check` builds them: every shipped scenario and adapter is runnable.
fn options_knowing_the_shipped_scenarios() -> CheckOptions {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let scenarios = std::fs::read_dir(dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            (stem.clone(), format!("scenarios/{stem}.toml"))
        })
        .collect();
    CheckOptions {
        replay_scenarios: scenarios,
        replay_adapters: vec!["sim".into(), "null".into(), "ethereum".into()],
        ..CheckOptions::default()
    }
}

#[test]
fn every_corpus_trace_gets_the_verdict_its_name_states_and_no_replay() {
    let opts = options_knowing_the_shipped_scenarios();
    let files = corpus();
    assert!(files.len() >= 12, "the corpus: {files:?}");
    let mut kinds = [0; 3];
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let e = expectation(&name);
        kinds[match e {
            Expect::Pass => 0,
            Expect::Fail(..) => 1,
            _ => 2,
        }] += 1;
        let r = check_path(&path, &opts).unwrap_or_else(|err| panic!("{name}: {err}"));
        e.assert(&r, &name);
        assert_eq!(r.replay, None, "{name}: no shipped scenario produced it");
        assert!(r.findings.iter().all(|f| f.replay.is_none()), "{name}");
    }
    assert!(kinds[0] >= 5 && kinds[1] >= 5 && kinds[2] >= 1, "{kinds:?}");
}

/// The top-level members of a one-line JSON object, as raw text: `("\"key\"", "value")`.
/// (By hand, so that numbers beyond 64 bits stay exactly as written.)
fn members(line: &str) -> Vec<(String, String)> {
    let body = line.trim().strip_prefix('{').and_then(|l| l.strip_suffix('}')).expect("object");
    let (mut out, mut cur) = (Vec::new(), String::new());
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    for c in body.chars() {
        match c {
            _ if esc => esc = false,
            '\\' if in_str => esc = true,
            '"' => in_str = !in_str,
            '[' | '{' if !in_str => depth += 1,
            ']' | '}' if !in_str => depth -= 1,
            ',' if !in_str && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.iter()
        .map(|m| {
            let (k, v) = m.split_once(':').expect("key: value");
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

/// A corpus trace re-written in another layout: `\n` or `\r\n`, members sorted (no fast path)
/// or in Touchstone's writer order (the fast paths).
fn relayout(text: &str, eol: &str, writer_order: bool) -> String {
    let mut out = String::new();
    for l in text.lines() {
        let mut m = members(l);
        m.sort();
        if writer_order {
            let at = |k: &str| CONS_ORDER.iter().position(|x| format!("\"{x}\"") == k);
            m.sort_by_key(|(k, _)| at(k).unwrap_or(CONS_ORDER.len()));
        }
        let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        out.push_str(&format!("{{{}}}{eol}", parts.join(",")));
    }
    out
}

fn same_verdicts(a: &CheckReport, b: &CheckReport) -> bool {
    a.properties == b.properties && a.findings == b.findings && a.equivocations == b.equivocations
}

#[test]
fn field_order_and_line_ends_do_not_change_a_verdict() {
    let opts = CheckOptions::default();
    for path in corpus().into_iter().filter(|p| p.extension().is_some_and(|x| x == "jsonl")) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let base = check_reader(text.as_bytes(), &name, &opts).unwrap();
        for (eol, writer) in [("\n", false), ("\r\n", false), ("\n", true), ("\r\n", true)] {
            let again = relayout(&text, eol, writer);
            let r = check_reader(again.as_bytes(), &name, &opts).unwrap();
            assert!(same_verdicts(&base, &r), "{name} with {eol:?}, writer order {writer}");
        }
    }
}

#[test]
fn a_trace_that_names_a_shipped_scenario_and_adapter_gets_its_replay() {
    // The same PBFT trace, now claiming what a Touchstone run would: scenario, adapter, seed.
    let path =
        corpus().into_iter().find(|p| p.to_string_lossy().contains("pass-pbft-crlf")).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(r#""adapter":"vendor-x""#));
    let text = text.replace(r#""adapter":"vendor-x""#, r#""adapter":"sim""#);
    // Make it fail (height 4 names another parent), so that findings carry the replay.
    let text = text.replace(r#""parent":"blk3""#, r#""parent":"blkX""#);
    let r = check_reader(text.as_bytes(), "t", &options_knowing_the_shipped_scenarios()).unwrap();
    let replay = "touchstone run scenarios/payment-latency.toml --adapter sim --seed 3";
    assert_eq!(r.replay.as_deref(), Some(replay), "{}", r.render_text());
    assert!(
        !r.findings.is_empty() && r.findings.iter().all(|f| f.replay.as_deref() == Some(replay))
    );
}
