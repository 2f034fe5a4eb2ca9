//! # touchstone-netproxy: network faults between real processes
//!
//! A TCP proxy on loopback that sits on the links between the nodes of a real system under
//! test and does to them what the scenario says: delay with jitter, a bandwidth cap, a
//! partition (held or cut, then healed), a one-way link. The nodes never see it: each is told
//! to reach its peers at the proxy's addresses. It is shared by every adapter that runs nodes
//! as processes — the etcd adapter drives it over its JSON control protocol ([`control`], served
//! by `touchstone netproxy`), a Rust adapter calls [`NetProxy`] directly.
//!
//! ```
//! use std::io::{Read, Write};
//! use touchstone_netproxy::{Mode, NetProxy, Route, Source};
//!
//! // A node "n1" listening on some port, reached by "n0" through the proxy.
//! let node = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! let mut proxy = NetProxy::start(7).unwrap();
//! let addr = proxy.route(Route {
//!     listen: "127.0.0.1:0".parse().unwrap(),
//!     target: node.local_addr().unwrap(),
//!     to: "n1".into(),
//!     from: Source::Node("n0".into()),
//! }).unwrap();
//! let mut client = std::net::TcpStream::connect(addr).unwrap();
//! let (mut server, _) = node.accept().unwrap();
//! client.write_all(b"ping").unwrap();
//! let mut buf = [0u8; 4];
//! server.read_exact(&mut buf).unwrap();
//! assert_eq!(&buf, b"ping");
//!
//! // Cut n0 off from n1: the open connection is closed.
//! let effect = proxy.partition(&[vec!["n0".into()], vec!["n1".into()]], Mode::Cut);
//! assert_eq!(effect.connections_cut, 1);
//! assert_eq!(server.read(&mut buf).unwrap(), 0);
//! proxy.heal();
//! ```
//!
//! ## Links, listeners and sources
//! A *directed link* `a → b` carries the bytes node `a` sends to node `b`. A connection from
//! `a` to `b`'s listener carries `a → b` one way and `b → a` the other, so a one-way fault acts
//! on bytes, not on connections: blocking `a → b` stalls `a`'s requests to `b` and `b`'s
//! answers to `a`'s own requests are still delivered (TCP-level one-way loss, as `iptables`
//! would give it; a request–response protocol sees the blocked half as a stall).
//!
//! Two ways to know who is connecting ([`Source`]):
//! - **one listener per directed link** ([`Source::Node`]): when each node can be given its own
//!   address for each peer (commonware's p2p takes every peer address explicitly);
//! - **one listener per destination, source read from the connection** ([`Source::Header`]):
//!   when every node must reach a peer at one address. etcd is such a system: a member's id is
//!   derived from the peer URLs in `--initial-cluster`, so all members must dial one URL per
//!   member. Its peer requests carry `X-Server-From: <member id>`, which the proxy reads from
//!   the first request head of each connection and maps to a node name ([`NetProxy::identify`]).
//!   Loopback source addresses (`127.0.0.2`, …) cannot serve instead: etcd cannot be told which
//!   local address to dial from. A connection without the header (etcd's `/version` and
//!   `/raft/probing` checks) is *unidentified*: it is blocked when any link of its direction at
//!   its node is, and never delayed.
//!
//! ## Faults
//! | fault | effect |
//! |---|---|
//! | [`NetProxy::partition`] / [`NetProxy::block`] with [`Mode::Hold`] | bytes on the blocked links are not delivered (the proxy stops reading, TCP's back-pressure holds the sender); after heal they flow in order; connections stay open |
//! | … with [`Mode::Cut`] | connections carrying a blocked link are closed at once; new ones are closed on accept, until heal |
//! | [`NetProxy::shape`] | every chunk read waits `delay` + uniform `[0, jitter]` (never overtaking the one before), and the link sends at most `bandwidth_bps`, shared by its connections |
//! | [`NetProxy::heal`] | every block and shape removed |
//!
//! Each call returns an [`Effect`]: how long after the call the change was in force
//! everywhere, and how many connections it cut — the adapter stamps its `fault.*` and
//! `net.heal` lines with these times. Loss, duplication and reordering are not offered: a TCP
//! stream cannot lose a byte and stay a stream.
//!
//! ## Determinism
//! Jitter draws come from a ChaCha8 stream seeded by [`NetProxy::start`]; the timing of a real
//! network is not reproducible, and the proxy does not pretend it is.

pub mod control;
mod proxy;
mod pump;
mod rules;
mod shared;
mod source;

pub use proxy::{Effect, NetProxy, ProxyError, Route};
pub use rules::{LinkParams, Mode, Rules, Verdict};
pub use shared::{LinkStat, UNKNOWN};
pub use source::{header_value, Source};
