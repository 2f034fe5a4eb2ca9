//! Measured values of one run: `measured.<path>` fields of run.json and the `derived.<name>`
//! values computed from run.json and the trace (see [`crate::rubric::DERIVED`]).
//!
//! A value Touchstone cannot obtain is [`Measure::Not`] with the reason — never a made-up number.

use crate::input::RunInput;
use crate::rubric::lookup;
use touchstone_check::Verdict;
use touchstone_core::engine::{FaultRecord, FaultStatus};
use touchstone_core::time::NS_PER_S;
use touchstone_spec::Property;

/// A measured value, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    Value {
        v: f64,
        evidence: Vec<String>,
        /// The value fails outright (e.g. never caught up): score 0 with this reason.
        zero: Option<String>,
    },
    Not(String),
}

fn value(v: f64, evidence: String) -> Measure {
    Measure::Value { v, evidence: vec![evidence], zero: None }
}

/// The value of `metric` (validated by the rubric) in `run`.
pub fn measure(run: &RunInput, metric: &str) -> Measure {
    let Some(m) = &run.record.metrics else {
        return Measure::Not(format!(
            "run {} has no metrics (status {:?})",
            run.label, run.record.status
        ));
    };
    if let Some(path) = metric.strip_prefix("measured.") {
        let v = serde_json::to_value(&m.measured).expect("metrics serialize");
        for hist in ["latency.", "rejection_notice."] {
            if path.starts_with(hist)
                && lookup(&v, &format!("{hist}count")).and_then(|c| c.as_u64()) == Some(0)
            {
                let what = if hist == "latency." {
                    "nothing committed in the measured phases"
                } else {
                    "no transaction was rejected"
                };
                return Measure::Not(what.into());
            }
        }
        return match lookup(&v, path).and_then(|x| x.as_f64()) {
            Some(x) => value(x, format!("{}/run.json#metrics.measured.{path}", run.label)),
            None if path.starts_with("reasons.") => {
                value(0.0, format!("{}/run.json#metrics.measured.{path} (absent: 0)", run.label))
            }
            None => Measure::Not(format!("metrics.measured.{path} was not measured in this run")),
        };
    }
    let name = metric.strip_prefix("derived.").unwrap_or(metric);
    match name {
        "backlog_ratio" => {
            let x = &m.measured;
            if x.accepted == 0 {
                return Measure::Not("nothing was accepted in the measured phases".into());
            }
            value(
                x.accepted.saturating_sub(x.committed) as f64 / x.accepted as f64,
                format!(
                    "{}/run.json#metrics.measured.accepted,committed ({} accepted, {} committed)",
                    run.label, x.accepted, x.committed
                ),
            )
        }
        "crash_tolerance" => crash_tolerance(run),
        "catch_up_ns" => catch_up(run),
        "byzantine_commit_gap_ns" => byzantine_gap(run),
        "accountability" => accountability(run),
        "heal_progress_ns" => heal_progress(run),
        "recovery_ns" => recovery(run),
        "availability" => availability(run),
        "trace_completeness" => trace_completeness(run),
        "disclosure" => disclosure(run).0,
        "reproducibility" => reproducibility(run),
        "scale_p99_ratio" | "wan_p99_delta" => {
            Measure::Not("needs several payment runs of one suite (see scenarios/suites)".into())
        }
        "spam_throughput_drop" => {
            Measure::Not("no spam-flood scenario exists yet: Touchstone cannot measure it".into())
        }
        other => Measure::Not(format!("unknown derived value {other}")),
    }
}

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

fn crash_tolerance(run: &RunInput) -> Measure {
    const A: &[&str] = &["crash", "pause"];
    let m = run.record.metrics.as_ref().expect("checked");
    let mut windows = 0;
    let mut evidence = Vec::new();
    let mut zero = None;
    for f in applied(run, A) {
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
        return not_exercised(run, A, "crash or pause of ≤ f validators");
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

fn catch_up(run: &RunInput) -> Measure {
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

fn byzantine_gap(run: &RunInput) -> Measure {
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

fn accountability(run: &RunInput) -> Measure {
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

fn heal_progress(run: &RunInput) -> Measure {
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

fn recovery(run: &RunInput) -> Measure {
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

fn availability(run: &RunInput) -> Measure {
    let m = run.record.metrics.as_ref().expect("checked");
    // Rejections the scenario provokes on purpose are not unavailability; the per-second series
    // cannot tell them apart, so such runs do not measure availability.
    if m.conformance
        .iter()
        .any(|c| matches!(c.expected, touchstone_core::program::Expected::Reject { .. }))
    {
        return Measure::Not(format!(
            "program {:?} sends transactions that must be rejected: availability is measured on runs without provoked rejections",
            m.program
        ));
    }
    let measured: Vec<_> = m.phases.iter().filter(|p| !p.warmup).collect();
    let (a, b) = (
        measured.iter().map(|p| p.start_ns).min().unwrap_or(0) / NS_PER_S,
        measured.iter().map(|p| p.end_ns).max().unwrap_or(0) / NS_PER_S,
    );
    let windows = (b.saturating_sub(a)) / 60;
    if windows == 0 {
        return Measure::Not(format!(
            "measured phases last {} s: shorter than one 1-minute window",
            b.saturating_sub(a)
        ));
    }
    let mut ok = 0;
    for w in 0..windows {
        let (s, e) = (a + w * 60, a + w * 60 + 60);
        let (mut c, mut all) = (0u64, 0u64);
        for x in m.series.iter().filter(|x| x.t_s >= s && x.t_s < e) {
            c += x.committed;
            all += x.committed + x.rejected + x.unknown;
        }
        if c > 0 && c as f64 >= 0.99 * all as f64 {
            ok += 1;
        }
    }
    value(
        ok as f64 / windows as f64,
        format!("{ok} of {windows} full minutes available ({}/run.json#metrics.series)", run.label),
    )
}

fn trace_completeness(run: &RunInput) -> Measure {
    let Some(t) = &run.trace else {
        return Measure::Not(run.trace_note.clone().unwrap_or_else(|| "no trace".into()));
    };
    let vs = &run.record.adapter.system.validators;
    if vs.is_empty() {
        return Measure::Not("the adapter declares no validators".into());
    }
    let k = vs.iter().filter(|v| t.consensus_nodes.contains(&v.id)).count();
    value(
        k as f64 / vs.len() as f64,
        format!("trace.jsonl: cons.* events from {k} of {} validators", vs.len()),
    )
}

/// The disclosure items and which are missing.
pub fn disclosure(run: &RunInput) -> (Measure, Vec<&'static str>) {
    let r = &run.record;
    let d = &r.adapter.system.details;
    let has = |key: &str| d.keys().any(|k| k.to_ascii_lowercase().contains(key));
    let items: [(&str, bool); 7] = [
        (
            "protocol",
            !r.adapter.system.protocol.is_empty() && r.adapter.system.protocol != "unknown",
        ),
        ("validators", !r.adapter.system.validators.is_empty()),
        ("topology", r.adapter.capabilities.virtual_time || has("topology") || has("link")),
        ("hardware", r.environment.cpus > 0 && r.environment.cpu_model.is_some()),
        (
            "versions",
            !r.harness.version.is_empty()
                && (r.adapter.capabilities.virtual_time || has("version")),
        ),
        ("seed", true),
        ("scenario hash", r.scenario.sha256.len() == 64),
    ];
    let missing: Vec<&'static str> = items.iter().filter(|i| !i.1).map(|i| i.0).collect();
    let present = items.len() - missing.len();
    let ev = if missing.is_empty() {
        format!("{}/run.json: all 7 disclosure items present", run.label)
    } else {
        format!("{}/run.json: missing {}", run.label, missing.join(", "))
    };
    (value(present as f64 / items.len() as f64, ev), missing)
}

fn reproducibility(run: &RunInput) -> Measure {
    let Some(re) = &run.rerun else {
        return Measure::Not(
            "no rerun with the same seed in this evaluation (suite: reproduce = true)".into(),
        );
    };
    let simulated = run.record.adapter.capabilities.virtual_time;
    let same = if simulated {
        re.fingerprint == run.record.trace.fingerprint
    } else {
        re.failed == run.record.verdict.failed
    };
    let what = if simulated { "fingerprint" } else { "verdicts" };
    Measure::Value {
        v: if same { 1.0 } else { 0.0 },
        evidence: vec![format!(
            "{} vs {}: {what} {}",
            run.label,
            re.label,
            if same { "identical" } else { "differ" }
        )],
        zero: (!same).then(|| format!("the rerun's {what} differ")),
    }
}
