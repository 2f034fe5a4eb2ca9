//! `netting`: an end-of-day batch of circular obligations that only netting can settle.
//!
//! **Genesis.** `cycles` disjoint rings of `cycle_len` participants (`a0..`) in plain cash
//! `CASH`. In ring *c*, participant *i* owes the next one `x_i`. Every participant holds less
//! than it owes gross (`balance_i < x_i`: gridlock), but at least its net debit
//! `max(0, x_i − x_{i−1})`, except in `unfundable_share` of the rings where one participant
//! holds less than its net debit. Rings are disjoint, so every expectation is order-independent.
//!
//! **Phase 0 — gross**: the first leg of each of the first `gross_probes` rings, sent alone
//! (no nonce) → expected `INSUFFICIENT_BALANCE` (the gridlock; cases `A.failure_atomicity`).
//! Then `Done`.
//! **Phase 1 — netting** (waits with `Skip` until every probe is answered): each ring as one
//! atomic `Batch` of its net legs (net payers → net receivers) → expected to commit when
//! fundable; an unfundable ring is rejected whole with `INSUFFICIENT_BALANCE` — "queued" in the
//! summary, never half-applied (cases `D6.2`).
//!
//! **Results**: every ring settled whole or queued whole (`D6.2`). **Summary**: cycles,
//! settled, queued, gross value, net value (the liquidity netting saved), probes.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `cycles` | 200 | rings of obligations |
//! | `cycle_len` | 4 | participants per ring (≥ 3) |
//! | `unfundable_share` | 0.1 | rings that cannot settle even net |
//! | `gross_probes` | 20 | gross legs sent alone first |

use super::common::{case, judged, transfer, Ledger, ModelIds, Seen, A_ATOMICITY};
use super::{Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::{account_name, TxId};
use crate::ledger::{Genesis, Leg, Operation};
use crate::refmodel::LedgerModel;
use crate::scenario::programs::NettingConfig;
use crate::seed::Seed;
use crate::time::Nanos;
use rand::Rng;

pub const CASH: &str = "CASH";

#[derive(Debug, Clone)]
struct Ring {
    members: Vec<u32>,
    owed: Vec<u128>,
    fundable: bool,
}

#[derive(Debug, Clone, Copy)]
enum Key {
    Probe,
    Ring(usize),
}

#[derive(Debug)]
pub struct NettingProgram {
    genesis: Genesis,
    model: LedgerModel,
    ids: ModelIds,
    rings: Vec<Ring>,
    probes: usize,
    next_probe: usize,
    next_ring: usize,
    ledger: Ledger<Key>,
    seen: Vec<Option<Seen>>,
}

impl NettingProgram {
    pub fn new(cfg: NettingConfig, seed: Seed) -> Self {
        let mut rng = seed.stream("program/netting");
        let len = cfg.cycle_len as usize;
        let mut g = Genesis { assets: vec![(CASH.into(), None)], ..Default::default() };
        let mut rings = Vec::new();
        for c in 0..cfg.cycles as usize {
            let members: Vec<u32> = (0..len).map(|i| (c * len + i) as u32).collect();
            let mut owed: Vec<u128> = (0..len).map(|_| rng.gen_range(500..=1000)).collect();
            if owed.iter().all(|&x| x == owed[0]) {
                owed[0] += 1;
            }
            let debit = |i: usize, owed: &[u128]| owed[i].saturating_sub(owed[(i + len - 1) % len]);
            let fundable = !rng.gen_bool(cfg.unfundable_share);
            let short = (0..len)
                .find(|&i| debit(i, &owed) > 0)
                .expect("unequal obligations leave a net debtor");
            for i in 0..len {
                let d = debit(i, &owed);
                let bal = if !fundable && i == short {
                    rng.gen_range(0..d)
                } else {
                    rng.gen_range(d..owed[i])
                };
                g.balances.push((account_name(members[i]), CASH.into(), bal));
            }
            rings.push(Ring { members, owed, fundable });
        }
        let model = g.model();
        let n = rings.len();
        NettingProgram {
            genesis: g,
            model,
            ids: ModelIds::default(),
            rings,
            probes: cfg.gross_probes as usize,
            next_probe: 0,
            next_ring: 0,
            ledger: Ledger::default(),
            seen: vec![None; n],
        }
    }

    /// The ring's net legs: net payers pay net receivers, greedily in member order.
    fn net_legs(r: &Ring) -> Vec<Leg> {
        let len = r.members.len();
        let net: Vec<i128> =
            (0..len).map(|i| r.owed[(i + len - 1) % len] as i128 - r.owed[i] as i128).collect();
        let mut payers: Vec<(usize, i128)> =
            (0..len).filter(|&i| net[i] < 0).map(|i| (i, -net[i])).collect();
        let mut receivers: Vec<(usize, i128)> =
            (0..len).filter(|&i| net[i] > 0).map(|i| (i, net[i])).collect();
        let mut legs = Vec::new();
        let (mut p, mut q) = (0, 0);
        while p < payers.len() && q < receivers.len() {
            let x = payers[p].1.min(receivers[q].1);
            legs.push(Leg {
                from: account_name(r.members[payers[p].0]),
                to: account_name(r.members[receivers[q].0]),
                asset: CASH.into(),
                amount: x as u128,
            });
            payers[p].1 -= x;
            receivers[q].1 -= x;
            if payers[p].1 == 0 {
                p += 1;
            }
            if receivers[q].1 == 0 {
                q += 1;
            }
        }
        legs
    }

    fn counts(&self) -> (u64, u64, u64, u64) {
        let (mut settled, mut queued, mut unknown, mut wrong) = (0, 0, 0, 0);
        for (i, s) in self.seen.iter().enumerate() {
            match s.map(|s| s.status) {
                Some(OutcomeStatus::Committed { .. }) => {
                    settled += 1;
                    wrong += u64::from(!self.rings[i].fundable);
                }
                Some(OutcomeStatus::Rejected { .. }) => queued += 1,
                _ => unknown += 1,
            }
        }
        (settled, queued, unknown, wrong)
    }
}

impl Program for NettingProgram {
    fn name(&self) -> &'static str {
        "netting"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn next(&mut self, phase: usize, _now: Nanos) -> Next {
        if phase == 0 || self.next_probe < self.probes {
            if self.next_probe >= self.probes {
                return Next::Done;
            }
            let r = &self.rings[self.next_probe];
            self.next_probe += 1;
            let op =
                transfer(&account_name(r.members[0]), &account_name(r.members[1]), CASH, r.owed[0]);
            let res = self.model.apply(self.ids.next(), &op, None);
            return self.ledger.send(
                Key::Probe,
                op,
                None,
                Some(case(A_ATOMICITY, "gross leg in gridlock, without netting", res)),
            );
        }
        if self.next_ring == 0 && self.ledger.outstanding > 0 {
            return Next::Skip; // the probes must be answered before the rings settle
        }
        let Some(r) = self.rings.get(self.next_ring) else { return Next::Done };
        let i = self.next_ring;
        self.next_ring += 1;
        let op = Operation::Batch { legs: Self::net_legs(r) };
        let res = self.model.apply(self.ids.next(), &op, None);
        debug_assert_eq!(res.is_ok(), r.fundable, "ring {i}: {res:?}");
        let label = if r.fundable {
            "netting cycle settles atomically"
        } else {
            "unfundable netting cycle queued whole"
        };
        self.ledger.send(Key::Ring(i), op, None, Some(case("D6.2", label, res)))
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe_notice(&mut self, tx: TxId, status: &OutcomeStatus, notice_ns: Nanos) {
        if let Some(Key::Ring(i)) = self.ledger.observed(tx) {
            self.seen[i] = Some(Seen { status: *status, notice_ns });
        }
    }

    fn results(&mut self) -> Vec<crate::program::CaseResult> {
        let (settled, queued, unknown, wrong) = self.counts();
        vec![judged(
            "netting",
            "D6.2",
            "every cycle settled whole or queued whole",
            unknown == 0 && wrong == 0,
            format!("{settled} settled, {queued} queued, {unknown} unknown; {wrong} unfundable cycles settled"),
        )]
    }

    fn summary(&self) -> Option<serde_json::Value> {
        let (settled, queued, unknown, _) = self.counts();
        let gross: u128 = self.rings.iter().flat_map(|r| r.owed.iter()).sum();
        let net: u128 = self.rings.iter().flat_map(Self::net_legs).map(|l| l.amount).sum();
        Some(serde_json::json!({
            "cycles": self.rings.len(),
            "fundable": self.rings.iter().filter(|r| r.fundable).count(),
            "settled": settled,
            "queued": queued,
            "unknown": unknown,
            "gross_value": super::common::num(gross),
            "net_value": super::common::num(net),
            "gross_probes": self.probes,
        }))
    }
}
