//! Proposing, verifying and applying finalized blocks.

use super::calls::Outcome;
use super::chain::Ancestry;
use super::{App, Digest, PendingPropose, PendingVerify};
use crate::block::{hex, Block, Sealed, MAX_BLOCK_BYTES};
use crate::trace::Event;
use commonware_consensus::simplex::Plan;
use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::{Recipients, Sender};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use touchstone_core::Reason;

/// How long a verification waits for the proposer's broadcast before fetching the block.
const BROADCAST_GRACE: Duration = Duration::from_millis(250);

impl<S: Sender<PublicKey = PublicKey>> App<S> {
    /// Applies everything up to the highest finalization seen, fetching what is missing.
    /// Whether blocks below the finalization are still missing.
    pub(super) fn try_finalize(&mut self) -> bool {
        let Some((_, target)) = self.target else { return false };
        if self.chain.height_of(&target).is_some_and(|h| h <= self.chain.tip().0) {
            self.target = None;
            return false;
        }
        match self.chain.ancestry(target) {
            Ancestry::Ready(path) => {
                // A block below the finalized one may have no finalization of its own (its
                // finalize votes fell short, e.g. cut by a partition): it is final because its
                // descendant's finalization extends it, and that certificate's signers are the
                // validators whose votes justify deciding it.
                let implied = self.certs.get(&target).cloned();
                for b in path {
                    let signers = self.certs.remove(&b.digest).or_else(|| implied.clone());
                    self.apply(b, signers);
                }
                self.target = None;
                false
            }
            Ancestry::Missing(d) => {
                self.fetcher.want(d, self.chain.tip().0);
                true
            }
            Ancestry::Conflict => {
                tracing::error!(block = %hex(&target), "a finalized block does not extend this node's finalized chain");
                self.target = None;
                false
            }
        }
    }

    /// Applies the child of the tip: ledger, log, trace, outcomes, mempool.
    fn apply(&mut self, b: Arc<Sealed>, signers: Option<Vec<crate::identity::NodeName>>) {
        let results = self.ledger.apply(&b.block);
        if let Err(e) = self.chain.finalize(b.clone()) {
            tracing::error!(error = %e, height = b.height(), "cannot log a finalized block");
        }
        let height = b.height();
        self.exporter.emit(&Event::Decide {
            height,
            view: b.block.view,
            block: b.digest,
            parent: b.parent,
            txs: b.tx_ids(),
            app_hash: self.ledger.app_hash(),
            signers,
        });
        self.learned(&b);
        let mut senders = BTreeSet::new();
        for ((id, r), tx) in results.into_iter().zip(&b.block.txs) {
            self.mempool.remove(id.0);
            self.outcomes.push(Outcome::new(id, height, r.err(), false));
            if let Some(s) = tx.op.from() {
                senders.insert(s.to_string());
            }
        }
        self.sweep(height, &senders);
    }

    /// A block taken back from the log at startup: the ledger and the committed outcomes.
    pub(super) fn replay(&mut self, b: Arc<Sealed>) {
        let results = self.ledger.apply(&b.block);
        self.chain.replayed(b.clone());
        self.learned(&b);
        for (id, r) in results {
            self.outcomes.push(Outcome::new(id, b.height(), r.err(), true));
        }
    }

    /// Rejects pending transactions that can never apply now that `height` is final: a nonce
    /// one of `senders` used up, or expiry.
    fn sweep(&mut self, height: u64, senders: &BTreeSet<String>) {
        let mut dead = Vec::new();
        for s in senders {
            for tx in self.mempool.of_sender(s) {
                if self.ledger.nonce_used(tx) {
                    dead.push((tx.id, Reason::BadNonce));
                }
            }
        }
        for (id, reason) in dead {
            self.mempool.remove(id);
            self.outcomes.push(Outcome::rejected(id, height, reason));
        }
        for tx in self.mempool.take_expired(height + 1) {
            let reason = self.ledger.expiry_reason(&tx);
            self.outcomes.push(Outcome::rejected(tx.id, height, reason));
        }
    }

    /// Answers a verification once the block and its ancestry are here; keeps it otherwise.
    pub(super) fn try_verify(&mut self, v: PendingVerify) -> Option<PendingVerify> {
        if v.answer.is_closed() {
            return None;
        }
        let Some(b) = self.chain.get(&v.digest) else {
            if v.since.elapsed() >= BROADCAST_GRACE {
                self.fetcher.want(v.digest, self.chain.tip().0);
            }
            return Some(v);
        };
        let verdict = match self.judge(&v, &b) {
            Judged::Pending => return Some(v),
            Judged::Valid => true,
            Judged::Invalid(why) => {
                tracing::warn!(view = v.ctx.round.view().get(), block = %hex(&v.digest), why, "proposal refused");
                false
            }
        };
        if verdict {
            // On disk before the vote: consensus may have to build on it after a restart.
            if let Err(e) = self.persist_with_ancestry(&b) {
                tracing::error!(error = %e, "cannot write a pending block: not voting for it");
                let _ = v.answer.send(false);
                return None;
            }
            if let Some(leader) = self.p.validators.node_of_key(&v.ctx.leader) {
                self.exporter.emit(&Event::Propose {
                    node: leader,
                    height: b.height(),
                    view: b.block.view,
                    block: b.digest,
                    parent: b.parent,
                    txs: b.tx_ids(),
                });
            }
        }
        let _ = v.answer.send(verdict);
        None
    }

    fn judge(&mut self, v: &PendingVerify, b: &Sealed) -> Judged {
        let view = v.ctx.round.view().get();
        if b.parent != v.ctx.parent.1 {
            return Judged::Invalid("parent differs from consensus's");
        }
        if b.block.view != view {
            return Judged::Invalid("view differs from the round's");
        }
        if self.p.validators.node_of_key(&v.ctx.leader).map(|n| n.to_string()).as_deref()
            != Some(b.block.proposer.as_str())
        {
            return Judged::Invalid("proposer is not the round's leader");
        }
        if b.block.txs.len() > self.p.max_block_txs {
            return Judged::Invalid("too many transactions");
        }
        if self.chain.finalized_at(b.height()) == Some(b.digest) {
            // Already on the finalized chain (a proposal replayed after a restart).
            return Judged::Valid;
        }
        match self.chain.ancestry(b.parent) {
            Ancestry::Missing(d) => {
                self.fetcher.want(d, self.chain.tip().0);
                Judged::Pending
            }
            Ancestry::Conflict => Judged::Invalid("parent is off the finalized chain"),
            Ancestry::Ready(path) => {
                if b.height() != self.chain.tip().0 + path.len() as u64 + 1 {
                    return Judged::Invalid("height is not the parent's + 1");
                }
                let ancestors: Vec<&Block> = path.iter().map(|p| &p.block).collect();
                match self.ledger.validate(&ancestors, &b.block) {
                    Ok(()) => Judged::Valid,
                    Err(_) => Judged::Invalid("a transaction does not apply"),
                }
            }
        }
    }

    /// Builds this node's proposal once the parent's ancestry is here.
    pub(super) fn try_propose(&mut self, p: PendingPropose) -> Option<PendingPropose> {
        if p.answer.is_closed() {
            return None;
        }
        match self.build(&p.ctx, 0, false) {
            Built::Missing => Some(p),
            Built::Never => None,
            Built::Block(b) => {
                if let Err(e) = self.persist_with_ancestry(&b) {
                    tracing::error!(error = %e, "cannot write a proposal: not proposing");
                    return None;
                }
                let _ = p.answer.send(b.digest);
                None
            }
        }
    }

    /// Writes `b` and its pending ancestors to the pending-block log (each once).
    fn persist_with_ancestry(&mut self, b: &Sealed) -> std::io::Result<()> {
        if let Ancestry::Ready(path) = self.chain.ancestry(b.parent) {
            for a in path {
                self.chain.persist(&a)?;
            }
        }
        self.chain.persist(b)
    }

    /// (Equivocating leader.) Two different blocks on `ctx`'s parent: all the batch, and the
    /// batch without its first half (or a salted empty block).
    /// Both are traced as this node's proposals: it signs a notarize vote for each.
    pub(super) fn build_pair(&mut self, ctx: &super::Ctx) -> Option<(Arc<Sealed>, Arc<Sealed>)> {
        let Built::Block(a) = self.build(ctx, 0, false) else { return None };
        let Built::Block(b) = self.build(ctx, 1, true) else { return None };
        for x in [&a, &b] {
            self.exporter.emit(&Event::Propose {
                node: self.p.me,
                height: x.height(),
                view: x.block.view,
                block: x.digest,
                parent: x.parent,
                txs: x.tx_ids(),
            });
        }
        Some((a, b))
    }

    fn build(&mut self, ctx: &super::Ctx, salt: u64, half: bool) -> Built {
        let parent = ctx.parent.1;
        let path = match self.chain.ancestry(parent) {
            Ancestry::Ready(path) => path,
            Ancestry::Missing(d) => {
                self.fetcher.want(d, self.chain.tip().0);
                return Built::Missing;
            }
            Ancestry::Conflict => return Built::Never,
        };
        let height = self.chain.tip().0 + path.len() as u64 + 1;
        let candidates: Vec<_> = self
            .mempool
            .candidates(4 * self.p.max_block_txs)
            .into_iter()
            .filter(|t| t.expires >= height)
            .collect();
        let ancestors: Vec<&Block> = path.iter().map(|p| &p.block).collect();
        let (max, ttl) = (self.p.max_block_txs, self.p.tx_ttl_heights);
        let mut txs = self.ledger.select(&ancestors, &candidates, height, max, ttl);
        if half {
            txs.drain(..txs.len().div_ceil(2));
        }
        let mut block = Block {
            height,
            view: ctx.round.view().get(),
            parent: hex(&parent),
            proposer: self.p.me.to_string(),
            txs,
            salt,
        };
        let mut sealed = Sealed::seal(block.clone());
        while sealed.bytes.len() > MAX_BLOCK_BYTES && !block.txs.is_empty() {
            block.txs.truncate(block.txs.len() / 2);
            sealed = Sealed::seal(block.clone());
        }
        let b = Arc::new(sealed);
        self.chain.insert_pending(b.clone());
        self.learned(&b);
        // Traced when this node's notarize vote for it is reported (`activity.rs`), not here:
        // the engine relays a leader's block before it journals its vote, so a block built just
        // before a crash may never be signed, and the restarted node then proposes another
        // one in the same view. Only a signed proposal is a proposal.
        Built::Block(b)
    }

    /// Sends a block as the engine asks: to everyone when proposing, to some when forwarding.
    pub(super) fn on_broadcast(&mut self, digest: Digest, plan: Plan<PublicKey>) {
        let recipients = match plan {
            Plan::Propose { .. } => Recipients::All,
            Plan::Forward { recipients, .. } => recipients,
            // This application never stages a handoff candidate.
            Plan::Prepare { .. } => return,
        };
        if let Some(b) = self.chain.get(&digest) {
            self.net.blocks.send(recipients, b.bytes.clone(), true);
        }
    }
}

enum Judged {
    Pending,
    Valid,
    Invalid(&'static str),
}

enum Built {
    Missing,
    Never,
    Block(Arc<Sealed>),
}
