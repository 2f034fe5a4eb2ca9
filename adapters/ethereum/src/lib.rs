//! # touchstone-ethereum
//!
//! Touchstone's adapter for Ethereum JSON-RPC nodes (geth, Besu, Nethermind, anvil, most EVM
//! chains), tested against a real anvil. It proves the adapter contract on an asynchronous real
//! chain: submissions are answered at once, commits are observed later in blocks.
//!
//! - **Accounts**: the harness's `a0..aN` are keys derived from the run seed
//!   (`Seed::stream("ethereum/keys")`); `prepare` funds each from `funding_key` with the
//!   scenario's `initial_balance` plus a reserve for fees, and waits until that is mined.
//! - **Asset**: the chain's native coin, named `asset` (default `"ETH"`); scenario amounts and
//!   balances are in **wei**. Only transfers are supported (no issue or redeem).
//! - **Signing**: local secp256k1 (RFC 6979, low-s), hand-written RLP, legacy EIP-155 (default:
//!   a fixed gas price, which anvil never drops from its pool) or EIP-1559. Nonces are the
//!   adapter's, one counter per account; a transaction is signed when its batch is sent, so a
//!   refused one leaves no nonce gap.
//! - **Submission**: `submit` checks the transfer and queues it (answering *accepted*); sender
//!   threads (`send_workers`, default 2; account `i` belongs to thread `i % n`) sign and send
//!   `eth_sendRawTransaction` in JSON-RPC batches, at most one transaction per sender per batch
//!   (a node need not process a batch in order), so each sender's transactions arrive in nonce
//!   order. A node's refusal is a rejection outcome with a reason code (nonce too low →
//!   `BAD_NONCE`, already known → `DUPLICATE_TX`, insufficient funds → `INSUFFICIENT_BALANCE`,
//!   underpriced → `OTHER`, reverted → `OTHER` with the decoded reason in the disclosure's
//!   `node_messages`).
//! - **Threads**: the engine's thread never waits on the node: a poller thread reads blocks
//!   and receipts, and `advance` only drains a channel of what the threads observed (outcomes
//!   timed when observed), returning at the first outcome or at `until`. The queues are
//!   bounded (`queue_capacity` queued, `max_in_flight` tracked): when the node falls that far
//!   behind, `submit` waits, the generator lags, and the run's generator-lag figures say so.
//!   The threads stop in `shutdown` and on drop (also while a panic unwinds); a panicking or
//!   failing thread ends the run with its error.
//! - **Committed** means: included in a block of the node's chain, with `confirmations` blocks
//!   on top, its receipt read with status 1, observed at the time the adapter first saw that
//!   head (polling `eth_blockNumber` every `poll_interval` on the poller thread, receipts by
//!   `eth_getBlockReceipts`). A receipt with status
//!   0 is a rejection. One node, no BFT finality: `consensus_events` is false, so consensus
//!   properties show as *not evaluated*, never as passed.
//! - **Timeouts**: the engine declares a transaction `unknown` after the scenario's timeout; the
//!   adapter keeps tracking it, and a later commit is still reported (recorded as late).
//!   Every JSON-RPC call has a timeout (`http_timeout`).
//! - **State**: balances at the last block read, and its `stateRoot` as `app_hash`. Gas is
//!   accounted so the harness's ledger holds: *snapshot balance = initial + (on-chain balance
//!   now − on-chain balance after funding) + fees paid* (fees from receipts: gas used ×
//!   effective gas price), i.e. value moved only. No `supply` is reported: the node cannot tell
//!   the native supply, and fees burnt or paid to the block producer leave the harness's
//!   accounts, so any figure would make `conservation` misjudge.
//!
//! ## Configuration (`--adapter-config FILE`, TOML)
//! ```toml
//! managed = true              # start and own anvil on 127.0.0.1, on a free port
//! block_time = "1s"           # interval mining (whole seconds); omit for automine
//! block_gas_limit = 300000000
//! persist_state = true        # --state FILE --state-interval 1: the chain survives a crash
//! # endpoint = "http://127.0.0.1:8545"   # an external node instead (then funding_key is required)
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
//! the disclosure, and their transactions sent again). Submissions while the node is down are
//! rejected (`OTHER`, "node down"): they never reached it. Against an external endpoint: no
//! faults (all "not exercised"). Partition, link, clock skew and Byzantine faults: never.

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
mod workers;

pub use adapter::EthereumAdapter;
pub use config::Config;
pub use factory::{expected_txs, EthereumFactory};
