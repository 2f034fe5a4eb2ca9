//! Benchmarks of the harness itself live in `benches/`.
