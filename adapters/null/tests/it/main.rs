//! Engine tests through the null adapter (no chain): scheduling, recording, timeouts, faults,
//! determinism, criteria.

mod conformance;
mod engine;
mod programs;
