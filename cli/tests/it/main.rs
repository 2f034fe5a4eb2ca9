//! End-to-end tests of the `touchstone` binary: exit codes, run directories, bad input.

mod cli;
mod explore;
mod regressions;
mod scenarios;
