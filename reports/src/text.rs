//! The terminal summary: a few judgemental lines, like criterion's.
//!
//! ```text
//! PASS grade A 91.2 (vendor, coverage 18/40)
//!   B Performance 82%  C Fault tolerance 100%  F Operability and disclosure 95%  (D, E not evaluated)
//! FAIL gate agreement: n0 decided B10a, n1 decided B10b at h10 (trace lines 812, 815)
//! ```
//! A suite also lists each indicator it left not evaluated, with the reason.

use crate::model::{GateStatus, Report};
use std::fmt::Write;

/// A few lines for the terminal.
pub fn summary(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.verdict.headline);
    let mut scored = Vec::new();
    let mut missing = Vec::new();
    for a in &r.areas {
        match a.score {
            Some(s) => scored.push(format!("{} {} {:.0}%", a.id, a.name, s * 100.0)),
            None => missing.push(a.id.as_str()),
        }
    }
    let mut line = format!("  {}", scored.join("  "));
    if !missing.is_empty() {
        let _ = write!(line, "  ({} not evaluated)", missing.join(", "));
    }
    let _ = writeln!(out, "{line}");
    for g in r.gates.iter().filter(|g| g.status == GateStatus::Fail) {
        let why = g.evidence.first().cloned().or_else(|| g.reason.clone()).unwrap_or_default();
        let _ = writeln!(out, "FAIL gate {}: {why}", g.source_value);
    }
    for c in &r.criteria {
        if !c.passed {
            let _ = writeln!(
                out,
                "FAIL criterion {} {} (measured {}) in {}",
                c.id, c.target, c.measured, c.run
            );
        }
    }
    let worst = r
        .areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .filter(|i| i.score.is_some_and(|s| s < 0.5))
        .take(3);
    for i in worst {
        let _ = writeln!(
            out,
            "  weak {} {}: {} (score {:.2}{})",
            i.id,
            i.name,
            i.display,
            i.score.unwrap_or(0.0),
            i.reason.as_ref().map(|x| format!("; {x}")).unwrap_or_default()
        );
    }
    if r.kind == "suite" {
        not_evaluated(&mut out, r);
    }
    if !r.verdict.passed {
        for run in &r.runs {
            let _ = writeln!(out, "  replay: {}", run.replay);
        }
    }
    out
}

/// A suite's indicators left not evaluated, each with why (a suite is meant to cover the rubric,
/// so what it leaves out is worth a line each; a single run leaves out most and says so in its
/// report).
fn not_evaluated(out: &mut String, r: &Report) {
    const MAX_REASON: usize = 160;
    let gates = r
        .gates
        .iter()
        .filter(|g| g.status == GateStatus::NotEvaluated)
        .map(|g| (&g.id, &g.name, &g.reason));
    let scored = r
        .areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .filter(|i| !i.evaluated)
        .map(|i| (&i.id, &i.name, &i.reason));
    for (id, name, reason) in gates.chain(scored) {
        let mut why = reason.clone().unwrap_or_default();
        if why.chars().count() > MAX_REASON {
            why = why.chars().take(MAX_REASON).collect::<String>() + "…";
        }
        let _ = writeln!(out, "  not evaluated {id} {name}: {why}");
    }
}
