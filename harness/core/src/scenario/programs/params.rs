//! A typed reader over `[workload.params]`.
//!
//! Each program declares its keys (with defaults and bounds) by reading them through
//! [`Params`]; every problem is recorded at `workload.params.<key>` so `touchstone validate`
//! shows it with file, line and column, and [`Params::finish`] rejects the keys nobody read,
//! suggesting the closest declared one.
//!
//! ```
//! use std::collections::BTreeMap;
//! use touchstone_core::scenario::programs::params::Params;
//! let raw: BTreeMap<String, toml::Value> = toml::from_str("holdrs = 10").unwrap();
//! let mut p = Params::new("dividend", &raw);
//! assert_eq!(p.count("holders", 5000, 1, 1_000_000), 5000);
//! let errs = p.finish();
//! assert_eq!(errs[0].0.to_string(), "workload.params.holdrs");
//! assert!(errs[0].1.contains("did you mean `holders`"));
//! ```

use super::ParamError;
use crate::scenario::diag::FieldPath;
use std::collections::BTreeMap;

/// Reads one program's parameters, collecting every error.
#[derive(Debug)]
pub struct Params<'a> {
    program: &'static str,
    raw: &'a BTreeMap<String, toml::Value>,
    declared: Vec<&'static str>,
    errors: Vec<ParamError>,
}

impl<'a> Params<'a> {
    pub fn new(program: &'static str, raw: &'a BTreeMap<String, toml::Value>) -> Self {
        Params { program, raw, declared: Vec::new(), errors: Vec::new() }
    }

    /// `workload.params.<key>`.
    pub fn path(key: &str) -> FieldPath {
        FieldPath::root().key("workload").key("params").key(key)
    }

    /// Records a problem at `key` (e.g. a constraint between two parameters).
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.push((Self::path(key), message.into()));
    }

    fn get(&mut self, key: &'static str) -> Option<&'a toml::Value> {
        self.declared.push(key);
        self.raw.get(key)
    }

    /// A whole number in `[min, max]`.
    pub fn count(&mut self, key: &'static str, default: u64, min: u64, max: u64) -> u64 {
        match self.get(key) {
            None => default,
            Some(toml::Value::Integer(n)) if *n >= min as i64 && (*n as u64) <= max => *n as u64,
            Some(toml::Value::Integer(n)) => {
                self.error(key, format!("must be between {min} and {max}, got {n}"));
                default
            }
            Some(v) => {
                self.error(key, format!("must be a whole number, got {}", v.type_str()));
                default
            }
        }
    }

    /// An amount (a whole number of the asset's smallest unit) of at least `min`.
    pub fn amount(&mut self, key: &'static str, default: u128, min: u128) -> u128 {
        match self.get(key) {
            None => default,
            Some(toml::Value::Integer(n)) if *n >= 0 && *n as u128 >= min => *n as u128,
            Some(toml::Value::Integer(n)) => {
                self.error(key, format!("must be at least {min}, got {n}"));
                default
            }
            Some(v) => {
                self.error(key, format!("must be a whole number of units, got {}", v.type_str()));
                default
            }
        }
    }

    /// A share in `[0, max]` (e.g. `0.05`).
    pub fn share(&mut self, key: &'static str, default: f64, max: f64) -> f64 {
        let v = match self.get(key) {
            None => return default,
            Some(toml::Value::Float(f)) => *f,
            Some(toml::Value::Integer(n)) => *n as f64,
            Some(v) => {
                self.error(
                    key,
                    format!("must be a share between 0 and {max}, got {}", v.type_str()),
                );
                return default;
            }
        };
        if (0.0..=max).contains(&v) {
            v
        } else {
            self.error(key, format!("must be a share between 0 and {max}, got {v}"));
            default
        }
    }

    /// Ends reading: every key that no read declared is an error with a did-you-mean.
    pub fn finish(mut self) -> Vec<ParamError> {
        let declared = std::mem::take(&mut self.declared);
        for key in self.raw.keys() {
            if declared.iter().any(|d| d == key) {
                continue;
            }
            let mut msg = format!(
                "program {:?} has no parameter `{key}`; it takes: {}",
                self.program,
                declared.join(", ")
            );
            if let Some(s) = crate::scenario::diag::suggest(key, &declared) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            }
            self.errors.push((Self::path(key), msg));
        }
        self.errors
    }
}

/// Runs a program's parameter reader and returns its configuration, or every error.
pub fn read<T>(
    program: &'static str,
    raw: &BTreeMap<String, toml::Value>,
    f: impl FnOnce(&mut Params<'_>) -> T,
) -> Result<T, Vec<ParamError>> {
    let mut p = Params::new(program, raw);
    let cfg = f(&mut p);
    let errs = p.finish();
    if errs.is_empty() {
        Ok(cfg)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> BTreeMap<String, toml::Value> {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn defaults_values_and_bounds() {
        let r = raw("a = 7\nb = 0.2\nc = -1\nd = \"x\"");
        let mut p = Params::new("t", &r);
        assert_eq!(p.count("a", 1, 1, 10), 7);
        assert_eq!(p.share("b", 0.5, 1.0), 0.2);
        assert_eq!(p.count("c", 3, 1, 10), 3);
        assert_eq!(p.amount("d", 9, 1), 9);
        assert_eq!(p.count("e", 4, 1, 10), 4);
        let errs = p.finish();
        let at: Vec<String> = errs.iter().map(|e| e.0.to_string()).collect();
        assert_eq!(at, ["workload.params.c", "workload.params.d"]);
        assert!(errs[0].1.contains("between 1 and 10"), "{errs:?}");
        assert!(errs[1].1.contains("whole number"), "{errs:?}");
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let r = raw("fail_shar = 0.1\nzzz = 1");
        let errs = read("rebalance", &r, |p| p.share("fail_share", 0.05, 1.0)).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].1.contains("did you mean `fail_share`"), "{errs:?}");
        assert!(!errs[1].1.contains("did you mean"), "{errs:?}");
    }
}
