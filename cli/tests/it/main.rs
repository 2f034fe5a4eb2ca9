//! End-to-end tests of the `touchstone` binary: exit codes, run directories, bad input.

mod adapter_test;
mod cli;
mod etcd;
mod evidence;
mod explore;
mod fuzzing;
mod hostile;
mod monitor;
mod process;
mod regressions;
mod rundirs;
mod scenarios;
mod simplex;
mod slow_anvil;
mod slow_monitor;
mod support;
mod sweep;
mod xchain;
