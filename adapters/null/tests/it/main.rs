//! Engine tests through the null adapter (no chain): scheduling, recording, timeouts, faults,
//! determinism, criteria.

mod engine;
mod programs;
