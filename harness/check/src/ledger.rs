//! Ledger indexes and the streaming replay of the decided chain.
//!
//! Heights are applied in ascending order as they leave the consensus window (see
//! `consensus.rs`), so the replay state is always "after the last finalized height" and each
//! snapshot is checked when its height is finalized.

use std::collections::BTreeMap;

use crate::findings::{Findings, RawFinding};
use crate::intern::{FxMap, Interner};
use crate::model::Model;
use touchstone_spec::Property;

/// Operation of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Op {
    Transfer,
    Issue,
    Redeem,
    /// An atomic batch (DvP): its `legs` all apply, in order, or none.
    Batch,
    #[default]
    Other,
}

impl Op {
    pub(crate) fn parse(s: &str) -> Op {
        match s {
            "transfer" => Op::Transfer,
            "issue" => Op::Issue,
            "redeem" => Op::Redeem,
            "batch" => Op::Batch,
            _ => Op::Other,
        }
    }
}

/// What the ledger knows about one tx id.
#[derive(Debug, Default, Clone)]
pub(crate) struct TxInfo {
    pub(crate) submitted: Option<u64>,
    pub(crate) op: Op,
    pub(crate) from: Option<u32>,
    pub(crate) to: Option<u32>,
    pub(crate) asset: Option<u32>,
    pub(crate) amount: Option<i128>,
    pub(crate) nonce: Option<u64>,
    /// Legs of a batch (extension): (from, to, asset, amount), applied in order.
    pub(crate) legs: Option<Box<[Leg]>>,
    /// First `committed` result: (line, height, node).
    pub(crate) committed: Option<(u64, Option<u64>, Option<u32>)>,
    pub(crate) rejected: Option<u64>,
    /// Times the tx appears in the reference chain, and where it first did: (height, line).
    pub(crate) occurrences: u32,
    pub(crate) first_at: Option<(u64, u64)>,
}

/// One leg of a batch: (from, to, asset, amount).
pub(crate) type Leg = (u32, u32, u32, i128);

/// A `state.snapshot` waiting for its height to be finalized.
#[derive(Debug)]
pub(crate) struct Snap {
    pub(crate) node: u32,
    pub(crate) line: u64,
    pub(crate) supply: Vec<(u32, i128)>,
    pub(crate) balances: Vec<(u32, u32, i128)>,
}

/// A decided tx that had not been submitted when checked; re-checked at the end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unsubmitted {
    pub(crate) tx: u32,
    pub(crate) height: u64,
    pub(crate) node: u32,
    pub(crate) line: u64,
}

/// Ledger indexes and replay state.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub(crate) txs: Interner,
    pub(crate) info: Vec<TxInfo>,
    pub(crate) accounts: Interner,
    pub(crate) assets: Interner,
    balances: FxMap<(u32, u32), i128>,
    nonzero_pairs: usize,
    issued: Vec<i128>,
    redeemed: Vec<i128>,
    nonces: FxMap<(u32, u64), u32>,
    pub(crate) snapshots: BTreeMap<u64, Vec<Snap>>,
    pub(crate) snapshot_entries: usize,
    pub(crate) submits: u64,
    pub(crate) results: u64,
    /// Txs applied from the reference chain (excluding genesis).
    pub(crate) applied: u64,
    /// Applied txs with ledger effect (transfer/issue/redeem with amounts).
    pub(crate) applied_with_effect: u64,
    /// Applied transfer/issue/redeem txs whose details were missing: replay is uncertain.
    pub(crate) uncertain: u64,
    pub(crate) snapshots_checked: u64,
    pub(crate) snapshots_unchecked: u64,
    pub(crate) last_height: Option<u64>,
    pub(crate) phantom_unsubmitted: Vec<Unsubmitted>,
    pub(crate) validity_unsubmitted: Vec<Unsubmitted>,
    pub(crate) unsubmitted_overflow: u64,
}

fn grow(v: &mut Vec<i128>, i: u32) -> &mut i128 {
    let i = i as usize;
    if v.len() <= i {
        v.resize(i + 1, 0);
    }
    &mut v[i]
}

impl Ledger {
    /// Index of tx `id`, interning it; `None` over the limit.
    #[inline]
    pub(crate) fn tx(&mut self, id: &str, limit: usize) -> Option<u32> {
        let t = self.txs.intern(id, limit)?;
        if self.info.len() <= t as usize {
            self.info.push(TxInfo::default());
        }
        Some(t)
    }

    fn add(&mut self, acct: u32, asset: u32, delta: i128) -> i128 {
        let b = self.balances.entry((acct, asset)).or_insert(0);
        let was_zero = *b == 0;
        *b += delta;
        let now = *b;
        match (was_zero, now == 0) {
            (true, false) => self.nonzero_pairs += 1,
            (false, true) => self.nonzero_pairs -= 1,
            _ => {}
        }
        now
    }

    fn balance(&self, acct: u32, asset: u32) -> i128 {
        self.balances.get(&(acct, asset)).copied().unwrap_or(0)
    }

    /// Applies one tx's balance effect; returns a description of a double spend, if any.
    fn apply(&mut self, t: u32) -> Option<String> {
        let i = self.info[t as usize].clone();
        if i.submitted.is_none() {
            self.uncertain += 1;
            return None;
        }
        let mut problem = None;
        if let (Some(from), Some(nonce)) = (i.from, i.nonce) {
            if let Some(&prev) = self.nonces.get(&(from, nonce)) {
                problem = Some(format!(
                    "nonce {nonce} of account {} spent twice (txs {} and {})",
                    self.accounts.name(from),
                    self.txs.name(prev),
                    self.txs.name(t)
                ));
            } else {
                self.nonces.insert((from, nonce), t);
            }
        }
        if let Some(legs) = &i.legs {
            return problem.or_else(|| self.apply_legs(legs, t));
        }
        let needs = match i.op {
            Op::Batch => false,
            Op::Transfer => i.from.is_some() && i.to.is_some(),
            Op::Issue => i.to.is_some(),
            Op::Redeem => i.from.is_some(),
            Op::Other => return problem.or_else(|| self.apply_other(&i, t)),
        };
        let (Some(asset), Some(amount), true) = (i.asset, i.amount, needs) else {
            self.uncertain += 1;
            return problem;
        };
        self.applied_with_effect += 1;
        if let Some(to) = i.to.filter(|_| i.op != Op::Redeem) {
            self.add(to, asset, amount);
        }
        if i.op == Op::Issue {
            *grow(&mut self.issued, asset) += amount;
        }
        if i.op == Op::Redeem {
            *grow(&mut self.redeemed, asset) += amount;
        }
        if let Some(from) = i.from.filter(|_| i.op != Op::Issue) {
            let now = self.add(from, asset, -amount);
            if now < 0 && problem.is_none() {
                problem = Some(format!(
                    "balance of {} in {} goes negative ({now}) with tx {}",
                    self.accounts.name(from),
                    self.assets.name(asset),
                    self.txs.name(t)
                ));
            }
        }
        problem
    }

    /// A batch: every leg moves its amount, in order (a decided batch applies as a whole).
    /// The first leg that drives a balance negative is the problem reported.
    fn apply_legs(&mut self, legs: &[Leg], t: u32) -> Option<String> {
        self.applied_with_effect += 1;
        let mut problem = None;
        for (k, &(from, to, asset, amount)) in legs.iter().enumerate() {
            self.add(to, asset, amount);
            let now = self.add(from, asset, -amount);
            if now < 0 && problem.is_none() {
                problem = Some(format!(
                    "balance of {} in {} goes negative ({now}) with leg {} of batch {}",
                    self.accounts.name(from),
                    self.assets.name(asset),
                    k + 1,
                    self.txs.name(t)
                ));
            }
        }
        problem
    }

    /// Other ops move balances only when they carry from, to, asset and amount.
    fn apply_other(&mut self, i: &TxInfo, t: u32) -> Option<String> {
        let (Some(from), Some(to), Some(asset), Some(amount)) = (i.from, i.to, i.asset, i.amount)
        else {
            return None;
        };
        self.applied_with_effect += 1;
        self.add(to, asset, amount);
        let now = self.add(from, asset, -amount);
        (now < 0).then(|| {
            format!(
                "balance of {} in {} goes negative ({now}) with tx {}",
                self.accounts.name(from),
                self.assets.name(asset),
                self.txs.name(t)
            )
        })
    }

    /// A genesis commit (`tx.result` committed at height 0): applied at once.
    pub(crate) fn apply_genesis(&mut self, t: u32) {
        let _ = self.apply(t);
    }

    /// Applies the reference block of height `h` (decided first by correct `node` on `line`).
    #[allow(clippy::too_many_arguments)] // one call site; the arguments are the decision's evidence
    pub(crate) fn apply_height(
        &mut self,
        h: u64,
        txs: &[u32],
        node: u32,
        line: u64,
        model: &Model,
        f: &mut Findings,
        unsubmitted_cap: usize,
    ) {
        self.check_snapshots(h, false, model, f);
        for &t in txs {
            let info = &mut self.info[t as usize];
            info.occurrences = info.occurrences.saturating_add(1);
            if info.occurrences > 1 {
                let first = info.first_at.map_or(line, |a| a.1);
                let name = self.txs.name(t).to_string();
                f.add(RawFinding {
                    prop: Property::NoPhantomTx,
                    nodes: vec![node],
                    height: Some(h),
                    round: None,
                    lines: vec![first, line],
                    message: format!("tx {name} appears again in the decided chain (duplicate)"),
                });
                continue;
            }
            info.first_at = Some((h, line));
            if info.submitted.is_none() {
                if self.phantom_unsubmitted.len() < unsubmitted_cap {
                    self.phantom_unsubmitted.push(Unsubmitted { tx: t, height: h, node, line });
                } else {
                    self.unsubmitted_overflow += 1;
                }
            }
            self.applied += 1;
            if let Some(msg) = self.apply(t) {
                let submit = self.info[t as usize].submitted;
                f.add(RawFinding {
                    prop: Property::NoDoubleSpend,
                    nodes: vec![node],
                    height: Some(h),
                    round: None,
                    lines: std::iter::once(line).chain(submit).collect(),
                    message: msg,
                });
            }
        }
        self.last_height = Some(h);
        self.check_snapshots(h, true, model, f);
    }

    /// Checks pending snapshots at heights below `h` (or up to and including `h` if `inclusive`).
    pub(crate) fn check_snapshots(
        &mut self,
        h: u64,
        inclusive: bool,
        model: &Model,
        f: &mut Findings,
    ) {
        loop {
            let Some((&sh, _)) = self.snapshots.first_key_value() else { return };
            if sh > h || (sh == h && !inclusive) {
                return;
            }
            let snaps = self.snapshots.pop_first().map(|e| e.1).unwrap_or_default();
            for s in snaps {
                self.snapshot_entries -= s.supply.len() + s.balances.len();
                self.check_snapshot(sh, &s, model, f);
            }
        }
    }

    /// Drops snapshots no chain height will reach (end of trace).
    pub(crate) fn drop_pending_snapshots(&mut self) {
        for (_, v) in std::mem::take(&mut self.snapshots) {
            self.snapshots_unchecked += v.len() as u64;
        }
        self.snapshot_entries = 0;
    }

    fn check_snapshot(&mut self, h: u64, s: &Snap, model: &Model, f: &mut Findings) {
        if model.is_byzantine(s.node) {
            return;
        }
        self.snapshots_checked += 1;
        let mut problems = Vec::new();
        let expected = |l: &Ledger, a: u32| {
            l.issued.get(a as usize).copied().unwrap_or(0)
                - l.redeemed.get(a as usize).copied().unwrap_or(0)
        };
        for &(asset, v) in &s.supply {
            let e = expected(self, asset);
            if v != e {
                problems.push(format!(
                    "supply of {} is {v}, issued - redeemed is {e}",
                    self.assets.name(asset)
                ));
            }
        }
        let mut listed_nonzero = 0;
        for &(acct, asset, v) in &s.balances {
            let e = self.balance(acct, asset);
            if e != 0 {
                listed_nonzero += 1;
            }
            if v != e {
                problems.push(format!(
                    "balance of {} in {} is {v}, replay gives {e}",
                    self.accounts.name(acct),
                    self.assets.name(asset)
                ));
            }
        }
        if listed_nonzero == self.nonzero_pairs && !s.balances.is_empty() {
            // Complete snapshot: balances must sum to supply, per asset.
            let mut sums: BTreeMap<u32, i128> = BTreeMap::new();
            for &(_, asset, v) in &s.balances {
                *sums.entry(asset).or_insert(0) += v;
            }
            for &(asset, v) in &s.supply {
                sums.entry(asset).or_insert(0);
                let _ = v;
            }
            for (asset, sum) in sums {
                let supply = s
                    .supply
                    .iter()
                    .find(|x| x.0 == asset)
                    .map_or_else(|| expected(self, asset), |x| x.1);
                if sum != supply {
                    problems.push(format!(
                        "balances of {} sum to {sum}, supply is {supply}",
                        self.assets.name(asset)
                    ));
                }
            }
        }
        if !problems.is_empty() {
            let more = problems.len().saturating_sub(3);
            problems.truncate(3);
            let mut msg = problems.join("; ");
            if more > 0 {
                msg.push_str(&format!("; and {more} more"));
            }
            f.add(RawFinding {
                prop: Property::Conservation,
                nodes: vec![s.node],
                height: Some(h),
                round: None,
                lines: vec![s.line],
                message: format!("snapshot disagrees with the replayed chain: {msg}"),
            });
        }
    }
}
