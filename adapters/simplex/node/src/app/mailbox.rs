//! How the engine and the network reach the application: every call becomes a message to the
//! application's single task, which owns all state.

use super::{Act, Ctx, Digest};
use bytes::Bytes;
use commonware_actor::Feedback;
use commonware_consensus::simplex::Plan;
use commonware_consensus::{Automaton, CertifiableAutomaton, Relay, Reporter};
use commonware_cryptography::ed25519::PublicKey;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

use crate::block::Sealed;

/// A message to the application task.
pub enum Msg {
    Propose(Ctx, oneshot::Sender<Digest>),
    Verify(Ctx, Digest, oneshot::Sender<bool>),
    Broadcast(Digest, Plan<PublicKey>),
    Activity(Box<Act>),
    /// Bytes from a peer on the blocks channel.
    Block(PublicKey, Bytes),
    /// Bytes from a peer on the transactions channel.
    Txs(PublicKey, Bytes),
    /// Bytes from a peer on the fetch channel.
    Fetch(PublicKey, Bytes),
    /// (Equivocating leader.) Build two different blocks on `ctx`'s parent.
    BuildPair(Ctx, oneshot::Sender<Option<(Arc<Sealed>, Arc<Sealed>)>>),
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Msg::Propose(..) => "Propose",
            Msg::Verify(..) => "Verify",
            Msg::Broadcast(..) => "Broadcast",
            Msg::Activity(..) => "Activity",
            Msg::Block(..) => "Block",
            Msg::Txs(..) => "Txs",
            Msg::Fetch(..) => "Fetch",
            Msg::BuildPair(..) => "BuildPair",
        };
        f.write_str(name)
    }
}

/// The application's address: the engine's automaton, relay and reporter.
#[derive(Clone, Debug)]
pub struct Mailbox {
    tx: mpsc::UnboundedSender<Msg>,
}

impl Mailbox {
    pub fn new(tx: mpsc::UnboundedSender<Msg>) -> Mailbox {
        Mailbox { tx }
    }

    /// Sends `m`; `false` once the application task has ended.
    pub fn send(&self, m: Msg) -> bool {
        self.tx.send(m).is_ok()
    }
}

impl Automaton for Mailbox {
    type Context = Ctx;
    type Digest = Digest;

    async fn propose(&mut self, context: Ctx) -> oneshot::Receiver<Digest> {
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Propose(context, tx));
        rx
    }

    async fn verify(&mut self, context: Ctx, payload: Digest) -> oneshot::Receiver<bool> {
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Verify(context, payload, tx));
        rx
    }
}

/// Certification keeps the default (always certify): a payload is verified before this node
/// votes for it, and the batch is applied only once finalized.
impl CertifiableAutomaton for Mailbox {}

impl Relay for Mailbox {
    type Digest = Digest;
    type PublicKey = PublicKey;
    type Plan = Plan<PublicKey>;

    fn broadcast(&mut self, payload: Digest, plan: Plan<PublicKey>) -> Feedback {
        if self.send(Msg::Broadcast(payload, plan)) {
            Feedback::Ok
        } else {
            Feedback::Closed
        }
    }
}

impl Reporter for Mailbox {
    type Activity = Act;

    fn report(&mut self, activity: Act) -> Feedback {
        if self.send(Msg::Activity(Box::new(activity))) {
            Feedback::Ok
        } else {
            Feedback::Closed
        }
    }
}
