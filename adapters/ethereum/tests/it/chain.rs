//! Funding, transfers, conflicting nonces and refusals against a real anvil.

use crate::support::*;
use serde_json::json;
use std::time::Duration;
use touchstone_core::adapter::{Adapter, OutcomeStatus, SubmitAck};
use touchstone_core::Reason;
use touchstone_ethereum::keys::Key;
use touchstone_ethereum::rpc::RpcClient;
use touchstone_ethereum::tx::{Fees, Transfer, TxType};

#[test]
fn slow_anvil_funds_accounts_and_commits_a_transfer_net_of_gas() {
    let mut a = connect(managed(None, ""));
    let mut sink = Sink::default();
    prepare(&mut a, 3, 1_000_000_000_000_000_000, &mut sink);
    let before = a.snapshot(&["a0".into(), "a1".into(), "a2".into()]).unwrap().remove(0);
    assert_eq!(
        balance(&before, "a0"),
        1_000_000_000_000_000_000,
        "funded with exactly the initial balance, net of the gas reserve"
    );
    let ack = a.submit(&transfer(1, 0, 1, 1234, a.now()), &mut sink).unwrap();
    assert!(accepted(&ack), "{ack:?}");
    let out = wait_for(&mut a, &mut sink, &[1], Duration::from_secs(10));
    let Some(OutcomeStatus::Committed { height }) = out[0].as_ref().map(|o| o.status) else {
        panic!("not committed: {out:?}")
    };
    let after = a.snapshot(&["a0".into(), "a1".into(), "a2".into()]).unwrap().remove(0);
    assert!(after.height >= height);
    assert_eq!(
        balance(&after, "a0"),
        1_000_000_000_000_000_000 - 1234,
        "value moved plus fees = balance change"
    );
    assert_eq!(balance(&after, "a1"), 1_000_000_000_000_000_000 + 1234);
    assert_eq!(balance(&after, "a2"), 1_000_000_000_000_000_000);
    let root = after.app_hash.expect("state root as app_hash");
    assert!(root.starts_with("0x") && root.len() == 66, "{root}");
    assert!(after.supply.is_empty(), "no supply: the node cannot tell it");
}

#[test]
fn slow_anvil_double_spend_with_one_nonce_commits_one_and_rejects_the_other() {
    // Mining off while both are sent, so the second meets the first in the pool.
    let a = connect(managed(None, "anvil_args = [\"--no-mining\"]\n"));
    let rpc = RpcClient::new(a.endpoint(), Duration::from_secs(1), Duration::from_secs(5));
    // anvil's second dev account (a public test key).
    let key = Key::from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
        .unwrap();
    let fees = Fees {
        tx_type: TxType::Legacy,
        gas_price: 10_000_000_000,
        priority_fee: 0,
        gas_limit: 21_000,
    };
    let to = |b: u8| touchstone_ethereum::keys::Address([b; 20]);
    let first = Transfer { chain_id: 31337, nonce: 0, to: to(0x11), value: 5, fees }.sign(&key);
    let second = Transfer { chain_id: 31337, nonce: 0, to: to(0x22), value: 5, fees }.sign(&key);
    let r1 = rpc.call("eth_sendRawTransaction", json!([first.raw_hex()])).expect("first accepted");
    assert_eq!(
        r1.as_str().unwrap(),
        format!("0x{}", hex::encode(first.hash)),
        "the node computes our hash"
    );
    let e2 = rpc
        .call("eth_sendRawTransaction", json!([second.raw_hex()]))
        .expect_err("same nonce, same price: refused");
    let msg = e2.to_string();
    let reason = touchstone_ethereum::errors::reason_for(&msg);
    assert!(
        matches!(reason, Reason::Other | Reason::BadNonce | Reason::DuplicateTx),
        "{msg} → {reason}"
    );
    rpc.call("evm_mine", json!([])).unwrap();
    let r1 = rpc
        .call("eth_getTransactionReceipt", json!([format!("0x{}", hex::encode(first.hash))]))
        .unwrap();
    assert_eq!(r1["status"], "0x1");
    let r2 = rpc
        .call("eth_getTransactionReceipt", json!([format!("0x{}", hex::encode(second.hash))]))
        .unwrap();
    assert!(r2.is_null(), "the conflicting spend is not in the chain");
    // Sent again after the first is mined: the nonce is used.
    let e3 = rpc.call("eth_sendRawTransaction", json!([second.raw_hex()])).expect_err("nonce used");
    assert_eq!(touchstone_ethereum::errors::reason_for(&e3.to_string()), Reason::BadNonce, "{e3}");
}

#[test]
fn slow_anvil_eip1559_transfers_commit_too() {
    let mut a = connect(managed(None, "tx_type = \"eip1559\"\n"));
    let mut sink = Sink::default();
    prepare(&mut a, 2, 1_000_000, &mut sink);
    for i in 0..5 {
        assert!(accepted(
            &a.submit(&transfer(i, (i % 2) as u32, ((i + 1) % 2) as u32, 10, a.now()), &mut sink)
                .unwrap()
        ));
    }
    let out = wait_for(&mut a, &mut sink, &[0, 1, 2, 3, 4], Duration::from_secs(10));
    assert!(out.iter().all(is_committed), "{out:?}");
    let s = a.snapshot(&["a0".into(), "a1".into()]).unwrap().remove(0);
    assert_eq!(
        balance(&s, "a0") + balance(&s, "a1"),
        2_000_000,
        "fees are accounted, value is conserved"
    );
    assert_eq!(balance(&s, "a0"), 1_000_000 - 10);
}

#[test]
fn slow_anvil_insufficient_funds_is_rejected_with_its_reason() {
    let mut a = connect(managed(None, ""));
    let mut sink = Sink::default();
    prepare(&mut a, 2, 1_000, &mut sink);
    let ack = a
        .submit(&transfer(1, 0, 1, 1_000_000_000_000_000_000_000_000, a.now()), &mut sink)
        .unwrap();
    // Either refused in the submit answer (the batch went out at once) or as an outcome.
    let reason = match ack {
        SubmitAck::Rejected { reason } => reason,
        SubmitAck::Accepted { .. } => {
            let out = wait_for(&mut a, &mut sink, &[1], Duration::from_secs(5));
            match out[0].as_ref().map(|o| o.status) {
                Some(OutcomeStatus::Rejected { reason }) => reason,
                other => panic!("expected a rejection, got {other:?}"),
            }
        }
    };
    assert_eq!(reason, Reason::InsufficientBalance);
    // The nonce was not used: the next transfer from a0 commits.
    a.submit(&transfer(2, 0, 1, 1, a.now()), &mut sink).unwrap();
    let out = wait_for(&mut a, &mut sink, &[2], Duration::from_secs(10));
    assert!(is_committed(&out[0]), "{out:?}");
    let info = a.system_info();
    assert!(
        info.details["node_messages"].to_lowercase().contains("insufficient funds"),
        "{:?}",
        info.details
    );
}
