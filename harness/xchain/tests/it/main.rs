//! Integration tests of touchstone-xchain: multi-chain runs on the simulator.

mod checked;
mod htlc;
mod relay;
mod shipped;
mod support;
