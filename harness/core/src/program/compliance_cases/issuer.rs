//! The issuer's agent (D3.x): forced transfers, key recovery, mints, burns, reserves.

use super::Aim;
use crate::ledger::AdminAction as A;
use crate::program::common::AGENT;
use crate::program::compliance_world::{Drawn, World, STC};
use crate::seed::Rng;
use rand::Rng as _;

impl Aim<'_> {
    /// D3.1: a forced transfer or a key recovery by the agent.
    pub(super) fn agent_powers(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let f = self.holder(rng);
        let t = self.other(rng, &f);
        if rng.gen_bool(0.6) {
            let amount = if rng.gen_bool(0.8) { self.small(rng, &f) } else { self.bal(&f) + 1 };
            World::adm(
                AGENT,
                A::ForcedTransfer { from: f, to: t, asset: asset.into(), amount },
                "D3.1",
                format!("agent forces a {asset} transfer"),
            )
        } else {
            let amount = if rng.gen_bool(0.9) { self.bal(&f) } else { self.bal(&f) + 1 };
            World::adm(
                AGENT,
                A::Recover { lost: f, replacement: t, asset: asset.into(), amount: amount.max(1) },
                "D3.1",
                format!("agent recovers a lost {asset} key"),
            )
        }
    }

    /// D3.2: mints (within or above the reserve), burns, reserve attestations.
    pub(super) fn issuance(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let t = self.pick(rng);
        match rng.gen_range(0..4) {
            0 => {
                let a = self.world.model.supply(STC);
                let over = rng.gen_bool(0.5);
                let amount =
                    if over { 60_000 + rng.gen_range(0..a.max(1)) } else { rng.gen_range(1..=500) };
                World::adm(
                    AGENT,
                    A::Mint { to: t, asset: STC.into(), amount },
                    "D3.2",
                    format!(
                        "mint of STC {} the attested reserve",
                        if over { "above" } else { "within" }
                    ),
                )
            }
            1 => World::adm(
                AGENT,
                A::Mint { to: t, asset: asset.into(), amount: rng.gen_range(1..=300) },
                "D3.2",
                format!("agent mints {asset}"),
            ),
            2 => {
                let f = self.holder(rng);
                World::adm(
                    AGENT,
                    A::Burn { from: f.clone(), asset: asset.into(), amount: self.small(rng, &f) },
                    "D3.2",
                    format!("agent burns {asset}"),
                )
            }
            _ => {
                let r = self.world.model.supply(STC) + rng.gen_range(0..100_000);
                World::adm(
                    AGENT,
                    A::AttestReserve { asset: STC.into(), amount: r },
                    "D3.2",
                    "issuer attests the STC reserve".to_string(),
                )
            }
        }
    }
}
