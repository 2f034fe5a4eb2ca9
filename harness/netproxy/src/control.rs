//! The proxy's control protocol, for adapters in any language: JSON Lines, one request per
//! line, one reply line each (`{"ok":true,...}` or `{"ok":false,"error":"..."}`).
//!
//! | request | reply |
//! |---|---|
//! | `{"cmd":"route","listen":"127.0.0.1:0","target":"127.0.0.1:2380","to":"n0","from":"n1"}` | `{"ok":true,"listen":"127.0.0.1:41234"}` |
//! | the same with `"from_header":"X-Server-From"` instead of `from` | the same |
//! | `{"cmd":"identify","map":{"8e9e05c52164694d":"n0"}}` | `{"ok":true}` |
//! | `{"cmd":"partition","groups":[["n0","n1"],["n2"]],"mode":"hold"}` (`mode`: `hold` or `cut`, default `hold`) | `{"ok":true,"elapsed_ns":N,"connections_cut":K}` |
//! | `{"cmd":"block","from":["n0"],"to":["n1"],"mode":"cut"}` — one way | the same |
//! | `{"cmd":"link","from":["n0"],"to":["n1","n2"],"delay_ns":N,"jitter_ns":N,"bandwidth_bps":N,"both_ways":true}` | the same |
//! | `{"cmd":"heal"}` | the same |
//! | `{"cmd":"stats"}` | `{"ok":true,"links":[{"from","to","bytes","chunks"}],"connections":K,"blocked":[["n0","n1","hold"]]}` |
//! | `{"cmd":"quit"}` | `{"ok":true}`, then the server stops |

use crate::proxy::{Effect, NetProxy, Route};
use crate::rules::{LinkParams, Mode};
use crate::source::Source;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::time::Duration;

/// A control request.
#[derive(Debug, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Route {
        listen: SocketAddr,
        target: SocketAddr,
        to: String,
        from: Option<String>,
        from_header: Option<String>,
    },
    Identify {
        map: BTreeMap<String, String>,
    },
    Partition {
        groups: Vec<Vec<String>>,
        #[serde(default = "hold")]
        mode: Mode,
    },
    Block {
        from: Vec<String>,
        to: Vec<String>,
        #[serde(default = "hold")]
        mode: Mode,
    },
    Link {
        from: Vec<String>,
        to: Vec<String>,
        #[serde(default)]
        delay_ns: u64,
        #[serde(default)]
        jitter_ns: u64,
        bandwidth_bps: Option<u64>,
        #[serde(default)]
        both_ways: bool,
    },
    Heal,
    Stats,
    Quit,
}

fn hold() -> Mode {
    Mode::Hold
}

/// What the server does after a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Continue,
    Quit,
}

/// Executes one request line; returns the reply line (without newline) and what to do next.
pub fn handle_line(proxy: &mut NetProxy, line: &str) -> (String, Next) {
    let cmd: Command = match serde_json::from_str(line) {
        Ok(c) => c,
        Err(e) => {
            return (
                json!({"ok": false, "error": format!("bad request: {e}")}).to_string(),
                Next::Continue,
            )
        }
    };
    let (reply, next) = match execute(proxy, cmd) {
        Ok(Some(v)) => (v, Next::Continue),
        Ok(None) => (json!({"ok": true}), Next::Quit),
        Err(e) => (json!({"ok": false, "error": e}), Next::Continue),
    };
    (reply.to_string(), next)
}

fn effect(e: Effect) -> Value {
    json!({"ok": true, "elapsed_ns": e.elapsed.as_nanos() as u64, "connections_cut": e.connections_cut})
}

fn execute(proxy: &mut NetProxy, cmd: Command) -> Result<Option<Value>, String> {
    Ok(Some(match cmd {
        Command::Route { listen, target, to, from, from_header } => {
            let from = match (from, from_header) {
                (Some(n), None) => Source::Node(n),
                (None, Some(h)) => Source::Header(h),
                _ => return Err("route needs exactly one of `from` and `from_header`".into()),
            };
            let addr =
                proxy.route(Route { listen, target, to, from }).map_err(|e| e.to_string())?;
            json!({"ok": true, "listen": addr.to_string()})
        }
        Command::Identify { map } => {
            proxy.identify(map);
            json!({"ok": true})
        }
        Command::Partition { groups, mode } => effect(proxy.partition(&groups, mode)),
        Command::Block { from, to, mode } => effect(proxy.block(&from, &to, mode)),
        Command::Link { from, to, delay_ns, jitter_ns, bandwidth_bps, both_ways } => {
            if bandwidth_bps == Some(0) {
                return Err("bandwidth_bps must be positive (use block to stop a link)".into());
            }
            let params = LinkParams {
                delay: Duration::from_nanos(delay_ns),
                jitter: Duration::from_nanos(jitter_ns),
                bandwidth_bps,
            };
            let mut e = proxy.shape(&from, &to, params);
            if both_ways {
                let back = proxy.shape(&to, &from, params);
                e.elapsed += back.elapsed;
            }
            effect(e)
        }
        Command::Heal => effect(proxy.heal()),
        Command::Stats => {
            let blocked: Vec<Value> = proxy
                .rules()
                .blocked_links()
                .into_iter()
                .map(|(f, t, m)| json!([f, t, m]))
                .collect();
            json!({
                "ok": true,
                "links": proxy.stats(),
                "connections": proxy.open_connections(),
                "blocked": blocked,
            })
        }
        Command::Quit => return Ok(None),
    }))
}

/// Serves requests from `input` until it ends or a `quit`; replies go to `output`, flushed
/// after each. Returns whether a `quit` ended it.
pub fn serve(
    proxy: &mut NetProxy,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<bool> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (reply, next) = handle_line(proxy, &line);
        writeln!(output, "{reply}")?;
        output.flush()?;
        if next == Next::Quit {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Serves control connections on `listener`, one after the other, until a `quit`. A control
/// connection that breaks ends, the server goes on.
pub fn serve_tcp(proxy: &mut NetProxy, listener: std::net::TcpListener) -> std::io::Result<()> {
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let reader = std::io::BufReader::new(conn.try_clone()?);
        if let Ok(true) = serve(proxy, reader, conn) {
            return Ok(());
        }
    }
    Ok(())
}
