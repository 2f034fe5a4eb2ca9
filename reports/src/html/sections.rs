//! The sections of `report.html`.

use super::charts;
use crate::display::display;
use crate::junit::escape;
use crate::model::*;
use std::fmt::Write;
use touchstone_core::time::Human;

/// HTML-escapes text.
pub(super) fn e(s: &str) -> String {
    escape(s)
}

fn status_label(s: GateStatus) -> &'static str {
    match s {
        GateStatus::Pass => "pass",
        GateStatus::Fail => "fail",
        GateStatus::ExpectedFail => "expected_fail",
        GateStatus::NotEvaluated => "not_evaluated",
    }
}

fn badge(s: GateStatus) -> String {
    let text = match s {
        GateStatus::Pass => "PASS",
        GateStatus::Fail => "FAIL",
        GateStatus::ExpectedFail => "EXPECTED FAIL",
        GateStatus::NotEvaluated => "NOT EVALUATED",
    };
    format!("<span class=\"badge b-{}\">{text}</span>", status_label(s))
}

pub(super) fn cover(h: &mut String, r: &Report) {
    let v = &r.verdict;
    let (vclass, vword) = match v.exit_code {
        0 => ("v-pass", "PASS"),
        1 => ("v-fail", "FAIL"),
        _ => ("v-error", "ERROR"),
    };
    let gclass = if v.grade == "-" { "x".to_string() } else { v.grade.clone() };
    let _ = write!(
        h,
        "<section class=\"cover\" id=\"cover\"><div class=\"grade g-{gclass}\"><b>{}</b><span>grade</span></div><div><p class=\"muted small\">Touchstone {} report</p><h1>{}</h1><p><span class=\"verdict {vclass}\">{vword}</span> <b>{}</b></p><div class=\"kpis\"><div><span class=\"muted\">score</span><b>{}</b></div><div><span class=\"muted\">grade</span><b>{} — {}</b></div><div><span class=\"muted\">profile</span><b>{}</b></div><div><span class=\"muted\">coverage</span><b>{} / {}</b></div></div>",
        e(&v.grade),
        e(&r.kind),
        e(&r.title),
        e(v.headline.split_once(' ').map(|x| x.1).unwrap_or(&v.headline)),
        v.score.map(|s| format!("{s:.1} / 100")).unwrap_or_else(|| "—".into()),
        e(&v.grade),
        e(&v.grade_meaning),
        e(&r.profile),
        v.coverage.evaluated,
        v.coverage.total
    );
    let _ = write!(h, "<p class=\"small muted\">Coverage counts the indicators (gates included) Touchstone could evaluate in the runs given; the others are listed as not evaluated, with the reason, and excluded from every mean.</p></div></section>");
    for d in &r.runs {
        let _ = write!(
            h,
            "<section id=\"disclosure-{}\"><h2>Disclosure — {}</h2>",
            e(&slug(&d.dir)),
            e(&d.scenario)
        );
        let _ = write!(h, "<p>{}</p><table class=\"disclosure\">", e(&d.description));
        let vals: Vec<String> = d
            .validators
            .iter()
            .map(|v| {
                format!(
                    "{}{}{}",
                    e(&v.id),
                    if v.power != 1 { format!(" (power {})", v.power) } else { String::new() },
                    if v.byzantine { " <b>Byzantine</b>" } else { "" }
                )
            })
            .collect();
        let versions: Vec<String> =
            d.versions.iter().map(|(k, v)| format!("{} {}", e(k), e(v))).collect();
        let rows: Vec<(&str, String)> = vec![
            ("run directory", format!("<code>{}</code>", e(&d.dir))),
            ("scenario", format!("{} ({})", e(&d.scenario), e(&d.kind))),
            ("status", format!("{} after {}", e(&d.status), Human(d.duration_ns))),
            ("adapter", e(&d.adapter)),
            ("protocol", e(&d.protocol)),
            ("validators", format!("{}: {}", d.validators.len(), vals.join(", "))),
            ("topology / link model", e(&d.topology)),
            ("finality", e(&d.finality)),
            ("hardware", e(&d.hardware)),
            ("versions", versions.join("; ")),
            ("seed", d.seed.to_string()),
            ("scenario SHA-256", format!("<code>{}</code>", e(&d.scenario_sha256))),
            ("trace fingerprint", format!("<code>{}</code>", e(&d.fingerprint))),
            ("load generator", match d.generator_fell_behind {
                Some(true) => "<b>fell behind its schedule</b> (latency is still measured from the intended send time)".into(),
                Some(false) => "kept its open-loop schedule".into(),
                None => "—".into(),
            }),
            ("started", e(d.started_at.as_deref().unwrap_or("—"))),
        ];
        for (k, v) in rows {
            let _ = write!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
        }
        let _ = write!(h, "</table><h3>Replay</h3><pre>{}</pre></section>", e(&d.replay));
    }
}

fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

pub(super) fn gates(h: &mut String, r: &Report) {
    let failed = r.gates.iter().filter(|g| g.status == GateStatus::Fail).count();
    let _ = write!(h, "<section id=\"gates\"><h2>Gates — safety and consistency</h2><p>{}</p><div class=\"gates\">", if failed > 0 { format!("<b>{failed} gate(s) failed: the grade is F whatever the score.</b>") } else { "Every gate evaluated passed. A failed gate would make the grade F whatever the score.".into() });
    for g in &r.gates {
        let _ = write!(
            h,
            "<div class=\"gate {}\"><p><b>{} {}</b> {}</p><p class=\"small muted\">{}</p>",
            status_label(g.status),
            e(&g.id),
            e(&g.name),
            badge(g.status),
            e(&g.definition)
        );
        if let Some(m) = &g.measured {
            let _ = write!(h, "<p class=\"small\">measured {}</p>", e(m));
        }
        if let Some(x) = &g.reason {
            let _ = write!(h, "<p class=\"small\">{}</p>", e(x));
        }
        for ev in g.evidence.iter().take(3) {
            let _ = write!(h, "<p class=\"small\"><code>{}</code></p>", e(ev));
        }
        let _ = write!(h, "</div>");
    }
    let _ = write!(h, "</div></section>");
}

pub(super) fn scores(h: &mut String, r: &Report) {
    let _ = write!(h, "<section id=\"scores\"><h2>Scores</h2><div class=\"duo\"><figure>{}</figure><figure>{}</figure></div><table><thead><tr><th>area (L1)</th><th>weight ({})</th><th>score</th></tr></thead><tbody>", charts::radar(&r.areas), charts::groups(&r.areas), e(&r.profile));
    for a in &r.areas {
        let _ = write!(
            h,
            "<tr><td>{} {}</td><td class=\"num\">{:.0}</td><td class=\"num\">{}</td></tr>",
            e(&a.id),
            e(&a.name),
            a.weight,
            a.score.map(|s| format!("{:.1}%", s * 100.0)).unwrap_or_else(|| "not evaluated".into())
        );
    }
    let _ = write!(h, "</tbody></table></section>");
}

fn bar(score: Option<f64>) -> String {
    match score {
        Some(s) => format!(
            "<span class=\"scorebar\"><i style=\"width:{:.0}%\"></i></span>{:.2}",
            s * 100.0,
            s
        ),
        None => "—".into(),
    }
}

pub(super) fn indicators(h: &mut String, r: &Report) {
    let _ = write!(h, "<section id=\"indicators\"><h2>Indicators (L3)</h2><p class=\"small muted\">Score 1 at the target, 0 at or beyond the minimum, linear between. The source says where each threshold comes from; \"fed by\" lists the runs meant to measure the indicator (their scenario kind and purpose) and what each gave — the worst counts.</p><table class=\"wide\"><thead><tr><th>id</th><th>indicator</th><th>method</th><th>measured</th><th>target</th><th>minimum</th><th>score</th><th>source · evidence</th></tr></thead><tbody>");
    for a in &r.areas {
        let _ = write!(
            h,
            "<tr class=\"area\"><td colspan=\"8\">{} {} — {}</td></tr>",
            e(&a.id),
            e(&a.name),
            a.score.map(|s| format!("{:.1}%", s * 100.0)).unwrap_or_else(|| "not evaluated".into())
        );
        for g in &a.groups {
            for i in &g.indicators {
                let th =
                    |v: Option<f64>| v.map(|v| display(v, i.unit)).unwrap_or_else(|| "—".into());
                let mut src = e(&i.source);
                if let Some(x) = &i.reason {
                    let _ = write!(src, "<br><i>{}</i>", e(x));
                }
                for ev in &i.evidence {
                    let _ = write!(src, "<br><code>{}</code>", e(ev));
                }
                if !i.fed_by.is_empty() {
                    let _ = write!(src, "<br><span class=\"muted\">fed by: {}</span>", fed_by(i));
                }
                let method = serde_json::to_value(i.method)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                let _ = write!(
                    h,
                    "<tr{}><td data-h=\"id\">{}</td><td data-h=\"indicator\"><b>{}</b><br><span class=\"small muted\">{}</span></td><td data-h=\"method\">{}</td><td class=\"num\" data-h=\"measured\">{}</td><td class=\"num\" data-h=\"target\">{}</td><td class=\"num\" data-h=\"minimum\">{}</td><td class=\"num\" data-h=\"score\">{}</td><td class=\"small\" data-h=\"source\">{src}</td></tr>",
                    if i.evaluated { "" } else { " class=\"ne\"" },
                    e(&i.id),
                    e(&i.name),
                    e(&i.definition),
                    e(&method),
                    e(&i.display),
                    th(i.target),
                    th(i.minimum),
                    bar(i.score)
                );
            }
        }
    }
    let _ = write!(h, "</tbody></table></section>");
}

/// The runs that fed an indicator, with what each gave (`run 812 ms (0.80)`), escaped.
fn fed_by(i: &crate::model::IndicatorResult) -> String {
    let items: Vec<String> = i
        .fed_by
        .iter()
        .map(|f| {
            let score = f.score.map(|s| format!(" ({s:.2})")).unwrap_or_default();
            let worst = if i.run.as_deref() == Some(f.run.as_str()) && i.fed_by.len() > 1 {
                " ← counts"
            } else {
                ""
            };
            format!("{} {}{score}{worst}", e(&f.run), e(&f.display))
        })
        .collect();
    items.join("; ")
}

pub(super) fn criteria(h: &mut String, r: &Report) {
    if r.criteria.is_empty() {
        return;
    }
    let _ = write!(h, "<section id=\"criteria\"><h2>Scenario criteria</h2><table class=\"wide\"><thead><tr><th>run</th><th>criterion</th><th>target</th><th>measured</th><th>verdict</th></tr></thead><tbody>");
    for c in &r.criteria {
        let _ = write!(
            h,
            "<tr><td data-h=\"run\"><code>{}</code></td><td data-h=\"criterion\">{}</td><td data-h=\"target\">{}</td><td data-h=\"measured\">{}{}</td><td data-h=\"verdict\">{}</td></tr>",
            e(&c.run),
            e(&c.id),
            e(&c.target),
            e(&c.measured),
            c.note.as_ref().map(|n| format!("<br><i class=\"small\">{}</i>", e(n))).unwrap_or_default(),
            badge(if c.passed { GateStatus::Pass } else { GateStatus::Fail })
        );
    }
    let _ = write!(h, "</tbody></table></section>");
}

pub(super) fn run_charts(h: &mut String, r: &Report, c: &RunCharts) {
    let name = if r.charts.len() > 1 {
        format!(" — {} (<code>{}</code>)", e(&c.scenario), e(&c.run))
    } else {
        String::new()
    };
    let _ = write!(
        h,
        "<section id=\"charts-{}\"><h2>Measurements{name}</h2><div class=\"charts\">",
        e(&slug(&c.run))
    );
    if c.series.is_empty() {
        let _ = write!(h, "<p>No metrics were recorded for this run.</p>");
    } else {
        let _ = write!(
            h,
            "<figure>{}</figure><figure>{}</figure><figure>{}</figure>",
            charts::throughput(c),
            charts::latency_over_time(c),
            charts::cdf(c)
        );
    }
    match &c.consensus {
        Some(tl) => {
            let _ = write!(h, "<figure>{}</figure><p class=\"small muted\">From {} <code>cons.decide</code> lines of the trace; shaded: fault periods.</p>", charts::consensus(c, tl), tl.decide_lines);
        }
        None => {
            let _ = write!(h, "<p class=\"small muted\">No consensus timeline: the trace has no <code>cons.decide</code> events (the adapter does not export them, or the trace is missing).</p>");
        }
    }
    let _ = write!(h, "</div></section>");
}

/// A run's cross-chain settlement: transfers and their settlement times, the DvP pairs by
/// state, what is left unsettled, and the cross-chain findings.
pub(super) fn xchain(h: &mut String, r: &Report, x: &crate::model::XchainView) {
    use crate::xchain::quantile;
    let secs = |q: f64| {
        quantile(&x.latencies_ns, q)
            .map_or("—".to_string(), |ns| format!("{:.3} s", ns as f64 / 1e9))
    };
    let _ = write!(
        h,
        "<section id=\"xchain-{}\"><h2>Cross-chain settlement — {}</h2><table><tbody>\
         <tr><th>transfers (lock or burn committed)</th><td class=\"num\">{}</td></tr>\
         <tr><th>settled (mint or release committed)</th><td class=\"num\">{}</td></tr>\
         <tr><th>settlement times measured (transfers and DvP pairs)</th><td class=\"num\">{}</td></tr>\
         <tr><th>settlement time p50 / p90 / p99 / max</th><td class=\"num\">{} / {} / {} / {}</td></tr>\
         <tr><th>checker bound</th><td class=\"num\">{:.0} s</td></tr>",
        slug(&x.run),
        e(&x.run),
        x.transfers,
        x.settled,
        x.latencies_ns.len(),
        secs(0.5),
        secs(0.9),
        secs(0.99),
        secs(1.0),
        x.bound_ns as f64 / 1e9
    );
    for (state, n) in &x.pairs {
        let _ = write!(h, "<tr><th>DvP pairs {}</th><td class=\"num\">{n}</td></tr>", e(state));
    }
    h.push_str("</tbody></table>");
    if !x.latencies_ns.is_empty() {
        let _ = write!(h, "<figure>{}</figure>", charts::settlement_cdf(x));
    }
    if !x.pair_rows.is_empty() {
        let _ = write!(
            h,
            "<details><summary>Every DvP pair ({} shown)</summary><table class=\"wide\"><thead><tr><th>pair</th><th>state</th><th>legs</th><th>settlement time</th></tr></thead><tbody>",
            x.pair_rows.len()
        );
        for p in &x.pair_rows {
            let t =
                p.latency_ns.map_or("—".to_string(), |ns| format!("{:.3} s", ns as f64 / 1e9));
            let _ = write!(
                h,
                "<tr><td data-h=\"pair\">{}</td><td data-h=\"state\">{}</td><td data-h=\"legs\"><code>{}</code></td><td class=\"num\" data-h=\"settlement time\">{t}</td></tr>",
                e(&p.dvp),
                e(&p.state),
                e(&p.legs)
            );
        }
        h.push_str("</tbody></table></details>");
    }
    for (title, rows) in
        [("Transfers not settled", &x.pending), ("DvP pairs not settled", &x.unsettled_pairs)]
    {
        if !rows.is_empty() {
            let _ = write!(h, "<h3>{title}</h3><ul>");
            for l in rows {
                let _ = write!(h, "<li><code>{}</code></li>", e(l));
            }
            h.push_str("</ul>");
        }
    }
    let found: Vec<_> =
        r.findings.iter().filter(|f| f.run == x.run && f.property.starts_with("xchain_")).collect();
    if found.is_empty() {
        h.push_str("<p>No cross-chain finding.</p>");
    } else {
        let _ = write!(h, "<h3>Cross-chain findings</h3><ul>");
        for f in found {
            let at = match (&f.chain, f.height) {
                (Some(c), Some(ht)) => format!(" on {} at height {ht}", e(c)),
                (Some(c), None) => format!(" on {}", e(c)),
                (None, Some(ht)) => format!(" at height {ht}"),
                (None, None) => String::new(),
            };
            let _ = write!(h, "<li><b>{}</b>{at}: {}</li>", e(&f.property), e(&f.message));
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
}

pub(super) fn findings(h: &mut String, r: &Report) {
    let _ = write!(h, "<section id=\"findings\"><h2>Findings</h2>");
    if r.findings.is_empty() {
        let _ = write!(h, "<p>No finding: the checker found no violation of the properties it could evaluate.</p></section>");
        return;
    }
    for f in &r.findings {
        let mut at = String::new();
        if let Some(x) = f.height {
            let _ = write!(at, " at height {x}");
        }
        if let Some(x) = f.round {
            let _ = write!(at, " round {x}");
        }
        if let Some(c) = &f.chain {
            let _ = write!(at, " on chain {}", e(c));
        }
        let nodes = if f.nodes.is_empty() {
            String::new()
        } else {
            format!(" · nodes {}", e(&f.nodes.join(", ")))
        };
        let _ = write!(
            h,
            "<div class=\"finding\"><p><b>{}</b>{at}{nodes} · <code>{}</code></p><p>{}</p>",
            e(&f.property),
            e(&f.run),
            e(&f.message)
        );
        if !f.evidence.is_empty() {
            let _ = write!(h, "<pre>");
            for l in &f.evidence {
                let _ = write!(
                    h,
                    "<span class=\"ev\"><span>{:>7} │ </span>{}</span>",
                    l.line,
                    e(&l.text)
                );
            }
            let _ = write!(h, "</pre>");
        }
        if let Some(rp) = &f.replay {
            let _ = write!(h, "<p class=\"small\">replay: <code>{}</code></p>", e(rp));
        }
        let _ = write!(h, "</div>");
    }
    let _ = write!(h, "</section>");
}

pub(super) fn conformance(h: &mut String, r: &Report) {
    let _ = write!(h, "<section id=\"conformance\"><h2>Conformance matrix</h2>");
    if r.conformance.is_empty() {
        let _ = write!(h, "<p class=\"muted\">No compliance cases ran in this evaluation: indicators D1–D6 and E1–E2 are not evaluated.</p></section>");
        return;
    }
    let _ = write!(h, "<table class=\"wide\"><thead><tr><th>case</th><th>indicator</th><th>expected</th><th>observed</th><th>verdict</th><th>reason</th></tr></thead><tbody>");
    for c in &r.conformance {
        let _ = write!(
            h,
            "<tr><td data-h=\"case\">{}</td><td data-h=\"indicator\">{}</td><td data-h=\"expected\">{}</td><td data-h=\"observed\">{}</td><td data-h=\"verdict\">{}</td><td data-h=\"reason\">{}</td></tr>",
            e(&c.case),
            e(&c.indicator),
            e(&c.expected),
            e(&c.observed),
            badge(if c.passed { GateStatus::Pass } else { GateStatus::Fail }),
            e(c.reason.as_deref().unwrap_or(""))
        );
    }
    let _ = write!(h, "</tbody></table></section>");
}

pub(super) fn notes(h: &mut String, r: &Report) {
    if r.notes.is_empty() {
        return;
    }
    let _ = write!(h, "<section id=\"notes\"><h2>Notes</h2><ul>");
    for n in &r.notes {
        let _ = write!(h, "<li>{}</li>", e(n));
    }
    let _ = write!(h, "</ul></section>");
}
