//! `reserve`: a reserve-backed stablecoin through a redemption run and mints above the attested
//! reserve; supply stays at or below the reserve throughout (D3.2, E2.1).
//!
//! **Genesis.** An open, reserve-backed stablecoin `USDS` (issuer's agent `agent`); `holders`
//! accounts (`a0..`) holding `balance` each; attested reserve = supply + `headroom`.
//!
//! **Phase 0 — redemption run**: a share `redeem_share` of the holders each redeem once (no
//! nonce clash: one redemption per holder) → expected commit (`D3.2`); `overdraw_share` of them
//! ask for more than they hold → `INSUFFICIENT_BALANCE` (`A.failure_atomicity`). Then `Done`.
//! **Phase 1 — mints** (waits with `Skip` until every redemption is answered, then one case at a
//! time): the agent attests the reserve net of what was paid out (commit, `D3.2`), then `mints`
//! cases cycling through: a mint above the attested reserve → `RESERVE_EXCEEDED` (`D3.2`), a
//! mint within it → commit (`D3.2`), a mint by a holder → `UNAUTHORIZED` (`E2.1`).
//!
//! **Results**: supply ≤ attested reserve after every committed transaction, replaying the
//! chain's commits in the order observed (`D3.2`). **Summary**: supply and reserve at start and
//! end, redeemed, minted, rejected mints.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `holders` | 1000 | stablecoin holders |
//! | `balance` | 10_000 | each holder's balance |
//! | `headroom` | 100_000 | reserve above the starting supply |
//! | `redeem_share` | 0.6 | holders who redeem in the run |
//! | `overdraw_share` | 0.05 | redemptions above the balance |
//! | `mints` | 30 | mint cases after the run |

use super::common::{admin, case, judged, num, Ledger, ModelIds, AGENT, A_ATOMICITY};
use super::{Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::{account_name, TxId};
use crate::ledger::{AdminAction, AssetPolicy, Genesis, Operation};
use crate::refmodel::LedgerModel;
use crate::scenario::programs::ReserveConfig;
use crate::seed::{Rng, Seed};
use crate::time::Nanos;
use rand::Rng as _;

pub const COIN: &str = "USDS";

/// What a transaction does to supply and reserve, if it commits.
#[derive(Debug, Clone, Copy)]
enum Key {
    Redeem(u128),
    Mint(u128),
    Attest(u128),
    Other,
}

#[derive(Debug)]
pub struct ReserveProgram {
    cfg: ReserveConfig,
    rng: Rng,
    genesis: Genesis,
    model: LedgerModel,
    ids: ModelIds,
    redeemers: Vec<u32>,
    next_redeem: usize,
    step: u64,
    /// The reserve the program last attested (the model's).
    attested: u128,
    ledger: Ledger<Key>,
    /// Supply and reserve as the chain's observed commits leave them.
    supply: u128,
    reserve: u128,
    start: (u128, u128),
    breaches: u64,
    redeemed: u128,
    minted: u128,
    mints_refused: u64,
}

impl ReserveProgram {
    pub fn new(cfg: ReserveConfig, seed: Seed) -> Self {
        let mut rng = seed.stream("program/reserve");
        let n = cfg.holders as u32;
        let supply = cfg.balance * n as u128;
        let g = Genesis {
            assets: vec![(COIN.into(), Some(AssetPolicy::stablecoin(AGENT)))],
            balances: (0..n).map(|i| (account_name(i), COIN.into(), cfg.balance)).collect(),
            reserves: vec![(COIN.into(), supply + cfg.headroom)],
            ..Default::default()
        };
        let redeemers = (0..n).filter(|_| rng.gen_bool(cfg.redeem_share)).collect();
        let model = g.model();
        let reserve = supply + cfg.headroom;
        ReserveProgram {
            rng,
            genesis: g,
            model,
            ids: ModelIds::default(),
            redeemers,
            next_redeem: 0,
            step: 0,
            attested: supply + cfg.headroom,
            ledger: Ledger::default(),
            supply,
            reserve,
            start: (supply, reserve),
            breaches: 0,
            redeemed: 0,
            minted: 0,
            mints_refused: 0,
            cfg,
        }
    }

    fn send(
        &mut self,
        key: Key,
        op: Operation,
        nonce: Option<u64>,
        indicator: &str,
        label: &str,
    ) -> Next {
        let r = self.model.apply(self.ids.next(), &op, nonce);
        self.ledger.send(key, op, nonce, Some(case(indicator, label, r)))
    }
}

impl Program for ReserveProgram {
    fn name(&self) -> &'static str {
        "reserve"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn next(&mut self, phase: usize, _now: Nanos) -> Next {
        if let Some(&h) = self.redeemers.get(self.next_redeem) {
            if phase == 0 || self.step == 0 {
                self.next_redeem += 1;
                let over = self.rng.gen_bool(self.cfg.overdraw_share);
                let amount = if over {
                    self.cfg.balance + self.rng.gen_range(1..=1000)
                } else {
                    self.rng.gen_range(1..=self.cfg.balance)
                };
                let op = Operation::Redeem { from: account_name(h), asset: COIN.into(), amount };
                let (ind, label) = if over {
                    (A_ATOMICITY, "redemption above the holder's balance")
                } else {
                    ("D3.2", "redemption in a run")
                };
                return self.send(Key::Redeem(amount), op, Some(0), ind, label);
            }
        }
        if phase == 0 {
            return Next::Done;
        }
        if self.ledger.outstanding > 0 {
            return Next::Skip; // one case at a time after the run
        }
        if self.step > self.cfg.mints {
            return Next::Done;
        }
        let step = self.step;
        self.step += 1;
        let supply = self.model.supply(COIN);
        let to = account_name(self.rng.gen_range(0..self.cfg.holders as u32));
        if step == 0 {
            let r = supply + self.cfg.headroom;
            let op = admin(AGENT, AdminAction::AttestReserve { asset: COIN.into(), amount: r });
            self.attested = r;
            return self.send(
                Key::Attest(r),
                op,
                None,
                "D3.2",
                "issuer attests the reserve after the run",
            );
        }
        let reserve = self.attested;
        match step % 3 {
            1 => {
                let amount = reserve.saturating_sub(supply) + self.rng.gen_range(1..=1000);
                self.send(
                    Key::Mint(amount),
                    admin(AGENT, AdminAction::Mint { to, asset: COIN.into(), amount }),
                    None,
                    "D3.2",
                    "mint above the attested reserve",
                )
            }
            2 => {
                let room = reserve.saturating_sub(supply).max(2);
                let amount = self.rng.gen_range(1..=room / 2);
                self.send(
                    Key::Mint(amount),
                    admin(AGENT, AdminAction::Mint { to, asset: COIN.into(), amount }),
                    None,
                    "D3.2",
                    "mint within the attested reserve",
                )
            }
            _ => {
                let by = account_name(self.rng.gen_range(0..self.cfg.holders as u32));
                self.send(
                    Key::Other,
                    admin(&by, AdminAction::Mint { to, asset: COIN.into(), amount: 1 }),
                    None,
                    "E2.1",
                    "mint by a holder without the issuer's role",
                )
            }
        }
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe(&mut self, tx: TxId, status: &OutcomeStatus) {
        let Some(k) = self.ledger.observed(tx) else { return };
        if !matches!(status, OutcomeStatus::Committed { .. }) {
            self.mints_refused += u64::from(matches!(k, Key::Mint(_) | Key::Other));
            return;
        }
        match k {
            Key::Redeem(a) => {
                self.supply = self.supply.saturating_sub(a);
                self.redeemed += a;
            }
            Key::Mint(a) => {
                self.supply += a;
                self.minted += a;
            }
            Key::Attest(r) => self.reserve = r,
            Key::Other => self.supply += 1,
        }
        self.breaches += u64::from(self.supply > self.reserve);
    }

    fn results(&mut self) -> Vec<crate::program::CaseResult> {
        vec![judged(
            "reserve",
            "D3.2",
            "stablecoin supply ≤ attested reserve after every commit",
            self.breaches == 0,
            format!(
                "{} commits above the reserve; supply {} / reserve {} at the end",
                self.breaches, self.supply, self.reserve
            ),
        )]
    }

    fn summary(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "holders": self.cfg.holders,
            "redeemers": self.redeemers.len(),
            "supply_start": num(self.start.0),
            "reserve_start": num(self.start.1),
            "supply_end": num(self.supply),
            "reserve_end": num(self.reserve),
            "redeemed": num(self.redeemed),
            "minted": num(self.minted),
            "mints_refused": self.mints_refused,
        }))
    }
}
