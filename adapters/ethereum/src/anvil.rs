//! A managed anvil: found on disk, started on 127.0.0.1 on a free port, waited for until it
//! answers, killed on drop (also when a test panics), and restarted on the same port from its
//! persisted state after a crash fault.

use crate::config::ManagedNode;
use crate::rpc::RpcClient;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use touchstone_core::time::{Clock, WallClock};

/// The pinned version that `scripts/install-anvil.sh` installs.
pub const ANVIL_VERSION: &str = "1.7.1";
/// Where the install script puts the binary, relative to the workspace root.
pub const TOOLS_PATH: &str = "tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

/// Errors of the managed node.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AnvilError {
    #[error("anvil not found ({looked}): run scripts/install-anvil.sh, or set TOUCHSTONE_ANVIL, or put anvil on PATH")]
    NotFound { looked: String },
    #[error("cannot start {bin}: {message}")]
    Spawn { bin: String, message: String },
    #[error(
        "anvil on port {port} did not answer within {waited:?}: {message}; last log lines: {log}"
    )]
    NotReady { port: u16, waited: Duration, message: String, log: String },
}

/// Finds the anvil binary: `explicit`, then `$TOUCHSTONE_ANVIL`, then `tools/anvil/…` under the
/// current directory and under this workspace, then `anvil` on `PATH`.
pub fn find_anvil(explicit: Option<&Path>) -> Result<PathBuf, AnvilError> {
    let mut looked = Vec::new();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = explicit {
        candidates.push(p.to_path_buf());
    } else {
        if let Some(p) = std::env::var_os("TOUCHSTONE_ANVIL").filter(|p| !p.is_empty()) {
            candidates.push(PathBuf::from(p));
        }
        candidates.push(PathBuf::from(TOOLS_PATH));
        candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(TOOLS_PATH));
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path).map(|d| d.join("anvil")));
        }
    }
    for c in candidates {
        if c.is_file() {
            return Ok(c);
        }
        looked.push(c.display().to_string());
    }
    looked.truncate(4);
    Err(AnvilError::NotFound { looked: format!("looked at {} …", looked.join(", ")) })
}

/// A free TCP port on 127.0.0.1 (bound then released; anvil binds it right after).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running (or crashed) anvil owned by the adapter.
#[derive(Debug)]
pub struct AnvilProcess {
    bin: PathBuf,
    args: Vec<String>,
    port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
    starts: u32,
}

impl AnvilProcess {
    /// Starts anvil as `node` says and waits until it answers (`startup` at most).
    pub fn start(
        node: &ManagedNode,
        chain_id: Option<u64>,
        startup: Duration,
    ) -> Result<AnvilProcess, AnvilError> {
        let bin = find_anvil(node.anvil.as_deref())?;
        let dir = tempfile::Builder::new().prefix("touchstone-anvil-").tempdir().map_err(|e| {
            AnvilError::Spawn {
                bin: bin.display().to_string(),
                message: format!("temporary directory: {e}"),
            }
        })?;
        let mut p = AnvilProcess { bin, args: Vec::new(), port: 0, child: None, dir, starts: 0 };
        let mut last = None;
        // A port picked free may be taken before anvil binds it: try a few.
        for _ in 0..3 {
            p.port = free_port().map_err(|e| AnvilError::Spawn {
                bin: p.bin.display().to_string(),
                message: format!("no free port: {e}"),
            })?;
            p.args = anvil_args(node, chain_id, p.port, p.dir.path());
            match p.launch(startup) {
                Ok(()) => return Ok(p),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("three attempts"))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The command line (for the disclosure).
    pub fn command_line(&self) -> String {
        format!("{} {}", self.bin.display(), self.args.join(" "))
    }

    /// The binary's `--version` first line.
    pub fn version(&self) -> Option<String> {
        let out = Command::new(&self.bin).arg("--version").output().ok()?;
        String::from_utf8_lossy(&out.stdout).lines().next().map(|l| l.trim().to_string())
    }

    /// Whether the process is alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// SIGKILL, like a crash: nothing is flushed beyond the last periodic state dump.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts again on the same port, loading the persisted state when there is one.
    pub fn restart(&mut self, startup: Duration) -> Result<(), AnvilError> {
        self.kill();
        self.launch(startup)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("anvil-{}.log", self.starts))
    }

    fn launch(&mut self, startup: Duration) -> Result<(), AnvilError> {
        self.starts += 1;
        let spawn_err =
            |message: String| AnvilError::Spawn { bin: self.bin.display().to_string(), message };
        let log = File::create(self.log_path()).map_err(|e| spawn_err(format!("log file: {e}")))?;
        let log2 = log.try_clone().map_err(|e| spawn_err(format!("log file: {e}")))?;
        let child = Command::new(&self.bin)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| spawn_err(e.to_string()))?;
        self.child = Some(child);
        let rpc = RpcClient::new(&self.url(), Duration::from_millis(200), Duration::from_secs(2));
        let clock = WallClock::start();
        let mut message = String::from("no answer yet");
        while clock.now() < startup.as_nanos() as u64 {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.child = None;
                message = format!("anvil exited with {status}");
                break;
            }
            match rpc.call("eth_chainId", serde_json::json!([])) {
                // The answer must come from this anvil: when the port was taken meanwhile, the
                // other process answers and ours exits on its failed bind. Still running a
                // moment later means it holds the port.
                Ok(_) => {
                    std::thread::sleep(Duration::from_millis(150));
                    match self.child.as_mut().map(|c| c.try_wait()) {
                        Some(Ok(None)) => return Ok(()),
                        _ => {
                            self.child = None;
                            message = "another process answered on the port; anvil exited".into();
                            break;
                        }
                    }
                }
                Err(e) => message = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        Err(AnvilError::NotReady {
            port: self.port,
            waited: startup,
            message,
            log: self.log_tail(),
        })
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
        if tail.is_empty() {
            "(empty)".into()
        } else {
            tail
        }
    }
}

/// The command line of a managed anvil.
fn anvil_args(node: &ManagedNode, chain_id: Option<u64>, port: u16, dir: &Path) -> Vec<String> {
    let mut args = vec![
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        port.to_string(),
        "--quiet".into(),
    ];
    if let Some(bt) = node.block_time {
        args.extend(["--block-time".into(), format!("{}", bt.as_secs_f64())]);
    }
    if let Some(g) = node.block_gas_limit {
        args.extend(["--gas-limit".into(), g.to_string()]);
    }
    if let Some(c) = chain_id {
        args.extend(["--chain-id".into(), c.to_string()]);
    }
    if node.persist_state {
        let state = dir.join("state.json");
        args.extend([
            "--state".into(),
            state.display().to_string(),
            "--state-interval".into(),
            "1".into(),
        ]);
    }
    args.extend(node.extra_args.iter().cloned());
    args
}

impl Drop for AnvilProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
