//! The scenario script as written: every field optional, so that parsing never stops at the first
//! missing value and validation can report every problem with its location.
//!
//! [`KNOWN_KEYS`] lists the keys allowed at each table path; it drives the "did you mean" of
//! unknown-key errors and is kept next to the structs it describes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawScenario {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<RawNetwork>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<RawWorkload>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<RawFault>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criteria: Option<RawCriteria>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explore: Option<RawExplore>,
}

/// `[explore]` as written (see [`super::ExploreSpec`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawExplore {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_faults: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_faulty: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_byzantine: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviours: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawNetwork {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validators: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub powers: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg_cost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_cost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_messages: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_every: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<RawLink>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<RawLinkOverride>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byzantine: Vec<RawByzantine>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawLink {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reorder: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bandwidth_mbps: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawLinkOverride {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symmetric: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<RawLink>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawByzantine {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawWorkload {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_balance: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mix: Option<BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skew: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drain: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<RawPhase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, toml::Value>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawPhase {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<RawRate>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawRate {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawFault {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<RawLink>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawCriteria {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p50: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p90: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p99: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p999: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_max: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throughput_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_rate_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_max: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_bound: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gates: Option<Vec<String>>,
}

const LINK_KEYS: &[&str] = &[
    "latency",
    "distribution",
    "spread",
    "jitter",
    "loss",
    "duplicate",
    "reorder",
    "bandwidth_mbps",
];

/// Keys allowed at each table path (array indices removed), for unknown-key suggestions.
pub fn known_keys(path: &str) -> Vec<&'static str> {
    let v: &[&str] = match path {
        "" => &[
            "name",
            "description",
            "kind",
            "purpose",
            "network",
            "workload",
            "faults",
            "criteria",
            "explore",
        ],
        "network" => &[
            "validators",
            "protocol",
            "variant",
            "powers",
            "block_size",
            "block_interval",
            "timeout",
            "msg_cost",
            "tx_cost",
            "trace_messages",
            "snapshot_every",
            "link",
            "links",
            "byzantine",
        ],
        "network.link" | "faults.link" | "network.links.link" => LINK_KEYS,
        "network.links" => &["from", "to", "symmetric", "link"],
        "network.byzantine" => &["node", "behaviour", "delay"],
        "workload" => &[
            "program",
            "params",
            "accounts",
            "assets",
            "initial_balance",
            "amount_min",
            "amount_max",
            "mix",
            "skew",
            "clients",
            "timeout",
            "drain",
            "phases",
        ],
        "workload.phases" => &["name", "duration", "warmup", "rate"],
        "workload.phases.rate" => {
            &["type", "tps", "from", "to", "count", "at", "within", "concurrency"]
        }
        "faults" => &[
            "id",
            "at",
            "action",
            "nodes",
            "groups",
            "to",
            "duration",
            "rate",
            "behaviour",
            "delay",
            "link",
        ],
        "criteria" => &[
            "latency_p50",
            "latency_p90",
            "latency_p99",
            "latency_p999",
            "latency_max",
            "throughput_min",
            "success_rate_min",
            "completion_max",
            "liveness_bound",
            "gates",
        ],
        "explore" => &[
            "nodes",
            "actions",
            "max_faults",
            "from",
            "until",
            "min_duration",
            "max_duration",
            "max_faulty",
            "max_byzantine",
            "behaviours",
            "max_delay",
        ],
        _ => &[],
    };
    v.to_vec()
}
