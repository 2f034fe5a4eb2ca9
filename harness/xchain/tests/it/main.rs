//! Integration tests of touchstone-xchain: multi-chain runs on the simulator.

mod relay;
mod support;
