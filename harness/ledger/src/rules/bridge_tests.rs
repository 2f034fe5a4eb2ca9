//! Unit tests of the bridge rules: each reason on its own, supply per operation, and the
//! speculative overlay.

use crate::seq::SeqLedger;
use crate::state::{LedgerState, Overlay, StateAccess};
use crate::tx::{Op, TxData};
use crate::{execute, rules::is_permanent};
use touchstone_core::ledger::{
    hash_of_preimage, AssetPolicy, BridgeGenesis, Certified, Genesis, PeerChain, Proof, ESCROW,
};
use touchstone_core::{Operation, Reason, TxId};

const PRE: &str = "c0ffee";
const Q: &[&str] = &["n0", "n1", "n2"];

/// USD: cash (a0, a1 hold 1000); BOND: a KYC security nobody holds a claim for; the bridge
/// knows peer `sec` (n0..n3, power 1 each).
fn world() -> SeqLedger {
    SeqLedger::new(&genesis(true))
}

fn genesis(bridge: bool) -> Genesis {
    Genesis {
        assets: vec![("USD".into(), None), ("BOND".into(), Some(AssetPolicy::security("ag")))],
        balances: vec![("a0".into(), "USD".into(), 1000), ("a1".into(), "USD".into(), 1000)],
        bridge: bridge.then(|| BridgeGenesis {
            peers: vec![PeerChain::bft("sec", &[("n0", 1), ("n1", 1), ("n2", 1), ("n3", 1)])],
        }),
        ..Default::default()
    }
}

fn view(l: &LedgerState) -> LedgerState {
    let mut v = l.clone();
    v.dir = Default::default();
    v.height = 0;
    v.app_hash = [0; 32];
    v
}

fn ok(w: &mut SeqLedger, op: &Operation) {
    assert_eq!(w.apply(op, None), Ok(()), "{op:?}");
}

fn err(w: &mut SeqLedger, op: &Operation, reason: Reason) {
    let before = view(&w.l);
    assert_eq!(w.apply(op, None), Err(reason), "{op:?}");
    assert!(view(&w.l) == before, "a rejected {op:?} changed the state");
}

fn proof(of: Certified, xfer: &str, amount: u128, signers: &[&str]) -> Box<Proof> {
    Box::new(Proof {
        chain: "sec".into(),
        height: 3,
        block: "b3".into(),
        signers: signers.iter().map(|s| s.to_string()).collect(),
        xfer: xfer.into(),
        of,
        asset: "USD".into(),
        amount,
        beneficiary: "a2".into(),
    })
}

fn mint(xfer: &str, amount: u128, signers: &[&str]) -> Operation {
    Operation::Mint {
        to: "a2".into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        peer_chain: "sec".into(),
        proof: proof(Certified::Lock, xfer, amount, signers),
    }
}

fn release(xfer: &str, amount: u128, signers: &[&str]) -> Operation {
    Operation::Release {
        from: ESCROW.into(),
        to: "a2".into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        peer_chain: "sec".into(),
        proof: proof(Certified::Burn, xfer, amount, signers),
    }
}

fn lock(from: &str, amount: u128, xfer: &str) -> Operation {
    Operation::Lock {
        from: from.into(),
        to: ESCROW.into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        peer_chain: "sec".into(),
        beneficiary: "b0".into(),
    }
}

fn burn(from: &str, amount: u128, xfer: &str) -> Operation {
    Operation::Burn {
        from: from.into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        peer_chain: "sec".into(),
        beneficiary: "b0".into(),
    }
}

fn hashlock(xfer: &str, amount: u128, expires_height: u64) -> Operation {
    Operation::Hashlock {
        from: "a0".into(),
        to: ESCROW.into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        hash: hash_of_preimage(PRE).unwrap(),
        expires_height,
        beneficiary: "a1".into(),
        dvp: Some("p0".into()),
    }
}

fn claim(xfer: &str, amount: u128, preimage: &str) -> Operation {
    Operation::Claim {
        from: ESCROW.into(),
        to: "a1".into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        preimage: preimage.into(),
        dvp: Some("p0".into()),
    }
}

fn refund(xfer: &str, amount: u128) -> Operation {
    Operation::Refund {
        from: ESCROW.into(),
        to: "a0".into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        dvp: Some("p0".into()),
    }
}

#[test]
fn a_mint_needs_a_quorum_certificate_of_exactly_it() {
    let mut w = world();
    err(&mut w, &mint("x1", 50, &["n0", "n1"]), Reason::BadProof);
    err(&mut w, &mint("x1", 50, &["n0", "n0", "n1"]), Reason::BadProof);
    err(&mut w, &mint("x1", 50, &["n0", "n1", "intruder"]), Reason::BadProof);
    let mut forged = mint("x1", 50, Q);
    if let Operation::Mint { amount, .. } = &mut forged {
        *amount = 500; // the relay asks for more than the certificate says
    }
    err(&mut w, &forged, Reason::BadProof);
    let mut elsewhere = mint("x1", 50, Q);
    if let Operation::Mint { peer_chain, .. } = &mut elsewhere {
        *peer_chain = "cash".into();
    }
    err(&mut w, &elsewhere, Reason::BadProof);
    ok(&mut w, &mint("x1", 50, Q));
    assert_eq!((w.balance("a2", "USD"), w.supply("USD")), (50, 2050), "a mint adds supply");
    err(&mut w, &mint("x1", 50, Q), Reason::ReplayedXfer);
    err(&mut w, &release("x1", 50, Q), Reason::ReplayedXfer);
}

#[test]
fn lock_release_and_burn_keep_the_books() {
    let mut w = world();
    ok(&mut w, &lock("a0", 300, "x1"));
    assert_eq!((w.balance("a0", "USD"), w.balance(ESCROW, "USD")), (700, 300));
    err(&mut w, &lock("a1", 1, "x1"), Reason::ReplayedXfer);
    err(&mut w, &lock("a1", 1001, "x2"), Reason::InsufficientBalance);
    assert_eq!(w.supply("USD"), 2000, "a lock conserves supply");
    let mut with_lock_proof = release("y1", 100, Q);
    if let Operation::Release { proof, .. } = &mut with_lock_proof {
        proof.of = Certified::Lock;
    }
    err(&mut w, &with_lock_proof, Reason::BadProof);
    err(&mut w, &release("y1", 301, Q), Reason::InsufficientBalance);
    ok(&mut w, &release("y1", 100, Q));
    err(&mut w, &release("y1", 100, Q), Reason::ReplayedXfer);
    assert_eq!((w.balance("a2", "USD"), w.balance(ESCROW, "USD")), (100, 200));
    assert_eq!(w.supply("USD"), 2000, "a release conserves supply");
    ok(&mut w, &burn("a1", 400, "z1"));
    assert_eq!((w.balance("a1", "USD"), w.supply("USD")), (600, 1600), "a burn removes supply");
    err(&mut w, &burn("a1", 1, "z1"), Reason::ReplayedXfer);
    err(&mut w, &burn("a1", 601, "z2"), Reason::InsufficientBalance);
}

#[test]
fn the_escrow_signs_nothing_and_shapes_are_checked() {
    let mut w = world();
    ok(&mut w, &lock("a0", 10, "x1"));
    let steal = Operation::Transfer {
        from: ESCROW.into(),
        to: "a0".into(),
        asset: "USD".into(),
        amount: 10,
    };
    err(&mut w, &steal, Reason::Unauthorized);
    let redeem = Operation::Redeem { from: ESCROW.into(), asset: "USD".into(), amount: 1 };
    err(&mut w, &redeem, Reason::Unauthorized);
    err(&mut w, &lock(ESCROW, 10, "x9"), Reason::Malformed);
    err(&mut w, &lock("a0", 0, "x9"), Reason::Malformed);
    err(&mut w, &lock("a0", 1, ""), Reason::Malformed);
    let mut not_escrow = lock("a0", 1, "x9");
    if let Operation::Lock { to, .. } = &mut not_escrow {
        *to = "a1".into();
    }
    err(&mut w, &not_escrow, Reason::Malformed);
    let mut bad_hash = hashlock("h1", 1, 99);
    if let Operation::Hashlock { hash, .. } = &mut bad_hash {
        *hash = "abc".into();
    }
    err(&mut w, &bad_hash, Reason::Malformed);
    err(&mut w, &claim("h1", 1, "not hex"), Reason::Malformed);
    // Without a bridge there is no escrow and no bridge operation.
    let mut plain = SeqLedger::new(&genesis(false));
    assert_eq!(plain.apply(&lock("a0", 10, "x1"), None), Err(Reason::Malformed));
    assert_eq!(plain.apply(&mint("x1", 10, Q), None), Err(Reason::Malformed));
}

#[test]
fn a_lock_signs_with_its_senders_nonce_and_a_mint_with_none() {
    let mut w = world();
    assert_eq!(w.apply(&lock("a0", 1, "x1"), Some(4)), Ok(()));
    assert_eq!(w.apply(&lock("a0", 1, "x2"), Some(4)), Err(Reason::BadNonce));
    assert_eq!(w.apply(&mint("m1", 1, Q), Some(0)), Ok(()), "a mint consumes no nonce");
}

#[test]
fn a_hashlock_pays_its_beneficiary_for_the_preimage_until_it_expires() {
    let mut w = world();
    w.at_height(5);
    err(&mut w, &hashlock("h1", 100, 4), Reason::LockExpired);
    err(&mut w, &claim("h1", 100, PRE), Reason::UnknownXfer);
    err(&mut w, &refund("h1", 100), Reason::UnknownXfer);
    ok(&mut w, &hashlock("h1", 100, 50));
    err(&mut w, &hashlock("h1", 100, 50), Reason::ReplayedXfer);
    err(&mut w, &claim("h1", 100, "00"), Reason::BadPreimage);
    err(&mut w, &claim("h1", 99, PRE), Reason::Malformed);
    err(&mut w, &refund("h1", 100), Reason::LockNotExpired);
    w.at_height(50);
    err(&mut w, &refund("h1", 100), Reason::LockNotExpired); // at the expiry height itself
    w.at_height(50 + 2);
    err(&mut w, &claim("h1", 100, PRE), Reason::LockExpired);
    // Another lock, claimed at its expiry height (the last height a claim is valid).
    let w = &mut world();
    ok(w, &hashlock("h1", 100, 10));
    w.at_height(10);
    ok(w, &claim("h1", 100, PRE));
    assert_eq!((w.balance("a1", "USD"), w.balance(ESCROW, "USD")), (1100, 0));
    err(w, &claim("h1", 100, PRE), Reason::ReplayedXfer);
    w.at_height(20);
    err(w, &refund("h1", 100), Reason::ReplayedXfer);
    assert_eq!(w.supply("USD"), 2000, "hashlock and claim conserve supply");
}

#[test]
fn an_expired_hashlock_refunds_its_sender_once_and_is_no_longer_claimable() {
    let mut w = world();
    ok(&mut w, &hashlock("h1", 100, 3));
    w.at_height(4);
    err(&mut w, &claim("h1", 100, PRE), Reason::LockExpired);
    let mut to_other = refund("h1", 100);
    if let Operation::Refund { to, .. } = &mut to_other {
        *to = "a1".into();
    }
    err(&mut w, &to_other, Reason::Malformed);
    ok(&mut w, &refund("h1", 100));
    assert_eq!((w.balance("a0", "USD"), w.supply("USD")), (1000, 2000));
    err(&mut w, &refund("h1", 100), Reason::ReplayedXfer);
    err(&mut w, &claim("h1", 100, PRE), Reason::ReplayedXfer);
}

#[test]
fn bridged_funds_obey_the_receivers_rules() {
    let mut w = world();
    let mut bond = mint("x1", 5, Q);
    if let Operation::Mint { asset, proof, .. } = &mut bond {
        *asset = "BOND".into();
        proof.asset = "BOND".into();
    }
    err(&mut w, &bond, Reason::InvalidReceiver);
}

#[test]
fn an_overlay_sees_its_own_bridge_records_and_leaves_the_base_alone() {
    let mut w = world();
    let decode = |w: &mut SeqLedger, op: &Operation| {
        let mut dir = (*w.l.dir).clone();
        Op::register_names(op, &mut dir);
        w.l.dir = std::sync::Arc::new(dir);
        TxData { op: Op::decode(op, &w.l.dir).unwrap(), nonce: None, expires: 100, entry: 0 }
    };
    let hl = decode(&mut w, &hashlock("h1", 100, 10));
    let cl = decode(&mut w, &claim("h1", 100, PRE));
    let mt = decode(&mut w, &mint("x1", 5, Q));
    let base = view(&w.l);
    let mut o = Overlay::new(&w.l);
    assert_eq!(execute(&mut o, TxId(1), &cl, 2), Err(Reason::UnknownXfer));
    assert_eq!(execute(&mut o, TxId(2), &hl, 2), Ok(()));
    assert_eq!(execute(&mut o, TxId(3), &mt, 2), Ok(()));
    assert_eq!(execute(&mut o, TxId(3), &mt, 2), Err(Reason::DuplicateTx));
    assert_eq!(execute(&mut o, TxId(5), &mt, 2), Err(Reason::ReplayedXfer));
    assert_eq!(execute(&mut o, TxId(6), &cl, 3), Ok(()));
    assert!(o.hashlock("h1").is_some_and(|l| l.settled));
    assert!(view(&w.l) == base, "the overlay wrote nothing to its base");
    assert!(w.l.hashlock("h1").is_none() && !w.l.xfer_settled("x1"));
}

#[test]
fn bad_proofs_expired_locks_and_wrong_preimages_never_turn_valid() {
    assert!(is_permanent(Reason::BadProof));
    assert!(is_permanent(Reason::LockExpired));
    assert!(is_permanent(Reason::BadPreimage));
    assert!(!is_permanent(Reason::UnknownXfer), "the hashlock may still come");
    assert!(!is_permanent(Reason::LockNotExpired), "the lock expires later");
}
