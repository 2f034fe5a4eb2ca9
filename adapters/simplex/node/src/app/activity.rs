//! What the engine reports, as trace events and finalization targets.
//!
//! The engine is given an `AttributableReporter` that verifies every peer vote and conflict
//! before it reaches [`App::on_activity`] (see `run.rs`), so every line written here is backed
//! by a valid signature.

use super::{Act, App, PendingVote, Scheme};
use crate::identity::NodeName;
use crate::trace::{Event, VoteType};
use commonware_codec::{Encode, Read};
use commonware_consensus::simplex::types::{
    Activity, Attributable, Finalize, Notarize, Nullify, Proposal,
};
use commonware_consensus::Viewable;
use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::Sender;
use commonware_utils::Participant;
use std::time::{Duration, Instant};

use super::Digest;

/// How long a vote waits for its block before it is written with `height` = view.
const VOTE_HEIGHT_WAIT: Duration = Duration::from_secs(3);

impl<S: Sender<PublicKey = PublicKey>> App<S> {
    pub(super) fn on_activity(&mut self, a: Act) {
        self.max_view = self.max_view.max(a.view().get());
        match a {
            Activity::Notarize(n) => self.vote(n.signer(), VoteType::Notarize, &n.proposal),
            Activity::Finalize(f) => self.vote(f.signer(), VoteType::Finalize, &f.proposal),
            Activity::Nullify(n) => self.nullify(&n),
            Activity::Finalization(f) => {
                let mut signers: Vec<NodeName> =
                    f.certificate.signers.iter().filter_map(|p| self.node(p)).collect();
                signers.sort();
                let view = f.view().get();
                let block = f.proposal.payload;
                self.certs.insert(block, signers);
                if self.certs.len() > 10_000 {
                    // Certificates of blocks this node never sees; keep memory bounded.
                    self.certs.clear();
                }
                if self.target.is_none_or(|(v, _)| view > v) {
                    self.target = Some((view, block));
                }
                self.dirty = true;
            }
            Activity::Notarization(_) | Activity::Certification(_) | Activity::Nullification(_) => {
            }
            // Evidence, and the two votes it is made of as vote lines (so a checker that
            // compares votes sees them too).
            Activity::ConflictingNotarize(c) => {
                self.evidence(c.signer(), c.view().get(), "duplicate_vote", "conflicting_notarize");
                if let Some((a, b)) =
                    halves::<Notarize<Scheme, Digest>, Notarize<Scheme, Digest>>(&c)
                {
                    self.vote(a.signer(), VoteType::Notarize, &a.proposal);
                    self.vote(b.signer(), VoteType::Notarize, &b.proposal);
                }
            }
            Activity::ConflictingFinalize(c) => {
                self.evidence(c.signer(), c.view().get(), "duplicate_vote", "conflicting_finalize");
                if let Some((a, b)) =
                    halves::<Finalize<Scheme, Digest>, Finalize<Scheme, Digest>>(&c)
                {
                    self.vote(a.signer(), VoteType::Finalize, &a.proposal);
                    self.vote(b.signer(), VoteType::Finalize, &b.proposal);
                }
            }
            Activity::NullifyFinalize(c) => {
                self.evidence(
                    c.signer(),
                    c.view().get(),
                    "nullify_and_finalize",
                    "nullify_finalize",
                );
                if let Some((n, f)) = halves::<Nullify<Scheme>, Finalize<Scheme, Digest>>(&c) {
                    self.nullify(&n);
                    self.vote(f.signer(), VoteType::Finalize, &f.proposal);
                }
            }
        }
    }

    fn nullify(&mut self, n: &Nullify<Scheme>) {
        if let Some(node) = self.node(n.signer()) {
            let view = n.round.view().get();
            let ev =
                Event::Vote { node, vtype: VoteType::Nullify, height: view, view, block: None };
            self.exporter.emit(&ev);
        }
    }

    fn node(&self, p: Participant) -> Option<NodeName> {
        self.p.validators.node_of_participant(p)
    }

    fn evidence(&mut self, p: Participant, view: u64, etype: &'static str, detail: &'static str) {
        let Some(accused) = self.node(p) else { return };
        let height = self.view_heights.get(&view).copied().unwrap_or(view);
        self.exporter.emit(&Event::Evidence { etype, detail, accused, height, view });
    }

    fn vote(&mut self, p: Participant, vtype: VoteType, proposal: &Proposal<Digest>) {
        let Some(node) = self.node(p) else { return };
        if node == self.p.me && vtype == VoteType::Notarize {
            self.own_proposal(proposal);
        }
        let pv = PendingVote {
            node,
            vtype,
            view: proposal.round.view().get(),
            parent_view: proposal.parent.get(),
            block: proposal.payload,
            since: Instant::now(),
        };
        if let Some(h) = self.vote_height(&pv) {
            self.emit_vote(&pv, h);
        } else {
            self.votes.push(pv);
        }
    }

    /// This node's notarize vote for a block it built in that view is its signed proposal:
    /// traced now (see `consensus.rs`, `build`).
    fn own_proposal(&mut self, proposal: &Proposal<Digest>) {
        let view = proposal.round.view().get();
        let Some(b) = self.chain.get(&proposal.payload) else { return };
        if b.block.view != view || b.block.proposer != self.p.me.to_string() {
            return;
        }
        self.exporter.emit(&Event::Propose {
            node: self.p.me,
            height: b.height(),
            view,
            block: b.digest,
            parent: b.parent,
            txs: b.tx_ids(),
        });
    }

    /// The block's height if it is known, else one above the block known at the parent view.
    fn vote_height(&self, v: &PendingVote) -> Option<u64> {
        if let Some(h) = self.chain.height_of(&v.block) {
            return Some(h);
        }
        if v.parent_view == 0 {
            return Some(1);
        }
        self.view_heights.get(&v.parent_view).map(|h| h + 1)
    }

    fn emit_vote(&mut self, v: &PendingVote, height: u64) {
        self.exporter.emit(&Event::Vote {
            node: v.node,
            vtype: v.vtype,
            height,
            view: v.view,
            block: Some(v.block),
        });
    }

    /// Writes waiting votes whose height is now known, and those that waited too long (with
    /// `height` = view).
    pub(super) fn flush_votes(&mut self) {
        if self.votes.is_empty() {
            return;
        }
        let votes = std::mem::take(&mut self.votes);
        for v in votes {
            match self.vote_height(&v) {
                Some(h) => self.emit_vote(&v, h),
                None if v.since.elapsed() >= VOTE_HEIGHT_WAIT => self.emit_vote(&v, v.view),
                None => self.votes.push(v),
            }
        }
    }
}

/// The two votes a conflict activity holds (its fields are private; its encoding is the two
/// votes one after the other).
fn halves<A: Read<Cfg = ()>, B: Read<Cfg = ()>>(c: &impl Encode) -> Option<(A, B)> {
    let mut r = bytes::Bytes::copy_from_slice(c.encode().as_ref());
    let a = A::read_cfg(&mut r, &()).ok()?;
    let b = B::read_cfg(&mut r, &()).ok()?;
    Some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::digest_of;
    use crate::identity::{private_key, Validators};
    use commonware_consensus::simplex::types::ConflictingNotarize;
    use commonware_consensus::types::{Epoch, Round, View};

    #[test]
    fn a_conflict_splits_into_the_two_signed_votes_it_proves() {
        let v = Validators::new(4);
        let me = NodeName::new(2);
        let scheme = Scheme::signer(b"t", v.participants().clone(), private_key(me)).unwrap();
        let round = Round::new(Epoch::zero(), View::new(5));
        let vote = |payload: &[u8]| {
            let p = Proposal::new(round, View::new(4), digest_of(payload));
            Notarize::<Scheme, Digest>::sign(&scheme, p).unwrap()
        };
        let (a, b) = (vote(b"a"), vote(b"b"));
        let c = ConflictingNotarize::new(a.clone(), b.clone());
        let (x, y) = halves::<Notarize<Scheme, Digest>, Notarize<Scheme, Digest>>(&c).unwrap();
        assert_eq!((x, y), (a.clone(), b));
        assert_eq!(v.node_of_participant(a.signer()), Some(me));
    }
}
