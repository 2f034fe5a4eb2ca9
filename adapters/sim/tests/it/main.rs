//! Integration tests of the simulated network, through the engine as the CLI runs it.

mod adapter;
mod bridge;
mod broken;
mod byzantine;
mod common;
mod conformance;
mod determinism;
mod e2e;
mod faults;
