//! Running many in-memory simulations on a few threads with results that do not depend on how
//! many: every result is stored at its item's index, and "the first that fails" is the one of
//! lowest index, whatever finished first.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f` of every item on `jobs` threads, in item order; `None` for items not run because `stop`
/// was raised first.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    stop: &AtomicBool,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<Option<R>> {
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= items.len() || stop.load(Ordering::Relaxed) {
            break;
        }
        let r = f(i, &items[i]);
        results.lock().expect("no worker panics holding the lock")[i] = Some(r);
    };
    let threads = jobs.clamp(1, items.len().max(1));
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    results.into_inner().expect("workers done")
}

/// The first item (lowest index) whose result satisfies `wanted`, with that result and the
/// number of items up to and including it; items are run `jobs` at a time, in order, until one
/// is found. `None` (with every item counted) when none is.
pub fn first<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    stop: &AtomicBool,
    f: impl Fn(&T) -> R + Sync,
    wanted: impl Fn(&R) -> bool,
) -> (Option<(usize, R)>, usize) {
    let wave = jobs.max(1);
    for start in (0..items.len()).step_by(wave) {
        let end = (start + wave).min(items.len());
        let results = map(&items[start..end], jobs, stop, |_, t| f(t));
        for (k, r) in results.into_iter().enumerate() {
            match r {
                Some(r) if wanted(&r) => return (Some((start + k, r)), start + k + 1),
                Some(_) => {}
                None => return (None, start + k),
            }
        }
    }
    (None, items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_item_order_whatever_the_thread_count() {
        let items: Vec<u64> = (0..50).collect();
        let stop = AtomicBool::new(false);
        let one = map(&items, 1, &stop, |i, x| (i as u64, x * x));
        let four = map(&items, 4, &stop, |i, x| (i as u64, x * x));
        assert_eq!(one, four);
        assert_eq!(four[7], Some((7, 49)));
    }

    #[test]
    fn the_first_match_is_the_lowest_index_and_counts_what_was_tried() {
        let items: Vec<u64> = (0..20).collect();
        let stop = AtomicBool::new(false);
        for jobs in [1, 2, 3, 8] {
            let (hit, tried) = first(&items, jobs, &stop, |x| x * 3, |r| *r > 20);
            assert_eq!((hit, tried), (Some((7, 21)), 8), "jobs {jobs}");
        }
        let (hit, tried) = first(&items, 2, &stop, |x| *x, |r| *r > 100);
        assert_eq!((hit, tried), (None, 20));
    }

    #[test]
    fn a_raised_stop_runs_nothing_more() {
        let stop = AtomicBool::new(true);
        assert_eq!(map(&[1, 2, 3], 2, &stop, |_, x| *x), vec![None, None, None]);
    }
}
