//! Snapshots against the replay: each `state.snapshot` is checked when its height leaves the
//! window, against the state after that height's block.
//!
//! A value for a balance (or supply) whose opening value is unknown is taken as its value
//! then: it becomes known, and later snapshots are checked against it. A value beyond the
//! checker's numeric range is a `conservation` finding (no ledger holds it).

use std::collections::BTreeMap;

use crate::findings::{Findings, RawFinding};
use crate::ledger::{Ledger, Snap, OUT_OF_RANGE};
use crate::model::Model;
use touchstone_spec::Property;

impl Ledger {
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

    /// Issued − redeemed, plus the opening supply when it is known.
    fn expected_supply(&self, asset: u32) -> Option<i128> {
        let delta = self.issued.get(asset as usize).copied().unwrap_or(0)
            - self.redeemed.get(asset as usize).copied().unwrap_or(0);
        if self.genesis {
            return Some(delta);
        }
        self.supply_offset.get(&asset).map(|o| o + delta)
    }

    fn check_snapshot(&mut self, h: u64, s: &Snap, model: &Model, f: &mut Findings) {
        if model.is_byzantine(s.node) {
            return;
        }
        self.snapshots_checked += 1;
        let mut problems = Vec::new();
        for &(asset, v) in &s.supply {
            let name = self.assets.name(asset);
            if v == OUT_OF_RANGE {
                problems.push(format!("supply of {name} is beyond 10^36: no ledger holds it"));
                continue;
            }
            match self.expected_supply(asset) {
                Some(e) => {
                    self.values_compared += 1;
                    if v != e {
                        problems.push(format!("supply of {name} is {v}, issued - redeemed is {e}"));
                    }
                }
                None => {
                    let delta = self.expected_supply_delta(asset);
                    self.supply_offset.insert(asset, v - delta);
                }
            }
        }
        let mut listed_nonzero = 0;
        // Names are looked up for a problem only: a snapshot lists thousands of balances.
        for &(acct, asset, v) in &s.balances {
            if v == OUT_OF_RANGE {
                let (a, x) = (self.accounts.name(acct), self.assets.name(asset));
                problems.push(format!("balance of {a} in {x} is beyond 10^36: no ledger holds it"));
                continue;
            }
            if !self.known(acct, asset) {
                self.set_balance(acct, asset, v);
                continue;
            }
            let e = self.balance(acct, asset);
            if e != 0 {
                listed_nonzero += 1;
            }
            self.values_compared += 1;
            if v != e {
                let (a, x) = (self.accounts.name(acct), self.assets.name(asset));
                problems.push(format!("balance of {a} in {x} is {v}, replay gives {e}"));
            }
        }
        // A complete snapshot (every non-zero replayed balance listed, all known): balances
        // must sum to supply, per asset.
        let all_known = self.genesis && self.broken.is_empty();
        if all_known && listed_nonzero == self.nonzero_pairs && !s.balances.is_empty() {
            let mut sums: BTreeMap<u32, i128> = BTreeMap::new();
            for &(_, asset, v) in s.balances.iter().filter(|b| b.2 != OUT_OF_RANGE) {
                let e = sums.entry(asset).or_insert(0);
                *e = e.saturating_add(v);
            }
            for (asset, sum) in sums {
                let supply = s
                    .supply
                    .iter()
                    .find(|x| x.0 == asset && x.1 != OUT_OF_RANGE)
                    .map(|x| x.1)
                    .or_else(|| self.expected_supply(asset));
                if let Some(supply) = supply.filter(|&s| s != sum) {
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

    fn expected_supply_delta(&self, asset: u32) -> i128 {
        self.issued.get(asset as usize).copied().unwrap_or(0)
            - self.redeemed.get(asset as usize).copied().unwrap_or(0)
    }
}
