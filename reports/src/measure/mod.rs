//! Measured values of one run: `measured.<path>` fields of run.json and the `derived.<name>`
//! values computed from run.json and the trace (see [`crate::rubric::DERIVED`]).
//!
//! A value Touchstone cannot obtain is [`Measure::Not`] with the reason — never a made-up number.

mod faults;
mod spam;
pub mod suite;
mod value;

pub use value::Measure;

use crate::input::RunInput;
use crate::rubric::lookup;
use faults::{accountability, byzantine_gap, catch_up, crash_tolerance, heal_progress, recovery};
use touchstone_core::time::NS_PER_S;
use value::value;

/// The value of `metric` (validated by the rubric) in `run`.
pub fn measure(run: &RunInput, metric: &str) -> Measure {
    // From the checked trace alone: a multi-chain run has no single-chain metrics.
    if metric == "derived.xchain_settlement_p99_ns" {
        return xchain_settlement_p99(run);
    }
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
        "scale_p99_ratio" | "wan_p99_delta" => Measure::Not(
            "compares two payment runs of one suite (see scenarios/suites/admission.toml)".into(),
        ),
        "spam_throughput_drop" => spam::spam_drop(run),
        other => Measure::Not(format!("unknown derived value {other}")),
    }
}

fn availability(run: &RunInput) -> Measure {
    let m = run.record.metrics.as_ref().expect("checked");
    // Rejections the scenario provokes on purpose are not unavailability; the per-second series
    // cannot tell them apart, so such runs do not measure availability.
    if let Some(why) = crate::feeds::provoked_rejections(run) {
        return Measure::Not(format!(
            "{why}: availability is measured on runs without provoked rejections"
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

/// F1.1: validators exporting their consensus events (votes, proposals or certified decisions)
/// out of the validators declared, from the checker's count (trace format 1.1). A chain only
/// observed by a black-box adapter (decisions without certificates, no votes) is named in the
/// evidence but not counted: it shows what the node decided, not how it agreed. Records
/// written before the checker counted fall back to the trace scan.
fn trace_completeness(run: &RunInput) -> Measure {
    let Some(scan) = &run.trace else {
        return Measure::Not(run.trace_note.clone().unwrap_or_else(|| "no trace".into()));
    };
    if let Some(t) = run.check.as_ref().map(|c| c.trace_completeness) {
        if t.validators > 0 {
            let mut evidence = format!(
                "{}/check.json#trace_completeness: {} of {} validators export consensus events",
                run.label, t.exported, t.validators
            );
            if t.observed > 0 {
                evidence.push_str(&format!(
                    "; {} observed only (finalized chain read from the node, no votes)",
                    t.observed
                ));
            }
            if t.silent > 0 {
                evidence.push_str(&format!("; {} silent", t.silent));
            }
            return value(t.exported.min(t.validators) as f64 / t.validators as f64, evidence);
        }
    }
    let vs = &run.record.adapter.system.validators;
    if vs.is_empty() {
        return Measure::Not("the adapter declares no validators".into());
    }
    let k = vs.iter().filter(|v| scan.consensus_nodes.contains(&v.id)).count();
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

/// p99 (nearest rank) of the settlement times of the settled cross-chain transfers and DvP
/// pairs, from the checker's `xchain` section.
fn xchain_settlement_p99(run: &RunInput) -> Measure {
    let Some(c) = &run.check else { return Measure::Not("trace not checked".into()) };
    let Some(x) = &c.xchain else {
        return Measure::Not("not a cross-chain run (no bridge transfer in the trace)".into());
    };
    let mut l = crate::xchain::settlement_times(x);
    l.sort_unstable();
    let Some(p99) = crate::xchain::quantile(&l, 0.99) else {
        return Measure::Not("no cross-chain transfer or DvP pair settled".into());
    };
    value(
        p99 as f64,
        format!(
            "{}/run.json#check.xchain ({} settled of {} transfers and {} DvP pairs)",
            run.label,
            l.len(),
            x.transfers.len(),
            x.dvp.len()
        ),
    )
}
