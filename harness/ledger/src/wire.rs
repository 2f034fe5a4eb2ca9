//! The JSON form of a harness [`Operation`] between engines that run these rules in separate
//! processes: the Simplex validator node's wire and client endpoint, and the harness's
//! `simplex` adapter that talks to it. One definition for both ends.
//!
//! `Operation` is an internally tagged enum (`{"op": "transfer", ...}`) with `u128` amounts,
//! and serde cannot read `u128` through the buffering that internal tags need ("u128 is not
//! supported"). So this form is an externally tagged twin:
//! `{"transfer": {"from": "a0", "to": "a1", "asset": "USD", "amount": 5}}`, an admin action as
//! `{"admin": {"by": "i0", "action": {"freeze": {"account": "a1", "asset": "SEC", "amount": null}}}}`.
//! A bridge operation carries the fields of its trace line (`from`/`to` as it has them,
//! `asset`, `amount`, `xfer`, and `peer_chain`, `beneficiary`, `proof`, `hash`, `preimage`,
//! `expires_height`, `dvp` where they apply), the proof whole (with its signed content):
//! `{"lock": {"from": "a0", "to": "bridge.escrow", "asset": "USD", "amount": 5, "xfer": "x1",
//! "peer_chain": "sec", "beneficiary": "b0"}}`.
//! Use it on a field with `#[serde(with = "touchstone_ledger::wire")]`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use touchstone_core::ledger::{AdminAction, Claim, Leg, Proof, Tamper};
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
    Lock(Bridge),
    Mint(Bridge),
    Burn(Bridge),
    Release(Bridge),
    Hashlock(Bridge),
    Claim(Bridge),
    Refund(Bridge),
}

/// The fields of the bridge operations (trace format 1.2), each present on the operations that
/// have it, as in the trace's `tx.submit` line.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Bridge {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    asset: String,
    amount: u128,
    xfer: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    peer_chain: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    beneficiary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proof: Option<Box<Proof>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    hash: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    preimage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_height: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dvp: Option<String>,
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
        op => bridge_to_wire(op)?,
    })
}

fn bridge_to_wire(op: Operation) -> Option<WireOp> {
    let d = Bridge::default();
    Some(match op {
        Operation::Lock { from, to, asset, amount, xfer, peer_chain, beneficiary } => {
            WireOp::Lock(Bridge { from, to, asset, amount, xfer, peer_chain, beneficiary, ..d })
        }
        Operation::Mint { to, asset, amount, xfer, peer_chain, proof } => {
            WireOp::Mint(Bridge { to, asset, amount, xfer, peer_chain, proof: Some(proof), ..d })
        }
        Operation::Burn { from, asset, amount, xfer, peer_chain, beneficiary } => {
            WireOp::Burn(Bridge { from, asset, amount, xfer, peer_chain, beneficiary, ..d })
        }
        Operation::Release { from, to, asset, amount, xfer, peer_chain, proof } => {
            let proof = Some(proof);
            WireOp::Release(Bridge { from, to, asset, amount, xfer, peer_chain, proof, ..d })
        }
        Operation::Hashlock {
            from,
            to,
            asset,
            amount,
            xfer,
            hash,
            expires_height,
            beneficiary,
            dvp,
        } => WireOp::Hashlock(Bridge {
            from,
            to,
            asset,
            amount,
            xfer,
            hash,
            expires_height: Some(expires_height),
            beneficiary,
            dvp,
            ..d
        }),
        Operation::Claim { from, to, asset, amount, xfer, preimage, dvp } => {
            WireOp::Claim(Bridge { from, to, asset, amount, xfer, preimage, dvp, ..d })
        }
        Operation::Refund { from, to, asset, amount, xfer, dvp } => {
            WireOp::Refund(Bridge { from, to, asset, amount, xfer, dvp, ..d })
        }
        _ => return None,
    })
}

/// A bridge operation from its wire fields; `None` when one it needs is missing.
fn bridge_from_wire(op: WireOp) -> Option<Operation> {
    Some(match op {
        WireOp::Lock(b) => Operation::Lock {
            from: b.from,
            to: b.to,
            asset: b.asset,
            amount: b.amount,
            xfer: b.xfer,
            peer_chain: b.peer_chain,
            beneficiary: b.beneficiary,
        },
        WireOp::Mint(b) => Operation::Mint {
            to: b.to,
            asset: b.asset,
            amount: b.amount,
            xfer: b.xfer,
            peer_chain: b.peer_chain,
            proof: b.proof?,
        },
        WireOp::Burn(b) => Operation::Burn {
            from: b.from,
            asset: b.asset,
            amount: b.amount,
            xfer: b.xfer,
            peer_chain: b.peer_chain,
            beneficiary: b.beneficiary,
        },
        WireOp::Release(b) => Operation::Release {
            from: b.from,
            to: b.to,
            asset: b.asset,
            amount: b.amount,
            xfer: b.xfer,
            peer_chain: b.peer_chain,
            proof: b.proof?,
        },
        WireOp::Hashlock(b) => Operation::Hashlock {
            from: b.from,
            to: b.to,
            asset: b.asset,
            amount: b.amount,
            xfer: b.xfer,
            hash: b.hash,
            expires_height: b.expires_height?,
            beneficiary: b.beneficiary,
            dvp: b.dvp,
        },
        WireOp::Claim(b) => Operation::Claim {
            from: b.from,
            to: b.to,
            asset: b.asset,
            amount: b.amount,
            xfer: b.xfer,
            preimage: b.preimage,
            dvp: b.dvp,
        },
        WireOp::Refund(b) => Operation::Refund {
            from: b.from,
            to: b.to,
            asset: b.asset,
            amount: b.amount,
            xfer: b.xfer,
            dvp: b.dvp,
        },
        _ => return None,
    })
}

fn from_wire(op: WireOp) -> Result<Operation, &'static str> {
    Ok(match op {
        WireOp::Transfer { from, to, asset, amount } => {
            Operation::Transfer { from, to, asset, amount }
        }
        WireOp::Issue { to, asset, amount } => Operation::Issue { to, asset, amount },
        WireOp::Redeem { from, asset, amount } => Operation::Redeem { from, asset, amount },
        WireOp::Batch { legs } => Operation::Batch { legs },
        WireOp::Admin { by, action } => Operation::Admin { by, action: admin_from_wire(action) },
        WireOp::Tampered { inner, how } => {
            Operation::Tampered { inner: Box::new(from_wire(*inner)?), how }
        }
        op => bridge_from_wire(op).ok_or("a bridge operation lacks its proof or expiry")?,
    })
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
    from_wire(WireOp::deserialize(d)?).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests;
