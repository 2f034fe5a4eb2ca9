//! The application: Touchstone's ledger behind commonware's `Automaton`, `Relay` and
//! `Reporter`, in one task that owns all state.
//!
//! - **Blocks** carry batches of transactions and name their parent and height
//!   ([`crate::block`]). The leader builds one on the parent consensus names (`propose`), its
//!   bytes go to every peer on the application's own blocks channel (`Relay::broadcast`), and a
//!   validator votes for it only once it holds it and its ancestry: `verify` checks the parent,
//!   view, proposer and height, and that every transaction applies on top of the pending
//!   ancestors ([`chain`], [`crate::ledger`]).
//! - **Finalization**: the reporter's finalization names a block; that block and every
//!   unapplied ancestor are applied in height order, logged to disk, and traced as
//!   `cons.decide` with the certificate's signers.
//! - **Fetching**: a block this node needs and does not hold (a proposal whose broadcast it
//!   missed, the ancestors of a finalization after a restart) is asked of one peer at a time on
//!   the fetch channel; the peer answers with it and its ancestors, checked by digest.
//!
//! Why our own channel rather than commonware's `marshal` (which offers broadcast, backfill and
//! ordered delivery): the equivocating-leader mode must choose which peers get which block, the
//! trace needs each block's height when its votes are reported, and marshal's application
//! wrappers are marked ALPHA in this release. The cost is [`fetch`], a few hundred lines.

mod activity;
mod calls;
pub mod chain;
mod consensus;
mod fetch;
pub mod mailbox;
pub mod mempool;
mod net;

use crate::block::{genesis_digest, Sealed, Tx};
use crate::client::Call;
use crate::config::ByzantineMode;
use crate::identity::{NodeName, Validators};
use crate::ledger::{GenesisFile, Ledger};
use crate::trace::{Exporter, VoteType};
use chain::Chain;
use commonware_consensus::simplex::scheme::ed25519;
use commonware_consensus::simplex::types::{Activity, Context};
use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::Sender;
use fetch::Fetcher;
use mailbox::Msg;
use mempool::Mempool;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

pub use commonware_cryptography::sha256::Digest;

/// The signing scheme: ed25519, whose certificates carry a signer bitmap.
pub type Scheme = ed25519::Scheme;
/// What consensus hands the application with each request.
pub type Ctx = Context<Digest, PublicKey>;
/// What the engine reports.
pub type Act = Activity<Scheme, Digest>;

/// How often the application wakes up without a message (retries, time-outs, gossip).
const TICK: Duration = Duration::from_millis(20);
/// Pending blocks beyond which a node still fetching a finalized chain is "far behind".
const CATCH_UP_PENDING: usize = 256;

/// What the application needs to start.
#[derive(Debug, Clone)]
pub struct Params {
    pub me: NodeName,
    pub validators: Validators,
    pub genesis: GenesisFile,
    /// The genesis file's canonical bytes (hashed into the genesis digest).
    pub genesis_bytes: Vec<u8>,
    pub storage: PathBuf,
    pub trace: PathBuf,
    pub max_block_txs: usize,
    pub tx_ttl_heights: u64,
    pub mode: Option<ByzantineMode>,
}

impl Params {
    pub fn genesis_digest(&self) -> Digest {
        genesis_digest(&self.genesis_bytes)
    }
}

/// The application's senders on its three channels.
#[derive(Debug, Clone)]
pub struct Net<S> {
    pub blocks: S,
    pub txs: S,
    pub fetch: S,
}

/// Why the application cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Trace(#[from] crate::trace::TraceError),
    #[error("finalized-block log {path}: {source}")]
    Log { path: String, source: std::io::Error },
    #[error("finalized-block log {path}: record {index} is not the next block: {message}")]
    Corrupt { path: String, index: usize, message: String },
}

struct PendingVerify {
    ctx: Ctx,
    digest: Digest,
    answer: oneshot::Sender<bool>,
    since: Instant,
}

struct PendingPropose {
    ctx: Ctx,
    answer: oneshot::Sender<Digest>,
}

/// A vote whose block height is not known yet.
struct PendingVote {
    node: NodeName,
    vtype: VoteType,
    view: u64,
    parent_view: u64,
    block: Digest,
    since: Instant,
}

/// The application task's state.
pub struct App<S> {
    p: Params,
    ledger: Ledger,
    chain: Chain,
    mempool: Mempool,
    exporter: Exporter,
    outcomes: Vec<calls::Outcome>,
    verifies: Vec<PendingVerify>,
    proposals: Vec<PendingPropose>,
    /// Highest finalization seen and not yet applied: (view, block).
    target: Option<(u64, Digest)>,
    /// Signers of finalization certificates, by block, until the block is applied.
    certs: HashMap<Digest, Vec<NodeName>>,
    votes: Vec<PendingVote>,
    /// Height of the known blocks proposed in each view.
    view_heights: BTreeMap<u64, u64>,
    max_view: u64,
    fetcher: Fetcher,
    gossip: Vec<Tx>,
    net: Net<S>,
    boot_unix_ns: u64,
    dirty: bool,
    /// When the pending transactions were last sent to every peer again.
    regossiped: Instant,
}

impl<S: Sender<PublicKey = PublicKey>> App<S> {
    /// Opens the trace and the finalized-block log and replays the log into the ledger.
    pub fn new(p: Params, net: Net<S>) -> Result<App<S>, StartError> {
        let exporter = Exporter::open(&p.trace, p.me)?;
        let log_path = p.storage.join("app").join("finalized.log");
        let path = log_path.display().to_string();
        let (chain, logged, pending) = Chain::open(&log_path, p.genesis_digest())
            .map_err(|source| StartError::Log { path: path.clone(), source })?;
        let ledger = Ledger::new(&p.genesis, p.me.index());
        let peers: Vec<NodeName> = p.validators.others(p.me).collect();
        let mut app = App {
            ledger,
            chain,
            mempool: Mempool::default(),
            exporter,
            outcomes: Vec::new(),
            verifies: Vec::new(),
            proposals: Vec::new(),
            target: None,
            certs: HashMap::new(),
            votes: Vec::new(),
            view_heights: BTreeMap::new(),
            max_view: 0,
            fetcher: Fetcher::new(peers),
            gossip: Vec::new(),
            net,
            boot_unix_ns: crate::trace::now_unix_ns(),
            dirty: false,
            regossiped: Instant::now(),
            p,
        };
        for (index, bytes) in logged.into_iter().enumerate() {
            let corrupt =
                |message: String| StartError::Corrupt { path: path.clone(), index, message };
            let b = Sealed::decode(bytes).map_err(|e| corrupt(e.to_string()))?;
            let (tip_h, tip) = app.chain.tip();
            if b.parent != tip || b.height() != tip_h + 1 {
                return Err(corrupt(format!(
                    "height {} does not extend height {tip_h}",
                    b.height()
                )));
            }
            app.replay(Arc::new(b));
        }
        // Blocks this node voted for or proposed and that were not finalized yet: consensus
        // may build on them once it restarts (a torn or stale record is skipped).
        let mut restored = 0;
        for bytes in pending {
            if let Ok(b) = Sealed::decode(bytes) {
                let b = Arc::new(b);
                app.learned(&b);
                app.chain.restore_pending(b);
                restored += 1;
            }
        }
        tracing::info!(height = app.ledger.height(), app_hash = %app.ledger.app_hash(), pending = restored, "ledger restored");
        Ok(app)
    }

    /// Runs until the engine and every client are gone.
    pub async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Msg>,
        mut calls: mpsc::UnboundedReceiver<Call>,
    ) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                m = rx.recv() => match m {
                    Some(m) => self.on_msg(m),
                    None => break,
                },
                Some(c) = calls.recv() => self.on_call(c),
                _ = tick.tick() => self.on_tick(),
            }
            for _ in 0..1024 {
                match rx.try_recv() {
                    Ok(m) => self.on_msg(m),
                    Err(_) => break,
                }
            }
            if self.dirty {
                self.dirty = false;
                self.progress();
            }
            self.flush_gossip();
            self.exporter.flush();
        }
        self.exporter.flush();
    }

    fn on_msg(&mut self, m: Msg) {
        match m {
            Msg::Propose(ctx, answer) => {
                self.proposals.push(PendingPropose { ctx, answer });
                self.dirty = true;
            }
            Msg::Verify(ctx, digest, answer) => {
                self.verifies.push(PendingVerify { ctx, digest, answer, since: Instant::now() });
                self.dirty = true;
            }
            Msg::Broadcast(digest, plan) => self.on_broadcast(digest, plan),
            Msg::Activity(a) => self.on_activity(*a),
            Msg::Block(from, bytes) => self.on_block(from, bytes),
            Msg::Txs(_, bytes) => self.on_txs(&bytes),
            Msg::Fetch(from, bytes) => self.on_fetch(from, bytes),
            Msg::BuildPair(ctx, answer) => {
                let _ = answer.send(self.build_pair(&ctx));
            }
        }
    }

    fn on_tick(&mut self) {
        self.send_fetches();
        self.flush_votes();
        if self.regossiped.elapsed() >= net::REGOSSIP_EVERY {
            self.regossiped = Instant::now();
            self.regossip();
        }
        // Verifications waiting for a block may now be due a fetch.
        if !self.verifies.is_empty() {
            self.dirty = true;
        }
    }

    /// Re-examines everything that waits for a block.
    fn progress(&mut self) {
        let catching_up = self.try_finalize();
        if catching_up && self.chain.pending_len() > CATCH_UP_PENDING {
            // Far behind: current proposals build on blocks above the gap being fetched, so
            // each check would only walk the whole pending chain to find the same gap.
            self.send_fetches();
            return;
        }
        let verifies = std::mem::take(&mut self.verifies);
        for v in verifies {
            if let Some(v) = self.try_verify(v) {
                self.verifies.push(v);
            }
        }
        let proposals = std::mem::take(&mut self.proposals);
        for p in proposals {
            if let Some(p) = self.try_propose(p) {
                self.proposals.push(p);
            }
        }
        self.flush_votes();
        self.send_fetches();
    }

    /// A block became known (pending or finalized).
    fn learned(&mut self, b: &Sealed) {
        self.view_heights.insert(b.block.view, b.height());
        while self.view_heights.len() > 100_000 {
            self.view_heights.pop_first();
        }
        self.dirty = true;
    }
}
