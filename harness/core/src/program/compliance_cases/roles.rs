//! Roles and products: privileged actions by parties without the role (E2.1), and the
//! tradable-product whitelist (D5.1).

use super::Aim;
use crate::ledger::AdminAction as A;
use crate::program::common::INST;
use crate::program::compliance_world::{Drawn, World, ETF, STC};
use crate::refmodel::AUTHORITY;
use crate::seed::Rng;
use rand::Rng as _;

impl Aim<'_> {
    /// E2.1: a privileged action by a party without the role.
    pub(super) fn unauthorized(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let by =
            if rng.gen_bool(0.8) { self.pick(rng) } else { INST[rng.gen_range(0..2)].to_string() };
        let f = self.holder(rng);
        let t = self.other(rng, &f);
        let action = match rng.gen_range(0..7) {
            0 => A::Freeze { account: t, asset: asset.into(), amount: None },
            1 => A::Pause { asset: asset.into() },
            2 => A::Mint { to: t, asset: asset.into(), amount: 10 },
            3 => A::ForcedTransfer { from: f, to: t, asset: asset.into(), amount: 1 },
            4 => A::AttestReserve { asset: STC.into(), amount: 1 },
            5 => A::AdmitProduct { asset: asset.into() },
            _ => A::AppointInstitution { institution: "rogue".into() },
        };
        let what = action.name();
        World::adm(&by, action, "E2.1", format!("{what} by a party without the role"))
    }

    /// D5.1: the authority admits or delists the product, or a trade of it.
    pub(super) fn products(&self, rng: &mut Rng) -> Drawn {
        let pool = &self.pool;
        if rng.gen_bool(0.4) {
            let (action, what) = if self.world.delisted {
                (A::AdmitProduct { asset: ETF.into() }, "admits")
            } else {
                (A::DelistProduct { asset: ETF.into() }, "delists")
            };
            World::adm(AUTHORITY, action, "D5.1", format!("authority {what} a product"))
        } else {
            let f = pool
                .iter()
                .find(|a| self.world.model.balance(a, ETF) > 0 && rng.gen_bool(0.3))
                .map(|s| s.to_string())
                .unwrap_or_else(|| self.pick(rng));
            let t = self.other(rng, &f);
            let state = if self.world.delisted { "a delisted" } else { "an admitted" };
            self.world.tx(
                &f,
                &t,
                ETF,
                rng.gen_range(1..=10),
                "D5.1",
                format!("trade of {state} product"),
            )
        }
    }
}
