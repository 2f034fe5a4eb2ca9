//! Recursive Length Prefix encoding (Ethereum yellow paper, appendix B), the few shapes a
//! transaction needs: byte strings, big-endian unsigned integers without leading zeros, and lists.

/// An RLP encoder that appends to a buffer. Lists are built by encoding their items into a
/// separate buffer and wrapping it with [`list`].
#[derive(Debug, Default, Clone)]
pub struct RlpStream {
    buf: Vec<u8>,
}

impl RlpStream {
    pub fn new() -> Self {
        RlpStream { buf: Vec::with_capacity(128) }
    }

    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        if b.len() == 1 && b[0] < 0x80 {
            self.buf.push(b[0]);
        } else {
            length_prefix(&mut self.buf, 0x80, b.len());
            self.buf.extend_from_slice(b);
        }
        self
    }

    /// An unsigned integer: big-endian, no leading zeros, zero as the empty string.
    pub fn uint(&mut self, v: u128) -> &mut Self {
        let be = v.to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        self.bytes(&be[skip..])
    }

    /// A 256-bit unsigned integer given big-endian (e.g. a signature's r or s).
    pub fn uint_be(&mut self, be: &[u8]) -> &mut Self {
        let skip = be.iter().take_while(|&&b| b == 0).count();
        self.bytes(&be[skip..])
    }

    /// An already-encoded item (e.g. an inner list), appended as is.
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(encoded);
        self
    }

    /// The encoded items, not wrapped in a list.
    pub fn items(&self) -> &[u8] {
        &self.buf
    }

    /// The items wrapped as one list.
    pub fn into_list(self) -> Vec<u8> {
        list(&self.buf)
    }
}

/// Wraps already-encoded `items` as a list.
pub fn list(items: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() + 9);
    length_prefix(&mut out, 0xc0, items.len());
    out.extend_from_slice(items);
    out
}

/// Short form `offset + len` below 56 bytes; long form `offset + 55 + len(len)` then `len`.
fn length_prefix(out: &mut Vec<u8>, offset: u8, len: usize) {
    if len < 56 {
        out.push(offset + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        out.push(offset + 55 + (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc_bytes(b: &[u8]) -> Vec<u8> {
        let mut s = RlpStream::new();
        s.bytes(b);
        s.items().to_vec()
    }

    fn enc_uint(v: u128) -> Vec<u8> {
        let mut s = RlpStream::new();
        s.uint(v);
        s.items().to_vec()
    }

    // Vectors from the Ethereum wiki's RLP page and the yellow paper.
    #[test]
    fn rlp_encodes_strings_per_spec() {
        assert_eq!(enc_bytes(b"dog"), [0x83, b'd', b'o', b'g']);
        assert_eq!(enc_bytes(b""), [0x80]);
        assert_eq!(enc_bytes(&[0x00]), [0x00]);
        assert_eq!(enc_bytes(&[0x0f]), [0x0f]);
        assert_eq!(enc_bytes(&[0x80]), [0x81, 0x80]);
        let lorem = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        let mut want = vec![0xb8, 0x38];
        want.extend_from_slice(lorem);
        assert_eq!(enc_bytes(lorem), want);
    }

    #[test]
    fn rlp_encodes_integers_without_leading_zeros() {
        assert_eq!(enc_uint(0), [0x80]);
        assert_eq!(enc_uint(15), [0x0f]);
        assert_eq!(enc_uint(1024), [0x82, 0x04, 0x00]);
        assert_eq!(enc_uint(1_000_000_000_000_000_000), hex::decode("880de0b6b3a7640000").unwrap());
        let mut s = RlpStream::new();
        s.uint_be(&[0, 0, 0x04, 0x00]);
        assert_eq!(s.items(), [0x82, 0x04, 0x00]);
    }

    #[test]
    fn rlp_encodes_lists_short_and_long() {
        let mut s = RlpStream::new();
        s.bytes(b"cat").bytes(b"dog");
        assert_eq!(s.into_list(), [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g']);
        assert_eq!(list(&[]), [0xc0]);
        // [ [], [[]], [ [], [[]] ] ] — the set-theoretical representation of three.
        let three = list(
            &[list(&[]), list(&list(&[])), list(&[list(&[]), list(&list(&[]))].concat())].concat(),
        );
        assert_eq!(three, [0xc7, 0xc0, 0xc1, 0xc0, 0xc3, 0xc0, 0xc1, 0xc0]);
        let long = list(&[0x01; 60]);
        assert_eq!(&long[..2], &[0xf8, 60]);
    }
}
