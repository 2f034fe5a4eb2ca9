//! A node's client endpoint, from the harness's side: newline-delimited JSON over TCP on
//! loopback (one request per line, one answer per line; see the node's README), with typed
//! answers. Amounts are read straight into `u128`, never through `serde_json::Value`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use touchstone_core::Operation;

/// Why a request got no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {addr}: {source}")]
    Connect { addr: SocketAddr, source: std::io::Error },
    #[error("{addr}: {source}")]
    Io { addr: SocketAddr, source: std::io::Error },
    #[error("{addr}: the connection closed before the answer")]
    Closed { addr: SocketAddr },
    #[error("{addr}: answer that does not parse ({message}): {line}")]
    Parse { addr: SocketAddr, message: String, line: String },
    #[error("{addr}: the node refused the request: {message}")]
    Refused { addr: SocketAddr, message: String },
}

impl ClientError {
    /// The request may have reached the node (it was written, the answer is missing).
    pub fn maybe_delivered(&self) -> bool {
        !matches!(self, ClientError::Connect { .. })
    }
}

/// One connection to one node's endpoint.
#[derive(Debug)]
pub struct NodeClient {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    line: String,
}

impl NodeClient {
    /// Connects within `timeout`; every read then waits at most `read_timeout`.
    pub fn connect(
        addr: SocketAddr,
        timeout: Duration,
        read_timeout: Duration,
    ) -> Result<NodeClient, ClientError> {
        let s = TcpStream::connect_timeout(&addr, timeout)
            .map_err(|source| ClientError::Connect { addr, source })?;
        let io = |source| ClientError::Io { addr, source };
        s.set_nodelay(true).map_err(io)?;
        s.set_read_timeout(Some(read_timeout)).map_err(io)?;
        s.set_write_timeout(Some(read_timeout)).map_err(io)?;
        let writer = s.try_clone().map_err(io)?;
        Ok(NodeClient { addr, reader: BufReader::new(s), writer, line: String::new() })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends `req` and reads the answer into `T`; an answer with `"ok": false` is
    /// [`ClientError::Refused`].
    pub fn ask<Q: Serialize, T: DeserializeOwned>(&mut self, req: &Q) -> Result<T, ClientError> {
        let addr = self.addr;
        let mut out = serde_json::to_vec(req).map_err(|e| ClientError::Parse {
            addr,
            message: e.to_string(),
            line: String::new(),
        })?;
        out.push(b'\n');
        self.writer.write_all(&out).map_err(|source| ClientError::Io { addr, source })?;
        self.read_answer()
    }

    /// Reads the next answer line (after a read timed out, the answer may still come).
    pub fn read_answer<T: DeserializeOwned>(&mut self) -> Result<T, ClientError> {
        let addr = self.addr;
        self.line.clear();
        let n = self
            .reader
            .read_line(&mut self.line)
            .map_err(|source| ClientError::Io { addr, source })?;
        if n == 0 {
            return Err(ClientError::Closed { addr });
        }
        let parse_err = |e: serde_json::Error, line: &str| ClientError::Parse {
            addr,
            message: e.to_string(),
            line: line.chars().take(300).collect(),
        };
        let head: Head = serde_json::from_str(&self.line).map_err(|e| parse_err(e, &self.line))?;
        if !head.ok {
            let message = head.error.unwrap_or_else(|| "no reason given".into());
            return Err(ClientError::Refused { addr, message });
        }
        serde_json::from_str(&self.line).map_err(|e| parse_err(e, &self.line))
    }
}

#[derive(Deserialize)]
struct Head {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
}

/// `{"cmd": "..."}` with no fields.
#[derive(Debug, Serialize)]
pub struct Cmd {
    pub cmd: &'static str,
}

/// The answer to `health`.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    pub node: String,
    pub mode: String,
    pub height: u64,
    pub view: u64,
    pub trace: String,
    #[serde(default)]
    pub trace_lines: u64,
    pub boot_unix_ns: u64,
}

/// One transaction of a `submit` request.
#[derive(Debug, Clone, Serialize)]
pub struct SubmitTx {
    /// `t<n>`, as in the trace.
    pub tx: String,
    #[serde(with = "touchstone_ledger::wire")]
    pub op: Operation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Submit<'a> {
    pub cmd: &'static str,
    pub txs: &'a [SubmitTx],
}

/// The answer to `submit`: one result per transaction, in order.
#[derive(Debug, Clone, Deserialize)]
pub struct SubmitAnswer {
    pub results: Vec<SubmitResult>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SubmitResult {
    pub tx: String,
    /// `accepted` or `rejected`.
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OutcomesReq {
    pub cmd: &'static str,
    pub since: u64,
    pub max: usize,
    pub wait_ms: u64,
}

/// The answer to `outcomes`.
#[derive(Debug, Clone, Deserialize)]
pub struct OutcomesAnswer {
    pub next: u64,
    pub outcomes: Vec<NodeOutcome>,
}

/// What a node says happened to a transaction.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NodeOutcome {
    pub tx: String,
    /// `committed` or `rejected`.
    pub status: String,
    pub height: u64,
    #[serde(default)]
    pub reason: Option<String>,
    pub t_unix_ns: u64,
    #[serde(default)]
    pub replayed: bool,
}

#[derive(Debug, Serialize)]
pub struct StateReq<'a> {
    pub cmd: &'static str,
    pub accounts: &'a [String],
}

/// The answer to `state`.
#[derive(Debug, Clone, Deserialize)]
pub struct StateAnswer {
    pub height: u64,
    pub app_hash: String,
    pub supply: BTreeMap<String, u128>,
    pub balances: BTreeMap<String, BTreeMap<String, u128>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A one-connection fake endpoint answering each request line with the next canned line.
    fn fake(answers: Vec<&'static str>) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            for a in answers {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap() == 0 {
                    return;
                }
                w.write_all(a.as_bytes()).unwrap();
                w.write_all(b"\n").unwrap();
            }
        });
        addr
    }

    #[test]
    fn answers_parse_with_full_u128_amounts_and_refusals_are_errors() {
        let addr = fake(vec![
            r#"{"ok":true,"height":3,"app_hash":"ab","supply":{"USD":340282366920938463463374607431768211455},"balances":{"a0":{"USD":7}}}"#,
            r#"{"ok":false,"error":"height 9 is not applied yet"}"#,
        ]);
        let mut c =
            NodeClient::connect(addr, Duration::from_secs(5), Duration::from_secs(5)).unwrap();
        let s: StateAnswer = c.ask(&StateReq { cmd: "state", accounts: &[] }).unwrap();
        assert_eq!(s.supply["USD"], u128::MAX);
        assert_eq!(s.balances["a0"]["USD"], 7);
        let e = c.ask::<_, StateAnswer>(&Cmd { cmd: "app_hash" }).unwrap_err();
        assert!(matches!(e, ClientError::Refused { .. }), "{e}");
        assert!(e.maybe_delivered());
    }

    #[test]
    fn a_submission_carries_the_operation_in_its_wire_form() {
        let tx = SubmitTx {
            tx: "t7".into(),
            op: Operation::Transfer {
                from: "a0".into(),
                to: "a1".into(),
                asset: "USD".into(),
                amount: 5,
            },
            nonce: Some(2),
        };
        let text = serde_json::to_string(&Submit { cmd: "submit", txs: &[tx] }).unwrap();
        assert_eq!(
            text,
            r#"{"cmd":"submit","txs":[{"tx":"t7","op":{"transfer":{"from":"a0","to":"a1","asset":"USD","amount":5}},"nonce":2}]}"#
        );
    }

    #[test]
    fn nothing_listening_is_a_connect_error_that_delivered_nothing() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let e =
            NodeClient::connect(addr, Duration::from_secs(1), Duration::from_secs(1)).unwrap_err();
        assert!(!e.maybe_delivered());
    }
}
