//! Equivocation per view, for view-based protocols (`run.start.view_based`, or the family's
//! default: HotStuff, Simplex): one proposal and one vote of each kind per node and view,
//! whatever heights they claim. Two at one height are found by the per-height slots already;
//! these are the pairs at two different heights.

use crate::checker::{Checker, RawEquiv};

/// The first proposal (`vt` = [`PROPOSAL`]) or vote of a kind by a node in a view.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ViewEntry {
    pub(crate) height: u64,
    pub(crate) block: u16,
    pub(crate) line: u64,
    /// An equivocation in this view was already reported.
    pub(crate) reported: bool,
}

/// The kind used for proposals in the per-view map.
pub(crate) const PROPOSAL: u8 = u8::MAX;

impl Checker<'_> {
    pub(crate) fn view_proposal(&mut self, n: u32, h: u64, r: u64, b: u16) {
        self.view_entry(n, h, r, PROPOSAL, b);
    }

    pub(crate) fn view_vote(&mut self, n: u32, h: u64, r: u64, vt: u8, b: u16) {
        self.view_entry(n, h, r, vt, b);
    }

    fn view_entry(&mut self, n: u32, h: u64, r: u64, vt: u8, b: u16) {
        let line = self.line;
        let e = self.view_first.entry((n, r, vt)).or_insert(ViewEntry {
            height: h,
            block: b,
            line,
            reported: false,
        });
        // Same height: judged by the height's own slots.
        if e.height == h || e.reported {
            return;
        }
        let first = *e;
        let name = |c: &Checker<'_>, height: u64, block: u16| match c.heights.get(&height) {
            Some(hs) => hs.block_name(block).to_string(),
            None => format!("a block at height {height}"),
        };
        let blocks = [name(self, first.height, first.block), name(self, h, b)];
        if blocks[0] == blocks[1] {
            return;
        }
        if let Some(e) = self.view_first.get_mut(&(n, r, vt)) {
            e.reported = true;
        }
        let what = if vt == PROPOSAL {
            "proposal in one view".to_string()
        } else {
            format!("{} in one view", self.vtype_name(vt))
        };
        self.equivocation(RawEquiv {
            node: n,
            height: h,
            round: r,
            what,
            blocks: [
                format!("{} (height {})", blocks[0], first.height),
                format!("{} (height {h})", blocks[1]),
            ],
            lines: [first.line, line],
        });
    }

    /// Forgets views whose first entry is at a height judged and dropped from the window, a
    /// quarter window at a time.
    pub(crate) fn sweep_views(&mut self) {
        let step = (self.opts.limits.window_heights / 4).max(1);
        if self.pruned_below < self.view_swept + step {
            return;
        }
        let below = self.pruned_below;
        self.view_first.retain(|_, e| e.height >= below);
        self.view_swept = below;
    }
}
