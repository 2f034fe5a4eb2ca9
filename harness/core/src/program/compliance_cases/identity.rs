//! Identity cases (D1.x): claims, institutions, verified and unverified receivers.

use super::account_name_index;
use super::Aim;
use crate::ledger::{AdminAction as A, Claim};
use crate::program::common::INST;
use crate::program::compliance_world::{Drawn, World};
use crate::refmodel::AUTHORITY;
use crate::seed::Rng;
use rand::Rng as _;

impl Aim<'_> {
    /// D1.1: a transfer to a verified or an unverified receiver.
    pub(super) fn verified_receiver(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let (f, t) = (self.holder(rng), self.pick(rng));
        let t = if t == f { self.other(rng, &f) } else { t };
        let v = self.world.model.verified(&t, asset);
        self.world.tx(
            &f,
            &t,
            asset,
            self.small(rng, &f),
            "D1.1",
            format!(
                "{asset} transfer to {} receiver",
                if v { "a verified" } else { "an unverified" }
            ),
        )
    }

    /// D1.1: a licensed institution issues or revokes a KYC claim.
    pub(super) fn claim(&self, rng: &mut Rng) -> Drawn {
        let inv = self.pick(rng);
        let inst = INST[rng.gen_range(0..2)];
        let action = if rng.gen_bool(0.5) {
            A::IssueClaim { investor: inv, claim: Claim::Kyc }
        } else {
            A::RevokeClaim { investor: inv, claim: Claim::Kyc }
        };
        let what = if matches!(action, A::IssueClaim { .. }) { "issues" } else { "revokes" };
        World::adm(inst, action, "D1.1", format!("licensed institution {what} a KYC claim"))
    }

    /// D1.2: the authority revokes or re-appoints an institution, or a transfer to an
    /// investor certified only by it.
    pub(super) fn institution(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let pool = &self.pool;
        if rng.gen_bool(0.4) {
            let (action, what) = if self.world.revoked {
                (A::AppointInstitution { institution: INST[1].into() }, "re-appoints")
            } else {
                (A::RevokeInstitution { institution: INST[1].into() }, "revokes")
            };
            World::adm(AUTHORITY, action, "D1.2", format!("authority {what} an institution"))
        } else {
            // An investor certified by inst1 alone.
            let cands: Vec<&str> =
                pool.iter().copied().filter(|a| account_name_index(a) % 5 == 2).collect();
            let t = cands
                .get(rng.gen_range(0..cands.len().max(1)))
                .map(|s| s.to_string())
                .unwrap_or_else(|| self.pick(rng));
            let f = self.holder(rng);
            let t = if t == f { self.other(rng, &f) } else { t };
            let state = if self.world.revoked { "revoked" } else { "licensed" };
            self.world.tx(
                &f,
                &t,
                asset,
                self.small(rng, &f),
                "D1.2",
                format!("{asset} transfer to an investor certified only by a {state} institution"),
            )
        }
    }
}
