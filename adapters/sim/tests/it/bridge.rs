//! The bridge's operations on the simulated network: the validators run the shared rulebook,
//! so proofs, replays and hashlocks are judged in consensus as in the ledger's unit tests.

use crate::common::*;
use touchstone_core::adapter::{
    Adapter, CollectingSink, OutcomeStatus, Setup, SubmitAck, TxRequest,
};
use touchstone_core::ledger::{
    hash_of_preimage, BridgeGenesis, Certified, Genesis, PeerChain, Proof, ESCROW,
};
use touchstone_core::scenario::AssetSpec;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{Operation, Reason, Seed, TxId};
use touchstone_sim::SimAdapter;

fn req(id: u64, op: Operation, nonce: Option<u64>) -> TxRequest {
    TxRequest { id: TxId(id), client: 0, op, nonce, via: None, intended: 0 }
}

fn mint(xfer: &str, signers: &[&str]) -> Operation {
    Operation::Mint {
        to: "a1".into(),
        asset: "USD".into(),
        amount: 40,
        xfer: xfer.into(),
        peer_chain: "sec".into(),
        proof: Box::new(Proof {
            chain: "sec".into(),
            height: 12,
            block: "b12".into(),
            signers: signers.iter().map(|s| s.to_string()).collect(),
            xfer: xfer.into(),
            of: Certified::Lock,
            asset: "USD".into(),
            amount: 40,
            beneficiary: "a1".into(),
        }),
    }
}

#[test]
fn validators_mint_once_per_proven_lock_and_keep_locks_in_the_escrow() {
    let s = payment("pbft", 4, 1.0, 1).build();
    let mut a = SimAdapter::new(&s).unwrap();
    let mut sink = CollectingSink::<MemoryTrace>::default();
    let genesis = Genesis {
        bridge: Some(BridgeGenesis {
            peers: vec![PeerChain::bft("sec", &[("n0", 1), ("n1", 1), ("n2", 1), ("n3", 1)])],
        }),
        ..Default::default()
    };
    let setup = Setup {
        seed: Seed(1),
        accounts: (0..4).map(|i| format!("a{i}")).collect(),
        assets: vec![AssetSpec { id: "USD".into(), initial_balance: 1000 }],
        genesis,
    };
    a.prepare(&setup, &mut sink).unwrap();
    let lock = Operation::Lock {
        from: "a0".into(),
        to: ESCROW.into(),
        asset: "USD".into(),
        amount: 300,
        xfer: "x1".into(),
        peer_chain: "sec".into(),
        beneficiary: "b7".into(),
    };
    let hashlock = Operation::Hashlock {
        from: "a2".into(),
        to: ESCROW.into(),
        asset: "USD".into(),
        amount: 5,
        xfer: "h1".into(),
        hash: hash_of_preimage("c0ffee").unwrap(),
        expires_height: 1_000,
        beneficiary: "a3".into(),
        dvp: Some("p1".into()),
    };
    let sent = [
        req(1, lock, Some(0)),
        req(2, mint("y1", &["n0", "n1"]), None),
        req(3, mint("y1", &["n0", "n1", "n2"]), None),
        req(4, hashlock, Some(0)),
    ];
    let mut early = Vec::new();
    for r in &sent {
        if let SubmitAck::Rejected { reason } = a.submit(r, &mut sink).unwrap() {
            early.push((r.id, reason));
        }
    }
    while a.now() < 5 * S {
        a.advance(5 * S, &mut sink).unwrap();
    }
    // A replay of the minted transfer under another transaction id.
    if let SubmitAck::Rejected { reason } =
        a.submit(&req(5, mint("y1", &["n1", "n2", "n3"]), None), &mut sink).unwrap()
    {
        early.push((TxId(5), reason));
    }
    while a.now() < 10 * S {
        a.advance(10 * S, &mut sink).unwrap();
    }
    let status = |id: u64| {
        early.iter().find(|e| e.0 == TxId(id)).map(|e| Err(e.1)).unwrap_or_else(|| {
            let o = sink.outcomes.iter().find(|o| o.tx == TxId(id)).expect("an outcome");
            match o.status {
                OutcomeStatus::Committed { .. } => Ok(()),
                OutcomeStatus::Rejected { reason } => Err(reason),
                ref other => panic!("t{id}: {other:?}"),
            }
        })
    };
    assert_eq!(status(1), Ok(()), "the lock");
    assert_eq!(status(2), Err(Reason::BadProof), "two of four signers are no quorum");
    assert_eq!(status(3), Ok(()), "the proven mint");
    assert_eq!(status(4), Ok(()), "the hashlock");
    assert_eq!(status(5), Err(Reason::ReplayedXfer), "the second mint of y1");
    let accounts: Vec<String> = ["a0", "a1", ESCROW].iter().map(|s| s.to_string()).collect();
    let snaps = a.snapshot(&accounts).unwrap();
    let snap = snaps.first().expect("a snapshot");
    let held = |acct: &str| {
        let (_, h) = snap.balances.iter().find(|(a, _)| a == acct).expect("the account");
        h.iter().find(|(k, _)| k == "USD").map_or(0, |(_, v)| *v)
    };
    assert_eq!((held("a0"), held("a1"), held(ESCROW)), (700, 1040, 305));
    let supply = snap.supply.iter().find(|(k, _)| k == "USD").map(|(_, v)| *v);
    assert_eq!(supply, Some(4 * 1000 + 40), "only the mint changed the supply");
}
