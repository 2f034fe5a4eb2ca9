//! The block tree: certificates, locking, the commit rule, and fetching missing blocks.

use super::msg::{HsBlock, HsMsg, Qc};
use super::{HotStuff, FETCH_BATCH};
use crate::protocol::{Block, BlockId, Env, NodeIdx};
use std::sync::Arc;

/// Blocks kept below the committed height (for peers that fetch them).
const KEEP_BELOW: u64 = 256;

impl HotStuff {
    /// The first block missing on the way from `id` down to the committed chain, if any.
    pub(super) fn missing_ancestor(&self, mut id: BlockId) -> Option<BlockId> {
        loop {
            let Some(b) = self.blocks.get(&id) else { return Some(id) };
            if b.block.height <= self.committed_height + 1 || id == BlockId::GENESIS {
                return None;
            }
            id = b.block.parent;
        }
    }

    /// Whether `id` descends from (or is) `ancestor`, as far as the known tree says.
    pub(super) fn extends(&self, mut id: BlockId, ancestor: BlockId) -> bool {
        let Some(target) = self.blocks.get(&ancestor).map(|b| b.block.height) else { return false };
        loop {
            if id == ancestor {
                return true;
            }
            match self.blocks.get(&id) {
                Some(b) if b.block.height > target => id = b.block.parent,
                _ => return false,
            }
        }
    }

    pub(super) fn fetch(&mut self, from: NodeIdx, id: BlockId, env: &mut dyn Env<HsMsg>) {
        let now = env.now();
        if self.fetching.get(&id).is_some_and(|&t| now < t + self.cfg.timeout / 2) {
            return;
        }
        self.fetching.insert(id, now);
        env.send(from, HsMsg::Fetch { id });
    }

    pub(super) fn on_fetch(&mut self, from: NodeIdx, mut id: BlockId, env: &mut dyn Env<HsMsg>) {
        let mut out = Vec::new();
        while let Some(b) = self.blocks.get(&id) {
            if id == BlockId::GENESIS || out.len() >= FETCH_BATCH {
                break;
            }
            out.push(b.clone());
            id = b.block.parent;
        }
        if !out.is_empty() {
            env.send(from, HsMsg::Blocks(out));
        }
    }

    pub(super) fn on_blocks(
        &mut self,
        from: NodeIdx,
        bs: Vec<Arc<HsBlock>>,
        env: &mut dyn Env<HsMsg>,
    ) {
        // Oldest first, so that the application can place each block on its parent.
        for b in bs.into_iter().rev() {
            // Only blocks that carry a valid certificate of their parent enter the tree.
            if b.justify.is_valid(&self.cfg)
                && b.justify.block == b.block.parent
                && b.block.height == b.justify.height + 1
            {
                self.fetching.remove(&b.id());
                if let std::collections::btree_map::Entry::Vacant(slot) = self.blocks.entry(b.id())
                {
                    // The application must know every block of the tree, or it cannot check
                    // (and refuses) the proposals that build on it.
                    env.validate(&b.block);
                    slot.insert(b);
                }
            }
        }
        let waiting = std::mem::take(&mut self.waiting);
        for (f, b) in waiting {
            self.on_proposal(f, b, env);
        }
        // Certificates whose blocks were missing can now lock and commit.
        let qc = self.high_qc.clone();
        self.update_qc(from, &qc, env);
        // A leader that lacked the block of its certificate can propose now.
        if Self::leader(&self.cfg, self.view) == self.cfg.me {
            self.try_propose(env);
        }
    }

    /// Processes a certificate: raises `highQC`, locks, and applies the commit rule.
    pub(super) fn update_qc(&mut self, from: NodeIdx, qc: &Qc, env: &mut dyn Env<HsMsg>) {
        if qc.view > self.high_qc.view {
            self.high_qc = qc.clone();
        }
        let Some(b2) = self.blocks.get(&qc.block).cloned() else {
            self.fetch(from, qc.block, env);
            return;
        };
        let Some(b1) = self.blocks.get(&b2.justify.block).cloned() else {
            self.fetch(from, b2.justify.block, env);
            return;
        };
        if b2.justify.view > self.locked_qc.view {
            self.locked_qc = b2.justify.clone();
        }
        if b2.block.parent != b1.id() || b1.id() == BlockId::GENESIS {
            return;
        }
        if self.two_chain {
            // Broken on purpose: commits what it has just locked.
            self.commit(from, &b2, env);
            return;
        }
        let Some(b0) = self.blocks.get(&b1.justify.block).cloned() else { return };
        if b1.block.parent == b0.id() && b0.id() != BlockId::GENESIS {
            self.commit(from, &b1, env);
        }
    }

    /// Commits the parent of `top` (certified by `top.justify`) and its uncommitted ancestors.
    fn commit(&mut self, from: NodeIdx, top: &HsBlock, env: &mut dyn Env<HsMsg>) {
        let target = top.justify.height;
        if target <= self.committed_height {
            return;
        }
        // Path from `top` down to the committed tip: each block with the QC its child carries.
        let mut path: Vec<(Block, Qc)> = Vec::new();
        let mut child = top.clone();
        loop {
            let id = child.justify.block;
            let Some(b) = self.blocks.get(&id).cloned() else {
                self.fetch(from, id, env);
                return;
            };
            if b.block.height <= self.committed_height {
                if id != self.committed_tip {
                    return; // a fork below the committed chain: never commit it
                }
                break;
            }
            path.push((b.block.clone(), child.justify.clone()));
            child = (*b).clone();
        }
        for (block, qc) in path.into_iter().rev() {
            env.trace_step(block.height, qc.view, "commit");
            env.decide(&block, &qc.signers);
            self.committed_height = block.height;
            self.committed_tip = block.id;
        }
        self.fails = 0;
        if self.committed_height % 64 == 0 {
            let keep = self.committed_height.saturating_sub(KEEP_BELOW);
            self.blocks.retain(|_, b| b.block.height >= keep);
            self.blocks.entry(BlockId::GENESIS).or_insert_with(|| Arc::new(HsBlock::genesis()));
        }
    }
}
