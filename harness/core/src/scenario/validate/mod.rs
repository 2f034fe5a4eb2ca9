//! Raw script → validated [`Scenario`], collecting every problem instead of stopping at the first.
//!
//! [`parse`] reads the TOML (syntax, then types and unknown keys, with did-you-mean), then a
//! `Validator` walks the script section by section — `purpose.rs`, `network.rs`, `workload.rs`
//! (phases and their rates, the program and its parameters), `faults.rs`, `criteria.rs` —
//! recording every problem at its field path; `explore.rs` checks the `[explore]` bounds;
//! `source.rs` turns paths and spans back into lines and columns.

mod criteria;
mod explore;
mod faults;
mod network;
mod purpose;
mod source;
mod validator;
mod workload;

pub use criteria::PROPERTY_IDS;
pub use workload::MIX_OPS;

use super::diag::{line_col, locate, suggest, Diagnostic, FieldPath, ScenarioError};
use super::model::Scenario;
use super::raw::{known_keys, RawScenario};
use source::{field_from_span, ignored_path, split_last_key};
use validator::Validator;

/// Parses and validates a scenario script. `file` names it in diagnostics.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let doc = toml_edit::ImDocument::parse(text);
    let diag_at =
        |path: &FieldPath, span: Option<std::ops::Range<usize>>, message: String, suggestion| {
            let (line, column) = match span {
                Some(r) => line_col(text, r.start),
                None => (1, 1),
            };
            Diagnostic {
                file: file.to_string(),
                line,
                column,
                field: path.to_string(),
                message,
                suggestion,
            }
        };
    let doc = match doc {
        Ok(d) => d,
        Err(e) => {
            let span = e.span();
            return Err(ScenarioError::Invalid {
                path: file.to_string(),
                diagnostics: vec![diag_at(
                    &FieldPath::root(),
                    span,
                    format!("not valid TOML: {}", e.message().trim()),
                    None,
                )],
            });
        }
    };

    // Types and unknown keys.
    let mut unknown: Vec<FieldPath> = Vec::new();
    let de = toml::Deserializer::new(text);
    let raw: Result<RawScenario, _> =
        serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p)));
    let raw = match raw {
        Ok(r) => r,
        Err(e) => {
            let msg = e.message().trim().to_string();
            return Err(ScenarioError::Invalid {
                path: file.to_string(),
                diagnostics: vec![diag_at(
                    &FieldPath::root(),
                    e.span(),
                    format!("wrong type: {msg}"),
                    None,
                )]
                .into_iter()
                .map(|mut d| {
                    d.field =
                        field_from_span(&doc, e.span()).unwrap_or_else(|| "(document)".into());
                    d
                })
                .collect(),
            });
        }
    };
    let mut diagnostics: Vec<Diagnostic> = unknown
        .iter()
        .map(|p| {
            let (parent, key) = split_last_key(p);
            let known = known_keys(&parent.schema_path());
            let sugg = suggest(&key, &known);
            diag_at(p, locate(&doc, p), format!("unknown key `{key}`"), sugg)
        })
        .collect();

    let mut v = Validator { errors: Vec::new() };
    let scenario = v.scenario(&raw);
    // The budget of a script that is otherwise valid: its totals within the limits.
    if let (Some(s), true) = (&scenario, v.errors.is_empty() && diagnostics.is_empty()) {
        for (path, message) in super::budget::check(s) {
            v.errors.push((path, message, None));
        }
    }
    for (path, message, sugg) in v.errors {
        diagnostics.push(diag_at(&path, locate(&doc, &path), message, sugg));
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    match scenario {
        Some(s) if diagnostics.is_empty() => Ok(s),
        _ => Err(ScenarioError::Invalid { path: file.to_string(), diagnostics }),
    }
}

/// Reads (at most [`MAX_SCRIPT_BYTES`](crate::input::MAX_SCRIPT_BYTES)) and validates a
/// scenario file.
pub fn load(path: &std::path::Path) -> Result<(Scenario, String), ScenarioError> {
    let name = path.display().to_string();
    let text =
        crate::input::read_text_capped(path, crate::input::MAX_SCRIPT_BYTES, "scenario script")?;
    let s = parse(&text, &name)?;
    Ok((s, text))
}
