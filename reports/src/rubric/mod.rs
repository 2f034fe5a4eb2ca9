//! The rubric: the three-level indicator tree as data (`rubrics/default.toml`).
//!
//! [`Rubric::load`] parses a TOML file and validates it completely before anything is scored:
//! weights that do not add up to 100 per profile, ids that do not sit in their group, unknown
//! metric paths, properties or profiles are errors naming the file and the field.

mod model;
mod validate;

pub use model::*;
pub use validate::check_metric_path;

use crate::error::ReportError;
use std::path::Path;

/// The rubric shipped with Touchstone (`reports/rubrics/default.toml`).
pub const DEFAULT_RUBRIC: &str = include_str!("../../rubrics/default.toml");

impl Rubric {
    /// The embedded default rubric.
    pub fn default_rubric() -> Rubric {
        Rubric::parse(DEFAULT_RUBRIC, "<default rubric>")
            .expect("the embedded default rubric is valid")
    }

    /// Reads and validates a rubric file.
    pub fn load(path: &Path) -> Result<Rubric, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ReportError::rubric(path.display().to_string(), "<file>", e.to_string())
        })?;
        Rubric::parse(&text, &path.display().to_string())
    }

    /// Parses and validates rubric text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Rubric, ReportError> {
        let mut r: Rubric = toml::from_str(text).map_err(|e| {
            let field = e.message().split('`').nth(1).unwrap_or("<toml>").to_string();
            let at =
                e.span().map(|s| format!("line {}: ", line_of(text, s.start))).unwrap_or_default();
            ReportError::rubric(path, field, format!("{at}{}", e.message()))
        })?;
        r.path = path.to_string();
        r.validate()?;
        Ok(r)
    }

    /// Weight of area `a` under `profile` (0 for gates).
    pub fn weight(&self, a: &Area, profile: &str) -> f64 {
        a.weights.get(profile).copied().unwrap_or(0.0)
    }

    /// Errors unless `profile` is one of the rubric's.
    pub fn check_profile(&self, profile: &str) -> Result<(), ReportError> {
        if self.profiles.iter().any(|p| p == profile) {
            Ok(())
        } else {
            Err(ReportError::rubric(
                self.path.clone(),
                "profiles",
                format!("unknown profile {profile:?} (profiles: {})", self.profiles.join(", ")),
            ))
        }
    }

    /// Number of L3 indicators (gates included).
    pub fn indicator_count(&self) -> usize {
        self.areas.iter().flat_map(|a| &a.groups).map(|g| g.indicators.len()).sum()
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}
