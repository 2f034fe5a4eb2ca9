//! A reference model initialised from a run's [`Genesis`].
//!
//! The method belongs to [`Genesis`] but lives here, beside the model it builds, so the ledger
//! vocabulary stays below the reference model in the crate's layering.

use super::state::LedgerModel;
use crate::ledger::Genesis;

impl Genesis {
    /// A reference model initialised with this state.
    pub fn model(&self) -> LedgerModel {
        let mut m = LedgerModel::new();
        for (id, p) in &self.assets {
            m.add_asset(id, p.clone());
        }
        m.load_identity(&self.institutions, &self.claims);
        for (a, r) in &self.reserves {
            m.set_reserve(a, *r);
        }
        for a in &self.admitted {
            m.admit(a);
        }
        if let Some(b) = &self.bridge {
            m.set_bridge(b.clone());
        }
        for (acct, asset, amt) in &self.balances {
            m.genesis(acct, asset, *amt);
        }
        m
    }
}
