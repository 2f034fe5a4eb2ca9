//! Faults done to the real processes change what the trace shows: a crashed or paused
//! validator decides and votes nothing while it is down, the others go on, and after restart or
//! resume it decides again — a restarted one catching up the heights it missed.

use crate::support::{payments, run, Run};
use serde_json::Value;
use touchstone_core::scenario::{FaultAction, FaultSpec};
use touchstone_core::time::{NS_PER_MS, NS_PER_S};
use touchstone_simplex::Config;

/// Lines still in flight when a fault hits (written just before, read just after).
const SLACK: u64 = 300 * NS_PER_MS;

fn fault(id: &str, at_s: u64, for_s: u64, action: FaultAction) -> FaultSpec {
    FaultSpec { id: id.into(), at: at_s * NS_PER_S, duration: Some(for_s * NS_PER_S), action }
}

/// Lines about `node` (as voter, proposer or decider) of a consensus kind within `[a, b]`.
fn about<'a>(r: &'a Run, node: &str, a: u64, b: u64) -> Vec<&'a Value> {
    r.lines
        .iter()
        .filter(|l| l["kind"].as_str().is_some_and(|k| k.starts_with("cons.")))
        .filter(|l| l["node"] == node)
        .filter(|l| (a..=b).contains(&l["t_ns"].as_u64().unwrap()))
        .collect()
}

fn heights(r: &Run, node: &str, a: u64, b: u64) -> Vec<u64> {
    about(r, node, a, b)
        .into_iter()
        .filter(|l| l["kind"] == "cons.decide")
        .map(|l| l["height"].as_u64().unwrap())
        .collect()
}

#[test]
fn slow_simplex_crash_restart_and_pause_each_show_in_the_trace() {
    let n = |x: &str| vec![x.to_string()];
    let s = payments(4, 50.0, 16)
        .with(|s| {
            s.faults = vec![
                fault("crash-n3", 3, 4, FaultAction::Crash { nodes: n("n3") }),
                fault("pause-n2", 10, 3, FaultAction::Pause { nodes: n("n2") }),
            ];
        })
        .build();
    let r = run(&s, Config::default());
    let report = r.check();
    assert!(report.passed(), "{}", report.render_text());
    let faults = &r.result.faults;
    assert!(
        faults.iter().all(|f| f.status == touchstone_core::engine::FaultStatus::Applied),
        "{faults:?}"
    );

    // Crash: n3 is silent while down, the others decide; after the restart n3 decides again
    // and catches up every height it missed, in order.
    let (down, up) = (r.fault_time("crash-n3", false), r.fault_time("crash-n3", true));
    assert!(about(&r, "n3", down + SLACK, up).is_empty(), "n3 spoke while killed");
    let others = heights(&r, "n0", down, up);
    assert!(others.len() > 3, "n0 decided {} heights while n3 was down", others.len());
    let before = heights(&r, "n3", 0, down);
    let after = heights(&r, "n3", up, u64::MAX);
    let last_before = *before.last().expect("n3 decided before its crash");
    assert!(!after.is_empty(), "n3 never decided after its restart");
    assert_eq!(after[0], last_before + 1, "n3 resumes at the height after its last");
    assert!(after.windows(2).all(|w| w[1] == w[0] + 1), "catch-up is contiguous");
    assert!(*after.last().unwrap() > *others.last().unwrap(), "n3 caught up past the crash window");

    // Pause: n2 says nothing while stopped, then decides again (same process: no replay).
    let (stop, cont) = (r.fault_time("pause-n2", false), r.fault_time("pause-n2", true));
    assert!(about(&r, "n2", stop + SLACK, cont).is_empty(), "n2 spoke while stopped");
    assert!(heights(&r, "n0", stop, cont).len() > 3, "the others went on while n2 was paused");
    let resumed = heights(&r, "n2", cont, u64::MAX);
    assert!(!resumed.is_empty(), "n2 never decided after it was resumed");

    // Every payment still commits (the finality rule does not wait for a stopped validator).
    let m = &r.result.metrics.measured;
    assert_eq!(m.committed, m.submitted, "{m:?}");
}

#[test]
fn slow_simplex_partition_and_heal_show_in_the_trace() {
    let groups = |g: &[&[&str]]| -> Vec<Vec<String>> {
        g.iter().map(|x| x.iter().map(|n| n.to_string()).collect()).collect()
    };
    let minority = groups(&[&["n0", "n1", "n2"], &["n3"]]);
    let halves = groups(&[&["n0", "n1"], &["n2", "n3"]]);
    let s = payments(4, 50.0, 22)
        .with(|s| {
            s.workload.timeout = 20 * NS_PER_S;
            s.faults = vec![
                fault("minority", 3, 5, FaultAction::Partition { groups: minority }),
                fault("halves", 11, 4, FaultAction::Partition { groups: halves }),
            ];
        })
        .build();
    let r = run(&s, Config::default());
    let report = r.check();
    assert!(report.passed(), "{}", report.render_text());
    assert!(
        r.result.faults.iter().all(|f| f.status == touchstone_core::engine::FaultStatus::Applied),
        "{:?}",
        r.result.faults
    );
    assert_eq!(r.of("net.heal").len(), 2, "each partition healed");

    // n3 cut off: it decides nothing, the other three (a quorum) go on; after the heal it
    // fetches what it missed and decides again.
    let (cut, healed) = (r.fault_time("minority", false), r.fault_time("minority", true));
    assert!(heights(&r, "n3", cut + SLACK, healed).is_empty(), "n3 decided while cut off");
    let others = heights(&r, "n0", cut, healed);
    assert!(others.len() > 3, "n0 decided {} heights while n3 was cut off", others.len());
    let after = heights(&r, "n3", healed, u64::MAX);
    assert!(
        after.last().is_some_and(|h| h > others.last().unwrap()),
        "n3 caught up past the partition"
    );

    // Halves: no side has a quorum, nobody decides, views are nullified; after the heal the
    // chain goes on.
    let (split, joined) = (r.fault_time("halves", false), r.fault_time("halves", true));
    for n in ["n0", "n1", "n2", "n3"] {
        assert!(heights(&r, n, split + SLACK, joined).is_empty(), "{n} decided without a quorum");
    }
    let nullified = r
        .of("cons.vote")
        .into_iter()
        .filter(|l| l["vtype"] == "nullify" && (split..=joined).contains(&crate::support::t(l)))
        .count();
    assert!(nullified > 0, "views time out and are nullified while split");
    assert!(!heights(&r, "n0", joined, u64::MAX).is_empty(), "no decision after the heal");
    let m = &r.result.metrics.measured;
    assert_eq!(m.committed, m.submitted, "{m:?}");
}
