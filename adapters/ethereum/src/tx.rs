//! Transactions signed locally: legacy with EIP-155 replay protection, and EIP-1559 (type 2).
//! Only what a value transfer needs: no data, no access list, no contract creation.

use crate::keys::{keccak, Address, Key, RecoverableSig};
use crate::rlp::RlpStream;

/// Which transaction format to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxType {
    /// Pre-1559 with a fixed gas price, EIP-155 chain id in `v`.
    Legacy,
    /// Type 2: `max_fee_per_gas` and `max_priority_fee_per_gas`.
    Eip1559,
}

/// Fee fields: `gas_price` is the legacy price or the 1559 fee cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    pub tx_type: TxType,
    pub gas_price: u128,
    pub priority_fee: u128,
    pub gas_limit: u64,
}

/// A value transfer to be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub chain_id: u64,
    pub nonce: u64,
    pub to: Address,
    pub value: u128,
    pub fees: Fees,
}

/// Signed bytes ready for `eth_sendRawTransaction`, and the transaction hash the chain will use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    pub raw: Vec<u8>,
    pub hash: [u8; 32],
}

impl SignedTx {
    /// `0x`-prefixed hex of the raw bytes.
    pub fn raw_hex(&self) -> String {
        format!("0x{}", hex::encode(&self.raw))
    }
}

impl Transfer {
    /// The hash that is signed.
    pub fn signing_hash(&self) -> [u8; 32] {
        keccak(&self.signing_payload())
    }

    /// The bytes whose hash is signed.
    pub fn signing_payload(&self) -> Vec<u8> {
        let mut s = RlpStream::new();
        match self.fees.tx_type {
            TxType::Legacy => {
                self.legacy_fields(&mut s);
                s.uint(self.chain_id as u128).uint(0).uint(0);
                s.into_list()
            }
            TxType::Eip1559 => {
                self.eip1559_fields(&mut s);
                let mut out = vec![0x02];
                out.extend(s.into_list());
                out
            }
        }
    }

    /// Signs with `key`.
    pub fn sign(&self, key: &Key) -> SignedTx {
        let sig = key.sign_hash(&self.signing_hash());
        self.with_signature(&sig)
    }

    /// Assembles the signed transaction from a signature over [`Transfer::signing_hash`].
    pub fn with_signature(&self, sig: &RecoverableSig) -> SignedTx {
        let mut s = RlpStream::new();
        let raw = match self.fees.tx_type {
            TxType::Legacy => {
                self.legacy_fields(&mut s);
                let v = sig.parity as u128 + 35 + 2 * self.chain_id as u128;
                s.uint(v).uint_be(&sig.r).uint_be(&sig.s);
                s.into_list()
            }
            TxType::Eip1559 => {
                self.eip1559_fields(&mut s);
                s.uint(sig.parity as u128).uint_be(&sig.r).uint_be(&sig.s);
                let mut out = vec![0x02];
                out.extend(s.into_list());
                out
            }
        };
        let hash = keccak(&raw);
        SignedTx { raw, hash }
    }

    fn legacy_fields(&self, s: &mut RlpStream) {
        s.uint(self.nonce as u128)
            .uint(self.fees.gas_price)
            .uint(self.fees.gas_limit as u128)
            .bytes(&self.to.0)
            .uint(self.value)
            .bytes(&[]);
    }

    fn eip1559_fields(&self, s: &mut RlpStream) {
        s.uint(self.chain_id as u128)
            .uint(self.nonce as u128)
            .uint(self.fees.priority_fee)
            .uint(self.fees.gas_price)
            .uint(self.fees.gas_limit as u128)
            .bytes(&self.to.0)
            .uint(self.value)
            .bytes(&[])
            .raw(&crate::rlp::list(&[])); // empty access list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::recover;

    fn eip155_example() -> Transfer {
        Transfer {
            chain_id: 1,
            nonce: 9,
            to: Address([0x35; 20]),
            value: 1_000_000_000_000_000_000,
            fees: Fees {
                tx_type: TxType::Legacy,
                gas_price: 20_000_000_000,
                priority_fee: 0,
                gas_limit: 21000,
            },
        }
    }

    /// The worked example of EIP-155 (signing data, signing hash, signed transaction).
    #[test]
    fn eip155_example_transaction_signs_byte_for_byte() {
        let tx = eip155_example();
        assert_eq!(
            hex::encode(tx.signing_payload()),
            "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080"
        );
        assert_eq!(
            hex::encode(tx.signing_hash()),
            "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
        );
        let key = Key::from_hex(&"46".repeat(32)).unwrap();
        let signed = tx.sign(&key);
        assert_eq!(
            hex::encode(&signed.raw),
            "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
        );
        assert_eq!(signed.hash, keccak(&signed.raw));
    }

    #[test]
    fn eip1559_transfer_has_type_prefix_and_recovers_to_the_signer() {
        let mut tx = eip155_example();
        tx.chain_id = 31337;
        tx.fees = Fees {
            tx_type: TxType::Eip1559,
            gas_price: 2_000_000_000,
            priority_fee: 1_000_000_000,
            gas_limit: 21000,
        };
        let key =
            Key::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
                .unwrap();
        let signed = tx.sign(&key);
        assert_eq!(signed.raw[0], 0x02);
        // The payload is [chain_id, nonce, tip, cap, gas, to, value, data, access_list].
        let payload = tx.signing_payload();
        assert_eq!(payload[0], 0x02);
        assert_eq!(&payload[2..5], &[0x82, 0x7a, 0x69]); // 31337
        assert!(payload.ends_with(&[0x80, 0xc0]), "empty data then empty access list");
        let sig = key.sign_hash(&tx.signing_hash());
        assert_eq!(recover(&tx.signing_hash(), &sig), Some(key.address));
        assert_eq!(tx.with_signature(&sig), signed, "RFC 6979 signing is deterministic");
    }

    #[test]
    fn legacy_v_carries_the_chain_id() {
        let mut tx = eip155_example();
        tx.chain_id = 31337;
        let key = Key::from_hex(&"46".repeat(32)).unwrap();
        let sig = key.sign_hash(&tx.signing_hash());
        let signed = tx.with_signature(&sig);
        // v = 35 + 2 * 31337 + parity = 62709 or 62710, encoded as 0x82 0xf4 0xf5/0xf6.
        let v = 35 + 2 * 31337 + sig.parity as u32;
        let pos = signed.raw.windows(3).position(|w| w == [0x82, (v >> 8) as u8, v as u8]);
        assert!(pos.is_some());
    }
}
