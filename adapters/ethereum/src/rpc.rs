//! A minimal JSON-RPC 2.0 client over HTTP/1.1 (`ureq`, keep-alive), with a timeout on every
//! call and batches whose answers are matched back by id (a batch's answers may come in any
//! order). Transport failures say whether the node refused, hung or answered garbage.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::io::Read;
use std::time::Duration;

/// Largest answer read (a batch of receipts of full blocks is a few MB).
const MAX_BODY: u64 = 256 << 20;

/// How a call failed before any JSON-RPC answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Nothing listens (connection refused, unreachable).
    Refused,
    /// Connected but no answer within the timeout: the request may or may not have arrived.
    Timeout,
    /// Anything else at the socket level.
    Io,
}

/// Errors of a call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RpcError {
    #[error("{url}: {message}")]
    Transport { url: String, kind: TransportKind, message: String },
    #[error("{url}: HTTP status {status}: {body}")]
    Http { url: String, status: u16, body: String },
    #[error("{url}: not a JSON-RPC answer: {message}")]
    Garbage { url: String, message: String },
    #[error(transparent)]
    Node(NodeError),
}

/// A JSON-RPC error object from the node.
#[derive(Debug, Clone, PartialEq, Deserialize, thiserror::Error)]
#[error("node error {code}: {message}")]
pub struct NodeError {
    pub code: i64,
    pub message: String,
    #[serde(default)]
    pub data: Option<Value>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default = "Option::default")]
    result: Option<T>,
    #[serde(default)]
    error: Option<NodeError>,
}

/// A JSON-RPC endpoint.
#[derive(Debug, Clone)]
pub struct RpcClient {
    agent: ureq::Agent,
    url: String,
}

impl RpcClient {
    /// `connect` bounds connection set-up; `timeout` bounds a whole call (send + answer).
    pub fn new(url: &str, connect: Duration, timeout: Duration) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(connect)
            .timeout(timeout)
            .max_idle_connections_per_host(4)
            .build();
        RpcClient { agent, url: url.to_string() }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// One call; `null` results come back as `Value::Null`.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        self.call_typed::<Value>(method, params).map(|v| v.unwrap_or(Value::Null))
    }

    /// One call whose result is parsed as `T` (`None` for a `null` result).
    pub fn call_typed<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Option<T>, RpcError> {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let bytes = self.post(&body.to_string())?;
        let env: Envelope<T> =
            serde_json::from_slice(&bytes).map_err(|e| self.garbage(&bytes, e))?;
        match env.error {
            Some(e) => Err(RpcError::Node(e)),
            None => Ok(env.result),
        }
    }

    /// A batch: one answer per call, in the order of `calls`.
    pub fn batch(
        &self,
        calls: &[(&str, Value)],
    ) -> Result<Vec<Result<Value, NodeError>>, RpcError> {
        Ok(self
            .batch_typed::<Value>(calls)?
            .into_iter()
            .map(|r| r.map(|v| v.unwrap_or(Value::Null)))
            .collect())
    }

    /// A batch whose results are parsed as `T`.
    pub fn batch_typed<T: DeserializeOwned>(
        &self,
        calls: &[(&str, Value)],
    ) -> Result<Vec<Result<Option<T>, NodeError>>, RpcError> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let reqs: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(i, (m, p))| serde_json::json!({"jsonrpc": "2.0", "id": i, "method": m, "params": p}))
            .collect();
        let bytes = self.post(&Value::Array(reqs).to_string())?;
        let envs: Vec<Envelope<T>> = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            // A node that does not batch answers one error object for the whole request.
            Err(e) => match serde_json::from_slice::<Envelope<Value>>(&bytes) {
                Ok(Envelope { error: Some(err), .. }) => return Err(RpcError::Node(err)),
                _ => return Err(self.garbage(&bytes, e)),
            },
        };
        let mut out: Vec<Option<Result<Option<T>, NodeError>>> =
            (0..calls.len()).map(|_| None).collect();
        for env in envs {
            let Some(i) = env
                .id
                .as_ref()
                .and_then(Value::as_u64)
                .map(|i| i as usize)
                .filter(|&i| i < calls.len())
            else {
                return Err(RpcError::Garbage {
                    url: self.url.clone(),
                    message: format!("batch answer with an unknown id {:?}", env.id),
                });
            };
            out[i] = Some(match env.error {
                Some(e) => Err(e),
                None => Ok(env.result),
            });
        }
        out.into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.ok_or_else(|| RpcError::Garbage {
                    url: self.url.clone(),
                    message: format!("batch answer lacks id {i} ({})", calls[i].0),
                })
            })
            .collect()
    }

    /// A batch of `eth_sendRawTransaction`, one per `0x` hex transaction, in order: the
    /// request is written directly and the answers' results are not kept (the caller knows the
    /// hashes), so sending costs little more than the bytes.
    pub fn send_raw_batch(&self, hexes: &[&str]) -> Result<Vec<Result<(), NodeError>>, RpcError> {
        if hexes.is_empty() {
            return Ok(Vec::new());
        }
        let mut body = String::with_capacity(hexes.iter().map(|h| h.len() + 72).sum::<usize>() + 2);
        body.push('[');
        for (i, h) in hexes.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(r#"{"jsonrpc":"2.0","id":"#);
            body.push_str(itoa::Buffer::new().format(i));
            body.push_str(r#","method":"eth_sendRawTransaction","params":[""#);
            body.push_str(h);
            body.push_str(r#""]}"#);
        }
        body.push(']');
        let bytes = self.post(&body)?;
        let envs: Vec<Envelope<serde::de::IgnoredAny>> = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => match serde_json::from_slice::<Envelope<Value>>(&bytes) {
                Ok(Envelope { error: Some(err), .. }) => return Err(RpcError::Node(err)),
                _ => return Err(self.garbage(&bytes, e)),
            },
        };
        let mut out: Vec<Option<Result<(), NodeError>>> = vec![None; hexes.len()];
        for env in envs {
            let i = env.id.as_ref().and_then(Value::as_u64).map(|i| i as usize);
            let Some(slot) = i.and_then(|i| out.get_mut(i)) else {
                return Err(RpcError::Garbage {
                    url: self.url.clone(),
                    message: format!("batch answer with an unknown id {:?}", env.id),
                });
            };
            *slot = Some(match env.error {
                Some(e) => Err(e),
                None => Ok(()),
            });
        }
        out.into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.ok_or_else(|| RpcError::Garbage {
                    url: self.url.clone(),
                    message: format!("batch answer lacks id {i} (eth_sendRawTransaction)"),
                })
            })
            .collect()
    }

    fn post(&self, body: &str) -> Result<Vec<u8>, RpcError> {
        let resp =
            self.agent.post(&self.url).set("content-type", "application/json").send_string(body);
        let resp = match resp {
            Ok(r) => r,
            Err(ureq::Error::Status(status, r)) => {
                let body = r.into_string().unwrap_or_default();
                // JSON-RPC servers may carry an error object on a non-200 status.
                if let Ok(Envelope::<Value> { error: Some(e), .. }) = serde_json::from_str(&body) {
                    return Err(RpcError::Node(e));
                }
                return Err(RpcError::Http {
                    url: self.url.clone(),
                    status,
                    body: truncate(&body, 200),
                });
            }
            Err(ureq::Error::Transport(t)) => return Err(self.transport(&t.to_string())),
        };
        let mut bytes = Vec::new();
        resp.into_reader()
            .take(MAX_BODY)
            .read_to_end(&mut bytes)
            .map_err(|e| self.transport(&e.to_string()))?;
        Ok(bytes)
    }

    fn transport(&self, message: &str) -> RpcError {
        let m = message.to_ascii_lowercase();
        let kind = if m.contains("refused") || m.contains("unreachable") || m.contains("dns") {
            TransportKind::Refused
        } else if m.contains("timed out") || m.contains("timeout") || m.contains("would block") {
            TransportKind::Timeout
        } else {
            TransportKind::Io
        };
        RpcError::Transport { url: self.url.clone(), kind, message: message.to_string() }
    }

    fn garbage(&self, bytes: &[u8], e: serde_json::Error) -> RpcError {
        RpcError::Garbage {
            url: self.url.clone(),
            message: format!(
                "{e}; the answer began {:?}",
                truncate(&String::from_utf8_lossy(bytes), 120)
            ),
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Parses a `0x` hex quantity.
pub fn quantity(v: &Value) -> Option<u128> {
    let s = v.as_str()?.strip_prefix("0x")?;
    if s.is_empty() || s.len() > 32 {
        return None;
    }
    u128::from_str_radix(s, 16).ok()
}

/// `0x` hex of a quantity.
pub fn hex_quantity(v: u128) -> String {
    format!("{v:#x}")
}

/// Parses 32 bytes of `0x` hex (a hash).
pub fn hash32(v: &Value) -> Option<[u8; 32]> {
    let b = hex::decode(v.as_str()?.strip_prefix("0x")?).ok()?;
    b.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A one-shot HTTP server answering `body` to the first request (or never, if `None`).
    fn serve_once(body: Option<&'static str>) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut buf = vec![0; len];
            std::io::Read::read_exact(&mut r, &mut buf).unwrap();
            match body {
                Some(b) => {
                    write!(s, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{b}", b.len()).unwrap();
                }
                None => std::thread::sleep(Duration::from_secs(3)),
            }
        });
        url
    }

    fn client(url: &str) -> RpcClient {
        RpcClient::new(url, Duration::from_millis(500), Duration::from_millis(500))
    }

    #[test]
    fn batch_answers_are_matched_by_id_whatever_their_order() {
        let url = serve_once(Some(
            r#"[{"jsonrpc":"2.0","id":1,"result":"0x2"},{"jsonrpc":"2.0","id":0,"error":{"code":-32003,"message":"nonce too low"}}]"#,
        ));
        let out = client(&url).batch(&[("a", Value::Null), ("b", Value::Null)]).unwrap();
        assert_eq!(out[0].as_ref().unwrap_err().message, "nonce too low");
        assert_eq!(out[1].as_ref().unwrap(), &Value::from("0x2"));
    }

    #[test]
    fn raw_transaction_batches_match_answers_by_id() {
        let url = serve_once(Some(
            r#"[{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too low"}},{"jsonrpc":"2.0","id":0,"result":"0xab"}]"#,
        ));
        let out = client(&url).send_raw_batch(&["0x01", "0x02"]).unwrap();
        assert!(out[0].is_ok());
        assert_eq!(out[1].as_ref().unwrap_err().message, "nonce too low");
    }

    #[test]
    fn garbage_answers_are_reported_as_such() {
        let url = serve_once(Some("<html>hello</html>"));
        let e = client(&url).call("eth_chainId", Value::Null).unwrap_err();
        assert!(matches!(e, RpcError::Garbage { .. }), "{e}");
        assert!(e.to_string().contains("<html>"), "{e}");
    }

    #[test]
    fn a_hanging_node_times_out() {
        let url = serve_once(None);
        let e = client(&url).call("eth_chainId", Value::Null).unwrap_err();
        assert!(matches!(e, RpcError::Transport { kind: TransportKind::Timeout, .. }), "{e:?}");
    }

    #[test]
    fn a_closed_port_is_refused() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = client(&format!("http://127.0.0.1:{port}"))
            .call("eth_chainId", Value::Null)
            .unwrap_err();
        assert!(matches!(e, RpcError::Transport { kind: TransportKind::Refused, .. }), "{e:?}");
    }

    #[test]
    fn quantities_parse_and_print() {
        assert_eq!(quantity(&Value::from("0x7a69")), Some(31337));
        assert_eq!(quantity(&Value::from("0x")), None);
        assert_eq!(quantity(&Value::from("12")), None);
        assert_eq!(hex_quantity(0), "0x0");
        assert_eq!(hex_quantity(255), "0xff");
    }
}
