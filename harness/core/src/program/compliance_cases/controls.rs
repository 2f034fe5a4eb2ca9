//! Transfer controls (D2.x): freezes, partial freezes, pauses and limits.

use super::Aim;
use crate::ledger::AdminAction as A;
use crate::program::common::AGENT;
use crate::program::compliance_world::{
    Drawn, World, SEC, SEC_MAX_PER_INVESTOR, SEC_MAX_PER_TRANSFER, STC, STC_MAX_PER_TRANSFER,
};
use crate::seed::Rng;
use rand::Rng as _;

impl Aim<'_> {
    /// D2.1: the agent freezes or unfreezes a whole account.
    pub(super) fn freeze(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let a = self.pick(rng);
        let k = (a.clone(), asset.to_string());
        if self.world.frozen.contains(&k) && rng.gen_bool(0.5) {
            World::adm(
                AGENT,
                A::Unfreeze { account: a, asset: asset.into() },
                "D2.1",
                format!("agent unfreezes a {asset} account"),
            )
        } else {
            World::adm(
                AGENT,
                A::Freeze { account: a, asset: asset.into(), amount: None },
                "D2.1",
                format!("agent freezes a {asset} account"),
            )
        }
    }

    /// D2.1: a transfer from or to a frozen account.
    pub(super) fn frozen_account(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let avoid = self.avoid;
        let frozen: Vec<&(String, String)> =
            self.world.frozen.iter().filter(|(a, s)| s == asset && !avoid.contains(a)).collect();
        let Some((fa, _)) = frozen.get(rng.gen_range(0..frozen.len().max(1))).copied() else {
            return self.fallback(rng);
        };
        if rng.gen_bool(0.5) {
            let t = self.other(rng, fa);
            self.world.tx(
                fa,
                &t,
                asset,
                self.small(rng, fa),
                "D2.1",
                format!("{asset} transfer from a frozen account"),
            )
        } else {
            let f = self.holder(rng);
            if f == *fa {
                return self.fallback(rng);
            }
            self.world.tx(
                &f,
                fa,
                asset,
                self.small(rng, &f),
                "D2.1",
                format!("{asset} transfer to a frozen account"),
            )
        }
    }

    /// D2.1: a partial freeze, or a transfer above or within a partially frozen account's
    /// free balance.
    pub(super) fn partial_freeze(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let avoid = self.avoid;
        let parts: Vec<(&String, u128)> = self
            .world
            .partial
            .iter()
            .filter(|((a, s), _)| s == asset && !avoid.contains(a))
            .map(|((a, _), x)| (a, *x))
            .collect();
        if parts.is_empty() || rng.gen_bool(0.3) {
            let a = self.holder(rng);
            let x = rng.gen_range(1..=self.bal(&a).max(2));
            World::adm(
                AGENT,
                A::Freeze { account: a, asset: asset.into(), amount: Some(x) },
                "D2.1",
                format!("agent freezes part of a {asset} balance"),
            )
        } else {
            let (a, x) = parts[rng.gen_range(0..parts.len())];
            let free = self.bal(a).saturating_sub(x);
            let above = rng.gen_bool(0.6) || free == 0;
            let amount = if above {
                free + rng.gen_range(1..=self.bal(a).max(1))
            } else {
                rng.gen_range(1..=free)
            };
            let t = self.other(rng, a);
            self.world.tx(
                a,
                &t,
                asset,
                amount,
                "D2.1",
                format!(
                    "{asset} transfer {} the free balance of a partially frozen account",
                    if above { "above" } else { "within" }
                ),
            )
        }
    }

    /// D2.2: the agent pauses or unpauses the asset, or a transfer of it.
    pub(super) fn pause(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        if rng.gen_bool(0.5) {
            let (action, what) = if self.world.paused.contains(asset) {
                (A::Unpause { asset: asset.into() }, "unpauses")
            } else {
                (A::Pause { asset: asset.into() }, "pauses")
            };
            World::adm(AGENT, action, "D2.2", format!("agent {what} {asset}"))
        } else {
            let f = self.holder(rng);
            let t = self.other(rng, &f);
            let state = if self.world.paused.contains(asset) { "paused" } else { "active" };
            self.world.tx(
                &f,
                &t,
                asset,
                self.small(rng, &f),
                "D2.2",
                format!("transfer of a {state} asset"),
            )
        }
    }

    /// D2.3: a transfer above the per-transfer cap, towards the per-investor cap, or to a
    /// new holder beyond the maximum number of holders.
    pub(super) fn limits(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let pool = &self.pool;
        let f = self.holder(rng);
        let t = self.other(rng, &f);
        match rng.gen_range(0..3) {
            0 => {
                let cap = if asset == STC { STC_MAX_PER_TRANSFER } else { SEC_MAX_PER_TRANSFER };
                self.world.tx(
                    &f,
                    &t,
                    asset,
                    cap + rng.gen_range(1..100),
                    "D2.3",
                    format!("{asset} transfer above the per-transfer cap"),
                )
            }
            1 => {
                let room = SEC_MAX_PER_INVESTOR.saturating_sub(self.world.model.balance(&t, SEC));
                self.world.tx(
                    &f,
                    &t,
                    SEC,
                    (room + 1).min(SEC_MAX_PER_TRANSFER),
                    "D2.3",
                    "SEC transfer towards the receiver's per-investor cap".to_string(),
                )
            }
            _ => {
                let new: Vec<&str> = pool
                    .iter()
                    .copied()
                    .filter(|a| {
                        self.world.model.balance(a, SEC) == 0 && self.world.model.verified(a, SEC)
                    })
                    .collect();
                let Some(t) = new.get(rng.gen_range(0..new.len().max(1))).map(|s| s.to_string())
                else {
                    return self.fallback(rng);
                };
                let f = pool
                    .iter()
                    .find(|a| self.world.model.balance(a, SEC) > 1 && **a != t)
                    .map(|s| s.to_string())
                    .unwrap_or(f);
                self.world.tx(
                    &f,
                    &t,
                    SEC,
                    1,
                    "D2.3",
                    "SEC to a new holder (maximum number of holders)".to_string(),
                )
            }
        }
    }
}
