//! Scoring arithmetic of `indicators.md`: linear between minimum and target, means up the
//! tree, the profile's weighted sum, grades.

use crate::rubric::{Better, Grades};

/// Score of a value: 1 at (or beyond) the target, 0 at or beyond the minimum, linear between.
/// `better` says which way is good. When target = minimum the score is 1 if the value meets
/// the target and 0 otherwise.
pub fn linear(value: f64, target: f64, minimum: f64, better: Better) -> f64 {
    let meets = |v: f64, bound: f64| match better {
        Better::Higher => v >= bound,
        Better::Lower => v <= bound,
    };
    if meets(value, target) {
        return 1.0;
    }
    if target == minimum || !meets(value, minimum) {
        return 0.0;
    }
    ((value - minimum) / (target - minimum)).clamp(0.0, 1.0)
}

/// Weighted mean of the `Some` scores; `None` when none is evaluated.
pub fn weighted_mean(items: impl IntoIterator<Item = (Option<f64>, f64)>) -> Option<f64> {
    let (mut sum, mut w) = (0.0, 0.0);
    for (s, weight) in items {
        if let Some(s) = s {
            sum += s * weight;
            w += weight;
        }
    }
    (w > 0.0).then(|| sum / w)
}

/// The overall score on 0–100: Σ weight × L1 score over the evaluated areas, renormalised to the
/// evaluated areas' weights (so an area not evaluated neither adds nor subtracts).
pub fn overall(areas: impl IntoIterator<Item = (Option<f64>, f64)>) -> Option<f64> {
    weighted_mean(areas).map(|s| (s * 100.0 * 10.0).round() / 10.0)
}

/// Letter grade: any failed gate is F; otherwise by score.
pub fn grade(score: Option<f64>, gate_failed: bool, g: &Grades) -> &'static str {
    if gate_failed {
        return "F";
    }
    match score {
        None => "-",
        Some(s) if s >= g.a => "A",
        Some(s) if s >= g.b => "B",
        Some(s) if s >= g.c => "C",
        Some(_) => "F",
    }
}

/// What a grade means (indicators.md).
pub fn grade_meaning(grade: &str) -> &'static str {
    match grade {
        "A" => "certify / admit",
        "B" => "conditional",
        "C" => "research only",
        "F" => "fail",
        _ => "not graded: nothing scored could be evaluated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_is_better_latency() {
        let s = |v| linear(v, 1.0, 5.0, Better::Lower);
        assert_eq!(s(0.5), 1.0);
        assert_eq!(s(1.0), 1.0);
        assert_eq!(s(3.0), 0.5);
        assert_eq!(s(5.0), 0.0);
        assert_eq!(s(9.0), 0.0);
    }

    #[test]
    fn higher_is_better_throughput() {
        let s = |v| linear(v, 1000.0, 500.0, Better::Higher);
        assert_eq!(s(2000.0), 1.0);
        assert_eq!(s(750.0), 0.5);
        assert_eq!(s(500.0), 0.0);
        assert_eq!(s(100.0), 0.0);
    }

    #[test]
    fn step_when_target_equals_minimum() {
        assert_eq!(linear(2.0, 2.0, 2.0, Better::Lower), 1.0);
        assert_eq!(linear(2.01, 2.0, 2.0, Better::Lower), 0.0);
    }

    #[test]
    fn grades() {
        let g = Grades { a: 85.0, b: 70.0, c: 50.0 };
        assert_eq!(grade(Some(85.0), false, &g), "A");
        assert_eq!(grade(Some(84.9), false, &g), "B");
        assert_eq!(grade(Some(50.0), false, &g), "C");
        assert_eq!(grade(Some(49.9), false, &g), "F");
        assert_eq!(grade(Some(100.0), true, &g), "F");
        assert_eq!(grade(None, false, &g), "-");
    }

    #[test]
    fn overall_renormalises_over_evaluated_areas() {
        assert_eq!(overall([(Some(1.0), 25.0), (None, 75.0)]), Some(100.0));
        assert_eq!(overall([(Some(1.0), 25.0), (Some(0.0), 75.0)]), Some(25.0));
        assert_eq!(overall([(None, 100.0)]), None);
    }
}
