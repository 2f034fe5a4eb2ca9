//! Errors of the reports crate: bad rubric, bad run directory, bad suite file, I/O.
//!
//! Every variant names the file and the field (or line), so the CLI can print it as is and
//! exit 2 (bad input) — except [`ReportError::Io`] on writing, which is a harness failure.

use std::io;

/// What went wrong while loading inputs or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The rubric file is malformed or inconsistent (weights, ids, metric paths).
    #[error("{path}: {field}: {message}")]
    Rubric { path: String, field: String, message: String },
    /// A run directory's `run.json` (or trace) is missing, truncated or not Touchstone's.
    #[error("{path}: {field}: {message}")]
    Input { path: String, field: String, message: String },
    /// A suite file is malformed.
    #[error("{path}:{line}: {field}: {message}")]
    Suite { path: String, line: usize, field: String, message: String },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

impl ReportError {
    /// True when the error is the user's input (exit 2), false for a harness failure (exit 3).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ReportError::Io { .. })
    }

    pub(crate) fn input(
        path: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ReportError::Input { path: path.into(), field: field.into(), message: message.into() }
    }

    pub(crate) fn rubric(
        path: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ReportError::Rubric { path: path.into(), field: field.into(), message: message.into() }
    }
}
