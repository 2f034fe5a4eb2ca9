//! Example programs live in `examples/`:
//! - `run_from_code`: build a scenario in Rust and run it (`cargo run -p touchstone-examples --example run_from_code`);
//! - `custom_adapter`: write your own adapter for a chain (`cargo run -p touchstone-examples --example custom_adapter`).
