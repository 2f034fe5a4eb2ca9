//! touchstone-null
