//! secp256k1 keys and Ethereum addresses: parse a configured private key, derive the run's
//! account keys from its seed, and sign 32-byte hashes with a recovery id.

use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use rand::RngCore;
use sha3::{Digest, Keccak256};
use std::fmt;
use touchstone_core::Seed;

/// Keccak-256.
pub fn keccak(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// A 20-byte account address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// Parses `0x`-prefixed (or bare) hex of 20 bytes.
    pub fn parse(s: &str) -> Option<Address> {
        let b = hex::decode(s.trim().trim_start_matches("0x")).ok()?;
        Some(Address(b.try_into().ok()?))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The address of a public key: the last 20 bytes of keccak(uncompressed point without 0x04).
pub fn address_of(vk: &VerifyingKey) -> Address {
    let point = vk.to_encoded_point(false);
    let h = keccak(&point.as_bytes()[1..]);
    let mut a = [0u8; 20];
    a.copy_from_slice(&h[12..]);
    Address(a)
}

/// A private key and its address.
#[derive(Clone)]
pub struct Key {
    sk: SigningKey,
    pub address: Address,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("Key").field("address", &self.address).finish_non_exhaustive()
    }
}

/// A recoverable signature: `r`, `s` (low-s normalized) and the parity of R's y (0 or 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoverableSig {
    pub r: [u8; 32],
    pub s: [u8; 32],
    pub parity: u8,
}

impl Key {
    /// From 32 bytes; `None` if they are zero or not below the curve order.
    pub fn from_bytes(b: &[u8]) -> Option<Key> {
        let sk = SigningKey::from_slice(b).ok()?;
        let address = address_of(sk.verifying_key());
        Some(Key { sk, address })
    }

    /// From hex (`0x` optional), as in a configuration file.
    pub fn from_hex(s: &str) -> Option<Key> {
        let b = hex::decode(s.trim().trim_start_matches("0x")).ok()?;
        if b.len() != 32 {
            return None;
        }
        Key::from_bytes(&b)
    }

    /// `n` keys drawn from the run seed's `ethereum/keys` stream: same seed, same accounts.
    pub fn derive_all(seed: Seed, n: usize) -> Vec<Key> {
        let mut rng = seed.stream("ethereum/keys");
        let mut keys = Vec::with_capacity(n);
        while keys.len() < n {
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b);
            // Out-of-range draws (probability ~2^-128) are skipped, deterministically.
            if let Some(k) = Key::from_bytes(&b) {
                keys.push(k);
            }
        }
        keys
    }

    /// Signs a 32-byte hash.
    pub fn sign_hash(&self, hash: &[u8; 32]) -> RecoverableSig {
        let (sig, recid): (Signature, RecoveryId) =
            self.sk.sign_prehash_recoverable(hash).expect("a 32-byte prehash always signs");
        let (r, s) = sig.split_bytes();
        RecoverableSig { r: r.into(), s: s.into(), parity: recid.is_y_odd() as u8 }
    }
}

/// The address that signed `hash` with `sig`, if the signature is valid.
pub fn recover(hash: &[u8; 32], sig: &RecoverableSig) -> Option<Address> {
    let mut rs = [0u8; 64];
    rs[..32].copy_from_slice(&sig.r);
    rs[32..].copy_from_slice(&sig.s);
    let signature = Signature::from_slice(&rs).ok()?;
    let recid = RecoveryId::from_byte(sig.parity)?;
    let vk = VerifyingKey::recover_from_prehash(hash, &signature, recid).ok()?;
    Some(address_of(&vk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_private_keys_give_known_addresses() {
        // anvil / hardhat dev account 0 (a public test key).
        let k = Key::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap();
        assert_eq!(k.address.to_string(), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
        // The key of the EIP-155 example.
        let k = Key::from_hex(&"46".repeat(32)).unwrap();
        assert_eq!(k.address.to_string(), "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
    }

    #[test]
    fn keccak_of_empty_input_is_the_known_constant() {
        assert_eq!(
            hex::encode(keccak(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(Key::from_hex("0x00").is_none());
        assert!(Key::from_hex(&"00".repeat(32)).is_none());
        assert!(Key::from_hex(&"ff".repeat(32)).is_none()); // above the curve order
        assert!(Key::from_hex("zz").is_none());
    }

    #[test]
    fn derived_keys_replay_from_the_seed_and_differ_between_seeds() {
        let a = Key::derive_all(Seed(7), 3);
        let b = Key::derive_all(Seed(7), 3);
        let c = Key::derive_all(Seed(8), 3);
        assert_eq!(
            a.iter().map(|k| k.address).collect::<Vec<_>>(),
            b.iter().map(|k| k.address).collect::<Vec<_>>()
        );
        assert_ne!(a[0].address, c[0].address);
        assert_ne!(a[0].address, a[1].address);
    }

    #[test]
    fn signatures_recover_to_the_signer_and_are_low_s() {
        let k = Key::derive_all(Seed(1), 1).remove(0);
        let h = keccak(b"touchstone");
        let sig = k.sign_hash(&h);
        assert_eq!(recover(&h, &sig), Some(k.address));
        assert!(sig.s[0] < 0x80, "s must be in the lower half of the order");
    }
}
