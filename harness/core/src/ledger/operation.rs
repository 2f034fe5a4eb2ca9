//! Operations: what the harness asks a chain to do, and their kinds.

use super::admin::AdminAction;
use super::bridge::Proof;
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
    /// Relay bridge, source side: `from` moves `amount` into `to` (this chain's escrow,
    /// [`super::ESCROW`]) for `beneficiary` on `peer_chain`.
    Lock {
        from: String,
        to: String,
        asset: String,
        amount: u128,
        xfer: String,
        peer_chain: String,
        beneficiary: String,
    },
    /// Relay bridge, destination side: issues `amount` of the wrapped `asset` to `to`, proven by
    /// the finality certificate of the lock on `peer_chain`.
    Mint {
        to: String,
        asset: String,
        amount: u128,
        xfer: String,
        peer_chain: String,
        proof: Box<Proof>,
    },
    /// Relay bridge, way back: `from` redeems `amount` of the wrapped `asset` for `beneficiary`
    /// on `peer_chain`.
    Burn {
        from: String,
        asset: String,
        amount: u128,
        xfer: String,
        peer_chain: String,
        beneficiary: String,
    },
    /// Relay bridge, way back: the escrow (`from`) pays `to`, proven by the finality certificate
    /// of the burn on `peer_chain`.
    Release {
        from: String,
        to: String,
        asset: String,
        amount: u128,
        xfer: String,
        peer_chain: String,
        proof: Box<Proof>,
    },
    /// Hashed time-lock: `from` moves `amount` into `to` (the escrow) under `hash` (hex SHA-256)
    /// for `beneficiary`, until `expires_height`: the ledger knows the heights it decides, not
    /// the time, so the lock expires at a height of this chain (claims are valid at heights
    /// `<= expires_height`, refunds above it).
    Hashlock {
        from: String,
        to: String,
        asset: String,
        amount: u128,
        xfer: String,
        hash: String,
        expires_height: u64,
        beneficiary: String,
        dvp: Option<String>,
    },
    /// Hashed time-lock: the escrow (`from`) pays the lock's beneficiary (`to`) for the
    /// `preimage` (hex) of its hash.
    Claim {
        from: String,
        to: String,
        asset: String,
        amount: u128,
        xfer: String,
        preimage: String,
        dvp: Option<String>,
    },
    /// Hashed time-lock: after its expiry, the escrow (`from`) returns the lock to its sender
    /// (`to`).
    Refund {
        from: String,
        to: String,
        asset: String,
        amount: u128,
        xfer: String,
        dvp: Option<String>,
    },
}

/// The bridge fields of an operation as the trace writes them on its `tx.submit` line (beside
/// `from`, `to`, `asset`, `amount`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BridgeFields<'a> {
    pub xfer: &'a str,
    pub peer_chain: Option<&'a str>,
    pub beneficiary: Option<&'a str>,
    pub proof: Option<&'a Proof>,
    pub hash: Option<&'a str>,
    pub preimage: Option<&'a str>,
    pub expires_height: Option<u64>,
    pub dvp: Option<&'a str>,
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
            Operation::Lock { .. } => "lock",
            Operation::Mint { .. } => "mint",
            Operation::Burn { .. } => "burn",
            Operation::Release { .. } => "release",
            Operation::Hashlock { .. } => "hashlock",
            Operation::Claim { .. } => "claim",
            Operation::Refund { .. } => "refund",
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
            Operation::Lock { .. }
            | Operation::Mint { .. }
            | Operation::Burn { .. }
            | Operation::Release { .. } => OpKind::Bridge,
            Operation::Hashlock { .. } | Operation::Claim { .. } | Operation::Refund { .. } => {
                OpKind::HashLock
            }
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
            Operation::Lock { from, .. }
            | Operation::Burn { from, .. }
            | Operation::Release { from, .. }
            | Operation::Hashlock { from, .. }
            | Operation::Claim { from, .. }
            | Operation::Refund { from, .. } => Some(from),
            Operation::Mint { .. } => None,
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
            Operation::Lock { to, .. }
            | Operation::Mint { to, .. }
            | Operation::Release { to, .. }
            | Operation::Hashlock { to, .. }
            | Operation::Claim { to, .. }
            | Operation::Refund { to, .. } => Some(to),
            Operation::Burn { .. } => None,
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
            Operation::Lock { asset, .. }
            | Operation::Mint { asset, .. }
            | Operation::Burn { asset, .. }
            | Operation::Release { asset, .. }
            | Operation::Hashlock { asset, .. }
            | Operation::Claim { asset, .. }
            | Operation::Refund { asset, .. } => Some(asset),
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
            Operation::Lock { amount, .. }
            | Operation::Mint { amount, .. }
            | Operation::Burn { amount, .. }
            | Operation::Release { amount, .. }
            | Operation::Hashlock { amount, .. }
            | Operation::Claim { amount, .. }
            | Operation::Refund { amount, .. } => Some(*amount),
        }
    }

    /// The account that signs and whose nonce the operation consumes, if any: the sender of
    /// funds it moves on its own authority. Mints, releases, claims and refunds are submitted
    /// by whoever holds the proof or preimage (a relay, a counterparty) and move the escrow's
    /// funds by the bridge's rules, so they have no signer.
    pub fn signer(&self) -> Option<&str> {
        match self {
            Operation::Mint { .. }
            | Operation::Release { .. }
            | Operation::Claim { .. }
            | Operation::Refund { .. } => None,
            Operation::Tampered { inner, .. } => inner.signer(),
            _ => self.from(),
        }
    }

    /// The bridge fields of a bridge operation, for the trace (`None` for other operations).
    pub fn bridge(&self) -> Option<BridgeFields<'_>> {
        let mut f = BridgeFields::default();
        match self {
            Operation::Lock { xfer, peer_chain, beneficiary, .. }
            | Operation::Burn { xfer, peer_chain, beneficiary, .. } => {
                f.xfer = xfer;
                f.peer_chain = Some(peer_chain);
                f.beneficiary = Some(beneficiary);
            }
            Operation::Mint { xfer, peer_chain, proof, .. }
            | Operation::Release { xfer, peer_chain, proof, .. } => {
                f.xfer = xfer;
                f.peer_chain = Some(peer_chain);
                f.proof = Some(proof);
            }
            Operation::Hashlock { xfer, hash, expires_height, beneficiary, dvp, .. } => {
                f.xfer = xfer;
                f.hash = Some(hash);
                f.expires_height = Some(*expires_height);
                f.beneficiary = Some(beneficiary);
                f.dvp = dvp.as_deref();
            }
            Operation::Claim { xfer, preimage, dvp, .. } => {
                f.xfer = xfer;
                f.preimage = Some(preimage);
                f.dvp = dvp.as_deref();
            }
            Operation::Refund { xfer, dvp, .. } => {
                f.xfer = xfer;
                f.dvp = dvp.as_deref();
            }
            Operation::Tampered { inner, .. } => return inner.bridge(),
            _ => return None,
        }
        Some(f)
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
    /// The relay bridge's `lock`, `mint`, `burn` and `release`.
    Bridge,
    /// The hashed time-lock's `hashlock`, `claim` and `refund`.
    #[serde(rename = "hashlock")]
    HashLock,
}
