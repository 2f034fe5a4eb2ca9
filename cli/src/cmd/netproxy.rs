//! `touchstone netproxy`: the network fault proxy (`touchstone-netproxy`) as a process, for
//! adapters that are not written in Rust. It is driven by JSON lines (see the crate's
//! `control` module): on stdin/stdout (`--control stdio`, it ends with stdin), or on a loopback
//! TCP port (`--control 127.0.0.1:0`), whose address it writes to `--announce FILE` once it
//! listens, so a script that starts it in the background can find it.

use crate::exit::{CmdResult, Failure, PASS};
use clap::Args;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use touchstone_netproxy::{control, NetProxy};

#[derive(Debug, Args)]
pub struct NetproxyArgs {
    /// Where control requests come from: `stdio`, or a loopback address to listen on.
    #[arg(long, default_value = "stdio")]
    pub control: String,
    /// With a TCP control port: write {"control": "ADDR", "pid": PID} to this file once
    /// listening.
    #[arg(long)]
    pub announce: Option<PathBuf>,
    /// Seeds the jitter draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn exec(a: NetproxyArgs) -> CmdResult {
    let mut proxy = NetProxy::start(a.seed).map_err(|e| Failure::harness(e.to_string()))?;
    if a.control == "stdio" {
        let stdin = std::io::stdin().lock();
        control::serve(&mut proxy, stdin, std::io::stdout().lock())
            .map_err(|e| Failure::harness(format!("netproxy: control on stdio: {e}")))?;
        return Ok(PASS);
    }
    let addr: SocketAddr = a.control.parse().map_err(|e| {
        Failure::bad_input(format!("--control {:?}: not stdio nor an address ({e})", a.control))
    })?;
    if !addr.ip().is_loopback() {
        return Err(Failure::bad_input(format!(
            "--control {addr}: the control port listens on loopback only"
        )));
    }
    let listener = TcpListener::bind(addr)
        .map_err(|e| Failure::harness(format!("netproxy: cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| Failure::harness(e.to_string()))?;
    let line = serde_json::json!({"control": bound.to_string(), "pid": std::process::id()});
    match &a.announce {
        Some(path) => write_announce(path, &line.to_string())?,
        None => {
            outln!("{line}");
        }
    }
    control::serve_tcp(&mut proxy, listener)
        .map_err(|e| Failure::harness(format!("netproxy: control port {bound}: {e}")))?;
    Ok(PASS)
}

/// Written to a temporary name then renamed, so a reader never sees half a line.
fn write_announce(path: &std::path::Path, line: &str) -> Result<(), Failure> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, format!("{line}\n"))
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| Failure::harness(format!("netproxy: cannot write {}: {e}", path.display())))
}
