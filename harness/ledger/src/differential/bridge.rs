//! The bridge's part of the differential test: generated bridge operations, and seeded
//! bridge-heavy sequences that also check each operation's effect on the supply.

use super::{build, diverge, resolve, world, NAMES};
use crate::seq::SeqLedger;
use proptest::prelude::*;
use touchstone_core::ledger::{hash_of_preimage, Certified, Proof, ESCROW};
use touchstone_core::refmodel::{HashLock, LedgerModel};
use touchstone_core::{Operation, TxId};

/// Preimages of the generated hashlocks and claims (the last is not hex).
const PREIMAGES: [&str; 3] = ["c0ffee", "beef", "zz"];

/// A proof from peer `sec` (n0..n2 of power 1, n3 of power 2: a quorum needs more than 10/3),
/// mostly valid; otherwise short of a quorum, with a repeated or foreign signer, or certifying
/// something else.
fn proof(of: Certified, xfer: &str, asset: &str, amount: u128, to: &str, extra: u8) -> Box<Proof> {
    let signers: &[&str] = match extra % 7 {
        0 => &["n0", "n1"],
        1 => &["n3", "n3"],
        2 => &["n0", "n3", "n9"],
        3 => &["n0", "n1", "n2"],
        _ => &["n0", "n1", "n3"],
    };
    let wrong = extra % 11 == 0;
    Box::new(Proof {
        chain: "sec".into(),
        height: 7,
        block: "b7".into(),
        signers: signers.iter().map(|s| s.to_string()).collect(),
        xfer: xfer.into(),
        of: if extra % 13 == 0 { Certified::Burn } else { of },
        asset: asset.into(),
        amount: if wrong { amount + 1 } else { amount },
        beneficiary: to.into(),
    })
}

/// Kinds 24..=30: lock, burn, mint, release, hashlock, claim, refund. A claim or refund with
/// `amount == u128::MAX` names the hashlock's terms, a hashlock's expiry is relative
/// ([`resolve`]).
pub(super) fn bridge_op(
    kind: u8,
    fa: String,
    fb: String,
    asset: String,
    amount: u128,
    nonce: Option<u64>,
    extra: u8,
) -> (Operation, Option<u64>) {
    let xfer = format!("x{}", extra % 6);
    let hxfer = format!("h{}", extra % 30);
    let peer_chain = if extra % 17 == 0 { "cash".to_string() } else { "sec".to_string() };
    let (escrow, beneficiary) = (ESCROW.to_string(), "b0".to_string());
    let terms = if extra % 4 == 0 { amount } else { u128::MAX };
    let dvp = (extra % 2 == 0).then(|| format!("p{}", extra % 3));
    match kind {
        24 => {
            let to = if extra % 9 == 0 { fb } else { escrow };
            let op = Operation::Lock { from: fa, to, asset, amount, xfer, peer_chain, beneficiary };
            (op, nonce)
        }
        25 => (Operation::Burn { from: fa, asset, amount, xfer, peer_chain, beneficiary }, nonce),
        26 => {
            let proof = proof(Certified::Lock, &xfer, &asset, amount, &fb, extra);
            (Operation::Mint { to: fb, asset, amount, xfer, peer_chain, proof }, None)
        }
        27 => {
            let proof = proof(Certified::Burn, &xfer, &asset, amount, &fb, extra);
            let op =
                Operation::Release { from: escrow, to: fb, asset, amount, xfer, peer_chain, proof };
            (op, None)
        }
        28 => {
            let hash = hash_of_preimage(PREIMAGES[extra as usize % 2]).expect("hex");
            // Relative to the height it applies at (see `resolve`).
            let expires_height = u64::from(extra);
            let op = Operation::Hashlock {
                from: fa,
                to: escrow,
                asset,
                amount,
                xfer: hxfer,
                hash,
                expires_height,
                beneficiary: fb,
                dvp,
            };
            (op, nonce)
        }
        29 => {
            let preimage = PREIMAGES[(extra as usize / 2) % 3].to_string();
            let op = Operation::Claim {
                from: escrow,
                to: fb,
                asset,
                amount: terms,
                xfer: hxfer,
                preimage,
                dvp,
            };
            (op, None)
        }
        _ => {
            let op =
                Operation::Refund { from: escrow, to: fa, asset, amount: terms, xfer: hxfer, dvp };
            (op, None)
        }
    }
}

/// The open hashlock that generated id `h<n>` names: the n-th of the open ones (cyclically).
pub(super) fn open_lock<'m>(m: &'m LedgerModel, xfer: &str) -> Option<(String, &'m HashLock)> {
    let n: usize = xfer.trim_start_matches('h').parse().ok()?;
    let open: Vec<_> = m.hashlocks().filter(|(_, l)| !l.settled).collect();
    let (x, l) = open.get(n % open.len().max(1))?;
    Some((x.to_string(), *l))
}

/// Bridge-heavy sequences from numbered seeds (printed on failure; `TOUCHSTONE_SEED=<n>` runs
/// that one alone): both sides agree, and every applied operation changes its asset's supply
/// as its kind says (mint adds, burn removes, the others move funds and conserve it).
#[test]
fn bridge_sequences_agree_and_keep_the_supply_per_seed() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let seeds: Vec<u64> = match std::env::var("TOUCHSTONE_SEED") {
        Ok(s) => vec![s.parse().expect("TOUCHSTONE_SEED is a number")],
        Err(_) => (0..48).collect(),
    };
    let bridge_raw = (
        prop_oneof![1 => 0u8..24, 3 => 24u8..31],
        0..NAMES.len(),
        0..NAMES.len(),
        prop_oneof![8 => 0usize..4, 1 => Just(4usize)],
        prop_oneof![3 => 1u128..400, 1 => 0u128..1500],
        proptest::option::of(0u64..8),
        any::<u8>(),
    );
    for seed in seeds {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        let ops: Vec<_> = (0..300)
            .map(|_| build(bridge_raw.new_tree(&mut runner).expect("value").current()))
            .collect();
        let g = world();
        if let Some(d) = diverge(&g, &ops) {
            panic!("seed {seed}: {d}");
        }
        let mut sim = SeqLedger::new(&g);
        let mut model = g.model();
        for (i, (op, nonce)) in ops.iter().enumerate() {
            let op = resolve(op.clone(), &model, sim.l.height + 1);
            model.set_height(sim.l.height + 1);
            let asset = op.asset().unwrap_or("NOPE").to_string();
            let before = sim.supply(&asset);
            let r = sim.apply(&op, *nonce);
            let _ = model.apply(TxId(1_000_000 + i as u64), &op, *nonce);
            let after = sim.supply(&asset);
            let amount = op.amount().unwrap_or(0);
            let expected = match (&op, r) {
                (Operation::Mint { .. }, Ok(())) => before + amount,
                (Operation::Burn { .. }, Ok(())) => before - amount,
                (
                    Operation::Issue { .. } | Operation::Redeem { .. } | Operation::Admin { .. },
                    _,
                ) => after,
                _ => before,
            };
            assert_eq!(after, expected, "seed {seed}, #{i} {op:?} ({r:?}): supply of {asset}");
        }
    }
}
