//! Derived values of fault tolerance: commits through crashes within the bound, catch-up
//! after a restart, progress under a Byzantine minority, after a heal and after a recovery from
//! a lost quorum, and accountability when over budget.

use super::value::{value, Measure};
use crate::input::RunInput;
use touchstone_check::Verdict;
use touchstone_core::engine::{FaultRecord, FaultStatus};
use touchstone_core::time::NS_PER_S;
use touchstone_spec::Property;

/// Total voting power and the power of `nodes`.
fn power(run: &RunInput, nodes: &[String]) -> (u64, u64) {
    let vs = &run.record.adapter.system.validators;
    let total = vs.iter().map(|v| v.power).sum();
    let part = vs.iter().filter(|v| nodes.contains(&v.id)).map(|v| v.power).sum();
    (total, part)
}

/// Whether losing `part` of `total` stays within the protocol's fault bound (< 1/3 BFT, < 1/2 Raft).
fn within_bound(run: &RunInput, total: u64, part: u64) -> bool {
    if run.record.adapter.system.protocol == "raft" {
        part * 2 < total
    } else {
        part * 3 < total
    }
}

fn applied<'a>(
    run: &'a RunInput,
    actions: &'a [&str],
) -> impl Iterator<Item = &'a FaultRecord> + 'a {
    run.record
        .faults
        .iter()
        .filter(move |f| actions.contains(&f.action.as_str()) && f.status == FaultStatus::Applied)
}

fn not_exercised(run: &RunInput, actions: &[&str], what: &str) -> Measure {
    let skipped: Vec<&str> = run
        .record
        .faults
        .iter()
        .filter(|f| actions.contains(&f.action.as_str()) && f.status != FaultStatus::Applied)
        .map(|f| f.id.as_str())
        .collect();
    if skipped.is_empty() {
        Measure::Not(format!("no {what} in this run"))
    } else {
        Measure::Not(format!(
            "{what} not exercised: the adapter could not inject fault(s) {}",
            skipped.join(", ")
        ))
    }
}

fn fault_end(run: &RunInput, f: &FaultRecord) -> u64 {
    f.undone_ns.unwrap_or(run.record.duration_ns.max(f.applied_ns.unwrap_or(0)))
}

pub(super) fn crash_tolerance(run: &RunInput) -> Measure {
    const CRASH_OR_PAUSE: &[&str] = &["crash", "pause"];
    let m = run.record.metrics.as_ref().expect("checked");
    let mut windows = 0;
    let mut evidence = Vec::new();
    let mut zero = None;
    for f in applied(run, CRASH_OR_PAUSE) {
        let (total, part) = power(run, &f.nodes);
        if !within_bound(run, total, part) {
            continue;
        }
        windows += 1;
        let (a, b) = (f.applied_ns.unwrap_or(f.at_ns), fault_end(run, f));
        let (sa, sb) = (a / NS_PER_S, b.div_ceil(NS_PER_S).max(a / NS_PER_S + 1));
        let commits: u64 =
            m.series.iter().filter(|s| s.t_s >= sa && s.t_s < sb).map(|s| s.committed).sum();
        evidence.push(format!(
            "{}: {} {} for {:.1} s: {commits} commits ({}/run.json#metrics.series)",
            f.id,
            f.action,
            f.nodes.join(","),
            (b - a) as f64 / 1e9,
            run.label
        ));
        if commits == 0 && zero.is_none() {
            zero = Some(format!("no commit while {} was {}", f.nodes.join(","), f.action));
        }
    }
    if windows == 0 {
        return not_exercised(run, CRASH_OR_PAUSE, "crash or pause of ≤ f validators");
    }
    Measure::Value { v: if zero.is_some() { 0.0 } else { 1.0 }, evidence, zero }
}

fn need_consensus(run: &RunInput) -> Result<&crate::trace::TraceScan, Measure> {
    match &run.trace {
        Some(t) if t.decide_lines > 0 => Ok(t),
        Some(_) => Err(Measure::Not(format!(
            "adapter {} exports no consensus events (no cons.decide in the trace)",
            run.record.adapter.system.adapter
        ))),
        None => Err(Measure::Not(run.trace_note.clone().unwrap_or_else(|| "no trace".into()))),
    }
}

pub(super) fn catch_up(run: &RunInput) -> Measure {
    let t = match need_consensus(run) {
        Ok(t) => t,
        Err(m) => return m,
    };
    let mut worst: Option<(f64, String, Option<String>)> = None;
    for f in applied(run, &["crash", "pause"]).filter(|f| f.undone_ns.is_some()) {
        let r = f.undone_ns.expect("filtered");
        for n in &f.nodes {
            let others: Vec<&str> = run.correct_nodes().into_iter().filter(|o| o != n).collect();
            let pts = t.decided.get(n).map(Vec::as_slice).unwrap_or(&[]);
            let hit = pts
                .iter()
                .find(|(at, h)| *at >= r && *h >= t.head_at(&others, *at))
                .map(|(at, _)| *at);
            let (v, zero) = match hit {
                Some(at) => ((at - r) as f64, None),
                None => (
                    (run.record.duration_ns.saturating_sub(r)) as f64,
                    Some(format!("{n} never reached the head after its restart")),
                ),
            };
            let ev = format!(
                "{}: {n} restarted at {:.3} s, {} (trace.jsonl cons.decide of {n})",
                f.id,
                r as f64 / 1e9,
                if zero.is_some() {
                    "never caught up".to_string()
                } else {
                    format!("at the head after {:.3} s", v / 1e9)
                }
            );
            if worst.as_ref().is_none_or(|w| v > w.0) {
                worst = Some((v, ev, zero));
            }
        }
    }
    match worst {
        Some((v, ev, zero)) => Measure::Value { v, evidence: vec![ev], zero },
        None => not_exercised(run, &["crash", "pause"], "crash then restart"),
    }
}

pub(super) fn byzantine_gap(run: &RunInput) -> Measure {
    let nodes: Vec<&str> = run
        .record
        .adapter
        .system
        .validators
        .iter()
        .map(|v| v.id.as_str())
        .filter(|n| run.is_byzantine(n))
        .collect();
    if nodes.is_empty() {
        return Measure::Not("no Byzantine validator in this run".into());
    }
    if run.check.as_ref().is_some_and(|c| c.over_budget) {
        return Measure::Not("Byzantine power is over the bound (C2.2 applies, not C2.1)".into());
    }
    let t = match need_consensus(run) {
        Ok(t) => t,
        Err(m) => return m,
    };
    let m = run.record.metrics.as_ref().expect("checked");
    let (a, b) = (
        m.phases.iter().map(|p| p.start_ns).min().unwrap_or(0),
        m.phases.iter().map(|p| p.end_ns).max().unwrap_or(0),
    );
    let mut times: Vec<u64> =
        t.head_times(&run.correct_nodes()).into_iter().filter(|x| *x >= a && *x <= b).collect();
    times.insert(0, a);
    times.push(b);
    let gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    value(gap as f64, format!("longest gap between new heights during the load {:.3} s with Byzantine {} (trace.jsonl cons.decide)", gap as f64 / 1e9, nodes.join(",")))
}

pub(super) fn accountability(run: &RunInput) -> Measure {
    let Some(c) = &run.check else { return Measure::Not("trace not checked".into()) };
    if !c.over_budget {
        return Measure::Not("run in budget: no over-budget fork to attribute".into());
    }
    match c.properties.iter().find(|p| p.id == Property::Accountability.id()) {
        Some(p) if p.verdict == Verdict::Pass => {
            value(1.0, format!("{}/run.json#check.properties.accountability: pass", run.label))
        }
        Some(p) if p.verdict == Verdict::Fail => Measure::Value {
            v: 0.0,
            evidence: vec![format!("{}/run.json#check.properties.accountability: fail", run.label)],
            zero: Some("equivocators not attributed".into()),
        },
        Some(p) => {
            Measure::Not(p.reason.clone().unwrap_or_else(|| "accountability not evaluated".into()))
        }
        None => Measure::Not("the checker gave no accountability verdict".into()),
    }
}

fn progress_after(
    run: &RunInput,
    t: &crate::trace::TraceScan,
    at: u64,
    what: &str,
) -> (f64, String, Option<String>) {
    match t.first_new_height(&run.correct_nodes(), at) {
        Some(x) => (
            (x - at) as f64,
            format!(
                "{what} at {:.3} s, first new height after {:.3} s (trace.jsonl cons.decide)",
                at as f64 / 1e9,
                (x - at) as f64 / 1e9
            ),
            None,
        ),
        None => (
            run.record.duration_ns.saturating_sub(at) as f64,
            format!("{what} at {:.3} s, no new height before the run ended", at as f64 / 1e9),
            Some(format!("no progress after {what}")),
        ),
    }
}

pub(super) fn heal_progress(run: &RunInput) -> Measure {
    let heals: Vec<u64> = run
        .record
        .faults
        .iter()
        .filter(|f| f.status == FaultStatus::Applied)
        .filter_map(|f| match f.action.as_str() {
            "partition" => f.undone_ns,
            "heal" => f.applied_ns,
            _ => None,
        })
        .collect();
    if heals.is_empty() || !applied(run, &["partition"]).any(|_| true) {
        return not_exercised(run, &["partition"], "partition followed by a heal");
    }
    let t = match need_consensus(run) {
        Ok(t) => t,
        Err(m) => return m,
    };
    let (v, ev, zero) = heals
        .iter()
        .map(|h| progress_after(run, t, *h, "heal"))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .expect("non-empty");
    Measure::Value { v, evidence: vec![ev], zero }
}

pub(super) fn recovery(run: &RunInput) -> Measure {
    let big: Vec<&FaultRecord> = applied(run, &["crash", "pause"])
        .filter(|f| {
            let (total, part) = power(run, &f.nodes);
            part * 3 > total && f.undone_ns.is_some()
        })
        .collect();
    if big.is_empty() {
        return Measure::Not("no fault took out more than 1/3 of the power and restored it".into());
    }
    let t = match need_consensus(run) {
        Ok(t) => t,
        Err(m) => return m,
    };
    let (v, ev, zero) = big
        .iter()
        .map(|f| {
            progress_after(run, t, f.undone_ns.expect("filtered"), &format!("{} restored", f.id))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .expect("non-empty");
    Measure::Value { v, evidence: vec![ev], zero }
}
