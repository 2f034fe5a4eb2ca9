//! The adapter's name and the name of the one node it drives, shared by every module.

pub(crate) const NAME: &str = "ethereum";
/// The one node this adapter drives.
pub(crate) const NODE: &str = "n0";
