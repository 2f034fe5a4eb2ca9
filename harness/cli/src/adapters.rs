//! The adapters this binary knows, by name.

use crate::exit::Failure;
use touchstone_core::adapter::AdapterFactory;

/// Every adapter factory, the default first.
pub fn all() -> Vec<Box<dyn AdapterFactory>> {
    vec![
        Box::new(touchstone_sim::SimFactory),
        Box::new(touchstone_null::NullFactory),
        Box::new(touchstone_ethereum::EthereumFactory),
    ]
}

/// The adapter used when none is named.
pub const DEFAULT: &str = "sim";

/// Finds a factory by name, with a suggestion when the name is close to a known one.
pub fn find(name: &str) -> Result<Box<dyn AdapterFactory>, Failure> {
    let all = all();
    let names: Vec<&'static str> = all.iter().map(|f| f.name()).collect();
    if let Some(i) = names.iter().position(|n| *n == name) {
        return Ok(all.into_iter().nth(i).expect("index from position"));
    }
    let best = names.iter().map(|n| (strsim_ratio(name, n), *n)).max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((score, n)) if score >= 0.6 => format!(" (did you mean `{n}`?)"),
        _ => String::new(),
    };
    Err(Failure::bad_input(format!(
        "unknown adapter {name:?}{hint}; known adapters: {}",
        names.join(", ")
    )))
}

/// Similarity in [0, 1] from the longest common prefix and length (no extra dependency).
fn strsim_ratio(a: &str, b: &str) -> f64 {
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let shared = a.chars().filter(|c| b.contains(*c)).count();
    (common as f64 + shared as f64) / (a.len().max(b.len()) as f64 * 2.0)
}
