//! report.html: well-formed, self-contained, every chart a non-empty SVG with axis labels.

use super::support::*;
use touchstone_reports::synth::Synth;

const VOID: &[&str] =
    &["meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"];

/// A small well-formedness check: every non-void tag is closed in order; `<style>` is opaque.
pub fn check_well_formed(doc: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    let b = doc.as_bytes();
    let mut tags = 0;
    while let Some(off) = doc[i..].find('<') {
        let start = i + off;
        let end = start + doc[start..].find('>').ok_or(format!("unclosed '<' at byte {start}"))?;
        let inner = &doc[start + 1..end];
        i = end + 1;
        if inner.starts_with('!') || inner.starts_with('?') {
            continue;
        }
        tags += 1;
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> at byte {start} closes {other:?}")),
            }
            continue;
        }
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            return Err(format!("bad tag at byte {start}: {:?}", &inner[..inner.len().min(40)]));
        }
        if inner.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" {
            let close = doc[i..].find("</style>").ok_or("unclosed <style>")?;
            i += close + "</style>".len();
            continue;
        }
        stack.push(name);
        let _ = b;
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    Ok(tags)
}

fn svgs(doc: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(a) = rest.find("<svg") {
        let b = rest[a..].find("</svg>").expect("svg closed") + a + 6;
        out.push(&rest[a..b]);
        rest = &rest[b..];
    }
    out
}

#[test]
fn html_is_well_formed_self_contained_and_every_chart_has_axis_labels() {
    let (_t, dir) = synth_run(&Synth { fork_at: Some(8), ..Synth::small() });
    let r = score_dir(&dir, "regulator");
    let html = touchstone_reports::html::render(&r);
    let tags = check_well_formed(&html).unwrap_or_else(|e| panic!("malformed HTML: {e}"));
    assert!(tags > 500);
    for bad in ["<script", "http://", "https://", "<link", "@import", "src=\""] {
        let ok = !html.contains(bad)
            || (bad == "http://"
                && html
                    .matches("http://")
                    .all(|_| html.contains("xmlns=\"http://www.w3.org/2000/svg\"")));
        assert!(ok, "report.html must be self-contained, found {bad}");
    }
    let charts = svgs(&html);
    // radar, L2 bars, throughput, latency over time, CDF, consensus timeline.
    assert_eq!(charts.len(), 6, "six charts");
    for (i, s) in charts.iter().enumerate() {
        assert!(s.contains("viewBox"), "chart {i} scales");
        assert!(s.matches("<text").count() >= 5, "chart {i} has labels");
        assert!(
            s.contains("<path")
                || s.contains("<polyline")
                || s.contains("<rect")
                || s.contains("<polygon"),
            "chart {i} draws something"
        );
    }
    for label in [
        "time since run start (s)",
        "transactions per second (tx/s)",
        "latency (ms)",
        "latency (s, log scale)",
        "decided height (blocks)",
        "score (%)",
    ] {
        assert!(html.contains(label), "axis label {label:?}");
    }
    for r in ["1 s payment target", "5 s TIPS", "10 s SCT Inst", "20 s FedNow"] {
        assert!(html.contains(r), "CDF reference line {r}");
    }
    assert!(html.contains("n3 (Byzantine)"), "Byzantine node marked");
    assert!(html.contains("f0 crash n1"), "fault period labelled");
    for section in [
        "id=\"cover\"",
        "id=\"gates\"",
        "id=\"scores\"",
        "id=\"indicators\"",
        "id=\"findings\"",
        "id=\"conformance\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(html.contains("replay"));
    assert!(html.contains("@media print") && html.contains("@media (max-width"));
}

#[test]
fn long_runs_are_downsampled_and_say_so() {
    let (_t, dir) = synth_run(&Synth {
        seconds: 1300,
        tps: 2,
        block_interval_ns: 1_000_000_000,
        reject_every: 0,
        crash: None,
        ..Synth::small()
    });
    let r = score_dir(&dir, "vendor");
    let c = &r.charts[0];
    assert!(c.bucket_s > 1 && c.series.len() <= touchstone_reports::series::MAX_SERIES_POINTS);
    let tl = c.consensus.as_ref().unwrap();
    assert!(
        tl.downsampled
            && tl
                .nodes
                .iter()
                .all(|n| n.points.len() <= touchstone_reports::series::MAX_TIMELINE_POINTS + 1)
    );
    let html = touchstone_reports::html::render(&r);
    assert!(html.contains("downsampled"), "the chart says it is downsampled");
    check_well_formed(&html).unwrap();
}
