//! The workload programs a script may name and the parameters each takes.
//!
//! This is the scripts' language, so it lives with the scenario: validation checks a program's
//! name and parameters here, and the programs themselves (`program`, a layer above) build
//! from the configurations read here.

mod configs;
pub mod params;

pub use configs::*;

use super::diag::FieldPath;
use params::read;
use std::collections::BTreeMap;

/// A parameter problem, located at `workload.params.<key>`.
pub type ParamError = (FieldPath, String);

/// Programs this build knows, for validation and `touchstone list`.
pub const PROGRAMS: &[&str] = &[
    "payments",
    "dividend",
    "rebalance",
    "netting",
    "double_spend",
    "rollback",
    "compliance",
    "kyc_revocation",
    "reserve",
    "spam",
];

/// Size parameters a quick run shrinks: (program, parameter, default, floor). The floors keep
/// every kind of case a program draws (frozen and unverified holders, failing pairs, unfundable
/// rings...) present in a shortened run.
pub const SIZE_PARAMS: &[(&str, &str, i64, i64)] = &[
    ("dividend", "holders", 5000, 200),
    ("dividend", "frozen", 25, 3),
    ("dividend", "unverified", 25, 3),
    ("rebalance", "pairs", 20_000, 400),
    ("rebalance", "participants", 2000, 100),
    ("netting", "cycles", 200, 40),
    ("netting", "gross_probes", 20, 5),
    ("double_spend", "pairs", 500, 50),
    ("compliance", "cases", 2000, 300),
    ("reserve", "holders", 1000, 200),
];

/// Divides `program`'s size parameters by `k` (never below their floors; a parameter left at
/// its default is written out scaled), for `--quick` ([`Scenario::quick`](super::Scenario::quick)).
pub fn quick_params(program: &str, params: &mut BTreeMap<String, toml::Value>, k: u64) {
    for &(_, name, default, floor) in SIZE_PARAMS.iter().filter(|(p, ..)| *p == program) {
        let v = params.get(name).and_then(toml::Value::as_integer).unwrap_or(default);
        let scaled = (v / k as i64).max(floor.min(v));
        params.insert(name.to_string(), toml::Value::Integer(scaled));
    }
}

/// Checks a program's parameters without building it (for `validate`): every error, each at
/// `workload.params.<key>`.
pub fn check_params(program: &str, params: &BTreeMap<String, toml::Value>) -> Vec<ParamError> {
    let path = FieldPath::root().key("workload").key("params");
    match program {
        "payments" => params.keys().map(|k| (path.key(k), format!("program \"payments\" takes no parameter `{k}` (it uses the workload's mix)"))).collect(),
        "dividend" => errors(read("dividend", params, DividendConfig::read)),
        "rebalance" => errors(read("rebalance", params, RebalanceConfig::read)),
        "netting" => errors(read("netting", params, NettingConfig::read)),
        "double_spend" => errors(read("double_spend", params, DoubleSpendConfig::read)),
        "rollback" => errors(read("rollback", params, RollbackConfig::read)),
        "compliance" => errors(read("compliance", params, ComplianceConfig::read)),
        "kyc_revocation" => errors(read("kyc_revocation", params, KycRevocationConfig::read)),
        "reserve" => errors(read("reserve", params, ReserveConfig::read)),
        "spam" => errors(read("spam", params, SpamConfig::read)),
        _ => Vec::new(),
    }
}

fn errors<T>(r: Result<T, Vec<ParamError>>) -> Vec<ParamError> {
    r.err().unwrap_or_default()
}
