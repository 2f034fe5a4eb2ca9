//! touchstone-ethereum
