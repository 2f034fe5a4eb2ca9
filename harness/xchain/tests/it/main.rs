//! Integration tests of touchstone-xchain: multi-chain runs on the simulator.

mod htlc;
mod relay;
mod shipped;
mod support;
