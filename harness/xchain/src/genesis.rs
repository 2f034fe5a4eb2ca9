//! Every chain's starting state: its accounts and balances for the cross-chain workload, and
//! its bridge (the escrow, and the peer chains whose certificates it accepts).

use crate::spec::{Mechanism, Shape, XScenario};
use touchstone_core::adapter::SystemInfo;
use touchstone_core::ledger::{BridgeGenesis, Genesis, PeerChain};

/// The asset of the background payments every chain carries beside the bridge's traffic.
pub const LOCAL: &str = "LOCAL";

/// What every account starts with, of each asset it holds.
pub const START_BALANCE: u128 = 1_000_000_000;

/// The genesis of chain `index` of `s`, with `peers` (every chain's id and system) registered
/// as the bridge's peer chains. `broken_quorum` (a deliberately broken bridge rule, for the
/// checker's tests) registers the peers with a quorum of any one validator.
pub fn genesis(
    s: &XScenario,
    index: usize,
    peers: &[(String, SystemInfo)],
    broken_quorum: bool,
) -> Genesis {
    let id = &s.chains[index].id;
    let w = &s.bridge.workload;
    let accounts: Vec<String> = (0..w.accounts).map(touchstone_core::ids::account_name).collect();
    let mut funded: Vec<&str> = vec![LOCAL];
    let mut registered: Vec<&str> = vec![LOCAL];
    match &w.shape {
        Shape::XchainTransfer { from, asset, .. } => {
            // The relay's destination holds only what is minted; the hashed time-lock's
            // counterparties hold the asset already.
            if from == id || s.bridge.mechanism == Mechanism::Htlc {
                funded.push(asset);
            }
            registered.push(asset);
        }
        Shape::XchainDvp { securities, security, currency, .. } => {
            let asset = if securities == id { security } else { currency };
            funded.push(asset);
            registered.push(asset);
        }
    }
    let mut balances = Vec::new();
    for a in &accounts {
        for asset in &funded {
            balances.push((a.clone(), asset.to_string(), START_BALANCE));
        }
    }
    let peers = peers
        .iter()
        .filter(|(p, _)| p != id)
        .map(|(p, sys)| {
            let q = sys.quorum.unwrap_or(touchstone_core::trace::QuorumRule { num: 2, den: 3 });
            PeerChain {
                id: p.clone(),
                validators: sys.validators.iter().map(|v| (v.id.clone(), v.power)).collect(),
                num: if broken_quorum { 0 } else { q.num },
                den: q.den,
            }
        })
        .collect();
    Genesis {
        assets: registered.into_iter().map(|a| (a.to_string(), None)).collect(),
        balances,
        bridge: Some(BridgeGenesis { peers }),
        ..Default::default()
    }
}
