//! The validator processes of one run and where they live: a storage directory (temporary,
//! removed after the run, unless the configuration names one to keep), a genesis file every
//! node reads, loopback ports, and each node's command line.
//!
//! ```text
//! <storage>/genesis.json     the same at every validator
//! <storage>/n<i>/            node i's journal, finalized blocks and trace.jsonl
//! <storage>/n<i>.log         node i's stderr (appended across restarts)
//! ```

use crate::client::{Cmd, Health, NodeClient};
use crate::modes::NodeMode;
use crate::process::{NodeProcess, NodeState};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;
use touchstone_core::adapter::Setup;
use touchstone_core::ledger::Genesis;
use touchstone_core::scenario::AssetSpec;
use touchstone_core::time::{Clock, Nanos, WallClock};

/// What every node is started with beside its own addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeParams {
    pub leader_timeout_ms: u64,
    pub max_block_txs: usize,
    pub tx_ttl_heights: Option<u64>,
    /// `RUST_LOG` of the nodes.
    pub log: String,
}

/// Where the storage is: a temporary directory (removed on drop) or one kept.
#[derive(Debug)]
enum Storage {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl Storage {
    fn path(&self) -> &Path {
        match self {
            Storage::Temp(t) => t.path(),
            Storage::Kept(p) => p,
        }
    }
}

/// The genesis file's content (the node's `GenesisFile`).
#[derive(Serialize)]
struct GenesisOut<'a> {
    accounts: &'a [String],
    assets: &'a [AssetSpec],
    genesis: &'a Genesis,
}

/// Why the cluster could not be set up or started.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("storage {path}: {source}")]
    Storage { path: String, source: std::io::Error },
    #[error("cannot find a free loopback port: {0}")]
    Ports(std::io::Error),
    #[error("the network fault proxy: {0}")]
    Proxy(String),
    #[error("cannot start {node} ({program}): {source}")]
    Spawn { node: String, program: String, source: std::io::Error },
    #[error("{node} exited at start ({status}); its log {log} ends with:\n{tail}")]
    Exited { node: String, status: String, log: String, tail: String },
    #[error("{node}'s client endpoint {addr} did not answer within {secs:.0} s; its log {log} ends with:\n{tail}")]
    NoAnswer { node: String, addr: SocketAddr, secs: f64, log: String, tail: String },
}

/// Where node `i` dials node `j`, given every node's p2p listen address; `Err` says why there
/// is no such address (the fault proxy could not open it).
pub type PeerAddr<'a> = dyn FnMut(usize, usize, &[SocketAddr]) -> Result<SocketAddr, String> + 'a;

/// N validator processes on loopback.
#[derive(Debug)]
pub struct Cluster {
    storage: Storage,
    pub nodes: Vec<NodeProcess>,
    /// Each node's client endpoint.
    pub clients: Vec<SocketAddr>,
    /// Each node's p2p listen address.
    pub p2p: Vec<SocketAddr>,
    /// Each node's trace file.
    pub traces: Vec<PathBuf>,
}

impl Cluster {
    /// Lays out storage, writes the genesis file and prepares every node's command line.
    /// `peers(i, j, p2p)` is the address node `i` dials node `j` at (directly, or a proxy's
    /// port), given every node's p2p listen address.
    pub fn create(
        binary: &Path,
        names: &[String],
        modes: &BTreeMap<String, NodeMode>,
        params: &NodeParams,
        setup: &Setup,
        keep: Option<&Path>,
        peers: &mut PeerAddr<'_>,
    ) -> Result<Cluster, ClusterError> {
        let storage = match keep {
            Some(p) => {
                let err = |source| ClusterError::Storage { path: p.display().to_string(), source };
                std::fs::create_dir_all(p).map_err(err)?;
                // Journals of another run would make the nodes resume that run's chain.
                if std::fs::read_dir(p).map_err(err)?.next().is_some() {
                    return Err(err(std::io::Error::other(
                        "not empty: the validators would resume the chain stored there; give an \
                         empty or new directory",
                    )));
                }
                Storage::Kept(p.to_path_buf())
            }
            None => Storage::Temp(
                tempfile::Builder::new()
                    .prefix("touchstone-simplex-")
                    .tempdir()
                    .map_err(|source| ClusterError::Storage { path: "(temp)".into(), source })?,
            ),
        };
        let dir = storage.path().to_path_buf();
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ClusterError::Storage { path, source }
        };
        let genesis = dir.join("genesis.json");
        let g = GenesisOut {
            accounts: &setup.accounts,
            assets: &setup.assets,
            genesis: &setup.genesis,
        };
        let bytes = serde_json::to_vec(&g).map_err(|e| ClusterError::Storage {
            path: genesis.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        std::fs::write(&genesis, bytes).map_err(io(&genesis))?;
        let n = names.len();
        let ports = free_ports(2 * n).map_err(ClusterError::Ports)?;
        let p2p: Vec<SocketAddr> = ports[..n].to_vec();
        let clients: Vec<SocketAddr> = ports[n..].to_vec();
        let mut nodes = Vec::new();
        let mut traces = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let store = dir.join(name);
            let trace = store.join("trace.jsonl");
            let mut args: Vec<OsString> = vec![
                "--name".into(),
                name.into(),
                "--listen".into(),
                p2p[i].to_string().into(),
                "--client".into(),
                clients[i].to_string().into(),
                "--storage".into(),
                store.clone().into(),
                "--genesis".into(),
                genesis.clone().into(),
                "--trace".into(),
                trace.clone().into(),
                "--leader-timeout-ms".into(),
                params.leader_timeout_ms.to_string().into(),
                "--max-block-txs".into(),
                params.max_block_txs.to_string().into(),
            ];
            if let Some(ttl) = params.tx_ttl_heights {
                args.extend(["--tx-ttl-heights".into(), ttl.to_string().into()]);
            }
            for (j, other) in names.iter().enumerate().filter(|&(j, _)| j != i) {
                args.push("--peer".into());
                let addr = peers(i, j, &p2p).map_err(ClusterError::Proxy)?;
                args.push(format!("{other}={addr}").into());
            }
            if let Some(m) = modes.get(name) {
                args.extend(["--byzantine".into(), m.name().into()]);
            }
            let envs = vec![("RUST_LOG".to_string(), params.log.clone())];
            let log = dir.join(format!("{name}.log"));
            nodes.push(NodeProcess::new(name, binary, args, envs, log));
            traces.push(trace);
        }
        Ok(Cluster { storage, nodes, clients, p2p, traces })
    }

    /// The storage directory.
    pub fn dir(&self) -> &Path {
        self.storage.path()
    }

    /// Whether the storage is removed after the run.
    pub fn temporary(&self) -> bool {
        matches!(self.storage, Storage::Temp(_))
    }

    /// Starts node `i`.
    pub fn start(&mut self, i: usize) -> Result<(), ClusterError> {
        let p = &mut self.nodes[i];
        p.start().map_err(|source| ClusterError::Spawn {
            node: p.name.clone(),
            program: p.program.display().to_string(),
            source,
        })
    }

    /// Waits until node `i`'s endpoint answers `health`, at most `timeout`.
    pub fn wait_ready(
        &mut self,
        i: usize,
        clock: &WallClock,
        timeout: Nanos,
    ) -> Result<Health, ClusterError> {
        let addr = self.clients[i];
        let deadline = clock.now() + timeout;
        loop {
            if let Some(status) = self.nodes[i].exited() {
                let p = &self.nodes[i];
                return Err(ClusterError::Exited {
                    node: p.name.clone(),
                    status: status.to_string(),
                    log: p.log.display().to_string(),
                    tail: p.log_tail(2_000),
                });
            }
            let answer =
                NodeClient::connect(addr, Duration::from_millis(500), Duration::from_secs(2))
                    .ok()
                    .and_then(|mut c| c.ask::<_, Health>(&Cmd { cmd: "health" }).ok());
            if let Some(h) = answer {
                return Ok(h);
            }
            let now = clock.now();
            if now >= deadline {
                let p = &self.nodes[i];
                return Err(ClusterError::NoAnswer {
                    node: p.name.clone(),
                    addr,
                    secs: timeout as f64 / 1e9,
                    log: p.log.display().to_string(),
                    tail: p.log_tail(2_000),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL to every node.
    pub fn kill_all(&mut self) {
        for p in &mut self.nodes {
            p.kill();
        }
    }

    /// A node that ended without the harness ending it: its name, status and log tail.
    pub fn died(&mut self) -> Option<String> {
        for p in &mut self.nodes {
            if matches!(p.state, NodeState::Running | NodeState::Paused) {
                if let Some(status) = p.exited() {
                    p.state = NodeState::Crashed;
                    return Some(format!(
                        "validator {} exited on its own ({status}); its log {} ends with:\n{}",
                        p.name,
                        p.log.display(),
                        p.log_tail(2_000)
                    ));
                }
            }
        }
        None
    }
}

impl Drop for Cluster {
    /// The processes go before their storage does.
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// `n` distinct free loopback ports (each bound at once, so none is handed out twice; released
/// before the nodes bind them).
pub fn free_ports(n: usize) -> std::io::Result<Vec<SocketAddr>> {
    let listeners: Vec<TcpListener> =
        (0..n).map(|_| TcpListener::bind("127.0.0.1:0")).collect::<Result<_, _>>()?;
    listeners.iter().map(TcpListener::local_addr).collect()
}
