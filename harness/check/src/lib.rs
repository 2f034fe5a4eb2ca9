//! touchstone-check
