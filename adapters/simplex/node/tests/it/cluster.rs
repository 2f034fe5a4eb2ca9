//! A cluster of real node processes on 127.0.0.1 for the tests: every process is killed
//! (SIGKILL) when its handle drops, so none outlives a test, even one that panics.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_touchstone-simplex-node");

/// A free loopback port (the listener is dropped before the node binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A line-per-request client of one node's endpoint.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    pub fn connect(port: u16, within: Duration) -> Client {
        let deadline = Instant::now() + within;
        loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => {
                    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                    let writer = s.try_clone().unwrap();
                    return Client { reader: BufReader::new(s), writer };
                }
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("node on port {port} never answered: {e}"),
            }
        }
    }

    pub fn ask(&mut self, req: &Value) -> Value {
        let mut line = req.to_string();
        line.push('\n');
        self.writer.write_all(line.as_bytes()).unwrap();
        let mut out = String::new();
        self.reader.read_line(&mut out).unwrap();
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad answer {out:?}: {e}"))
    }
}

/// One node process and where it keeps its state.
pub struct Node {
    pub name: String,
    pub storage: PathBuf,
    pub client_port: u16,
    args: Vec<String>,
    child: Option<Child>,
}

impl Node {
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.storage.with_extension("log"))
            .unwrap();
        let child = Command::new(BIN)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
        self.child = Some(child);
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn client(&self) -> Client {
        Client::connect(self.client_port, Duration::from_secs(30))
    }

    pub fn trace(&self) -> Vec<Value> {
        std::fs::read_to_string(self.storage.join("trace.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `n` validators, each with its own storage directory under `dir`.
pub struct Cluster {
    pub nodes: Vec<Node>,
}

impl Cluster {
    pub fn new(dir: &Path, n: usize, accounts: usize, extra: &[(usize, &[&str])]) -> Cluster {
        let genesis = dir.join("genesis.json");
        let names: Vec<String> = (0..accounts).map(|i| format!("a{i}")).collect();
        let g =
            json!({ "accounts": names, "assets": [{ "id": "USD", "initial_balance": 1_000_000 }] });
        std::fs::write(&genesis, g.to_string()).unwrap();
        let p2p: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let nodes = (0..n)
            .map(|i| {
                let storage = dir.join(format!("n{i}"));
                let client_port = free_port();
                let mut args: Vec<String> = vec![
                    "--name".into(),
                    format!("n{i}"),
                    "--listen".into(),
                    format!("127.0.0.1:{}", p2p[i]),
                    "--client".into(),
                    format!("127.0.0.1:{client_port}"),
                    "--storage".into(),
                    storage.display().to_string(),
                    "--genesis".into(),
                    genesis.display().to_string(),
                ];
                for (j, port) in p2p.iter().enumerate().filter(|&(j, _)| j != i) {
                    args.push("--peer".into());
                    args.push(format!("n{j}=127.0.0.1:{port}"));
                }
                for (k, more) in extra {
                    if *k == i {
                        args.extend(more.iter().map(|s| s.to_string()));
                    }
                }
                Node { name: format!("n{i}"), storage, client_port, args, child: None }
            })
            .collect();
        Cluster { nodes }
    }

    pub fn start_all(&mut self) {
        for n in &mut self.nodes {
            n.start();
        }
    }
}

/// Polls `f` every 50 ms until it returns `Some`, or panics with `what` after `within`.
pub fn wait_for<T>(within: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A payment in the node's JSON form.
pub fn payment(id: u64, from: usize, to: usize, amount: u64, nonce: u64) -> Value {
    json!({
        "tx": format!("t{id}"),
        "op": { "transfer": { "from": format!("a{from}"), "to": format!("a{to}"), "asset": "USD", "amount": amount } },
        "nonce": nonce,
    })
}
