//! The cross-chain measurements of a run, from what the engine booked (independent of the
//! checker): every settlement's source and destination commit times and final state, the
//! latency distribution, the transactions each settled one cost, the destinations'
//! rejections, and the supply on each side.
//!
//! A *settlement* is one crossing: with the relay, a transfer's way out (`lock` → `mint`) or
//! way back (`burn` → `release`); with hashed time-locks, a pair (both `hashlock`s → both
//! `claim`s). Its latency runs from the source commit (the lock or burn; a pair's first
//! hashlock) to the destination commit (the mint or release; a pair's last claim).

use crate::actor::ChainView;
use crate::chain::Book;
use crate::htlc::pair_ids;
use crate::relay::users::xfer_ids;
use crate::spec::{Mechanism, Shape, XScenario};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use touchstone_core::adapter::StateSnapshot;
use touchstone_core::ledger::ESCROW;
use touchstone_core::{Nanos, OutcomeStatus};

/// One settlement and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// The xfer (relay) or dvp pair id (hashed time-locks).
    pub id: String,
    /// `settled`, `refunded`, `stuck` (started, not final), `mixed` (one leg claimed, the
    /// other refunded: atomicity broken) or `not_started` (the source never committed).
    pub state: String,
    pub source_commit_ns: Option<Nanos>,
    pub dest_commit_ns: Option<Nanos>,
    pub latency_ns: Option<Nanos>,
}

/// A latency distribution (nearest-rank percentiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ns: Nanos,
    pub p90_ns: Nanos,
    pub p99_ns: Nanos,
    pub max_ns: Nanos,
}

impl Latency {
    pub fn of(mut v: Vec<Nanos>) -> Option<Latency> {
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Some(Latency {
            count: v.len() as u64,
            p50_ns: at(0.50),
            p90_ns: at(0.90),
            p99_ns: at(0.99),
            max_ns: v[v.len() - 1],
        })
    }
}

/// The cross-chain section of `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XReport {
    pub mechanism: String,
    pub workload: String,
    pub settlements: Vec<Settlement>,
    /// How many settlements ended in each state.
    pub states: BTreeMap<String, u64>,
    /// Source commit → destination commit, of the settled ones.
    pub latency: Option<Latency>,
    /// Transactions the mechanism's honest actors submitted (retries and refunds included),
    /// per settled settlement.
    pub txs_per_settled: Option<f64>,
    /// Transactions the mechanism's honest actors submitted, by operation.
    pub txs: BTreeMap<String, u64>,
    /// Rejections by chain and reason.
    pub rejections: BTreeMap<String, BTreeMap<String, u64>>,
    /// Committed mints and releases with no committed lock or burn of their xfer on the peer.
    pub unbacked: Vec<String>,
    /// Transfers minted, released, claimed or refunded more than once on one chain.
    pub settled_twice: Vec<String>,
    /// Each chain's supply and escrow holdings at the end (its first node's state).
    pub supply: BTreeMap<String, BTreeMap<String, u128>>,
    pub escrow: BTreeMap<String, BTreeMap<String, u128>>,
}

/// The report of a finished run.
pub(crate) fn measure(
    s: &XScenario,
    chains: &[ChainView],
    book: &Book,
    snapshots: &[StateSnapshot],
) -> XReport {
    let index = |id: &str| chains.iter().position(|c| c.id == id).unwrap_or(0);
    let at = |c: usize, op: &'static str, x: &str| {
        book.settled.get(&(c, op, x.to_string())).map(|v| v.1)
    };
    let w = &s.bridge.workload;
    let mut settlements = Vec::new();
    match (s.bridge.mechanism, &w.shape) {
        (Mechanism::Relay, Shape::XchainTransfer { from, to, back, .. }) => {
            let (a, b) = (index(from), index(to));
            for i in 0..w.count {
                let (out, home) = xfer_ids(i);
                settlements.push(crossing(&out, at(a, "lock", &out), at(b, "mint", &out)));
                if *back {
                    settlements.push(crossing(
                        &home,
                        at(b, "burn", &home),
                        at(a, "release", &home),
                    ));
                }
            }
        }
        (_, shape) => {
            let (a, b) = shape.chains();
            let (a, b) = (index(a), index(b));
            for i in 0..w.count {
                let (dvp, xa, xb) = pair_ids(i);
                settlements.push(pair(
                    dvp,
                    [(a, xa), (b, xb)].map(|(c, x)| Leg {
                        locked: at(c, "hashlock", &x),
                        claimed: at(c, "claim", &x),
                        refunded: at(c, "refund", &x),
                    }),
                ));
            }
        }
    }
    let mut states = BTreeMap::new();
    for st in &settlements {
        *states.entry(st.state.clone()).or_insert(0) += 1;
    }
    let latency = Latency::of(settlements.iter().filter_map(|s| s.latency_ns).collect());
    let honest = ["user", "relay", "initiator", "counterparty"];
    let mut txs: BTreeMap<String, u64> = BTreeMap::new();
    let mut counts: BTreeMap<(usize, &str, String), u64> = BTreeMap::new();
    for sent in book.sent.values() {
        if sent.op.bridge().is_some() && honest.contains(&sent.client) {
            *txs.entry(sent.op.name().to_string()).or_default() += 1;
        }
        if let (Some(x), Some((OutcomeStatus::Committed { .. }, _))) =
            (crate::chain::xfer_of(&sent.op), sent.outcome)
        {
            *counts.entry((sent.chain, sent.op.name(), x.to_string())).or_default() += 1;
        }
    }
    let settled = states.get("settled").copied().unwrap_or(0);
    let total: u64 = txs.values().sum();
    let mut rejections: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for ((c, reason), n) in &book.rejected {
        rejections.entry(chains[*c].id.clone()).or_default().insert(reason.to_string(), *n);
    }
    let settled_twice = counts
        .iter()
        .filter(|((_, op, _), n)| **n > 1 && ["mint", "release", "claim", "refund"].contains(op))
        .map(|((c, op, x), n)| format!("{} {op} {x} ×{n}", chains[*c].id))
        .collect();
    let (supply, escrow) = holdings(chains, snapshots);
    XReport {
        mechanism: s.bridge.mechanism.as_str().into(),
        workload: w.shape.name().into(),
        settlements,
        states,
        latency,
        txs_per_settled: (settled > 0).then(|| total as f64 / settled as f64),
        txs,
        rejections,
        unbacked: unbacked(chains, book),
        settled_twice,
        supply,
        escrow,
    }
}

fn crossing(id: &str, source: Option<Nanos>, dest: Option<Nanos>) -> Settlement {
    let state = match (source, dest) {
        (Some(_), Some(_)) => "settled",
        (Some(_), None) => "stuck",
        (None, Some(_)) => "unbacked",
        (None, None) => "not_started",
    };
    Settlement {
        id: id.into(),
        state: state.into(),
        source_commit_ns: source,
        dest_commit_ns: dest,
        latency_ns: source.zip(dest).map(|(s, d)| d.saturating_sub(s)),
    }
}

struct Leg {
    locked: Option<Nanos>,
    claimed: Option<Nanos>,
    refunded: Option<Nanos>,
}

fn pair(id: String, [a, b]: [Leg; 2]) -> Settlement {
    let final_of = |l: &Leg| l.claimed.is_some() || l.refunded.is_some();
    let state = if a.claimed.is_some() && b.claimed.is_some() {
        "settled"
    } else if a.refunded.is_some() && (b.refunded.is_some() || b.locked.is_none()) {
        "refunded"
    } else if (a.claimed.is_some() && b.refunded.is_some())
        || (a.refunded.is_some() && b.claimed.is_some())
    {
        "mixed"
    } else if a.locked.is_none() {
        "not_started"
    } else {
        let _ = final_of;
        "stuck"
    };
    let source = a.locked;
    let dest = (state == "settled").then(|| a.claimed.max(b.claimed)).flatten();
    Settlement {
        id,
        state: state.into(),
        source_commit_ns: source,
        dest_commit_ns: dest,
        latency_ns: source.zip(dest).map(|(s, d)| d.saturating_sub(s)),
    }
}

/// Committed mints (releases) whose xfer has no committed lock (burn) on the peer chain.
fn unbacked(chains: &[ChainView], book: &Book) -> Vec<String> {
    let mut out = Vec::new();
    for sent in book.sent.values() {
        let Some((OutcomeStatus::Committed { .. }, _)) = sent.outcome else { continue };
        let (needs, peer, x) = match &sent.op {
            touchstone_core::Operation::Mint { peer_chain, xfer, .. } => ("lock", peer_chain, xfer),
            touchstone_core::Operation::Release { peer_chain, xfer, .. } => {
                ("burn", peer_chain, xfer)
            }
            _ => continue,
        };
        let backed = chains
            .iter()
            .position(|c| &c.id == peer)
            .is_some_and(|p| book.settled.contains_key(&(p, needs, x.clone())));
        if !backed {
            out.push(format!("{} {} {x}", chains[sent.chain].id, sent.op.name()));
        }
    }
    out
}

type Holdings = BTreeMap<String, BTreeMap<String, u128>>;

fn holdings(chains: &[ChainView], snapshots: &[StateSnapshot]) -> (Holdings, Holdings) {
    let mut supply = BTreeMap::new();
    let mut escrow = BTreeMap::new();
    for (c, sn) in chains.iter().zip(snapshots) {
        supply.insert(c.id.clone(), sn.supply.iter().cloned().collect());
        let e =
            sn.balances.iter().find(|(a, _)| a == ESCROW).map(|(_, h)| h.iter().cloned().collect());
        escrow.insert(c.id.clone(), e.unwrap_or_default());
    }
    (supply, escrow)
}
