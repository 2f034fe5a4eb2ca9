//! The adapter's configuration file (`--adapter-config FILE`, TOML). Every error names the file
//! and the field. Without a file the adapter starts a managed anvil with the defaults below.

use crate::keys::Key;
use crate::tx::TxType;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use touchstone_core::time::{parse_duration, NS_PER_MS, NS_PER_S};

/// anvil's (and hardhat's) first dev account: a published test key, funded on every fresh anvil.
pub const ANVIL_DEV_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// The file as written: every field optional, unknown fields refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    managed: Option<bool>,
    endpoint: Option<String>,
    endpoints: Option<Vec<toml::Value>>,
    anvil: Option<String>,
    block_time: Option<String>,
    block_gas_limit: Option<u64>,
    persist_state: Option<bool>,
    anvil_args: Option<Vec<String>>,
    chain_id: Option<u64>,
    funding_key: Option<String>,
    asset: Option<String>,
    tx_type: Option<String>,
    gas_price: Option<toml::Value>,
    priority_fee: Option<u64>,
    tx_gas_limit: Option<u64>,
    gas_reserve_txs: Option<u64>,
    confirmations: Option<u64>,
    poll_interval: Option<String>,
    connect_timeout: Option<String>,
    http_timeout: Option<String>,
    startup_timeout: Option<String>,
    prepare_timeout: Option<String>,
    node_down_timeout: Option<String>,
    max_batch: Option<usize>,
    flush_interval: Option<String>,
    send_workers: Option<usize>,
    queue_capacity: Option<usize>,
    max_in_flight: Option<usize>,
    ws: Option<String>,
    receipts: Option<String>,
    verify_receipts: Option<usize>,
    receipt_workers: Option<usize>,
    receipt_timeout: Option<String>,
    presign: Option<bool>,
    presign_max: Option<usize>,
    wake_granularity: Option<String>,
}

/// Where the node is.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeMode {
    /// The adapter starts anvil on 127.0.0.1 on a free port, owns it, and can fault it.
    Managed(ManagedNode),
    /// Endpoints someone else runs (each one observed node of one network): no faults.
    External { endpoints: Vec<Endpoint> },
}

/// One observed node: its id in the trace and its JSON-RPC URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
}

/// How new heads are noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadsMode {
    /// A WebSocket `newHeads` subscription on the endpoint's port when it offers one, else polling.
    Auto,
    /// `eth_blockNumber` every `poll_interval`.
    Poll,
}

/// Where a transaction's status and fee come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptMode {
    /// From the block, where the protocol fixes them (see the crate docs), with a sample of
    /// receipts per block compared against it.
    Verify,
    /// A receipt for every transaction, fetched in parallel batches.
    Every,
}

/// How to run a managed anvil.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedNode {
    /// Explicit binary; `None` = `$TOUCHSTONE_ANVIL`, the workspace's `tools/anvil`, or `PATH`.
    pub anvil: Option<PathBuf>,
    /// Interval mining (`--block-time`, whole seconds or fractions); `None` = automine.
    pub block_time: Option<Duration>,
    pub block_gas_limit: Option<u64>,
    /// Keep the chain across a crash (`--state FILE --state-interval 1`).
    pub persist_state: bool,
    pub extra_args: Vec<String>,
}

/// The fee rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GasPrice {
    /// Twice the node's `eth_gasPrice` when the run starts, fixed for the run.
    Auto,
    Wei(u128),
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from (for messages), or `<defaults>`.
    pub source: String,
    pub node: NodeMode,
    pub chain_id: Option<u64>,
    pub funding_key: Key,
    pub asset: String,
    pub tx_type: TxType,
    pub gas_price: GasPrice,
    pub priority_fee: u128,
    pub tx_gas_limit: u64,
    /// Transactions' worth of fees given to each account on top of its initial balance;
    /// `None` = the scenario's whole scheduled load (a safe upper bound).
    pub gas_reserve_txs: Option<u64>,
    pub confirmations: u64,
    pub poll_interval: Duration,
    pub connect_timeout: Duration,
    pub http_timeout: Duration,
    pub startup_timeout: Duration,
    pub prepare_timeout: Duration,
    pub node_down_timeout: Duration,
    pub max_batch: usize,
    pub flush_interval: Duration,
    /// Sender threads; accounts are split between them (account `i` to thread `i % n`).
    pub send_workers: usize,
    /// Transactions queued between `submit` and the sender threads; `submit` waits when full.
    pub queue_capacity: usize,
    /// Transactions tracked at most (sent, outcome not yet reported); beyond, new ones wait in
    /// the queue.
    pub max_in_flight: usize,
    pub heads: HeadsMode,
    pub receipts: ReceiptMode,
    /// Receipts read per block to check what was derived from it (`ReceiptMode::Verify`).
    pub verify_receipts: usize,
    /// Threads (each with its own connection) that fetch receipts.
    pub receipt_workers: usize,
    /// How long a receipt may take before the transaction's status is reported unknown.
    pub receipt_timeout: Duration,
    /// Sign the scenario's transactions before the clock starts.
    pub presign: bool,
    /// Transactions signed ahead at most (the memory budget; see the crate docs).
    pub presign_max: usize,
    /// The shortest sleep of the engine's thread between sends: sends due closer together go
    /// out together, up to this late (their latency still counts from their intended time).
    pub wake_granularity: Duration,
}

/// A configuration error: the file, the field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub field: String,
    pub message: String,
}

impl Config {
    /// The defaults: a managed anvil with automine, its first dev account as the funder.
    pub fn managed_default() -> Config {
        Config::from_raw(RawConfig { managed: Some(true), ..Default::default() }, "<defaults>")
            .expect("defaults are valid")
    }

    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            field: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, &file)
    }

    /// Parses and validates `text`, naming `file` in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            // The field is the key of the line the error points at.
            let (field, line) = match e.span() {
                Some(span) => {
                    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
                    let line_text = text[start..].lines().next().unwrap_or("");
                    let key = line_text.split_once('=').map(|(k, _)| k.trim().to_string());
                    (key, Some(text[..span.start].matches('\n').count() + 1))
                }
                None => (None, None),
            };
            let message = match line {
                Some(l) => format!("{} (line {l})", e.message()),
                None => e.message().to_string(),
            };
            ConfigError {
                file: file.into(),
                field: field.filter(|f| !f.is_empty()).unwrap_or_else(|| "(syntax)".into()),
                message,
            }
        })?;
        Config::from_raw(raw, file)
    }

    fn from_raw(r: RawConfig, file: &str) -> Result<Config, ConfigError> {
        let err = |field: &str, message: String| ConfigError {
            file: file.into(),
            field: field.into(),
            message,
        };
        let dur =
            |field: &str, v: &Option<String>, default_ns: u64| -> Result<Duration, ConfigError> {
                match v {
                    None => Ok(Duration::from_nanos(default_ns)),
                    Some(s) => parse_duration(s)
                        .map(Duration::from_nanos)
                        .map_err(|e| err(field, e.to_string())),
                }
            };
        let endpoints = parse_endpoints(&r, &err)?;
        let managed = r.managed.unwrap_or(endpoints.is_empty());
        let node = match (managed, endpoints.is_empty()) {
            (true, false) => return Err(err("endpoint", "set either `managed = true` or `endpoint`/`endpoints`, not both".into())),
            (false, true) => return Err(err("endpoint", "missing: the node's JSON-RPC URL, e.g. \"http://127.0.0.1:8545\" (or set `managed = true`)".into())),
            (false, false) => {
                for f in [("block_time", r.block_time.is_some()), ("block_gas_limit", r.block_gas_limit.is_some()), ("anvil", r.anvil.is_some()), ("persist_state", r.persist_state.is_some()), ("anvil_args", r.anvil_args.is_some())] {
                    if f.1 {
                        return Err(err(f.0, "only applies to a managed anvil (`managed = true`)".into()));
                    }
                }
                NodeMode::External { endpoints }
            }
            (true, true) => {
                let block_time = match &r.block_time {
                    None => None,
                    Some(s) => {
                        let ns = parse_duration(s).map_err(|e| err("block_time", e.to_string()))?;
                        if ns == 0 || ns % NS_PER_S != 0 {
                            return Err(err("block_time", format!("{s:?}: whole seconds (anvil's pause and resume take seconds), e.g. \"1s\"")));
                        }
                        Some(Duration::from_nanos(ns))
                    }
                };
                NodeMode::Managed(ManagedNode {
                    anvil: r.anvil.clone().map(PathBuf::from),
                    block_time,
                    block_gas_limit: r.block_gas_limit,
                    persist_state: r.persist_state.unwrap_or(true),
                    extra_args: r.anvil_args.clone().unwrap_or_default(),
                })
            }
        };
        let funding_key = match (&r.funding_key, &node) {
            (Some(k), _) => Key::from_hex(k).ok_or_else(|| {
                err(
                    "funding_key",
                    "not a secp256k1 private key: 32 bytes of hex, e.g. \"0xac09…ff80\"".into(),
                )
            })?,
            (None, NodeMode::Managed(_)) => Key::from_hex(ANVIL_DEV_KEY).expect("known key"),
            (None, NodeMode::External { .. }) => {
                return Err(err(
                    "funding_key",
                    "missing: the private key of a funded account on that chain".into(),
                ))
            }
        };
        let tx_type = match r.tx_type.as_deref().unwrap_or("legacy") {
            "legacy" => TxType::Legacy,
            "eip1559" => TxType::Eip1559,
            other => {
                return Err(err("tx_type", format!("{other:?}: one of \"legacy\", \"eip1559\"")))
            }
        };
        let gas_price =
            match &r.gas_price {
                None => GasPrice::Auto,
                Some(toml::Value::String(s)) if s == "auto" => GasPrice::Auto,
                Some(toml::Value::String(s)) if s.trim().ends_with("gwei") => {
                    let n: f64 =
                        s.trim().trim_end_matches("gwei").trim().parse().map_err(|_| {
                            err("gas_price", format!("{s:?}: write e.g. \"2gwei\""))
                        })?;
                    GasPrice::Wei((n * 1e9) as u128)
                }
                Some(toml::Value::Integer(n)) if *n > 0 => GasPrice::Wei(*n as u128),
                Some(v) => {
                    return Err(err(
                        "gas_price",
                        format!("{v}: \"auto\", a positive integer in wei, or e.g. \"2gwei\""),
                    ))
                }
            };
        let priority_fee = r.priority_fee.unwrap_or(1_000_000_000) as u128;
        if let GasPrice::Wei(p) = gas_price {
            if tx_type == TxType::Eip1559 && priority_fee > p {
                return Err(err(
                    "priority_fee",
                    format!("{priority_fee} exceeds gas_price {p} (the fee cap)"),
                ));
            }
        }
        let tx_gas_limit = r.tx_gas_limit.unwrap_or(21_000);
        if tx_gas_limit < 21_000 {
            return Err(err(
                "tx_gas_limit",
                format!("{tx_gas_limit} is below the 21000 a transfer needs"),
            ));
        }
        let max_batch = r.max_batch.unwrap_or(256);
        if max_batch == 0 {
            return Err(err("max_batch", "must be at least 1".into()));
        }
        let positive = |field: &str, v: Option<usize>, default: usize| match v {
            Some(0) => Err(err(field, "must be at least 1".into())),
            Some(n) => Ok(n),
            None => Ok(default),
        };
        let send_workers = positive("send_workers", r.send_workers, 2)?;
        let queue_capacity = positive("queue_capacity", r.queue_capacity, 16_384)?;
        let max_in_flight = positive("max_in_flight", r.max_in_flight, 50_000)?;
        let asset = r.asset.clone().unwrap_or_else(|| "ETH".into());
        let heads = match r.ws.as_deref().unwrap_or("auto") {
            "auto" => HeadsMode::Auto,
            "off" => HeadsMode::Poll,
            other => {
                return Err(err(
                    "ws",
                    format!(
                    "{other:?}: \"auto\" (subscribe to newHeads where offered) or \"off\" (poll)"
                ),
                ))
            }
        };
        let receipts = match r.receipts.as_deref().unwrap_or("verify") {
            "verify" => ReceiptMode::Verify,
            "every" => ReceiptMode::Every,
            other => return Err(err("receipts", format!("{other:?}: \"verify\" (status and fee from the block, a sample of receipts checked) or \"every\""))),
        };
        if receipts == ReceiptMode::Verify && tx_gas_limit != 21_000 {
            return Err(err("receipts", format!("\"verify\" needs tx_gas_limit = 21000 (then a transfer's gas used is fixed); with {tx_gas_limit} write receipts = \"every\"")));
        }
        let receipt_workers = positive("receipt_workers", r.receipt_workers, 2)?;
        let presign_max = positive("presign_max", r.presign_max, 200_000)?;
        Ok(Config {
            source: file.into(),
            node,
            chain_id: r.chain_id,
            funding_key,
            asset,
            tx_type,
            gas_price,
            priority_fee,
            tx_gas_limit,
            gas_reserve_txs: r.gas_reserve_txs,
            confirmations: r.confirmations.unwrap_or(0),
            poll_interval: dur("poll_interval", &r.poll_interval, 20 * NS_PER_MS)?,
            connect_timeout: dur("connect_timeout", &r.connect_timeout, 2 * NS_PER_S)?,
            http_timeout: dur("http_timeout", &r.http_timeout, 10 * NS_PER_S)?,
            startup_timeout: dur("startup_timeout", &r.startup_timeout, 20 * NS_PER_S)?,
            prepare_timeout: dur("prepare_timeout", &r.prepare_timeout, 120 * NS_PER_S)?,
            node_down_timeout: dur("node_down_timeout", &r.node_down_timeout, 10 * NS_PER_S)?,
            max_batch,
            flush_interval: dur("flush_interval", &r.flush_interval, 10 * NS_PER_MS)?,
            send_workers,
            queue_capacity,
            max_in_flight,
            heads,
            receipts,
            verify_receipts: r.verify_receipts.unwrap_or(4),
            receipt_workers,
            receipt_timeout: dur("receipt_timeout", &r.receipt_timeout, 30 * NS_PER_S)?,
            presign: r.presign.unwrap_or(true),
            presign_max,
            wake_granularity: dur("wake_granularity", &r.wake_granularity, NS_PER_MS)?,
        })
    }
}

impl Config {
    /// The observed nodes' ids, in endpoint order (`n0` for a managed anvil).
    pub fn node_ids(&self) -> Vec<String> {
        match &self.node {
            NodeMode::Managed(_) => vec!["n0".into()],
            NodeMode::External { endpoints } => endpoints.iter().map(|e| e.id.clone()).collect(),
        }
    }
}

/// `endpoint = URL` or `endpoints = [URL | {id, url}, ...]`; ids default to `n0`, `n1`, ….
fn parse_endpoints(
    r: &RawConfig,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Vec<Endpoint>, ConfigError> {
    let mut out: Vec<Endpoint> = Vec::new();
    match (&r.endpoint, &r.endpoints) {
        (Some(_), Some(_)) => {
            return Err(err(
                "endpoints",
                "set `endpoint` (one node) or `endpoints` (several), not both".into(),
            ))
        }
        (Some(url), None) => out.push(Endpoint { id: "n0".into(), url: url.clone() }),
        (None, Some(list)) => {
            for (i, v) in list.iter().enumerate() {
                let (id, url) = match v {
                    toml::Value::String(u) => (format!("n{i}"), u.clone()),
                    toml::Value::Table(t) => {
                        let get = |k: &str| t.get(k).and_then(|v| v.as_str()).map(String::from);
                        match (get("id"), get("url")) {
                            (Some(id), Some(url)) if t.len() == 2 => (id, url),
                            _ => return Err(err("endpoints", format!("entry {i}: a URL string or {{ id = \"…\", url = \"http://…\" }}"))),
                        }
                    }
                    _ => {
                        return Err(err(
                            "endpoints",
                            format!(
                                "entry {i}: a URL string or {{ id = \"…\", url = \"http://…\" }}"
                            ),
                        ))
                    }
                };
                if out.iter().any(|e| e.id == id) {
                    return Err(err("endpoints", format!("node id {id:?} appears twice")));
                }
                out.push(Endpoint { id, url });
            }
            if out.is_empty() {
                return Err(err("endpoints", "empty: list at least one URL".into()));
            }
        }
        (None, None) => {}
    }
    let field = if r.endpoints.is_some() { "endpoints" } else { "endpoint" };
    for e in &out {
        if !e.url.starts_with("http://") {
            return Err(err(field, format!("{:?}: only plain http:// endpoints are supported (no TLS; the WebSocket for new heads is found on the same port)", e.url)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_anvil_config_parses() {
        let text = include_str!("../anvil.toml");
        let c = Config::parse(text, "anvil.toml").unwrap();
        let NodeMode::Managed(m) = &c.node else { panic!("anvil.toml is managed") };
        assert_eq!(m.block_time, Some(Duration::from_secs(1)));
        assert_eq!(c.funding_key.address.to_string(), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    }

    #[test]
    fn config_errors_name_the_file_and_field() {
        let e = Config::parse("managed = true\nblock_tme = \"1s\"\n", "x.toml").unwrap_err();
        assert_eq!(e.file, "x.toml");
        assert!(e.to_string().contains("block_tme"), "{e}");
        let e = Config::parse("managed = true\nconfirmations = \"two\"\n", "x.toml").unwrap_err();
        assert_eq!(e.field, "confirmations");
        assert!(e.message.contains("line 2"), "{e}");
        let e = Config::parse("endpoint = \"http://127.0.0.1:8545\"\n", "y.toml").unwrap_err();
        assert_eq!((e.file.as_str(), e.field.as_str()), ("y.toml", "funding_key"));
        let e = Config::parse("endpoint = \"https://x\"\nfunding_key = \"0x01\"\n", "z.toml")
            .unwrap_err();
        assert_eq!(e.field, "endpoint");
        let e = Config::parse("managed = true\nblock_time = \"soon\"\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "block_time");
        let e = Config::parse("managed = true\ntx_type = \"blob\"\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "tx_type");
        let e = Config::parse("managed = true\nfunding_key = \"0x1234\"\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "funding_key");
        let e = Config::parse("managed = true\nendpoint = \"http://a\"\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "endpoint");
        let e = Config::parse("managed = true\nsend_workers = 0\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "send_workers");
        let e = Config::parse("managed = true\nqueue_capacity = 0\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "queue_capacity");
        let e = Config::parse("managed = true\nreceipts = \"some\"\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "receipts");
        let e = Config::parse("managed = true\ntx_gas_limit = 30000\n", "z.toml").unwrap_err();
        assert_eq!(e.field, "receipts", "{e}");
    }

    #[test]
    fn several_endpoints_are_several_observed_nodes() {
        let key = format!("funding_key = \"{ANVIL_DEV_KEY}\"\n");
        let c = Config::parse(
            &format!(
                "endpoints = [\"http://a:1\", {{ id = \"geth\", url = \"http://b:2\" }}]\n{key}"
            ),
            "e.toml",
        )
        .unwrap();
        assert_eq!(c.node_ids(), ["n0", "geth"]);
        let NodeMode::External { endpoints } = &c.node else { panic!("external") };
        assert_eq!(endpoints[1].url, "http://b:2");
        let one = Config::parse(&format!("endpoint = \"http://a:1\"\n{key}"), "e.toml").unwrap();
        assert_eq!(one.node_ids(), ["n0"]);
        let e = Config::parse(
            &format!(
                "endpoints = [\"http://a:1\", {{ id = \"n0\", url = \"http://b:2\" }}]\n{key}"
            ),
            "e.toml",
        )
        .unwrap_err();
        assert!(e.message.contains("twice"), "{e}");
        let e = Config::parse(&format!("endpoints = [\"ws://a:1\"]\n{key}"), "e.toml").unwrap_err();
        assert_eq!(e.field, "endpoints");
        let e = Config::parse(&format!("endpoint = \"http://a\"\nendpoints = []\n{key}"), "e.toml")
            .unwrap_err();
        assert_eq!(e.field, "endpoints");
    }

    #[test]
    fn gas_price_accepts_auto_wei_and_gwei() {
        let g = |v: &str| {
            Config::parse(&format!("managed = true\ngas_price = {v}\n"), "g").map(|c| c.gas_price)
        };
        assert_eq!(g("\"auto\"").unwrap(), GasPrice::Auto);
        assert_eq!(g("1000").unwrap(), GasPrice::Wei(1000));
        assert_eq!(g("\"2gwei\"").unwrap(), GasPrice::Wei(2_000_000_000));
        assert!(g("-1").is_err());
        assert!(g("\"cheap\"").is_err());
    }

    #[test]
    fn defaults_are_a_managed_automine_anvil() {
        let c = Config::managed_default();
        assert!(matches!(
            c.node,
            NodeMode::Managed(ManagedNode { block_time: None, persist_state: true, .. })
        ));
        assert_eq!(c.confirmations, 0);
        assert_eq!(c.asset, "ETH");
    }
}
