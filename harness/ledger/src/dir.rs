//! Names and indices of accounts, assets and identity claims, and each asset's fixed policy.
//!
//! Shared by every node (`Arc`). Assets and their policies are fixed at genesis. Accounts and
//! claims may be added at admission: an account name the ledger has never seen is a fresh,
//! empty account (as on any chain where every address exists), so a transfer to it is judged
//! by the rules (e.g. `INVALID_RECEIVER` on a KYC-gated asset), not refused as malformed.

use super::tx::{AccountIdx, AssetIdx, ClaimIdx};
use std::collections::BTreeMap;
use touchstone_core::ledger::{BridgeGenesis, Claim};

/// The seed authority's account name: it licenses institutions and admits products. (The
/// harness's programs use the same name.)
pub const SEED_AUTHORITY: &str = "authority";

/// An asset's fixed rules (from the genesis policy).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// The issuer's agent: freezes, pauses, forces, recovers, mints, burns, attests.
    pub issuer: AccountIdx,
    /// Claims every sender and receiver must hold from a licensed institution.
    pub required: Vec<ClaimIdx>,
    pub max_holders: Option<u64>,
    pub max_per_investor: Option<u128>,
    pub max_per_transfer: Option<u128>,
    /// Tradable only while admitted (the product whitelist).
    pub listed: bool,
    /// Supply may not exceed the attested reserve.
    pub reserve_backed: bool,
}

/// Names ↔ indices, and the policies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    accounts: BTreeMap<String, AccountIdx>,
    pub account_names: Vec<String>,
    assets: BTreeMap<String, AssetIdx>,
    pub asset_names: Vec<String>,
    claims: BTreeMap<Claim, ClaimIdx>,
    /// Per asset: `None` for plain cash (no rules beyond balances).
    pub policies: Vec<Option<Policy>>,
    /// The seed authority's index, once its name is known.
    pub authority: Option<AccountIdx>,
    /// The bridge's escrow account ([`touchstone_core::ledger::ESCROW`]), on a ledger whose
    /// genesis declares a bridge.
    pub escrow: Option<AccountIdx>,
    /// The bridge's peer chains (fixed at genesis), on a ledger whose genesis declares one.
    pub bridge: Option<BridgeGenesis>,
}

impl Directory {
    pub fn new(accounts: &[String], assets: &[String]) -> Self {
        let mut d = Directory::default();
        for a in accounts {
            d.add_account(a);
        }
        for a in assets {
            if !d.assets.contains_key(a) {
                d.assets.insert(a.clone(), d.asset_names.len() as AssetIdx);
                d.asset_names.push(a.clone());
                d.policies.push(None);
            }
        }
        d
    }

    /// The index of `name`, registering it if new.
    pub fn add_account(&mut self, name: &str) -> AccountIdx {
        if let Some(i) = self.account(name) {
            return i;
        }
        let i = self.account_names.len() as AccountIdx;
        self.accounts.insert(name.to_string(), i);
        self.account_names.push(name.to_string());
        if name == SEED_AUTHORITY {
            self.authority = Some(i);
        }
        i
    }

    /// The index of `claim`, registering it if new.
    pub fn add_claim(&mut self, claim: &Claim) -> ClaimIdx {
        if let Some(&i) = self.claims.get(claim) {
            return i;
        }
        let i = self.claims.len() as ClaimIdx;
        self.claims.insert(claim.clone(), i);
        i
    }

    pub fn account(&self, name: &str) -> Option<AccountIdx> {
        // Fast path for the harness's own names (`a<i>` is account i).
        if let Some(i) = name.strip_prefix('a').and_then(|d| d.parse::<usize>().ok()) {
            if self.account_names.get(i).is_some_and(|n| n == name) {
                return Some(i as AccountIdx);
            }
        }
        self.accounts.get(name).copied()
    }

    pub fn asset(&self, name: &str) -> Option<AssetIdx> {
        self.assets.get(name).copied()
    }

    pub fn claim(&self, claim: &Claim) -> Option<ClaimIdx> {
        self.claims.get(claim).copied()
    }

    pub fn n_assets(&self) -> usize {
        self.asset_names.len()
    }

    pub fn claim_count(&self) -> usize {
        self.claims.len()
    }

    pub fn n_accounts(&self) -> usize {
        self.account_names.len()
    }

    /// Whether `acct` is the bridge's escrow (which signs nothing itself).
    #[inline]
    pub fn is_escrow(&self, acct: AccountIdx) -> bool {
        self.escrow == Some(acct)
    }

    /// The policy of `asset` (`None`: plain cash, or not an asset).
    #[inline]
    pub fn policy(&self, asset: AssetIdx) -> Option<&Policy> {
        self.policies.get(asset as usize).and_then(Option::as_ref)
    }
}
