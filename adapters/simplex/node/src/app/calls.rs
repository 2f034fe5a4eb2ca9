//! Answers to the client endpoint's requests, and the outcome stream.

use super::App;
use crate::block::hex;
use crate::client::{Call, Request, SubmitTx};
use crate::trace::now_unix_ns;
use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::Sender;
use serde::Serialize;
use serde_json::{json, Map, Value};
use touchstone_core::{Reason, TxId};

/// What happened to a transaction, as this node saw it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tx: String,
    /// `committed` or `rejected`.
    pub status: &'static str,
    /// The height that applied it (committed), or the finalized height that made the
    /// rejection certain.
    pub height: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    pub t_unix_ns: u64,
    /// Rebuilt from the finalized-block log at startup (reported again after a restart).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
}

impl Outcome {
    /// The result of a transaction in a finalized block.
    pub fn new(tx: TxId, height: u64, failed: Option<Reason>, replayed: bool) -> Outcome {
        Outcome {
            tx: tx.to_string(),
            status: if failed.is_some() { "rejected" } else { "committed" },
            height,
            reason: failed.map(Reason::code),
            t_unix_ns: now_unix_ns(),
            replayed,
        }
    }

    /// A pending transaction that can never apply.
    pub fn rejected(tx: u64, height: u64, reason: Reason) -> Outcome {
        Outcome::new(TxId(tx), height, Some(reason), false)
    }
}

impl<S: Sender<PublicKey = PublicKey>> App<S> {
    pub(super) fn on_call(&mut self, c: Call) {
        let v = match c.request {
            Request::Health => self.health(),
            Request::Genesis => json!({
                "ok": true,
                "digest": hex(&self.p.genesis_digest()),
                "genesis": self.p.genesis,
            }),
            Request::Submit { txs } => self.submit(txs),
            Request::Outcomes { since, max, .. } => {
                let from = usize::try_from(since).unwrap_or(usize::MAX).min(self.outcomes.len());
                let to = from.saturating_add(max).min(self.outcomes.len());
                json!({ "ok": true, "next": to, "outcomes": &self.outcomes[from..to] })
            }
            Request::State { accounts } => {
                let s = self.ledger.snapshot(accounts.as_deref());
                let supply: Map<String, Value> =
                    s.supply.into_iter().map(|(k, v)| (k, json!(v))).collect();
                let balances: Map<String, Value> = s
                    .balances
                    .into_iter()
                    .map(|(a, h)| {
                        (a, Value::Object(h.into_iter().map(|(k, v)| (k, json!(v))).collect()))
                    })
                    .collect();
                json!({ "ok": true, "height": s.height, "app_hash": s.app_hash, "supply": supply, "balances": balances })
            }
            Request::AppHash { height } => match self.ledger.app_hash_at(height) {
                Some(h) => json!({ "ok": true, "height": height, "app_hash": h }),
                None => {
                    json!({ "ok": false, "error": format!("height {height} is not applied yet"), "height_now": self.ledger.height() })
                }
            },
        };
        let _ = c.answer.send(v);
    }

    fn health(&self) -> Value {
        let (height, tip) = self.chain.tip();
        json!({
            "ok": true,
            "node": self.p.me.to_string(),
            "mode": self.p.mode.map_or("honest", |m| m.name()),
            "height": height,
            "block": hex(&tip),
            "view": self.max_view,
            "app_hash": self.ledger.app_hash(),
            "mempool": self.mempool.len(),
            "pending_blocks": self.chain.pending_len(),
            "fetching": self.fetcher.len(),
            "outcomes": self.outcomes.len(),
            "trace": self.p.trace.display().to_string(),
            "trace_lines": self.exporter.written(),
            "boot_unix_ns": self.boot_unix_ns,
        })
    }

    /// Admission: the simulator's check against the committed state; accepted transactions go
    /// to the mempool and are gossiped to every peer.
    fn submit(&mut self, txs: Vec<SubmitTx>) -> Value {
        let expires = self.chain.tip().0 + self.p.tx_ttl_heights;
        let results: Vec<Value> = txs
            .into_iter()
            .map(|s| {
                let id = s.tx;
                let tx = s.into_tx(expires);
                let r = if self.mempool.contains(tx.id) {
                    Err(Reason::DuplicateTx)
                } else if self.mempool.len() >= super::net::MAX_MEMPOOL {
                    Err(Reason::Other)
                } else {
                    self.ledger.admit(&tx)
                };
                match r {
                    Ok(()) => {
                        self.mempool.insert(tx.clone());
                        self.gossip.push(tx);
                        json!({ "tx": id.to_string(), "status": "accepted" })
                    }
                    Err(reason) => {
                        json!({ "tx": id.to_string(), "status": "rejected", "reason": reason.code() })
                    }
                }
            })
            .collect();
        json!({ "ok": true, "results": results })
    }
}
