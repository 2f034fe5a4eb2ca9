//! Each fault does to real bytes what its name says.

use crate::support::*;
use std::time::Duration;
use touchstone_netproxy::{LinkParams, Mode};

#[allow(clippy::disallowed_methods)] // the tests measure real delays
fn now() -> std::time::Instant {
    std::time::Instant::now()
}

#[test]
fn bytes_pass_both_ways_and_are_counted_per_directed_link() {
    let node = Node::new();
    let (proxy, addr) = proxy_to(&node, "n1", "n0");
    let mut c = connect(addr);
    let mut s = node.accept();
    send(&mut c, b"hello");
    assert_eq!(read_n(&mut s, 5), b"hello");
    send(&mut s, b"back!!");
    assert_eq!(read_n(&mut c, 6), b"back!!");
    let stats = proxy.stats();
    let bytes =
        |f: &str, t: &str| stats.iter().find(|l| l.from == f && l.to == t).map_or(0, |l| l.bytes);
    assert_eq!((bytes("n0", "n1"), bytes("n1", "n0")), (5, 6), "{stats:?}");
}

#[test]
fn a_held_partition_delivers_nothing_until_heal_then_everything_in_order() {
    let node = Node::new();
    let (proxy, addr) = proxy_to(&node, "n1", "n0");
    let mut c = connect(addr);
    let mut s = node.accept();
    let effect = proxy.partition(&[names(&["n0"]), names(&["n1"])], Mode::Hold);
    assert_eq!(effect.connections_cut, 0);
    send(&mut c, b"one");
    send(&mut c, b"two");
    assert!(!arrives_within(&mut s, Duration::from_millis(300)), "held bytes were delivered");
    proxy.heal();
    assert_eq!(read_n(&mut s, 6), b"onetwo");
    // The connection survived the hold.
    send(&mut s, b"ok");
    assert_eq!(read_n(&mut c, 2), b"ok");
}

#[test]
fn a_cut_closes_open_connections_and_closes_new_ones_until_heal() {
    let node = Node::new();
    let (proxy, addr) = proxy_to(&node, "n1", "n0");
    let mut c = connect(addr);
    let mut s = node.accept();
    send(&mut c, b"up");
    assert_eq!(read_n(&mut s, 2), b"up");
    let effect = proxy.partition(&[names(&["n0"]), names(&["n1"])], Mode::Cut);
    assert_eq!(effect.connections_cut, 1);
    assert!(closed(&mut c), "the client end stayed open");
    assert!(closed(&mut s), "the node end stayed open");
    // A new connection is closed on accept and never reaches the node.
    let mut c2 = connect(addr);
    assert!(closed(&mut c2));
    proxy.heal();
    let mut c3 = connect(addr);
    let mut s3 = node.accept();
    send(&mut c3, b"again");
    assert_eq!(read_n(&mut s3, 5), b"again");
}

#[test]
fn a_one_way_block_stalls_only_that_direction() {
    let node = Node::new();
    let (proxy, addr) = proxy_to(&node, "n1", "n0");
    let mut c = connect(addr);
    let mut s = node.accept();
    proxy.block(&names(&["n1"]), &names(&["n0"]), Mode::Hold);
    send(&mut c, b"up");
    assert_eq!(read_n(&mut s, 2), b"up", "the open direction was stalled");
    send(&mut s, b"down");
    assert!(!arrives_within(&mut c, Duration::from_millis(300)), "the blocked direction passed");
    proxy.heal();
    assert_eq!(read_n(&mut c, 4), b"down");
}

#[test]
fn a_delayed_link_adds_at_least_its_delay_and_keeps_order_under_jitter() {
    let node = Node::new();
    let (proxy, addr) = proxy_to(&node, "n1", "n0");
    let mut c = connect(addr);
    let mut s = node.accept();
    let delay = Duration::from_millis(80);
    let jitter = Duration::from_millis(40);
    proxy.shape(
        &names(&["n0"]),
        &names(&["n1"]),
        LinkParams { delay, jitter, bandwidth_bps: None },
    );
    let t = now();
    for i in 0..20u8 {
        send(&mut c, &[i]);
    }
    let got = read_n(&mut s, 20);
    assert!(t.elapsed() >= delay, "arrived after {:?}", t.elapsed());
    assert_eq!(got, (0..20u8).collect::<Vec<_>>(), "jitter reordered bytes");
    // The other way is not delayed: it has no shape.
    assert_eq!(
        proxy.rules().verdict(Some("n1"), "n0"),
        touchstone_netproxy::Verdict::Pass(LinkParams::default())
    );
}

#[test]
fn a_bandwidth_cap_paces_the_link() {
    let node = Node::new();
    let (proxy, addr) = proxy_to(&node, "n1", "n0");
    let mut c = connect(addr);
    let mut s = node.accept();
    // 64 KiB at 1 Mbit/s take at least half a second.
    let cap = LinkParams { bandwidth_bps: Some(1_000_000), ..Default::default() };
    proxy.shape(&names(&["n0"]), &names(&["n1"]), cap);
    let payload = vec![7u8; 64 * 1024];
    let t = now();
    let writer = std::thread::spawn(move || send(&mut c, &payload));
    let got = read_n(&mut s, 64 * 1024);
    writer.join().unwrap();
    assert_eq!(got.len(), 64 * 1024);
    assert!(t.elapsed() >= Duration::from_millis(500), "64 KiB took {:?}", t.elapsed());
}

#[test]
fn heal_reports_its_effect_and_clears_every_rule() {
    let node = Node::new();
    let (proxy, _addr) = proxy_to(&node, "n1", "n0");
    proxy.partition(&[names(&["n0"]), names(&["n1", "n2"])], Mode::Hold);
    proxy.shape(
        &names(&["n1"]),
        &names(&["n2"]),
        LinkParams { delay: Duration::from_millis(5), ..Default::default() },
    );
    assert!(!proxy.rules().is_clear());
    let e = proxy.heal();
    assert!(proxy.rules().is_clear());
    assert!(e.elapsed < Duration::from_secs(2));
}
