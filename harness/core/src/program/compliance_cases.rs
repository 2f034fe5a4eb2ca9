//! The `compliance` program's randomised cases (see `compliance.rs`): [`World::draw`] makes one
//! case, an operation with its indicator and a label; its expectation is whatever the model says
//! when the case is applied ([`World::apply`]).

pub use super::compliance_world::{
    genesis, Drawn, World, ASSETS, ETF, SEC, SEC_MAX_PER_INVESTOR, SEC_MAX_PER_TRANSFER, STC,
    STC_MAX_PER_TRANSFER,
};

use super::common::{AGENT, INST};
use crate::ledger::{AdminAction as A, Claim, Genesis, Operation};
use crate::reason::Reason;
use crate::refmodel::AUTHORITY;
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
        let pick = |rng: &mut Rng| pool[rng.gen_range(0..pool.len())].to_string();
        let other = |rng: &mut Rng, not: &str| loop {
            let b = pool[rng.gen_range(0..pool.len())].to_string();
            if b != not {
                break b;
            }
        };
        let asset = assets[rng.gen_range(0..assets.len())];
        let holders: Vec<&str> =
            pool.iter().copied().filter(|a| self.model.balance(a, asset) > 0).collect();
        let holder = |rng: &mut Rng| -> String {
            if holders.is_empty() {
                pool[rng.gen_range(0..pool.len())].to_string()
            } else {
                holders[rng.gen_range(0..holders.len())].to_string()
            }
        };
        let bal = |a: &str| self.model.balance(a, asset);
        let small = |rng: &mut Rng, a: &str| rng.gen_range(1..=(bal(a) / 4).clamp(1, 500));
        let d = match rng.gen_range(0..16u32) {
            0 | 1 => {
                let (f, t) = (holder(rng), pick(rng));
                let t = if t == f { other(rng, &f) } else { t };
                let v = self.model.verified(&t, asset);
                self.tx(
                    &f,
                    &t,
                    asset,
                    small(rng, &f),
                    "D1.1",
                    format!(
                        "{asset} transfer to {} receiver",
                        if v { "a verified" } else { "an unverified" }
                    ),
                )
            }
            2 => {
                let inv = pick(rng);
                let inst = INST[rng.gen_range(0..2)];
                let action = if rng.gen_bool(0.5) {
                    A::IssueClaim { investor: inv, claim: Claim::Kyc }
                } else {
                    A::RevokeClaim { investor: inv, claim: Claim::Kyc }
                };
                let what =
                    if matches!(action, A::IssueClaim { .. }) { "issues" } else { "revokes" };
                Self::adm(inst, action, "D1.1", format!("licensed institution {what} a KYC claim"))
            }
            3 => {
                if rng.gen_bool(0.4) {
                    let (action, what) = if self.revoked {
                        (A::AppointInstitution { institution: INST[1].into() }, "re-appoints")
                    } else {
                        (A::RevokeInstitution { institution: INST[1].into() }, "revokes")
                    };
                    Self::adm(AUTHORITY, action, "D1.2", format!("authority {what} an institution"))
                } else {
                    // An investor certified by inst1 alone.
                    let cands: Vec<&str> =
                        pool.iter().copied().filter(|a| account_name_index(a) % 5 == 2).collect();
                    let t = cands
                        .get(rng.gen_range(0..cands.len().max(1)))
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| pick(rng));
                    let f = holder(rng);
                    let t = if t == f { other(rng, &f) } else { t };
                    let state = if self.revoked { "revoked" } else { "licensed" };
                    self.tx(&f, &t, asset, small(rng, &f), "D1.2", format!("{asset} transfer to an investor certified only by a {state} institution"))
                }
            }
            4 => {
                let a = pick(rng);
                let k = (a.clone(), asset.to_string());
                if self.frozen.contains(&k) && rng.gen_bool(0.5) {
                    Self::adm(
                        AGENT,
                        A::Unfreeze { account: a, asset: asset.into() },
                        "D2.1",
                        format!("agent unfreezes a {asset} account"),
                    )
                } else {
                    Self::adm(
                        AGENT,
                        A::Freeze { account: a, asset: asset.into(), amount: None },
                        "D2.1",
                        format!("agent freezes a {asset} account"),
                    )
                }
            }
            5 => {
                let frozen: Vec<&(String, String)> =
                    self.frozen.iter().filter(|(a, s)| s == asset && !avoid.contains(a)).collect();
                let Some((fa, _)) = frozen.get(rng.gen_range(0..frozen.len().max(1))).copied()
                else {
                    return self.draw_fallback(rng, asset, &pool);
                };
                if rng.gen_bool(0.5) {
                    let t = other(rng, fa);
                    self.tx(
                        fa,
                        &t,
                        asset,
                        small(rng, fa),
                        "D2.1",
                        format!("{asset} transfer from a frozen account"),
                    )
                } else {
                    let f = holder(rng);
                    if f == *fa {
                        return self.draw_fallback(rng, asset, &pool);
                    }
                    self.tx(
                        &f,
                        fa,
                        asset,
                        small(rng, &f),
                        "D2.1",
                        format!("{asset} transfer to a frozen account"),
                    )
                }
            }
            6 => {
                let parts: Vec<(&String, u128)> = self
                    .partial
                    .iter()
                    .filter(|((a, s), _)| s == asset && !avoid.contains(a))
                    .map(|((a, _), x)| (a, *x))
                    .collect();
                if parts.is_empty() || rng.gen_bool(0.3) {
                    let a = holder(rng);
                    let x = rng.gen_range(1..=bal(&a).max(2));
                    Self::adm(
                        AGENT,
                        A::Freeze { account: a, asset: asset.into(), amount: Some(x) },
                        "D2.1",
                        format!("agent freezes part of a {asset} balance"),
                    )
                } else {
                    let (a, x) = parts[rng.gen_range(0..parts.len())];
                    let free = bal(a).saturating_sub(x);
                    let above = rng.gen_bool(0.6) || free == 0;
                    let amount = if above {
                        free + rng.gen_range(1..=bal(a).max(1))
                    } else {
                        rng.gen_range(1..=free)
                    };
                    let t = other(rng, a);
                    self.tx(
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
            7 => {
                if rng.gen_bool(0.5) {
                    let (action, what) = if self.paused.contains(asset) {
                        (A::Unpause { asset: asset.into() }, "unpauses")
                    } else {
                        (A::Pause { asset: asset.into() }, "pauses")
                    };
                    Self::adm(AGENT, action, "D2.2", format!("agent {what} {asset}"))
                } else {
                    let f = holder(rng);
                    let t = other(rng, &f);
                    let state = if self.paused.contains(asset) { "paused" } else { "active" };
                    self.tx(
                        &f,
                        &t,
                        asset,
                        small(rng, &f),
                        "D2.2",
                        format!("transfer of a {state} asset"),
                    )
                }
            }
            8 => {
                let f = holder(rng);
                let t = other(rng, &f);
                match rng.gen_range(0..3) {
                    0 => {
                        let cap =
                            if asset == STC { STC_MAX_PER_TRANSFER } else { SEC_MAX_PER_TRANSFER };
                        self.tx(
                            &f,
                            &t,
                            asset,
                            cap + rng.gen_range(1..100),
                            "D2.3",
                            format!("{asset} transfer above the per-transfer cap"),
                        )
                    }
                    1 => {
                        let room = SEC_MAX_PER_INVESTOR.saturating_sub(self.model.balance(&t, SEC));
                        self.tx(
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
                                self.model.balance(a, SEC) == 0 && self.model.verified(a, SEC)
                            })
                            .collect();
                        let Some(t) =
                            new.get(rng.gen_range(0..new.len().max(1))).map(|s| s.to_string())
                        else {
                            return self.draw_fallback(rng, asset, &pool);
                        };
                        let f = pool
                            .iter()
                            .find(|a| self.model.balance(a, SEC) > 1 && **a != t)
                            .map(|s| s.to_string())
                            .unwrap_or(f);
                        self.tx(
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
            9 | 10 => {
                let f = holder(rng);
                let t = other(rng, &f);
                if rng.gen_bool(0.6) {
                    let amount = if rng.gen_bool(0.8) { small(rng, &f) } else { bal(&f) + 1 };
                    Self::adm(
                        AGENT,
                        A::ForcedTransfer { from: f, to: t, asset: asset.into(), amount },
                        "D3.1",
                        format!("agent forces a {asset} transfer"),
                    )
                } else {
                    let amount = if rng.gen_bool(0.9) { bal(&f) } else { bal(&f) + 1 };
                    Self::adm(
                        AGENT,
                        A::Recover {
                            lost: f,
                            replacement: t,
                            asset: asset.into(),
                            amount: amount.max(1),
                        },
                        "D3.1",
                        format!("agent recovers a lost {asset} key"),
                    )
                }
            }
            11 => {
                let t = pick(rng);
                match rng.gen_range(0..4) {
                    0 => {
                        let a = self.model.supply(STC);
                        let over = rng.gen_bool(0.5);
                        let amount = if over {
                            60_000 + rng.gen_range(0..a.max(1))
                        } else {
                            rng.gen_range(1..=500)
                        };
                        Self::adm(
                            AGENT,
                            A::Mint { to: t, asset: STC.into(), amount },
                            "D3.2",
                            format!(
                                "mint of STC {} the attested reserve",
                                if over { "above" } else { "within" }
                            ),
                        )
                    }
                    1 => Self::adm(
                        AGENT,
                        A::Mint { to: t, asset: asset.into(), amount: rng.gen_range(1..=300) },
                        "D3.2",
                        format!("agent mints {asset}"),
                    ),
                    2 => {
                        let f = holder(rng);
                        Self::adm(
                            AGENT,
                            A::Burn {
                                from: f.clone(),
                                asset: asset.into(),
                                amount: small(rng, &f),
                            },
                            "D3.2",
                            format!("agent burns {asset}"),
                        )
                    }
                    _ => {
                        let r = self.model.supply(STC) + rng.gen_range(0..100_000);
                        Self::adm(
                            AGENT,
                            A::AttestReserve { asset: STC.into(), amount: r },
                            "D3.2",
                            "issuer attests the STC reserve".to_string(),
                        )
                    }
                }
            }
            12 | 13 => {
                let by = if rng.gen_bool(0.8) {
                    pick(rng)
                } else {
                    INST[rng.gen_range(0..2)].to_string()
                };
                let f = holder(rng);
                let t = other(rng, &f);
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
                Self::adm(&by, action, "E2.1", format!("{what} by a party without the role"))
            }
            _ => {
                if rng.gen_bool(0.4) {
                    let (action, what) = if self.delisted {
                        (A::AdmitProduct { asset: ETF.into() }, "admits")
                    } else {
                        (A::DelistProduct { asset: ETF.into() }, "delists")
                    };
                    Self::adm(AUTHORITY, action, "D5.1", format!("authority {what} a product"))
                } else {
                    let f = pool
                        .iter()
                        .find(|a| self.model.balance(a, ETF) > 0 && rng.gen_bool(0.3))
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| pick(rng));
                    let t = other(rng, &f);
                    let state = if self.delisted { "a delisted" } else { "an admitted" };
                    self.tx(
                        &f,
                        &t,
                        ETF,
                        rng.gen_range(1..=10),
                        "D5.1",
                        format!("trade of {state} product"),
                    )
                }
            }
        };
        Some(d)
    }

    fn draw_fallback(&self, rng: &mut Rng, asset: &str, pool: &[&str]) -> Option<Drawn> {
        let f = pool[rng.gen_range(0..pool.len())].to_string();
        let t = loop {
            let t = pool[rng.gen_range(0..pool.len())].to_string();
            if t != f {
                break t;
            }
        };
        let v = self.model.verified(&t, asset);
        Some(self.tx(
            &f,
            &t,
            asset,
            rng.gen_range(1..=50),
            "D1.1",
            format!(
                "{asset} transfer to {} receiver",
                if v { "a verified" } else { "an unverified" }
            ),
        ))
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
