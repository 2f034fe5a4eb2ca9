//! The protocol's messages as the harness reads and writes them (docs/adapter-protocol.md),
//! and their translation into the adapter contract's types.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use touchstone_core::adapter::{FinalityRule, Outcome, OutcomeStatus, StateSnapshot, TxRequest};
use touchstone_core::ledger::{Genesis, OpKind, Operation};
use touchstone_core::scenario::{AssetSpec, FaultAction, FaultKind, LinkSpec};
use touchstone_core::trace::{QuorumRule, ValidatorInfo};
use touchstone_core::{Nanos, Reason, TxId};

/// The protocol version this harness speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Any line of the child's stdout, lightly read (the parts are parsed when they are used, so
/// amounts keep their full 128 bits).
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    pub(crate) id: Option<u64>,
    pub(crate) result: Option<Box<RawValue>>,
    pub(crate) error: Option<WireError>,
    pub(crate) event: Option<String>,
    pub(crate) outcomes: Option<Vec<WireOutcome>>,
    pub(crate) lines: Option<Vec<Box<RawValue>>>,
}

/// An error reply.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct WireError {
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) message: String,
}

// ---- hello ----

#[derive(Debug, Serialize)]
pub(crate) struct HelloParams<'a> {
    pub(crate) protocol: u32,
    pub(crate) harness: String,
    pub(crate) scenario: ScenarioInfo<'a>,
    pub(crate) settings: &'a serde_json::Value,
}

#[derive(Debug, Serialize)]
pub(crate) struct ScenarioInfo<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: &'a touchstone_core::scenario::ScenarioKind,
    pub(crate) validators: usize,
    pub(crate) protocol: &'a str,
    pub(crate) default_link: &'a LinkSpec,
}

/// Who the child is (shown in the report's disclosure).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Identity {
    pub name: String,
    pub version: String,
    pub vendor: Option<String>,
    /// What it drives, e.g. `etcd 3.4.23`.
    pub system: Option<String>,
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.name, self.version)?;
        if let Some(v) = &self.vendor {
            write!(f, " ({v})")?;
        }
        if let Some(s) = &self.system {
            write!(f, " driving {s}")?;
        }
        Ok(())
    }
}

/// How submissions are acknowledged (§4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckMode {
    #[default]
    Sync,
    Deferred,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireCapabilities {
    pub(crate) operations: Vec<OpKind>,
    #[serde(default)]
    pub(crate) faults: Vec<FaultKind>,
    #[serde(default)]
    pub(crate) consensus_events: bool,
    #[serde(default)]
    pub(crate) state_reads: bool,
    pub(crate) finality: FinalityRule,
    pub(crate) virtual_time: bool,
    #[serde(default)]
    pub(crate) acks: AckMode,
    #[serde(default)]
    pub(crate) precheck: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireSystem {
    pub(crate) protocol: String,
    pub(crate) validators: Vec<ValidatorInfo>,
    pub(crate) quorum: Option<QuorumRule>,
    #[serde(default)]
    pub(crate) details: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HelloResult {
    pub(crate) protocol: u32,
    pub(crate) identity: Identity,
    pub(crate) capabilities: WireCapabilities,
    pub(crate) system: WireSystem,
    pub(crate) now: Nanos,
}

// ---- prepare, submit, advance, fault, snapshot, precheck ----

#[derive(Debug, Serialize)]
pub(crate) struct PrepareParams<'a> {
    pub(crate) seed: u64,
    pub(crate) accounts: &'a [String],
    pub(crate) assets: &'a [AssetSpec],
    pub(crate) genesis: &'a Genesis,
}

/// The result of `prepare` and of `shutdown`: the clock, and what the child learnt about the
/// system (versions read from the chain; counts observed during the run).
#[derive(Debug, Deserialize)]
pub(crate) struct PrepareResult {
    pub(crate) now: Nanos,
    pub(crate) system: Option<WireSystem>,
}

/// One transaction as the child receives it.
#[derive(Debug, Serialize)]
pub(crate) struct WireTx<'a> {
    pub(crate) tx: String,
    pub(crate) client: u32,
    pub(crate) op: &'a Operation,
    pub(crate) nonce: Option<u64>,
    pub(crate) via: Option<&'a str>,
    pub(crate) intended_ns: Nanos,
}

impl<'a> WireTx<'a> {
    pub(crate) fn of(t: &'a TxRequest) -> Self {
        WireTx {
            tx: t.id.to_string(),
            client: t.client,
            op: &t.op,
            nonce: t.nonce,
            via: t.via.as_deref(),
            intended_ns: t.intended,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct SubmitParams<'a> {
    pub(crate) txs: Vec<WireTx<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireAck {
    pub(crate) tx: String,
    pub(crate) accepted: bool,
    pub(crate) via: Option<String>,
    pub(crate) reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SubmitResult {
    pub(crate) acks: Vec<WireAck>,
    pub(crate) now: Nanos,
}

#[derive(Debug, Serialize)]
pub(crate) struct AdvanceParams {
    pub(crate) until: Nanos,
}

/// Every result carries the child's clock.
#[derive(Debug, Deserialize)]
pub(crate) struct NowResult {
    pub(crate) now: Nanos,
}

/// The result of `fault`: the clock, and when the fault took effect (both the child's clock).
#[derive(Debug, Deserialize)]
pub(crate) struct FaultResult {
    pub(crate) now: Nanos,
    pub(crate) effective_ns: Option<Nanos>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FaultParams<'a> {
    pub(crate) action: &'a FaultAction,
}

#[derive(Debug, Serialize)]
pub(crate) struct SnapshotParams<'a> {
    pub(crate) accounts: &'a [String],
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireSnapshot {
    pub(crate) node: String,
    pub(crate) height: u64,
    pub(crate) app_hash: Option<String>,
    #[serde(default)]
    pub(crate) supply: BTreeMap<String, u128>,
    #[serde(default)]
    pub(crate) balances: BTreeMap<String, BTreeMap<String, u128>>,
}

impl From<WireSnapshot> for StateSnapshot {
    fn from(s: WireSnapshot) -> Self {
        StateSnapshot {
            node: s.node,
            height: s.height,
            app_hash: s.app_hash,
            supply: s.supply.into_iter().collect(),
            balances: s.balances.into_iter().map(|(a, h)| (a, h.into_iter().collect())).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SnapshotResult {
    pub(crate) snapshots: Vec<WireSnapshot>,
    pub(crate) now: Nanos,
}

#[derive(Debug, Serialize)]
pub(crate) struct PrecheckTx<'a> {
    pub(crate) tx: Option<String>,
    pub(crate) op: &'a Operation,
    pub(crate) nonce: Option<u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PrecheckParams<'a> {
    pub(crate) tx: PrecheckTx<'a>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PrecheckResult {
    pub(crate) verdict: String,
    pub(crate) reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct NoParams {}

// ---- outcomes ----

#[derive(Debug, Deserialize)]
pub(crate) struct WireOutcome {
    pub(crate) tx: String,
    pub(crate) status: String,
    pub(crate) height: Option<u64>,
    pub(crate) reason: Option<String>,
    pub(crate) at: Nanos,
    pub(crate) node: Option<String>,
}

/// A transaction id of the harness (`t<n>`).
pub(crate) fn tx_id(s: &str, what: &str) -> Result<TxId, String> {
    TxId::parse(s)
        .ok_or_else(|| format!("{what} {s:?}, which is not a transaction id of the harness (t<n>)"))
}

/// A reason code of the trace format.
pub(crate) fn reason(code: &str, what: &str) -> Result<Reason, String> {
    Reason::from_code(code)
        .ok_or_else(|| format!("{what} {code:?}, which is not a reason code of the trace format"))
}

impl WireOutcome {
    pub(crate) fn into_outcome(self) -> Result<Outcome, String> {
        let tx = tx_id(&self.tx, "an outcome names tx")?;
        let status = match (self.status.as_str(), self.height, self.reason.as_deref()) {
            ("committed", Some(height), _) => OutcomeStatus::Committed { height },
            ("committed", None, _) => {
                return Err(format!("the committed outcome of {tx} lacks \"height\""))
            }
            ("rejected", _, Some(code)) => OutcomeStatus::Rejected {
                reason: reason(code, &format!("the outcome of {tx} gives reason"))?,
            },
            ("rejected", _, None) => {
                return Err(format!("the rejected outcome of {tx} lacks \"reason\""))
            }
            ("unknown", _, _) => OutcomeStatus::Unknown,
            (other, _, _) => {
                return Err(format!(
                    "outcome of {tx} has status {other:?} (expected committed, rejected or unknown)"
                ))
            }
        };
        Ok(Outcome { tx, status, at: self.at, node: self.node })
    }
}
