//! Trace format 1.2: the bridge transactions of a multi-chain trace, collected as the lines
//! are routed to their chains (`chains`), for the cross-chain properties (`xchain_judge`).
//!
//! A bridge operation is an ordinary `tx.submit` whose `op` is `lock`, `mint`, `burn`,
//! `release`, `hashlock`, `claim` or `refund`; its ledger effect is checked per chain like any
//! transfer, issue or redemption. Here only what crosses chains is kept: the transfer id
//! (`xfer`), asset, amount, peer chain, proof, DvP pair, expiry, and when and at what height
//! the transaction committed (a committed `tx.result`, or a decided block holding it).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::event::LineError;

/// A bridge operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum BridgeOp {
    Lock,
    Mint,
    Burn,
    Release,
    Hashlock,
    Claim,
    Refund,
}

impl BridgeOp {
    pub(crate) fn parse(op: &str) -> Option<BridgeOp> {
        Some(match op {
            "lock" => BridgeOp::Lock,
            "mint" => BridgeOp::Mint,
            "burn" => BridgeOp::Burn,
            "release" => BridgeOp::Release,
            "hashlock" => BridgeOp::Hashlock,
            "claim" => BridgeOp::Claim,
            "refund" => BridgeOp::Refund,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            BridgeOp::Lock => "lock",
            BridgeOp::Mint => "mint",
            BridgeOp::Burn => "burn",
            BridgeOp::Release => "release",
            BridgeOp::Hashlock => "hashlock",
            BridgeOp::Claim => "claim",
            BridgeOp::Refund => "refund",
        }
    }

    /// The relay's operations name their peer chain.
    fn needs_peer(self) -> bool {
        matches!(self, BridgeOp::Lock | BridgeOp::Mint | BridgeOp::Burn | BridgeOp::Release)
    }

    /// A mint or release carries the source chain's finality proof.
    pub(crate) fn needs_proof(self) -> bool {
        matches!(self, BridgeOp::Mint | BridgeOp::Release)
    }
}

/// A source chain's finality certificate of the block holding a lock or burn.
#[derive(Clone, Debug)]
pub(crate) struct Proof {
    pub(crate) chain: String,
    pub(crate) height: u64,
    pub(crate) block: String,
    pub(crate) signers: Vec<String>,
    pub(crate) xfer: String,
}

/// What a bridge `tx.submit` says.
#[derive(Clone, Debug)]
pub(crate) struct BridgeFields {
    pub(crate) op: BridgeOp,
    pub(crate) tx: String,
    pub(crate) xfer: String,
    pub(crate) asset: String,
    pub(crate) amount: i128,
    pub(crate) peer: Option<String>,
    pub(crate) proof: Option<Proof>,
    pub(crate) dvp: Option<String>,
    /// A hashlock's last height for a claim: expired once its chain decided a height above.
    pub(crate) expires_height: Option<u64>,
}

/// Where a transaction committed: (height, t_ns, line).
pub(crate) type Commit = (Option<u64>, u64, u64);

/// One bridge transaction on one chain.
#[derive(Clone, Debug)]
pub(crate) struct BridgeTx {
    pub(crate) chain: usize,
    pub(crate) f: BridgeFields,
    pub(crate) submit_line: u64,
    /// The first committed `tx.result`.
    pub(crate) result: Option<Commit>,
    /// Decisions holding it: (node, commit), the first per node.
    pub(crate) decided: Vec<(String, Commit)>,
}

/// The bridge transactions of a trace and the blocks each chain decided.
#[derive(Debug, Default)]
pub(crate) struct Xchain {
    pub(crate) txs: Vec<BridgeTx>,
    by_tx: BTreeMap<(usize, String), usize>,
    /// Per chain: height → (block, node) decided.
    pub(crate) decided: Vec<BTreeMap<u64, Vec<(String, String)>>>,
    /// The last `t_ns` of the trace.
    pub(crate) end_t: u64,
}

fn bad<T>(field: &str, message: impl Into<String>) -> Result<T, LineError> {
    Err(LineError::Bad { field: field.to_string(), message: message.into() })
}

fn req_str(v: &Value, field: &str) -> Result<String, LineError> {
    match v.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => bad(field, "empty string"),
        Some(other) => bad(field, format!("expected a string, found {other}")),
        None => bad(field, "missing required field of a bridge operation"),
    }
}

fn opt_str(v: &Value, field: &str) -> Result<Option<String>, LineError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => req_str(v, field).map(Some),
    }
}

fn u64_of(v: &Value, field: &str) -> Result<u64, LineError> {
    match v {
        Value::Number(n) => n.as_u64().map_or_else(|| bad(field, "not an integer >= 0"), Ok),
        _ => bad(field, "expected an integer"),
    }
}

fn amount_of(v: &Value) -> Result<i128, LineError> {
    let a = match v.get("amount") {
        Some(Value::Number(n)) => n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)),
        Some(Value::String(s)) => s.parse::<i128>().ok(),
        None | Some(Value::Null) => {
            return bad("amount", "missing required field of a bridge operation")
        }
        Some(_) => None,
    };
    match a {
        Some(a) if a >= 0 => Ok(a),
        _ => bad("amount", "expected an integer >= 0"),
    }
}

fn proof_of(v: &Value) -> Result<Proof, LineError> {
    let Some(p @ Value::Object(_)) = v.get("proof") else {
        return bad("proof", "a mint or release carries its source chain's proof (an object)");
    };
    let signers = match p.get("signers") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map_or_else(|| bad("proof.signers", "expected strings"), Ok)?,
        _ => return bad("proof.signers", "expected an array of node ids"),
    };
    let field = |k: &str| req_str(p, k).map_err(|_| rename(k));
    Ok(Proof {
        chain: field("chain")?,
        height: p
            .get("height")
            .map_or_else(|| Err(rename("height")), |h| u64_of(h, "proof.height"))?,
        block: field("block")?,
        signers,
        xfer: field("xfer")?,
    })
}

fn rename(k: &str) -> LineError {
    LineError::Bad { field: format!("proof.{k}"), message: "missing or not a string".into() }
}

impl Xchain {
    pub(crate) fn new(chains: usize) -> Self {
        Xchain { decided: vec![BTreeMap::new(); chains], ..Default::default() }
    }

    /// The bridge fields of a `tx.submit` line whose `op` is a bridge operation (`None` for
    /// any other op); a missing or mistyped field is a bad line.
    pub(crate) fn parse_submit(raw: &str, op: &str) -> Result<Option<BridgeFields>, LineError> {
        let Some(op) = BridgeOp::parse(op) else { return Ok(None) };
        let v: Value = serde_json::from_str(raw)
            .map_err(|e| LineError::Bad { field: "<line>".into(), message: e.to_string() })?;
        let peer = if op.needs_peer() { Some(req_str(&v, "peer_chain")?) } else { None };
        let expires_height = match v.get("expires_height") {
            None | Some(Value::Null) if op == BridgeOp::Hashlock => {
                return bad("expires_height", "a hashlock states when it expires")
            }
            None | Some(Value::Null) => None,
            Some(e) => Some(u64_of(e, "expires_height")?),
        };
        Ok(Some(BridgeFields {
            op,
            tx: req_str(&v, "tx")?,
            xfer: req_str(&v, "xfer")?,
            asset: req_str(&v, "asset")?,
            amount: amount_of(&v)?,
            peer,
            proof: if op.needs_proof() { Some(proof_of(&v)?) } else { None },
            dvp: opt_str(&v, "dvp")?,
            expires_height,
        }))
    }

    /// A bridge `tx.submit` read on `chain` (the first submission of a tx id counts).
    pub(crate) fn submit(&mut self, chain: usize, f: BridgeFields, line: u64) {
        let key = (chain, f.tx.clone());
        if self.by_tx.contains_key(&key) {
            return;
        }
        self.by_tx.insert(key, self.txs.len());
        self.txs.push(BridgeTx { chain, f, submit_line: line, result: None, decided: Vec::new() });
    }

    /// Whether `tx` is a bridge transaction of `chain`.
    pub(crate) fn knows(&self, chain: usize, tx: &str) -> bool {
        !self.txs.is_empty() && self.by_tx.contains_key(&(chain, tx.to_string()))
    }

    /// A committed `tx.result` of a bridge transaction.
    pub(crate) fn committed(&mut self, chain: usize, tx: &str, c: Commit) {
        if let Some(&i) = self.by_tx.get(&(chain, tx.to_string())) {
            self.txs[i].result.get_or_insert(c);
        }
    }

    /// A `cons.decide` on `chain`: its block, and the bridge transactions it holds.
    pub(crate) fn decide(
        &mut self,
        chain: usize,
        node: &str,
        block: &str,
        txs: &[String],
        c: Commit,
    ) {
        if let Some(h) = c.0 {
            let at = self.decided[chain].entry(h).or_default();
            if !at.iter().any(|(b, n)| b == block && n == node) {
                at.push((block.to_string(), node.to_string()));
            }
        }
        for tx in txs {
            if let Some(&i) = self.by_tx.get(&(chain, tx.clone())) {
                let d = &mut self.txs[i].decided;
                if !d.iter().any(|(n, _)| n == node) {
                    d.push((node.to_string(), c));
                }
            }
        }
    }
}
