//! Operation generator: which operation each transaction performs, between which accounts.

use crate::ledger::Operation;
use crate::scenario::WorkloadSpec;
use crate::seed::{Rng, Seed};
use rand::Rng as _;
use rand_distr::{Distribution, Zipf};

/// Draws operations per the workload's mix, accounts (uniform or Zipf-skewed) and amounts.
#[derive(Debug)]
pub struct OpGenerator {
    rng: Rng,
    accounts: u32,
    account_names: Vec<String>,
    assets: Vec<String>,
    amount_min: u128,
    amount_max: u128,
    /// Cumulative weights of (transfer, issue, redeem).
    cum: [f64; 3],
    zipf: Option<Zipf<f64>>,
    /// Next harness nonce per account.
    nonces: Vec<u64>,
}

impl OpGenerator {
    pub fn new(w: &WorkloadSpec, seed: Seed) -> Self {
        let weight = |k: &str| w.mix.get(k).copied().unwrap_or(0.0);
        let (t, i, r) = (weight("transfer"), weight("issue"), weight("redeem"));
        let total = t + i + r;
        let cum = [t / total, (t + i) / total, 1.0];
        let zipf = (w.skew > 0.0 && w.accounts > 1)
            .then(|| Zipf::new(w.accounts as u64, w.skew).expect("validated skew"));
        OpGenerator {
            rng: seed.stream("workload/ops"),
            accounts: w.accounts,
            account_names: (0..w.accounts).map(crate::ids::account_name).collect(),
            assets: w.assets.iter().map(|a| a.id.clone()).collect(),
            amount_min: w.amount_min,
            amount_max: w.amount_max,
            cum,
            zipf,
            nonces: vec![0; w.accounts as usize],
        }
    }

    #[inline]
    fn account(&mut self) -> u32 {
        match &self.zipf {
            // Zipf ranks are 1-based; rank 1 is the hottest account.
            Some(z) => (z.sample(&mut self.rng) as u32).saturating_sub(1).min(self.accounts - 1),
            None => self.rng.gen_range(0..self.accounts),
        }
    }

    /// The names of all accounts (`a0..`).
    pub fn account_names(&self) -> &[String] {
        &self.account_names
    }

    /// Draws the next operation and the sender's harness nonce.
    #[inline]
    pub fn draw(&mut self) -> (Operation, Option<u64>) {
        let u: f64 = self.rng.gen();
        let asset =
            if self.assets.len() == 1 { 0 } else { self.rng.gen_range(0..self.assets.len()) };
        let amount = if self.amount_min == self.amount_max {
            self.amount_min
        } else {
            self.rng.gen_range(self.amount_min..=self.amount_max)
        };
        let asset = self.assets[asset].clone();
        if u < self.cum[0] {
            let from = self.account();
            let mut to = self.account();
            if to == from && self.accounts > 1 {
                to = (to + 1 + self.rng.gen_range(0..self.accounts - 1)) % self.accounts;
            }
            let nonce = self.nonces[from as usize];
            self.nonces[from as usize] += 1;
            let op = Operation::Transfer {
                from: self.account_names[from as usize].clone(),
                to: self.account_names[to as usize].clone(),
                asset,
                amount,
            };
            (op, Some(nonce))
        } else if u < self.cum[1] {
            let to = self.account();
            (Operation::Issue { to: self.account_names[to as usize].clone(), asset, amount }, None)
        } else {
            let from = self.account();
            let nonce = self.nonces[from as usize];
            self.nonces[from as usize] += 1;
            (
                Operation::Redeem {
                    from: self.account_names[from as usize].clone(),
                    asset,
                    amount,
                },
                Some(nonce),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{ScenarioBuilder, ScenarioKind};

    #[test]
    fn transfers_never_to_self_and_nonces_count_up() {
        let s = ScenarioBuilder::new("g", ScenarioKind::Payment)
            .accounts(3)
            .phase("p", 1_000_000_000, crate::scenario::RateSpec::Constant { tps: 1.0 })
            .build();
        let mut g = OpGenerator::new(&s.workload, Seed(1));
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..1000 {
            let (op, nonce) = g.draw();
            if let Operation::Transfer { from, to, amount, .. } = &op {
                assert_ne!(from, to);
                assert!((1..=100).contains(amount));
                let e = seen.entry(from.clone()).or_insert(0u64);
                assert_eq!(nonce, Some(*e));
                *e += 1;
            }
        }
    }

    #[test]
    fn skew_concentrates_on_hot_accounts() {
        let s = ScenarioBuilder::new("g", ScenarioKind::Payment)
            .accounts(1000)
            .with(|s| s.workload.skew = 1.2)
            .phase("p", 1_000_000_000, crate::scenario::RateSpec::Constant { tps: 1.0 })
            .build();
        let mut g = OpGenerator::new(&s.workload, Seed(1));
        let hot = (0..10_000).filter(|_| g.draw().0.from() == Some("a0")).count();
        assert!(hot > 500, "a0 should be hot, got {hot}");
    }
}
