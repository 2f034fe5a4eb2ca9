//! Integration tests of touchstone-process: real child processes (Python, standard library
//! only) speaking the protocol — the shipped template, a minimal null child, and children broken
//! on purpose, each of which must be caught naming what broke.

mod broken;
mod conformance;
mod protocol;
mod runs;
mod support;
