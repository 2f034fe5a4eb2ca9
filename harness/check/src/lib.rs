//! # touchstone-check
//!
//! The consensus and ledger checker behind `touchstone check`: it reads any trace in the public
//! Touchstone trace format (`docs/trace-format.md`, version 1.1), whoever wrote it, and gives a
//! verdict on each of the format's 20 properties (see [`Property`]): pass, fail with findings
//! that name the nodes, height, round and evidence lines, or *not evaluated* with the reason. It
//! never says "pass" for what the trace does not let it check, and a trace without `run.end` is
//! reported as truncated, never as passed.
//!
//! A multi-chain trace (format 1.2: `run.start` declares `chains`, lines name their `chain`)
//! is checked per chain, every per-chain property on every chain, and across chains for the
//! four `xchain_*` properties; a single-chain trace leaves those four not evaluated.
//!
//! ```
//! use touchstone_check::{check_reader, CheckOptions, Verdict};
//!
//! let trace = r#"{"kind":"run.start","t_ns":0,"protocol":"tendermint","validators":[{"id":"n0","power":1},{"id":"n1","power":1},{"id":"n2","power":1},{"id":"n3","power":1}],"seed":7,"scenario":"demo","adapter":"sim"}
//! {"kind":"cons.propose","t_ns":1,"node":"n0","height":1,"round":0,"block":"B1"}
//! {"kind":"cons.decide","t_ns":2,"node":"n0","height":1,"round":0,"block":"B1","cert":{"signers":["n0","n1","n2"]}}
//! {"kind":"cons.decide","t_ns":3,"node":"n1","height":1,"round":0,"block":"B2","cert":{"signers":["n0","n1","n2"]}}
//! {"kind":"run.end","t_ns":4}
//! "#;
//! // `demo` is a scenario Touchstone can run on `sim`: findings come with the replay command.
//! let opts = CheckOptions {
//!     replay_scenarios: [("demo".to_string(), "scenarios/demo.toml".to_string())].into(),
//!     replay_adapters: vec!["sim".to_string()],
//!     ..CheckOptions::default()
//! };
//! let report = check_reader(trace.as_bytes(), "demo.jsonl", &opts).unwrap();
//! assert!(!report.passed());
//! assert_eq!(report.status, "failed");
//! let agreement = &report.properties[0];
//! assert_eq!((agreement.id.as_str(), agreement.verdict), ("agreement", Verdict::Fail));
//! assert_eq!(report.findings[0].nodes, ["n0", "n1"]);
//! let replay = "touchstone run scenarios/demo.toml --adapter sim --seed 7";
//! assert_eq!(report.replay.as_deref(), Some(replay));
//! println!("{}", report.render_text());
//! ```
//!
//! ## How it works
//! One pass, streaming. [`check_path`] reads (mapping a plain file a window at a time, or
//! inflating gzip), splits into lines and parses on a second thread, in a few bounded batches,
//! while the calling thread checks the batch before. `cons.vote`, `cons.decide`, `cons.propose`, `tx.submit` and `tx.result` lines in the
//! field order Touchstone's writer emits take a fixed-layout fast path that accepts only what
//! the general scanner would (anything else falls back to it, on the checking thread); the
//! general scanner validates each line as JSON and borrows its strings from the read buffer.
//! Node ids, tx ids, accounts and assets are interned to dense integers (node ids with a
//! direct-mapped cache in front; ids of a letter and a number by that number), a decision
//! listing the same txs as the one before reuses their ids, judged heights' buffers are
//! reused, and the ledger replay keeps what it updates per tx (balances, nonces, the tx's
//! record) in tables laid out by account and read ahead a block at a time. Per height the checker
//! keeps, while the height is *open*, its blocks, proposals, the first vote of each
//! (node, round, vtype) (equivocation evidence), vote tallies and decisions. A height is judged
//! and dropped once it is more than [`Limits::window_heights`] below the highest height decided
//! by a correct node, or at the end of the trace. Memory is therefore bounded by the open
//! heights × validators, plus the ledger indexes (tx ids and their submissions, balances, the
//! snapshots not yet reached) and a 24-byte fingerprint per decided height. Every input size is
//! bounded by [`Limits`]: identifiers and tx ids with a clear [`CheckError::LimitExceeded`],
//! the per-height ones by leaving that height unjudged (the report says which).
//!
//! ## Where the rules are
//! `docs/trace-format.md` defines every property and how it is judged, normatively, including
//! what version 1 left open (its *Resolutions in 1.1*): a decision's quorum from its cert alone
//! or from the votes traced before it; vote justification per protocol family
//! (Tendermint, PBFT, Simplex, Raft, HotStuff's locking rule); progress
//! while a quorum is up and connected; equivocation per view in view-based protocols; unknown
//! opening balances; observed chains; numbers out of range; truncated traces; per-height limits.
//!
//! ## Conventions where the spec leaves a choice
//! - **Roles**: findings about a node marked Byzantine anywhere in the trace are dropped; heights
//!   pruned from the window are judged with the roles known then, so roles should come first, as
//!   the harness writes them. Vote justification and progress judge a node as correct when its
//!   line is read.
//! - **Vote power** in a tally is taken from the set in force when the vote is read.
//! - **Genesis**: a trace with genesis records starts at the chain's genesis: every opening
//!   balance is known (zero unless a record funds it).
//! - **HotStuff**: a proposal without `justify` carries the certificate of its parent, formed in
//!   the parent's round; the parent of a height-1 block is genesis, certified in round 0.
//! - **Partitions**: a node a partition does not name is cut off from every group of it; a node
//!   under a `link` fault is not counted as connected.
//! - **Equivocation per view** is remembered while the first proposal or vote of that view is
//!   inside the window.
//! - **Bad input**: blank lines are bad lines. Unknown kinds need only `kind` and `t_ns`.
//!   A string is accepted for `amount`, `nonce` and snapshot amounts when it holds an integer.
//!
//! ## Determinism
//! Output depends only on the trace and options: findings are sorted by property (spec order),
//! height, round, nodes and lines; maps that reach output are ordered.

mod assemble;
mod books;
mod chains;
mod chains_report;
mod checker;
mod consensus;
mod decision;
mod dispatch;
mod error;
mod event;
mod fast;
mod fast_snapshot;
mod fast_tx;
mod faults;
mod finalize;
mod findings;
mod ground;
mod height;
mod horizon;
mod intern;
mod json;
mod justify;
mod ledger;
mod ledger_events;
mod lines;
mod live;
mod liveness;
mod mapped;
mod model;
mod options;
mod progress;
mod reader;
mod reasons;
mod report;
mod snapshots;
mod split;
pub mod synth;
mod table;
mod verdicts;
mod views;
mod xchain;
mod xchain_count;
mod xchain_dvp;
mod xchain_judge;
mod xchain_report;

use std::io::BufRead;
use std::path::Path;

pub use error::CheckError;
pub use live::{LiveChecker, LiveStatus};
pub use options::{
    CheckOptions, Limits, DEFAULT_LIVENESS_BOUND_NS, DEFAULT_PROGRESS_BOUND_NS,
    DEFAULT_SETTLEMENT_BOUND_NS, DEFAULT_TX_HORIZON, PROGRESS_TIMEOUTS,
};
pub use report::{
    BadLine, BadLines, ChainSummary, ChainVerdict, CheckReport, Equivocation, Finding, LedgerInfo,
    LivenessStats, ProgressGap, ProgressStall, ProgressStats, PropertyResult, QuorumInfo,
    TraceCompleteness, ValidatorInfo, Verdict,
};
pub use touchstone_spec::Property;
pub use xchain_report::{DvpInfo, TransferInfo, XchainInfo};

/// Checks a trace file: `.jsonl`, `.jsonl.gz` (gzip is recognised by its magic bytes whatever
/// the name), or `-` for standard input. The input is read (and inflated) by a second thread,
/// in bounded chunks, while this one checks.
pub fn check_path(path: &Path, opts: &CheckOptions) -> Result<CheckReport, CheckError> {
    let name = path.display().to_string();
    let mut c = chains::Demux::new(&name, opts);
    let sp = lines::Sink::splitter(&c);
    let check = |batches| {
        lines::feed_batches(batches, &mut c)?;
        c.finish()
    };
    if name == "-" {
        return reader::with_reader(std::io::stdin(), sp, check);
    }
    let file =
        std::fs::File::open(path).map_err(|e| CheckError::Io { path: name.clone(), source: e })?;
    reader::with_file(file, sp, check)
}

/// Checks a trace from a reader (gzip is recognised by its magic bytes). `source` names the
/// trace in errors and in the report.
pub fn check_reader<R: BufRead>(
    r: R,
    source: &str,
    opts: &CheckOptions,
) -> Result<CheckReport, CheckError> {
    let mut c = chains::Demux::new(source, opts);
    lines::feed(r, &mut c)?;
    c.finish()
}
