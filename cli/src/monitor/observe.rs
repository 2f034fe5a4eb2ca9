//! The chain's vital signs from the trace lines as they pass: each node's finalized height,
//! new blocks and their transactions, rates, time since the last finalization, and the latency
//! of transactions whose submission and commit the trace shows. Only `cons.decide`,
//! `tx.submit` and `tx.result` lines are parsed here (the checker reads every line anyway).

use super::metrics::{Metrics, NodeLabel};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Submissions remembered for latency at most (a stream of submissions never answered cannot
/// grow the monitor): past it, the oldest half is forgotten.
const MAX_PENDING: usize = 100_000;
/// The window of the per-second rates.
const RATE_WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Observed {
    /// Each node's highest finalized height.
    pub nodes: BTreeMap<String, u64>,
    top: Option<u64>,
    last_final: Instant,
    samples: VecDeque<(Instant, u64, u64)>,
    pending: HashMap<String, (u64, u64)>,
    order: u64,
    pub blocks: u64,
    pub transactions: u64,
    pub blocks_rate: f64,
    pub transactions_rate: f64,
    pub since_finalization: f64,
    /// Whether any transaction latency was observed (the load is visible in the trace).
    pub load_observed: bool,
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

impl Observed {
    pub fn new(now: Instant) -> Observed {
        Observed {
            nodes: BTreeMap::new(),
            top: None,
            last_final: now,
            // The rate over the first seconds counts from the start.
            samples: VecDeque::from([(now, 0, 0)]),
            pending: HashMap::new(),
            order: 0,
            blocks: 0,
            transactions: 0,
            blocks_rate: 0.0,
            transactions_rate: 0.0,
            since_finalization: 0.0,
            load_observed: false,
        }
    }

    /// Takes in one trace line.
    pub fn line(&mut self, l: &[u8], now: Instant, m: &Metrics) {
        let kind = if find(l, b"\"cons.decide\"") {
            0
        } else if find(l, b"\"tx.submit\"") {
            1
        } else if find(l, b"\"tx.result\"") {
            2
        } else {
            return;
        };
        let Ok(v) = serde_json::from_slice::<Value>(l) else { return };
        let t = v.get("t_ns").and_then(Value::as_u64).unwrap_or(0);
        match (kind, v.get("kind").and_then(Value::as_str)) {
            (0, Some("cons.decide")) => self.decide(&v, now, m),
            (1, Some("tx.submit")) => {
                if let Some(tx) = v.get("tx").and_then(Value::as_str) {
                    self.submitted(tx, t);
                }
            }
            (2, Some("tx.result")) => {
                let committed = v.get("status").and_then(Value::as_str) == Some("committed");
                let tx = v.get("tx").and_then(Value::as_str).unwrap_or("");
                if let Some((sent, _)) = self.pending.remove(tx) {
                    if committed && t >= sent {
                        self.load_observed = true;
                        m.latency.0.observe((t - sent) as f64 / 1e9);
                    }
                }
            }
            _ => {}
        }
    }

    fn submitted(&mut self, tx: &str, t: u64) {
        if self.pending.len() >= MAX_PENDING {
            let cut = self.order - (MAX_PENDING as u64) / 2;
            self.pending.retain(|_, (_, o)| *o >= cut);
        }
        self.order += 1;
        self.pending.insert(tx.to_string(), (t, self.order));
    }

    fn decide(&mut self, v: &Value, now: Instant, m: &Metrics) {
        let (Some(node), Some(h)) =
            (v.get("node").and_then(Value::as_str), v.get("height").and_then(Value::as_u64))
        else {
            return;
        };
        let e = self.nodes.entry(node.to_string()).or_insert(h);
        if h > *e {
            *e = h;
        }
        m.finalized_height.get_or_create(&NodeLabel { node: node.to_string() }).set(*e as i64);
        if self.top.is_some_and(|top| h <= top) {
            return;
        }
        let new = self.top.map_or(1, |top| h - top);
        self.top = Some(h);
        let txs = v
            .get("tx_count")
            .and_then(Value::as_u64)
            .or_else(|| v.get("txs").and_then(Value::as_array).map(|a| a.len() as u64))
            .unwrap_or(0);
        self.blocks += new;
        self.transactions += txs;
        m.blocks.inc_by(new);
        m.transactions.inc_by(txs);
        self.last_final = now;
    }

    /// Rates, time since the last finalization, and each node's lag, as of `now`.
    pub fn tick(&mut self, now: Instant, m: &Metrics) {
        self.samples.push_back((now, self.blocks, self.transactions));
        while self.samples.len() > 2 && now.duration_since(self.samples[1].0) >= RATE_WINDOW {
            self.samples.pop_front();
        }
        let (t0, b0, x0) = self.samples[0];
        let dt = now.duration_since(t0).as_secs_f64();
        if dt > 0.0 {
            self.blocks_rate = (self.blocks - b0) as f64 / dt;
            self.transactions_rate = (self.transactions - x0) as f64 / dt;
        }
        self.since_finalization = now.duration_since(self.last_final).as_secs_f64();
        m.blocks_rate.set(self.blocks_rate);
        m.transactions_rate.set(self.transactions_rate);
        m.since_finalization.set(self.since_finalization);
        let top = self.nodes.values().copied().max().unwrap_or(0);
        for (node, h) in &self.nodes {
            m.head_lag.get_or_create(&NodeLabel { node: node.clone() }).set((top - h) as i64);
        }
    }

    /// Each node's height and lag behind the highest.
    pub fn node_rows(&self) -> Vec<(String, u64, u64)> {
        let top = self.nodes.values().copied().max().unwrap_or(0);
        self.nodes.iter().map(|(n, &h)| (n.clone(), h, top - h)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(node: &str, h: u64, txs: usize) -> Vec<u8> {
        let txs: Vec<String> = (0..txs).map(|i| format!("\"t{h}-{i}\"")).collect();
        format!(
            "{{\"kind\":\"cons.decide\",\"t_ns\":{h},\"node\":\"{node}\",\"height\":{h},\"block\":\"B{h}\",\"txs\":[{}]}}",
            txs.join(",")
        )
        .into_bytes()
    }

    #[allow(clippy::disallowed_methods)] // the observer is timed by the wall clock
    fn now() -> Instant {
        Instant::now()
    }

    #[test]
    fn a_new_height_counts_its_block_and_transactions_once_and_lag_is_behind_the_highest() {
        let (m, _r) = Metrics::registered();
        let t0 = now();
        let mut o = Observed::new(t0);
        o.line(&decide("n0", 1, 3), t0, &m);
        o.line(&decide("n1", 1, 3), t0, &m);
        o.line(&decide("n0", 2, 2), t0, &m);
        assert_eq!((o.blocks, o.transactions), (2, 5), "height 1 counted once");
        assert_eq!(m.blocks.get(), 2);
        o.tick(t0 + Duration::from_secs(1), &m);
        assert_eq!(o.node_rows(), vec![("n0".into(), 2, 0), ("n1".into(), 1, 1)]);
        let lag = m.head_lag.get_or_create(&NodeLabel { node: "n1".into() }).get();
        assert_eq!(lag, 1);
        assert!((o.since_finalization - 1.0).abs() < 1e-9);
        assert!(o.blocks_rate > 0.0);
    }

    #[test]
    fn a_committed_result_after_its_submission_is_a_latency_a_rejected_one_is_not() {
        let (m, _r) = Metrics::registered();
        let t0 = now();
        let mut o = Observed::new(t0);
        let submit = |tx: &str, t: u64| {
            format!("{{\"kind\":\"tx.submit\",\"t_ns\":{t},\"tx\":\"{tx}\",\"client\":\"c\",\"op\":\"transfer\"}}")
        };
        let result = |tx: &str, t: u64, status: &str| {
            format!(
                "{{\"kind\":\"tx.result\",\"t_ns\":{t},\"tx\":\"{tx}\",\"status\":\"{status}\"}}"
            )
        };
        o.line(submit("a", 1_000_000_000).as_bytes(), t0, &m);
        o.line(submit("b", 1_000_000_000).as_bytes(), t0, &m);
        o.line(result("a", 1_250_000_000, "committed").as_bytes(), t0, &m);
        o.line(result("b", 1_250_000_000, "rejected").as_bytes(), t0, &m);
        assert!(o.load_observed);
        let mut text = String::new();
        let (m2, mut reg) = (m.clone(), prometheus_client::registry::Registry::default());
        reg.register("lat", "", m2.latency.0.clone());
        prometheus_client::encoding::text::encode(&mut text, &reg).unwrap();
        assert!(text.contains("lat_count 1"), "{text}");
        assert!(text.contains("lat_sum 0.25"), "{text}");
        assert!(o.pending.is_empty());
    }
}
