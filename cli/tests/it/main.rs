//! End-to-end tests of the `touchstone` binary: exit codes, run directories, bad input.

mod cli;
mod evidence;
mod fuzzing;
mod hostile;
mod rundirs;
mod scenarios;
mod simplex;
mod support;
