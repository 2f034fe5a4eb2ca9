//! Node error messages → the trace spec's reason codes, and revert reasons decoded from ABI data.
//!
//! Clients word their errors differently (geth, Besu, Nethermind, anvil/reth); the matching is on
//! lower-cased substrings that all of them share. The full message is kept for the disclosure
//! (`node_messages` in the system details), since a reason code alone loses it.
//!
//! Also the harness's side: RPC failures as the [`AdapterError`]s that end a run (exit code 3).

use crate::names::NAME;
use crate::rpc::{RpcError, TransportKind};
use touchstone_core::adapter::AdapterError;
use touchstone_core::Reason;

/// The reason code for a node's rejection message.
pub fn reason_for(message: &str) -> Reason {
    let m = message.to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    if has("nonce too low")
        || has("nonce too high")
        || has("invalid nonce")
        || has("nonce has already been used")
    {
        Reason::BadNonce
    } else if has("already known")
        || has("known transaction")
        || has("already imported")
        || has("already exists")
    {
        Reason::DuplicateTx
    } else if has("insufficient funds") || has("insufficient balance") || has("lack of funds") {
        Reason::InsufficientBalance
    } else if has("invalid signature") || has("invalid sender") || has("signature") {
        Reason::BadSignature
    } else if has("exceeds block gas limit")
        || has("gas limit reached")
        || has("oversized")
        || has("txpool is full")
    {
        Reason::LimitExceeded
    } else if has("decode")
        || has("rlp")
        || has("intrinsic gas too low")
        || has("invalid chain id")
        || has("chain id")
    {
        Reason::Malformed
    } else {
        // Underpriced, fee cap below base fee, reverted, and anything not recognised.
        Reason::Other
    }
}

/// Decodes revert data: `Error(string)` gives its message, `Panic(uint256)` its code.
pub fn decode_revert(data: &[u8]) -> Option<String> {
    const ERROR: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
    const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];
    let (sel, body) = (data.get(..4)?, data.get(4..)?);
    if sel == ERROR {
        let offset = word_usize(body.get(..32)?)?;
        let len = word_usize(body.get(offset..offset.checked_add(32)?)?)?;
        let start = offset + 32;
        let bytes = body.get(start..start.checked_add(len)?)?;
        Some(String::from_utf8_lossy(bytes).into_owned())
    } else if sel == PANIC {
        let code = body.get(..32)?;
        Some(format!("panic 0x{}", hex::encode(code).trim_start_matches('0')))
    } else {
        None
    }
}

/// The revert reason in a JSON-RPC error: from `data` (hex or `{"data": hex}`) or the message.
pub fn revert_reason(message: &str, data: Option<&serde_json::Value>) -> Option<String> {
    let hex_data = match data {
        Some(serde_json::Value::String(s)) => Some(s.as_str()),
        Some(serde_json::Value::Object(o)) => o.get("data").and_then(|d| d.as_str()),
        _ => None,
    };
    if let Some(decoded) = hex_data
        .and_then(|h| hex::decode(h.trim_start_matches("0x")).ok())
        .and_then(|b| decode_revert(&b))
    {
        return Some(decoded);
    }
    let m = message.to_ascii_lowercase();
    let at = m.find("execution reverted")?;
    let rest = message[at + "execution reverted".len()..].trim_start_matches([':', ' ']);
    Some(if rest.is_empty() { "reverted without a reason".into() } else { rest.to_string() })
}

fn word_usize(w: &[u8]) -> Option<usize> {
    if w.len() != 32 || w[..24].iter().any(|&b| b != 0) {
        return None;
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&w[24..]);
    usize::try_from(u64::from_be_bytes(b)).ok()
}

/// Wraps an RPC failure of `method` as the adapter error the CLI maps to exit 3.
pub(crate) fn rpc_error(method: &str, e: RpcError) -> AdapterError {
    let adapter = NAME.to_string();
    match e {
        RpcError::Transport { url, kind, message } => {
            let what = match kind {
                TransportKind::Refused => "refused (is the node running?)",
                TransportKind::Timeout => "no answer within the timeout (the node hangs)",
                TransportKind::Io => "connection failed",
            };
            AdapterError::Connect {
                adapter,
                endpoint: url,
                message: format!("{method}: {what}: {message}"),
            }
        }
        RpcError::Http { .. } | RpcError::Garbage { .. } => {
            AdapterError::Protocol { adapter, method: method.into(), message: e.to_string() }
        }
        RpcError::Node(n) => AdapterError::Call {
            adapter,
            method: method.into(),
            message: format!("{} (code {})", n.message, n.code),
        },
    }
}

pub(crate) fn protocol_error(method: &str, message: impl Into<String>) -> AdapterError {
    AdapterError::Protocol { adapter: NAME.into(), method: method.into(), message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_messages_map_to_reason_codes() {
        let cases = [
            ("nonce too low", Reason::BadNonce),
            ("nonce too low: next nonce 5, tx nonce 3", Reason::BadNonce),
            ("nonce too high", Reason::BadNonce),
            ("already known", Reason::DuplicateTx),
            ("Known transaction: 0xabc", Reason::DuplicateTx),
            ("Insufficient funds for gas * price + value", Reason::InsufficientBalance),
            (
                "insufficient funds for gas * price + value: have 1 want 2",
                Reason::InsufficientBalance,
            ),
            ("replacement transaction underpriced", Reason::Other),
            ("transaction underpriced", Reason::Other),
            ("max fee per gas less than block base fee", Reason::Other),
            ("execution reverted: not owner", Reason::Other),
            ("Failed to decode transaction", Reason::Malformed),
            ("rlp: expected input list", Reason::Malformed),
            ("intrinsic gas too low", Reason::Malformed),
            ("invalid sender", Reason::BadSignature),
            ("exceeds block gas limit", Reason::LimitExceeded),
            ("something new", Reason::Other),
        ];
        for (msg, want) in cases {
            assert_eq!(reason_for(msg), want, "{msg}");
        }
    }

    #[test]
    fn error_string_revert_data_decodes() {
        // Error("Not enough Ether provided.") as solc encodes it.
        let data = hex::decode(concat!(
            "08c379a0",
            "0000000000000000000000000000000000000000000000000000000000000020",
            "000000000000000000000000000000000000000000000000000000000000001a",
            "4e6f7420656e6f7567682045746865722070726f76696465642e000000000000"
        ))
        .unwrap();
        assert_eq!(decode_revert(&data).as_deref(), Some("Not enough Ether provided."));
        let panic = hex::decode(format!("4e487b71{:064x}", 0x11)).unwrap();
        assert_eq!(decode_revert(&panic).as_deref(), Some("panic 0x11"));
        assert_eq!(decode_revert(&[0x08, 0xc3]), None);
        assert_eq!(decode_revert(&data[..40]), None, "truncated data is not decoded");
    }

    #[test]
    fn revert_reason_prefers_data_then_message() {
        let data = serde_json::json!(format!(
            "0x08c379a0{:064x}{:064x}{}",
            32,
            2,
            "6869".to_string() + &"0".repeat(60)
        ));
        assert_eq!(revert_reason("execution reverted", Some(&data)).as_deref(), Some("hi"));
        assert_eq!(revert_reason("execution reverted: paused", None).as_deref(), Some("paused"));
        assert_eq!(
            revert_reason("execution reverted", None).as_deref(),
            Some("reverted without a reason")
        );
        assert_eq!(revert_reason("nonce too low", None), None);
    }
}
