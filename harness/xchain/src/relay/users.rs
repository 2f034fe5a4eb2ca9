//! The users of the relay bridge: transfer `i` locks `amount` of the stablecoin on the source
//! chain for the same account name on the destination (`xfer` `x<i>`) at its start time, and,
//! when the workload goes `back`, burns what was minted as soon as its mint is committed
//! (`xfer` `x<i>r`), to be released on the source.

use crate::actor::{ChainView, Submission, View};
use crate::spec::{Shape, XScenario, XWorkload};
use std::collections::BTreeSet;
use touchstone_core::ledger::{Operation, ESCROW};
use touchstone_core::Nanos;

/// The transfer id of transfer `i`'s way out, and of its way back.
pub fn xfer_ids(i: u32) -> (String, String) {
    (format!("x{i}"), format!("x{i}r"))
}

#[derive(Debug)]
pub(super) struct Users {
    t0: Nanos,
    w: XWorkload,
    from: usize,
    to: usize,
    asset: String,
    amount: u128,
    back: bool,
    /// The next transfer to start.
    next: u32,
    /// Transfers whose way back has started.
    burned: BTreeSet<u32>,
}

impl Users {
    pub(super) fn new(s: &XScenario, chains: &[ChainView], t0: Nanos) -> Self {
        let w = s.bridge.workload.clone();
        let Shape::XchainTransfer { from, to, asset, amount, back } = &w.shape else {
            panic!("the relay runs xchain-transfer workloads only (validation refuses others)")
        };
        let index = |id: &str| chains.iter().position(|c| c.id == id).expect("a declared chain");
        Users {
            t0,
            from: index(from),
            to: index(to),
            asset: asset.clone(),
            amount: *amount,
            back: *back,
            next: 0,
            burned: BTreeSet::new(),
            w,
        }
    }

    fn account(&self, i: u32) -> String {
        touchstone_core::ids::account_name(i % self.w.accounts)
    }

    pub(super) fn tick(&mut self, view: &View<'_>, out: &mut Vec<Submission>) {
        while self.next < self.w.count && self.t0 + self.w.start_of(self.next) <= view.now {
            let i = self.next;
            self.next += 1;
            let a = self.account(i);
            let op = Operation::Lock {
                from: a.clone(),
                to: ESCROW.into(),
                asset: self.asset.clone(),
                amount: self.amount,
                xfer: xfer_ids(i).0,
                peer_chain: view.chains[self.to].id.clone(),
                beneficiary: a,
            };
            out.push(Submission { chain: self.from, op, client: "user" });
        }
        if !self.back {
            return;
        }
        for i in 0..self.next {
            if self.burned.contains(&i) || view.committed(self.to, "mint", &xfer_ids(i).0).is_none()
            {
                continue;
            }
            self.burned.insert(i);
            let a = self.account(i);
            let op = Operation::Burn {
                from: a.clone(),
                asset: self.asset.clone(),
                amount: self.amount,
                xfer: xfer_ids(i).1,
                peer_chain: view.chains[self.from].id.clone(),
                beneficiary: a,
            };
            out.push(Submission { chain: self.to, op, client: "user" });
        }
    }

    pub(super) fn next_due(&self) -> Option<Nanos> {
        (self.next < self.w.count).then(|| self.t0 + self.w.start_of(self.next))
    }

    /// Every transfer started and settled both ways (or one way without `back`).
    pub(super) fn done(&self, view: &View<'_>) -> bool {
        self.next == self.w.count
            && (0..self.w.count).all(|i| {
                let (out, back) = xfer_ids(i);
                view.committed(self.to, "mint", &out).is_some()
                    && (!self.back || view.committed(self.from, "release", &back).is_some())
            })
    }
}
