//! The push-based checker (`LiveChecker`): findings as soon as they are certain, heights
//! released once every correct validator decided them, and the same verdicts at the end as the
//! one-pass checker on the same lines.

use std::path::Path;

use touchstone_check::{check_reader, CheckOptions, LiveChecker, LiveStatus, Property};

const START: &str = r#"{"kind":"run.start","t_ns":0,"protocol":"tendermint","validators":[{"id":"n0","power":1},{"id":"n1","power":1},{"id":"n2","power":1},{"id":"n3","power":1}],"seed":7,"scenario":"demo","adapter":"sim"}"#;

fn decide(t: u64, node: &str, h: u64, block: &str) -> String {
    format!(
        r#"{{"kind":"cons.decide","t_ns":{t},"node":"{node}","height":{h},"round":0,"block":"{block}","cert":{{"signers":["n0","n1","n2"]}}}}"#
    )
}

fn status_of(c: &LiveChecker<'_>, p: Property) -> LiveStatus {
    c.status().into_iter().find(|s| s.0 == p).expect("every property has a status").1
}

#[test]
fn a_fork_is_reported_at_the_release_after_its_second_decision_not_at_the_end() {
    let opts = CheckOptions::default();
    let mut c = LiveChecker::new("live", &opts);
    c.push_line(START.as_bytes()).unwrap();
    for (i, n) in ["n0", "n1", "n2"].iter().enumerate() {
        c.push_line(decide(i as u64 + 1, n, 1, "B1").as_bytes()).unwrap();
    }
    c.release();
    assert!(c.take_findings().is_empty());
    c.push_line(decide(10, "n0", 2, "B2").as_bytes()).unwrap();
    c.release();
    assert!(c.take_findings().is_empty(), "one decision proves nothing");
    c.push_line(decide(11, "n1", 2, "X2").as_bytes()).unwrap();
    c.release();
    let f = c.take_findings();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].property, "agreement");
    assert_eq!(f[0].height, Some(2));
    assert_eq!(status_of(&c, Property::Agreement), LiveStatus::Violated);
    assert!(c.take_findings().is_empty(), "a finding is handed out once");
    // A third node deciding either block later is a late decision, still compared.
    c.push_line(decide(12, "n2", 2, "Y2").as_bytes()).unwrap();
    c.release();
    assert_eq!(c.take_findings().len(), 1);
    assert_eq!(c.finding_counts()[0], (Property::Agreement, 2));
}

#[test]
fn a_height_is_released_once_every_correct_validator_decided_it() {
    let opts = CheckOptions::default();
    let mut c = LiveChecker::new("live", &opts);
    c.push_line(START.as_bytes()).unwrap();
    assert_eq!(status_of(&c, Property::Agreement), LiveStatus::NotEvaluated);
    for n in ["n0", "n1", "n2"] {
        c.push_line(decide(1, n, 1, "B1").as_bytes()).unwrap();
    }
    assert_eq!(c.release(), 0, "n3 has not decided height 1 yet");
    assert_eq!(c.open_heights(), 1);
    c.push_line(decide(2, "n3", 1, "B1").as_bytes()).unwrap();
    assert_eq!(c.release(), 1);
    assert_eq!(c.open_heights(), 0);
    assert_eq!(status_of(&c, Property::Agreement), LiveStatus::Ok);
    assert_eq!(status_of(&c, Property::Liveness), LiveStatus::NotEvaluated);
    let heights = c.decided_heights();
    assert_eq!(heights.len(), 4);
    assert!(heights.iter().all(|(_, h)| *h == 1));
}

#[test]
fn bad_lines_pushed_count_as_in_a_file() {
    let opts = CheckOptions { skip_bad_lines: true, ..CheckOptions::default() };
    let mut c = LiveChecker::new("live", &opts);
    c.push_line(START.as_bytes()).unwrap();
    c.push_line(b"\n").unwrap();
    c.push_line(b"{not json}\r\n").unwrap();
    assert_eq!(c.lines(), 3);
    let r = c.finish().unwrap();
    assert_eq!(r.bad_lines.count, 2);
    let strict = CheckOptions::default();
    let mut c = LiveChecker::new("live", &strict);
    c.push_line(START.as_bytes()).unwrap();
    assert!(c.push_line(b"").is_err(), "without skip_bad_lines a bad line stops the check");
}

/// Every plain corpus trace, pushed line by line with a release after each line, ends with the
/// verdict and finding count per property that the one-pass checker gives.
#[test]
fn pushed_line_by_line_with_early_release_the_corpus_gets_the_one_pass_verdicts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "jsonl") {
            continue;
        }
        let text = std::fs::read(&p).unwrap();
        let opts = CheckOptions { skip_bad_lines: true, ..CheckOptions::default() };
        let batch = check_reader(&text[..], "t", &opts).unwrap();
        let mut live = LiveChecker::new("t", &opts);
        for l in text.split_inclusive(|&b| b == b'\n') {
            live.push_line(l).unwrap();
            live.release();
        }
        let pushed = live.finish().unwrap();
        let view = |r: &touchstone_check::CheckReport| {
            r.properties.iter().map(|p| (p.id.clone(), p.verdict, p.findings)).collect::<Vec<_>>()
        };
        assert_eq!(view(&pushed), view(&batch), "{}", p.display());
        seen += 1;
    }
    assert!(seen >= 10, "the corpus has its plain traces ({seen})");
}

#[test]
fn a_nullified_view_does_not_hold_back_the_views_after_it() {
    let start = r#"{"kind":"run.start","t_ns":0,"protocol":"simplex","family":"simplex","validators":[{"id":"s0","power":1},{"id":"s1","power":1},{"id":"s2","power":1},{"id":"s3","power":1}]}"#;
    let vote = |t: u64, node: &str, h: u64, vtype: &str| {
        format!(
            r#"{{"kind":"cons.vote","t_ns":{t},"node":"{node}","height":{h},"round":{h},"vtype":"{vtype}","block":"V{h}"}}"#
        )
    };
    let dec = |t: u64, node: &str, h: u64, parent: &str| {
        format!(
            r#"{{"kind":"cons.decide","t_ns":{t},"node":"{node}","height":{h},"round":{h},"block":"V{h}","parent":"{parent}"}}"#
        )
    };
    let opts = CheckOptions::default();
    let mut c = LiveChecker::new("live", &opts);
    c.push_line(start.as_bytes()).unwrap();
    let nodes = ["s0", "s1", "s2", "s3"];
    for n in nodes {
        c.push_line(dec(1, n, 1, "g").as_bytes()).unwrap();
    }
    // View 2: a notarize vote, then the view is nullified; view 3 extends view 1.
    c.push_line(vote(2, "s0", 2, "notarize").as_bytes()).unwrap();
    for n in nodes {
        c.push_line(dec(3, n, 3, "V1").as_bytes()).unwrap();
    }
    c.release();
    assert_eq!(c.open_heights(), 0, "view 2 was released with the views around it");
    assert!(c.take_findings().is_empty());
    for n in &nodes[..3] {
        c.push_line(dec(4, n, 4, "V3").as_bytes()).unwrap();
    }
    c.release();
    assert_eq!(c.open_heights(), 1, "view 4 waits for s3");
}

fn propose(t: u64, h: u64) -> String {
    format!(
        r#"{{"kind":"cons.propose","t_ns":{t},"node":"n0","height":{h},"round":0,"block":"B{h}"}}"#
    )
}

#[test]
fn a_gap_over_the_progress_bound_is_certain_before_the_end_and_is_the_ends_finding_too() {
    let opts = CheckOptions { progress_bound_ns: Some(1_000_000_000), ..Default::default() };
    let mut c = LiveChecker::new("live", &opts);
    let mut lines = vec![START.to_string()];
    for (i, n) in ["n0", "n1", "n2", "n3"].iter().enumerate() {
        lines.push(decide(i as u64 + 1, n, 1, "B1"));
    }
    // Height 2 is proposed again and again for 1.5 s and never decided.
    for k in 0..=15u64 {
        lines.push(propose(10 + k * 100_000_000, 2));
    }
    let mut first_overdue = None;
    for (i, l) in lines.iter().enumerate() {
        c.push_line(l.as_bytes()).unwrap();
        if first_overdue.is_none() && !c.progress_overdue(None).is_empty() {
            first_overdue = Some(i);
        }
    }
    // The clock counts from the first proposal of height 2; at the 11th it reads exactly the
    // bound, and the 12th (1.1 s) is the first over it.
    assert_eq!(first_overdue, Some(5 + 11), "{first_overdue:?}");
    let f = c.progress_overdue(None);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].property.as_str(), f[0].height), ("progress", Some(2)));
    assert!(f[0].message.contains("no height above 1"), "{}", f[0].message);
    assert_eq!(status_of(&c, Property::Progress), LiveStatus::Violated);
    assert!(c.take_findings().is_empty(), "not one of the checker's findings before the end");
    // A monitor sharing the source's clock sees the stall grow with no line.
    let later = c.progress_overdue(Some(5_000_000_000));
    assert!(later[0].message.contains("for 5.000 s"), "{}", later[0].message);
    let end = c.finish().unwrap();
    let p = end.properties.iter().find(|p| p.id == "progress").unwrap();
    assert_eq!((p.verdict, p.findings), (touchstone_check::Verdict::Fail, 1));
}

#[test]
fn no_gap_is_overdue_while_heights_keep_coming_within_the_bound() {
    let opts = CheckOptions { progress_bound_ns: Some(1_000_000_000), ..Default::default() };
    let mut c = LiveChecker::new("live", &opts);
    c.push_line(START.as_bytes()).unwrap();
    for h in 1..=20u64 {
        c.push_line(propose(h * 500_000_000, h).as_bytes()).unwrap();
        for n in ["n0", "n1", "n2", "n3"] {
            c.push_line(decide(h * 500_000_000 + 1, n, h, &format!("B{h}")).as_bytes()).unwrap();
        }
        assert!(c.progress_overdue(None).is_empty(), "height {h}");
    }
    assert_ne!(status_of(&c, Property::Progress), LiveStatus::Violated);
}
