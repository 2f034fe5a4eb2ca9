//! `double_spend`: the same funds sent twice at once through different validators
//! (`A.no_double_spend`, E1.1).
//!
//! **Genesis.** `pairs` senders (`a0..`), each holding `balance` of plain cash `EUR`, and
//! `2 × pairs` receivers after them that never send.
//!
//! **Every phase**: the two transactions of a pair in consecutive slots (use a burst with
//! `within = "0s"` to send them at the same instant): the same sender, the same nonce (0),
//! each moving more than half the balance to a different receiver, the first via validator
//! `n<k>` and the second via `n<k+1>` (round the network; no `via` on a single validator).
//!
//! **Expectations**: which of the two wins is the chain's choice, so the transactions carry no
//! case of their own. `results()` judges each pair (`A.no_double_spend`): passed when exactly
//! one committed and the other was rejected (`BAD_NONCE`, `DUPLICATE_TX` or
//! `INSUFFICIENT_BALANCE`; the row records its reason and notice time); both committed is a
//! double spend, neither or an unknown outcome is a failed case too.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `pairs` | 500 | conflicting pairs (one sender each) |
//! | `balance` | 1000 | each sender's balance (≥ 4) |

use super::common::{transfer, Ledger, Seen, A_DOUBLE_SPEND};
use super::{CaseResult, Expected, Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::{account_name, node_name, TxId};
use crate::ledger::Genesis;
use crate::reason::Reason;
use crate::scenario::programs::DoubleSpendConfig;
use crate::seed::Seed;
use crate::time::Nanos;
use rand::Rng;

pub const ASSET: &str = "EUR";

/// Reasons a correct chain may give the losing transaction of a pair.
pub const LOSER_REASONS: [Reason; 3] =
    [Reason::BadNonce, Reason::DuplicateTx, Reason::InsufficientBalance];

#[derive(Debug)]
pub struct DoubleSpendProgram {
    cfg: DoubleSpendConfig,
    validators: usize,
    amounts: Vec<[u128; 2]>,
    next: usize,
    ledger: Ledger<(usize, usize)>,
    seen: Vec<[Option<(TxId, Seen)>; 2]>,
    staged_tx: Option<(usize, usize)>,
}

impl DoubleSpendProgram {
    pub fn new(cfg: DoubleSpendConfig, validators: usize, seed: Seed) -> Self {
        let mut rng = seed.stream("program/double_spend");
        let half = cfg.balance / 2;
        let amounts = (0..cfg.pairs)
            .map(|_| [rng.gen_range(half + 1..=cfg.balance), rng.gen_range(half + 1..=cfg.balance)])
            .collect();
        let n = cfg.pairs as usize;
        DoubleSpendProgram {
            cfg,
            validators,
            amounts,
            next: 0,
            ledger: Ledger::default(),
            seen: vec![[None, None]; n],
            staged_tx: None,
        }
    }

    fn receiver(&self, pair: usize, k: usize) -> String {
        account_name((self.cfg.pairs as usize + 2 * pair + k) as u32)
    }
}

impl Program for DoubleSpendProgram {
    fn name(&self) -> &'static str {
        "double_spend"
    }

    fn genesis(&mut self) -> Genesis {
        Genesis {
            assets: vec![(ASSET.into(), None)],
            balances: (0..self.cfg.pairs as u32)
                .map(|i| (account_name(i), ASSET.into(), self.cfg.balance))
                .collect(),
            ..Default::default()
        }
    }

    fn next(&mut self, _phase: usize, _now: Nanos) -> Next {
        let (pair, k) = (self.next / 2, self.next % 2);
        if pair >= self.amounts.len() {
            return Next::Done;
        }
        self.next += 1;
        let op = transfer(
            &account_name(pair as u32),
            &self.receiver(pair, k),
            ASSET,
            self.amounts[pair][k],
        );
        let via = (self.validators > 1).then(|| node_name((pair + k) % self.validators));
        self.staged_tx = Some((pair, k));
        self.ledger.send_via((pair, k), op, Some(0), via, None)
    }

    fn sent(&mut self, tx: TxId) {
        if let Some((pair, k)) = self.staged_tx.take() {
            self.seen[pair][k] = Some((tx, Seen { status: OutcomeStatus::Unknown, notice_ns: 0 }));
        }
        self.ledger.sent(tx);
    }

    fn observe_notice(&mut self, tx: TxId, status: &OutcomeStatus, notice_ns: Nanos) {
        if let Some((pair, k)) = self.ledger.observed(tx) {
            self.seen[pair][k] = Some((tx, Seen { status: *status, notice_ns }));
        }
    }

    fn results(&mut self) -> Vec<CaseResult> {
        let mut out = Vec::new();
        for (pair, s) in self.seen.iter().enumerate() {
            let [Some((ta, a)), Some((tb, b))] = s else { continue };
            let label = format!(
                "race: {} spends its funds twice via two validators",
                account_name(pair as u32)
            );
            let expected = Expected::Reject { reasons: LOSER_REASONS.to_vec() };
            let (tx, observed, loser, passed) = match (a.committed(), b.committed()) {
                (true, true) => {
                    (format!("{ta},{tb}"), "both committed (double spend)".to_string(), None, false)
                }
                (true, false) | (false, true) => {
                    let (t, l) = if a.committed() { (tb, b) } else { (ta, a) };
                    let ok = l.reason().is_some_and(|r| LOSER_REASONS.contains(&r));
                    (t.to_string(), format!("one committed, the other {}", l.word()), Some(*l), ok)
                }
                (false, false) => (
                    format!("{ta},{tb}"),
                    format!("neither committed ({}, {})", a.word(), b.word()),
                    None,
                    false,
                ),
            };
            out.push(CaseResult {
                tx,
                indicator: A_DOUBLE_SPEND.into(),
                label,
                expected,
                observed,
                reason: loser.and_then(|l| l.reason()).map(|r| r.code().to_string()),
                passed,
                notice_ns: loser.filter(|l| l.reason().is_some()).map(|l| l.notice_ns),
                predicted: None,
            });
        }
        out
    }

    fn summary(&self) -> Option<serde_json::Value> {
        let both = self
            .seen
            .iter()
            .filter(|s| s.iter().all(|x| x.is_some_and(|(_, x)| x.committed())))
            .count();
        let one = self
            .seen
            .iter()
            .filter(|s| s.iter().filter(|x| x.is_some_and(|(_, x)| x.committed())).count() == 1)
            .count();
        Some(
            serde_json::json!({ "pairs": self.seen.len(), "exactly_one_committed": one, "both_committed": both, "validators": self.validators }),
        )
    }
}
