//! The starting state of a run: assets with their policies, balances and identity.

use super::admin::Claim;
use super::bridge::BridgeGenesis;
use super::policy::AssetPolicy;
use serde::{Deserialize, Serialize};

/// The starting state a run needs (declared by its workload program).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Genesis {
    /// Assets and their policies (`None`: plain cash).
    pub assets: Vec<(String, Option<AssetPolicy>)>,
    /// Starting balances: (account, asset, amount).
    pub balances: Vec<(String, String, u128)>,
    /// Licensed institutions.
    pub institutions: Vec<String>,
    /// Claims: (institution, investor, claim).
    pub claims: Vec<(String, String, Claim)>,
    /// Attested reserves of reserve-backed assets.
    pub reserves: Vec<(String, u128)>,
    /// Products admitted to trading.
    pub admitted: Vec<String>,
    /// The chain's bridge (trace format 1.2): when declared, the escrow account
    /// ([`super::ESCROW`]) exists and bridge operations are accepted; mints and releases need a
    /// proof from one of its peer chains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<BridgeGenesis>,
}

impl Genesis {
    /// Whether any asset carries a policy (an adapter without policy support must refuse it).
    pub fn has_policies(&self) -> bool {
        self.assets.iter().any(|(_, p)| p.is_some()) || !self.institutions.is_empty()
    }
}
