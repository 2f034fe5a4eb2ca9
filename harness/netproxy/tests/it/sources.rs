//! One listener per destination: the source is read from the connection's first request head,
//! the way etcd's peers announce themselves (`X-Server-From`).

use crate::support::*;
use std::collections::BTreeMap;
use std::time::Duration;
use touchstone_netproxy::{Mode, NetProxy, Route, Source};

fn shared_listener(node: &Node) -> (NetProxy, std::net::SocketAddr) {
    let mut proxy = NetProxy::start(1).unwrap();
    let addr = proxy
        .route(Route {
            listen: "127.0.0.1:0".parse().unwrap(),
            target: node.addr(),
            to: "n2".into(),
            from: Source::Header("X-Server-From".into()),
        })
        .unwrap();
    (proxy, addr)
}

const FROM_N0: &[u8] =
    b"GET /raft/stream/message/aa00 HTTP/1.1\r\nHost: x\r\nX-Server-From: aa00\r\n\r\n";
const FROM_N1: &[u8] =
    b"GET /raft/stream/message/bb11 HTTP/1.1\r\nHost: x\r\nX-Server-From: bb11\r\n\r\n";

#[test]
fn a_peer_named_by_its_header_is_partitioned_and_the_others_are_not() {
    let node = Node::new();
    let (proxy, addr) = shared_listener(&node);
    // The map may come after the connections opened (etcd's member ids are known only once
    // the cluster runs).
    let mut c0 = connect(addr);
    send(&mut c0, FROM_N0);
    let mut s0 = node.accept();
    assert_eq!(read_n(&mut s0, FROM_N0.len()), FROM_N0);
    let mut c1 = connect(addr);
    send(&mut c1, FROM_N1);
    let mut s1 = node.accept();
    assert_eq!(read_n(&mut s1, FROM_N1.len()), FROM_N1);
    proxy.identify(BTreeMap::from([("aa00".into(), "n0".into()), ("bb11".into(), "n1".into())]));
    proxy.partition(&[names(&["n0"]), names(&["n1", "n2"])], Mode::Hold);
    send(&mut c0, b"x");
    send(&mut c1, b"y");
    assert_eq!(read_n(&mut s1, 1), b"y", "n1 was held though it is with n2");
    assert!(
        !arrives_within(&mut s0, Duration::from_millis(300)),
        "n0 reached n2 across the partition"
    );
    proxy.heal();
    assert_eq!(read_n(&mut s0, 1), b"x");
    let links = proxy.stats();
    assert!(links.iter().any(|l| l.from == "n0" && l.to == "n2"), "{links:?}");
}

#[test]
fn a_connection_without_the_header_is_blocked_when_its_node_is_cut_off() {
    let node = Node::new();
    let (proxy, addr) = shared_listener(&node);
    let probe = b"GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut c = connect(addr);
    send(&mut c, probe);
    let mut s = node.accept();
    assert_eq!(read_n(&mut s, probe.len()), probe);
    proxy.partition(&[names(&["n0"]), names(&["n2"])], Mode::Hold);
    send(&mut c, b"z");
    assert!(!arrives_within(&mut s, Duration::from_millis(300)));
    proxy.heal();
    assert_eq!(read_n(&mut s, 1), b"z");
    let links = proxy.stats();
    assert!(links.iter().any(|l| l.from == touchstone_netproxy::UNKNOWN), "{links:?}");
}
