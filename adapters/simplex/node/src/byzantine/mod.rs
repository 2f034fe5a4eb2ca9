//! Byzantine behaviours, each run over the real network in place of the honest engine.
//!
//! The vote-level behaviours are commonware's own test actors (behind the consensus crate's
//! `mocks` feature): `Conflicter`, `Nuller`, `Outdated`, `Impersonator`, `NullifyOnly`. They
//! only use the vote channel. The equivocating leader is ours ([`equivocating_leader`]): the
//! engine's `Equivocator` mock hands its payloads to an in-process relay, which does not exist
//! between processes.
//!
//! Whatever the behaviour, the node keeps following the finalized chain: a follower reads the
//! certificate channel and hands verified finalizations to the application, which fetches and
//! applies the blocks, so the node's client endpoint (health, state) keeps answering.

mod equivocating_leader;

use crate::app::mailbox::{Mailbox, Msg};
use crate::app::{Digest, Scheme};
use crate::config::ByzantineMode;
use crate::identity::{NodeName, Validators};
use commonware_codec::Decode as _;
use commonware_consensus::simplex::mocks::{
    conflicter, impersonator, nuller, nullify_only, outdated,
};
use commonware_consensus::simplex::types::{Activity, Certificate};
use commonware_consensus::types::ViewDelta;
use commonware_cryptography::certificate::Verifier as _;
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::Sha256;
use commonware_p2p::{Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::{tokio as cw_tokio, Spawner, Supervisor as _};

/// The engine's three channels and the blocks channel.
pub struct Channels<S, R> {
    pub votes: (S, R),
    pub certificates: (S, R),
    pub resolver: (S, R),
    pub blocks: S,
}

/// Starts `mode` on the network.
pub fn start<S, R>(
    context: &cw_tokio::Context,
    mode: ByzantineMode,
    ch: Channels<S, R>,
    scheme: Scheme,
    mailbox: Mailbox,
    validators: Validators,
    me: NodeName,
) where
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    let ctx = || context.child("byzantine");
    drain(context, ch.resolver.1);
    let certificates = ch.certificates.1;
    match mode {
        ByzantineMode::Conflicter => {
            let cfg = conflicter::Config { scheme: scheme.clone() };
            conflicter::Conflicter::<_, Scheme, Sha256>::new(ctx(), cfg).start(ch.votes);
        }
        ByzantineMode::Nuller => {
            let cfg = nuller::Config { scheme: scheme.clone() };
            nuller::Nuller::<_, Scheme, Sha256>::new(ctx(), cfg).start(ch.votes);
        }
        ByzantineMode::Outdated => {
            let cfg = outdated::Config { scheme: scheme.clone(), view_delta: ViewDelta::new(3) };
            outdated::Outdated::<_, Scheme, Sha256>::new(ctx(), cfg).start(ch.votes);
        }
        ByzantineMode::Impersonator => {
            let cfg = impersonator::Config { scheme: scheme.clone() };
            impersonator::Impersonator::<_, Scheme, Sha256>::new(ctx(), cfg).start(ch.votes);
        }
        ByzantineMode::NullifyOnly => {
            let cfg = nullify_only::Config { scheme: scheme.clone() };
            nullify_only::NullifyOnly::<_, Scheme, Sha256>::new(ctx(), cfg).start(ch.votes);
        }
        ByzantineMode::Silent => drain(context, ch.votes.1),
        ByzantineMode::EquivocatingLeader => {
            drain(context, ch.votes.1);
            let leader = equivocating_leader::EquivocatingLeader::new(
                scheme, validators, me, mailbox, ch.votes.0, ch.blocks,
            );
            context.child("equivocator").spawn(move |_| leader.run(certificates));
            return;
        }
    }
    context.child("follower").spawn(move |_| follow(certificates, scheme, mailbox));
}

/// Reads certificates; hands verified finalizations (and notarizations) to the application.
async fn follow<R: Receiver<PublicKey = PublicKey>>(mut rx: R, scheme: Scheme, mailbox: Mailbox) {
    while let Ok((_, msg)) = rx.recv().await {
        if let Some(a) = verified_certificate(&scheme, msg) {
            if !mailbox.send(Msg::Activity(Box::new(a))) {
                break;
            }
        }
    }
}

/// A finalization or notarization that decodes and verifies, as the activity the engine would
/// report for it.
pub(crate) fn verified_certificate(
    scheme: &Scheme,
    msg: commonware_runtime::IoBuf,
) -> Option<Activity<Scheme, Digest>> {
    let cfg = scheme.certificate_codec_config();
    // Randomness only weighs the batch of signatures being verified.
    let mut rng = commonware_utils::rng::sys_rng();
    match Certificate::<Scheme, Digest>::decode_cfg(msg, &cfg).ok()? {
        Certificate::Finalization(f) if f.verify(&mut rng, scheme, &Sequential) => {
            Some(Activity::Finalization(f))
        }
        Certificate::Notarization(n) if n.verify(&mut rng, scheme, &Sequential) => {
            Some(Activity::Notarization(n))
        }
        _ => None,
    }
}

/// Keeps reading a channel nobody needs, so the network does not hold its messages.
fn drain<R: Receiver<PublicKey = PublicKey>>(context: &cw_tokio::Context, mut rx: R) {
    context.child("drain").spawn(move |_| async move { while rx.recv().await.is_ok() {} });
}
