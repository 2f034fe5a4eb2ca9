//! The `compliance` program's world: its genesis, and [`World`], the reference model plus what
//! the case generator (`compliance_cases.rs`) needs to aim its cases (which accounts are frozen,
//! partially frozen, which assets paused, whether the product is delisted and the institution
//! revoked).

use super::common::{admin, transfer, ModelIds, AGENT, INST};
use crate::ids::account_name;
use crate::ledger::{AdminAction as A, AssetPolicy, Claim, Genesis, Operation};
use crate::reason::Reason;
use crate::refmodel::LedgerModel;
use std::collections::{BTreeMap, BTreeSet};

pub const SEC: &str = "SEC";
pub const STC: &str = "STC";
pub const ETF: &str = "ETF";
pub const ASSETS: [&str; 3] = [SEC, STC, ETF];
pub const SEC_MAX_PER_INVESTOR: u128 = 5000;
pub const SEC_MAX_PER_TRANSFER: u128 = 2000;
pub const STC_MAX_PER_TRANSFER: u128 = 10_000;

/// Who certified investor `i`: 0,1 → inst0; 2 → inst1 only; 3 → both; 4 → nobody.
fn certifiers(i: u32) -> &'static [&'static str] {
    match i % 5 {
        0 | 1 => &INST[..1],
        2 => &INST[1..],
        3 => &INST,
        _ => &[],
    }
}

/// The starting state of the compliance world with `n` investors.
pub fn genesis(n: u32) -> Genesis {
    let verified = |i: u32| !certifiers(i).is_empty();
    let sec_holders = (0..n).filter(|&i| verified(i) && i % 2 == 0).count() as u64;
    let sec = AssetPolicy {
        max_holders: Some(sec_holders + 4),
        max_per_investor: Some(SEC_MAX_PER_INVESTOR),
        max_per_transfer: Some(SEC_MAX_PER_TRANSFER),
        listed_product: true,
        ..AssetPolicy::security(AGENT)
    };
    let stc = AssetPolicy {
        max_per_transfer: Some(STC_MAX_PER_TRANSFER),
        ..AssetPolicy::stablecoin(AGENT)
    };
    let etf = AssetPolicy { issuer: AGENT.into(), listed_product: true, ..Default::default() };
    let mut g = Genesis {
        assets: vec![(SEC.into(), Some(sec)), (STC.into(), Some(stc)), (ETF.into(), Some(etf))],
        institutions: INST.iter().map(|s| s.to_string()).collect(),
        admitted: vec![SEC.into(), ETF.into()],
        ..Default::default()
    };
    for i in 0..n {
        for inst in certifiers(i) {
            g.claims.push((inst.to_string(), account_name(i), Claim::Kyc));
        }
        if verified(i) && i % 2 == 0 {
            g.balances.push((account_name(i), SEC.into(), 1000));
        }
        g.balances.push((account_name(i), STC.into(), 5000));
        g.balances.push((account_name(i), ETF.into(), 100));
    }
    g.reserves.push((STC.into(), 5000 * n as u128 + 50_000));
    g
}

/// The model and what the case generator aims at.
#[derive(Debug, Clone)]
pub struct World {
    pub model: LedgerModel,
    pub n: u32,
    pub(super) names: Vec<String>,
    pub(super) ids: ModelIds,
    pub(super) nonce: BTreeMap<String, u64>,
    pub(super) frozen: BTreeSet<(String, String)>,
    pub(super) partial: BTreeMap<(String, String), u128>,
    pub(super) paused: BTreeSet<String>,
    pub(super) delisted: bool,
    pub(super) revoked: bool,
}

/// A drawn case.
#[derive(Debug, Clone)]
pub struct Drawn {
    pub op: Operation,
    pub nonce: Option<u64>,
    pub indicator: &'static str,
    pub label: String,
}

impl World {
    pub fn new(g: &Genesis, n: u32) -> Self {
        World {
            model: g.model(),
            n,
            names: (0..n).map(account_name).collect(),
            ids: ModelIds::default(),
            nonce: BTreeMap::new(),
            frozen: BTreeSet::new(),
            partial: BTreeMap::new(),
            paused: BTreeSet::new(),
            delisted: false,
            revoked: false,
        }
    }

    /// Applies a drawn case to the model (and the generator's bookkeeping when it applies).
    pub fn apply(&mut self, d: &Drawn) -> Result<(), Reason> {
        let r = self.model.apply(self.ids.next(), &d.op, d.nonce);
        if r.is_ok() {
            if let (Some(n), Some(s)) = (d.nonce, d.op.signer()) {
                self.nonce.insert(s.to_string(), n + 1);
            }
            if let Operation::Admin { action, .. } = &d.op {
                self.note(action);
            }
        }
        r
    }

    fn note(&mut self, a: &A) {
        match a {
            A::Freeze { account, asset, amount: None } => {
                self.frozen.insert((account.clone(), asset.clone()));
            }
            A::Freeze { account, asset, amount: Some(x) } => {
                *self.partial.entry((account.clone(), asset.clone())).or_default() += x
            }
            A::Unfreeze { account, asset } => {
                let k = (account.clone(), asset.clone());
                self.frozen.remove(&k);
                self.partial.remove(&k);
            }
            A::Recover { lost, replacement, asset, .. } => {
                let (k, k2) = ((lost.clone(), asset.clone()), (replacement.clone(), asset.clone()));
                if self.frozen.remove(&k) {
                    self.frozen.insert(k2.clone());
                }
                if let Some(x) = self.partial.remove(&k) {
                    *self.partial.entry(k2).or_default() += x;
                }
            }
            A::Pause { asset } => {
                self.paused.insert(asset.clone());
            }
            A::Unpause { asset } => {
                self.paused.remove(asset);
            }
            A::DelistProduct { .. } => self.delisted = true,
            A::AdmitProduct { .. } => self.delisted = false,
            A::RevokeInstitution { .. } => self.revoked = true,
            A::AppointInstitution { .. } => self.revoked = false,
            _ => {}
        }
    }

    pub(super) fn nonce_of(&self, a: &str) -> u64 {
        self.nonce.get(a).copied().unwrap_or(0)
    }

    pub(super) fn tx(
        &self,
        from: &str,
        to: &str,
        asset: &str,
        amount: u128,
        indicator: &'static str,
        label: String,
    ) -> Drawn {
        Drawn {
            op: transfer(from, to, asset, amount.max(1)),
            nonce: Some(self.nonce_of(from)),
            indicator,
            label,
        }
    }

    pub(super) fn adm(by: &str, action: A, indicator: &'static str, label: String) -> Drawn {
        Drawn { op: admin(by, action), nonce: None, indicator, label }
    }
}
