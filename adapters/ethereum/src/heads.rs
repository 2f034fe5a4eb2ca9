//! New heads by subscription: a thread per endpoint holds a WebSocket on the endpoint's own port
//! (`ws://` in place of `http://`, as geth, reth and anvil serve both there), subscribes to
//! `newHeads`, and wakes that endpoint's observer on each notification. Where the node offers no
//! WebSocket, or the socket breaks (a crashed node), the observer polls at `poll_interval`
//! meanwhile; the thread reconnects once a second.
//!
//! `tungstenite` (the synchronous core of tokio-tungstenite) does the WebSocket framing: the
//! protocol's handshake, masking and fragmentation are not worth writing again, and it needs no
//! async runtime beside the adapter's threads.

use crate::shared::{lock, Ctx};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;
use tungstenite::{Message, WebSocket};

/// How long a read waits before the thread looks at the stop flag.
const READ_TICK: Duration = Duration::from_millis(200);
/// Connection attempts before giving up on a node that never offered a WebSocket.
const FIRST_TRIES: u32 = 3;

/// One endpoint's subscription thread.
#[derive(Debug)]
pub(crate) struct HeadsWatcher {
    pub ctx: Ctx,
    pub ep: usize,
    pub wake: Sender<()>,
    /// Set while the subscription is live (the observer then polls seldom).
    pub live: Arc<AtomicBool>,
}

/// `ws://host:port/path` for an `http://` URL.
pub(crate) fn ws_url(http: &str) -> Option<String> {
    http.strip_prefix("http://").map(|rest| format!("ws://{rest}"))
}

impl HeadsWatcher {
    pub fn run(self) {
        let Some(url) = ws_url(&self.ctx.urls[self.ep]) else { return };
        let mut ever = false;
        let mut tries = 0;
        while !self.ctx.stopping() {
            match self.subscribe(&url) {
                Some(mut ws) => {
                    ever = true;
                    self.live.store(true, Ordering::Relaxed);
                    self.listen(&mut ws);
                    self.live.store(false, Ordering::Relaxed);
                    let _ = self.wake.send(()); // poll now: heads may have been missed
                }
                None if !ever => {
                    tries += 1;
                    if tries >= FIRST_TRIES {
                        return; // no WebSocket here: the observer polls
                    }
                }
                None => {}
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// Connects and subscribes to `newHeads`.
    fn subscribe(&self, url: &str) -> Option<WebSocket<TcpStream>> {
        let addr: SocketAddr =
            url.strip_prefix("ws://")?.split('/').next()?.to_socket_addrs().ok()?.next()?;
        let stream = TcpStream::connect_timeout(&addr, self.ctx.cfg.connect_timeout).ok()?;
        stream.set_read_timeout(Some(self.ctx.cfg.http_timeout)).ok()?;
        let _ = stream.set_nodelay(true);
        let (mut ws, _) = tungstenite::client(url, stream).ok()?;
        let sub = r#"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"#;
        ws.send(Message::text(sub)).ok()?;
        // The answer is the subscription id; an error object means no subscriptions here.
        loop {
            match ws.read().ok()? {
                Message::Text(t) => {
                    let v: serde_json::Value = serde_json::from_str(t.as_str()).ok()?;
                    if v.get("id").is_some() {
                        v.get("result")?.as_str()?;
                        break;
                    }
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
        ws.get_ref().set_read_timeout(Some(READ_TICK)).ok()?;
        Some(ws)
    }

    /// Wakes the observer on every notification until the socket breaks or the adapter stops.
    fn listen(&self, ws: &mut WebSocket<TcpStream>) {
        while !self.ctx.stopping() {
            match ws.read() {
                Ok(Message::Text(t)) if t.as_str().contains("eth_subscription") => {
                    lock(&self.ctx.shared).stats.ws_heads += 1;
                    if self.wake.send(()).is_err() {
                        return;
                    }
                }
                Ok(Message::Close(_)) => return,
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
        }
        let _ = ws.close(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_is_on_the_endpoints_own_port() {
        assert_eq!(ws_url("http://127.0.0.1:8545").as_deref(), Some("ws://127.0.0.1:8545"));
        assert_eq!(ws_url("http://node/rpc").as_deref(), Some("ws://node/rpc"));
        assert_eq!(ws_url("https://node"), None);
    }
}
