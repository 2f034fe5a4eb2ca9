//! The adapter's name, shared by every module.

pub(crate) const NAME: &str = "ethereum";
