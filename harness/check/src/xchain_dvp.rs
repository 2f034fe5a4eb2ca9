//! Trace format 1.2: `xchain_atomicity` — the legs of a DvP pair (committed hashlocks sharing
//! a `dvp`, one per chain) are all claimed or all refunded, never one of each; a leg still
//! locked at the end of the trace leaves the pair stuck, a finding once its lock expired.

use std::collections::BTreeMap;

use crate::xchain::{BridgeOp, Commit};
use crate::xchain_judge::Judge;
use crate::xchain_report::DvpInfo;
use touchstone_spec::Property;

/// What became of one leg.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Leg {
    Claimed(usize, Commit),
    Refunded(usize, Commit),
    Locked,
}

/// Judges every pair; returns their states.
pub(crate) fn atomicity(j: &mut Judge<'_>, commits: &[Option<Commit>]) -> Vec<DvpInfo> {
    let x = j.x;
    // (chain, xfer) → the first committed claim or refund of that hashlock.
    let mut ends: BTreeMap<(usize, &str), (usize, Commit)> = BTreeMap::new();
    for (i, t) in x.txs.iter().enumerate() {
        if let (Some(c), BridgeOp::Claim | BridgeOp::Refund) = (commits[i], t.f.op) {
            let e = ends.entry((t.chain, t.f.xfer.as_str())).or_insert((i, c));
            if (c.1, c.2) < (e.1 .1, e.1 .2) {
                *e = (i, c);
            }
        }
    }
    let mut pairs: BTreeMap<&str, Vec<(usize, Leg)>> = BTreeMap::new();
    for (i, t) in x.txs.iter().enumerate() {
        let (Some(_), BridgeOp::Hashlock, Some(dvp)) = (commits[i], t.f.op, t.f.dvp.as_deref())
        else {
            continue;
        };
        let leg = match ends.get(&(t.chain, t.f.xfer.as_str())) {
            Some(&(e, c)) if x.txs[e].f.op == BridgeOp::Claim => Leg::Claimed(e, c),
            Some(&(e, c)) => Leg::Refunded(e, c),
            None => Leg::Locked,
        };
        pairs.entry(dvp).or_default().push((i, leg));
    }
    let mut out = Vec::new();
    for (dvp, legs) in pairs {
        let claimed = legs.iter().find(|(_, l)| matches!(l, Leg::Claimed(..)));
        let refunded = legs.iter().find(|(_, l)| matches!(l, Leg::Refunded(..)));
        let locked: Vec<usize> =
            legs.iter().filter(|(_, l)| *l == Leg::Locked).map(|&(i, _)| i).collect();
        let describe = |&(i, l): &(usize, Leg)| {
            let t = &x.txs[i];
            let s = match l {
                Leg::Claimed(..) => "claimed",
                Leg::Refunded(..) => "refunded",
                Leg::Locked => "locked",
            };
            format!("{}:{}={s}", j.chains[t.chain].id, t.f.xfer)
        };
        let names: Vec<String> = legs.iter().map(describe).collect();
        let state = if claimed.is_some() && refunded.is_some() {
            "broken"
        } else if !locked.is_empty() {
            "stuck"
        } else if claimed.is_some() {
            "settled"
        } else {
            "refunded"
        };
        let prop = Property::XchainAtomicity;
        if let (Some(&(ci, Leg::Claimed(ce, _))), Some(&(ri, Leg::Refunded(re, rc)))) =
            (claimed, refunded)
        {
            let (r, c) = (&x.txs[ri], &x.txs[ci]);
            let msg = format!(
                "DvP pair {dvp} is half settled: xfer {} on {} was claimed, xfer {} on {} refunded ({})",
                c.f.xfer,
                j.chains[c.chain].id,
                r.f.xfer,
                j.chains[r.chain].id,
                names.join(", ")
            );
            let lines = vec![
                r.submit_line,
                x.txs[re].submit_line,
                rc.2,
                c.submit_line,
                x.txs[ce].submit_line,
            ];
            j.add(prop, r.chain, rc, lines, msg);
        } else if let (1, Some(&(ci, Leg::Claimed(_, cc)))) = (legs.len(), claimed) {
            let c = &x.txs[ci];
            let msg = format!(
                "DvP pair {dvp} was claimed on {} but has no other leg",
                j.chains[c.chain].id
            );
            j.add(prop, c.chain, cc, vec![c.submit_line, cc.2], msg);
        }
        let expired: Vec<usize> = locked
            .iter()
            .copied()
            .filter(|&i| {
                let top = x.decided[x.txs[i].chain].keys().next_back().copied();
                x.txs[i].f.expires_height.is_some_and(|e| top.is_some_and(|top| top > e))
            })
            .collect();
        if let Some(&i) = expired.first() {
            let t = &x.txs[i];
            let c = commits[i].unwrap_or((None, 0, 0));
            let msg = format!(
                "DvP pair {dvp} is stuck: xfer {} on {} is still locked at the end of the trace, its lock expired after height {} ({})",
                t.f.xfer,
                j.chains[t.chain].id,
                t.f.expires_height.unwrap_or(0),
                names.join(", ")
            );
            j.add(prop, t.chain, c, vec![t.submit_line, c.2], msg);
        }
        // Settled: from the first leg locked to the last leg claimed.
        let latency_ns = (state == "settled")
            .then(|| {
                let locked = legs.iter().filter_map(|&(i, _)| commits[i]).map(|c| c.1).min()?;
                let claimed = legs
                    .iter()
                    .filter_map(|(_, l)| match l {
                        Leg::Claimed(_, c) => Some(c.1),
                        _ => None,
                    })
                    .max()?;
                claimed.checked_sub(locked)
            })
            .flatten();
        out.push(DvpInfo { dvp: dvp.to_string(), state: state.into(), legs: names, latency_ns });
    }
    out
}
