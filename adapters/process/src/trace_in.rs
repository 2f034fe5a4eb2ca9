//! The child's own trace lines (consensus events it can export, snapshots): read per kind and
//! handed to the engine's sink as trace events, on the child's clock. Kinds the harness writes
//! itself are refused, and so is anything the trace format would not accept.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use touchstone_core::adapter::EventSink;
use touchstone_core::trace::{TraceEvent, ValidatorInfo};
use touchstone_core::{Nanos, TxId};

/// The kinds a child may send.
pub const CHILD_KINDS: &[&str] = &[
    "node.role",
    "valset.change",
    "msg.send",
    "msg.recv",
    "msg.drop",
    "cons.step",
    "cons.propose",
    "cons.vote",
    "cons.decide",
    "evidence.detect",
    "state.snapshot",
];

/// The kinds only the harness writes.
const HARNESS_KINDS: &[&str] =
    &["run.start", "run.end", "tx.submit", "tx.result", "fault.start", "fault.stop", "net.heal"];

#[derive(Deserialize)]
struct Head {
    kind: String,
    t_ns: Nanos,
}

#[derive(Deserialize)]
struct Role {
    node: String,
    role: String,
    behaviour: Option<String>,
}

#[derive(Deserialize)]
struct Valset {
    height: u64,
    validators: Vec<ValidatorInfo>,
}

#[derive(Deserialize)]
struct Send {
    node: String,
    to: String,
    msg: u64,
    mtype: String,
    height: Option<u64>,
    round: Option<u64>,
    bytes: Option<u64>,
}

#[derive(Deserialize)]
struct Recv {
    node: String,
    from: String,
    msg: u64,
}

#[derive(Deserialize)]
struct Drop {
    msg: u64,
    reason: String,
}

#[derive(Deserialize)]
struct Step {
    node: String,
    height: u64,
    round: u64,
    step: String,
}

#[derive(Deserialize)]
struct Propose {
    node: String,
    height: u64,
    round: u64,
    block: String,
    parent: Option<String>,
    #[serde(default)]
    txs: Vec<String>,
}

#[derive(Deserialize)]
struct Vote {
    node: String,
    height: u64,
    round: u64,
    vtype: String,
    block: Option<String>,
    signature: Option<String>,
}

#[derive(Deserialize)]
struct Cert {
    signers: Vec<String>,
}

#[derive(Deserialize)]
struct Decide {
    node: String,
    height: u64,
    round: u64,
    block: String,
    parent: Option<String>,
    app_hash: Option<String>,
    #[serde(default)]
    txs: Vec<String>,
    cert: Option<Cert>,
}

#[derive(Deserialize)]
struct Evidence {
    node: String,
    etype: String,
    accused: Vec<String>,
    height: u64,
    round: u64,
}

#[derive(Deserialize)]
struct Snapshot {
    node: String,
    height: u64,
    app_hash: Option<String>,
    #[serde(default)]
    supply: BTreeMap<String, u128>,
    #[serde(default)]
    balances: BTreeMap<String, BTreeMap<String, u128>>,
}

fn parse<'a, T: Deserialize<'a>>(raw: &'a RawValue, kind: &str) -> Result<T, String> {
    serde_json::from_str(raw.get())
        .map_err(|e| format!("does not fit the trace format of {kind}: {e}"))
}

fn tx_ids(txs: &[String]) -> Result<Vec<TxId>, String> {
    txs.iter().map(|t| crate::wire::tx_id(t, "names tx")).collect()
}

/// Emits trace line `raw` (the `index`-th of its event, for messages) into `sink`.
pub(crate) fn emit(raw: &RawValue, index: usize, sink: &mut dyn EventSink) -> Result<(), String> {
    emit_line(raw, sink).map_err(|e| format!("trace line {index} {e}"))
}

fn emit_line(raw: &RawValue, sink: &mut dyn EventSink) -> Result<(), String> {
    let head: Head = serde_json::from_str(raw.get())
        .map_err(|e| format!("is not one (it needs \"kind\" and \"t_ns\"): {e}"))?;
    let (k, t) = (head.kind.as_str(), head.t_ns);
    match k {
        "node.role" => {
            let r: Role = parse(raw, k)?;
            let byzantine = match r.role.as_str() {
                "byzantine" => true,
                "correct" => false,
                other => return Err(format!("has role {other:?} (byzantine or correct)")),
            };
            let ev = TraceEvent::NodeRole {
                node: &r.node,
                byzantine,
                behaviour: r.behaviour.as_deref(),
            };
            sink.trace(t, &ev);
        }
        "valset.change" => {
            let v: Valset = parse(raw, k)?;
            sink.trace(
                t,
                &TraceEvent::ValsetChange { height: v.height, validators: &v.validators },
            );
        }
        "msg.send" => {
            let m: Send = parse(raw, k)?;
            let ev = TraceEvent::MsgSend {
                node: &m.node,
                to: &m.to,
                msg: m.msg,
                mtype: &m.mtype,
                height: m.height,
                round: m.round,
                bytes: m.bytes,
            };
            sink.trace(t, &ev);
        }
        "msg.recv" => {
            let m: Recv = parse(raw, k)?;
            sink.trace(t, &TraceEvent::MsgRecv { node: &m.node, from: &m.from, msg: m.msg });
        }
        "msg.drop" => {
            let m: Drop = parse(raw, k)?;
            sink.trace(t, &TraceEvent::MsgDrop { msg: m.msg, reason: &m.reason });
        }
        "cons.step" => {
            let s: Step = parse(raw, k)?;
            let ev = TraceEvent::ConsStep {
                node: &s.node,
                height: s.height,
                round: s.round,
                step: &s.step,
            };
            sink.trace(t, &ev);
        }
        "cons.propose" => {
            let p: Propose = parse(raw, k)?;
            let txs = tx_ids(&p.txs)?;
            let ev = TraceEvent::ConsPropose {
                node: &p.node,
                height: p.height,
                round: p.round,
                block: &p.block,
                parent: p.parent.as_deref(),
                txs: &txs,
            };
            sink.trace(t, &ev);
        }
        "cons.vote" => {
            let v: Vote = parse(raw, k)?;
            let ev = TraceEvent::ConsVote {
                node: &v.node,
                height: v.height,
                round: v.round,
                vtype: &v.vtype,
                block: v.block.as_deref(),
                signature: v.signature.as_deref(),
            };
            sink.trace(t, &ev);
        }
        "cons.decide" => decide(raw, t, sink)?,
        "evidence.detect" => {
            let e: Evidence = parse(raw, k)?;
            let accused: Vec<&str> = e.accused.iter().map(String::as_str).collect();
            let ev = TraceEvent::EvidenceDetect {
                node: &e.node,
                etype: &e.etype,
                accused: &accused,
                height: e.height,
                round: e.round,
            };
            sink.trace(t, &ev);
        }
        "state.snapshot" => {
            let s: Snapshot = parse(raw, k)?;
            let supply: Vec<(String, u128)> = s.supply.into_iter().collect();
            let balances: Vec<(String, Vec<(String, u128)>)> =
                s.balances.into_iter().map(|(a, h)| (a, h.into_iter().collect())).collect();
            let ev = TraceEvent::StateSnapshot {
                node: &s.node,
                height: s.height,
                app_hash: s.app_hash.as_deref(),
                supply: &supply,
                balances: &balances,
            };
            sink.trace(t, &ev);
        }
        k if HARNESS_KINDS.contains(&k) => {
            return Err(format!("has kind {k:?}, which the harness writes itself"));
        }
        other => {
            return Err(format!(
                "has kind {other:?}, which is not one a child may send ({})",
                CHILD_KINDS.join(", ")
            ))
        }
    }
    Ok(())
}

fn decide(raw: &RawValue, t: Nanos, sink: &mut dyn EventSink) -> Result<(), String> {
    let d: Decide = parse(raw, "cons.decide")?;
    let txs = tx_ids(&d.txs)?;
    let signers: Option<Vec<&str>> =
        d.cert.as_ref().map(|c| c.signers.iter().map(String::as_str).collect());
    let ev = TraceEvent::ConsDecide {
        node: &d.node,
        height: d.height,
        round: d.round,
        block: &d.block,
        parent: d.parent.as_deref(),
        app_hash: d.app_hash.as_deref(),
        txs: &txs,
        signers: signers.as_deref(),
    };
    sink.trace(t, &ev);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::adapter::CollectingSink;
    use touchstone_core::trace::MemoryTrace;

    fn emit_text(line: &str) -> Result<Vec<serde_json::Value>, String> {
        let raw: Box<RawValue> = serde_json::from_str(line).unwrap();
        let mut sink = CollectingSink { trace: MemoryTrace::default(), outcomes: Vec::new() };
        emit(&raw, 1, &mut sink)?;
        Ok(sink.trace.values())
    }

    #[test]
    fn an_observed_decision_keeps_no_cert_and_a_voted_one_keeps_its_signers() {
        let v = emit_text(r#"{"kind":"cons.decide","t_ns":5,"node":"n1","height":3,"round":2,"block":"b3","txs":["t7"]}"#)
            .unwrap();
        assert!(v[0].get("cert").is_none());
        assert_eq!(v[0]["txs"][0], "t7");
        let v = emit_text(r#"{"kind":"cons.decide","t_ns":5,"node":"n1","height":3,"round":2,"block":"b3","txs":[],"cert":{"signers":["n0","n1"]}}"#)
            .unwrap();
        assert_eq!(v[0]["cert"]["signers"][1], "n1");
    }

    #[test]
    fn a_line_the_trace_format_would_not_take_is_refused_saying_why() {
        let e = emit_text(r#"{"kind":"cons.vote","t_ns":5,"node":"n1","height":3,"round":2}"#)
            .unwrap_err();
        assert!(
            e.contains("trace line 1 does not fit the trace format of cons.vote")
                && e.contains("vtype"),
            "{e}"
        );
        let e = emit_text(r#"{"kind":"cons.propose","t_ns":5,"node":"n1","height":3,"round":2,"block":"b","txs":["x9"]}"#)
            .unwrap_err();
        assert!(e.contains("names tx \"x9\", which is not a transaction id of the harness"), "{e}");
        let e = emit_text(r#"{"kind":"block.made","t_ns":5}"#).unwrap_err();
        assert!(e.contains("not one a child may send"), "{e}");
        let e = emit_text(r#"{"t_ns":5}"#).unwrap_err();
        assert!(e.contains("trace line 1 is not one"), "{e}");
    }
}
