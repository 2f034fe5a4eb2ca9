//! The tx table: a growable array of records whose memory is made ready on another thread.
//!
//! On Touchstone's own traces the checking thread spent about a fifth of its time in page
//! faults, nearly all of them on the tx table's first touch of fresh memory as it grew (one
//! record per tx id, hundreds of thousands held across the consensus window). A fault costs
//! the same wherever it is taken, but not on the thread that sets the pace: so the table
//! is kept in fixed segments of [`SEG`] records, and once it is large ([`HELPED_FROM`]
//! segments) a helper thread allocates and writes each next segment before it is needed.
//! The checking thread then only moves a pointer. When no segment is ready (the helper has
//! not been scheduled yet), it makes one itself, so the table never waits. A segment made
//! here is only reserved and filled by pushing: writing it ahead would write every record
//! twice on the thread that sets the pace (an eighth of its time on the Raft bench trace),
//! while its pages fault in either way.
//!
//! A segment is never given back while the table lives: shrinking (the horizon's compaction)
//! keeps it for the next growth, whose pages are then already mapped. Memory is therefore the
//! peak length rounded up to a segment, plus the few segments made ahead ([`AHEAD`]).

use std::fmt;
use std::ops::{Index, IndexMut};
use std::sync::mpsc::{channel, Receiver, Sender};

/// Records per segment, a power of two.
const SEG_BITS: u32 = 13;
const SEG: usize = 1 << SEG_BITS;

/// Segments made on the checking thread before the helper starts: below that, the faults
/// cost the checking thread less than the helper's competition with the reading thread for
/// the other core (on a Raft trace of 60,000 txs the helper made the check 15 % slower).
const HELPED_FROM: usize = 16;

/// Segments asked of the helper ahead of the table's growth.
const AHEAD: usize = 2;

/// The helper thread's side, started at the table's [`HELPED_FROM`]th segment: segments are
/// asked for on `ask` and arrive on `ready`.
struct Helper<T> {
    ask: Sender<()>,
    ready: Receiver<Vec<T>>,
}

/// A growable array of `T`, in segments made ready ahead (see the module).
pub(crate) struct Table<T> {
    /// Full segments of [`SEG`] records, but the first, which grows to that length.
    segs: Vec<Vec<T>>,
    len: usize,
    helper: Option<Helper<T>>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { segs: Vec::new(), len: 0, helper: None }
    }
}

impl<T> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table").field("len", &self.len).field("segments", &self.segs.len()).finish()
    }
}

/// A segment made by the helper: every record is written, so every page is mapped there and
/// not where it is used.
fn segment<T: Default + Clone>() -> Vec<T> {
    vec![T::default(); SEG]
}

impl<T: Default + Clone + Send + 'static> Table<T> {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn push(&mut self, v: T) {
        let i = self.len;
        if i == self.segs.len() << SEG_BITS {
            self.grow();
        }
        let seg = &mut self.segs[i >> SEG_BITS];
        match seg.get_mut(i & (SEG - 1)) {
            Some(slot) => *slot = v,
            // A segment made on this thread is filled by pushing.
            None => seg.push(v),
        }
        self.len += 1;
    }

    #[cold]
    fn grow(&mut self) {
        if self.helper.is_none() && self.segs.len() >= HELPED_FROM {
            self.helper = start_helper();
        }
        let seg = match &self.helper {
            // One asked for each taken, so that [`AHEAD`] are always under way.
            Some(h) => match h.ready.try_recv() {
                Ok(seg) => {
                    let _ = h.ask.send(());
                    seg
                }
                Err(_) => Vec::with_capacity(SEG),
            },
            None => Vec::with_capacity(SEG),
        };
        self.segs.push(seg);
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.segs[i >> SEG_BITS][i & (SEG - 1)])
    }

    /// The records, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.segs.iter().flat_map(|s| s.iter()).take(self.len)
    }

    /// Keeps the records `keep` says yes to, in order, in place; the segments freed stay for
    /// the next growth.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let mut to = 0;
        for from in 0..self.len {
            if keep(&self[from]) {
                if to != from {
                    let v = std::mem::take(&mut self[from]);
                    self[to] = v;
                }
                to += 1;
            }
        }
        self.len = to;
    }
}

/// The helper thread: a segment per request, until the table is gone. `None` when no
/// thread can be started: the table then makes its segments itself.
fn start_helper<T: Default + Clone + Send + 'static>() -> Option<Helper<T>> {
    let (ask, asked) = channel::<()>();
    let (made, ready) = channel();
    std::thread::Builder::new()
        .name("checker-memory".into())
        .spawn(move || {
            for () in asked {
                if made.send(segment::<T>()).is_err() {
                    return;
                }
            }
        })
        .ok()?;
    for _ in 0..AHEAD {
        let _ = ask.send(());
    }
    Some(Helper { ask, ready })
}

impl<T> Index<usize> for Table<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        assert!(i < self.len, "index {i} out of a table of {}", self.len);
        &self.segs[i >> SEG_BITS][i & (SEG - 1)]
    }
}

impl<T> IndexMut<usize> for Table<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        assert!(i < self.len, "index {i} out of a table of {}", self.len);
        &mut self.segs[i >> SEG_BITS][i & (SEG - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_vec_through_growth_and_compaction() {
        let mut t = Table::<u64>::default();
        let mut v = Vec::new();
        for round in 0..4u64 {
            for i in 0..(3 * SEG as u64 + 17) {
                t.push(round * 1_000_000 + i);
                v.push(round * 1_000_000 + i);
            }
            assert_eq!(t.len(), v.len());
            assert!(t.iter().eq(v.iter()));
            assert_eq!(t.get(v.len()), None);
            assert_eq!(t.get(v.len() - 1), v.last());
            t[5] += 1;
            v[5] += 1;
            t.retain(|x| x % 3 != round % 3);
            v.retain(|x| x % 3 != round % 3);
            assert!(t.iter().eq(v.iter()), "round {round}");
        }
        // The segments freed by compaction are reused, not added to.
        let segs = t.segs.len();
        t.retain(|_| false);
        for i in 0..(segs * SEG) as u64 {
            t.push(i);
        }
        assert_eq!(t.segs.len(), segs);
    }

    #[test]
    fn a_large_table_is_fed_by_the_helper_and_stays_in_order() {
        let mut t = Table::<u32>::default();
        let n = (HELPED_FROM + 5) * SEG + 3;
        for i in 0..n as u32 {
            t.push(i);
        }
        assert!(t.helper.is_some(), "the helper started past {HELPED_FROM} segments");
        assert!(t.iter().copied().eq(0..n as u32));
        assert_eq!(t[n - 1], n as u32 - 1);
    }

    #[test]
    #[should_panic(expected = "out of a table")]
    fn an_index_past_the_end_panics_like_a_vec() {
        let mut t = Table::<u8>::default();
        t.push(1);
        let _ = t[1];
    }
}
