//! Ledger indexes and the streaming replay of the decided chain.
//!
//! Heights are applied in ascending order as they leave the consensus window (see
//! `finalize.rs`), so the replay state is always "after the last finalized height" and each
//! snapshot is checked when its height is finalized (`snapshots.rs`).
//!
//! Opening balances (trace format 1.1, resolution 1): a trace with genesis records starts at
//! the chain's genesis, so every opening balance is known (zero unless a record funds it). A
//! trace without them (taken mid-life) knows an (account, asset) balance only once a snapshot
//! lists it; until then the replay keeps its *change* only, and the balance parts of
//! `no_double_spend` and `conservation` are not evaluated for it. The nonce part always is.

use std::collections::BTreeMap;

use crate::books::{Balances, NonceBook};
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
    pub(crate) fn parse(s: &[u8]) -> Op {
        match s {
            // 1.2: bridge operations carry their effect on their own chain explicitly.
            b"transfer" | b"lock" | b"release" | b"hashlock" | b"claim" | b"refund" => Op::Transfer,
            b"issue" | b"mint" => Op::Issue,
            b"redeem" | b"burn" => Op::Redeem,
            b"batch" => Op::Batch,
            _ => Op::Other,
        }
    }
}

/// What the ledger knows about one tx id.
///
/// Laid out for the replay: judging a height and applying its block read, for each tx, only
/// its first cache line (submission, details, occurrences, first place in the chain), which
/// the 1,024 heights of the window have long evicted: one miss per tx, not two or three as
/// when the fields fell across lines wherever the compiler put them. Results write and
/// verdicts read the second line.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub(crate) struct TxInfo {
    /// Line of the first submission ([`NO_LINE`]: none).
    submitted: u64,
    /// What the first submission said, packed (in [`Ledger::extras`] when it does not pack);
    /// dropped once the tx's effect can no longer be applied (see
    /// [`Ledger::forget_details`]), so that a settled tx keeps only what verdicts read.
    pub(crate) details: Packed,
    /// Where the tx first appears in the reference chain: height and line ([`NO_LINE`]:
    /// nowhere).
    first_height: u64,
    first_line: u64,
    /// Times the tx appears in the reference chain.
    pub(crate) occurrences: u32,
    /// A final result (committed, rejected or unknown) was read: no longer pending.
    pub(crate) resolved: bool,
    /// `committed` is set (read by the replay without touching the second line).
    has_committed: bool,
    /// First `committed` result: (line, height, node).
    committed: Option<(u64, Option<u64>, Option<u32>)>,
    pub(crate) rejected: Option<u64>,
}

/// No line in [`TxInfo`]: line numbers count from 1 and never reach it.
const NO_LINE: u64 = u64::MAX;

const _: () = {
    assert!(std::mem::size_of::<TxInfo>() == 128);
    assert!(std::mem::offset_of!(TxInfo, has_committed) < 64);
};

impl Default for TxInfo {
    fn default() -> Self {
        TxInfo {
            submitted: NO_LINE,
            details: Packed::default(),
            first_height: 0,
            first_line: NO_LINE,
            occurrences: 0,
            resolved: false,
            has_committed: false,
            committed: None,
            rejected: None,
        }
    }
}

impl TxInfo {
    /// Line of the first submission.
    #[inline]
    pub(crate) fn submitted(&self) -> Option<u64> {
        (self.submitted != NO_LINE).then_some(self.submitted)
    }

    #[inline]
    pub(crate) fn set_submitted(&mut self, line: u64) {
        self.submitted = line;
    }

    /// Where the tx first appears in the reference chain: (height, line).
    #[inline]
    pub(crate) fn first_at(&self) -> Option<(u64, u64)> {
        (self.first_line != NO_LINE).then_some((self.first_height, self.first_line))
    }

    #[inline]
    pub(crate) fn set_first_at(&mut self, height: u64, line: u64) {
        (self.first_height, self.first_line) = (height, line);
    }

    /// First `committed` result: (line, height, node).
    #[inline]
    pub(crate) fn committed(&self) -> Option<(u64, Option<u64>, Option<u32>)> {
        self.committed
    }

    #[inline]
    pub(crate) fn has_committed(&self) -> bool {
        self.has_committed
    }

    #[inline]
    pub(crate) fn set_committed(&mut self, line: u64, height: Option<u64>, node: Option<u32>) {
        self.committed = Some((line, height, node));
        self.has_committed = true;
    }
}

/// The ledger effect a `tx.submit` describes.
#[derive(Debug, Default, Clone)]
pub(crate) struct TxDetails {
    pub(crate) op: Op,
    pub(crate) from: Option<u32>,
    pub(crate) to: Option<u32>,
    pub(crate) asset: Option<u32>,
    pub(crate) amount: Option<i128>,
    /// An amount (or a leg's) beyond the checker's numeric range, as written.
    pub(crate) out_of_range: Option<Box<str>>,
    pub(crate) nonce: Option<u64>,
    /// Legs of a batch: (from, to, asset, amount), applied in order.
    pub(crate) legs: Option<Box<[Leg]>>,
}

/// What a submission said, in the record of its tx: the common case (no legs, an amount
/// below 2^64, every id an index) in 32 bytes, read in place when its block is applied. Blocks
/// list their txs roughly in the order they were submitted, so applying one walks the records
/// in order, which the memory system reads ahead; what does not pack is kept whole in
/// [`Ledger::extras`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Packed {
    amount: u64,
    nonce: u64,
    from: u32,
    to: u32,
    asset: u32,
    op: Op,
    flags: u8,
}

const HELD: u8 = 1;
const AMOUNT: u8 = 2;
const NONCE: u8 = 4;
/// Kept whole in [`Ledger::extras`].
const EXTRA: u8 = 8;
/// No id in `from`, `to` or `asset`.
const NO_ID: u32 = u32::MAX;

impl Packed {
    /// The packed form of `d`; `None` when it does not pack.
    fn pack(d: &TxDetails) -> Option<Packed> {
        if d.legs.is_some() || d.out_of_range.is_some() {
            return None;
        }
        let amount = match d.amount {
            Some(a) => Some(u64::try_from(a).ok()?),
            None => None,
        };
        let mut flags = HELD;
        flags |= if amount.is_some() { AMOUNT } else { 0 };
        flags |= if d.nonce.is_some() { NONCE } else { 0 };
        Some(Packed {
            amount: amount.unwrap_or(0),
            nonce: d.nonce.unwrap_or(0),
            from: d.from.unwrap_or(NO_ID),
            to: d.to.unwrap_or(NO_ID),
            asset: d.asset.unwrap_or(NO_ID),
            op: d.op,
            flags,
        })
    }

    /// Whether the tx's details are held (here or in the extras).
    pub(crate) fn held(self) -> bool {
        self.flags & HELD != 0
    }

    fn extra(self) -> bool {
        self.flags & EXTRA != 0
    }

    fn unpack(self) -> TxDetails {
        let id = |v: u32| (v != NO_ID).then_some(v);
        TxDetails {
            op: self.op,
            from: id(self.from),
            to: id(self.to),
            asset: id(self.asset),
            amount: (self.flags & AMOUNT != 0).then_some(i128::from(self.amount)),
            out_of_range: None,
            nonce: (self.flags & NONCE != 0).then_some(self.nonce),
            legs: None,
        }
    }
}

/// One leg of a batch: (from, to, asset, amount).
pub(crate) type Leg = (u32, u32, u32, i128);

/// A snapshot value beyond the checker's numeric range.
pub(crate) const OUT_OF_RANGE: i128 = i128::MIN;

/// A `state.snapshot` waiting for its height to be finalized. Values are
/// [`OUT_OF_RANGE`] when the trace wrote a number beyond 10^36.
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
    pub(crate) info: crate::table::Table<TxInfo>,
    /// The details that do not pack ([`Packed`]), by tx index.
    pub(crate) extras: FxMap<u32, Box<TxDetails>>,
    pub(crate) accounts: Interner,
    pub(crate) assets: Interner,
    pub(crate) balances: Balances,
    pub(crate) nonzero_pairs: usize,
    pub(crate) issued: Vec<i128>,
    pub(crate) redeemed: Vec<i128>,
    pub(crate) nonces: NonceBook,
    /// Txs forgotten beyond the horizon (each settled cleanly, committed outside genesis).
    pub(crate) forgotten: u64,
    /// `info.len()` at which the horizon next tries to forget.
    pub(crate) compact_at: usize,
    /// The horizon's scratch tables, kept between compactions (`horizon.rs`): the tx interner
    /// the next one rebuilds into, and the old index to new index map.
    pub(crate) spare_txs: Interner,
    pub(crate) renumber: Vec<u32>,
    pub(crate) numbers: Vec<usize>,
    /// A genesis record was read: every opening balance is known.
    pub(crate) genesis: bool,
    /// Balances known from a snapshot (trace without genesis), and balances whose replay was
    /// broken by a value out of range (known again once a snapshot lists them).
    pub(crate) calibrated: FxMap<(u32, u32), ()>,
    pub(crate) broken: FxMap<(u32, u32), ()>,
    /// Supply of an asset at the trace's start, when a snapshot told it (no genesis).
    pub(crate) supply_offset: FxMap<u32, i128>,
    /// Accounts that moved while their opening balance was unknown.
    pub(crate) unknown_moved: Vec<bool>,
    pub(crate) snapshots: BTreeMap<u64, Vec<Snap>>,
    pub(crate) snapshot_entries: usize,
    pub(crate) submits: u64,
    pub(crate) results: u64,
    /// Txs applied from the reference chain (excluding genesis).
    pub(crate) applied: u64,
    /// Applied txs with ledger effect (transfer/issue/redeem with amounts).
    pub(crate) applied_with_effect: u64,
    /// Nonces and debits of known balances checked (`no_double_spend` evaluated).
    pub(crate) nonces_checked: u64,
    pub(crate) debits_checked: u64,
    /// Applied transfer/issue/redeem txs whose details were missing: replay is uncertain.
    pub(crate) uncertain: u64,
    /// Heights whose decided block could not be kept (over a per-height limit).
    pub(crate) unreplayable: Vec<u64>,
    pub(crate) snapshots_checked: u64,
    /// Snapshot values compared with the replay (not merely taken as opening balances).
    pub(crate) values_compared: u64,
    pub(crate) snapshots_unchecked: u64,
    pub(crate) last_height: Option<u64>,
    pub(crate) phantom_unsubmitted: Vec<Unsubmitted>,
    pub(crate) validity_unsubmitted: Vec<Unsubmitted>,
    pub(crate) unsubmitted_overflow: u64,
}

/// What a debit belongs to, described only when it drives a balance negative.
#[derive(Debug, Clone, Copy)]
enum Debit {
    Tx(u32),
    /// Leg (from 1) of a batch.
    Leg(usize, u32),
}

impl Debit {
    fn describe(self, txs: &Interner) -> String {
        match self {
            Debit::Tx(t) => format!("tx {}", txs.name(t)),
            Debit::Leg(k, t) => format!("leg {k} of batch {}", txs.name(t)),
        }
    }
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
    pub(crate) fn tx(&mut self, id: &[u8], limit: usize) -> Option<u32> {
        let t = self.txs.intern_bytes(id, limit)?;
        if self.info.len() <= t as usize {
            self.info.push(TxInfo::default());
        }
        Some(t)
    }

    /// Whether the replayed balance of (`acct`, `asset`) is the real one.
    pub(crate) fn known(&self, acct: u32, asset: u32) -> bool {
        let k = (acct, asset);
        (self.genesis || self.calibrated.contains_key(&k))
            && (self.broken.is_empty() || !self.broken.contains_key(&k))
    }

    /// Adds `delta` to a balance; `Err` when the replay leaves the numeric range (the pair is
    /// then no longer known).
    #[inline]
    fn add(&mut self, acct: u32, asset: u32, delta: i128) -> Result<i128, String> {
        if !self.known(acct, asset) {
            let i = acct as usize;
            if self.unknown_moved.len() <= i {
                self.unknown_moved.resize(i + 1, false);
            }
            self.unknown_moved[i] = true;
        }
        let b = self.balances.entry(acct, asset);
        let was_zero = *b == 0;
        let Some(now) = b.checked_add(delta) else {
            return Err(self.overflowed(acct, asset));
        };
        *b = now;
        match (was_zero, now == 0) {
            (true, false) => self.nonzero_pairs += 1,
            (false, true) => self.nonzero_pairs -= 1,
            _ => {}
        }
        Ok(now)
    }

    /// A balance the replay cannot hold: no longer known.
    #[cold]
    fn overflowed(&mut self, acct: u32, asset: u32) -> String {
        self.broken.insert((acct, asset), ());
        format!(
            "balance of {} in {} overflows the replay",
            self.accounts.name(acct),
            self.assets.name(asset)
        )
    }

    pub(crate) fn balance(&self, acct: u32, asset: u32) -> i128 {
        self.balances.get(acct, asset)
    }

    /// Sets a balance to a value a snapshot gives (its opening balance becomes known).
    pub(crate) fn set_balance(&mut self, acct: u32, asset: u32, v: i128) {
        let b = self.balances.entry(acct, asset);
        match (*b == 0, v == 0) {
            (true, false) => self.nonzero_pairs += 1,
            (false, true) => self.nonzero_pairs -= 1,
            _ => {}
        }
        *b = v;
        self.broken.remove(&(acct, asset));
        self.calibrated.insert((acct, asset), ());
    }

    /// A debit of `amount` from a balance: the problem when it goes negative (judged only when
    /// the balance is known).
    fn debit(&mut self, from: u32, asset: u32, amount: i128, what: Debit) -> Option<String> {
        let known = self.known(from, asset);
        match self.add(from, asset, -amount) {
            Err(e) => Some(e),
            Ok(now) if known => {
                self.debits_checked += 1;
                (now < 0).then(|| {
                    format!(
                        "balance of {} in {} goes negative ({now}) with {}",
                        self.accounts.name(from),
                        self.assets.name(asset),
                        what.describe(&self.txs)
                    )
                })
            }
            Ok(_) => None,
        }
    }

    fn credit(&mut self, to: u32, asset: u32, amount: i128) -> Option<String> {
        self.add(to, asset, amount).err()
    }

    /// Applies one tx's balance effect; returns a description of a double spend, if any.
    fn apply(&mut self, t: u32) -> Option<String> {
        let info = &self.info[t as usize];
        // Details are dropped only once no apply can follow, so a submitted tx has them here.
        let packed = info.details;
        if info.submitted().is_none() || !packed.held() {
            self.uncertain += 1;
            return None;
        }
        if !packed.extra() {
            return self.apply_details(&packed.unpack(), t);
        }
        let i = self.extras.remove(&t).expect("extra details are kept");
        let problem = self.apply_details(&i, t);
        self.extras.insert(t, i);
        problem
    }

    /// [`Ledger::apply`] of a submitted tx, with what its submission said.
    fn apply_details(&mut self, i: &TxDetails, t: u32) -> Option<String> {
        let mut problem = None;
        if let (Some(from), Some(nonce)) = (i.from, i.nonce) {
            if let Some(prev) = self.nonces.get(from, nonce) {
                self.nonces_checked += 1;
                problem = Some(format!(
                    "nonce {nonce} of account {} spent twice (txs {} and {})",
                    self.accounts.name(from),
                    self.txs.name(prev),
                    self.txs.name(t)
                ));
            } else {
                self.nonces_checked += 1;
                if self.nonces.forgotten(from, nonce) {
                    problem = Some(format!(
                        "nonce {nonce} of account {} spent twice (a tx decided beyond the tx \
                         horizon, and tx {})",
                        self.accounts.name(from),
                        self.txs.name(t)
                    ));
                }
                self.nonces.insert(from, nonce, t);
            }
        }
        if let Some(text) = &i.out_of_range {
            return problem.or_else(|| Some(self.out_of_range(i, t, text)));
        }
        if let Some(legs) = &i.legs {
            return problem.or_else(|| self.apply_legs(legs, t));
        }
        let needs = match i.op {
            Op::Batch => false,
            Op::Transfer => i.from.is_some() && i.to.is_some(),
            Op::Issue => i.to.is_some(),
            Op::Redeem => i.from.is_some(),
            Op::Other => return problem.or_else(|| self.apply_other(i, t)),
        };
        let (Some(asset), Some(amount), true) = (i.asset, i.amount, needs) else {
            self.uncertain += 1;
            return problem;
        };
        self.applied_with_effect += 1;
        let mut found = Vec::new();
        if let Some(to) = i.to.filter(|_| i.op != Op::Redeem) {
            found.extend(self.credit(to, asset, amount));
        }
        if i.op == Op::Issue {
            let s = grow(&mut self.issued, asset);
            *s = s.saturating_add(amount);
        }
        if i.op == Op::Redeem {
            let s = grow(&mut self.redeemed, asset);
            *s = s.saturating_add(amount);
        }
        if let Some(from) = i.from.filter(|_| i.op != Op::Issue) {
            found.extend(self.debit(from, asset, amount, Debit::Tx(t)));
        }
        problem.or(found.into_iter().next())
    }

    /// A decided tx whose amount no ledger can hold: its effect cannot be replayed, and the
    /// balances it touches are no longer known (until a snapshot lists them).
    fn out_of_range(&mut self, i: &TxDetails, t: u32, text: &str) -> String {
        let pairs: Vec<(u32, u32)> = match &i.legs {
            Some(legs) => legs.iter().flat_map(|l| [(l.0, l.2), (l.1, l.2)]).collect(),
            None => [i.from, i.to].into_iter().flatten().zip(i.asset).collect(),
        };
        for p in pairs {
            self.broken.insert(p, ());
        }
        format!(
            "tx {} moves an amount out of range ({text}, beyond 10^36): no balance can hold it",
            self.txs.name(t)
        )
    }

    /// A batch: every leg moves its amount, in order (a decided batch applies as a whole).
    /// The first leg that drives a balance negative is the problem reported.
    fn apply_legs(&mut self, legs: &[Leg], t: u32) -> Option<String> {
        self.applied_with_effect += 1;
        let mut problem = None;
        for (k, &(from, to, asset, amount)) in legs.iter().enumerate() {
            let credited = self.credit(to, asset, amount);
            let debited = self.debit(from, asset, amount, Debit::Leg(k + 1, t));
            if problem.is_none() {
                problem = credited.or(debited);
            }
        }
        problem
    }

    /// Other ops move balances only when they carry from, to, asset and amount.
    fn apply_other(&mut self, i: &TxDetails, t: u32) -> Option<String> {
        let (Some(from), Some(to), Some(asset), Some(amount)) = (i.from, i.to, i.asset, i.amount)
        else {
            return None;
        };
        self.applied_with_effect += 1;
        let credited = self.credit(to, asset, amount);
        credited.or(self.debit(from, asset, amount, Debit::Tx(t)))
    }

    /// Drops a tx's submitted details once its effect can no longer be applied: it was
    /// applied from the reference chain (a later occurrence is a duplicate, never applied)
    /// and its first committed result was read (only that one can apply it as genesis).
    pub(crate) fn forget_details(&mut self, t: u32) {
        let info = &mut self.info[t as usize];
        if info.occurrences >= 1 && info.has_committed() {
            let packed = std::mem::take(&mut info.details);
            if packed.extra() {
                self.extras.remove(&t);
            }
        }
    }

    /// A genesis commit (`tx.result` committed at height 0): applied at once.
    pub(crate) fn apply_genesis(&mut self, t: u32) {
        self.genesis = true;
        let _ = self.apply(t);
    }

    /// A height whose decided block is not known (over a per-height limit): the replay after
    /// it is uncertain.
    pub(crate) fn unreplayable(&mut self, h: u64) {
        self.uncertain += 1;
        if self.unreplayable.len() < 16 {
            self.unreplayable.push(h);
        }
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
        self.warm(txs);
        for &t in txs {
            let info = &mut self.info[t as usize];
            info.occurrences = info.occurrences.saturating_add(1);
            if info.occurrences > 1 {
                let first = info.first_at().map_or(line, |a| a.1);
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
            info.set_first_at(h, line);
            if info.submitted().is_none() {
                if self.phantom_unsubmitted.len() < unsubmitted_cap {
                    self.phantom_unsubmitted.push(Unsubmitted { tx: t, height: h, node, line });
                } else {
                    self.unsubmitted_overflow += 1;
                }
            }
            self.applied += 1;
            let problem = self.apply(t);
            self.forget_details(t);
            if let Some(msg) = problem {
                let submit = self.info[t as usize].submitted();
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

    /// Reads the table entries that applying `txs` will update (nonces and balances), all at
    /// once: these reads do not depend on each other, so the memory system serves them side
    /// by side, and the apply that follows finds them in the cache instead of waiting for
    /// each in turn (the trace streaming through the cache between two blocks evicts them).
    fn warm(&self, txs: &[u32]) {
        let mut sum = 0u64;
        for &t in txs {
            let Some(p) = self.info.get(t as usize).map(|i| i.details) else { continue };
            if p.flags & NONCE != 0 && p.from != NO_ID {
                sum ^= self.nonces.touch(p.from, p.nonce);
            }
            if p.asset != NO_ID {
                for acct in [p.from, p.to] {
                    sum ^= self.balances.get(acct, p.asset) as u64;
                }
            }
        }
        std::hint::black_box(sum);
    }

    /// Keeps what a submission of tx `t` said.
    pub(crate) fn keep_details(&mut self, t: u32, d: TxDetails) {
        self.info[t as usize].details = match Packed::pack(&d) {
            Some(p) => p,
            None => {
                self.extras.insert(t, Box::new(d));
                Packed { flags: HELD | EXTRA, ..Packed::default() }
            }
        };
    }

    /// Accounts that moved while their opening balance was unknown.
    pub(crate) fn unknown_accounts(&self) -> u64 {
        self.unknown_moved.iter().filter(|&&u| u).count() as u64
    }
}
