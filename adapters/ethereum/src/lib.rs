//! # touchstone-ethereum
//!
//! Touchstone's adapter for Ethereum JSON-RPC nodes (geth, Besu, Nethermind, anvil, most EVM
//! chains), tested against a real anvil. It proves the adapter contract on an asynchronous real
//! chain: submissions are answered at once, commits are observed later in blocks.
//!
//! - **Nodes**: every configured endpoint is one observed node (`endpoint`, or `endpoints` with
//!   node ids, all of one network); a managed anvil is `n0`. `n0` is the primary: it is funded
//!   and commits are judged on its chain.
//! - **Accounts**: the harness's `a0..aN` are keys derived from the run seed
//!   (`Seed::stream("ethereum/keys")`); `prepare` funds each from `funding_key` with the
//!   scenario's `initial_balance` plus a reserve for fees, and waits until that is mined. A
//!   restart that loses the funding (a crash within a state dump) has it sent again first.
//! - **Asset**: the chain's native coin, named `asset` (default `"ETH"`); scenario amounts and
//!   balances are in **wei**. Only transfers are supported (no issue or redeem).
//! - **Signing**: local secp256k1 (RFC 6979, low-s), hand-written RLP, legacy EIP-155 (default:
//!   a fixed gas price, which anvil never drops from its pool) or EIP-1559. Nonces are the
//!   adapter's, one counter per account. For the `payments` program the run's transfers are
//!   signed **before the clock starts** (`presign.rs`: the adapter draws the scenario's program
//!   with the run's seed, as the engine will); at send time the bytes are used when the request
//!   is the one drawn and the account's nonce the one signed, else the transfer is signed then.
//! - **Submission**: `submit` checks the transfer and queues it (answering *accepted*); sender
//!   threads (`send_workers`, default 2; account `i` belongs to thread `i % n`) send
//!   `eth_sendRawTransaction` in JSON-RPC batches to the account's endpoint, at most one
//!   transaction per account per batch (a node need not process a batch in order), so each
//!   account's transactions arrive in nonce order. A node's refusal is a rejection outcome with
//!   a reason code (nonce too low → `BAD_NONCE`, already known → `DUPLICATE_TX`, insufficient
//!   funds → `INSUFFICIENT_BALANCE`, underpriced → `OTHER`, reverted → `OTHER` with the decoded
//!   reason in the disclosure's `node_messages`).
//! - **Observation**: one thread per endpoint, woken by a WebSocket `newHeads` subscription
//!   where the node offers one (polling otherwise), reads new blocks with their transaction
//!   hashes and links each to its parent. Inclusion comes from the block, so the observer keeps
//!   up with what the chain includes. Status and fee come from the block for a 21,000-gas
//!   transfer to an account without code (the protocol fixes both), checked against a sample
//!   of receipts per block on threads of their own; or, with `receipts = "every"`, from each
//!   transaction's receipt.
//! - **Committed** means: included in a block of `n0`'s chain with `confirmations` blocks on
//!   top, status success, observed at the time the adapter read that block. Status 0 is a
//!   rejection.
//! - **Consensus trace**: each node's finalized chain as it reports it is written as its
//!   `cons.decide` lines (block, parent, the harness's txs in block order, `app_hash` =
//!   `stateRoot`) without a `cert` (trace format 1.1, resolution 11): chain, integrity,
//!   agreement across endpoints and the ledger properties are judged on a real chain, `quorum`
//!   is *not evaluated*. `consensus_events` stays false: no validator's votes are exported.
//! - **Threads**: the engine's thread never waits on the node: `advance` only drains a channel
//!   of what the threads observed (outcomes timed when observed), returning at the first
//!   outcome or at `until`. The queues are bounded (`queue_capacity` queued, `max_in_flight`
//!   tracked): when the node falls that far behind, `submit` waits, the generator lags, and the
//!   run's generator-lag figures say so. The threads stop in `shutdown` and on drop (also while
//!   a panic unwinds); a panicking or failing thread ends the run with its error.
//! - **Timeouts**: the engine declares a transaction `unknown` after the scenario's timeout; the
//!   adapter keeps tracking it, and a later commit is still reported (recorded as late).
//!   Every JSON-RPC call has a timeout (`http_timeout`).
//! - **State**: balances at `n0`'s last decided block, and its `stateRoot` as `app_hash`. Gas
//!   is accounted so the harness's ledger holds: *snapshot balance = initial + (on-chain
//!   balance now − on-chain balance after funding) + fees paid*, i.e. value moved only. No
//!   `supply` is reported: the node cannot tell the native supply, and fees burnt or paid to
//!   the block producer leave the harness's accounts, so any figure would make `conservation`
//!   misjudge.
//! - **Cost**: the process CPU of preparation and of the measured phases (per committed
//!   transaction) is disclosed in the system details (`harness_cpu_*`).
//!
//! ## Configuration (`--adapter-config FILE`, TOML)
//! ```toml
//! managed = true              # start and own anvil on 127.0.0.1, on a free port
//! block_time = "1s"           # interval mining (whole seconds); omit for automine
//! block_gas_limit = 300000000
//! persist_state = true        # --state FILE --state-interval 1: the chain survives a crash
//! # endpoint = "http://127.0.0.1:8545"   # an external node instead (then funding_key is required)
//! # endpoints = ["http://10.0.0.1:8545", { id = "b", url = "http://10.0.0.2:8545" }]
//! # funding_key = "0x…"       # default with managed: anvil's first dev account
//! # chain_id = 31337          # checked against eth_chainId
//! tx_type = "legacy"          # or "eip1559"
//! gas_price = "auto"          # 2 × eth_gasPrice at start; or wei; or "2gwei"
//! confirmations = 0
//! ```
//! Every field is described in `adapters/ethereum/README.md`; errors name the file and field.
//!
//! ```no_run
//! use touchstone_core::adapter::AdapterFactory;
//! use touchstone_core::scenario::{ScenarioBuilder, ScenarioKind, RateSpec};
//! let s = ScenarioBuilder::new("demo", ScenarioKind::Payment)
//!     .accounts(10)
//!     .with(|s| s.workload.assets[0].id = "ETH".into())
//!     .phase("load", 2_000_000_000, RateSpec::Constant { tps: 20.0 })
//!     .build();
//! let mut adapter = touchstone_ethereum::EthereumFactory.build(&s, None)?;
//! let mut trace = touchstone_core::trace::MemoryTrace::default();
//! let result = touchstone_core::engine::run(&s, adapter.as_mut(), touchstone_core::Seed(1), &mut trace, Default::default())?;
//! println!("{} committed", result.metrics.measured.committed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Faults
//! With a managed anvil: `pause`/`resume` of `n0` (mining stops: `evm_setAutomine(false)` and
//! `evm_setIntervalMining(0)`, then restored), `crash` (SIGKILL) and `restart` (same port, state
//! reloaded from the last periodic dump; transactions not yet in a block are sent again, same
//! bytes, so none is lost or applied twice; blocks mined after the last dump are lost, counted in
//! the disclosure, and their transactions sent again; a dump written while a block was mined
//! can hold that block's accounts but not the block, and its transactions, whose nonces the
//! reloaded state used, count as included at the reloaded head instead). Submissions while the
//! node is down are rejected (`OTHER`, "node down"): they never reached it. Against an external
//! endpoint: no faults (all "not exercised"). Partition, link, clock skew and Byzantine faults:
//! never.

mod adapter;
pub mod anvil;
mod chain;
pub mod config;
mod contract;
mod cpu;
pub mod errors;
mod factory;
mod fund;
mod heads;
pub mod keys;
mod names;
mod observe;
mod observer;
mod presign;
mod readback;
mod receipts;
pub mod rlp;
pub mod rpc;
mod send;
mod shared;
mod submit;
pub mod tx;
pub mod watch;
mod workers;

pub use adapter::EthereumAdapter;
pub use config::Config;
pub use factory::{expected_txs, EthereumFactory};
