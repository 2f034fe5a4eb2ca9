//! The equivocating leader: casts no vote of its own, except that whenever it leads the next
//! view it builds two different valid blocks on the parent consensus just certified, and sends
//! each block with a notarize vote for it to one half of its peers. A quorum can form for at
//! most one of them (the honest peers each vote for the block they received), so safety holds,
//! while observers on each side record the leader's two different notarize votes for one view.

use super::verified_certificate;
use crate::app::mailbox::{Mailbox, Msg};
use crate::app::{Ctx, Digest, Scheme};
use crate::identity::{NodeName, Validators};
use commonware_codec::Encode as _;
use commonware_consensus::simplex::elector::{
    Config as _, Elector as _, RoundRobin, RoundRobinElector,
};
use commonware_consensus::simplex::types::{Activity, Notarize, Proposal, Vote};
use commonware_consensus::types::{Epoch, Round, View};
use commonware_consensus::Viewable as _;
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::Sha256;
use commonware_p2p::{Receiver, Recipients, Sender};
use std::collections::BTreeSet;
use tokio::sync::oneshot;

pub struct EquivocatingLeader<S> {
    scheme: Scheme,
    elector: RoundRobinElector<Scheme>,
    validators: Validators,
    me: NodeName,
    mailbox: Mailbox,
    votes: S,
    blocks: S,
    led: BTreeSet<u64>,
}

impl<S: Sender<PublicKey = PublicKey>> EquivocatingLeader<S> {
    pub fn new(
        scheme: Scheme,
        validators: Validators,
        me: NodeName,
        mailbox: Mailbox,
        votes: S,
        blocks: S,
    ) -> Self {
        let elector = RoundRobin::<Sha256>::default().build(validators.participants());
        EquivocatingLeader {
            scheme,
            elector,
            validators,
            me,
            mailbox,
            votes,
            blocks,
            led: BTreeSet::new(),
        }
    }

    /// Watches certificates: follows finalizations, and leads where it is elected.
    pub async fn run<R: Receiver<PublicKey = PublicKey>>(mut self, mut certificates: R) {
        while let Ok((_, msg)) = certificates.recv().await {
            let Some(a) = verified_certificate(&self.scheme, msg) else { continue };
            let parent = match &a {
                Activity::Notarization(n) => Some((n.view(), n.proposal.payload)),
                Activity::Finalization(f) => Some((f.view(), f.proposal.payload)),
                _ => None,
            };
            if !self.mailbox.send(Msg::Activity(Box::new(a))) {
                return;
            }
            if let Some((view, payload)) = parent {
                self.lead_after(view, payload).await;
            }
        }
    }

    /// If this node leads the view after `parent_view`, equivocates in it.
    async fn lead_after(&mut self, parent_view: View, parent: Digest) {
        let round = Round::new(Epoch::zero(), parent_view.next());
        let leader = self.elector.elect(round, ());
        let me = self.validators.key(self.me).clone();
        if self.validators.node_of_participant(leader) != Some(self.me)
            || !self.led.insert(round.view().get())
        {
            return;
        }
        let ctx = Ctx { round, leader: me, parent: (parent_view, parent) };
        let (tx, rx) = oneshot::channel();
        if !self.mailbox.send(Msg::BuildPair(ctx, tx)) {
            return;
        }
        let Ok(Some((a, b))) = rx.await else { return };
        let others: Vec<PublicKey> =
            self.validators.others(self.me).map(|n| self.validators.key(n).clone()).collect();
        let (half_a, half_b) = others.split_at(others.len() / 2);
        for (block, half) in [(a, half_a), (b, half_b)] {
            if half.is_empty() {
                continue;
            }
            let to = Recipients::Some(half.to_vec());
            self.blocks.send(to.clone(), block.bytes.clone(), true);
            let proposal = Proposal::new(round, parent_view, block.digest);
            if let Some(vote) = Notarize::<Scheme, Digest>::sign(&self.scheme, proposal) {
                self.votes.send(to, Vote::Notarize(vote).encode(), true);
            }
        }
        tracing::info!(view = round.view().get(), "equivocated: two blocks, one to each half");
    }
}
