//! A Byzantine relay, beside the honest one (which holds no Byzantine branch).
//!
//! - `forge`: with every delivery, also a mint of a transfer that was never locked
//!   (`forged-<k>`), citing the delivered block but certified by too few of the source's
//!   validators (one), or by a key that is not a validator's (`relay`), alternately. Signatures
//!   are validator names in this model, so a forger who wrote a quorum of names would not be
//!   caught; what a forger without the validators' keys can produce is one of these two.
//! - `replay`: every delivery, submitted once more after it was committed.
//!
//! The destination must refuse both (`BAD_PROOF`, `REPLAYED_XFER`): nothing is minted.

use crate::actor::{Submission, View};
use crate::spec::RelayLie;
use touchstone_core::ledger::Operation;

#[derive(Debug)]
pub(super) struct Liar {
    kind: RelayLie,
    forged: u64,
    /// Deliveries to replay once they are committed.
    to_replay: Vec<Submission>,
}

impl Liar {
    pub(super) fn new(kind: RelayLie) -> Self {
        Liar { kind, forged: 0, to_replay: Vec::new() }
    }

    /// `delivered`: what the honest relay submitted at this tick.
    pub(super) fn tick(
        &mut self,
        view: &View<'_>,
        delivered: &[Submission],
        out: &mut Vec<Submission>,
    ) {
        match self.kind {
            RelayLie::Forge => {
                for d in delivered {
                    if let Some(f) = self.forge(d) {
                        out.push(f);
                    }
                }
            }
            RelayLie::Replay => {
                self.to_replay.extend(delivered.iter().cloned());
                self.to_replay.retain(|d| {
                    let xfer = crate::chain::xfer_of(&d.op).unwrap_or_default();
                    if view.committed(d.chain, d.op.name(), xfer).is_none() {
                        return true;
                    }
                    out.push(Submission { client: "relay-replay", ..d.clone() });
                    false
                });
            }
        }
    }

    /// A mint like `d` (if it is one) of a transfer never locked, under a certificate no
    /// quorum signed.
    fn forge(&mut self, d: &Submission) -> Option<Submission> {
        let Operation::Mint { to, asset, amount, peer_chain, proof, .. } = &d.op else {
            return None;
        };
        let k = self.forged;
        self.forged += 1;
        let xfer = format!("forged-{k}");
        let signers = if k % 2 == 0 {
            proof.signers.iter().take(1).cloned().collect()
        } else {
            vec!["relay".to_string()]
        };
        let mut proof = proof.clone();
        proof.xfer = xfer.clone();
        proof.signers = signers;
        let op = Operation::Mint {
            to: to.clone(),
            asset: asset.clone(),
            amount: *amount,
            xfer,
            peer_chain: peer_chain.clone(),
            proof,
        };
        Some(Submission { chain: d.chain, op, client: "relay-forge" })
    }

    pub(super) fn done(&self) -> bool {
        self.to_replay.is_empty()
    }
}
