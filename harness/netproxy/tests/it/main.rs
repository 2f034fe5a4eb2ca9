//! Integration tests of touchstone-netproxy, on loopback: real sockets through the proxy.
//! Timing assertions are lower bounds only (a delay is at least what was asked), so a loaded
//! machine cannot turn them red.

mod control;
mod faults;
mod sources;
mod support;
