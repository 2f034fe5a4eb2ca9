//! Identifiers shared by the engine and adapters.

use std::fmt;

/// A transaction id assigned by the harness. Rendered in traces as `"t<n>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TxId(pub u64);

impl TxId {
    pub(crate) fn write_json(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"\"t");
        buf.extend_from_slice(itoa::Buffer::new().format(self.0).as_bytes());
        buf.push(b'"');
    }

    /// Parses `"t<n>"`.
    pub fn parse(s: &str) -> Option<TxId> {
        s.strip_prefix('t')?.parse().ok().map(TxId)
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

/// Name of workload account `i` (`"a<i>"`).
pub fn account_name(i: u32) -> String {
    format!("a{i}")
}

/// Name of validator `i` (`"n<i>"`).
pub fn node_name(i: usize) -> String {
    format!("n{i}")
}
