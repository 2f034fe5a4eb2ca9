//! The adapters this binary knows, by name.

use crate::exit::Failure;
use touchstone_core::adapter::AdapterFactory;

/// Every adapter factory, the default first.
pub fn all() -> Vec<Box<dyn AdapterFactory>> {
    vec![
        Box::new(touchstone_sim::SimFactory),
        Box::new(touchstone_null::NullFactory),
        Box::new(touchstone_ethereum::EthereumFactory),
        Box::new(touchstone_simplex::SimplexFactory),
        Box::new(touchstone_process::ProcessFactory),
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
    let hint = touchstone_core::scenario::suggest(name, &names)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Err(Failure::bad_input(format!(
        "unknown adapter {name:?}{hint}; known adapters: {}",
        names.join(", ")
    )))
}
