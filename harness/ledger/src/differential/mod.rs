//! The differential test the business-scenarios issue asks for: the simulated ledger and the
//! harness's reference model (`touchstone_core::refmodel`, used here as the oracle only), fed the
//! same random sequences of transactions, must give the same outcome and reason for every one,
//! and end with the same balances and supplies.
//!
//! Generated operations stay inside what both sides document alike: named accounts (never an
//! empty name), admin actions without a nonce (the reference model neither checks nor needs one
//! there). The world runs a bridge, so the bridge's operations are generated too, with proofs
//! good and bad, and claims and refunds that mostly name a hashlock's terms; each operation
//! applies on both sides at the sequential ledger's next height.

mod bridge;

use super::seq::SeqLedger;
use bridge::{bridge_op, open_lock};
use proptest::prelude::*;
use touchstone_core::ledger::{
    AdminAction as A, AssetKind, AssetPolicy, BridgeGenesis, Claim, Genesis, Leg, PeerChain,
    Tamper, ESCROW,
};
use touchstone_core::refmodel::LedgerModel;
use touchstone_core::{Operation, Reason, TxId};

const NAMES: [&str; 11] =
    ["a0", "a1", "a2", "a3", "a4", "a5", "agent", "authority", "inst0", "inst1", ESCROW];
const ASSETS: [&str; 5] = ["SEC", "STC", "ETF", "CASH", "NOPE"];

/// A small regulated world: a listed KYC security with every limit, a capped reserve-backed
/// stablecoin, a listed open product, plain cash.
pub fn world() -> Genesis {
    let sec = AssetPolicy {
        kind: AssetKind::Security,
        issuer: "agent".into(),
        required_claims: vec![Claim::Kyc],
        max_holders: Some(3),
        max_per_investor: Some(900),
        max_per_transfer: Some(400),
        listed_product: true,
        ..Default::default()
    };
    let stc = AssetPolicy {
        kind: AssetKind::Stablecoin,
        issuer: "agent".into(),
        reserve_backed: true,
        max_per_transfer: Some(700),
        ..Default::default()
    };
    let etf = AssetPolicy { issuer: "agent".into(), listed_product: true, ..Default::default() };
    let mut g = Genesis {
        assets: vec![
            ("SEC".into(), Some(sec)),
            ("STC".into(), Some(stc)),
            ("ETF".into(), Some(etf)),
            ("CASH".into(), None),
        ],
        institutions: vec!["inst0".into(), "inst1".into()],
        admitted: vec!["SEC".into(), "ETF".into()],
        reserves: vec![("STC".into(), 4000)],
        bridge: Some(BridgeGenesis {
            peers: vec![PeerChain::bft("sec", &[("n0", 1), ("n1", 1), ("n2", 1), ("n3", 2)])],
        }),
        ..Default::default()
    };
    for (i, a) in NAMES[..6].iter().enumerate() {
        if i % 3 != 2 {
            g.claims.push((["inst0", "inst1"][i % 2].into(), a.to_string(), Claim::Kyc));
        }
        if i == 3 {
            g.claims.push(("inst0".into(), a.to_string(), Claim::Kyc));
        }
        g.balances.push((a.to_string(), "CASH".into(), 1000));
        g.balances.push((a.to_string(), "STC".into(), 500));
        g.balances.push((a.to_string(), "ETF".into(), 50));
        if i < 2 {
            g.balances.push((a.to_string(), "SEC".into(), 300));
        }
    }
    g
}

/// One generated operation: (kind, a, b, asset, amount, nonce, extra).
type Raw = (u8, usize, usize, usize, u128, Option<u64>, u8);

fn raw() -> impl Strategy<Value = Raw> {
    (
        0u8..31,
        0..NAMES.len(),
        0..NAMES.len(),
        prop_oneof![8 => 0usize..4, 1 => Just(4usize)],
        prop_oneof![3 => 1u128..400, 1 => 0u128..1500],
        proptest::option::of(0u64..8),
        any::<u8>(),
    )
}

fn build((kind, a, b, k, amount, nonce, extra): Raw) -> (Operation, Option<u64>) {
    let (fa, fb, asset) = (NAMES[a].to_string(), NAMES[b].to_string(), ASSETS[k].to_string());
    // Privileged actions are mostly signed by the right party.
    let by = |right: &str| if extra % 4 == 0 { fa.clone() } else { right.to_string() };
    let admin = |by: String, action| (Operation::Admin { by, action }, None);
    match kind {
        0..=5 => (Operation::Transfer { from: fa, to: fb, asset, amount }, nonce),
        6 | 7 => {
            let n = 1 + (extra as usize % 3);
            let legs = (0..n)
                .map(|i| Leg {
                    from: NAMES[(a + i) % 6].into(),
                    to: NAMES[(b + i + 1) % 6].into(),
                    asset: ASSETS[(k + i * (extra as usize >> 3)) % 4].into(),
                    amount: amount / (i as u128 + 1),
                })
                .collect();
            (Operation::Batch { legs }, nonce)
        }
        8 => (Operation::Issue { to: fb, asset, amount }, None),
        9 => (Operation::Redeem { from: fa, asset, amount }, nonce),
        10 => admin(
            by("agent"),
            A::Freeze { account: fb, asset, amount: (extra % 2 == 0).then_some(amount) },
        ),
        11 => admin(by("agent"), A::Unfreeze { account: fb, asset }),
        12 => admin(
            by("agent"),
            if extra % 2 == 0 { A::Pause { asset } } else { A::Unpause { asset } },
        ),
        13 => admin(by("agent"), A::ForcedTransfer { from: fa, to: fb, asset, amount }),
        14 => {
            let amount = if extra % 3 == 0 { amount } else { u128::MAX }; // MAX: the whole holding
            admin(by("agent"), A::Recover { lost: fa, replacement: fb, asset, amount })
        }
        15 => admin(by("agent"), A::Mint { to: fb, asset, amount }),
        16 => admin(by("agent"), A::Burn { from: fb, asset, amount }),
        17 => admin(by("agent"), A::AttestReserve { asset, amount: amount * 5 }),
        18 => {
            let inst = ["inst0", "inst1"][extra as usize % 2].to_string();
            let action = if extra % 3 == 0 {
                A::AppointInstitution { institution: inst }
            } else {
                A::RevokeInstitution { institution: inst }
            };
            admin(by("authority"), action)
        }
        19 | 20 => {
            let inst = ["inst0", "inst1"][extra as usize % 2];
            let claim = if extra % 5 == 0 { Claim::Country("FR".into()) } else { Claim::Kyc };
            let action = if kind == 19 {
                A::IssueClaim { investor: fb, claim }
            } else {
                A::RevokeClaim { investor: fb, claim }
            };
            admin(by(inst), action)
        }
        21 => admin(
            by("authority"),
            if extra % 2 == 0 { A::AdmitProduct { asset } } else { A::DelistProduct { asset } },
        ),
        22 | 23 => {
            let how = if extra % 2 == 0 { Tamper::BadSignature } else { Tamper::Malformed };
            let inner = Operation::Transfer { from: fa, to: fb, asset, amount };
            (Operation::Tampered { inner: Box::new(inner), how }, nonce)
        }
        _ => bridge_op(kind, fa, fb, asset, amount, nonce, extra),
    }
}

/// A recovery generated with `u128::MAX` asks for the whole holding (as the model sees it); a
/// claim or refund with it names an open hashlock (its generated id `h<n>` picks the n-th, if
/// any is open) with that lock's asset, amount and payee; a
/// hashlock applied at `height` expires its generated offset later, less 3 (so some have
/// expired already).
fn resolve(op: Operation, m: &LedgerModel, height: u64) -> Operation {
    match op {
        Operation::Hashlock { expires_height, .. } => {
            let mut op = op;
            if let Operation::Hashlock { expires_height: e, .. } = &mut op {
                *e = (height + expires_height).saturating_sub(3);
            }
            op
        }
        Operation::Admin { by, action: A::Recover { lost, replacement, asset, amount } } => {
            let amount = if amount == u128::MAX { m.balance(&lost, &asset) } else { amount };
            Operation::Admin { by, action: A::Recover { lost, replacement, asset, amount } }
        }
        Operation::Claim { from, to, asset, amount: u128::MAX, xfer, preimage, dvp } => {
            let (xfer, to, asset, amount) = match open_lock(m, &xfer) {
                Some((x, l)) => (x, l.beneficiary.clone(), l.asset.clone(), l.amount),
                None => (xfer, to, asset, 1),
            };
            Operation::Claim { from, to, asset, amount, xfer, preimage, dvp }
        }
        Operation::Refund { from, to, asset, amount: u128::MAX, xfer, dvp } => {
            let (xfer, to, asset, amount) = match open_lock(m, &xfer) {
                Some((x, l)) => (x, l.sender.clone(), l.asset.clone(), l.amount),
                None => (xfer, to, asset, 1),
            };
            Operation::Refund { from, to, asset, amount, xfer, dvp }
        }
        op => op,
    }
}

/// Runs `ops` on both sides; the first divergence, if any: (index, op, sim, model).
pub fn diverge(g: &Genesis, ops: &[(Operation, Option<u64>)]) -> Option<String> {
    let mut sim = SeqLedger::new(g);
    let mut model = g.model();
    for (i, (op, nonce)) in ops.iter().enumerate() {
        let op = resolve(op.clone(), &model, sim.l.height + 1);
        model.set_height(sim.l.height + 1);
        let s = sim.apply(&op, *nonce);
        let m = model.apply(TxId(1_000_000 + i as u64), &op, *nonce);
        if s != m {
            return Some(format!("#{i} {op:?} nonce {nonce:?}: sim {s:?}, model {m:?}"));
        }
    }
    for a in NAMES.iter().chain(&["b0"]) {
        for k in &ASSETS[..4] {
            if sim.balance(a, k) != model.balance(a, k) {
                return Some(format!("final balance of {a} in {k} differs"));
            }
        }
    }
    for k in &ASSETS[..4] {
        if sim.supply(k) != model.supply(k) {
            return Some(format!("final supply of {k} differs"));
        }
    }
    None
}

/// Every reason code the generator can reach, to show the sequences exercise the rules, and
/// the names of the operations that applied.
pub fn reasons_reached(
    g: &Genesis,
    ops: &[(Operation, Option<u64>)],
) -> (Vec<Result<(), Reason>>, Vec<&'static str>) {
    let mut sim = SeqLedger::new(g);
    let mut model = g.model();
    let mut out: Vec<Result<(), Reason>> = Vec::new();
    let mut applied = Vec::new();
    for (i, (op, nonce)) in ops.iter().enumerate() {
        let op = resolve(op.clone(), &model, sim.l.height + 1);
        model.set_height(sim.l.height + 1);
        let r = sim.apply(&op, *nonce);
        let _ = model.apply(TxId(1_000_000 + i as u64), &op, *nonce);
        if r.is_ok() && !applied.contains(&op.name()) {
            applied.push(op.name());
        }
        if !out.contains(&r) {
            out.push(r);
        }
    }
    (out, applied)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sim_ledger_agrees_with_the_reference_model(raws in proptest::collection::vec(raw(), 1..120)) {
        let ops: Vec<_> = raws.into_iter().map(build).collect();
        let d = diverge(&world(), &ops);
        prop_assert!(d.is_none(), "{}", d.unwrap_or_default());
    }
}

#[test]
fn the_generator_reaches_every_rule() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let ops: Vec<_> =
        (0..20_000).map(|_| build(raw().new_tree(&mut runner).expect("value").current())).collect();
    let (reached, applied) = reasons_reached(&world(), &ops);
    for op in ["lock", "burn", "mint", "release", "hashlock", "claim", "refund"] {
        assert!(applied.contains(&op), "no {op} ever applied");
    }
    for r in [
        Reason::InsufficientBalance,
        Reason::BadNonce,
        Reason::BadSignature,
        Reason::Malformed,
        Reason::Paused,
        Reason::FrozenSender,
        Reason::FrozenReceiver,
        Reason::InvalidSender,
        Reason::InvalidReceiver,
        Reason::LimitExceeded,
        Reason::ProductNotAdmitted,
        Reason::ReserveExceeded,
        Reason::Unauthorized,
        Reason::BadProof,
        Reason::ReplayedXfer,
        Reason::LockExpired,
        Reason::LockNotExpired,
        Reason::BadPreimage,
        Reason::UnknownXfer,
    ] {
        assert!(reached.contains(&Err(r)), "{r:?} never reached");
    }
    assert_eq!(diverge(&world(), &ops), None);
}

#[test]
fn a_batch_counts_the_holders_its_earlier_legs_made() {
    let l = |f: &str, t: &str| Leg { from: f.into(), to: t.into(), asset: "SEC".into(), amount: 1 };
    let ops = vec![(Operation::Batch { legs: vec![l("a0", "a3"), l("a0", "a4")] }, None)];
    assert_eq!(diverge(&world(), &ops), None);
}
