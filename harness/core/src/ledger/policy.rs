//! Per-asset policy.

use super::admin::Claim;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// Plain payment money: no policy.
    #[default]
    Cash,
    /// A KYC-gated security token.
    Security,
    /// An open stablecoin backed by an attested reserve.
    Stablecoin,
}

/// The rules an asset enforces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AssetPolicy {
    pub kind: AssetKind,
    /// The issuer's agent (may freeze, pause, force, recover, mint, burn, attest).
    pub issuer: String,
    /// Claims every holder must have (empty: anyone may hold it).
    pub required_claims: Vec<Claim>,
    pub max_holders: Option<u64>,
    pub max_per_investor: Option<u128>,
    pub max_per_transfer: Option<u128>,
    /// Subject to the tradable-product whitelist.
    pub listed_product: bool,
    /// Supply may not exceed the attested reserve.
    pub reserve_backed: bool,
}

impl AssetPolicy {
    /// A KYC-gated security token.
    pub fn security(issuer: &str) -> Self {
        AssetPolicy {
            kind: AssetKind::Security,
            issuer: issuer.into(),
            required_claims: vec![Claim::Kyc],
            ..Default::default()
        }
    }

    /// An open, reserve-backed stablecoin.
    pub fn stablecoin(issuer: &str) -> Self {
        AssetPolicy {
            kind: AssetKind::Stablecoin,
            issuer: issuer.into(),
            reserve_backed: true,
            ..Default::default()
        }
    }

    pub fn kyc_gated(&self) -> bool {
        !self.required_claims.is_empty()
    }
}
