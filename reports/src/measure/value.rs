//! A measured value with its evidence, or why there is none.

/// A measured value, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    Value {
        v: f64,
        evidence: Vec<String>,
        /// The value fails outright (e.g. never caught up): score 0 with this reason.
        zero: Option<String>,
    },
    Not(String),
}

pub(super) fn value(v: f64, evidence: String) -> Measure {
    Measure::Value { v, evidence: vec![evidence], zero: None }
}
