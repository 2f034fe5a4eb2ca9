//! The terminal's short, judgemental summary of one run.

use crate::exit::FINDINGS;
use crate::pipeline::RunSummary;
use std::fmt::Write;
use touchstone_check::{CheckReport, Verdict as PropVerdict};
use touchstone_core::engine::{FaultStatus, RunMetrics};
use touchstone_core::time::Human;

/// A short, judgemental summary of a run for the terminal.
pub fn summary_text(s: &RunSummary) -> String {
    let r = &s.record;
    let mut out = String::new();
    let verdict = if r.verdict.passed {
        "PASS"
    } else if r.verdict.exit_code == FINDINGS {
        "FAIL"
    } else {
        "ERROR"
    };
    let _ = writeln!(
        out,
        "{verdict} {} on {} (seed {}) — {}",
        r.scenario.name,
        r.adapter.system.adapter,
        r.seed,
        s.dir.display()
    );
    if let Some(why) = &r.message {
        let _ = writeln!(out, "  ended early: {why}");
    }
    if let Some(m) = &r.metrics {
        measured(&mut out, m);
    }
    for c in &r.criteria {
        let _ = writeln!(
            out,
            "  {} {} {} (measured {})",
            if c.passed { "ok  " } else { "FAIL" },
            c.id,
            c.target,
            c.measured
        );
    }
    if let Some(m) = r.metrics.as_ref().filter(|m| !m.conformance.is_empty()) {
        conformance(&mut out, m);
    }
    match (&s.check, &r.message) {
        (Some(check), _) => properties(&mut out, check),
        // Why the trace was not checked (or the run ended early) belongs on the terminal, not
        // only in run.json.
        (None, Some(m)) => {
            let _ = writeln!(out, "  {m}");
        }
        (None, None) => {}
    }
    for f in r.faults.iter().filter(|f| f.status != FaultStatus::Applied) {
        let _ = writeln!(
            out,
            "  fault {} ({}) {:?}: {}",
            f.id,
            f.action,
            f.status,
            f.message.clone().unwrap_or_default()
        );
    }
    if !r.verdict.passed {
        let _ = writeln!(out, "  replay: {}", r.replay);
    }
    out
}

/// Counts, rates and latency percentiles of the measured phases.
fn measured(out: &mut String, m: &RunMetrics) {
    let x = &m.measured;
    let _ = writeln!(
        out,
        "  submitted {}  committed {}  rejected {}  unknown {}  committed {:.1} tx/s  success {:.3}%",
        x.submitted,
        x.committed,
        x.rejected,
        x.unknown,
        x.committed_tps,
        x.success_rate * 100.0
    );
    let _ = writeln!(
        out,
        "  latency p50 {}  p99 {}  p99.9 {}  max {}{}",
        Human(x.latency.p50_ns),
        Human(x.latency.p99_ns),
        Human(x.latency.p999_ns),
        Human(x.latency.max_ns),
        if m.generator.fell_behind {
            format!("  (generator fell behind: lag p99 {})", Human(m.generator.p99_ns))
        } else {
            String::new()
        }
    );
}

/// The conformance matrix in one line, and the first cases that differ.
fn conformance(out: &mut String, m: &RunMetrics) {
    let bad: Vec<_> = m.conformance.iter().filter(|c| !c.passed).collect();
    let _ = writeln!(
        out,
        "  conformance ({}): {} cases, {} as expected, {} differ",
        m.program,
        m.conformance.len(),
        m.conformance.len() - bad.len(),
        bad.len()
    );
    for c in bad.iter().take(5) {
        let _ = writeln!(
            out,
            "    {} {} {}: expected {:?}, observed {}{}",
            c.tx,
            c.indicator,
            c.label,
            c.expected,
            c.observed,
            c.reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default()
        );
    }
}

/// The checker's verdicts counted, and the first findings.
fn properties(out: &mut String, check: &CheckReport) {
    let failed: Vec<&str> = check
        .properties
        .iter()
        .filter(|p| p.verdict == PropVerdict::Fail)
        .map(|p| p.id.as_str())
        .collect();
    let not_eval =
        check.properties.iter().filter(|p| p.verdict == PropVerdict::NotEvaluated).count();
    let passed = check.properties.iter().filter(|p| p.verdict == PropVerdict::Pass).count();
    let _ = writeln!(
        out,
        "  properties: {passed} pass, {} fail{}, {not_eval} not evaluated",
        failed.len(),
        if failed.is_empty() { String::new() } else { format!(" ({})", failed.join(", ")) }
    );
    for f in check.findings.iter().take(5) {
        let _ = writeln!(out, "  finding {}: {}", f.property, f.message);
    }
}
