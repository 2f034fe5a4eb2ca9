//! Integration tests of touchstone-check (one binary, one module per topic).

mod bad_input;
mod builder;
mod fast;
mod gen;
mod io;
mod ledger;
mod props;
mod random;
