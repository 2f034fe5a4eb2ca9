//! Observe-only: each endpoint's finalized chain as trace lines, for `touchstone monitor`.
//!
//! No account is funded and nothing is sent: one thread per endpoint reads the head
//! (`eth_blockNumber`), then the blocks `confirmations` deep that it has not read yet (batched
//! `eth_getBlockByNumber`), and hands each on as that node's `cons.decide` line (block hash,
//! parent, `app_hash` = `stateRoot`, no `cert`: trace format 1.1, resolution 11), with the
//! block's transaction count in `tx_count` (a member the format lets a producer add). A watch
//! starts at each node's current finalized block: it monitors from now on, it does not replay
//! history. A managed anvil (`managed = true`) is started first and stopped with the watch.
//! A node that does not answer is retried every poll; the monitor sees its height stall.

use crate::anvil::{AnvilError, AnvilProcess};
use crate::chain::{fetch_blocks, Block};
use crate::config::{Config, ConfigError, NodeMode, ANVIL_DEV_KEY};
use crate::rpc::{quantity, RpcClient};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Blocks read per batch.
const BATCH: u64 = 32;
/// The shortest wait between two polls of one endpoint.
const MIN_POLL: Duration = Duration::from_millis(100);

/// Why a watch could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("managed anvil: {0}")]
    Anvil(#[from] AnvilError),
    #[error("cannot start the watch thread of {node}: {source}")]
    Thread { node: String, source: std::io::Error },
}

/// Reads an adapter configuration for watching: as [`Config::load`], except that no
/// `funding_key` is needed (a watch funds nothing and sends nothing; a placeholder fills it).
pub fn load_observe_only(path: &std::path::Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        field: "(file)".into(),
        message: format!("cannot read: {e}"),
    })?;
    let has_key =
        text.parse::<toml::Table>().map(|t| t.contains_key("funding_key")).unwrap_or(true);
    if has_key {
        return Config::parse(&text, &file);
    }
    // A root key must come before any table: prepend it.
    Config::parse(&format!("funding_key = {ANVIL_DEV_KEY:?}\n{text}"), &file)
}

/// Running watch threads (and the managed anvil); stopped on [`ChainWatch::stop`] or drop.
#[derive(Debug)]
pub struct ChainWatch {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    anvil: Option<AnvilProcess>,
    /// `run.start` of the trace the watch writes.
    pub run_start: String,
}

impl ChainWatch {
    /// Starts watching every endpoint of `cfg`; lines go to `out` (the first is `run.start`,
    /// already in [`ChainWatch::run_start`] and not sent). Times are ns since `epoch`.
    pub fn start(
        cfg: &Config,
        epoch: Instant,
        out: SyncSender<Vec<u8>>,
    ) -> Result<ChainWatch, WatchError> {
        let (anvil, endpoints) = match &cfg.node {
            NodeMode::Managed(m) => {
                let a = AnvilProcess::start(m, cfg.chain_id, cfg.startup_timeout)?;
                let url = a.url();
                (Some(a), vec![("n0".to_string(), url)])
            }
            NodeMode::External { endpoints } => {
                (None, endpoints.iter().map(|e| (e.id.clone(), e.url.clone())).collect())
            }
        };
        let validators: Vec<_> = endpoints.iter().map(|(id, _)| json!({"id": id})).collect();
        let run_start = json!({
            "kind": "run.start", "t_ns": 0, "protocol": "ethereum", "adapter": "ethereum",
            "scenario": "monitor", "validators": validators,
        })
        .to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let order = Arc::new(Mutex::new(()));
        let mut threads = Vec::new();
        for (id, url) in endpoints {
            let node = NodeWatch {
                id: id.clone(),
                rpc: RpcClient::new(&url, cfg.connect_timeout, cfg.http_timeout),
                confirmations: cfg.confirmations,
                poll: cfg.poll_interval.max(MIN_POLL),
                epoch,
                out: out.clone(),
                order: order.clone(),
                stop: stop.clone(),
            };
            let t = std::thread::Builder::new()
                .name(format!("watch-{id}"))
                .spawn(move || node.run())
                .map_err(|source| WatchError::Thread { node: id, source })?;
            threads.push(t);
        }
        Ok(ChainWatch { stop, threads, anvil, run_start })
    }

    /// The managed anvil's URL, when the watch started one.
    pub fn anvil_url(&self) -> Option<String> {
        self.anvil.as_ref().map(AnvilProcess::url)
    }

    /// Stops the threads (each within one poll) and the managed anvil.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        if let Some(a) = &mut self.anvil {
            a.kill();
        }
    }
}

impl Drop for ChainWatch {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One endpoint's thread.
struct NodeWatch {
    id: String,
    rpc: RpcClient,
    confirmations: u64,
    poll: Duration,
    epoch: Instant,
    out: SyncSender<Vec<u8>>,
    /// Held from reading the clock to handing the line on, so that the endpoints' lines,
    /// merged on one channel, come in the order of their times.
    order: Arc<Mutex<()>>,
    stop: Arc<AtomicBool>,
}

impl NodeWatch {
    fn run(self) {
        let mut next: Option<u64> = None;
        let mut warned = false;
        while !self.stop.load(Ordering::SeqCst) {
            match self.round(&mut next) {
                Ok(true) => continue,
                Ok(false) => warned = false,
                Err(e) => {
                    if !warned {
                        // The monitor's terminal: the node's height stalls in the metrics too.
                        use std::io::Write;
                        let _ = writeln!(
                            std::io::stderr(),
                            "warning: node {}: {e} (retrying every poll)",
                            self.id
                        );
                        warned = true;
                    }
                }
            }
            std::thread::sleep(self.poll);
        }
    }

    /// Reads what is newly final; `Ok(true)` when there may be more right away.
    fn round(&self, next: &mut Option<u64>) -> Result<bool, String> {
        let head = self.rpc.call("eth_blockNumber", json!([])).map_err(|e| e.to_string())?;
        let head = quantity(&head).ok_or("eth_blockNumber: not a quantity")? as u64;
        let Some(last_final) = head.checked_sub(self.confirmations) else { return Ok(false) };
        let from = *next.get_or_insert(last_final);
        if from > last_final {
            return Ok(false);
        }
        let to = last_final.min(from + BATCH - 1);
        let blocks = fetch_blocks(&self.rpc, from, to).map_err(|e| e.to_string())?;
        for b in blocks {
            let Ok(Some(raw)) = b else { return Ok(false) };
            let b = Block::from_raw(raw)?;
            if b.height != from_or(next) {
                return Err(format!("asked for block {} and got {}", from_or(next), b.height));
            }
            let sent = {
                let _turn = self.order.lock().unwrap_or_else(|p| p.into_inner());
                self.out.send(self.decide_line(&b))
            };
            if sent.is_err() {
                self.stop.store(true, Ordering::SeqCst);
                return Ok(false);
            }
            *next = Some(b.height + 1);
        }
        Ok(to < last_final)
    }

    fn decide_line(&self, b: &Block) -> Vec<u8> {
        let t = self.epoch.elapsed().as_nanos() as u64;
        let mut l = json!({
            "kind": "cons.decide", "t_ns": t, "node": self.id, "height": b.height, "round": 0,
            "block": b.hash, "parent": b.parent, "app_hash": b.state_root, "txs": [],
            "tx_count": b.txs.len(),
        })
        .to_string()
        .into_bytes();
        l.push(b'\n');
        l
    }
}

fn from_or(next: &Option<u64>) -> u64 {
    next.unwrap_or(0)
}
