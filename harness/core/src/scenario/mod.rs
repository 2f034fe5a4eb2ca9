//! Scenario scripts (TOML): model, parsing with located diagnostics, and a builder.
//!
//! ```
//! let text = r#"
//! name = "demo"
//! kind = "payment"
//! [workload]
//! accounts = 100
//! [[workload.phases]]
//! duration = "2s"
//! rate = { type = "constant", tps = 50 }
//! [criteria]
//! latency_p99 = "1s"
//! "#;
//! let s = touchstone_core::scenario::parse(text, "demo.toml").unwrap();
//! assert_eq!(s.workload.phases[0].duration, 2_000_000_000);
//! let bad = touchstone_core::scenario::parse("name = \"x\"\nkind = \"paymnt\"\n", "bad.toml").unwrap_err();
//! assert!(bad.to_string().contains("did you mean `payment`"));
//! ```

mod budget;
mod builder;
mod diag;
mod explore;
mod faults;
pub mod limits;
mod model;
pub mod programs;
mod purpose;
mod quick;
pub mod raw;
mod validate;

pub use budget::{bytes, thousands, Budget};
pub use builder::{one_second, to_raw, to_toml, ScenarioBuilder};
pub use diag::suggest;
pub use diag::{Diagnostic, FieldPath, ScenarioError};
pub use explore::{ExploreSpec, EXPLORE_ACTIONS};
pub use faults::*;
pub use model::*;
pub use purpose::Purpose;
pub use quick::{QUICK_MAX_FACTOR, QUICK_TARGET_TXS};
pub use validate::{load, parse, MIX_OPS, PROPERTY_IDS};
