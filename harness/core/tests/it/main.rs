//! Integration tests of touchstone-core.

mod scenario_errors;
mod scenario_roundtrip;
mod shipped_scenarios;
