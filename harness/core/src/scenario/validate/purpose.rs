//! `purpose = [...]`: what the scenario is meant to measure, from the [`Purpose`] vocabulary.

use super::validator::Validator;
use crate::scenario::diag::FieldPath;
use crate::scenario::purpose::Purpose;

impl Validator {
    /// Each name known (with a did-you-mean), none twice, and at least one when the key is
    /// written; an absent key declares nothing.
    pub(super) fn purpose(&mut self, raw: Option<&[String]>, p: &FieldPath) -> Vec<Purpose> {
        let Some(raw) = raw else { return Vec::new() };
        if raw.is_empty() {
            self.err(
                p.clone(),
                format!(
                    "empty: name at least one purpose ({}) or leave the key out",
                    Purpose::NAMES.join(", ")
                ),
            );
        }
        let mut out = Vec::new();
        for (i, name) in raw.iter().enumerate() {
            if !self.name_in(p.index(i), name, Purpose::NAMES) {
                continue;
            }
            let purpose = Purpose::parse(name).expect("a known name");
            if out.contains(&purpose) {
                self.err(p.index(i), format!("purpose {name:?} is listed twice"));
            } else {
                out.push(purpose);
            }
        }
        out
    }
}
