//! The dashboard's state: what `/api/state` answers (JSON), rebuilt every tick.

use super::observe::Observed;
use super::SourceSpec;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Instant;
use touchstone_check::{LiveStatus, Property};

/// Latest findings shown on the dashboard.
const RECENT: usize = 20;

#[derive(Debug)]
pub struct DashState {
    source: String,
    recent: VecDeque<Value>,
    findings: u64,
}

impl DashState {
    pub fn new(s: &SourceSpec) -> DashState {
        let source = match s {
            SourceSpec::Stdin => "standard input".to_string(),
            SourceSpec::File(p) => format!("file {}", p.display()),
            SourceSpec::Tcp(a) => format!("tcp://{a}"),
            SourceSpec::Ethereum(c) => format!("ethereum ({})", c.source),
            SourceSpec::Managed(m) => {
                format!("{} network of {} (seed {})", m.adapter, m.scenario.name, m.seed)
            }
        };
        DashState { source, recent: VecDeque::new(), findings: 0 }
    }

    /// A finding (as recorded in `findings.jsonl`).
    pub fn finding(&mut self, rec: Value) {
        self.findings += 1;
        if self.recent.len() == RECENT {
            self.recent.pop_back();
        }
        self.recent.push_front(rec);
    }

    /// The JSON document of the dashboard now.
    pub fn render(
        &self,
        o: &Observed,
        status: &[(Property, LiveStatus)],
        lines: u64,
        rss: u64,
        epoch: Instant,
    ) -> String {
        let nodes: Vec<Value> = o
            .node_rows()
            .into_iter()
            .map(|(node, height, lag)| json!({"node": node, "height": height, "lag": lag}))
            .collect();
        let props: Vec<Value> =
            status.iter().map(|(p, s)| json!({"property": p.id(), "status": s.gauge()})).collect();
        json!({
            "source": self.source,
            "uptime_s": epoch.elapsed().as_secs_f64(),
            "lines": lines,
            "nodes": nodes,
            "blocks_total": o.blocks,
            "transactions_total": o.transactions,
            "blocks_per_second": o.blocks_rate,
            "transactions_per_second": o.transactions_rate,
            "seconds_since_last_finalization": o.since_finalization,
            "properties": props,
            "findings_total": self.findings,
            "findings": self.recent,
            "resident_memory_bytes": rss,
        })
        .to_string()
    }
}
