//! The events of `docs/trace-format.md`, as borrowed values that encode straight to a line.
//!
//! Producers (the engine, the simulator, adapters) build a [`TraceEvent`] on the stack and hand it
//! to a [`super::TraceSink`]; nothing is allocated per event.

use super::json::{write_str, Obj};
use crate::ids::TxId;
use crate::time::Nanos;

/// A validator and its voting power, as in `run.start` and `valset.change`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidatorInfo {
    pub id: String,
    pub power: u64,
}

/// Quorum fraction: a quorum is power strictly greater than `num/den` of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuorumRule {
    pub num: u64,
    pub den: u64,
}

/// Targets of a fault: a set of nodes, or groups of nodes for a partition.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    Nodes(&'a [String]),
    Groups(&'a [Vec<String>]),
}

/// `committed` / `rejected` / `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    Committed,
    Rejected,
    Unknown,
}

impl TxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TxStatus::Committed => "committed",
            TxStatus::Rejected => "rejected",
            TxStatus::Unknown => "unknown",
        }
    }
}

/// One trace event. `t_ns` and `seq` are added by the writer.
#[derive(Debug, Clone, Copy)]
pub enum TraceEvent<'a> {
    RunStart {
        protocol: &'a str,
        validators: &'a [ValidatorInfo],
        quorum: Option<QuorumRule>,
        seed: Option<u64>,
        scenario: Option<&'a str>,
        adapter: Option<&'a str>,
        /// Trace format 1.1: the protocol family whose vote rules apply (`tendermint`, `pbft`,
        /// `hotstuff`, `raft`, `simplex`...).
        family: Option<&'a str>,
        /// Trace format 1.1: the protocol's base round / view / election timeout.
        timeout_ns: Option<Nanos>,
    },
    NodeRole {
        node: &'a str,
        byzantine: bool,
        behaviour: Option<&'a str>,
    },
    ValsetChange {
        height: u64,
        validators: &'a [ValidatorInfo],
    },
    RunEnd {
        reason: Option<&'a str>,
    },
    FaultStart {
        fault: &'a str,
        ftype: &'a str,
        targets: Targets<'a>,
        params: Option<&'a serde_json::Value>,
    },
    FaultStop {
        fault: &'a str,
    },
    NetHeal,
    MsgSend {
        node: &'a str,
        to: &'a str,
        msg: u64,
        mtype: &'a str,
        height: Option<u64>,
        round: Option<u64>,
        bytes: Option<u64>,
    },
    MsgRecv {
        node: &'a str,
        from: &'a str,
        msg: u64,
    },
    MsgDrop {
        msg: u64,
        reason: &'a str,
    },
    ConsStep {
        node: &'a str,
        height: u64,
        round: u64,
        step: &'a str,
    },
    ConsPropose {
        node: &'a str,
        height: u64,
        round: u64,
        block: &'a str,
        parent: Option<&'a str>,
        txs: &'a [TxId],
    },
    ConsVote {
        node: &'a str,
        height: u64,
        round: u64,
        vtype: &'a str,
        block: Option<&'a str>,
        signature: Option<&'a str>,
    },
    ConsDecide {
        node: &'a str,
        height: u64,
        round: u64,
        block: &'a str,
        parent: Option<&'a str>,
        app_hash: Option<&'a str>,
        txs: &'a [TxId],
        /// The cert's signers; `None` for an observed decision (trace format resolution 11),
        /// written without `cert`.
        signers: Option<&'a [&'a str]>,
    },
    EvidenceDetect {
        node: &'a str,
        etype: &'a str,
        accused: &'a [&'a str],
        height: u64,
        round: u64,
    },
    TxSubmit {
        tx: TxId,
        client: &'a str,
        op: &'a str,
        from: Option<&'a str>,
        to: Option<&'a str>,
        asset: Option<&'a str>,
        amount: Option<u128>,
        nonce: Option<u64>,
        via: Option<&'a str>,
        /// Extension (ignored by readers that do not know it): the intended send time.
        intended_ns: Option<Nanos>,
        /// Extension: the legs of an atomic batch (`op: "batch"`), each
        /// `{"from","to","asset","amount"}`; all settle or none.
        legs: &'a [crate::ledger::Leg],
        /// Trace format 1.2: a bridge operation's `xfer`, `peer_chain`, `beneficiary`, `proof`,
        /// `hash`, `preimage`, `expires_height` and `dvp` (those it has).
        bridge: Option<crate::ledger::BridgeFields<'a>>,
    },
    TxResult {
        tx: TxId,
        status: TxStatus,
        height: Option<u64>,
        reason: Option<&'a str>,
        node: Option<&'a str>,
    },
    StateSnapshot {
        node: &'a str,
        height: u64,
        app_hash: Option<&'a str>,
        supply: &'a [(String, u128)],
        balances: &'a [(String, Vec<(String, u128)>)],
    },
}

impl<'a> TraceEvent<'a> {
    /// A starting balance as the checker expects it: an issue of `amount` of `asset` to
    /// `acct`, and its committed result at height 0 (both at time 0).
    pub fn genesis_issue(tx: TxId, acct: &'a str, asset: &'a str, amount: u128) -> [Self; 2] {
        [
            TraceEvent::TxSubmit {
                tx,
                client: "genesis",
                op: "issue",
                from: None,
                to: Some(acct),
                asset: Some(asset),
                amount: Some(amount),
                nonce: None,
                via: None,
                intended_ns: None,
                legs: &[],
                bridge: None,
            },
            TraceEvent::TxResult {
                tx,
                status: TxStatus::Committed,
                height: Some(0),
                reason: None,
                node: None,
            },
        ]
    }
}

impl TraceEvent<'_> {
    /// The spec's `kind`.
    pub fn kind(&self) -> &'static str {
        use TraceEvent::*;
        match self {
            RunStart { .. } => "run.start",
            NodeRole { .. } => "node.role",
            ValsetChange { .. } => "valset.change",
            RunEnd { .. } => "run.end",
            FaultStart { .. } => "fault.start",
            FaultStop { .. } => "fault.stop",
            NetHeal => "net.heal",
            MsgSend { .. } => "msg.send",
            MsgRecv { .. } => "msg.recv",
            MsgDrop { .. } => "msg.drop",
            ConsStep { .. } => "cons.step",
            ConsPropose { .. } => "cons.propose",
            ConsVote { .. } => "cons.vote",
            ConsDecide { .. } => "cons.decide",
            EvidenceDetect { .. } => "evidence.detect",
            TxSubmit { .. } => "tx.submit",
            TxResult { .. } => "tx.result",
            StateSnapshot { .. } => "state.snapshot",
        }
    }

    /// Appends this event as one JSON object (no newline) to `buf`.
    pub fn encode(&self, t_ns: Nanos, seq: u64, buf: &mut Vec<u8>) {
        use TraceEvent::*;
        let mut o = Obj::new(buf);
        o.str("kind", self.kind()).u64("t_ns", t_ns).u64("seq", seq);
        match *self {
            RunStart {
                protocol,
                validators,
                quorum,
                seed,
                scenario,
                adapter,
                family,
                timeout_ns,
            } => {
                o.str("protocol", protocol);
                validators_json(o.raw_key("validators"), validators);
                if let Some(q) = quorum {
                    let mut qo = o.obj("quorum");
                    qo.u64("num", q.num).u64("den", q.den);
                    qo.end();
                }
                o.opt_u64("seed", seed).opt_str("scenario", scenario).opt_str("adapter", adapter);
                o.opt_str("family", family).opt_u64("timeout_ns", timeout_ns);
            }
            NodeRole { node, byzantine, behaviour } => {
                o.str("node", node).str("role", if byzantine { "byzantine" } else { "correct" });
                o.opt_str("behaviour", behaviour);
            }
            ValsetChange { height, validators } => {
                o.u64("height", height);
                validators_json(o.raw_key("validators"), validators);
            }
            RunEnd { reason } => {
                o.opt_str("reason", reason);
            }
            FaultStart { fault, ftype, targets, params } => {
                o.str("fault", fault).str("type", ftype);
                match targets {
                    Targets::Nodes(n) => {
                        o.str_array("targets", n);
                    }
                    Targets::Groups(g) => {
                        let b = o.raw_key("targets");
                        b.push(b'[');
                        for (i, grp) in g.iter().enumerate() {
                            if i > 0 {
                                b.push(b',');
                            }
                            str_list(b, grp.iter().map(String::as_str));
                        }
                        b.push(b']');
                    }
                }
                if let Some(p) = params {
                    o.raw(
                        "params",
                        serde_json::to_string(p).unwrap_or_else(|_| "{}".into()).as_bytes(),
                    );
                }
            }
            FaultStop { fault } => {
                o.str("fault", fault);
            }
            NetHeal => {}
            MsgSend { node, to, msg, mtype, height, round, bytes } => {
                o.str("node", node).str("to", to).u64("msg", msg).str("mtype", mtype);
                o.opt_u64("height", height).opt_u64("round", round).opt_u64("bytes", bytes);
            }
            MsgRecv { node, from, msg } => {
                o.str("node", node).str("from", from).u64("msg", msg);
            }
            MsgDrop { msg, reason } => {
                o.u64("msg", msg).str("reason", reason);
            }
            ConsStep { node, height, round, step } => {
                o.str("node", node).u64("height", height).u64("round", round).str("step", step);
            }
            ConsPropose { node, height, round, block, parent, txs } => {
                o.str("node", node).u64("height", height).u64("round", round).str("block", block);
                o.opt_str("parent", parent);
                tx_list(o.raw_key("txs"), txs);
            }
            ConsVote { node, height, round, vtype, block, signature } => {
                o.str("node", node).u64("height", height).u64("round", round).str("vtype", vtype);
                match block {
                    Some(b) => o.str("block", b),
                    None => o.null("block"),
                };
                o.opt_str("signature", signature);
            }
            ConsDecide { node, height, round, block, parent, app_hash, txs, signers } => {
                o.str("node", node).u64("height", height).u64("round", round).str("block", block);
                o.opt_str("parent", parent).opt_str("app_hash", app_hash);
                tx_list(o.raw_key("txs"), txs);
                if let Some(signers) = signers {
                    let mut c = o.obj("cert");
                    c.str_array("signers", signers);
                    c.end();
                }
            }
            EvidenceDetect { node, etype, accused, height, round } => {
                o.str("node", node).str("etype", etype).str_array("accused", accused);
                o.u64("height", height).u64("round", round);
            }
            TxSubmit {
                tx,
                client,
                op,
                from,
                to,
                asset,
                amount,
                nonce,
                via,
                intended_ns,
                legs,
                bridge,
            } => {
                tx_field(&mut o, tx);
                o.str("client", client).str("op", op).opt_str("from", from).opt_str("to", to);
                o.opt_str("asset", asset);
                if let Some(a) = amount {
                    o.u128("amount", a);
                }
                o.opt_u64("nonce", nonce).opt_str("via", via).opt_u64("intended_ns", intended_ns);
                if !legs.is_empty() {
                    let b = o.raw_key("legs");
                    b.push(b'[');
                    for (i, l) in legs.iter().enumerate() {
                        if i > 0 {
                            b.push(b',');
                        }
                        let mut lo = Obj::new(b);
                        lo.str("from", &l.from)
                            .str("to", &l.to)
                            .str("asset", &l.asset)
                            .u128("amount", l.amount);
                        lo.end();
                    }
                    b.push(b']');
                }
                if let Some(f) = bridge {
                    bridge_fields(&mut o, &f);
                }
            }
            TxResult { tx, status, height, reason, node } => {
                tx_field(&mut o, tx);
                o.str("status", status.as_str())
                    .opt_u64("height", height)
                    .opt_str("reason", reason);
                o.opt_str("node", node);
            }
            StateSnapshot { node, height, app_hash, supply, balances } => {
                o.str("node", node).u64("height", height).opt_str("app_hash", app_hash);
                {
                    let mut s = o.obj("supply");
                    for (asset, amt) in supply {
                        s.u128(asset, *amt);
                    }
                    s.end();
                }
                let mut b = o.obj("balances");
                for (acct, holdings) in balances {
                    let mut a = b.obj(acct);
                    for (asset, amt) in holdings {
                        a.u128(asset, *amt);
                    }
                    a.end();
                }
                b.end();
            }
        }
        o.end();
    }
}

fn tx_field(o: &mut Obj<'_>, tx: TxId) {
    let b = o.raw_key("tx");
    tx.write_json(b);
}

fn tx_list(b: &mut Vec<u8>, txs: &[TxId]) {
    b.push(b'[');
    for (i, t) in txs.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        t.write_json(b);
    }
    b.push(b']');
}

fn str_list<'s>(b: &mut Vec<u8>, items: impl Iterator<Item = &'s str>) {
    b.push(b'[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            b.push(b',');
        }
        write_str(b, s);
    }
    b.push(b']');
}

fn validators_json(b: &mut Vec<u8>, vs: &[ValidatorInfo]) {
    b.push(b'[');
    for (i, v) in vs.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        let mut o = Obj::new(b);
        o.str("id", &v.id).u64("power", v.power);
        o.end();
    }
    b.push(b']');
}

/// The bridge fields of a `tx.submit` line (trace format 1.2). The proof is written as the
/// certificate (`chain`, `height`, `block`, `signers`, `xfer`); its signed content repeats the
/// line's own `asset`, `amount` and `to`.
fn bridge_fields(o: &mut Obj<'_>, f: &crate::ledger::BridgeFields<'_>) {
    o.str("xfer", f.xfer).opt_str("peer_chain", f.peer_chain);
    o.opt_str("beneficiary", f.beneficiary);
    if let Some(p) = f.proof {
        let mut po = o.obj("proof");
        po.str("chain", &p.chain).u64("height", p.height).str("block", &p.block);
        po.str_array("signers", &p.signers).str("xfer", &p.xfer);
        po.end();
    }
    o.opt_str("hash", f.hash).opt_str("preimage", f.preimage);
    o.opt_u64("expires_height", f.expires_height).opt_str("dvp", f.dvp);
}
