//! The JSON control protocol, as an adapter in another language speaks it.

use crate::support::*;
use serde_json::Value;
use std::io::Cursor;
use touchstone_netproxy::control::serve;
use touchstone_netproxy::NetProxy;

fn replies(proxy: &mut NetProxy, requests: &[String]) -> (Vec<Value>, bool) {
    let mut out = Vec::new();
    let quit = serve(proxy, Cursor::new(requests.join("\n")), &mut out).unwrap();
    let lines = String::from_utf8(out).unwrap();
    (lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect(), quit)
}

#[test]
fn the_control_protocol_routes_partitions_reports_and_heals() {
    let node = Node::new();
    let mut proxy = NetProxy::start(3).unwrap();
    let route = format!(
        r#"{{"cmd":"route","listen":"127.0.0.1:0","target":"{}","to":"n1","from":"n0"}}"#,
        node.addr()
    );
    let (r, _) = replies(&mut proxy, &[route]);
    assert_eq!(r[0]["ok"], true, "{r:?}");
    let addr: std::net::SocketAddr = r[0]["listen"].as_str().unwrap().parse().unwrap();
    let mut c = connect(addr);
    let mut s = node.accept();
    send(&mut c, b"hi");
    assert_eq!(read_n(&mut s, 2), b"hi");
    let (r, quit) = replies(
        &mut proxy,
        &[
            r#"{"cmd":"partition","groups":[["n0"],["n1"]],"mode":"cut"}"#.into(),
            r#"{"cmd":"stats"}"#.into(),
            r#"{"cmd":"heal"}"#.into(),
            r#"{"cmd":"link","from":["n0"],"to":["n1"],"delay_ns":1000000,"both_ways":true}"#
                .into(),
            r#"{"cmd":"partition","groups":"n0"}"#.into(),
            r#"{"cmd":"quit"}"#.into(),
            r#"{"cmd":"heal"}"#.into(),
        ],
    );
    assert_eq!(r[0]["connections_cut"], 1, "{r:?}");
    assert!(r[0]["elapsed_ns"].as_u64().is_some());
    assert_eq!(r[1]["links"][0]["from"], "n0", "{r:?}");
    assert_eq!(r[1]["blocked"][0], serde_json::json!(["n0", "n1", "cut"]));
    assert_eq!(r[2]["ok"], true);
    assert_eq!(r[3]["ok"], true);
    assert_eq!(r[4]["ok"], false);
    assert!(r[4]["error"].as_str().unwrap().contains("bad request"), "{r:?}");
    // Nothing is served after quit.
    assert_eq!(r.len(), 6);
    assert!(quit);
}

#[test]
fn a_route_needs_exactly_one_way_to_know_its_source() {
    let mut proxy = NetProxy::start(3).unwrap();
    let (r, _) = replies(
        &mut proxy,
        &[r#"{"cmd":"route","listen":"127.0.0.1:0","target":"127.0.0.1:9","to":"n1"}"#.into()],
    );
    assert_eq!(r[0]["ok"], false);
    assert!(r[0]["error"].as_str().unwrap().contains("exactly one"), "{r:?}");
}
