//! Operations: what the harness asks a chain to do, and their kinds.

use super::admin::AdminAction;
use serde::{Deserialize, Serialize};

/// What the harness asks the chain to do. Account and asset names are the harness's
/// (`"a17"`, `"USD"`); the adapter maps them to the chain's own identities.
///
/// Adapters match on it with a wildcard arm: an operation they do not support is refused by the
/// adapter's declared capabilities (`Capabilities::operations`) before the run starts, never
/// silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    Transfer {
        from: String,
        to: String,
        asset: String,
        amount: u128,
    },
    Issue {
        to: String,
        asset: String,
        amount: u128,
    },
    Redeem {
        from: String,
        asset: String,
        amount: u128,
    },
    /// An atomic batch signed by every sender: all legs settle or none (DvP: a security leg and
    /// a cash leg; a netting cycle).
    Batch {
        legs: Vec<Leg>,
    },
    /// A privileged action by `by` (the seed authority, a licensed institution, an issuer's agent).
    Admin {
        by: String,
        action: AdminAction,
    },
    /// `inner`, deliberately spoiled: the chain must reject it (`BAD_SIGNATURE` / `MALFORMED`)
    /// and change nothing.
    Tampered {
        inner: Box<Operation>,
        how: Tamper,
    },
}

/// How a tampered transaction is spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// Signed by a key that is not the sender's.
    BadSignature,
    /// Bytes that do not decode as a transaction.
    Malformed,
}

/// One leg of an atomic batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub from: String,
    pub to: String,
    pub asset: String,
    pub amount: u128,
}

impl Operation {
    /// The spec's `op` name (mint and burn are the spec's `issue` and `redeem`).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Transfer { .. } => "transfer",
            Operation::Issue { .. } => "issue",
            Operation::Redeem { .. } => "redeem",
            Operation::Batch { .. } => "batch",
            Operation::Admin { action, .. } => action.name(),
            Operation::Tampered { inner, .. } => inner.name(),
        }
    }

    /// The operation's kind, for capability checks.
    pub fn kind(&self) -> OpKind {
        match self {
            Operation::Transfer { .. } => OpKind::Transfer,
            Operation::Issue { .. } => OpKind::Issue,
            Operation::Redeem { .. } => OpKind::Redeem,
            Operation::Batch { .. } => OpKind::Batch,
            Operation::Admin { .. } => OpKind::Admin,
            Operation::Tampered { inner, .. } => inner.kind(),
        }
    }

    /// The account whose funds move out (or that signs), if any.
    pub fn from(&self) -> Option<&str> {
        match self {
            Operation::Transfer { from, .. } | Operation::Redeem { from, .. } => Some(from),
            Operation::Issue { .. } => None,
            Operation::Batch { legs } => legs.first().map(|l| l.from.as_str()),
            Operation::Admin { action, .. } => match action {
                AdminAction::ForcedTransfer { from, .. } | AdminAction::Burn { from, .. } => {
                    Some(from)
                }
                AdminAction::Recover { lost, .. } => Some(lost),
                _ => None,
            },
            Operation::Tampered { inner, .. } => inner.from(),
        }
    }

    /// Receiving account, if any.
    pub fn to(&self) -> Option<&str> {
        match self {
            Operation::Transfer { to, .. } | Operation::Issue { to, .. } => Some(to),
            Operation::Redeem { .. } => None,
            Operation::Batch { legs } => legs.first().map(|l| l.to.as_str()),
            Operation::Admin { action, .. } => match action {
                AdminAction::ForcedTransfer { to, .. } | AdminAction::Mint { to, .. } => Some(to),
                AdminAction::Recover { replacement, .. } => Some(replacement),
                _ => None,
            },
            Operation::Tampered { inner, .. } => inner.to(),
        }
    }

    pub fn asset(&self) -> Option<&str> {
        match self {
            Operation::Transfer { asset, .. }
            | Operation::Issue { asset, .. }
            | Operation::Redeem { asset, .. } => Some(asset),
            Operation::Batch { legs } => legs.first().map(|l| l.asset.as_str()),
            Operation::Admin { action, .. } => match action {
                AdminAction::Freeze { asset, .. }
                | AdminAction::Unfreeze { asset, .. }
                | AdminAction::Pause { asset }
                | AdminAction::Unpause { asset }
                | AdminAction::ForcedTransfer { asset, .. }
                | AdminAction::Recover { asset, .. }
                | AdminAction::Mint { asset, .. }
                | AdminAction::Burn { asset, .. }
                | AdminAction::AttestReserve { asset, .. }
                | AdminAction::AdmitProduct { asset }
                | AdminAction::DelistProduct { asset } => Some(asset),
                _ => None,
            },
            Operation::Tampered { inner, .. } => inner.asset(),
        }
    }

    /// The amount that moves (for the trace's single-amount operations).
    pub fn amount(&self) -> Option<u128> {
        match self {
            Operation::Transfer { amount, .. }
            | Operation::Issue { amount, .. }
            | Operation::Redeem { amount, .. } => Some(*amount),
            Operation::Batch { .. } => None,
            Operation::Admin { action, .. } => match action {
                AdminAction::ForcedTransfer { amount, .. }
                | AdminAction::Mint { amount, .. }
                | AdminAction::Burn { amount, .. }
                | AdminAction::Recover { amount, .. } => Some(*amount),
                _ => None,
            },
            Operation::Tampered { inner, .. } => inner.amount(),
        }
    }

    /// The legs of a batch (empty for other operations).
    pub fn legs(&self) -> &[Leg] {
        match self {
            Operation::Batch { legs } => legs,
            _ => &[],
        }
    }
}

/// Kinds of operation an adapter may support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    Transfer,
    Issue,
    Redeem,
    Batch,
    Admin,
}
