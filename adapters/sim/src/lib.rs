//! # touchstone-sim: the embedded simulated validator network (work in progress)
pub mod protocol;
