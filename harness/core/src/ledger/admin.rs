//! Privileged actions of the regulated ledger and the identity claims they issue.

use serde::{Deserialize, Serialize};

/// Identity claims issued by licensed institutions to investors.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    Kyc,
    Accredited,
    Country(String),
}

/// Privileged operations of the regulated ledger (identity, controls, issuance, products).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AdminAction {
    /// The seed authority licenses an institution to issue claims.
    AppointInstitution {
        institution: String,
    },
    /// Revoking a licence unverifies every investor whose required claim came only from it.
    RevokeInstitution {
        institution: String,
    },
    /// A licensed institution certifies an investor.
    IssueClaim {
        investor: String,
        claim: Claim,
    },
    RevokeClaim {
        investor: String,
        claim: Claim,
    },
    /// Freezes the whole account (`amount: None`) or that much of its balance.
    Freeze {
        account: String,
        asset: String,
        amount: Option<u128>,
    },
    Unfreeze {
        account: String,
        asset: String,
    },
    Pause {
        asset: String,
    },
    Unpause {
        asset: String,
    },
    /// The issuer's agent moves holdings (court order); the receiver must be verified.
    ForcedTransfer {
        from: String,
        to: String,
        asset: String,
        amount: u128,
    },
    /// Key recovery: the whole holding of `lost` (which must be exactly `amount`) moves to
    /// `replacement` (verified), with any freeze.
    Recover {
        lost: String,
        replacement: String,
        asset: String,
        amount: u128,
    },
    Mint {
        to: String,
        asset: String,
        amount: u128,
    },
    Burn {
        from: String,
        asset: String,
        amount: u128,
    },
    /// The stablecoin issuer attests its reserve; mints may not take supply above it.
    AttestReserve {
        asset: String,
        amount: u128,
    },
    /// Tradable-product whitelist.
    AdmitProduct {
        asset: String,
    },
    DelistProduct {
        asset: String,
    },
}

impl AdminAction {
    pub fn name(&self) -> &'static str {
        match self {
            AdminAction::AppointInstitution { .. } => "appoint_institution",
            AdminAction::RevokeInstitution { .. } => "revoke_institution",
            AdminAction::IssueClaim { .. } => "issue_claim",
            AdminAction::RevokeClaim { .. } => "revoke_claim",
            AdminAction::Freeze { .. } => "freeze",
            AdminAction::Unfreeze { .. } => "unfreeze",
            AdminAction::Pause { .. } => "pause",
            AdminAction::Unpause { .. } => "unpause",
            AdminAction::ForcedTransfer { .. } => "forced_transfer",
            AdminAction::Recover { .. } => "recover",
            AdminAction::Mint { .. } => "issue",
            AdminAction::Burn { .. } => "redeem",
            AdminAction::AttestReserve { .. } => "attest_reserve",
            AdminAction::AdmitProduct { .. } => "admit_product",
            AdminAction::DelistProduct { .. } => "delist_product",
        }
    }
}
