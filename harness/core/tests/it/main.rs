//! Integration tests of touchstone-core.

mod engine_faults;
mod fuzz_inputs;
mod layering;
mod programs;
mod scenario_errors;
mod scenario_explore;
mod scenario_roundtrip;
mod shipped_scenarios;
