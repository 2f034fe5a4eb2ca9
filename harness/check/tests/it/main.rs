//! Integration tests of touchstone-check (one binary, one module per topic).

mod bad_input;
mod builder;
mod gen;
mod io;
mod props;
mod random;
