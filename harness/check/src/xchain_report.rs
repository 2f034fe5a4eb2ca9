//! Trace format 1.2: what the report says of the cross-chain transfers and DvP pairs of a
//! multi-chain trace (the findings are in the report's `findings`).

use serde::{Deserialize, Serialize};

/// The cross-chain transfers and DvP pairs of a multi-chain trace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct XchainInfo {
    /// The bound on settlement time, ns.
    pub settlement_bound_ns: u64,
    /// Every committed lock or burn, with its mint or release when committed.
    pub transfers: Vec<TransferInfo>,
    /// Every DvP pair of committed hashlocks.
    pub dvp: Vec<DvpInfo>,
}

/// One cross-chain transfer: a committed lock (or burn) and its mint (or release).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TransferInfo {
    /// The transfer id (`xfer`).
    pub xfer: String,
    /// `lock` (then minted on the destination) or `burn` (then released).
    pub op: String,
    /// Source chain (where the lock or burn committed).
    pub from_chain: String,
    /// Destination chain (`peer_chain`).
    pub to_chain: String,
    /// Asset.
    pub asset: String,
    /// Amount, as an exact integer.
    pub amount: String,
    /// `settled` (the mint or release committed) or `pending`.
    pub state: String,
    /// Height of the lock or burn on the source chain.
    pub source_height: Option<u64>,
    /// Height of the mint or release on the destination.
    pub dest_height: Option<u64>,
    /// Source commit to destination commit, ns.
    pub latency_ns: Option<u64>,
}

/// One DvP pair: its legs and what became of them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DvpInfo {
    /// The pair's id (`dvp`).
    pub dvp: String,
    /// `settled` (every leg claimed), `refunded` (every leg refunded), `stuck` (a leg still
    /// locked at the end of the trace), or `broken` (one claimed, another refunded).
    pub state: String,
    /// Each leg: `chain:xfer=claimed|refunded|locked`.
    pub legs: Vec<String>,
    /// A settled pair: its first hashlock commit → its last claim commit, ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ns: Option<u64>,
}
