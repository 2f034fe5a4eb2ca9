//! Trace format 1.2: the counting side of the cross-chain properties — minted never above
//! locked, per asset and chain pair, at every commit (`xchain_conservation`), and one mint or
//! release per transfer, one claim or refund per hashlock (`xchain_no_double_mint`).

use std::collections::BTreeMap;

use crate::xchain::{BridgeOp, Commit};
use crate::xchain_judge::Judge;
use touchstone_spec::Property;

impl Judge<'_> {
    /// Replays the relay's operations in commit order, per (source chain, destination chain,
    /// asset): a lock adds to what is locked, a release takes from it; a mint adds to what
    /// is minted, a burn takes from it. After each mint and release, minted must not exceed
    /// locked. At one instant, locks and burns count before mints and releases.
    pub(crate) fn running_totals(&mut self, commits: &[Option<Commit>]) {
        let x = self.x;
        let mut events = Vec::new();
        for (i, t) in x.txs.iter().enumerate() {
            let Some(c) = commits[i] else { continue };
            let Some(peer) =
                t.f.peer.as_deref().and_then(|p| self.chains.iter().position(|v| v.id == p))
            else {
                continue;
            };
            let (pair, order) = match t.f.op {
                BridgeOp::Lock => ((t.chain, peer), 0),
                BridgeOp::Burn => ((peer, t.chain), 1),
                BridgeOp::Mint => ((peer, t.chain), 2),
                BridgeOp::Release => ((t.chain, peer), 3),
                _ => continue,
            };
            events.push((c.1, order, c.2, i, pair));
        }
        events.sort_unstable();
        let mut totals: BTreeMap<(usize, usize, &str), (i128, i128)> = BTreeMap::new();
        let mut reported: Vec<(usize, usize, &str)> = Vec::new();
        for (_, order, _, i, (src, dst)) in events {
            let t = &x.txs[i];
            let key = (src, dst, t.f.asset.as_str());
            let (locked, minted) = totals.entry(key).or_default();
            match order {
                0 => *locked += t.f.amount,
                1 => *minted -= t.f.amount,
                2 => *minted += t.f.amount,
                _ => *locked -= t.f.amount,
            }
            let (locked, minted) = (*locked, *minted);
            if order < 2 || minted <= locked || self.flagged.contains(&i) || reported.contains(&key)
            {
                continue;
            }
            reported.push(key);
            let c = commits[i].unwrap_or((None, 0, 0));
            let (s, d) = (&self.chains[src].id, &self.chains[dst].id);
            let msg = format!(
                "after the {} of xfer {} on {}, {minted} {} minted on {d} exceeds the {locked} locked on {s}",
                t.f.op.name(),
                t.f.xfer,
                self.chains[t.chain].id,
                t.f.asset
            );
            self.add(Property::XchainConservation, t.chain, c, vec![t.submit_line, c.2], msg);
        }
    }

    /// A second committed mint or release of one transfer, or a second claim or refund of one
    /// hashlock (on its chain), is a finding at the second.
    pub(crate) fn double_mints(&mut self, commits: &[Option<Commit>]) {
        let x = self.x;
        // (chain of a hashlock's end, or none for a transfer; xfer) → (t_ns, line, tx).
        type Seen<'x> = BTreeMap<(Option<usize>, &'x str), Vec<(u64, u64, usize)>>;
        let mut seen: Seen<'_> = BTreeMap::new();
        for (i, t) in x.txs.iter().enumerate() {
            let Some(c) = commits[i] else { continue };
            let key = match t.f.op {
                BridgeOp::Mint | BridgeOp::Release => (None, t.f.xfer.as_str()),
                BridgeOp::Claim | BridgeOp::Refund => (Some(t.chain), t.f.xfer.as_str()),
                _ => continue,
            };
            seen.entry(key).or_default().push((c.1, c.2, i));
        }
        for (_, mut v) in seen {
            v.sort_unstable();
            let Some(&(_, first_line, first)) = v.first() else { continue };
            for &(_, line, i) in &v[1..] {
                let (t, f) = (&x.txs[i], &x.txs[first]);
                let c = commits[i].unwrap_or((None, 0, 0));
                let what = if t.f.op.needs_proof() { "transfer" } else { "hashlock" };
                let msg = format!(
                    "{} of xfer {} on {} is the second for this {what}: the {} on {} (line {first_line}) came first",
                    t.f.op.name(),
                    t.f.xfer,
                    self.chains[t.chain].id,
                    f.f.op.name(),
                    self.chains[f.chain].id
                );
                let lines = vec![t.submit_line, line, first_line];
                self.add(Property::XchainNoDoubleMint, t.chain, c, lines, msg);
            }
        }
    }
}
