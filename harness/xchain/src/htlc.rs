//! The hashed time-lock mechanism: per pair, an initiator and a counterparty.
//!
//! 1. the initiator hashlocks leg A on chain A under the hash of its secret, for the
//!    counterparty, with the longer expiry;
//! 2. once that lock is final, the counterparty hashlocks leg B on chain B under the same hash,
//!    for the initiator, with half the expiry;
//! 3. once that is final, the initiator claims leg B with the preimage (a failing pair's
//!    initiator never does);
//! 4. the counterparty reads the preimage from the claim's block and claims leg A;
//! 5. a leg not claimed when its chain's height is past its expiry is refunded to its sender.
//!
//! Expiries are heights (the ledger knows heights, not time): `htlc_timeout` (half of it for
//! leg B) divided by the chain's block interval, above its height when the lock is made.
//! Secrets come from the run's seed (`xchain/htlc/secrets`). Pair `i` is `dvp` `p<i>`, its legs
//! `xfer` `p<i>a` and `p<i>b`. Leg A is the cash of a DvP (the buyer initiates) or the
//! transfer's source; leg B the security or the transfer's destination.

use crate::actor::{Actor, ChainView, Submission, View};
use crate::spec::{BridgeFaults, Shape, XScenario, XWorkload};
use rand::RngCore;
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::ledger::{hash_of_preimage, Operation, ESCROW};
use touchstone_core::{Nanos, Seed};

/// A refund not committed this long after it was sent is sent again.
const REFUND_RETRY: Nanos = 2_000_000_000;

/// What a party does for a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    LockB,
    ClaimB,
    ClaimA,
    RefundA,
    RefundB,
}

#[derive(Debug, Clone)]
struct Leg {
    chain: usize,
    asset: String,
    amount: u128,
}

#[derive(Debug, Clone)]
struct Pair {
    initiator: String,
    counter: String,
    preimage: String,
    hash: String,
    fails: bool,
}

/// Every pair's two parties.
#[derive(Debug)]
pub struct HtlcBridge {
    t0: Nanos,
    w: XWorkload,
    faults: BridgeFaults,
    processing: Nanos,
    timeout: Nanos,
    a: Leg,
    b: Leg,
    pairs: Vec<Pair>,
    next: u32,
    queue: Vec<(Nanos, u32, Step, Submission)>,
    queued: BTreeSet<(u32, Step)>,
    sent: BTreeMap<(u32, Step), Nanos>,
    /// The expiry height of each lock sent: (pair, chain) → height.
    expires: BTreeMap<(u32, usize), u64>,
}

/// Pair `i`'s `dvp` id and its legs' `xfer` ids.
pub fn pair_ids(i: u32) -> (String, String, String) {
    (format!("p{i}"), format!("p{i}a"), format!("p{i}b"))
}

impl HtlcBridge {
    pub fn new(s: &XScenario, seed: Seed, chains: &[ChainView], t0: Nanos) -> Self {
        let w = s.bridge.workload.clone();
        let index = |id: &str| chains.iter().position(|c| c.id == id).expect("a declared chain");
        let (a, b, fail_share) = match &w.shape {
            Shape::XchainTransfer { from, to, asset, amount, .. } => (
                Leg { chain: index(from), asset: asset.clone(), amount: *amount },
                Leg { chain: index(to), asset: asset.clone(), amount: *amount },
                0.0,
            ),
            Shape::XchainDvp {
                securities,
                cash,
                security,
                currency,
                quantity,
                price,
                fail_share,
            } => (
                Leg { chain: index(cash), asset: currency.clone(), amount: *price },
                Leg { chain: index(securities), asset: security.clone(), amount: *quantity },
                *fail_share,
            ),
        };
        let mut rng = seed.stream("xchain/htlc/secrets");
        let n = w.accounts.max(2);
        // Evenly spread failures: pair i fails when the running share falls behind.
        let pairs = (0..w.count)
            .map(|i| {
                let mut secret = [0u8; 32];
                rng.fill_bytes(&mut secret);
                let preimage = hex::encode(secret);
                let hash = hash_of_preimage(&preimage).expect("hex");
                let due =
                    (f64::from(i + 1) * fail_share).floor() > (f64::from(i) * fail_share).floor();
                Pair {
                    initiator: touchstone_core::ids::account_name(i % n),
                    counter: touchstone_core::ids::account_name((i + n / 2) % n),
                    preimage,
                    hash,
                    fails: due,
                }
            })
            .collect();
        HtlcBridge {
            t0,
            faults: s.bridge.faults.clone(),
            processing: s.bridge.processing,
            timeout: s.bridge.htlc_timeout,
            a,
            b,
            pairs,
            next: 0,
            queue: Vec::new(),
            queued: BTreeSet::new(),
            sent: BTreeMap::new(),
            expires: BTreeMap::new(),
            w,
        }
    }

    /// The expiry height of a lock made now on `chain`, lasting `d`.
    fn expiry(chain: &ChainView, d: Nanos) -> u64 {
        chain.height() + d.div_ceil(chain.block_interval.max(1)).max(1)
    }

    fn hashlock(&self, i: u32, leg: &Leg, from: &str, to: &str, expires: u64) -> Operation {
        let (dvp, xa, xb) = pair_ids(i);
        let p = &self.pairs[i as usize];
        Operation::Hashlock {
            from: from.into(),
            to: ESCROW.into(),
            asset: leg.asset.clone(),
            amount: leg.amount,
            xfer: if leg.chain == self.a.chain { xa } else { xb },
            hash: p.hash.clone(),
            expires_height: expires,
            beneficiary: to.into(),
            dvp: Some(dvp),
        }
    }

    /// The claim (with `preimage`) or refund of leg `leg` of pair `i`, paying `to`.
    fn payout(&self, i: u32, a_side: bool, to: &str, claim: bool) -> Operation {
        let (dvp, xa, xb) = pair_ids(i);
        let leg = if a_side { &self.a } else { &self.b };
        let xfer = if a_side { xa } else { xb };
        let (from, to, asset, amount, dvp) =
            (ESCROW.to_string(), to.to_string(), leg.asset.clone(), leg.amount, Some(dvp));
        if claim {
            let preimage = self.pairs[i as usize].preimage.clone();
            Operation::Claim { from, to, asset, amount, xfer, preimage, dvp }
        } else {
            Operation::Refund { from, to, asset, amount, xfer, dvp }
        }
    }

    /// What pair `i`'s parties do next, seen from `view` (steps not yet sent or queued).
    fn steps(&self, view: &View<'_>, i: u32) -> Vec<(Step, Operation)> {
        let (_, xa, xb) = pair_ids(i);
        let p = &self.pairs[i as usize];
        let (a, b) = (self.a.chain, self.b.chain);
        let locked_a = view.committed(a, "hashlock", &xa);
        let locked_b = view.committed(b, "hashlock", &xb);
        let claimed_a = view.committed(a, "claim", &xa).is_some();
        let claimed_b = view.committed(b, "claim", &xb).is_some();
        let refunded_a = view.committed(a, "refund", &xa).is_some();
        let refunded_b = view.committed(b, "refund", &xb).is_some();
        let mut steps = Vec::new();
        if locked_a.is_some() {
            let exp = Self::expiry(&view.chains[b], self.timeout / 2);
            steps.push((Step::LockB, self.hashlock(i, &self.b, &p.counter, &p.initiator, exp)));
        }
        if locked_b.is_some() && !p.fails {
            steps.push((Step::ClaimB, self.payout(i, false, &p.initiator, true)));
        }
        if claimed_b {
            steps.push((Step::ClaimA, self.payout(i, true, &p.counter, true)));
        }
        let expired = |chain: usize| {
            self.expires.get(&(i, chain)).is_some_and(|&e| view.chains[chain].height() > e)
        };
        if locked_a.is_some() && !claimed_a && !refunded_a && expired(a) {
            steps.push((Step::RefundA, self.payout(i, true, &p.initiator, false)));
        }
        if locked_b.is_some() && !claimed_b && !refunded_b && expired(b) {
            steps.push((Step::RefundB, self.payout(i, false, &p.counter, false)));
        }
        steps
    }

    fn final_state(&self, view: &View<'_>, i: u32) -> bool {
        let (_, xa, xb) = pair_ids(i);
        let (a, b) = (self.a.chain, self.b.chain);
        let settled = |c, x: &str| {
            view.committed(c, "claim", x).is_some() || view.committed(c, "refund", x).is_some()
        };
        let b_done = settled(b, &xb)
            || (view.committed(b, "hashlock", &xb).is_none()
                && self.sent.contains_key(&(i, Step::RefundA)));
        settled(a, &xa) && b_done
    }
}

impl Actor for HtlcBridge {
    fn tick(&mut self, view: &View<'_>, out: &mut Vec<Submission>) {
        let now = view.now;
        if self.faults.down_at(now.saturating_sub(self.t0)) {
            // The parties' software is down: what it had decided but not sent is lost.
            self.queue.clear();
            self.queued.clear();
            return;
        }
        while self.next < self.w.count && self.t0 + self.w.start_of(self.next) <= now {
            let i = self.next;
            self.next += 1;
            let p = self.pairs[i as usize].clone();
            let exp = Self::expiry(&view.chains[self.a.chain], self.timeout);
            let op = self.hashlock(i, &self.a, &p.initiator, &p.counter, exp);
            self.expires.insert((i, self.a.chain), exp);
            out.push(Submission { chain: self.a.chain, op, client: "initiator" });
        }
        for i in 0..self.next {
            for (step, op) in self.steps(view, i) {
                let resend = matches!(step, Step::RefundA | Step::RefundB)
                    && self.sent.get(&(i, step)).is_some_and(|t| now - t >= REFUND_RETRY);
                if (self.sent.contains_key(&(i, step)) && !resend)
                    || self.queued.contains(&(i, step))
                {
                    continue;
                }
                let chain = match step {
                    Step::LockB | Step::ClaimB | Step::RefundB => self.b.chain,
                    Step::ClaimA | Step::RefundA => self.a.chain,
                };
                let client = match step {
                    Step::ClaimB | Step::RefundA => "initiator",
                    _ => "counterparty",
                };
                let due = now + self.processing + self.faults.delay_at(now.saturating_sub(self.t0));
                self.queued.insert((i, step));
                self.queue.push((due, i, step, Submission { chain, op, client }));
            }
        }
        let (due, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.queue).into_iter().partition(|q| q.0 <= now);
        self.queue = later;
        for (_, i, step, sub) in due {
            self.queued.remove(&(i, step));
            self.sent.insert((i, step), now);
            if let Operation::Hashlock { expires_height, .. } = &sub.op {
                self.expires.insert((i, sub.chain), *expires_height);
            }
            out.push(sub);
        }
    }

    fn next_due(&self) -> Option<Nanos> {
        let start = (self.next < self.w.count).then(|| self.t0 + self.w.start_of(self.next));
        self.queue.iter().map(|q| q.0).chain(start).min()
    }

    fn done(&self, view: &View<'_>) -> bool {
        self.next == self.w.count && (0..self.w.count).all(|i| self.final_state(view, i))
    }
}
