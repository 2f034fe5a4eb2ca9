//! # touchstone-simplex: commonware Simplex validators, driven as real processes
//!
//! The first real BFT engine under test: `touchstone run SCENARIO --adapter simplex` starts N
//! `touchstone-simplex-node` processes (commonware's Simplex consensus, ed25519 certificates,
//! authenticated p2p, Touchstone's ledger — see `adapters/simplex/node/README.md`) on
//! 127.0.0.1, funds the scenario's accounts at genesis, submits the load through the nodes'
//! client endpoints, merges the trace every node exports into the run's trace, injects faults
//! into the processes, and reads their state. It never links commonware: the node is a
//! separate binary in a workspace of its own, built by `scripts/build-simplex-node.sh`.
//!
//! ```no_run
//! use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
//! use touchstone_core::{engine, trace::MemoryTrace, Seed};
//! use touchstone_simplex::{Config, SimplexAdapter};
//!
//! let s = ScenarioBuilder::new("demo", ScenarioKind::Payment)
//!     .protocol("simplex")
//!     .validators(4)
//!     .phase("load", 5_000_000_000, RateSpec::Constant { tps: 100.0 })
//!     .build();
//! // Fails with the build script's name when the node is not built.
//! let mut adapter = SimplexAdapter::new(&s, Config::default()).unwrap();
//! let mut trace = MemoryTrace::default();
//! let r = engine::run(&s, &mut adapter, Seed(1), &mut trace, Default::default()).unwrap();
//! assert!(r.metrics.measured.committed > 0);
//! ```
//!
//! ## The scenario
//! `[network] protocol = "simplex"` and `validators = N` (1–32, equal power). `timeout` is the
//! nodes' leader timeout and `block_size` their largest block (the adapter configuration may
//! override both). Byzantine validators come from `[[network.byzantine]]`, mapped onto the
//! node's modes — `silent` → `silent`, `double_vote` → `conflicter` (commonware's mock: a
//! second notarize and finalize vote for a random digest beside every real one), `equivocate`
//! → `equivocating-leader` (two different valid blocks to two halves of its peers); the other
//! behaviours have no Simplex mode and are refused before anything starts, as are lossy links
//! (TCP does not lose bytes) and `trace_messages`.
//!
//! ## Finality and outcomes
//! Each node reports every transaction of every block it applies. A transaction is
//! **committed** when every correct validator that is running has applied it (see
//! [`finality`]); **rejected** at admission by its entry node (the ledger's reason code),
//! when one correct validator reports it can never apply (nonce used, expired), or `OTHER` when
//! its entry node could not be reached. A sender's nonced transactions all enter one node.
//!
//! ## The trace
//! The nodes write `cons.propose`, `cons.vote` (`notarize`, `finalize`, `nullify`),
//! `cons.decide` (with the finalization certificate's signers) and `evidence.detect` lines
//! stamped with their wall clock; the adapter reads every file as it grows, rebases the times
//! to the run's clock and passes each vote or proposal on once however many nodes reported it
//! ([`merge`]). Byzantine validators are named by `node.role` lines. `round` is the view and
//! `height` the block's place in the finalized chain (trace format, resolution 10).
//!
//! ## Supported faults
//! crash (SIGKILL), restart (the same storage: the node resumes from its journal and fetches
//! what it missed), pause / resume (SIGSTOP / SIGCONT); through the network fault proxy
//! (`touchstone-netproxy`, one listener per directed link, see [`links`]): partition (the
//! links between groups cut until heal), heal, and link changes (delay, jitter, bandwidth).
//! The scenario's `[network.link]` model shapes every link from the start (its mean latency;
//! the distribution's spread is not applied). Clock skew and Byzantine behaviour switched on
//! mid-run are not offered. Whatever is not declared is reported "not exercised".
//!
//! ## Processes never outlive the run
//! Every node runs in its own process group and is killed (SIGKILL) by the adapter's
//! `shutdown`, by its `Drop` (also while a panic unwinds), and — on Linux — by the kernel when
//! the harness dies, through the parent-death signal ([`process`]).
//!
//! ## Configuration (`--adapter-config FILE`, TOML, every field optional)
//! ```toml
//! node = "/path/to/touchstone-simplex-node"   # else $TOUCHSTONE_SIMPLEX_NODE, else the build script's output
//! leader_timeout = "1s"        # default: the scenario's [network] timeout
//! max_block_txs = 2000         # default: the scenario's [network] block_size
//! tx_ttl_heights = 1000        # heights a transaction stays includable (node default)
//! startup_timeout = "60s"      # every endpoint must answer within this
//! live_timeout = "30s"         # wait this long for a first finalized height before the load
//! storage = "simplex-run"      # keep the nodes' storage here (default: a temporary directory)
//! log = "warn,touchstone_simplex_node=info"   # RUST_LOG of the nodes (logs: <storage>/n<i>.log)
//! proxy = true                 # links through the fault proxy (false: direct, no network faults)
//! [byzantine]                  # any of the node's modes, by validator
//! n3 = "nuller"                # conflicter nuller outdated impersonator nullify-only silent equivocating-leader
//! ```

mod adapter;
pub mod client;
mod cluster;
pub mod config;
mod factory;
mod faults;
pub mod finality;
mod info;
pub mod links;
pub mod merge;
pub mod modes;
pub mod process;
mod start;
pub mod tail;
mod workers;

pub use adapter::{SimplexAdapter, NAME};
pub use config::{Config, BUILT_NODE, NODE_ENV};
pub use factory::{check, SimplexFactory, MAX_VALIDATORS};
pub use modes::NodeMode;
