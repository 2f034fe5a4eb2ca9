//! `rebalance`: an index rebalance settled as delivery-versus-payment pairs (D6.2, B2.2).
//!
//! **Genesis.** `participants` accounts (`a0..`), each certified (KYC) by `inst0`; `securities`
//! KYC-gated security tokens `S0..` (issuer's agent `agent`) and plain cash `CASH`. Holdings
//! are derived from the pairs: every participant holds what its settling pairs need (plus some
//! headroom), so every expectation holds whatever order the chain settles the pairs in.
//!
//! **Every phase**: one pair per slot, `Batch{legs: [security seller→buyer, cash buyer→seller]}`
//! (no harness nonce: a participant may have many pairs in flight), until `pairs` are sent. A
//! share `fail_share` fails one leg: the buyer is short of cash, or the seller short of the
//! security, beyond anything it could hold in any order → expected `INSUFFICIENT_BALANCE` (the
//! model's reason) and no leg applied; the rest are expected to commit (cases `D6.2`).
//!
//! **Results**: no pair half-settled (every pair committed whole or rejected whole, none
//! unknown, no failing pair committed), and both assets conserved with no balance overdrawn,
//! replaying the committed pairs on the genesis holdings (`D6.2`). **Summary**: pairs, failing,
//! committed, rejected, unknown, securities, participants.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `pairs` | 20000 | DvP pairs |
//! | `participants` | 2000 | accounts trading |
//! | `securities` | 10 | security tokens in the index |
//! | `fail_share` | 0.05 | share of pairs failing one leg |
//! | `max_qty` | 100 | most units of one pair |
//! | `max_price` | 100 | highest price per unit, in `CASH` |

use super::common::{case, judged, Ledger, ModelIds, Seen, AGENT, INST};
use super::{Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::{account_name, TxId};
use crate::ledger::{AssetPolicy, Claim, Genesis, Leg, Operation};
use crate::refmodel::LedgerModel;
use crate::scenario::programs::RebalanceConfig;
use crate::seed::Seed;
use crate::time::Nanos;
use rand::Rng;
use std::collections::BTreeMap;

pub const CASH: &str = "CASH";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    None,
    BuyerShort,
    SellerShort,
}

#[derive(Debug, Clone, Copy)]
struct Pair {
    seller: u32,
    buyer: u32,
    sec: u16,
    qty: u128,
    cash: u128,
    fail: Fail,
}

fn security(k: u16) -> String {
    format!("S{k}")
}

#[derive(Debug)]
pub struct RebalanceProgram {
    genesis: Genesis,
    model: LedgerModel,
    ids: ModelIds,
    pairs: Vec<Pair>,
    next: usize,
    ledger: Ledger<usize>,
    seen: Vec<Option<Seen>>,
    committed_order: Vec<usize>,
    securities: u64,
    participants: u64,
}

impl RebalanceProgram {
    pub fn new(cfg: RebalanceConfig, seed: Seed) -> Self {
        let mut rng = seed.stream("program/rebalance");
        let n = cfg.participants as u32;
        let mut pairs = Vec::with_capacity(cfg.pairs as usize);
        for _ in 0..cfg.pairs {
            let seller = rng.gen_range(0..n);
            let buyer = (seller + rng.gen_range(1..n)) % n;
            let sec = rng.gen_range(0..cfg.securities) as u16;
            let qty = rng.gen_range(1..=cfg.max_qty) as u128;
            let cash = qty * rng.gen_range(1..=cfg.max_price) as u128;
            let fail = if rng.gen_bool(cfg.fail_share) {
                if rng.gen_bool(0.5) {
                    Fail::BuyerShort
                } else {
                    Fail::SellerShort
                }
            } else {
                Fail::None
            };
            pairs.push(Pair { seller, buyer, sec, qty, cash, fail });
        }
        // What settling pairs take out of, and bring into, each account.
        let mut out_sec: BTreeMap<(u32, u16), u128> = BTreeMap::new();
        let mut in_sec: BTreeMap<(u32, u16), u128> = BTreeMap::new();
        let mut out_cash = vec![0u128; n as usize];
        let mut in_cash = vec![0u128; n as usize];
        for p in pairs.iter().filter(|p| p.fail == Fail::None) {
            *out_sec.entry((p.seller, p.sec)).or_default() += p.qty;
            *in_sec.entry((p.buyer, p.sec)).or_default() += p.qty;
            out_cash[p.buyer as usize] += p.cash;
            in_cash[p.seller as usize] += p.cash;
        }
        let mut hold_sec: BTreeMap<(u32, u16), u128> = BTreeMap::new();
        for (k, v) in &out_sec {
            hold_sec.insert(*k, v + rng.gen_range(0..=cfg.max_qty) as u128);
        }
        let hold_cash: Vec<u128> = out_cash
            .iter()
            .map(|c| c + rng.gen_range(1..=cfg.max_qty * cfg.max_price) as u128)
            .collect();
        // Failing legs ask for more than the account could hold in any order.
        for p in pairs.iter_mut() {
            match p.fail {
                Fail::BuyerShort => {
                    p.cash = hold_cash[p.buyer as usize]
                        + in_cash[p.buyer as usize]
                        + rng.gen_range(1..=cfg.max_price) as u128
                }
                Fail::SellerShort => {
                    let k = (p.seller, p.sec);
                    p.qty = hold_sec.get(&k).copied().unwrap_or(0)
                        + in_sec.get(&k).copied().unwrap_or(0)
                        + rng.gen_range(1..=cfg.max_qty) as u128;
                }
                Fail::None => {}
            }
        }
        let mut g = Genesis { institutions: vec![INST[0].into()], ..Default::default() };
        for k in 0..cfg.securities as u16 {
            g.assets.push((security(k), Some(AssetPolicy::security(AGENT))));
        }
        g.assets.push((CASH.into(), None));
        for i in 0..n {
            g.claims.push((INST[0].into(), account_name(i), Claim::Kyc));
            g.balances.push((account_name(i), CASH.into(), hold_cash[i as usize]));
        }
        for ((i, k), v) in &hold_sec {
            g.balances.push((account_name(*i), security(*k), *v));
        }
        let model = g.model();
        let len = pairs.len();
        RebalanceProgram {
            genesis: g,
            model,
            ids: ModelIds::default(),
            pairs,
            next: 0,
            ledger: Ledger::default(),
            seen: vec![None; len],
            committed_order: Vec::new(),
            securities: cfg.securities,
            participants: cfg.participants,
        }
    }

    fn op(p: &Pair) -> Operation {
        let (s, b) = (account_name(p.seller), account_name(p.buyer));
        Operation::Batch {
            legs: vec![
                Leg { from: s.clone(), to: b.clone(), asset: security(p.sec), amount: p.qty },
                Leg { from: b, to: s, asset: CASH.into(), amount: p.cash },
            ],
        }
    }

    fn counts(&self) -> (u64, u64, u64, u64) {
        let (mut c, mut r, mut u, mut wrong) = (0, 0, 0, 0);
        for (i, s) in self.seen.iter().enumerate() {
            match s.map(|s| s.status) {
                Some(OutcomeStatus::Committed { .. }) => {
                    c += 1;
                    wrong += u64::from(self.pairs[i].fail != Fail::None);
                }
                Some(OutcomeStatus::Rejected { .. }) => r += 1,
                _ => u += 1,
            }
        }
        (c, r, u, wrong)
    }
}

impl Program for RebalanceProgram {
    fn name(&self) -> &'static str {
        "rebalance"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn next(&mut self, _phase: usize, _now: Nanos) -> Next {
        let Some(p) = self.pairs.get(self.next).copied() else { return Next::Done };
        let i = self.next;
        self.next += 1;
        let op = Self::op(&p);
        let r = self.model.apply(self.ids.next(), &op, None);
        debug_assert_eq!(r.is_ok(), p.fail == Fail::None, "pair {i}: {r:?}");
        let label = match p.fail {
            Fail::None => "DvP pair settles both legs",
            Fail::BuyerShort => "DvP pair, buyer short of cash: neither leg",
            Fail::SellerShort => "DvP pair, seller short of securities: neither leg",
        };
        self.ledger.send(i, op, None, Some(case("D6.2", label, r)))
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe_notice(&mut self, tx: TxId, status: &OutcomeStatus, notice_ns: Nanos) {
        if let Some(i) = self.ledger.observed(tx) {
            self.seen[i] = Some(Seen { status: *status, notice_ns });
            if matches!(status, OutcomeStatus::Committed { .. }) {
                self.committed_order.push(i);
            }
        }
    }

    fn results(&mut self) -> Vec<crate::program::CaseResult> {
        let (c, r, u, wrong) = self.counts();
        // Replay what the chain committed on the genesis holdings, in the order it was seen.
        let mut bal: BTreeMap<(String, String), i128> = BTreeMap::new();
        let mut supply: BTreeMap<String, i128> = BTreeMap::new();
        for (a, asset, v) in &self.genesis.balances {
            *bal.entry((a.clone(), asset.clone())).or_default() += *v as i128;
            *supply.entry(asset.clone()).or_default() += *v as i128;
        }
        let mut overdrawn = 0u64;
        for &i in &self.committed_order {
            for l in Self::op(&self.pairs[i]).legs() {
                let f = bal.entry((l.from.clone(), l.asset.clone())).or_default();
                *f -= l.amount as i128;
                overdrawn += u64::from(*f < 0);
                *bal.entry((l.to.clone(), l.asset.clone())).or_default() += l.amount as i128;
            }
        }
        let mut after: BTreeMap<String, i128> = BTreeMap::new();
        for ((_, asset), v) in &bal {
            *after.entry(asset.clone()).or_default() += v;
        }
        let conserved = after == supply;
        vec![
            judged(
                "rebalance",
                "D6.2",
                "no pair half-settled: each committed whole or rejected whole",
                u == 0 && wrong == 0,
                format!(
                    "{c} committed, {r} rejected, {u} unknown; {wrong} failing pairs committed"
                ),
            ),
            judged(
                "rebalance",
                "D6.2",
                "both assets conserved, no balance overdrawn",
                conserved && overdrawn == 0,
                format!(
                    "{} assets conserved: {conserved}; {overdrawn} overdrawn legs",
                    supply.len()
                ),
            ),
        ]
    }

    fn summary(&self) -> Option<serde_json::Value> {
        let (c, r, u, _) = self.counts();
        let failing = self.pairs.iter().filter(|p| p.fail != Fail::None).count();
        Some(serde_json::json!({
            "pairs": self.pairs.len(),
            "failing": failing,
            "committed": c,
            "rejected": r,
            "unknown": u,
            "securities": self.securities,
            "participants": self.participants,
        }))
    }
}
