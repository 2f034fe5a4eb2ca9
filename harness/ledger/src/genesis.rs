//! The starting ledger from the harness's [`Setup`]: every balance, the asset policies, the
//! licensed institutions and their claims, attested reserves and admitted products, and the
//! bridge (its escrow account, registered after every other account, and its peer chains).

use super::controls::Controls;
use super::dir::{Directory, Policy};
use super::state::LedgerState;
use std::sync::Arc;
use touchstone_core::adapter::Setup;
use touchstone_core::ledger::ESCROW;

/// The genesis ledger every node starts from.
pub fn build(setup: &Setup) -> LedgerState {
    let g = &setup.genesis;
    // The starting balances: the program's genesis, or every account × asset at its initial
    // balance.
    let mut start: Vec<(String, String, u128)> = g.balances.clone();
    if start.is_empty() {
        for a in &setup.accounts {
            for asset in &setup.assets {
                start.push((a.clone(), asset.id.clone(), asset.initial_balance));
            }
        }
    }
    let mut accounts = setup.accounts.clone();
    accounts.extend(start.iter().map(|(a, _, _)| a.clone()));
    let mut assets: Vec<String> = setup.assets.iter().map(|a| a.id.clone()).collect();
    assets.extend(g.assets.iter().map(|(a, _)| a.clone()));
    assets.extend(start.iter().map(|(_, k, _)| k.clone()));
    let mut dir = Directory::new(&accounts, &assets);
    for inst in &g.institutions {
        dir.add_account(inst);
    }
    for (inst, investor, claim) in &g.claims {
        dir.add_account(inst);
        dir.add_account(investor);
        dir.add_claim(claim);
    }
    for (asset, policy) in &g.assets {
        let (Some(p), Some(k)) = (policy, dir.asset(asset)) else { continue };
        let policy = Policy {
            issuer: dir.add_account(&p.issuer),
            required: p.required_claims.iter().map(|c| dir.add_claim(c)).collect(),
            max_holders: p.max_holders,
            max_per_investor: p.max_per_investor,
            max_per_transfer: p.max_per_transfer,
            listed: p.listed_product,
            reserve_backed: p.reserve_backed,
        };
        dir.policies[k as usize] = Some(policy);
    }
    if let Some(bridge) = &g.bridge {
        dir.escrow = Some(dir.add_account(ESCROW));
        dir.bridge = Some(bridge.clone());
    }
    let mut controls = Controls::new(dir.n_assets());
    controls.licensed.extend(g.institutions.iter().filter_map(|i| dir.account(i)));
    for (inst, investor, claim) in &g.claims {
        let key =
            (dir.account(investor).expect("registered"), dir.claim(claim).expect("registered"));
        controls.claims.entry(key).or_default().insert(dir.account(inst).expect("registered"));
    }
    for (asset, amount) in &g.reserves {
        if let Some(k) = dir.asset(asset) {
            controls.asset_mut(k).reserve = *amount;
        }
    }
    for asset in &g.admitted {
        if let Some(k) = dir.asset(asset) {
            controls.asset_mut(k).admitted = true;
        }
    }
    let start: Vec<_> =
        start.iter().filter_map(|(a, k, v)| Some((dir.account(a)?, dir.asset(k)?, *v))).collect();
    LedgerState::genesis(Arc::new(dir), &start, controls)
}
