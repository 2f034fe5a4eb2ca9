//! # touchstone-check
//!
//! The consensus and ledger checker behind `touchstone check`: it reads any trace in the public
//! Touchstone trace format (docs/trace-format.md, version 1), whoever wrote it, and
//! gives a verdict on each of the format's 14 properties (see [`Property`]): pass, fail with
//! findings that name the nodes, height, round and evidence lines, or *not evaluated* with the
//! reason. It never says "pass" for what the trace does not let it check.
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
//! One pass, streaming. A hand-written scanner validates each line as JSON and borrows its
//! strings from the read buffer; `cons.vote`, `cons.decide` and `cons.propose` lines in the
//! field order Touchstone's writer emits take a fixed-layout fast path that accepts only what
//! the scanner would (anything else falls back to it). Node ids are interned to small integers
//! (with a direct-mapped cache in front), and judged heights' buffers are reused. Per height the checker
//! keeps, while the height is *open*, its blocks, proposals, the first vote of each
//! (node, round, vtype) (equivocation evidence), vote tallies and decisions. A height is judged
//! and dropped once it is more than [`Limits::window_heights`] below the highest height decided
//! by a correct node, or at the end of the trace. Memory is therefore bounded by the open
//! heights × validators, plus the ledger indexes (tx ids and their submissions, balances, the
//! snapshots not yet reached) and a 24-byte fingerprint per decided height. Every input size is
//! bounded by [`Limits`], with a clear [`CheckError::LimitExceeded`].
//!
//! ## Conventions where the spec is silent
//! - **Roles**: `node.role` is run-wide ground truth wherever it appears; findings about a node
//!   marked Byzantine anywhere in the trace are dropped. (Heights pruned from the window are
//!   judged with the roles known at that point, so roles should come first, as the harness writes them.)
//! - **Validator power** defaults to 1 when a validator entry has no `power`. `run.start`'s set is
//!   in force from height 0; a `valset.change` from its `height` on.
//! - **Quorum justification**: a decision is justified by its `cert` (distinct signers in the set)
//!   or by votes of a *deciding* type at the decision's height and round for its block:
//!   `precommit`, `commit`, `vote`, or a vote type not named in the spec. `prevote`, `prepare` and
//!   `request_vote` never justify a decision. A decision with neither cert nor any vote at its
//!   height is counted as unverifiable; if all are, `quorum` is not evaluated.
//! - **Equivocation**: two different votes in one (height, round, vtype), a nil vote against a
//!   block vote included, or two different proposals by one node in one (height, round). Byzantine
//!   equivocations are listed in [`CheckReport::equivocations`] (expected, not findings); a
//!   correct equivocator is a finding, and so is `evidence.detect` accusing a correct node the
//!   trace does not prove guilty.
//! - **Accountability**: the proven equivocators (anywhere in the trace) must hold at least 1/3 of
//!   the power of the set in force at the first height where agreement broke, for every protocol
//!   (the spec's f+1 of 3f+1). Without an agreement failure it passes; when agreement was not
//!   evaluated, neither is accountability.
//! - **Over budget**: Byzantine power ≥ 1/3 of a set in force (≥ 1/2 for `raft`). Then the
//!   safety properties (all but `liveness`, `equivocation`, `accountability`) are
//!   `expected_to_fail`, `accountability` is the only gate, and liveness is not evaluated.
//!   In budget, every property but `liveness` is a gate.
//! - **Liveness**: the window opens at the last `net.heal` or `fault.stop`, or at run start when
//!   there is none. Running correct validators (of the set in force at the highest decided height,
//!   not crashed or paused at the end; `restart` revives its targets) must each decide a height
//!   above any they decided before, within the bound. Not evaluated when over budget, with no
//!   `cons.decide`, while a partition/link fault is still active at the end, or when the trace
//!   ends before the bound elapsed for a node that has not decided yet.
//! - **App hashes** are compared per height among correct nodes, separately for `cons.decide`
//!   and `state.snapshot` (they may describe the state before or after the block).
//! - **Ledger replay**: the reference chain is, per height, the block decided first (in trace
//!   order) by a correct node. Genesis allocations are `tx.submit` `issue` (or any op) with a
//!   `tx.result` `committed` at `height: 0`; they are applied when that result is read (before
//!   height 1) and are exempt from `no_lost_tx`. Replayed ops: `transfer` (from, to, asset,
//!   amount), `issue` (to, asset, amount), `redeem` (from, asset, amount) — the harness writes
//!   its mint and burn as `issue` and `redeem`; other ops (`forced_transfer`, `recover`, ...)
//!   move a balance only if they carry from, to, asset and amount. A tx spending an already-used
//!   (from, nonce) or driving a balance negative is a `no_double_spend` finding. A tx appearing
//!   twice is applied once (the duplicate is a `no_phantom_tx` finding).
//! - **Batch legs** (extension written by the harness): a `tx.submit` may carry
//!   `"legs": [{"from": "a1", "to": "a2", "asset": "BOND", "amount": 10}, ...]` (each member
//!   required, `amount` a non-negative integer as for `amount`), normally with `"op": "batch"`:
//!   an atomic batch (DvP). When the tx is in the decided chain all its legs apply, in order,
//!   and nothing else of the tx moves balances (its `from`/`to`/`asset`, the first leg's, only
//!   key the nonce); when it is not (rejected), none does. A leg driving a balance negative is
//!   a `no_double_spend` finding naming the leg. A decided `batch` without `legs` cannot be
//!   replayed: `conservation` is then not evaluated.
//! - **Snapshots**: checked against the replay at their height (state after that height's block).
//!   Each listed `supply` must equal issued − redeemed and each listed balance the replayed one;
//!   a snapshot is *complete* when it lists every account/asset with a non-zero replayed balance,
//!   and then its balances must also sum to its supply. One finding per snapshot. If a decided tx
//!   lacks the details needed to replay it, `conservation` is not evaluated.
//! - **Lost txs**: a committed result whose height the decided chain never reached is not judged.
//! - **Bad input**: blank lines are bad lines. Unknown kinds need only `kind` and `t_ns`.
//!   A string is accepted for `amount`, `nonce` and snapshot amounts when it holds an integer.
//!
//! ## Determinism
//! Output depends only on the trace and options: findings are sorted by property (spec order),
//! height, round, nodes and lines; maps that reach output are ordered.

mod assemble;
mod checker;
mod consensus;
mod decision;
mod dispatch;
mod error;
mod event;
mod fast;
mod faults;
mod finalize;
mod findings;
mod ground;
mod height;
mod intern;
mod json;
mod justify;
mod ledger;
mod ledger_events;
mod lines;
mod liveness;
mod model;
mod options;
mod progress;
mod report;
mod snapshots;
pub mod synth;
mod verdicts;
mod views;

use std::io::{BufRead, BufReader};
use std::path::Path;

pub use error::CheckError;
pub use options::{
    CheckOptions, Limits, DEFAULT_LIVENESS_BOUND_NS, DEFAULT_PROGRESS_BOUND_NS, PROGRESS_TIMEOUTS,
};
pub use report::{
    BadLine, BadLines, CheckReport, Equivocation, Finding, LedgerInfo, LivenessStats, ProgressGap,
    ProgressStall, ProgressStats, PropertyResult, QuorumInfo, TraceCompleteness, ValidatorInfo,
    Verdict,
};
pub use touchstone_spec::Property;

/// Checks a trace file: `.jsonl`, `.jsonl.gz` (gzip is recognised by its magic bytes whatever
/// the name), or `-` for standard input.
pub fn check_path(path: &Path, opts: &CheckOptions) -> Result<CheckReport, CheckError> {
    let name = path.display().to_string();
    if name == "-" {
        let stdin = std::io::stdin();
        return check_reader(BufReader::with_capacity(1 << 20, stdin.lock()), "-", opts);
    }
    let file =
        std::fs::File::open(path).map_err(|e| CheckError::Io { path: name.clone(), source: e })?;
    check_reader(BufReader::with_capacity(1 << 17, file), &name, opts)
}

/// Checks a trace from a reader (gzip is recognised by its magic bytes). `source` names the
/// trace in errors and in the report.
pub fn check_reader<R: BufRead>(
    r: R,
    source: &str,
    opts: &CheckOptions,
) -> Result<CheckReport, CheckError> {
    let mut c = checker::Checker::new(source, opts);
    lines::feed(r, &mut c)?;
    c.finish()
}
