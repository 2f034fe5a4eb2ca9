//! The one rule that calls a change "improved", "regressed" or "no change": used by
//! `touchstone compare` (per metric and cell of two sweeps or runs, across seeds) and by the run
//! report's `--compare` (per indicator, one run a side).
//!
//! **The rule.** Given the base's values of a metric over its seeds `B` and the new values `N`,
//! and whether higher or lower is better:
//! 1. *size*: the medians move by at least [`NOISE_RELATIVE`] (5 %) of the base median
//!    (`|med(N) − med(B)| ≥ 0.05 · |med(B)|`; from a base of 0 any move counts);
//! 2. *consistency*: when both sides have at least two seeds, their ranges do not overlap —
//!    every new seed is beyond every base seed in the direction of the move
//!    (`min(N) > max(B)` for a rise, `max(N) < min(B)` for a fall). With one seed on a side
//!    only the size test applies.
//!
//! Both hold → `improved` or `regressed` by the metric's better direction; otherwise `no change`.
//! A side with no value is `not comparable`. The rule is deterministic (no resampling), so a
//! rerun of a deterministic simulation is "no change" exactly, and a shift that moves every
//! seed by more than the noise is never hidden by one lucky seed. Like criterion's noise
//! threshold, the 5 % absorbs changes too small to matter even when they are consistent.

use crate::rubric::Better;
use serde::{Deserialize, Serialize};

/// Smallest relative move of the median that is not noise.
pub const NOISE_RELATIVE: f64 = 0.05;

/// The judgement on one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Regressed,
    Improved,
    NoChange,
    NotComparable,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Regressed => "regressed",
            Change::Improved => "improved",
            Change::NoChange => "no change",
            Change::NotComparable => "not comparable",
        }
    }
}

/// The median of `v` (mean of the middle two for an even count); `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 { s[m] } else { (s[m - 1] + s[m]) / 2.0 })
}

fn range(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(*x), hi.max(*x)))
}

/// The rule (see the module documentation) on the base's and the new seeds' values.
pub fn judge(base: &[f64], new: &[f64], better: Better) -> Change {
    let (Some(mb), Some(mn)) = (median(base), median(new)) else {
        return Change::NotComparable;
    };
    let d = mn - mb;
    let big = if mb == 0.0 { d != 0.0 } else { d.abs() >= NOISE_RELATIVE * mb.abs() };
    if !big {
        return Change::NoChange;
    }
    if base.len() >= 2 && new.len() >= 2 {
        let ((bl, bh), (nl, nh)) = (range(base), range(new));
        let apart = if d > 0.0 { nl > bh } else { nh < bl };
        if !apart {
            return Change::NoChange;
        }
    }
    if (d > 0.0) == (better == Better::Higher) {
        Change::Improved
    } else {
        Change::Regressed
    }
}

/// The rule in one sentence, for reports and terminal output.
pub fn statement() -> String {
    format!(
        "a metric changes when its median across seeds moves by ≥ {:.0}% of the base's and, with \
         ≥ 2 seeds a side, the seeds' min–max ranges do not overlap; otherwise no change",
        NOISE_RELATIVE * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Better::{Higher, Lower};

    #[test]
    fn identical_seeds_are_no_change() {
        assert_eq!(judge(&[10.0, 11.0, 12.0], &[10.0, 11.0, 12.0], Lower), Change::NoChange);
    }

    #[test]
    fn a_consistent_shift_beyond_the_noise_counts_by_direction() {
        let base = [100.0, 102.0, 98.0];
        let slow = [130.0, 128.0, 135.0];
        assert_eq!(judge(&base, &slow, Lower), Change::Regressed);
        assert_eq!(judge(&base, &slow, Higher), Change::Improved);
        assert_eq!(judge(&slow, &base, Lower), Change::Improved);
    }

    #[test]
    fn overlapping_seeds_or_a_small_move_are_noise() {
        // Median +20 % but one new seed is as good as the worst base seed.
        assert_eq!(judge(&[100.0, 101.0, 125.0], &[120.0, 121.0, 122.0], Lower), Change::NoChange);
        // Consistent but under 5 %.
        assert_eq!(judge(&[100.0, 100.5], &[103.0, 103.5], Lower), Change::NoChange);
    }

    #[test]
    fn one_seed_a_side_is_the_size_test_alone_and_empty_is_not_comparable() {
        assert_eq!(judge(&[1.0], &[0.8], Higher), Change::Regressed);
        assert_eq!(judge(&[0.0], &[3.0], Lower), Change::Regressed);
        assert_eq!(judge(&[0.0], &[0.0], Lower), Change::NoChange);
        assert_eq!(judge(&[], &[1.0], Lower), Change::NotComparable);
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
