//! The cover's disclosure of each run and the findings with their quoted evidence.

use crate::input::{RunInput, MAX_FINDINGS_QUOTED, MAX_LINES_PER_FINDING};
use crate::model::{EvidenceLine, FindingView, RunDisclosure, ValidatorView};
use touchstone_core::adapter::FinalityRule;
use touchstone_core::time::format_duration;

/// What the cover says about one run.
pub fn disclosure(r: &RunInput) -> RunDisclosure {
    let rec = &r.record;
    let sys = &rec.adapter.system;
    let net = &rec.scenario.network;
    let topology = if rec.adapter.capabilities.virtual_time {
        let l = &net.link;
        let mut t = format!(
            "simulated: {} validators, link {} {} ± {}, jitter {}, loss {:.2}%",
            net.validators,
            l.latency.name(),
            format_duration(l.latency.mean()),
            format_duration(l.latency.spread()),
            format_duration(l.jitter),
            l.loss * 100.0
        );
        if !net.links.is_empty() {
            t.push_str(&format!(", {} link override(s)", net.links.len()));
        }
        if let Some(v) = &net.variant {
            t.push_str(&format!(", variant {v}"));
        }
        t
    } else {
        sys.details
            .iter()
            .filter(|(k, _)| k.contains("topology") || k.contains("link") || k.contains("endpoint"))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let env = &rec.environment;
    let hardware = format!(
        "{} {}, {} CPUs{}{}",
        env.os,
        env.arch,
        env.cpus,
        env.cpu_model.as_ref().map(|m| format!(" ({m})")).unwrap_or_default(),
        env.memory_bytes
            .map(|b| format!(", {:.1} GiB", b as f64 / (1u64 << 30) as f64))
            .unwrap_or_default()
    );
    let mut versions = vec![(rec.harness.name.clone(), rec.harness.version.clone())];
    versions.extend(
        sys.details
            .iter()
            .filter(|(k, _)| k.contains("version") || k.contains("client"))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    RunDisclosure {
        dir: r.label.clone(),
        scenario: rec.scenario.name.clone(),
        kind: rec.scenario.kind.clone(),
        description: rec.scenario.description.trim().to_string(),
        adapter: sys.adapter.clone(),
        protocol: sys.protocol.clone(),
        validators: sys
            .validators
            .iter()
            .map(|v| ValidatorView {
                id: v.id.clone(),
                power: v.power,
                byzantine: r.is_byzantine(&v.id),
            })
            .collect(),
        topology,
        hardware,
        versions,
        seed: rec.seed,
        scenario_sha256: rec.scenario.sha256.clone(),
        fingerprint: rec.trace.fingerprint.clone(),
        replay: rec.replay.clone(),
        status: serde_json::to_value(rec.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        duration_ns: rec.duration_ns,
        finality: finality(&rec.adapter.capabilities.finality),
        generator_fell_behind: rec.metrics.as_ref().map(|m| m.generator.fell_behind),
        started_at: env.started_at.clone(),
    }
}

fn finality(f: &FinalityRule) -> String {
    f.description.clone()
}

/// Findings of every run, with their evidence lines quoted from the trace.
pub fn findings(runs: &[RunInput]) -> Vec<FindingView> {
    let mut out = Vec::new();
    for r in runs {
        let Some(c) = &r.check else { continue };
        for f in c.findings.iter().take(MAX_FINDINGS_QUOTED) {
            let evidence = f
                .lines
                .iter()
                .take(MAX_LINES_PER_FINDING)
                .map(|n| EvidenceLine {
                    line: *n,
                    text: r
                        .trace
                        .as_ref()
                        .and_then(|t| t.evidence.get(n).cloned())
                        .unwrap_or_else(|| "(line not available: trace missing)".into()),
                })
                .collect();
            out.push(FindingView {
                run: r.label.clone(),
                property: f.property.clone(),
                nodes: f.nodes.clone(),
                height: f.height,
                round: f.round,
                message: f.message.clone(),
                replay: f.replay.clone().or_else(|| Some(r.record.replay.clone())),
                evidence,
                chain: f.chain.clone(),
            });
        }
    }
    out
}
