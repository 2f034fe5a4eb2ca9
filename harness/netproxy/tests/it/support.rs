//! A node behind the proxy: a listener whose accepted connections the test reads and writes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;
use touchstone_netproxy::{NetProxy, Route, Source};

/// How long a test waits for bytes that must arrive.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A listening "node".
pub struct Node {
    pub listener: TcpListener,
}

impl Node {
    pub fn new() -> Node {
        Node { listener: TcpListener::bind("127.0.0.1:0").unwrap() }
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap()
    }

    /// The next connection the proxy opens to this node.
    pub fn accept(&self) -> TcpStream {
        let (s, _) = self.listener.accept().unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        s
    }
}

/// A proxy with one route to `node` (named `to`) from node `from`.
pub fn proxy_to(node: &Node, to: &str, from: &str) -> (NetProxy, SocketAddr) {
    let mut proxy = NetProxy::start(1).unwrap();
    let addr = proxy
        .route(Route {
            listen: "127.0.0.1:0".parse().unwrap(),
            target: node.addr(),
            to: to.into(),
            from: Source::Node(from.into()),
        })
        .unwrap();
    (proxy, addr)
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Reads exactly `n` bytes (panics after [`PATIENCE`]).
pub fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).unwrap();
    buf
}

/// Whether any byte arrives within `within`.
pub fn arrives_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut b = [0u8; 1];
    let got = matches!(s.peek(&mut b), Ok(n) if n > 0);
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    got
}

/// Whether the peer closed the connection (end of stream or reset) within [`PATIENCE`].
pub fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 64];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
}

pub fn send(s: &mut TcpStream, bytes: &[u8]) {
    s.write_all(bytes).unwrap();
}

pub fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}
