use super::*;
use crate::explore::trial::Outcome;
use touchstone_core::scenario::Behaviour;

fn fault(id: &str, at_ms: u64, dur_ms: u64, nodes: &[&str]) -> FaultSpec {
    FaultSpec {
        id: id.into(),
        at: at_ms * NS_PER_MS,
        duration: Some(dur_ms * NS_PER_MS),
        action: FaultAction::Crash { nodes: nodes.iter().map(|n| n.to_string()).collect() },
    }
}

fn fails(failed: bool) -> Outcome {
    if failed {
        Outcome::Findings { failed: vec!["gate agreement".into()] }
    } else {
        Outcome::Pass
    }
}

#[test]
fn chunks_split_evenly_and_keep_order() {
    assert_eq!(split(&[1, 2, 3, 4, 5], 2), vec![vec![1, 2, 3], vec![4, 5]]);
    assert_eq!(split(&[1, 2, 3], 5), vec![vec![1], vec![2], vec![3]]);
}

#[test]
fn ddmin_keeps_exactly_the_faults_the_failure_needs_and_simplifies_them() {
    // Fails when x3 (at least n1 down for ≥ 400 ms) and x6 are both in the schedule.
    let eval = |fs: &[FaultSpec]| {
        let x3 = fs.iter().any(|f| {
            f.id == "x3"
                && f.action.nodes().contains(&"n1".to_string())
                && f.duration.unwrap_or(0) >= 400 * NS_PER_MS
        });
        fails(x3 && fs.iter().any(|f| f.id == "x6"))
    };
    let faults: Vec<FaultSpec> = (1..=8)
        .map(|k| {
            fault(&format!("x{k}"), 1234 * k, 3000, if k == 3 { &["n1", "n2"] } else { &["n0"] })
        })
        .collect();
    let stop = AtomicBool::new(false);
    for jobs in [1, 3] {
        let s =
            Shrinker::new(&eval, "gate agreement".into(), jobs, 400, &stop).shrink(faults.clone());
        let ids: Vec<&str> = s.faults.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["x3", "x6"], "jobs {jobs}");
        assert_eq!(s.faults[0].action.nodes(), ["n1"], "fewer targets");
        assert_eq!(s.faults[0].duration, Some(700 * NS_PER_MS), "halved, then rounded");
        assert_eq!(s.faults[0].at, 3 * NS_PER_S, "start rounded down");
        assert!(s.steps > 0 && !s.exhausted);
    }
}

#[test]
fn a_failure_that_needs_no_fault_shrinks_to_an_empty_timeline() {
    let eval = |_: &[FaultSpec]| fails(true);
    let stop = AtomicBool::new(false);
    let s = Shrinker::new(&eval, "gate agreement".into(), 2, 100, &stop)
        .shrink(vec![fault("a", 1000, 500, &["n0"]), fault("b", 2000, 500, &["n1"])]);
    assert!(s.faults.is_empty());
    assert_eq!((s.steps, s.tried), (1, 1));
}

#[test]
fn another_failure_does_not_count_as_the_same_one() {
    let eval = |fs: &[FaultSpec]| {
        if fs.len() == 2 {
            fails(true)
        } else {
            Outcome::Findings { failed: vec!["gate validity".into()] }
        }
    };
    let stop = AtomicBool::new(false);
    let start = vec![fault("a", 1000, 500, &["n0"]), fault("b", 2000, 500, &["n1"])];
    let s = Shrinker::new(&eval, "gate agreement".into(), 1, 100, &stop).shrink(start.clone());
    assert_eq!(s.faults.len(), 2);
}

#[test]
fn the_run_budget_bounds_the_shrink() {
    let eval = |fs: &[FaultSpec]| fails(!fs.is_empty());
    let stop = AtomicBool::new(false);
    let faults: Vec<FaultSpec> =
        (0..6).map(|k| fault(&format!("f{k}"), 1500 + k, 900, &["n0"])).collect();
    let s = Shrinker::new(&eval, "gate agreement".into(), 2, 5, &stop).shrink(faults);
    assert!(s.exhausted && s.tried <= 5);
}

#[test]
fn simplifications_are_each_strictly_smaller() {
    let link = FaultSpec {
        id: "l".into(),
        at: 1_234 * NS_PER_MS,
        duration: Some(3_300 * NS_PER_MS),
        action: FaultAction::Link {
            nodes: vec!["n1".into()],
            to: vec!["n0".into(), "n2".into()],
            link: touchstone_core::scenario::LinkSpec {
                latency: LatencyDist::Fixed { latency: 800 * NS_PER_MS },
                loss: 0.2,
                ..Default::default()
            },
        },
    };
    let s = simplifications(&link);
    assert!(s.iter().all(|x| *x != link));
    assert!(s.iter().any(|x| matches!(&x.action, FaultAction::Link { to, .. } if to.len() == 1)));
    assert!(s.iter().any(|x| x.duration == Some(1_650 * NS_PER_MS)));
    assert!(s
        .iter()
        .any(|x| matches!(&x.action, FaultAction::Link { link, .. } if link.loss == 0.0)));
    assert!(s.iter().any(|x| x.at == NS_PER_S));
    let byz = FaultSpec {
        id: "b".into(),
        at: 2 * NS_PER_S,
        duration: None,
        action: FaultAction::Byzantine {
            nodes: vec!["n1".into()],
            behaviour: Behaviour::Delay { delay: 300 * NS_PER_MS },
        },
    };
    assert_eq!(simplifications(&byz).len(), 1, "only the delay halves");
}

#[test]
fn partitions_shrink_to_fewer_groups_and_smaller_cuts() {
    let g = |v: &[&[&str]]| -> Vec<Vec<String>> {
        v.iter().map(|g| g.iter().map(|n| n.to_string()).collect()).collect()
    };
    let three = g(&[&["n0", "n1"], &["n2", "n3"], &["n4"]]);
    let out = smaller_partitions(&three);
    assert!(out.contains(&g(&[&["n0", "n1", "n2", "n3"], &["n4"]])));
    assert!(out.iter().all(|p| (2..=3).contains(&p.len()) && p.iter().all(|g| !g.is_empty())));
    let halves = g(&[&["n0", "n1"], &["n2", "n3"]]);
    assert!(smaller_partitions(&halves).contains(&g(&[&["n1"], &["n0", "n2", "n3"]])));
    assert!(smaller_partitions(&g(&[&["n0"], &["n1", "n2"]])).is_empty());
}
