//! Transactions as the ledger sees them: names resolved to indices, amounts checked for form.

use super::state::Directory;
use crate::protocol::NodeIdx;
use touchstone_core::adapter::Tamper;
use touchstone_core::{Operation, Reason};

/// Account index in the [`Directory`].
pub type AccountIdx = u32;
/// Asset index in the [`Directory`].
pub type AssetIdx = u16;

/// A decoded operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Transfer {
        from: AccountIdx,
        to: AccountIdx,
        asset: AssetIdx,
        amount: u128,
    },
    Issue {
        to: AccountIdx,
        asset: AssetIdx,
        amount: u128,
    },
    Redeem {
        from: AccountIdx,
        asset: AssetIdx,
        amount: u128,
    },
    /// Never valid: what an `invalid_proposal` Byzantine proposer slips into a block.
    Invalid,
}

impl Op {
    /// The account whose nonce the operation consumes, if any.
    pub fn sender(&self) -> Option<AccountIdx> {
        match *self {
            Op::Transfer { from, .. } | Op::Redeem { from, .. } => Some(from),
            Op::Issue { .. } | Op::Invalid => None,
        }
    }

    /// Decodes a harness operation; unknown accounts or assets and zero amounts are `MALFORMED`.
    ///
    /// `Operation` is `#[non_exhaustive]`: operations added later (freeze, forced transfer, DvP
    /// batches...) get their own arm here and their rules in [`super::rules`].
    pub fn decode(op: &Operation, dir: &Directory) -> Result<Op, Reason> {
        let acct = |name: &str| dir.account(name).ok_or(Reason::Malformed);
        let asset = |name: &str| dir.asset(name).ok_or(Reason::Malformed);
        let positive = |a: u128| if a == 0 { Err(Reason::Malformed) } else { Ok(a) };
        Ok(match op {
            Operation::Transfer { from, to, asset: a, amount } => {
                let (from, to) = (acct(from)?, acct(to)?);
                if from == to {
                    return Err(Reason::Malformed);
                }
                Op::Transfer { from, to, asset: asset(a)?, amount: positive(*amount)? }
            }
            Operation::Issue { to, asset: a, amount } => {
                Op::Issue { to: acct(to)?, asset: asset(a)?, amount: positive(*amount)? }
            }
            Operation::Redeem { from, asset: a, amount } => {
                Op::Redeem { from: acct(from)?, asset: asset(a)?, amount: positive(*amount)? }
            }
            Operation::Tampered { how, .. } => {
                return Err(match how {
                    Tamper::BadSignature => Reason::BadSignature,
                    Tamper::Malformed => Reason::Malformed,
                })
            }
            // Batches and administrative actions are not supported yet (the capabilities say so).
            _ => return Err(Reason::Malformed),
        })
    }
}

/// A transaction known to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxData {
    pub op: Op,
    /// Per-sender sequence number; `None` for operations without a sender.
    pub nonce: Option<u64>,
    /// Last height at which the transaction may be included.
    pub expires: u64,
    /// The node it was submitted to.
    pub entry: NodeIdx,
}
