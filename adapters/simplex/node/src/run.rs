//! Wiring: the runtime, the authenticated network, the application, the client endpoint, and
//! the honest engine or a Byzantine actor in its place.

use crate::app::mailbox::{Mailbox, Msg};
use crate::app::{App, Digest, Net, Params, Scheme};
use crate::byzantine;
use crate::client;
use crate::config::NodeConfig;
use crate::identity::{private_key, Validators};
use crate::ledger::GenesisFile;
use crate::wire::{channel, MAX_MESSAGE};
use anyhow::Context as _;
use bytes::Bytes;
use commonware_consensus::simplex::elector::RoundRobin;
use commonware_consensus::simplex::scheme::reporter::AttributableReporter;
use commonware_consensus::simplex::{self, Floor, ForwardPolicy, SkipBudget, SkipPolicy};
use commonware_consensus::types::{Epoch, ViewDelta};
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::{ChaCha20Poly1305, Sha256};
use commonware_p2p::authenticated::lookup;
use commonware_p2p::{Address, AddressableManager as _, Receiver};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{tokio as cw_tokio, Quota, Runner as _, Spawner, Supervisor as _};
use commonware_stream::cups::{self, Cups};
use commonware_stream::sake::{self, Sake};
use commonware_utils::ordered::Map;
use commonware_utils::{union, NZDuration, NZUsize, NZU16, NZU32};
use std::time::Duration;
use tokio::sync::mpsc;

/// Domain separation for every signature of this application.
const NAMESPACE: &[u8] = b"touchstone-simplex";

/// Starts the node and runs until the process is killed.
pub fn run(cfg: NodeConfig) -> anyhow::Result<()> {
    let (genesis, genesis_bytes) = GenesisFile::load(&cfg.genesis)?;
    std::fs::create_dir_all(&cfg.storage)
        .with_context(|| format!("cannot create storage directory {}", cfg.storage.display()))?;
    // The p2p listener panics inside the network when its port is taken; say it plainly first.
    drop(
        std::net::TcpListener::bind(cfg.listen)
            .with_context(|| format!("cannot listen for peers on {}", cfg.listen))?,
    );
    let runtime = cw_tokio::Config::new()
        .with_storage_directory(cfg.storage.join("consensus"))
        .with_worker_threads(2)
        .with_tcp_nodelay(Some(true));
    cw_tokio::Runner::new(runtime).start(|context| node(context, cfg, genesis, genesis_bytes))
}

async fn node(
    context: cw_tokio::Context,
    cfg: NodeConfig,
    genesis: GenesisFile,
    genesis_bytes: Vec<u8>,
) -> anyhow::Result<()> {
    let n = cfg.validators();
    let validators = Validators::new(n);
    let signer = private_key(cfg.me);

    // The authenticated network: every validator at the address this node dials it at.
    let handshake = Cups::<_, ChaCha20Poly1305>::new(
        Sake {
            signer: signer.clone(),
            synchrony_bound: Duration::from_secs(5),
            max_handshake_age: Duration::from_secs(10),
            version: sake::Version::V1,
        },
        cups::Version::V1,
    );
    let mut p2p = lookup::Config::local(
        handshake,
        &union(NAMESPACE, b"_P2P"),
        cfg.listen,
        NZUsize!(n.max(1)),
        MAX_MESSAGE,
        NZUsize!(4096),
    );
    // A peer blocked for a bad signature may reconnect after a minute, not an hour.
    p2p.block_duration = Duration::from_secs(60);
    p2p.peer_connection_cooldown = Duration::from_millis(250);
    p2p.dial_frequency = Duration::from_millis(200);
    // One validator set for the whole run (each channel's inbound mailbox is sized by
    // peers × tracked sets × the channel's burst).
    p2p.tracked_peer_sets = NZUsize!(1);
    let (mut network, mut oracle) = lookup::Network::new(context.child("network"), p2p);
    let peers: Vec<(PublicKey, Address)> = (0..n)
        .map(|i| {
            let name = crate::identity::NodeName::new(i);
            (validators.key(name).clone(), Address::Symmetric(cfg.addresses[i]))
        })
        .collect();
    oracle.track(0, Map::try_from(peers).context("validator keys are distinct")?);
    // Per-peer rates, far above what a few hundred views per second need (a view costs each
    // peer about three votes, a certificate or two and one block).
    let busy = Quota::per_second(NZU32!(5_000));
    let quiet = Quota::per_second(NZU32!(1_000));
    let votes = network.register(channel::VOTES, busy);
    let certificates = network.register(channel::CERTIFICATES, busy);
    let resolver = network.register(channel::RESOLVER, quiet);
    let (blocks_tx, blocks_rx) = network.register(channel::BLOCKS, busy);
    let (fetch_tx, fetch_rx) = network.register(channel::FETCH, quiet);
    let (txs_tx, txs_rx) = network.register(channel::TXS, busy);

    // The application.
    let params = Params {
        me: cfg.me,
        validators: validators.clone(),
        genesis,
        genesis_bytes,
        storage: cfg.storage.clone(),
        trace: cfg.trace.clone(),
        max_block_txs: cfg.max_block_txs,
        tx_ttl_heights: cfg.tx_ttl_heights,
        mode: cfg.byzantine,
    };
    let genesis_digest = params.genesis_digest();
    let net = Net { blocks: blocks_tx.clone(), txs: txs_tx, fetch: fetch_tx };
    let app = App::new(params, net)?;
    let (app_tx, app_rx) = mpsc::unbounded_channel();
    let (calls_tx, calls_rx) = mpsc::unbounded_channel();
    let mailbox = Mailbox::new(app_tx);
    forward(&context, blocks_rx, mailbox.clone(), Msg::Block);
    forward(&context, fetch_rx, mailbox.clone(), Msg::Fetch);
    forward(&context, txs_rx, mailbox.clone(), Msg::Txs);
    context.child("application").spawn(move |_| app.run(app_rx, calls_rx));

    let listener = tokio::net::TcpListener::bind(cfg.client)
        .await
        .with_context(|| format!("cannot listen for clients on {}", cfg.client))?;
    tokio::spawn(client::serve(listener, calls_tx));
    network.start();

    let scheme =
        Scheme::signer(&union(NAMESPACE, b"_CONSENSUS"), validators.participants().clone(), signer)
            .context("this node's key is not in the validator set")?;
    match cfg.byzantine {
        None => {
            // Peers' votes and conflict evidence are verified before the application sees
            // them (the engine reports them unverified; certificates are always verified).
            let reporter = AttributableReporter::new(
                context.child("reporter_rng"),
                scheme.clone(),
                mailbox.clone(),
                Sequential,
                true,
            );
            let engine_cfg = simplex::Config {
                scheme,
                elector: RoundRobin::<Sha256>::default(),
                blocker: oracle,
                automaton: mailbox.clone(),
                relay: mailbox,
                reporter,
                partition: String::from("simplex"),
                mailbox_size: NZUsize!(1024),
                epoch: Epoch::zero(),
                floor: Floor::<Scheme, Digest>::Genesis(genesis_digest),
                replay_buffer: NZUsize!(1 << 20),
                write_buffer: NZUsize!(1 << 20),
                leader_timeout: cfg.leader_timeout,
                certification_timeout: cfg.leader_timeout * 2,
                // How often a stuck view's nullify vote is sent again. Votes sent while peers
                // are (re)connecting are lost; after every validator restarted at once, 10 s
                // here meant 10 s without progress.
                timeout_retry: Duration::from_secs(2).max(cfg.leader_timeout * 2),
                fetch_timeout: NZDuration!(Duration::from_secs(1)),
                fetch_retry_delay: Duration::from_millis(100),
                view_retention: ViewDelta::new(10),
                skip: SkipPolicy::Enabled {
                    timeout: Duration::from_secs(11).max(cfg.leader_timeout * 4),
                    budget: SkipBudget::Participants,
                },
                page_cache: CacheRef::new(NZU16!(16_384), NZUsize!(10_000)),
                strategy: Sequential,
                forward: ForwardPolicy::SilentVoters,
                track_historical_votes: true,
            };
            let engine = simplex::Engine::new(context.child("engine"), engine_cfg);
            engine.start(votes, certificates, resolver);
        }
        Some(mode) => {
            byzantine::start(
                &context,
                mode,
                byzantine::Channels { votes, certificates, resolver, blocks: blocks_tx },
                scheme,
                mailbox,
                validators,
                cfg.me,
            );
        }
    }
    tracing::info!(node = %cfg.me, client = %cfg.client, p2p = %cfg.listen, mode = cfg.byzantine.map_or("honest", |m| m.name()), "node running");
    std::future::pending::<()>().await;
    Ok(())
}

/// Hands everything a channel receives to the application.
fn forward<R>(
    context: &cw_tokio::Context,
    mut rx: R,
    mailbox: Mailbox,
    wrap: fn(PublicKey, Bytes) -> Msg,
) where
    R: Receiver<PublicKey = PublicKey>,
{
    context.child("receiver").spawn(move |_| async move {
        while let Ok((from, buf)) = rx.recv().await {
            if !mailbox.send(wrap(from, Bytes::from(buf))) {
                break;
            }
        }
    });
}
