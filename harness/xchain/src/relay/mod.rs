//! The relay mechanism: users lock (and later burn) on one chain, and a relay carries the
//! source chain's finality certificate of each such block to the other chain as a `mint` (or
//! `release`). The destination verifies the certificate, so a relay cannot mint what was not
//! locked (`lies.rs` tries).
//!
//! The relay watches the chains' finalized blocks (the `cons.decide` lines with their
//! certificates and transactions). What it persists is what a real relay persists: the last
//! height of each chain whose transfers it has submitted. A crash loses its queue; after the
//! restart it rescans from there, so nothing is left half-settled, and what it submits twice is
//! refused by the destination's replay protection (`REPLAYED_XFER`). A delivery not committed
//! after [`RETRY_AFTER`] is submitted again.

mod lies;
pub mod users;

use crate::actor::{Actor, ChainView, Submission, View};
use crate::spec::{BridgeFaults, XScenario};
use lies::Liar;
use std::collections::BTreeMap;
use touchstone_core::ledger::{Certified, Operation, Proof, ESCROW};
use touchstone_core::Nanos;
use users::Users;

/// A delivery not committed this long after it was submitted is submitted again.
pub const RETRY_AFTER: Nanos = 5_000_000_000;

/// Users, the relay and, when the scenario says so, the relay's lies.
#[derive(Debug)]
pub struct RelayBridge {
    users: Users,
    relay: Relay,
    liar: Option<Liar>,
}

impl RelayBridge {
    pub fn new(s: &XScenario, chains: &[ChainView], t0: Nanos) -> Self {
        RelayBridge {
            users: Users::new(s, chains, t0),
            relay: Relay::new(s, chains.len(), t0),
            liar: s.bridge.faults.byzantine.map(Liar::new),
        }
    }
}

impl Actor for RelayBridge {
    fn tick(&mut self, view: &View<'_>, out: &mut Vec<Submission>) {
        self.users.tick(view, out);
        let first = out.len();
        self.relay.tick(view, out);
        if let Some(liar) = &mut self.liar {
            let delivered: Vec<Submission> = out[first..].to_vec();
            if self.relay.up {
                liar.tick(view, &delivered, out);
            }
        }
    }

    fn next_due(&self) -> Option<Nanos> {
        [self.users.next_due(), self.relay.next_due()].into_iter().flatten().min()
    }

    fn done(&self, view: &View<'_>) -> bool {
        self.users.done(view)
            && self.relay.queue.is_empty()
            && self.liar.as_ref().is_none_or(|l| l.done())
    }
}

/// A transfer the relay has seen finalized and will deliver.
#[derive(Debug, Clone)]
struct Pending {
    due: Nanos,
    source: usize,
    height: u64,
    sub: Submission,
}

/// The honest relay.
#[derive(Debug)]
struct Relay {
    t0: Nanos,
    processing: Nanos,
    faults: BridgeFaults,
    up: bool,
    /// Persisted: per chain, the last height whose transfers were all submitted.
    persisted: Vec<u64>,
    /// Volatile: per chain, the last height looked at.
    scanned: Vec<u64>,
    queue: Vec<Pending>,
    /// Volatile: deliveries not yet seen committed, with when they were last submitted.
    watch: BTreeMap<(usize, String), (Nanos, Submission)>,
}

impl Relay {
    fn new(s: &XScenario, chains: usize, t0: Nanos) -> Self {
        Relay {
            t0,
            processing: s.bridge.processing,
            faults: s.bridge.faults.clone(),
            up: true,
            persisted: vec![0; chains],
            scanned: vec![0; chains],
            queue: Vec::new(),
            watch: BTreeMap::new(),
        }
    }

    fn tick(&mut self, view: &View<'_>, out: &mut Vec<Submission>) {
        let rel = view.now.saturating_sub(self.t0);
        if self.faults.down_at(rel) {
            if self.up {
                // A crash: everything not persisted is lost.
                self.up = false;
                self.queue.clear();
                self.watch.clear();
                self.scanned = self.persisted.clone();
            }
            return;
        }
        self.up = true;
        self.scan(view, rel);
        self.deliver(view, out);
        self.retry(view, out);
    }

    /// Every transfer in the blocks finalized since the last scan, queued for delivery.
    fn scan(&mut self, view: &View<'_>, rel: Nanos) {
        let due = view.now + self.processing + self.faults.delay_at(rel);
        for (c, chain) in view.chains.iter().enumerate() {
            for (&height, block) in chain.blocks.range(self.scanned[c] + 1..) {
                for tx in &block.txs {
                    let Some(sent) = view.sent.get(tx).filter(|s| s.chain == c) else { continue };
                    let Some(sub) = delivery(view, chain, block, &sent.op) else { continue };
                    self.queue.push(Pending { due, source: c, height, sub });
                }
            }
            self.scanned[c] = self.scanned[c].max(chain.height());
        }
    }

    /// What is due, submitted; the persisted heights move up to what is fully submitted.
    fn deliver(&mut self, view: &View<'_>, out: &mut Vec<Submission>) {
        let now = view.now;
        let (due, later): (Vec<Pending>, Vec<Pending>) =
            std::mem::take(&mut self.queue).into_iter().partition(|p| p.due <= now);
        self.queue = later;
        for p in due {
            if let Some(x) = crate::chain::xfer_of(&p.sub.op) {
                self.watch.insert((p.sub.chain, x.to_string()), (now, p.sub.clone()));
            }
            out.push(p.sub);
        }
        for c in 0..self.persisted.len() {
            let waiting = self.queue.iter().filter(|p| p.source == c).map(|p| p.height).min();
            self.persisted[c] = match waiting {
                Some(h) => h.saturating_sub(1),
                None => self.scanned[c],
            };
        }
    }

    /// Deliveries committed are forgotten; those still missing after [`RETRY_AFTER`] go again.
    fn retry(&mut self, view: &View<'_>, out: &mut Vec<Submission>) {
        let now = view.now;
        self.watch.retain(|(chain, xfer), (at, sub)| {
            if view.committed(*chain, sub.op.name(), xfer).is_some() {
                return false;
            }
            if now.saturating_sub(*at) >= RETRY_AFTER {
                *at = now;
                out.push(sub.clone());
            }
            true
        });
    }

    fn next_due(&self) -> Option<Nanos> {
        if !self.up {
            return self.faults.restart_at.map(|r| self.t0 + r);
        }
        self.queue.iter().map(|p| p.due).min()
    }
}

/// The mint (for a lock) or release (for a burn) that `op`, finalized in `block` of `chain`,
/// calls for on its peer chain, with the block's certificate as its proof.
fn delivery(
    view: &View<'_>,
    chain: &ChainView,
    block: &crate::actor::Block,
    op: &Operation,
) -> Option<Submission> {
    let (of, asset, amount, xfer, peer, beneficiary) = match op {
        Operation::Lock { asset, amount, xfer, peer_chain, beneficiary, .. } => {
            (Certified::Lock, asset, *amount, xfer, peer_chain, beneficiary)
        }
        Operation::Burn { asset, amount, xfer, peer_chain, beneficiary, .. } => {
            (Certified::Burn, asset, *amount, xfer, peer_chain, beneficiary)
        }
        _ => return None,
    };
    let dest = view.chain(peer)?;
    let proof = Box::new(Proof {
        chain: chain.id.clone(),
        height: block.height,
        block: block.block.clone(),
        signers: block.signers.clone(),
        xfer: xfer.clone(),
        of,
        asset: asset.clone(),
        amount,
        beneficiary: beneficiary.clone(),
    });
    let op = match of {
        Certified::Lock => Operation::Mint {
            to: beneficiary.clone(),
            asset: asset.clone(),
            amount,
            xfer: xfer.clone(),
            peer_chain: chain.id.clone(),
            proof,
        },
        Certified::Burn => Operation::Release {
            from: ESCROW.into(),
            to: beneficiary.clone(),
            asset: asset.clone(),
            amount,
            xfer: xfer.clone(),
            peer_chain: chain.id.clone(),
            proof,
        },
    };
    Some(Submission { chain: dest, op, client: "relay" })
}
