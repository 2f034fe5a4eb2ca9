//! JUnit XML for a vendor's CI: one test suite per report, one test case per gate and per
//! scenario criterion. A failed gate carries its findings and the replay command; a gate or
//! indicator not evaluated is `<skipped>` with the reason.

use crate::model::{CriterionRow, GateResult, GateStatus, Report};
use std::fmt::Write;

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// The JUnit XML document of `reports` (one `<testsuite>` each).
pub fn render(reports: &[&Report]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests: usize = reports.iter().map(|r| r.gates.len() + r.criteria.len()).sum();
    let failures: usize = reports
        .iter()
        .map(|r| {
            r.gates.iter().filter(|g| g.status == GateStatus::Fail).count()
                + r.criteria.iter().filter(|c| !c.passed).count()
        })
        .sum();
    let _ =
        writeln!(x, "<testsuites name=\"touchstone\" tests=\"{tests}\" failures=\"{failures}\">");
    for r in reports {
        suite(&mut x, r);
    }
    x.push_str("</testsuites>\n");
    x
}

/// One report's `<testsuite>`: its gates, then its criteria.
fn suite(x: &mut String, r: &Report) {
    let replay: Vec<&str> = r.runs.iter().map(|x| x.replay.as_str()).collect();
    let fails = r.gates.iter().filter(|g| g.status == GateStatus::Fail).count()
        + r.criteria.iter().filter(|c| !c.passed).count();
    let skipped = r.gates.iter().filter(|g| g.status == GateStatus::NotEvaluated).count();
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skipped}\">",
        escape(&format!("touchstone {} {}", r.kind, r.title)),
        r.gates.len() + r.criteria.len()
    );
    let _ = writeln!(x, "    <properties><property name=\"headline\" value=\"{}\"/><property name=\"profile\" value=\"{}\"/></properties>", escape(&r.verdict.headline), escape(&r.profile));
    for g in &r.gates {
        gate_case(x, g, &replay);
    }
    for c in &r.criteria {
        criterion_case(x, c, &replay);
    }
    let _ = writeln!(x, "  </testsuite>");
}

/// A gate's `<testcase>`: a failure with its evidence and the replay commands, skipped when
/// not evaluated, the reason as output when it failed as expected.
fn gate_case(x: &mut String, g: &GateResult, replay: &[&str]) {
    let name = format!("gate {} {} ({})", g.id, g.name, g.source_value);
    let _ = write!(x, "    <testcase classname=\"touchstone.gates\" name=\"{}\"", escape(&name));
    match g.status {
        GateStatus::Fail => {
            let msg = g.evidence.first().cloned().or_else(|| g.reason.clone()).unwrap_or_default();
            let mut body = g.evidence.join("\n");
            for rp in replay {
                let _ = write!(body, "\nreplay: {rp}");
            }
            let _ = writeln!(
                x,
                ">\n      <failure message=\"{}\" type=\"gate\">{}</failure>\n    </testcase>",
                escape(&msg),
                escape(&body)
            );
        }
        GateStatus::NotEvaluated => {
            let _ = writeln!(
                x,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(&format!("not evaluated: {}", g.reason.clone().unwrap_or_default()))
            );
        }
        GateStatus::ExpectedFail => {
            let _ = writeln!(
                x,
                ">\n      <system-out>{}</system-out>\n    </testcase>",
                escape(&g.reason.clone().unwrap_or_default())
            );
        }
        GateStatus::Pass => {
            let _ = writeln!(x, "/>");
        }
    }
}

/// A scenario criterion's `<testcase>`: a failure with the measured value and the replay
/// commands when it was not met.
fn criterion_case(x: &mut String, c: &CriterionRow, replay: &[&str]) {
    let name = format!("criterion {} {} [{}]", c.id, c.target, c.run);
    let _ = write!(x, "    <testcase classname=\"touchstone.criteria\" name=\"{}\"", escape(&name));
    if c.passed {
        let _ = writeln!(x, "/>");
    } else {
        let msg = format!(
            "{} {}: measured {}{}",
            c.id,
            c.target,
            c.measured,
            c.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
        );
        let body = replay.iter().map(|r| format!("replay: {r}")).collect::<Vec<_>>().join("\n");
        let _ = writeln!(
            x,
            ">\n      <failure message=\"{}\" type=\"criterion\">{}</failure>\n    </testcase>",
            escape(&msg),
            escape(&body)
        );
    }
}
