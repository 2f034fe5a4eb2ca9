//! Transactions as the ledger sees them: names resolved to indices, shapes checked for form.

use super::bridge::BridgeOp;
use super::dir::Directory;
use std::sync::Arc;
use touchstone_core::ledger::{AdminAction, Claim, Tamper};
use touchstone_core::{Operation, Reason};

/// A validator's index (the simulator's `NodeIdx`, a node's position in its network).
pub type NodeIdx = usize;

/// Account index in the [`Directory`].
pub type AccountIdx = u32;
/// Asset index in the [`Directory`].
pub type AssetIdx = u16;
/// Identity-claim index in the [`Directory`].
pub type ClaimIdx = u16;

/// Stands for an asset name the ledger does not know, where the rules must look at the signer's
/// role before calling the asset unknown (admitting or delisting a product).
pub const NO_ASSET: AssetIdx = AssetIdx::MAX;

/// One movement of a transfer or a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    pub from: AccountIdx,
    pub to: AccountIdx,
    pub asset: AssetIdx,
    pub amount: u128,
}

/// A decoded operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Transfer(Leg),
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
    /// Legs applied in order against the running state; all or none.
    Batch(Arc<[Leg]>),
    /// A privileged action signed by `by`.
    Admin {
        by: AccountIdx,
        action: AdminOp,
    },
    /// A bridge operation (trace format 1.2; see [`super::bridge`]).
    Bridge(Box<BridgeOp>),
    /// Never valid: what an `invalid_proposal` Byzantine proposer slips into a block.
    Invalid,
}

/// Privileged actions (see [`super::admin`] for who may do what).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminOp {
    Appoint(AccountIdx),
    Dismiss(AccountIdx),
    IssueClaim { investor: AccountIdx, claim: ClaimIdx },
    RevokeClaim { investor: AccountIdx, claim: ClaimIdx },
    Freeze { account: AccountIdx, asset: AssetIdx, amount: Option<u128> },
    Unfreeze { account: AccountIdx, asset: AssetIdx },
    Pause(AssetIdx),
    Unpause(AssetIdx),
    Forced(Leg),
    Recover { lost: AccountIdx, replacement: AccountIdx, asset: AssetIdx, amount: u128 },
    Mint { to: AccountIdx, asset: AssetIdx, amount: u128 },
    Burn { from: AccountIdx, asset: AssetIdx, amount: u128 },
    Attest { asset: AssetIdx, amount: u128 },
    Admit(AssetIdx),
    Delist(AssetIdx),
}

impl Op {
    /// The account whose nonce the operation consumes when it carries one: the sender of a
    /// transfer or redemption, the first leg's sender of a batch, the holder a forced transfer or
    /// burn takes from, the lost account of a recovery.
    pub fn sender(&self) -> Option<AccountIdx> {
        match self {
            Op::Transfer(l) => Some(l.from),
            Op::Redeem { from, .. } => Some(*from),
            Op::Batch(legs) => legs.first().map(|l| l.from),
            Op::Admin { action, .. } => match *action {
                AdminOp::Forced(l) => Some(l.from),
                AdminOp::Burn { from, .. } => Some(from),
                AdminOp::Recover { lost, .. } => Some(lost),
                _ => None,
            },
            Op::Bridge(b) => b.sender(),
            Op::Issue { .. } | Op::Invalid => None,
        }
    }

    /// Registers in `dir` every account and claim `op` names that it does not know yet, so
    /// [`Op::decode`] can resolve them. Returns whether anything was added.
    pub fn register_names(op: &Operation, dir: &mut Directory) -> bool {
        let before = (dir.n_accounts(), dir.claim_count());
        let mut acct = |n: &str| {
            if !n.is_empty() {
                dir.add_account(n);
            }
        };
        match op {
            Operation::Transfer { from, to, .. } => {
                acct(from);
                acct(to);
            }
            Operation::Issue { to, .. } => acct(to),
            Operation::Redeem { from, .. } => acct(from),
            Operation::Batch { legs } => {
                for l in legs {
                    acct(&l.from);
                    acct(&l.to);
                }
            }
            Operation::Admin { by, action } => {
                acct(by);
                for n in admin_accounts(action) {
                    acct(n);
                }
                if let AdminAction::IssueClaim { claim, .. }
                | AdminAction::RevokeClaim { claim, .. } = action
                {
                    dir.add_claim(claim);
                }
            }
            Operation::Tampered { .. } => {}
            op => {
                for n in BridgeOp::accounts(op) {
                    acct(n);
                }
            }
        }
        (dir.n_accounts(), dir.claim_count()) != before
    }

    /// Decodes a harness operation. `MALFORMED` here: an unknown asset (except for product
    /// admission, where the role is checked first), a zero amount or a self-transfer in a
    /// transfer, issue, redemption or batch leg, an empty batch, an empty account name, a
    /// tampered transaction's spoilt bytes; `BAD_SIGNATURE` for a tampered signature; a bridge
    /// operation's shape ([`BridgeOp::decode`]). Accounts
    /// must have been registered ([`Op::register_names`]).
    pub fn decode(op: &Operation, dir: &Directory) -> Result<Op, Reason> {
        let acct = |name: &str| dir.account(name).ok_or(Reason::Malformed);
        let asset = |name: &str| dir.asset(name).ok_or(Reason::Malformed);
        let positive = |a: u128| if a == 0 { Err(Reason::Malformed) } else { Ok(a) };
        let leg = |from: &str, to: &str, a: &str, amount: u128| -> Result<Leg, Reason> {
            let (from, to) = (acct(from)?, acct(to)?);
            let asset = asset(a)?;
            if from == to {
                return Err(Reason::Malformed);
            }
            Ok(Leg { from, to, asset, amount: positive(amount)? })
        };
        Ok(match op {
            Operation::Transfer { from, to, asset: a, amount } => {
                Op::Transfer(leg(from, to, a, *amount)?)
            }
            Operation::Issue { to, asset: a, amount } => {
                let asset = asset(a)?;
                Op::Issue { to: acct(to)?, asset, amount: positive(*amount)? }
            }
            Operation::Redeem { from, asset: a, amount } => {
                let asset = asset(a)?;
                Op::Redeem { from: acct(from)?, asset, amount: positive(*amount)? }
            }
            Operation::Batch { legs } => {
                if legs.is_empty() {
                    return Err(Reason::Malformed);
                }
                let legs: Result<Vec<Leg>, Reason> =
                    legs.iter().map(|l| leg(&l.from, &l.to, &l.asset, l.amount)).collect();
                Op::Batch(legs?.into())
            }
            Operation::Admin { by, action } => {
                Op::Admin { by: acct(by)?, action: decode_admin(action, dir)? }
            }
            Operation::Tampered { how, .. } => {
                return Err(match how {
                    Tamper::BadSignature => Reason::BadSignature,
                    Tamper::Malformed => Reason::Malformed,
                })
            }
            op => Op::Bridge(Box::new(BridgeOp::decode(op, dir)?)),
        })
    }
}

/// The accounts an action names (besides its signer).
fn admin_accounts(a: &AdminAction) -> Vec<&str> {
    use AdminAction as A;
    match a {
        A::AppointInstitution { institution } | A::RevokeInstitution { institution } => {
            vec![institution]
        }
        A::IssueClaim { investor, .. } | A::RevokeClaim { investor, .. } => vec![investor],
        A::Freeze { account, .. } | A::Unfreeze { account, .. } => vec![account],
        A::ForcedTransfer { from, to, .. } => vec![from, to],
        A::Recover { lost, replacement, .. } => vec![lost, replacement],
        A::Mint { to, .. } => vec![to],
        A::Burn { from, .. } => vec![from],
        _ => Vec::new(),
    }
}

/// Shapes only: amounts and account relations are judged by the rules, after the role.
fn decode_admin(a: &AdminAction, dir: &Directory) -> Result<AdminOp, Reason> {
    use AdminAction as A;
    let acct = |name: &str| dir.account(name).ok_or(Reason::Malformed);
    let asset = |name: &str| dir.asset(name).ok_or(Reason::Malformed);
    let claim = |c: &Claim| dir.claim(c).ok_or(Reason::Malformed);
    Ok(match a {
        A::AppointInstitution { institution } => AdminOp::Appoint(acct(institution)?),
        A::RevokeInstitution { institution } => AdminOp::Dismiss(acct(institution)?),
        A::IssueClaim { investor, claim: c } => {
            AdminOp::IssueClaim { investor: acct(investor)?, claim: claim(c)? }
        }
        A::RevokeClaim { investor, claim: c } => {
            AdminOp::RevokeClaim { investor: acct(investor)?, claim: claim(c)? }
        }
        A::Freeze { account, asset: k, amount } => {
            AdminOp::Freeze { account: acct(account)?, asset: asset(k)?, amount: *amount }
        }
        A::Unfreeze { account, asset: k } => {
            AdminOp::Unfreeze { account: acct(account)?, asset: asset(k)? }
        }
        A::Pause { asset: k } => AdminOp::Pause(asset(k)?),
        A::Unpause { asset: k } => AdminOp::Unpause(asset(k)?),
        A::ForcedTransfer { from, to, asset: k, amount } => AdminOp::Forced(Leg {
            from: acct(from)?,
            to: acct(to)?,
            asset: asset(k)?,
            amount: *amount,
        }),
        A::Recover { lost, replacement, asset: k, amount } => AdminOp::Recover {
            lost: acct(lost)?,
            replacement: acct(replacement)?,
            asset: asset(k)?,
            amount: *amount,
        },
        A::Mint { to, asset: k, amount } => {
            AdminOp::Mint { to: acct(to)?, asset: asset(k)?, amount: *amount }
        }
        A::Burn { from, asset: k, amount } => {
            AdminOp::Burn { from: acct(from)?, asset: asset(k)?, amount: *amount }
        }
        A::AttestReserve { asset: k, amount } => {
            AdminOp::Attest { asset: asset(k)?, amount: *amount }
        }
        A::AdmitProduct { asset: k } => AdminOp::Admit(dir.asset(k).unwrap_or(NO_ASSET)),
        A::DelistProduct { asset: k } => AdminOp::Delist(dir.asset(k).unwrap_or(NO_ASSET)),
    })
}

/// A transaction known to the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxData {
    pub op: Op,
    /// Per-sender sequence number; `None`: no nonce check (replay protection by tx identity).
    pub nonce: Option<u64>,
    /// Last height at which the transaction may be included.
    pub expires: u64,
    /// The node it was submitted to.
    pub entry: NodeIdx,
}
