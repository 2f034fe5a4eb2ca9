//! The JSON form of a harness [`Operation`] between engines that run these rules in separate
//! processes: the Simplex validator node's wire and client endpoint, and the harness's
//! `simplex` adapter that talks to it. One definition for both ends.
//!
//! `Operation` is an internally tagged enum (`{"op": "transfer", ...}`) with `u128` amounts,
//! and serde cannot read `u128` through the buffering that internal tags need ("u128 is not
//! supported"). So this form is an externally tagged twin:
//! `{"transfer": {"from": "a0", "to": "a1", "asset": "USD", "amount": 5}}`, an admin action as
//! `{"admin": {"by": "i0", "action": {"freeze": {"account": "a1", "asset": "SEC", "amount": null}}}}`.
//! Use it on a field with `#[serde(with = "touchstone_ledger::wire")]`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use touchstone_core::ledger::{AdminAction, Claim, Leg, Tamper};
use touchstone_core::Operation;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum WireOp {
    Transfer { from: String, to: String, asset: String, amount: u128 },
    Issue { to: String, asset: String, amount: u128 },
    Redeem { from: String, asset: String, amount: u128 },
    Batch { legs: Vec<Leg> },
    Admin { by: String, action: WireAdmin },
    Tampered { inner: Box<WireOp>, how: Tamper },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum WireAdmin {
    AppointInstitution { institution: String },
    RevokeInstitution { institution: String },
    IssueClaim { investor: String, claim: Claim },
    RevokeClaim { investor: String, claim: Claim },
    Freeze { account: String, asset: String, amount: Option<u128> },
    Unfreeze { account: String, asset: String },
    Pause { asset: String },
    Unpause { asset: String },
    ForcedTransfer { from: String, to: String, asset: String, amount: u128 },
    Recover { lost: String, replacement: String, asset: String, amount: u128 },
    Mint { to: String, asset: String, amount: u128 },
    Burn { from: String, asset: String, amount: u128 },
    AttestReserve { asset: String, amount: u128 },
    AdmitProduct { asset: String },
    DelistProduct { asset: String },
}

fn to_wire(op: &Operation) -> Option<WireOp> {
    Some(match op.clone() {
        Operation::Transfer { from, to, asset, amount } => {
            WireOp::Transfer { from, to, asset, amount }
        }
        Operation::Issue { to, asset, amount } => WireOp::Issue { to, asset, amount },
        Operation::Redeem { from, asset, amount } => WireOp::Redeem { from, asset, amount },
        Operation::Batch { legs } => WireOp::Batch { legs },
        Operation::Admin { by, action } => WireOp::Admin { by, action: admin_to_wire(action) },
        Operation::Tampered { inner, how } => {
            WireOp::Tampered { inner: Box::new(to_wire(&inner)?), how }
        }
        _ => return None,
    })
}

fn from_wire(op: WireOp) -> Operation {
    match op {
        WireOp::Transfer { from, to, asset, amount } => {
            Operation::Transfer { from, to, asset, amount }
        }
        WireOp::Issue { to, asset, amount } => Operation::Issue { to, asset, amount },
        WireOp::Redeem { from, asset, amount } => Operation::Redeem { from, asset, amount },
        WireOp::Batch { legs } => Operation::Batch { legs },
        WireOp::Admin { by, action } => Operation::Admin { by, action: admin_from_wire(action) },
        WireOp::Tampered { inner, how } => {
            Operation::Tampered { inner: Box::new(from_wire(*inner)), how }
        }
    }
}

fn admin_to_wire(a: AdminAction) -> WireAdmin {
    use AdminAction as A;
    use WireAdmin as W;
    match a {
        A::AppointInstitution { institution } => W::AppointInstitution { institution },
        A::RevokeInstitution { institution } => W::RevokeInstitution { institution },
        A::IssueClaim { investor, claim } => W::IssueClaim { investor, claim },
        A::RevokeClaim { investor, claim } => W::RevokeClaim { investor, claim },
        A::Freeze { account, asset, amount } => W::Freeze { account, asset, amount },
        A::Unfreeze { account, asset } => W::Unfreeze { account, asset },
        A::Pause { asset } => W::Pause { asset },
        A::Unpause { asset } => W::Unpause { asset },
        A::ForcedTransfer { from, to, asset, amount } => {
            W::ForcedTransfer { from, to, asset, amount }
        }
        A::Recover { lost, replacement, asset, amount } => {
            W::Recover { lost, replacement, asset, amount }
        }
        A::Mint { to, asset, amount } => W::Mint { to, asset, amount },
        A::Burn { from, asset, amount } => W::Burn { from, asset, amount },
        A::AttestReserve { asset, amount } => W::AttestReserve { asset, amount },
        A::AdmitProduct { asset } => W::AdmitProduct { asset },
        A::DelistProduct { asset } => W::DelistProduct { asset },
    }
}

fn admin_from_wire(w: WireAdmin) -> AdminAction {
    use AdminAction as A;
    use WireAdmin as W;
    match w {
        W::AppointInstitution { institution } => A::AppointInstitution { institution },
        W::RevokeInstitution { institution } => A::RevokeInstitution { institution },
        W::IssueClaim { investor, claim } => A::IssueClaim { investor, claim },
        W::RevokeClaim { investor, claim } => A::RevokeClaim { investor, claim },
        W::Freeze { account, asset, amount } => A::Freeze { account, asset, amount },
        W::Unfreeze { account, asset } => A::Unfreeze { account, asset },
        W::Pause { asset } => A::Pause { asset },
        W::Unpause { asset } => A::Unpause { asset },
        W::ForcedTransfer { from, to, asset, amount } => {
            A::ForcedTransfer { from, to, asset, amount }
        }
        W::Recover { lost, replacement, asset, amount } => {
            A::Recover { lost, replacement, asset, amount }
        }
        W::Mint { to, asset, amount } => A::Mint { to, asset, amount },
        W::Burn { from, asset, amount } => A::Burn { from, asset, amount },
        W::AttestReserve { asset, amount } => A::AttestReserve { asset, amount },
        W::AdmitProduct { asset } => A::AdmitProduct { asset },
        W::DelistProduct { asset } => A::DelistProduct { asset },
    }
}

pub fn serialize<S: Serializer>(op: &Operation, s: S) -> Result<S::Ok, S::Error> {
    match to_wire(op) {
        Some(w) => w.serialize(s),
        None => {
            Err(serde::ser::Error::custom(format!("operation `{}` has no wire form", op.name())))
        }
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Operation, D::Error> {
    WireOp::deserialize(d).map(from_wire)
}

#[cfg(test)]
mod tests {
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
            inner: Box::new(Operation::Redeem {
                from: "a0".into(),
                asset: "USD".into(),
                amount: 1,
            }),
            how: Tamper::BadSignature,
        });
    }

    #[test]
    fn the_documented_form_reads() {
        let h: Holder = serde_json::from_str(
            r#"{"transfer":{"from":"a0","to":"a1","asset":"USD","amount":5}}"#,
        )
        .unwrap();
        assert_eq!(h.0.amount(), Some(5));
        assert!(serde_json::from_str::<Holder>(r#"{"op":"transfer"}"#).is_err());
    }
}
