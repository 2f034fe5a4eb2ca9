//! Who is on the other end of an accepted connection.
//!
//! With one listener per directed link the listener says it ([`Source::Node`]). Some systems
//! give every node a single peer address that all its peers dial — etcd derives its member ids
//! from the peer URLs of `--initial-cluster`, so a member cannot be told to reach one peer at
//! different addresses — and then one listener per destination serves every source. The source
//! is then read from the connection itself: [`Source::Header`] reads the head of the first HTTP
//! request (etcd's peer requests carry `X-Server-From: <member id>`) and keeps the header's
//! value as the connection's *token*, which the proxy maps to a node name
//! ([`crate::NetProxy::identify`]). Later requests on a kept-alive connection come from the
//! same process, so one head identifies the whole connection.

use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// How the proxy learns a connection's source node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Every connection to this listener comes from this node.
    Node(String),
    /// The value of this HTTP header in the connection's first request head, mapped to a node.
    Header(String),
}

/// The longest request head the proxy reads to find a header.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// How long the proxy waits for the first request head.
pub(crate) const HEAD_WAIT: Duration = Duration::from_secs(2);

/// Reads from `conn` until the end of an HTTP request head (or [`MAX_HEAD`] bytes, or
/// [`HEAD_WAIT`], or end of stream). Returns the bytes read (to be forwarded first) and the
/// value of header `name`, if the head has one.
pub(crate) async fn sniff(conn: &mut TcpStream, name: &str) -> (Vec<u8>, Option<String>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while head.len() < MAX_HEAD && !has_end_of_head(&head) {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(HEAD_WAIT, read).await;
    let token = header_value(&head, name);
    (head, token)
}

fn has_end_of_head(b: &[u8]) -> bool {
    b.windows(4).any(|w| w == b"\r\n\r\n")
}

/// The value of header `name` (case-insensitive) in an HTTP request head, trimmed.
pub fn header_value(head: &[u8], name: &str) -> Option<String> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(head.len());
    let text = String::from_utf8_lossy(&head[..end]);
    text.split("\r\n").skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_found_whatever_its_case() {
        let head =
            b"GET /raft/stream/message/66d5 HTTP/1.1\r\nHost: x\r\nx-server-from: 66d5\r\n\r\nbody";
        assert_eq!(header_value(head, "X-Server-From").as_deref(), Some("66d5"));
    }

    #[test]
    fn a_head_without_the_header_has_no_token() {
        let head = b"GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(header_value(head, "X-Server-From"), None);
        // The request line is not a header, and a body is not read as one.
        let tricky = b"X-Server-From: a\r\nHost: x\r\n\r\nX-Server-From: b\r\n";
        assert_eq!(header_value(tricky, "X-Server-From"), None);
    }
}
