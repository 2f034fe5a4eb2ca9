//! Reason codes for rejections: the `reason` of a rejected `tx.result` in the trace format
//! (docs/trace-format.md).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a transaction was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    InsufficientBalance,
    BadNonce,
    DuplicateTx,
    BadSignature,
    Malformed,
    Paused,
    FrozenSender,
    FrozenReceiver,
    InvalidSender,
    InvalidReceiver,
    LimitExceeded,
    ProductNotAdmitted,
    ReserveExceeded,
    Unauthorized,
    /// A lock-up period forbids the transfer (trace format 1.1).
    Locked,
    Timeout,
    Other,
    /// Trace format 1.2 (bridges): a mint's or release's proof is not a quorum certificate of
    /// the source chain's validator set, or does not certify this transfer.
    BadProof,
    /// Trace format 1.2: a second mint or release of one cross-chain transfer (or a second
    /// lock of one id, a second claim or refund of one hashlock).
    ReplayedXfer,
    /// Trace format 1.2: a claim (or a new hashlock) after the hashlock's expiry.
    LockExpired,
    /// Trace format 1.2: a refund before the hashlock's expiry.
    LockNotExpired,
    /// Trace format 1.2: a claim whose preimage does not hash to the hashlock's hash.
    BadPreimage,
    /// Trace format 1.2: a claim or refund of a hashlock this chain does not hold.
    UnknownXfer,
}

impl Reason {
    /// Every reason code, in the trace format's order.
    pub const ALL: [Reason; 23] = [
        Reason::InsufficientBalance,
        Reason::BadNonce,
        Reason::DuplicateTx,
        Reason::BadSignature,
        Reason::Malformed,
        Reason::Paused,
        Reason::FrozenSender,
        Reason::FrozenReceiver,
        Reason::InvalidSender,
        Reason::InvalidReceiver,
        Reason::LimitExceeded,
        Reason::ProductNotAdmitted,
        Reason::ReserveExceeded,
        Reason::Unauthorized,
        Reason::Locked,
        Reason::Timeout,
        Reason::Other,
        Reason::BadProof,
        Reason::ReplayedXfer,
        Reason::LockExpired,
        Reason::LockNotExpired,
        Reason::BadPreimage,
        Reason::UnknownXfer,
    ];

    /// The spec's code, e.g. `INSUFFICIENT_BALANCE`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::InsufficientBalance => "INSUFFICIENT_BALANCE",
            Reason::BadNonce => "BAD_NONCE",
            Reason::DuplicateTx => "DUPLICATE_TX",
            Reason::BadSignature => "BAD_SIGNATURE",
            Reason::Malformed => "MALFORMED",
            Reason::Paused => "PAUSED",
            Reason::FrozenSender => "FROZEN_SENDER",
            Reason::FrozenReceiver => "FROZEN_RECEIVER",
            Reason::InvalidSender => "INVALID_SENDER",
            Reason::InvalidReceiver => "INVALID_RECEIVER",
            Reason::LimitExceeded => "LIMIT_EXCEEDED",
            Reason::ProductNotAdmitted => "PRODUCT_NOT_ADMITTED",
            Reason::ReserveExceeded => "RESERVE_EXCEEDED",
            Reason::Unauthorized => "UNAUTHORIZED",
            Reason::Locked => "LOCKED",
            Reason::Timeout => "TIMEOUT",
            Reason::Other => "OTHER",
            Reason::BadProof => "BAD_PROOF",
            Reason::ReplayedXfer => "REPLAYED_XFER",
            Reason::LockExpired => "LOCK_EXPIRED",
            Reason::LockNotExpired => "LOCK_NOT_EXPIRED",
            Reason::BadPreimage => "BAD_PREIMAGE",
            Reason::UnknownXfer => "UNKNOWN_XFER",
        }
    }

    /// The reason with this code, if the trace format defines it.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.code()));
        }
        assert_eq!(Reason::from_code("LOCKED"), Some(Reason::Locked));
    }
}
