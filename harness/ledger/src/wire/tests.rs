//! Round trips of the wire form.

use super::*;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Holder(#[serde(with = "super")] Operation);

fn round_trip(op: Operation) {
    let text = serde_json::to_string(&Holder(op.clone())).unwrap();
    let back: Holder = serde_json::from_str(&text).unwrap();
    assert_eq!(back.0, op, "{text}");
}

#[test]
fn every_shape_round_trips_with_full_u128_amounts() {
    round_trip(Operation::Transfer {
        from: "a0".into(),
        to: "a1".into(),
        asset: "USD".into(),
        amount: u128::MAX,
    });
    round_trip(Operation::Batch {
        legs: vec![Leg { from: "a".into(), to: "b".into(), asset: "SEC".into(), amount: 3 }],
    });
    round_trip(Operation::Admin {
        by: "i0".into(),
        action: AdminAction::IssueClaim {
            investor: "a2".into(),
            claim: Claim::Country("FR".into()),
        },
    });
    round_trip(Operation::Admin {
        by: "i0".into(),
        action: AdminAction::Freeze { account: "a1".into(), asset: "SEC".into(), amount: None },
    });
    round_trip(Operation::Tampered {
        inner: Box::new(Operation::Redeem { from: "a0".into(), asset: "USD".into(), amount: 1 }),
        how: Tamper::BadSignature,
    });
}

#[test]
fn bridge_operations_round_trip() {
    use touchstone_core::ledger::{Certified, Proof};
    let proof = Box::new(Proof {
        chain: "sec".into(),
        height: 2,
        block: "b2".into(),
        signers: vec!["n0".into()],
        xfer: "x".into(),
        of: Certified::Burn,
        asset: "USD".into(),
        amount: u128::MAX,
        beneficiary: "a1".into(),
    });
    let (s, f, a) = (|v: &str| v.to_string(), "a0".to_string(), "USD".to_string());
    round_trip(Operation::Lock {
        from: f.clone(),
        to: s("bridge.escrow"),
        asset: a.clone(),
        amount: 3,
        xfer: s("x"),
        peer_chain: s("sec"),
        beneficiary: s("b"),
    });
    round_trip(Operation::Mint {
        to: s("a1"),
        asset: a.clone(),
        amount: 3,
        xfer: s("x"),
        peer_chain: s("sec"),
        proof: proof.clone(),
    });
    round_trip(Operation::Burn {
        from: f.clone(),
        asset: a.clone(),
        amount: 3,
        xfer: s("x"),
        peer_chain: s("sec"),
        beneficiary: s("b"),
    });
    round_trip(Operation::Release {
        from: s("bridge.escrow"),
        to: s("a1"),
        asset: a.clone(),
        amount: u128::MAX,
        xfer: s("x"),
        peer_chain: s("sec"),
        proof,
    });
    round_trip(Operation::Hashlock {
        from: f.clone(),
        to: s("bridge.escrow"),
        asset: a.clone(),
        amount: 3,
        xfer: s("h"),
        hash: "0f".repeat(32),
        expires_height: 9,
        beneficiary: s("a1"),
        dvp: None,
    });
    round_trip(Operation::Claim {
        from: s("bridge.escrow"),
        to: s("a1"),
        asset: a.clone(),
        amount: 3,
        xfer: s("h"),
        preimage: s("00"),
        dvp: Some(s("p")),
    });
    round_trip(Operation::Refund {
        from: s("bridge.escrow"),
        to: f,
        asset: a,
        amount: 3,
        xfer: s("h"),
        dvp: Some(s("p")),
    });
    let no_proof = r#"{"mint":{"to":"a1","asset":"USD","amount":1,"xfer":"x"}}"#;
    assert!(serde_json::from_str::<Holder>(no_proof).is_err());
}

#[test]
fn the_documented_form_reads() {
    let h: Holder =
        serde_json::from_str(r#"{"transfer":{"from":"a0","to":"a1","asset":"USD","amount":5}}"#)
            .unwrap();
    assert_eq!(h.0.amount(), Some(5));
    assert!(serde_json::from_str::<Holder>(r#"{"op":"transfer"}"#).is_err());
}
