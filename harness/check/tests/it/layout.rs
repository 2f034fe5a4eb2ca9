//! Trace lines re-written with their members in a chosen order: the writer's (so that the
//! fixed-layout fast paths take them) or sorted (so that none does). Shared by the fast-path
//! and corpus tests.

use serde_json::{json, Value};

/// Members of consensus lines in the order Touchstone's writer emits them.
pub const CONS_ORDER: &[&str] = &[
    "kind",
    "t_ns",
    "seq",
    "node",
    "height",
    "round",
    "vtype",
    "block",
    "parent",
    "app_hash",
    "txs",
    "cert",
    "signature",
];

/// One line with the members named in `order` first, in that order; the others follow in map
/// order.
pub fn ordered(v: &Value, order: &[&str]) -> String {
    let o = v.as_object().expect("object");
    let mut parts = Vec::new();
    for k in order {
        if let Some(x) = o.get(*k) {
            parts.push(format!("{}:{}", json!(k), x));
        }
    }
    for (k, x) in o {
        if !order.contains(&k.as_str()) {
            parts.push(format!("{}:{}", json!(k), x));
        }
    }
    format!("{{{}}}", parts.join(","))
}

/// One line with its keys sorted (`kind` is then not first: no fast path applies).
pub fn sorted_line(v: &Value) -> String {
    let o = v.as_object().expect("object");
    let mut keys: Vec<&String> = o.keys().collect();
    keys.sort();
    let parts: Vec<String> = keys.iter().map(|k| format!("{}:{}", json!(k), o[*k])).collect();
    format!("{{{}}}", parts.join(","))
}
