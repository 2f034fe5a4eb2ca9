//! Whole runs through the engine on four real validators: payments commit, the merged trace
//! checks clean with every consensus property judged, and a Byzantine validator is named.

use crate::support::{consensus_evaluated_and_clean, payments, run};
use touchstone_core::scenario::{Behaviour, ByzantineSpec};
use touchstone_simplex::Config;

#[test]
fn slow_simplex_payments_commit_on_four_validators_and_the_trace_checks_clean() {
    let s = payments(4, 100.0, 6).build();
    let r = run(&s, Config::default());
    let m = &r.result.metrics.measured;
    assert_eq!(r.result.end, touchstone_core::engine::EndReason::Completed);
    assert_eq!(m.submitted, 600, "{m:?}");
    assert_eq!(m.committed, m.submitted, "every payment commits: {m:?}");
    let report = r.check();
    assert!(report.passed(), "{}", report.render_text());
    consensus_evaluated_and_clean(&report);
    // Every validator exported its decisions, and every one decided the committed payments.
    let decisions = r.decisions();
    assert_eq!(decisions.len(), 4, "{:?}", decisions.keys());
    let details = &r.result.system.details;
    assert!(
        details["trace_merge"].starts_with("4 of 4 validators exported (every file read"),
        "{details:?}"
    );
    // A vote appears once however many validators saw it.
    let votes = r.of("cons.vote");
    let mut keys: Vec<String> = votes
        .iter()
        .map(|v| format!("{}|{}|{}|{}", v["node"], v["round"], v["vtype"], v["block"]))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a vote passed on twice");
}

#[test]
fn slow_simplex_a_conflicter_is_named_and_no_correct_node_is_accused_while_finalization_continues()
{
    let s = payments(4, 50.0, 8)
        .with(|s| {
            s.network.byzantine =
                vec![ByzantineSpec { node: "n3".into(), behaviour: Behaviour::DoubleVote }];
        })
        .build();
    let r = run(&s, Config::default());
    let roles = r.of("node.role");
    assert_eq!(roles.len(), 1);
    assert_eq!(
        (roles[0]["node"].as_str(), roles[0]["behaviour"].as_str()),
        (Some("n3"), Some("conflicter"))
    );
    let report = r.check();
    assert!(report.passed(), "{}", report.render_text());
    assert!(!report.equivocations.is_empty(), "the conflicter's double votes are proven");
    assert!(
        report.equivocations.iter().all(|e| e.node == "n3" && e.byzantine),
        "{:?}",
        report.equivocations
    );
    for e in r.of("evidence.detect") {
        assert_eq!(e["accused"], serde_json::json!(["n3"]), "{e}");
    }
    // Finalization continues: the correct validators decide through the whole run.
    let end = crate::support::t(r.lines.last().unwrap());
    for node in ["n0", "n1", "n2"] {
        let d = &r.decisions()[node];
        let last = d.last().unwrap().0;
        assert!(last + 3_000_000_000 > end, "{node} stopped deciding at {last} (run ended {end})");
    }
    let m = &r.result.metrics.measured;
    assert!(m.committed as f64 >= 0.9 * m.submitted as f64, "{m:?}");
}
