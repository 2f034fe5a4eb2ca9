//! The `compliance` program's randomised cases (see `compliance.rs`): [`World::draw`] makes one
//! case, an operation with its indicator and a label; its expectation is whatever the model says
//! when the case is applied ([`World::apply`]).
//!
//! A draw picks an asset, then a kind of case; each kind is a method of [`Aim`] (what the draw
//! may aim at), grouped by what it tests: `identity.rs` (D1), `controls.rs` (D2), `issuer.rs`
//! (D3), `roles.rs` (E2.1 and D5.1). The order of random draws is part of the program's output:
//! a change here changes the cases a seed gives.

mod controls;
mod identity;
mod issuer;
mod roles;

pub use super::compliance_world::{
    genesis, Drawn, World, ASSETS, ETF, SEC, SEC_MAX_PER_INVESTOR, SEC_MAX_PER_TRANSFER, STC,
    STC_MAX_PER_TRANSFER,
};

use crate::ledger::{Genesis, Operation};
use crate::reason::Reason;
use crate::seed::Rng;
use rand::Rng as _;
use std::collections::BTreeSet;

impl World {
    /// Draws one case over the assets in `assets` and investors not in `avoid`; `None` when
    /// nothing is left to test.
    pub fn draw(
        &self,
        rng: &mut Rng,
        assets: &[&'static str],
        avoid: &BTreeSet<String>,
    ) -> Option<Drawn> {
        let pool: Vec<&str> = self
            .names
            .iter()
            .filter(|a| avoid.is_empty() || !avoid.contains(*a))
            .map(String::as_str)
            .collect();
        if pool.len() < 2 || assets.is_empty() {
            return None;
        }
        let asset = assets[rng.gen_range(0..assets.len())];
        let holders: Vec<&str> =
            pool.iter().copied().filter(|a| self.model.balance(a, asset) > 0).collect();
        let aim = Aim { world: self, pool, holders, asset, avoid };
        Some(match rng.gen_range(0..16u32) {
            0 | 1 => aim.verified_receiver(rng),
            2 => aim.claim(rng),
            3 => aim.institution(rng),
            4 => aim.freeze(rng),
            5 => aim.frozen_account(rng),
            6 => aim.partial_freeze(rng),
            7 => aim.pause(rng),
            8 => aim.limits(rng),
            9 | 10 => aim.agent_powers(rng),
            11 => aim.issuance(rng),
            12 | 13 => aim.unauthorized(rng),
            _ => aim.products(rng),
        })
    }
}

/// What one draw may aim at: the world, the investors it may use (`pool`), the asset drawn and
/// who holds it.
struct Aim<'w> {
    world: &'w World,
    pool: Vec<&'w str>,
    holders: Vec<&'w str>,
    asset: &'static str,
    avoid: &'w BTreeSet<String>,
}

impl Aim<'_> {
    /// Any investor of the pool.
    fn pick(&self, rng: &mut Rng) -> String {
        self.pool[rng.gen_range(0..self.pool.len())].to_string()
    }

    /// Any investor of the pool but `not`.
    fn other(&self, rng: &mut Rng, not: &str) -> String {
        loop {
            let b = self.pool[rng.gen_range(0..self.pool.len())].to_string();
            if b != not {
                break b;
            }
        }
    }

    /// A holder of the asset (any investor when nobody holds it).
    fn holder(&self, rng: &mut Rng) -> String {
        if self.holders.is_empty() {
            self.pool[rng.gen_range(0..self.pool.len())].to_string()
        } else {
            self.holders[rng.gen_range(0..self.holders.len())].to_string()
        }
    }

    fn bal(&self, a: &str) -> u128 {
        self.world.model.balance(a, self.asset)
    }

    /// A small amount of `a`'s balance (at least 1, at most a quarter, at most 500).
    fn small(&self, rng: &mut Rng, a: &str) -> u128 {
        rng.gen_range(1..=(self.bal(a) / 4).clamp(1, 500))
    }

    /// A plain transfer between two investors, when the kind drawn finds nothing to aim at.
    fn fallback(&self, rng: &mut Rng) -> Drawn {
        let asset = self.asset;
        let pool = &self.pool;
        let f = pool[rng.gen_range(0..pool.len())].to_string();
        let t = loop {
            let t = pool[rng.gen_range(0..pool.len())].to_string();
            if t != f {
                break t;
            }
        };
        let v = self.world.model.verified(&t, asset);
        self.world.tx(
            &f,
            &t,
            asset,
            rng.gen_range(1..=50),
            "D1.1",
            format!(
                "{asset} transfer to {} receiver",
                if v { "a verified" } else { "an unverified" }
            ),
        )
    }
}

fn account_name_index(a: &str) -> u32 {
    a.strip_prefix('a').and_then(|s| s.parse().ok()).unwrap_or(u32::MAX)
}

/// Generated cases: the genesis, the operations with their nonces, and the model's outcome of
/// each.
pub type Generated = (Genesis, Vec<(Operation, Option<u64>)>, Vec<Result<(), Reason>>);

/// `cases` compliance cases applied in order to a fresh world (for benchmarks and tests).
pub fn generate(seed: crate::seed::Seed, investors: u32, cases: usize) -> Generated {
    let g = genesis(investors);
    let mut w = World::new(&g, investors);
    let mut rng = seed.stream("program/compliance");
    let mut ops = Vec::with_capacity(cases);
    let mut outs = Vec::with_capacity(cases);
    let none = BTreeSet::new();
    while ops.len() < cases {
        let Some(d) = w.draw(&mut rng, &ASSETS, &none) else { break };
        outs.push(w.apply(&d));
        ops.push((d.op, d.nonce));
    }
    (g, ops, outs)
}
