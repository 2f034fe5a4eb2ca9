//! One file per subcommand.

// clap turns the argument structs' doc comments into `--help` text, where `<name>` is a
// placeholder, not HTML.
#![allow(rustdoc::invalid_html_tags)]

pub mod adapter_test;
pub mod check;
pub mod compare;
pub mod explore;
pub mod list;
pub mod monitor;
pub mod netproxy;
pub mod report;
pub mod run;
pub mod sign;
pub mod suite;
pub mod sweep;
pub mod validate;
pub mod verify;
