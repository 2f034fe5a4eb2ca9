//! Integration tests of touchstone-check (one binary, one module per topic).

mod bad_input;
mod blind_spots;
mod builder;
mod corpus;
mod fast;
mod fast_tx;
mod gen;
mod horizon;
mod io;
mod layout;
mod ledger;
mod live;
mod props;
mod random;
mod spec_examples;
mod xchain;
