//! The reference model's bridge rules, each reason on its own, and supply per operation.

use super::*;
use crate::ids::TxId;
use crate::ledger::{
    hash_of_preimage, AssetPolicy, BridgeGenesis, Certified, Genesis, Operation, PeerChain, Proof,
    ESCROW,
};
use crate::reason::Reason;

const PRE: &str = "c0ffee";

struct T {
    m: LedgerModel,
    next: u64,
}

impl T {
    /// USD: cash (a0, a1 hold 1000); BOND: KYC security nobody is certified for; peer `sec`
    /// with validators n0..n3 of power 1.
    fn new() -> T {
        let g = Genesis {
            assets: vec![("USD".into(), None), ("BOND".into(), Some(AssetPolicy::security("ag")))],
            balances: vec![("a0".into(), "USD".into(), 1000), ("a1".into(), "USD".into(), 1000)],
            bridge: Some(BridgeGenesis {
                peers: vec![PeerChain::bft("sec", &[("n0", 1), ("n1", 1), ("n2", 1), ("n3", 1)])],
            }),
            ..Default::default()
        };
        T { m: g.model(), next: 0 }
    }

    fn apply(&mut self, op: &Operation) -> Result<(), Reason> {
        self.next += 1;
        self.m.apply(TxId(self.next), op, None)
    }

    fn ok(&mut self, op: &Operation) {
        assert_eq!(self.apply(op), Ok(()), "{op:?}");
    }

    fn err(&mut self, op: &Operation, reason: Reason) {
        let before = format!("{:?}", self.m);
        assert_eq!(self.apply(op), Err(reason), "{op:?}");
        assert_eq!(format!("{:?}", self.m), before, "a rejected operation changes nothing");
    }
}

fn proof(of: Certified, xfer: &str, amount: u128, to: &str, signers: &[&str]) -> Box<Proof> {
    Box::new(Proof {
        chain: "sec".into(),
        height: 3,
        block: "b3".into(),
        signers: signers.iter().map(|s| s.to_string()).collect(),
        xfer: xfer.into(),
        of,
        asset: "USD".into(),
        amount,
        beneficiary: to.into(),
    })
}

fn mint(xfer: &str, amount: u128, signers: &[&str]) -> Operation {
    Operation::Mint {
        to: "a2".into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        peer_chain: "sec".into(),
        proof: proof(Certified::Lock, xfer, amount, "a2", signers),
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

const Q: &[&str] = &["n0", "n1", "n2"];

#[test]
fn a_mint_needs_a_quorum_proof_of_exactly_it_and_happens_once() {
    let mut t = T::new();
    t.err(&mint("x1", 50, &["n0", "n1"]), Reason::BadProof);
    t.err(&mint("x1", 50, &["n0", "n1", "n1"]), Reason::BadProof);
    t.err(&mint("x1", 50, &["n0", "n1", "n9"]), Reason::BadProof);
    let mut wrong = mint("x1", 50, Q);
    if let Operation::Mint { amount, .. } = &mut wrong {
        *amount = 60;
    }
    t.err(&wrong, Reason::BadProof);
    t.ok(&mint("x1", 50, Q));
    assert_eq!((t.m.balance("a2", "USD"), t.m.supply("USD")), (50, 2050), "mint adds supply");
    t.err(&mint("x1", 50, Q), Reason::ReplayedXfer);
}

#[test]
fn lock_and_release_move_through_the_escrow_and_conserve_supply() {
    let mut t = T::new();
    t.ok(&lock("a0", 300, "x1"));
    assert_eq!((t.m.balance("a0", "USD"), t.m.balance(ESCROW, "USD")), (700, 300));
    t.err(&lock("a1", 10, "x1"), Reason::ReplayedXfer);
    t.err(&lock("a1", 1001, "x2"), Reason::InsufficientBalance);
    assert_eq!(t.m.supply("USD"), 2000);
    let release = |xfer: &str, amount, signers: &[&str]| Operation::Release {
        from: ESCROW.into(),
        to: "a2".into(),
        asset: "USD".into(),
        amount,
        xfer: xfer.into(),
        peer_chain: "sec".into(),
        proof: proof(Certified::Burn, xfer, amount, "a2", signers),
    };
    let mut as_lock = release("y1", 100, Q);
    if let Operation::Release { proof, .. } = &mut as_lock {
        proof.of = Certified::Lock;
    }
    t.err(&as_lock, Reason::BadProof);
    t.err(&release("y1", 301, Q), Reason::InsufficientBalance);
    t.ok(&release("y1", 100, Q));
    t.err(&release("y1", 100, Q), Reason::ReplayedXfer);
    assert_eq!((t.m.balance("a2", "USD"), t.m.balance(ESCROW, "USD")), (100, 200));
    assert_eq!(t.m.supply("USD"), 2000, "lock and release conserve supply");
}

#[test]
fn burn_removes_supply_and_the_escrow_signs_nothing() {
    let mut t = T::new();
    let burn = Operation::Burn {
        from: "a1".into(),
        asset: "USD".into(),
        amount: 400,
        xfer: "y1".into(),
        peer_chain: "sec".into(),
        beneficiary: "b0".into(),
    };
    t.ok(&burn);
    assert_eq!((t.m.balance("a1", "USD"), t.m.supply("USD")), (600, 1600));
    t.err(&burn, Reason::ReplayedXfer);
    t.ok(&lock("a0", 10, "x1"));
    let steal = Operation::Transfer {
        from: ESCROW.into(),
        to: "a0".into(),
        asset: "USD".into(),
        amount: 10,
    };
    t.err(&steal, Reason::Unauthorized);
    t.err(&lock(ESCROW, 10, "x9"), Reason::Malformed);
}

#[test]
fn a_hashlock_is_claimed_with_its_preimage_before_expiry_or_refunded_after() {
    let mut t = T::new();
    t.m.set_height(5);
    t.err(&hashlock("h1", 100, 4), Reason::LockExpired);
    t.err(&claim("h1", 100, PRE), Reason::UnknownXfer);
    t.ok(&hashlock("h1", 100, 10));
    t.err(&hashlock("h1", 100, 10), Reason::ReplayedXfer);
    t.err(&claim("h1", 100, "00"), Reason::BadPreimage);
    t.err(&claim("h1", 99, PRE), Reason::Malformed);
    t.err(&refund("h1", 100), Reason::LockNotExpired);
    t.m.set_height(10);
    t.ok(&claim("h1", 100, PRE));
    assert_eq!((t.m.balance("a1", "USD"), t.m.balance(ESCROW, "USD")), (1100, 0));
    t.err(&claim("h1", 100, PRE), Reason::ReplayedXfer);
    t.m.set_height(11);
    t.err(&refund("h1", 100), Reason::ReplayedXfer);
    assert_eq!(t.m.supply("USD"), 2000, "hashlock and claim conserve supply");
}

#[test]
fn an_expired_hashlock_refunds_its_sender_once_and_cannot_be_claimed() {
    let mut t = T::new();
    t.m.set_height(1);
    t.ok(&hashlock("h1", 100, 3));
    t.m.set_height(4);
    t.err(&claim("h1", 100, PRE), Reason::LockExpired);
    t.ok(&refund("h1", 100));
    assert_eq!(t.m.balance("a0", "USD"), 1000);
    t.err(&refund("h1", 100), Reason::ReplayedXfer);
    assert_eq!(t.m.supply("USD"), 2000);
}

#[test]
fn bridge_operations_need_a_bridge_and_a_verified_receiver() {
    let mut t = T { m: LedgerModel::new(), next: 0 };
    t.m.add_asset("USD", None);
    t.m.genesis("a0", "USD", 10);
    t.err(&lock("a0", 5, "x1"), Reason::Malformed);
    let mut t = T::new();
    let mut bond = mint("x1", 5, Q);
    if let Operation::Mint { asset, proof, .. } = &mut bond {
        *asset = "BOND".into();
        proof.asset = "BOND".into();
    }
    t.err(&bond, Reason::InvalidReceiver);
}
