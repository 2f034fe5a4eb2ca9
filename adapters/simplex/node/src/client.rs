//! The client endpoint for the harness: newline-delimited JSON over TCP on a loopback address.
//! One request per line, one answer per line, in order (requests may be pipelined). The
//! protocol is documented in the node's README; this module parses requests and serves
//! connections, and the application answers them.

use crate::block::Tx;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use touchstone_core::{Operation, TxId};

/// Most outcomes in one answer unless the request asks for fewer.
pub const DEFAULT_MAX_OUTCOMES: usize = 10_000;
/// Longest `wait_ms` honoured.
pub const MAX_WAIT_MS: u64 = 10_000;

/// A request line (`cmd` names it; the fields are those of each variant).
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Finalized height, current view, app hash, mode, mempool size.
    Health,
    /// The genesis file in force and its digest.
    Genesis,
    /// Transactions to admit; each is answered accepted or rejected with a reason code.
    Submit { txs: Vec<SubmitTx> },
    /// Outcomes from position `since` of this process's outcome stream (at most `max`); with
    /// `wait_ms`, waits up to that long for at least one.
    Outcomes { since: u64, max: usize, wait_ms: u64 },
    /// Supply and balances now (of `accounts`, or all), with the height and app hash.
    State { accounts: Option<Vec<String>> },
    /// The app hash after `height`.
    AppHash { height: u64 },
}

// Each command's fields, read on their own: an internally tagged enum would buffer the line,
// and serde cannot buffer the u128 amounts of a submission.
#[derive(Deserialize)]
struct Head {
    cmd: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {
    #[serde(rename = "cmd")]
    _cmd: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    #[serde(rename = "cmd")]
    _cmd: String,
    txs: Vec<SubmitTx>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomesBody {
    #[serde(rename = "cmd")]
    _cmd: String,
    #[serde(default)]
    since: u64,
    #[serde(default = "default_max")]
    max: usize,
    #[serde(default)]
    wait_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateBody {
    #[serde(rename = "cmd")]
    _cmd: String,
    #[serde(default)]
    accounts: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppHashBody {
    #[serde(rename = "cmd")]
    _cmd: String,
    height: u64,
}

fn default_max() -> usize {
    DEFAULT_MAX_OUTCOMES
}

/// One transaction of a `submit`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubmitTx {
    /// `"t17"` (as in the trace) or `17`.
    #[serde(deserialize_with = "tx_id")]
    pub tx: TxId,
    /// The operation in the node's JSON form (see [`crate::op`]).
    #[serde(with = "crate::op")]
    pub op: Operation,
    #[serde(default)]
    pub nonce: Option<u64>,
}

impl SubmitTx {
    /// The transaction as the network carries it, valid up to `expires`.
    pub fn into_tx(self, expires: u64) -> Tx {
        Tx { id: self.tx.0, op: self.op, nonce: self.nonce, expires }
    }
}

fn tx_id<'de, D: Deserializer<'de>>(d: D) -> Result<TxId, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Num(u64),
        Text(String),
    }
    match Repr::deserialize(d)? {
        Repr::Num(n) => Ok(TxId(n)),
        Repr::Text(s) => {
            TxId::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("bad tx id `{s}`")))
        }
    }
}

/// Parses a request line.
pub fn parse(line: &str) -> Result<Request, String> {
    fn body<'a, T: Deserialize<'a>>(line: &'a str) -> Result<T, String> {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }
    let head: Head = body(line)?;
    Ok(match head.cmd.as_str() {
        "health" => body::<Empty>(line).map(|_| Request::Health)?,
        "genesis" => body::<Empty>(line).map(|_| Request::Genesis)?,
        "submit" => Request::Submit { txs: body::<SubmitBody>(line)?.txs },
        "outcomes" => {
            let b: OutcomesBody = body(line)?;
            Request::Outcomes { since: b.since, max: b.max, wait_ms: b.wait_ms }
        }
        "state" => Request::State { accounts: body::<StateBody>(line)?.accounts },
        "app_hash" => Request::AppHash { height: body::<AppHashBody>(line)?.height },
        other => return Err(format!("unknown cmd `{other}`")),
    })
}

/// The answer to a line that is not a request.
pub fn error(message: &str) -> Value {
    json!({ "ok": false, "error": message })
}

/// A call from a connection to the application.
#[derive(Debug)]
pub struct Call {
    pub request: Request,
    pub answer: oneshot::Sender<Value>,
}

/// Accepts connections until the process ends.
pub async fn serve(listener: TcpListener, calls: mpsc::UnboundedSender<Call>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let calls = calls.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(stream, calls).await {
                        tracing::debug!(error = %e, "client connection ended");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "client endpoint accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn connection(stream: TcpStream, calls: mpsc::UnboundedSender<Call>) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        let answer = match parse(&line) {
            Ok(req) => answer(req, &calls).await,
            Err(e) => error(&format!("bad request: {e}")),
        };
        let mut out = answer.to_string().into_bytes();
        out.push(b'\n');
        w.write_all(&out).await?;
    }
    Ok(())
}

async fn ask(request: Request, calls: &mpsc::UnboundedSender<Call>) -> Value {
    let (tx, rx) = oneshot::channel();
    if calls.send(Call { request, answer: tx }).is_err() {
        return error("node is shutting down");
    }
    rx.await.unwrap_or_else(|_| error("node is shutting down"))
}

/// Asks the application; an `outcomes` request with `wait_ms` is asked again until it has
/// outcomes or the wait is over.
async fn answer(req: Request, calls: &mpsc::UnboundedSender<Call>) -> Value {
    let wait = match &req {
        Request::Outcomes { wait_ms, .. } => Duration::from_millis((*wait_ms).min(MAX_WAIT_MS)),
        _ => Duration::ZERO,
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let v = ask(req.clone(), calls).await;
        let empty = v.get("outcomes").and_then(Value::as_array).is_some_and(|a| a.is_empty());
        if !empty || tokio::time::Instant::now() >= deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_with_defaults() {
        assert_eq!(parse(r#"{"cmd":"health"}"#), Ok(Request::Health));
        assert_eq!(
            parse(r#"{"cmd":"outcomes","since":4}"#),
            Ok(Request::Outcomes { since: 4, max: DEFAULT_MAX_OUTCOMES, wait_ms: 0 })
        );
        assert_eq!(parse(r#"{"cmd":"state"}"#), Ok(Request::State { accounts: None }));
        assert_eq!(parse(r#"{"cmd":"app_hash","height":3}"#), Ok(Request::AppHash { height: 3 }));
    }

    #[test]
    fn a_submission_takes_trace_style_or_numeric_ids_and_a_harness_operation() {
        let line = r#"{"cmd":"submit","txs":[
            {"tx":"t7","op":{"transfer":{"from":"a0","to":"a1","asset":"USD","amount":340282366920938463463374607431768211455}},"nonce":2},
            {"tx":8,"op":{"issue":{"to":"a1","asset":"USD","amount":5}}}]}"#;
        let Ok(Request::Submit { txs }) = parse(line) else { panic!("{:?}", parse(line)) };
        assert_eq!(txs[0].tx, TxId(7));
        assert_eq!(txs[0].nonce, Some(2));
        assert_eq!(txs[0].op.amount(), Some(u128::MAX));
        assert_eq!(txs[1].tx, TxId(8));
        assert_eq!(txs[1].nonce, None);
        let tx = txs[0].clone().into_tx(40);
        assert_eq!((tx.id, tx.expires), (7, 40));
    }

    #[test]
    fn bad_lines_are_refused_with_a_message() {
        for bad in [
            r#"{"cmd":"fly"}"#,
            "not json",
            r#"{"cmd":"submit","txs":[{"tx":"x1"}]}"#,
            r#"{"cmd":"health","extra":1}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(error("x")["ok"], false);
    }
}
