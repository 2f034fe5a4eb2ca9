//! One file per subcommand.

pub mod check;
pub mod list;
pub mod report;
pub mod run;
pub mod suite;
pub mod validate;
pub mod verify;
