//! The node's command line (and the same fields from a TOML file), checked: loopback addresses
//! only, validator names `n0..n{N-1}` each present once.

use crate::identity::{parse_node_index, NodeName};
use clap::Parser;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Byzantine behaviours a node can be started with (in place of the honest engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ByzantineMode {
    /// commonware's `Conflicter`: notarizes and finalizes a random digest beside every real one.
    Conflicter,
    /// commonware's `Nuller`: answers every proposal with both `nullify` and `finalize`.
    Nuller,
    /// commonware's `Outdated`: re-signs proposals from a few views back.
    Outdated,
    /// commonware's `Impersonator`: sends votes signed under another validator's index.
    Impersonator,
    /// commonware's `NullifyOnly`: answers every proposal with `nullify`.
    NullifyOnly,
    /// Sends no consensus messages at all (still follows the finalized chain).
    Silent,
    /// When it leads, proposes two different batches and sends each, with a notarize vote for
    /// it, to one half of the peers.
    EquivocatingLeader,
}

impl ByzantineMode {
    /// The name used on the command line and in the trace's `behaviour`.
    pub fn name(self) -> &'static str {
        match self {
            ByzantineMode::Conflicter => "conflicter",
            ByzantineMode::Nuller => "nuller",
            ByzantineMode::Outdated => "outdated",
            ByzantineMode::Impersonator => "impersonator",
            ByzantineMode::NullifyOnly => "nullify-only",
            ByzantineMode::Silent => "silent",
            ByzantineMode::EquivocatingLeader => "equivocating-leader",
        }
    }
}

/// `touchstone-simplex-node`: one Simplex validator running Touchstone's ledger.
#[derive(Debug, Clone, Parser)]
#[command(name = "touchstone-simplex-node", version, about)]
pub struct Cli {
    /// A TOML file with any of the fields below (the command line wins where both are given).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// This validator's name, `n<i>`; its ed25519 key is derived from seed `i` (test keys).
    #[arg(long)]
    pub name: Option<String>,
    /// Address the p2p network listens on (loopback).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Every other validator and the address this node dials it at, `n1=127.0.0.1:7001`
    /// (repeat; a harness may give a proxy port per directed link).
    #[arg(long = "peer", value_parser = parse_peer)]
    pub peers: Vec<(String, SocketAddr)>,
    /// Address of the client endpoint for the harness (loopback).
    #[arg(long)]
    pub client: Option<SocketAddr>,
    /// Directory for the consensus journal, the finalized blocks and the trace.
    #[arg(long)]
    pub storage: Option<PathBuf>,
    /// Genesis file (JSON: accounts, assets, genesis), identical at every validator.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Trace file (JSON Lines, appended to); default `<storage>/trace.jsonl`.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Run a Byzantine behaviour instead of the honest engine.
    #[arg(long, value_enum)]
    pub byzantine: Option<ByzantineMode>,
    /// How long to wait for a leader's proposal before voting to nullify (ms).
    #[arg(long)]
    pub leader_timeout_ms: Option<u64>,
    /// Most transactions in one block.
    #[arg(long)]
    pub max_block_txs: Option<usize>,
    /// Heights after admission during which a transaction may still be included.
    #[arg(long)]
    pub tx_ttl_heights: Option<u64>,
}

fn parse_peer(s: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) =
        s.split_once('=').ok_or_else(|| format!("`{s}`: expected NAME=HOST:PORT"))?;
    let addr: SocketAddr = addr.parse().map_err(|e| format!("`{s}`: bad address: {e}"))?;
    Ok((name.to_string(), addr))
}

/// The same fields, from a TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    name: Option<String>,
    listen: Option<SocketAddr>,
    #[serde(default)]
    peers: std::collections::BTreeMap<String, SocketAddr>,
    client: Option<SocketAddr>,
    storage: Option<PathBuf>,
    genesis: Option<PathBuf>,
    trace: Option<PathBuf>,
    byzantine: Option<ByzantineMode>,
    leader_timeout_ms: Option<u64>,
    max_block_txs: Option<usize>,
    tx_ttl_heights: Option<u64>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing --{0}")]
    Missing(&'static str),
    #[error("{field}: {addr} is not a loopback address (this node only runs on 127.0.0.1 / ::1)")]
    NotLoopback { field: String, addr: SocketAddr },
    #[error("validator names must be n0..n{max}: {message}")]
    Names { max: usize, message: String },
    #[error("config file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0} must be positive")]
    Zero(&'static str),
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub me: NodeName,
    /// Every validator (including this one) with the address this node dials it at (its own
    /// entry is its listen address); index = node index.
    pub addresses: Vec<SocketAddr>,
    pub listen: SocketAddr,
    pub client: SocketAddr,
    pub storage: PathBuf,
    pub genesis: PathBuf,
    pub trace: PathBuf,
    pub byzantine: Option<ByzantineMode>,
    pub leader_timeout: Duration,
    pub max_block_txs: usize,
    pub tx_ttl_heights: u64,
}

impl NodeConfig {
    /// Merges the file (if any) under the command line and checks the result.
    pub fn from_cli(cli: Cli) -> Result<NodeConfig, ConfigError> {
        let file = match &cli.config {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        let mut peers: Vec<(String, SocketAddr)> = file.peers.into_iter().collect();
        for (n, a) in cli.peers {
            peers.retain(|(m, _)| *m != n);
            peers.push((n, a));
        }
        let name = cli.name.or(file.name).ok_or(ConfigError::Missing("name"))?;
        let listen = cli.listen.or(file.listen).ok_or(ConfigError::Missing("listen"))?;
        let client = cli.client.or(file.client).ok_or(ConfigError::Missing("client"))?;
        let storage = cli.storage.or(file.storage).ok_or(ConfigError::Missing("storage"))?;
        let genesis = cli.genesis.or(file.genesis).ok_or(ConfigError::Missing("genesis"))?;
        let trace = cli.trace.or(file.trace).unwrap_or_else(|| storage.join("trace.jsonl"));
        let leader_timeout_ms = cli.leader_timeout_ms.or(file.leader_timeout_ms).unwrap_or(1000);
        let max_block_txs = cli.max_block_txs.or(file.max_block_txs).unwrap_or(2000);
        let tx_ttl_heights = cli.tx_ttl_heights.or(file.tx_ttl_heights).unwrap_or(1000);
        if leader_timeout_ms == 0 {
            return Err(ConfigError::Zero("leader_timeout_ms"));
        }
        if max_block_txs == 0 {
            return Err(ConfigError::Zero("max_block_txs"));
        }
        if tx_ttl_heights == 0 {
            return Err(ConfigError::Zero("tx_ttl_heights"));
        }
        loopback("listen", listen)?;
        loopback("client", client)?;
        for (n, a) in &peers {
            loopback(&format!("peer {n}"), *a)?;
        }
        let me = NodeName::parse(&name).ok_or_else(|| ConfigError::Names {
            max: peers.len(),
            message: format!("`{name}` is not of the form n<i>"),
        })?;
        let addresses = order_addresses(me, listen, &peers)?;
        Ok(NodeConfig {
            me,
            addresses,
            listen,
            client,
            storage,
            genesis,
            trace,
            byzantine: cli.byzantine.or(file.byzantine),
            leader_timeout: Duration::from_millis(leader_timeout_ms),
            max_block_txs,
            tx_ttl_heights,
        })
    }

    /// Number of validators.
    pub fn validators(&self) -> usize {
        self.addresses.len()
    }
}

fn read_file(p: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| ConfigError::File { path: p.to_path_buf(), message: e.to_string() })?;
    toml::from_str(&text)
        .map_err(|e| ConfigError::File { path: p.to_path_buf(), message: e.to_string() })
}

fn loopback(field: &str, addr: SocketAddr) -> Result<(), ConfigError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(ConfigError::NotLoopback { field: field.to_string(), addr })
    }
}

/// Validators `n0..n{N-1}`: this node plus its peers, each exactly once.
fn order_addresses(
    me: NodeName,
    listen: SocketAddr,
    peers: &[(String, SocketAddr)],
) -> Result<Vec<SocketAddr>, ConfigError> {
    let n = peers.len() + 1;
    let err = |message: String| ConfigError::Names { max: n - 1, message };
    let mut slots: Vec<Option<SocketAddr>> = vec![None; n];
    let mut put = |name: &str, addr: SocketAddr| -> Result<(), ConfigError> {
        let i = parse_node_index(name).ok_or_else(|| err(format!("`{name}` is not n<i>")))?;
        let slot = slots.get_mut(i).ok_or_else(|| err(format!("`{name}` is out of range")))?;
        if slot.is_some() {
            return Err(err(format!("`{name}` is given twice")));
        }
        *slot = Some(addr);
        Ok(())
    };
    put(&me.to_string(), listen)?;
    for (name, addr) in peers {
        put(name, *addr)?;
    }
    Ok(slots
        .into_iter()
        .map(|s| s.expect("every slot filled: n names in 0..n, no repeats"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut v = vec!["touchstone-simplex-node"];
        v.extend_from_slice(args);
        Cli::parse_from(v)
    }

    const BASE: [&str; 12] = [
        "--name",
        "n1",
        "--listen",
        "127.0.0.1:7001",
        "--client",
        "127.0.0.1:8001",
        "--storage",
        "/tmp/x",
        "--genesis",
        "/tmp/g.json",
        "--peer",
        "n0=127.0.0.1:7000",
    ];

    #[test]
    fn peers_are_ordered_by_node_index_with_the_listen_address_in_our_slot() {
        let mut a = BASE.to_vec();
        a.extend(["--peer", "n2=127.0.0.1:9102"]);
        let c = NodeConfig::from_cli(cli(&a)).unwrap();
        assert_eq!(c.me.index(), 1);
        let ports: Vec<u16> = c.addresses.iter().map(|a| a.port()).collect();
        assert_eq!(ports, vec![7000, 7001, 9102]);
        assert_eq!(c.trace, PathBuf::from("/tmp/x/trace.jsonl"));
    }

    #[test]
    fn a_config_file_gives_the_same_fields_and_the_command_line_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n0.toml");
        std::fs::write(
            &path,
            r#"
name = "n0"
listen = "127.0.0.1:7000"
client = "127.0.0.1:8000"
storage = "/tmp/s0"
genesis = "/tmp/g.json"
byzantine = "equivocating-leader"
leader_timeout_ms = 300
[peers]
n1 = "127.0.0.1:7101"
n2 = "127.0.0.1:7102"
"#,
        )
        .unwrap();
        let p = path.display().to_string();
        let c =
            NodeConfig::from_cli(cli(&["--config", &p, "--peer", "n2=127.0.0.1:9202"])).unwrap();
        let ports: Vec<u16> = c.addresses.iter().map(|a| a.port()).collect();
        assert_eq!(ports, vec![7000, 7101, 9202]);
        assert_eq!(c.byzantine, Some(ByzantineMode::EquivocatingLeader));
        assert_eq!(c.leader_timeout, Duration::from_millis(300));
        std::fs::write(&path, "name = \"n0\"\nlisten_on = \"127.0.0.1:1\"\n").unwrap();
        let e = NodeConfig::from_cli(cli(&["--config", &p])).unwrap_err();
        assert!(e.to_string().contains("listen_on"), "{e}");
    }

    #[test]
    fn a_non_loopback_address_is_refused() {
        let mut a = BASE.to_vec();
        a.extend(["--peer", "n2=10.0.0.1:7002"]);
        let e = NodeConfig::from_cli(cli(&a)).unwrap_err();
        assert!(matches!(e, ConfigError::NotLoopback { .. }), "{e}");
    }

    #[test]
    fn a_gap_or_a_repeat_in_the_names_is_refused() {
        let mut a = BASE.to_vec();
        a.extend(["--peer", "n3=127.0.0.1:7003"]);
        assert!(NodeConfig::from_cli(cli(&a)).is_err());
        let mut a = BASE.to_vec();
        a.extend(["--peer", "n1=127.0.0.1:7003"]);
        let e = NodeConfig::from_cli(cli(&a)).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }
}
