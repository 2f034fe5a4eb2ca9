//! Unit tests of every ledger rule and control, each reason code on its own.

use crate::seq::SeqLedger;
use crate::state::{Overlay, StateAccess};
use crate::tx::{Leg, Op, TxData};
use crate::{execute, LedgerState};
use touchstone_core::ledger::{
    AdminAction as A, AssetKind, AssetPolicy, Claim, Genesis, Leg as HLeg, Tamper,
};
use touchstone_core::{Operation, Reason, TxId};

const AG: &str = "agent";
const AUTH: &str = "authority";

/// BOND: KYC security by `agent` (a0 holds 100); USD: cash (a0..a3 hold 1000); STB: open
/// reserve-backed stablecoin by `agent` (reserve 0); `bank` licensed, a0 and a1 certified.
fn world() -> SeqLedger {
    let mut g = Genesis {
        assets: vec![
            ("BOND".into(), Some(security())),
            ("USD".into(), None),
            (
                "STB".into(),
                Some(AssetPolicy {
                    kind: AssetKind::Stablecoin,
                    issuer: AG.into(),
                    reserve_backed: true,
                    ..Default::default()
                }),
            ),
        ],
        institutions: vec!["bank".into()],
        claims: vec![
            ("bank".into(), "a0".into(), Claim::Kyc),
            ("bank".into(), "a1".into(), Claim::Kyc),
        ],
        ..Default::default()
    };
    for a in ["a0", "a1", "a2", "a3"] {
        g.balances.push((a.into(), "USD".into(), 1000));
    }
    g.balances.push(("a0".into(), "BOND".into(), 100));
    SeqLedger::new(&g)
}

fn security() -> AssetPolicy {
    AssetPolicy {
        kind: AssetKind::Security,
        issuer: AG.into(),
        required_claims: vec![Claim::Kyc],
        ..Default::default()
    }
}

fn tr(from: &str, to: &str, asset: &str, amount: u128) -> Operation {
    Operation::Transfer { from: from.into(), to: to.into(), asset: asset.into(), amount }
}

fn adm(by: &str, action: A) -> Operation {
    Operation::Admin { by: by.into(), action }
}

fn leg(from: &str, to: &str, asset: &str, amount: u128) -> HLeg {
    HLeg { from: from.into(), to: to.into(), asset: asset.into(), amount }
}

/// The state apart from the height counter, app hash and names (a new name is registered at
/// decoding, whatever the outcome).
fn view(l: &LedgerState) -> LedgerState {
    let mut v = l.clone();
    v.dir = Default::default();
    v.height = 0;
    v.app_hash = [0; 32];
    v
}

fn ok(w: &mut SeqLedger, op: Operation) {
    assert_eq!(w.apply(&op, None), Ok(()), "{op:?}");
}

/// Rejected with `reason`, and nothing changed.
fn err(w: &mut SeqLedger, op: Operation, reason: Reason) {
    let before = view(&w.l);
    assert_eq!(w.apply(&op, None), Err(reason), "{op:?}");
    assert!(view(&w.l) == before, "a rejected {op:?} changed the state");
}

#[test]
fn transfers_move_balances_and_check_funds() {
    let mut w = world();
    ok(&mut w, tr("a0", "a1", "USD", 400));
    assert_eq!((w.balance("a0", "USD"), w.balance("a1", "USD")), (600, 1400));
    err(&mut w, tr("a0", "a1", "USD", 601), Reason::InsufficientBalance);
    err(&mut w, tr("a0", "a0", "USD", 1), Reason::Malformed);
    err(&mut w, tr("a0", "a1", "XXX", 1), Reason::Malformed);
    err(&mut w, tr("a0", "a1", "USD", 0), Reason::Malformed);
    // A name never seen is a fresh empty account, judged by the rules.
    ok(&mut w, tr("a0", "newcomer", "USD", 1));
    err(&mut w, tr("a0", "stranger", "BOND", 1), Reason::InvalidReceiver);
}

#[test]
fn tampered_transactions_are_refused_with_no_state_change() {
    let mut w = world();
    for (how, reason) in
        [(Tamper::BadSignature, Reason::BadSignature), (Tamper::Malformed, Reason::Malformed)]
    {
        let op = Operation::Tampered { inner: Box::new(tr("a0", "a1", "USD", 1)), how };
        err(&mut w, op, reason);
    }
}

#[test]
fn nonces_above_the_last_applied_one_with_gaps_and_replays() {
    let mut w = world();
    let op = tr("a0", "a1", "USD", 1);
    assert_eq!(w.apply_as(TxId(100), &op, Some(5)), Ok(()));
    assert_eq!(w.apply_as(TxId(100), &op, Some(6)), Err(Reason::DuplicateTx));
    assert_eq!(w.apply_as(TxId(101), &op, Some(5)), Err(Reason::BadNonce));
    assert_eq!(w.apply_as(TxId(102), &op, Some(3)), Err(Reason::BadNonce));
    assert_eq!(w.apply_as(TxId(103), &op, Some(9)), Ok(()), "gaps are allowed");
    // A rejected transaction consumes nothing.
    assert_eq!(
        w.apply_as(TxId(104), &tr("a0", "a1", "USD", 5000), Some(10)),
        Err(Reason::InsufficientBalance)
    );
    assert_eq!(w.apply_as(TxId(105), &op, Some(10)), Ok(()));
    // No nonce: no nonce check (replay protection by identity only).
    assert_eq!(w.apply_as(TxId(106), &op, None), Ok(()));
}

#[test]
fn identity_gating_and_the_revocation_cascade() {
    let mut w = world();
    ok(&mut w, tr("a0", "a1", "BOND", 10));
    err(&mut w, tr("a0", "a2", "BOND", 10), Reason::InvalidReceiver);
    err(&mut w, tr("a2", "a0", "BOND", 1), Reason::InvalidSender);
    ok(&mut w, adm(AUTH, A::AppointInstitution { institution: "bank2".into() }));
    ok(&mut w, adm("bank2", A::IssueClaim { investor: "a1".into(), claim: Claim::Kyc }));
    ok(&mut w, adm(AUTH, A::RevokeInstitution { institution: "bank".into() }));
    // a1 is still certified by bank2; a0 only by the dismissed bank.
    err(&mut w, tr("a1", "a0", "BOND", 1), Reason::InvalidReceiver);
    err(&mut w, tr("a0", "a1", "BOND", 1), Reason::InvalidSender);
    err(
        &mut w,
        adm("bank", A::IssueClaim { investor: "a2".into(), claim: Claim::Kyc }),
        Reason::Unauthorized,
    );
    ok(&mut w, adm("bank2", A::RevokeClaim { investor: "a1".into(), claim: Claim::Kyc }));
    ok(&mut w, adm(AUTH, A::AppointInstitution { institution: "bank".into() }));
    ok(&mut w, tr("a0", "a2", "USD", 1)); // cash needs no claim
    ok(&mut w, tr("a1", "a0", "BOND", 1)); // bank's claims count again, a1 kept bank's too
}

#[test]
fn whole_and_partial_freezes() {
    let mut w = world();
    ok(&mut w, adm(AG, A::Freeze { account: "a0".into(), asset: "BOND".into(), amount: Some(95) }));
    err(&mut w, tr("a0", "a1", "BOND", 6), Reason::InsufficientBalance);
    ok(&mut w, tr("a0", "a1", "BOND", 5));
    ok(&mut w, adm(AG, A::Freeze { account: "a1".into(), asset: "BOND".into(), amount: None }));
    err(&mut w, tr("a1", "a0", "BOND", 1), Reason::FrozenSender);
    err(&mut w, tr("a0", "a1", "BOND", 1), Reason::FrozenReceiver);
    err(
        &mut w,
        adm(AG, A::Freeze { account: "a1".into(), asset: "BOND".into(), amount: Some(0) }),
        Reason::Malformed,
    );
    err(
        &mut w,
        adm("a0", A::Unfreeze { account: "a1".into(), asset: "BOND".into() }),
        Reason::Unauthorized,
    );
    ok(&mut w, adm(AG, A::Unfreeze { account: "a1".into(), asset: "BOND".into() }));
    ok(&mut w, tr("a1", "a0", "BOND", 1));
}

#[test]
fn pause_stops_transfers_and_redemptions_until_unpaused() {
    let mut w = world();
    ok(&mut w, adm(AG, A::AttestReserve { asset: "STB".into(), amount: 100 }));
    ok(&mut w, adm(AG, A::Mint { to: "a2".into(), asset: "STB".into(), amount: 50 }));
    ok(&mut w, adm(AG, A::Pause { asset: "BOND".into() }));
    ok(&mut w, adm(AG, A::Pause { asset: "STB".into() }));
    err(&mut w, tr("a0", "a1", "BOND", 1), Reason::Paused);
    err(
        &mut w,
        Operation::Redeem { from: "a2".into(), asset: "STB".into(), amount: 1 },
        Reason::Paused,
    );
    err(&mut w, adm("a1", A::Unpause { asset: "BOND".into() }), Reason::Unauthorized);
    ok(&mut w, adm(AG, A::Unpause { asset: "BOND".into() }));
    ok(&mut w, tr("a0", "a1", "BOND", 1));
}

#[test]
fn holding_limits_caps_and_maximum_holders() {
    let p = AssetPolicy {
        max_holders: Some(2),
        max_per_investor: Some(60),
        max_per_transfer: Some(50),
        ..security()
    };
    let g = Genesis {
        assets: vec![("EQ".into(), Some(p))],
        institutions: vec!["bank".into()],
        claims: ["a0", "a1", "a2"]
            .iter()
            .map(|a| ("bank".into(), a.to_string(), Claim::Kyc))
            .collect(),
        ..Default::default()
    };
    let mut w = SeqLedger::new(&g);
    ok(&mut w, adm(AG, A::Mint { to: "a0".into(), asset: "EQ".into(), amount: 60 }));
    err(
        &mut w,
        adm(AG, A::Mint { to: "a0".into(), asset: "EQ".into(), amount: 1 }),
        Reason::LimitExceeded,
    );
    err(&mut w, tr("a0", "a1", "EQ", 51), Reason::LimitExceeded);
    ok(&mut w, tr("a0", "a1", "EQ", 30));
    err(&mut w, tr("a0", "a2", "EQ", 10), Reason::LimitExceeded); // a third holder
    ok(&mut w, tr("a0", "a2", "EQ", 30)); // a0 leaves: still two holders
    err(
        &mut w,
        adm(AG, A::Mint { to: "a1".into(), asset: "EQ".into(), amount: 31 }),
        Reason::LimitExceeded,
    );
    assert_eq!(w.l.holders(0), 2);
}

#[test]
fn issuer_powers_need_the_agent_and_a_verified_receiver() {
    let mut w = world();
    let forced = |to: &str, amount| A::ForcedTransfer {
        from: "a0".into(),
        to: to.into(),
        asset: "BOND".into(),
        amount,
    };
    err(&mut w, adm("a1", forced("a1", 10)), Reason::Unauthorized);
    err(&mut w, adm(AG, forced("a2", 10)), Reason::InvalidReceiver);
    err(&mut w, adm(AG, forced("a1", 101)), Reason::InsufficientBalance);
    err(&mut w, adm(AG, forced("a0", 1)), Reason::Malformed);
    ok(&mut w, adm(AG, A::Freeze { account: "a0".into(), asset: "BOND".into(), amount: None }));
    ok(&mut w, adm(AG, forced("a1", 10))); // freezes do not stop a forced transfer
    let recover = |to: &str, amount| A::Recover {
        lost: "a0".into(),
        replacement: to.into(),
        asset: "BOND".into(),
        amount,
    };
    err(&mut w, adm(AG, recover("a1", 89)), Reason::Malformed);
    err(&mut w, adm("bank", recover("a1", 90)), Reason::Unauthorized);
    ok(&mut w, adm(AG, recover("a1", 90)));
    assert_eq!((w.balance("a0", "BOND"), w.balance("a1", "BOND")), (0, 100));
    err(&mut w, tr("a1", "a0", "BOND", 1), Reason::FrozenSender); // the freeze followed
    err(
        &mut w,
        adm(
            AG,
            A::Recover {
                lost: "a1".into(),
                replacement: "a3".into(),
                asset: "BOND".into(),
                amount: 100,
            },
        ),
        Reason::InvalidReceiver,
    );
    err(
        &mut w,
        adm(AG, A::Burn { from: "a1".into(), asset: "BOND".into(), amount: 101 }),
        Reason::InsufficientBalance,
    );
    ok(&mut w, adm(AG, A::Burn { from: "a1".into(), asset: "BOND".into(), amount: 40 }));
    assert_eq!(w.supply("BOND"), 60);
    err(
        &mut w,
        adm(AG, A::Mint { to: "a2".into(), asset: "BOND".into(), amount: 1 }),
        Reason::InvalidReceiver,
    );
    err(
        &mut w,
        adm(AG, A::Mint { to: "a1".into(), asset: "USD".into(), amount: 1 }),
        Reason::Unauthorized,
    );
}

#[test]
fn reserve_bounds_stablecoin_supply() {
    let mut w = world();
    err(
        &mut w,
        adm(AG, A::Mint { to: "a2".into(), asset: "STB".into(), amount: 1 }),
        Reason::ReserveExceeded,
    );
    err(
        &mut w,
        adm("a2", A::AttestReserve { asset: "STB".into(), amount: 500 }),
        Reason::Unauthorized,
    );
    ok(&mut w, adm(AG, A::AttestReserve { asset: "STB".into(), amount: 500 }));
    ok(&mut w, adm(AG, A::Mint { to: "a2".into(), asset: "STB".into(), amount: 500 }));
    err(
        &mut w,
        adm(AG, A::Mint { to: "a3".into(), asset: "STB".into(), amount: 1 }),
        Reason::ReserveExceeded,
    );
    ok(&mut w, Operation::Redeem { from: "a2".into(), asset: "STB".into(), amount: 200 });
    err(
        &mut w,
        Operation::Redeem { from: "a2".into(), asset: "STB".into(), amount: 301 },
        Reason::InsufficientBalance,
    );
    assert_eq!(w.supply("STB"), 300);
    ok(&mut w, tr("a2", "a3", "STB", 100)); // open: anyone may hold it
}

#[test]
fn plain_issue_and_redeem_only_without_a_policy() {
    let mut w = world();
    ok(&mut w, Operation::Issue { to: "a0".into(), asset: "USD".into(), amount: 5 });
    ok(&mut w, Operation::Redeem { from: "a0".into(), asset: "USD".into(), amount: 1005 });
    assert_eq!(w.supply("USD"), 3000);
    err(
        &mut w,
        Operation::Issue { to: "a0".into(), asset: "BOND".into(), amount: 5 },
        Reason::Unauthorized,
    );
    err(
        &mut w,
        Operation::Redeem { from: "a0".into(), asset: "BOND".into(), amount: 5 },
        Reason::Unauthorized,
    );
    ok(&mut w, adm(AG, A::Freeze { account: "a1".into(), asset: "STB".into(), amount: None }));
    err(
        &mut w,
        Operation::Redeem { from: "a1".into(), asset: "STB".into(), amount: 1 },
        Reason::FrozenSender,
    );
}

#[test]
fn product_whitelist_by_the_authority_only() {
    let g = Genesis {
        assets: vec![(
            "ETF".into(),
            Some(AssetPolicy { issuer: AG.into(), listed_product: true, ..Default::default() }),
        )],
        balances: vec![("a0".into(), "ETF".into(), 10)],
        ..Default::default()
    };
    let mut w = SeqLedger::new(&g);
    err(&mut w, tr("a0", "a1", "ETF", 1), Reason::ProductNotAdmitted);
    err(&mut w, adm(AG, A::AdmitProduct { asset: "ETF".into() }), Reason::Unauthorized);
    err(&mut w, adm(AUTH, A::AdmitProduct { asset: "NOPE".into() }), Reason::Malformed);
    err(&mut w, adm(AG, A::AdmitProduct { asset: "NOPE".into() }), Reason::Unauthorized);
    ok(&mut w, adm(AUTH, A::AdmitProduct { asset: "ETF".into() }));
    ok(&mut w, tr("a0", "a1", "ETF", 1));
    ok(&mut w, adm(AUTH, A::DelistProduct { asset: "ETF".into() }));
    err(&mut w, tr("a1", "a0", "ETF", 1), Reason::ProductNotAdmitted);
    err(
        &mut w,
        adm("a0", A::AppointInstitution { institution: "rogue".into() }),
        Reason::Unauthorized,
    );
}

#[test]
fn batches_settle_all_legs_in_order_or_none() {
    let mut w = world();
    let dvp = |cash| Operation::Batch {
        legs: vec![leg("a0", "a1", "BOND", 10), leg("a1", "a0", "USD", cash)],
    };
    err(&mut w, dvp(5000), Reason::InsufficientBalance);
    assert_eq!(w.balance("a1", "BOND"), 0);
    ok(&mut w, dvp(500));
    assert_eq!((w.balance("a1", "BOND"), w.balance("a0", "USD")), (10, 1500));
    // The second leg is funded by the first.
    ok(
        &mut w,
        Operation::Batch { legs: vec![leg("a2", "a3", "USD", 1000), leg("a3", "a2", "USD", 2000)] },
    );
    // A circular cycle no leg can fund first.
    err(
        &mut w,
        Operation::Batch { legs: vec![leg("a2", "a3", "USD", 2500), leg("a3", "a2", "USD", 2500)] },
        Reason::InsufficientBalance,
    );
    err(&mut w, Operation::Batch { legs: vec![] }, Reason::Malformed);
    err(
        &mut w,
        Operation::Batch { legs: vec![leg("a0", "a1", "USD", 1), leg("a0", "a0", "USD", 1)] },
        Reason::Malformed,
    );
    err(
        &mut w,
        Operation::Batch { legs: vec![leg("a0", "a1", "USD", 1), leg("a0", "a2", "BOND", 1)] },
        Reason::InvalidReceiver,
    );
}

#[test]
fn batch_legs_see_the_running_holder_count() {
    let p = AssetPolicy { max_holders: Some(2), ..security() };
    let g = Genesis {
        assets: vec![("EQ".into(), Some(p))],
        institutions: vec!["bank".into()],
        claims: ["a0", "a1", "a2"]
            .iter()
            .map(|a| ("bank".into(), a.to_string(), Claim::Kyc))
            .collect(),
        balances: vec![("a0".into(), "EQ".into(), 10)],
        ..Default::default()
    };
    let mut w = SeqLedger::new(&g);
    let two_new =
        Operation::Batch { legs: vec![leg("a0", "a1", "EQ", 1), leg("a0", "a2", "EQ", 1)] };
    err(&mut w, two_new, Reason::LimitExceeded);
    let handover =
        Operation::Batch { legs: vec![leg("a0", "a1", "EQ", 10), leg("a1", "a2", "EQ", 5)] };
    ok(&mut w, handover);
}

#[test]
fn expiry_and_replay_of_decoded_transactions() {
    let mut w = world();
    let op = Op::Transfer(Leg { from: 0, to: 1, asset: 1, amount: 1 });
    let tx = TxData { op, nonce: None, expires: 3, entry: 0 };
    assert_eq!(execute(&mut w.l, TxId(1), &tx, 4), Err(Reason::Timeout));
    assert_eq!(execute(&mut w.l, TxId(1), &tx, 3), Ok(()));
    assert_eq!(execute(&mut w.l, TxId(1), &tx, 3), Err(Reason::DuplicateTx));
    assert_eq!(
        execute(&mut w.l, TxId(2), &TxData { op: Op::Invalid, ..tx.clone() }, 3),
        Err(Reason::Malformed)
    );
}

#[test]
fn overlay_leaves_the_base_alone() {
    let w = world();
    let mut o = Overlay::new(&w.l);
    let all = Op::Transfer(Leg { from: 0, to: 1, asset: 1, amount: 1000 });
    let tx = TxData { op: all, nonce: Some(0), expires: 10, entry: 0 };
    execute(&mut o, TxId(1), &tx, 1).unwrap();
    let again = TxData { nonce: Some(1), ..tx.clone() };
    assert_eq!(execute(&mut o, TxId(2), &again, 1), Err(Reason::InsufficientBalance));
    assert_eq!(execute(&mut o, TxId(3), &tx, 1), Err(Reason::BadNonce));
    assert_eq!(w.l.balance(0, 1), 1000);
    assert!(o.applied(TxId(1)) && !w.l.applied(TxId(1)));
}
