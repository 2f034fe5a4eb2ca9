use super::*;
use crate::explore::shrink::with_faults;
use touchstone_core::scenario::{RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_S;
use touchstone_core::Seed;

fn scenario(protocol: &str, n: usize, byzantine: &[&str]) -> Scenario {
    let mut b = ScenarioBuilder::new("g", ScenarioKind::Mixed)
        .protocol(protocol)
        .validators(n)
        .phase("p", 20 * NS_PER_S, RateSpec::Constant { tps: 10.0 });
    for node in byzantine {
        b = b.byzantine(node, Behaviour::Equivocate);
    }
    b.build()
}

fn draw(s: &Scenario, leaders: &LeaderHint, i: u64) -> Vec<FaultSpec> {
    let bounds = Bounds::of(s);
    let g = Generator {
        bounds: &bounds,
        original: &s.faults,
        run_end: s.workload.duration(),
        drain: s.workload.drain,
        leaders,
    };
    g.schedule(&mut Seed(7).stream(&format!("explore/schedule/{i}")))
}

#[test]
fn a_schedule_is_a_function_of_its_stream() {
    let s = scenario("pbft", 4, &[]);
    let hint = LeaderHint::default();
    assert_eq!(draw(&s, &hint, 3), draw(&s, &hint, 3));
    assert_ne!(draw(&s, &hint, 3), draw(&s, &hint, 4));
}

#[test]
fn every_schedule_is_a_valid_script_within_the_bounds() {
    let hint = LeaderHint { proposals: vec![(0, "n0".into()), (5 * NS_PER_S, "n2".into())] };
    for (protocol, n, byz) in
        [("pbft", 4, vec![]), ("tendermint", 7, vec!["n5", "n6"]), ("raft", 5, vec![])]
    {
        let s = scenario(protocol, n, &byz);
        let bounds = Bounds::of(&s);
        let mut actions = BTreeSet::new();
        for i in 0..300 {
            let faults = draw(&s, &hint, i);
            assert!(!faults.is_empty() && faults.len() <= bounds.max_faults);
            if let Err(e) = with_faults(&s, &faults) {
                panic!("{protocol} schedule {i} is not a valid script: {e}\n{faults:#?}");
            }
            assert!(within_faulty_bounds(&faults, &bounds), "{protocol} #{i}: {faults:#?}");
            for f in &faults {
                assert!(f.at >= bounds.from && f.at < bounds.until, "{f:?}");
                let end = f.at + f.duration.unwrap_or(0);
                assert!(end <= bounds.until, "{f:?} ends after {}", bounds.until);
                actions.insert(f.action.name());
            }
        }
        let expected: BTreeSet<&str> = bounds.actions.iter().map(String::as_str).collect();
        assert_eq!(actions, expected, "{protocol}: every action is drawn");
    }
}

#[test]
fn mutations_keep_the_scenarios_own_fault_ids_and_add_fresh_ones() {
    let mut s = scenario("pbft", 4, &[]);
    s.faults = vec![FaultSpec {
        id: "mine".into(),
        at: 5 * NS_PER_S,
        duration: Some(NS_PER_S),
        action: FaultAction::Crash { nodes: vec!["n1".into()] },
    }];
    let hint = LeaderHint::default();
    let schedules: Vec<Vec<FaultSpec>> = (0..60).map(|i| draw(&s, &hint, i)).collect();
    assert!(schedules.iter().any(|f| f.iter().any(|x| x.id == "mine" && x.at != 5 * NS_PER_S)));
    assert!(schedules.iter().any(|f| f.iter().all(|x| x.id != "mine")));
    for f in &schedules {
        let ids: BTreeSet<&str> = f.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids.len(), f.len(), "ids are unique: {f:#?}");
    }
}

fn crash(at: u64, dur: u64, nodes: &[&str]) -> FaultSpec {
    FaultSpec {
        id: format!("c{at}"),
        at: at * NS_PER_S,
        duration: Some(dur * NS_PER_S),
        action: FaultAction::Crash { nodes: nodes.iter().map(|n| n.to_string()).collect() },
    }
}

#[test]
fn the_faulty_bound_counts_crashed_paused_and_byzantine_validators_at_each_instant() {
    let s = scenario("pbft", 4, &[]);
    let b = Bounds::of(&s);
    assert_eq!(b.max_faulty, 1);
    assert!(within_faulty_bounds(&[crash(1, 2, &["n1"]), crash(3, 2, &["n2"])], &b));
    assert!(!within_faulty_bounds(&[crash(1, 3, &["n1"]), crash(3, 2, &["n2"])], &b));
    assert!(!within_faulty_bounds(&[crash(1, 1, &["n1", "n2"])], &b));
    let byz = FaultSpec {
        id: "b".into(),
        at: 6 * NS_PER_S,
        duration: None,
        action: FaultAction::Byzantine { nodes: vec!["n3".into()], behaviour: Behaviour::Silent },
    };
    assert!(within_faulty_bounds(&[crash(1, 2, &["n1"]), byz.clone()], &b));
    assert!(!within_faulty_bounds(&[byz.clone(), crash(7, 1, &["n1"])], &b));
    assert!(within_faulty_bounds(&[byz.clone(), crash(7, 1, &["n3"])], &b));
    // Declared Byzantine validators use up the bound; switching their behaviour does not.
    let declared = Bounds::of(&scenario("tendermint", 7, &["n5", "n6"]));
    let switch = FaultSpec {
        action: FaultAction::Byzantine { nodes: vec!["n5".into()], behaviour: Behaviour::Silent },
        ..byz
    };
    assert!(within_faulty_bounds(std::slice::from_ref(&switch), &declared));
    assert!(!within_faulty_bounds(&[switch, crash(1, 1, &["n0"])], &declared));
}

#[test]
fn the_leader_hint_names_the_last_proposer_at_a_time() {
    let hint = LeaderHint { proposals: vec![(10, "n0".into()), (20, "n1".into())] };
    assert_eq!(
        (hint.at(5), hint.at(10), hint.at(19), hint.at(99)),
        (None, Some("n0"), Some("n0"), Some("n1"))
    );
}
