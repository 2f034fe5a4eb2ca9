//! The regulated part of the ledger state: the identity registry (licensed institutions and the
//! claims they issued) and the controls (freezes, pauses, the product whitelist, attested
//! reserves). It changes only through privileged actions, so a speculative overlay copies it on
//! its first write (see [`super::state::Overlay`]).

use super::dir::Directory;
use super::tx::{AccountIdx, AssetIdx, ClaimIdx};
use std::collections::{BTreeMap, BTreeSet};

/// Per-asset switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssetControls {
    pub paused: bool,
    /// On the tradable-product whitelist (matters for listed products only).
    pub admitted: bool,
    /// Attested reserve (matters for reserve-backed assets only).
    pub reserve: u128,
}

/// Identity registry and controls.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Controls {
    /// Institutions whose licence is in force.
    pub licensed: BTreeSet<AccountIdx>,
    /// (investor, claim) → institutions that issued it (licensed or not: a licence restored
    /// makes its claims count again).
    pub claims: BTreeMap<(AccountIdx, ClaimIdx), BTreeSet<AccountIdx>>,
    /// Wholly frozen (account, asset).
    pub frozen: BTreeSet<(AccountIdx, AssetIdx)>,
    /// Partially frozen amounts.
    pub held: BTreeMap<(AccountIdx, AssetIdx), u128>,
    pub assets: Vec<AssetControls>,
}

impl Controls {
    pub fn new(n_assets: usize) -> Self {
        Controls { assets: vec![AssetControls::default(); n_assets], ..Default::default() }
    }

    #[inline]
    pub fn asset(&self, k: AssetIdx) -> AssetControls {
        self.assets.get(k as usize).copied().unwrap_or_default()
    }

    pub fn asset_mut(&mut self, k: AssetIdx) -> &mut AssetControls {
        &mut self.assets[k as usize]
    }

    #[inline]
    pub fn is_frozen(&self, a: AccountIdx, k: AssetIdx) -> bool {
        !self.frozen.is_empty() && self.frozen.contains(&(a, k))
    }

    #[inline]
    pub fn held(&self, a: AccountIdx, k: AssetIdx) -> u128 {
        if self.held.is_empty() {
            return 0;
        }
        self.held.get(&(a, k)).copied().unwrap_or(0)
    }

    /// Whether `investor` holds `claim` from an institution whose licence is in force.
    pub fn has_claim(&self, investor: AccountIdx, claim: ClaimIdx) -> bool {
        self.claims
            .get(&(investor, claim))
            .is_some_and(|by| by.iter().any(|i| self.licensed.contains(i)))
    }

    /// Whether `investor` may hold `asset`: every claim its policy requires, from a licensed
    /// institution. Assets without required claims are open to anyone.
    #[inline]
    pub fn verified(&self, dir: &Directory, investor: AccountIdx, asset: AssetIdx) -> bool {
        match dir.policy(asset) {
            None => true,
            Some(p) => p.required.iter().all(|&c| self.has_claim(investor, c)),
        }
    }

    /// Key recovery: the freezes of `lost` on `asset` follow the holding to `to` (a whole freeze
    /// moves, a partial one adds to the replacement's).
    pub fn move_freezes(&mut self, lost: AccountIdx, to: AccountIdx, asset: AssetIdx) {
        if self.frozen.remove(&(lost, asset)) {
            self.frozen.insert((to, asset));
        }
        if let Some(h) = self.held.remove(&(lost, asset)) {
            *self.held.entry((to, asset)).or_default() += h;
        }
    }
}
