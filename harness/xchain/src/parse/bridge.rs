//! `[bridge]`, `[bridge.faults]` and `[bridge.workload]`: read with unknown keys reported (and
//! the closest known one suggested), then validated field by field.

use super::locate::{diag, diag_sugg, line_col};
use crate::spec::{BridgeFaults, BridgeSpec, Mechanism, RelayLie, Shape, XWorkload};
use serde::Deserialize;
use toml_edit::ImDocument;
use touchstone_core::scenario::{suggest, Diagnostic};
use touchstone_core::time::parse_duration;
use touchstone_core::Nanos;

#[derive(Debug, Default, Deserialize)]
struct RawTop {
    bridge: Option<RawBridge>,
}

#[derive(Debug, Default, Deserialize)]
struct RawBridge {
    mechanism: Option<String>,
    poll: Option<String>,
    processing: Option<String>,
    htlc_timeout: Option<String>,
    faults: Option<RawFaults>,
    workload: Option<RawWorkload>,
}

#[derive(Debug, Default, Deserialize)]
struct RawFaults {
    crash_at: Option<String>,
    restart_at: Option<String>,
    delay: Option<String>,
    delay_from: Option<String>,
    delay_until: Option<String>,
    byzantine: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawWorkload {
    #[serde(rename = "type")]
    kind: Option<String>,
    rate: Option<f64>,
    count: Option<i64>,
    accounts: Option<i64>,
    background_tps: Option<f64>,
    drain: Option<String>,
    from: Option<String>,
    to: Option<String>,
    asset: Option<String>,
    amount: Option<i64>,
    back: Option<bool>,
    securities: Option<String>,
    cash: Option<String>,
    security: Option<String>,
    currency: Option<String>,
    quantity: Option<i64>,
    price: Option<i64>,
    fail_share: Option<f64>,
}

const BRIDGE_KEYS: &[&str] =
    &["mechanism", "poll", "processing", "htlc_timeout", "faults", "workload"];
const FAULT_KEYS: &[&str] =
    &["crash_at", "restart_at", "delay", "delay_from", "delay_until", "byzantine"];
const WORKLOAD_KEYS: &[&str] = &[
    "type",
    "rate",
    "count",
    "accounts",
    "background_tps",
    "drain",
    "from",
    "to",
    "asset",
    "amount",
    "back",
    "securities",
    "cash",
    "security",
    "currency",
    "quantity",
    "price",
    "fail_share",
];
const SHAPES: &[&str] = &["xchain-transfer", "xchain-dvp"];

/// Collects the problems of one script's `[bridge]`.
struct Check<'a> {
    text: &'a str,
    file: &'a str,
    doc: &'a ImDocument<&'a str>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    fn err(&mut self, path: &[&str], msg: impl Into<String>) {
        self.diags.push(diag(self.text, self.file, self.doc, path, msg.into()));
    }

    fn duration(&mut self, path: &[&str], v: &Option<String>, default: Nanos) -> Nanos {
        match v.as_deref().map(parse_duration) {
            None => default,
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                self.err(path, e.to_string());
                default
            }
        }
    }

    fn int(&mut self, path: &[&str], v: Option<i64>, default: i64, max: i64) -> i64 {
        match v {
            None => default,
            Some(n) if (1..=max).contains(&n) => n,
            Some(n) => {
                self.err(path, format!("must be between 1 and {max}, got {n}"));
                default
            }
        }
    }

    fn chain(
        &mut self,
        path: &[&str],
        v: &Option<String>,
        default: &str,
        ids: &[String],
    ) -> String {
        let id = v.clone().unwrap_or_else(|| default.to_string());
        if !ids.contains(&id) && !ids.is_empty() {
            let names: Vec<&str> = ids.iter().map(String::as_str).collect();
            let sugg = suggest(&id, &names);
            let msg = format!("unknown chain {id:?}; the script declares: {}", names.join(", "));
            self.diags.push(diag_sugg(self.text, self.file, self.doc, path, msg, sugg));
        }
        id
    }

    fn name_in(&mut self, path: &[&str], v: &str, names: &[&str]) -> bool {
        if names.contains(&v) {
            return true;
        }
        let msg = format!("unknown value {v:?}; expected one of: {}", names.join(", "));
        let sugg = suggest(v, names);
        self.diags.push(diag_sugg(self.text, self.file, self.doc, path, msg, sugg));
        false
    }
}

/// `[bridge]` of a script whose chains are `ids`, or `None` (with diagnostics) if it cannot be
/// read at all.
pub(super) fn parse(
    text: &str,
    file: &str,
    doc: &ImDocument<&str>,
    ids: &[String],
    diags: &mut Vec<Diagnostic>,
) -> Option<BridgeSpec> {
    let mut unknown: Vec<String> = Vec::new();
    let raw: Result<RawTop, _> =
        serde_ignored::deserialize(toml::Deserializer::new(text), |p| unknown.push(p.to_string()));
    let raw = match raw {
        Ok(r) => r,
        Err(e) => {
            let (line, column) = e.span().map_or((1, 1), |r| line_col(text, r.start));
            diags.push(Diagnostic {
                file: file.into(),
                line,
                column,
                field: "bridge".into(),
                message: format!("wrong type: {}", e.message().trim()),
                suggestion: None,
            });
            return None;
        }
    };
    for p in unknown.iter().filter(|p| p.starts_with("bridge.")) {
        // serde_ignored writes `?` for an `Option`'s content.
        let keys: Vec<&str> = p.split('.').filter(|k| *k != "?").collect();
        let known = match keys.len() {
            2 => BRIDGE_KEYS,
            3 if keys[1] == "faults" => FAULT_KEYS,
            3 if keys[1] == "workload" => WORKLOAD_KEYS,
            _ => &[][..],
        };
        let key = keys.last().copied().unwrap_or_default();
        let sugg = suggest(key, known);
        diags.push(diag_sugg(text, file, doc, &keys, format!("unknown key `{key}`"), sugg));
    }
    let mut c = Check { text, file, doc, diags };
    let Some(b) = raw.bridge else {
        c.err(
            &["bridge"],
            "missing: a multi-chain script needs a [bridge] with a [bridge.workload]",
        );
        return None;
    };
    let mechanism = match b.mechanism.as_deref() {
        None => Mechanism::Relay,
        Some("relay") => Mechanism::Relay,
        Some("htlc") => Mechanism::Htlc,
        Some(m) => {
            c.name_in(&["bridge", "mechanism"], m, Mechanism::NAMES);
            Mechanism::Relay
        }
    };
    let poll = c.duration(&["bridge", "poll"], &b.poll, 100_000_000);
    if poll == 0 {
        c.err(&["bridge", "poll"], "must be more than 0");
    }
    let processing = c.duration(&["bridge", "processing"], &b.processing, 50_000_000);
    let htlc_timeout = c.duration(&["bridge", "htlc_timeout"], &b.htlc_timeout, 10_000_000_000);
    let faults = faults(&mut c, b.faults.unwrap_or_default(), mechanism);
    let Some(w) = b.workload else {
        c.err(&["bridge", "workload"], "missing: [bridge.workload] says what crosses the bridge");
        return None;
    };
    let workload = workload(&mut c, w, ids, mechanism)?;
    Some(BridgeSpec { mechanism, poll, processing, htlc_timeout, faults, workload })
}

fn faults(c: &mut Check<'_>, f: RawFaults, mechanism: Mechanism) -> BridgeFaults {
    let p = |k: &'static str| ["bridge", "faults", k];
    let crash_at = f.crash_at.as_ref().map(|_| c.duration(&p("crash_at"), &f.crash_at, 0));
    let restart_at = f.restart_at.as_ref().map(|_| c.duration(&p("restart_at"), &f.restart_at, 0));
    match (crash_at, restart_at) {
        (None, Some(_)) => c.err(&p("restart_at"), "a restart needs a `crash_at` before it"),
        (Some(a), Some(b)) if b <= a => c.err(&p("restart_at"), "must be after `crash_at`"),
        _ => {}
    }
    let byzantine = match f.byzantine.as_deref() {
        None => None,
        Some("forge") => Some(RelayLie::Forge),
        Some("replay") => Some(RelayLie::Replay),
        Some(v) => {
            c.name_in(&p("byzantine"), v, RelayLie::NAMES);
            None
        }
    };
    if byzantine.is_some() && mechanism != Mechanism::Relay {
        c.err(&p("byzantine"), "only a relay can lie this way (mechanism = \"relay\")");
    }
    BridgeFaults {
        crash_at,
        restart_at,
        delay: c.duration(&p("delay"), &f.delay, 0),
        delay_from: c.duration(&p("delay_from"), &f.delay_from, 0),
        delay_until: f
            .delay_until
            .as_ref()
            .map(|_| c.duration(&p("delay_until"), &f.delay_until, 0)),
        byzantine,
    }
}

fn workload(
    c: &mut Check<'_>,
    w: RawWorkload,
    ids: &[String],
    mechanism: Mechanism,
) -> Option<XWorkload> {
    let p = |k: &'static str| ["bridge", "workload", k];
    let first = ids.first().cloned().unwrap_or_default();
    let second = ids.get(1).cloned().unwrap_or_default();
    let kind = w.kind.clone().unwrap_or_else(|| "xchain-transfer".into());
    if !c.name_in(&p("type"), &kind, SHAPES) {
        return None;
    }
    let amount = |c: &mut Check<'_>, k: &'static str, v: Option<i64>| {
        c.int(&p(k), v, 100, 1_000_000_000_000) as u128
    };
    let shape = if kind == "xchain-transfer" {
        let from = c.chain(&p("from"), &w.from, &first, ids);
        let to = c.chain(&p("to"), &w.to, &second, ids);
        if from == to {
            c.err(&p("to"), "the transfer must cross to another chain");
        }
        Shape::XchainTransfer {
            from,
            to,
            asset: w.asset.clone().unwrap_or_else(|| "USD".into()),
            amount: amount(c, "amount", w.amount),
            back: w.back.unwrap_or(mechanism == Mechanism::Relay),
        }
    } else {
        if mechanism != Mechanism::Htlc {
            c.err(
                &p("type"),
                "xchain-dvp pairs settle with hashed time-locks: set mechanism = \"htlc\"",
            );
        }
        let securities = c.chain(&p("securities"), &w.securities, &first, ids);
        let cash = c.chain(&p("cash"), &w.cash, &second, ids);
        if securities == cash {
            c.err(&p("cash"), "the cash leg must be on another chain than the securities");
        }
        let fail_share = match w.fail_share {
            None => 0.0,
            Some(s) if (0.0..=1.0).contains(&s) => s,
            Some(s) => {
                c.err(&p("fail_share"), format!("a share must be between 0 and 1, got {s}"));
                0.0
            }
        };
        Shape::XchainDvp {
            securities,
            cash,
            security: w.security.clone().unwrap_or_else(|| "BOND".into()),
            currency: w.currency.clone().unwrap_or_else(|| "USD".into()),
            quantity: amount(c, "quantity", w.quantity),
            price: amount(c, "price", w.price),
            fail_share,
        }
    };
    let rate = match w.rate {
        None => 5.0,
        Some(r) if r > 0.0 && r <= 10_000.0 => r,
        Some(r) => {
            c.err(&p("rate"), format!("must be more than 0 and at most 10000 per second, got {r}"));
            5.0
        }
    };
    let background_tps = match w.background_tps {
        None => 0.0,
        Some(r) if (0.0..=10_000.0).contains(&r) => r,
        Some(r) => {
            c.err(&p("background_tps"), format!("must be between 0 and 10000, got {r}"));
            0.0
        }
    };
    Some(XWorkload {
        shape,
        rate,
        count: c.int(&p("count"), w.count, 20, 100_000) as u32,
        accounts: c.int(&p("accounts"), w.accounts, 16, 10_000) as u32,
        background_tps,
        drain: c.duration(&p("drain"), &w.drain, 30_000_000_000),
    })
}
