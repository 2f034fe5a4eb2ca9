//! touchstone-reports
