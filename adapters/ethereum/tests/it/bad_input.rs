//! Bad endpoints and configurations end in adapter errors that say which and where.

use crate::support::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use touchstone_core::adapter::{Adapter, AdapterError, Setup};
use touchstone_core::scenario::AssetSpec;
use touchstone_core::Seed;
use touchstone_ethereum::{Config, EthereumAdapter};

fn external(url: &str, extra: &str) -> Config {
    Config::parse(
        &format!("endpoint = \"{url}\"\nfunding_key = \"{}\"\nhttp_timeout = \"1s\"\nconnect_timeout = \"1s\"\n{extra}", touchstone_ethereum::config::ANVIL_DEV_KEY),
        "bad.toml",
    )
    .unwrap()
}

#[test]
fn a_closed_endpoint_is_a_connect_error_naming_it() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let e = EthereumAdapter::connect(external(&url, ""), 10, false).unwrap_err();
    assert!(matches!(e, AdapterError::Connect { .. }), "{e}");
    assert!(e.to_string().contains(&url) && e.to_string().contains("refused"), "{e}");
}

#[test]
fn an_endpoint_answering_garbage_is_a_protocol_error() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming().take(2) {
            let mut s = s.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "I am not a node";
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        }
    });
    let e = EthereumAdapter::connect(external(&url, ""), 10, false).unwrap_err();
    assert!(matches!(e, AdapterError::Protocol { .. }), "{e}");
    assert!(e.to_string().contains("eth_chainId") && e.to_string().contains("not a node"), "{e}");
}

#[test]
fn a_hanging_endpoint_times_out() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = l.incoming().take(2).collect();
        std::thread::sleep(std::time::Duration::from_secs(5));
        drop(held);
    });
    let e = EthereumAdapter::connect(external(&url, ""), 10, false).unwrap_err();
    assert!(e.to_string().contains("no answer within the timeout"), "{e}");
}

#[test]
fn slow_anvil_wrong_chain_id_is_a_config_error() {
    let owner = connect(managed(None, ""));
    let e = EthereumAdapter::connect(external(owner.endpoint(), "chain_id = 1\n"), 10, false)
        .unwrap_err();
    assert!(matches!(e, AdapterError::Config { .. }), "{e}");
    assert!(e.to_string().contains("31337") && e.to_string().contains("bad.toml"), "{e}");
}

#[test]
fn slow_anvil_unfunded_funding_key_fails_preparation() {
    let owner = connect(managed(None, ""));
    let cfg = Config::parse(
        &format!("endpoint = \"{}\"\nfunding_key = \"0x{}\"\n", owner.endpoint(), "42".repeat(32)),
        "poor.toml",
    )
    .unwrap();
    let mut a = EthereumAdapter::connect(cfg, 10, false).unwrap();
    let setup = Setup {
        seed: Seed(1),
        accounts: vec!["a0".into(), "a1".into()],
        assets: vec![AssetSpec { id: "ETH".into(), initial_balance: 1000 }],
        genesis: Default::default(),
    };
    let e = a.prepare(&setup, &mut Sink::default()).unwrap_err();
    assert!(
        e.to_string().contains("funding account") && e.to_string().contains("holds 0 wei"),
        "{e}"
    );
}

#[test]
fn slow_anvil_a_scenario_asset_other_than_the_native_coin_is_unsupported() {
    let mut a = connect(managed(None, ""));
    let setup = Setup {
        seed: Seed(1),
        accounts: vec!["a0".into()],
        assets: vec![AssetSpec { id: "USD".into(), initial_balance: 1 }],
        genesis: Default::default(),
    };
    let e = a.prepare(&setup, &mut Sink::default()).unwrap_err();
    assert!(
        matches!(e, AdapterError::Unsupported { .. })
            && e.to_string().contains("assets = [\"ETH\"]"),
        "{e}"
    );
}
