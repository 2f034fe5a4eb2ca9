//! Receipts, on `receipt_workers` threads of their own (each with its own connection), apart
//! from the observer: `eth_getTransactionReceipt` in batches, for two purposes.
//! - **settle**: a transaction whose status and fee the block could not fix waits for its
//!   receipt (`receipts = "every"`); when it comes, the outcome is passed on (timed when its
//!   block was read — a slow receipt delays the report, not the measured commit).
//! - **check**: a sample of each block's transactions whose status and fee were taken from the
//!   block; a receipt that disagrees (status 0, other gas used or price) ends the run, since the
//!   adapter could not vouch for its outcomes any more.
//!
//! Receipts are kept off the observer's path because nodes can be slow to serve them: anvil
//! 1.7.1 takes time quadratic in the block's size (a 2,000-transaction block: ~5 s for all its
//! receipts, by block or one by one), while the block's transaction list comes in milliseconds.

use crate::errors::rpc_error;
use crate::names::NAME;
use crate::observe::ReceiptFacts;
use crate::observer::{pass_on, TRANSFER_GAS};
use crate::rpc::{RpcClient, RpcError};
use crate::shared::{lock, Ctx, Obs, PanicGuard};
use serde::Deserialize;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use touchstone_core::adapter::AdapterError;
use touchstone_core::TxId;

/// Receipts asked for in one batch.
const PER_BATCH: usize = 128;

/// A receipt to read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReceiptJob {
    /// The node's epoch when the block was read (a restart makes the job stale).
    pub epoch: u64,
    pub id: TxId,
    pub hash: [u8; 32],
    /// The height of the block that included it, as read.
    pub height: u64,
    /// `Some(price)`: check that the transaction succeeded, used 21,000 gas at this effective
    /// price; `None`: settle it from the receipt.
    pub check: Option<u128>,
}

impl ReceiptJob {
    pub fn settle(id: TxId, hash: [u8; 32], height: u64) -> Self {
        ReceiptJob { epoch: 0, id, hash, height, check: None }
    }

    pub fn check(id: TxId, hash: [u8; 32], height: u64, price: u128) -> Self {
        ReceiptJob { epoch: 0, id, hash, height, check: Some(price) }
    }
}

/// The fields of a receipt the adapter uses (the logs bloom and the rest are skipped).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReceipt {
    block_number: String,
    #[serde(default)]
    status: Option<String>,
    gas_used: String,
    #[serde(default)]
    effective_gas_price: Option<String>,
}

impl RawReceipt {
    fn facts(&self) -> Option<ReceiptFacts> {
        let q = |s: &str| s.strip_prefix("0x").and_then(|h| u128::from_str_radix(h, 16).ok());
        Some(ReceiptFacts {
            height: q(&self.block_number)? as u64,
            success: self.status.as_deref() != Some("0x0"),
            gas_used: q(&self.gas_used)?,
            effective_gas_price: self.effective_gas_price.as_deref().and_then(q).unwrap_or(0),
        })
    }
}

/// One receipt-fetching thread; the threads share one queue.
#[derive(Debug)]
pub(crate) struct ReceiptWorker {
    pub ctx: Ctx,
    pub rpc: RpcClient,
    pub jobs: Arc<Mutex<Receiver<ReceiptJob>>>,
    /// To put back a job whose receipt the node does not serve yet.
    pub again: Sender<ReceiptJob>,
}

impl ReceiptWorker {
    pub fn run(self) {
        let _guard = PanicGuard { who: "receipt", obs: self.ctx.obs.clone() };
        while !self.ctx.stopping() {
            let batch = self.take();
            if batch.is_empty() {
                continue;
            }
            match self.fetch(&batch) {
                Ok(0) => std::thread::sleep(Duration::from_millis(20)), // none served yet
                Ok(_) => {}
                Err(e) => {
                    let _ = self.ctx.obs.send(Obs::Fatal(e));
                    return;
                }
            }
        }
    }

    /// Up to [`PER_BATCH`] jobs: waits briefly for the first.
    fn take(&self) -> Vec<ReceiptJob> {
        let q = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        match q.recv_timeout(Duration::from_millis(50)) {
            Ok(j) => out.push(j),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return out,
        }
        while out.len() < PER_BATCH {
            match q.try_recv() {
                Ok(j) => out.push(j),
                Err(_) => break,
            }
        }
        out
    }

    /// Reads and applies a batch of receipts; returns how many the node served.
    fn fetch(&self, batch: &[ReceiptJob]) -> Result<usize, AdapterError> {
        let calls: Vec<(&str, serde_json::Value)> = batch
            .iter()
            .map(|j| {
                let h = format!("0x{}", hex::encode(j.hash));
                ("eth_getTransactionReceipt", serde_json::json!([h]))
            })
            .collect();
        let answers = match self.rpc.batch_typed::<RawReceipt>(&calls) {
            Ok(a) => a,
            Err(RpcError::Transport { .. }) => {
                // The observer notices a node that stays down; these are asked for again.
                self.requeue(batch.iter().copied());
                std::thread::sleep(Duration::from_millis(50));
                return Ok(0);
            }
            Err(e) => return Err(rpc_error("eth_getTransactionReceipt", e)),
        };
        let mut served = 0;
        let mut settled = false;
        let mut later = Vec::new();
        {
            let mut sh = lock(&self.ctx.shared);
            for (j, a) in batch.iter().zip(answers) {
                if j.epoch != sh.epoch {
                    continue;
                }
                let Some(facts) = a.ok().flatten().and_then(|r| r.facts()) else {
                    // Not served yet (or an error): again while the transaction waits for it.
                    if j.check.is_none() && sh.tracker.pending.contains_key(&j.id) {
                        later.push(*j);
                    }
                    continue;
                };
                served += 1;
                sh.stats.receipts += 1;
                match j.check {
                    Some(price) => {
                        sh.stats.receipts_checked += 1;
                        if let Some(problem) = disagreement(j, &facts, price) {
                            return Err(AdapterError::Other {
                                adapter: NAME.into(),
                                message: problem,
                            });
                        }
                    }
                    None => {
                        if let Some((from, fee)) = sh.tracker.on_receipt(j.id, &facts) {
                            if let Some(f) = sh.fees_paid.get_mut(from) {
                                *f += fee;
                            }
                            settled = true;
                        }
                    }
                }
            }
        }
        self.requeue(later.into_iter());
        if settled {
            let epoch = lock(&self.ctx.shared).epoch;
            pass_on(&self.ctx, 0, epoch);
        }
        Ok(served)
    }

    fn requeue(&self, jobs: impl Iterator<Item = ReceiptJob>) {
        for j in jobs {
            let _ = self.again.send(j);
        }
    }
}

/// Why a receipt contradicts what the adapter took from its block, if it does.
fn disagreement(j: &ReceiptJob, r: &ReceiptFacts, price: u128) -> Option<String> {
    if r.height != j.height {
        return None; // re-included elsewhere after a restart: that block is checked on its own
    }
    let tx = format!("0x{}", hex::encode(j.hash));
    let what = if !r.success {
        "status 0 (reverted)".to_string()
    } else if r.gas_used != TRANSFER_GAS {
        format!("gas used {}", r.gas_used)
    } else if r.effective_gas_price != price {
        format!("effective gas price {}", r.effective_gas_price)
    } else {
        return None;
    };
    Some(format!(
        "the receipt of {tx} (harness tx {}, block {}) says {what}, but the adapter reported it from the block as a successful transfer of {TRANSFER_GAS} gas at {price} wei: it cannot vouch for its outcomes (set receipts = \"every\")",
        j.id, j.height
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_that_contradicts_its_block_is_named() {
        let j = ReceiptJob { epoch: 0, ..ReceiptJob::check(TxId(7), [0xab; 32], 9, 2) };
        let ok =
            ReceiptFacts { height: 9, success: true, gas_used: 21_000, effective_gas_price: 2 };
        assert_eq!(disagreement(&j, &ok, 2), None);
        let reverted = ReceiptFacts { success: false, ..ok };
        let m = disagreement(&j, &reverted, 2).unwrap();
        assert!(m.contains("status 0") && m.contains("t7") && m.contains("block 9"), "{m}");
        let pricier = ReceiptFacts { effective_gas_price: 3, ..ok };
        assert!(disagreement(&j, &pricier, 2).unwrap().contains("price 3"));
        let elsewhere = ReceiptFacts { height: 10, success: false, ..ok };
        assert_eq!(disagreement(&j, &elsewhere, 2), None, "another block is checked on its own");
    }

    #[test]
    fn receipts_parse_the_fields_used() {
        let r: RawReceipt = serde_json::from_str(
            r#"{"blockNumber":"0x9","status":"0x1","gasUsed":"0x5208","effectiveGasPrice":"0x3","logsBloom":"0x00"}"#,
        )
        .unwrap();
        assert_eq!(
            r.facts(),
            Some(ReceiptFacts {
                height: 9,
                success: true,
                gas_used: 21_000,
                effective_gas_price: 3
            })
        );
    }
}
