//! The application side of a node: building blocks from the mempool, checking proposed blocks,
//! and applying decided blocks to the ledger (with outcomes, trace and snapshots).

use super::core::{BidStr, Core};
use crate::ledger::fasthash::FastMap;
use crate::ledger::rules::{check, execute, is_permanent};
use crate::ledger::tx::AccountIdx;
use crate::ledger::{Overlay, StateAccess, TxData};
use crate::protocol::{Block, BlockId, NodeIdx, WireMessage};
use touchstone_core::adapter::{EventSink, OutcomeStatus};
use touchstone_core::trace::TraceEvent;
use touchstone_core::Nanos;
use touchstone_core::{Reason, TxId};

/// Heights between two sweeps of expired transactions out of a mempool.
const SWEEP_EVERY: u64 = 32;

impl<M: WireMessage> Core<M> {
    /// The uncommitted blocks from the node's last decided block up to `parent` (oldest first),
    /// or `None` if `parent` does not extend the node's decided chain through blocks it knows.
    fn ancestors(&self, node: NodeIdx, parent: BlockId) -> Option<Vec<Block>> {
        let rt = &self.nodes[node];
        let mut chain = Vec::new();
        let mut cur = parent;
        while cur != rt.last_block {
            let b = rt.known.get(&cur)?;
            if b.height <= rt.ledger.height {
                return None;
            }
            chain.push(b.clone());
            cur = b.parent;
        }
        chain.reverse();
        Some(chain)
    }

    fn apply_ancestors(&self, ov: &mut Overlay<'_>, anc: &[Block]) {
        for b in anc {
            for &t in b.txs.iter() {
                if let Some(d) = self.txs.get(&t) {
                    let _ = execute(ov, t, d, b.height);
                }
            }
        }
    }

    /// Up to `max` transactions valid on top of `parent`, in mempool order. Returns them and the
    /// CPU time spent.
    pub fn take_txs(&mut self, node: NodeIdx, parent: BlockId, max: usize) -> (Vec<TxId>, u64) {
        // A parent this node cannot place on its decided chain: propose nothing rather than
        // transactions its uncommitted ancestors may already hold.
        let Some(anc) = self.ancestors(node, parent) else { return (Vec::new(), 0) };
        let rt = &self.nodes[node];
        let height = rt.ledger.height + anc.len() as u64 + 1;
        let mut ov = Overlay::new(&rt.ledger);
        self.apply_ancestors(&mut ov, &anc);
        let mut out = Vec::new();
        let mut drop = Vec::new();
        let budget = max.saturating_mul(8).saturating_add(256);
        let window = nonce_order(rt.mempool.iter().take(budget).collect(), &self.txs);
        for t in window {
            if out.len() >= max {
                break;
            }
            let Some(d) = self.txs.get(&t) else { continue };
            if let (Some(sender), Some(n)) = (d.op.sender(), d.nonce) {
                let fresh = self.admitted_at.get(&t).is_some_and(|&a| self.now < a + GAP_PATIENCE);
                if fresh && n > ov.nonce(sender) {
                    continue;
                }
            }
            match execute(&mut ov, t, d, height) {
                Ok(()) => out.push(t),
                Err(r) if is_permanent(r) && !anc_has(&anc, t) => drop.push(t),
                Err(_) => {}
            }
        }
        let rt = &mut self.nodes[node];
        for t in drop {
            rt.mempool.remove(t);
        }
        let cost = self.params.tx_cost * out.len() as u64;
        (out, cost)
    }

    /// Whether every transaction of `block` is valid on top of its parent; the CPU time spent.
    /// A block whose parent this node cannot place on its decided chain through blocks it knows
    /// is refused: it cannot be checked (its transactions may repeat an ancestor's), and a
    /// correct node votes only for what it checked.
    pub fn validate(&mut self, node: NodeIdx, block: &Block) -> (bool, u64) {
        let cost = self.params.tx_cost * block.txs.len() as u64;
        self.remember(node, block);
        let rt = &self.nodes[node];
        if block.height <= rt.ledger.height {
            return (block.id == rt.last_block, 0);
        }
        let Some(anc) = self.ancestors(node, block.parent) else {
            return (false, 0);
        };
        if block.height != rt.ledger.height + anc.len() as u64 + 1 {
            return (false, 0);
        }
        let mut ov = Overlay::new(&rt.ledger);
        self.apply_ancestors(&mut ov, &anc);
        let ok = block.txs.iter().all(|t| {
            self.txs.get(t).is_some_and(|d| execute(&mut ov, *t, d, block.height).is_ok())
        });
        (ok, cost)
    }

    /// Records a block this node has seen, for building on uncommitted ancestors.
    pub fn remember(&mut self, node: NodeIdx, block: &Block) {
        let rt = &mut self.nodes[node];
        if block.height > rt.ledger.height && !rt.known.contains_key(&block.id) {
            rt.known.insert(block.id, block.clone());
        }
    }

    /// A transaction no node will accept (for the `invalid_proposal` behaviour).
    pub fn invalid_tx(&mut self, node: NodeIdx) -> TxId {
        let id = TxId((1 << 62) + self.next_invalid);
        self.next_invalid += 1;
        self.txs.insert(
            id,
            TxData { op: crate::ledger::Op::Invalid, nonce: None, expires: 0, entry: node },
        );
        id
    }

    /// `node` decides `block`: apply, trace, report outcomes, snapshot. Returns the CPU time.
    pub fn decide(
        &mut self,
        node: NodeIdx,
        block: &Block,
        signers: &[NodeIdx],
        sink: &mut dyn EventSink,
    ) -> u64 {
        self.stats.decisions += 1;
        let h = block.height;
        let in_order = h == self.nodes[node].ledger.height + 1;
        if in_order {
            let rt = &mut self.nodes[node];
            let mut applied = Vec::with_capacity(block.txs.len());
            for &t in block.txs.iter() {
                if let Some(d) = self.txs.get(&t) {
                    if execute(&mut rt.ledger, t, d, h).is_ok() {
                        applied.push(t);
                    }
                }
                rt.mempool.remove(t);
                rt.mempool.mark_seen(t);
            }
            rt.ledger.close_height(h, &applied);
            rt.last_block = block.id;
            rt.known.retain(|_, b| b.height > h);
            rt.since_sweep += 1;
            if rt.since_sweep >= SWEEP_EVERY {
                rt.since_sweep = 0;
                let dead: Vec<TxId> = rt
                    .mempool
                    .iter()
                    .filter(|t| self.txs.get(t).is_none_or(|d| d.expires < h))
                    .collect();
                for t in dead {
                    rt.mempool.remove(t);
                }
            }
        } else {
            tracing::warn!(node = %self.names[node], height = h, decided = self.nodes[node].ledger.height, "decision out of order: not applied");
        }
        let bid = BidStr::new(block.id);
        let parent = BidStr::new(block.parent);
        let app_hash = in_order.then(|| self.nodes[node].ledger.app_hash_hex());
        let signer_names: Vec<&str> = signers.iter().map(|&s| self.names[s].as_str()).collect();
        sink.trace(
            self.now,
            &TraceEvent::ConsDecide {
                node: &self.names[node],
                height: h,
                round: block.round,
                block: bid.as_str(),
                parent: Some(parent.as_str()),
                app_hash: app_hash.as_deref(),
                txs: &block.txs,
                signers: Some(&signer_names),
            },
        );
        if in_order {
            self.outcomes_after_decide(node, block, sink);
            if self.snapshot_every > 0 && h % self.snapshot_every == 0 {
                self.emit_snapshot(node, sink);
            }
        }
        self.params.tx_cost * block.txs.len() as u64
    }

    fn outcomes_after_decide(&mut self, node: NodeIdx, block: &Block, sink: &mut dyn EventSink) {
        let h = block.height;
        for &t in block.txs.iter() {
            if self.finality.decided(node, t, h) {
                self.report(sink, t, OutcomeStatus::Committed { height: h }, node);
            }
        }
        if self.nodes[node].byzantine {
            return;
        }
        // Nonces this block used up: whatever else waits on them can never apply.
        for &t in block.txs.iter() {
            let Some(d) = self.txs.get(&t) else { continue };
            let (Some(sender), Some(n)) = (d.op.sender(), d.nonce) else { continue };
            if !crate::ledger::StateAccess::applied(&self.nodes[node].ledger, t) {
                continue;
            }
            for loser in self.waiters.used_up(sender, n) {
                if loser != t && self.finality.reject_if_undecided(loser) {
                    self.report_rejected(sink, loser, Reason::BadNonce, node);
                }
            }
        }
        for t in self.finality.expired_before(h) {
            let reason = match self.txs.get(&t) {
                Some(d) => {
                    check(&self.nodes[node].ledger, t, d, h).err().unwrap_or(Reason::Timeout)
                }
                None => Reason::Timeout,
            };
            self.report_rejected(sink, t, reason, node);
        }
    }

    pub fn emit_snapshot(&self, node: NodeIdx, sink: &mut dyn EventSink) {
        let l = &self.nodes[node].ledger;
        let supply = l.supply_by_name();
        let balances = l.all_balances();
        let hash = l.app_hash_hex();
        sink.trace(
            self.now,
            &TraceEvent::StateSnapshot {
                node: &self.names[node],
                height: l.height,
                app_hash: Some(&hash),
                supply: &supply,
                balances: &balances,
            },
        );
    }
}

/// How long a proposer holds back a transaction whose nonce leaves a gap after its sender's
/// last applied one, from its admission: an earlier transaction of the same sender may still be
/// on its way (lost gossip, a healed partition: pending transactions are sent again every
/// [`super::core::REGOSSIP_EVERY`]). A policy, not a validity rule: after the wait the gap is
/// accepted, as the rules allow.
const GAP_PATIENCE: Nanos = 2 * super::core::REGOSSIP_EVERY;

/// A proposer's ordering policy (not a validity rule): each sender's nonced transactions in
/// ascending nonce order, in the slots they hold in arrival order, so a sender's later
/// transaction that overtook an earlier one in gossip does not use up the earlier one's nonce.
fn nonce_order(mut window: Vec<TxId>, txs: &FastMap<TxId, TxData>) -> Vec<TxId> {
    let mut by_sender: FastMap<AccountIdx, Vec<usize>> = FastMap::default();
    for (i, t) in window.iter().enumerate() {
        if let Some(d) = txs.get(t) {
            if let (Some(s), Some(_)) = (d.op.sender(), d.nonce) {
                by_sender.entry(s).or_default().push(i);
            }
        }
    }
    for slots in by_sender.values().filter(|s| s.len() > 1) {
        let mut mine: Vec<TxId> = slots.iter().map(|&i| window[i]).collect();
        mine.sort_by_key(|t| (txs[t].nonce, *t));
        for (&i, t) in slots.iter().zip(mine) {
            window[i] = t;
        }
    }
    window
}

fn anc_has(anc: &[Block], t: TxId) -> bool {
    anc.iter().any(|b| b.txs.contains(&t))
}
