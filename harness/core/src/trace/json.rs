//! A minimal, allocation-free JSON line builder for the hot path of the trace writer.
//!
//! `serde_json` is correct but builds through a generic serializer; the trace writer emits
//! millions of lines per second, so lines are assembled directly into a reused byte buffer.

/// Builds one JSON object into a byte buffer.
#[derive(Debug)]
pub struct Obj<'b> {
    buf: &'b mut Vec<u8>,
    first: bool,
}

impl<'b> Obj<'b> {
    pub fn new(buf: &'b mut Vec<u8>) -> Self {
        buf.push(b'{');
        Obj { buf, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.buf.push(b'"');
        self.buf.extend_from_slice(k.as_bytes()); // keys are ASCII literals
        self.buf.extend_from_slice(b"\":");
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        write_str(self.buf, v);
        self
    }

    pub fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(k, v);
        }
        self
    }

    pub fn u64(&mut self, k: &str, v: u64) -> &mut Self {
        self.key(k);
        self.buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        self
    }

    pub fn opt_u64(&mut self, k: &str, v: Option<u64>) -> &mut Self {
        if let Some(v) = v {
            self.u64(k, v);
        }
        self
    }

    pub fn u128(&mut self, k: &str, v: u128) -> &mut Self {
        self.key(k);
        self.buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        self
    }

    pub fn f64(&mut self, k: &str, v: f64) -> &mut Self {
        self.key(k);
        if v.is_finite() {
            self.buf.extend_from_slice(ryu::Buffer::new().format(v).as_bytes());
        } else {
            self.buf.extend_from_slice(b"null");
        }
        self
    }

    pub fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.buf.extend_from_slice(if v { b"true" } else { b"false" });
        self
    }

    pub fn null(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.buf.extend_from_slice(b"null");
        self
    }

    /// A raw, already-encoded JSON value.
    pub fn raw(&mut self, k: &str, json: &[u8]) -> &mut Self {
        self.key(k);
        self.buf.extend_from_slice(json);
        self
    }

    /// An array of strings produced by an iterator.
    pub fn str_array<I, S>(&mut self, k: &str, items: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.key(k);
        self.buf.push(b'[');
        for (i, s) in items.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            write_str(self.buf, s.as_ref());
        }
        self.buf.push(b']');
        self
    }

    /// Starts a nested object under key `k`; call [`Obj::end`] on it.
    pub fn obj(&mut self, k: &str) -> Obj<'_> {
        self.key(k);
        Obj::new(self.buf)
    }

    /// Direct access for nested arrays of objects.
    pub fn raw_key(&mut self, k: &str) -> &mut Vec<u8> {
        self.key(k);
        self.buf
    }

    pub fn end(self) {
        self.buf.push(b'}');
    }
}

/// Writes `s` as a JSON string literal.
pub fn write_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                buf.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(esc);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_valid_json_with_escapes() {
        let mut buf = Vec::new();
        let mut o = Obj::new(&mut buf);
        o.str("a", "q\"uo\\te\n\u{1}é").u64("n", 7).bool("b", true).null("z");
        o.str_array("xs", ["x", "y"]);
        {
            let mut inner = o.obj("in");
            inner.u128("big", u128::MAX);
            inner.end();
        }
        o.end();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["a"], "q\"uo\\te\n\u{1}é");
        assert_eq!(v["n"], 7);
        assert_eq!(v["xs"][1], "y");
        assert!(v["z"].is_null());
    }
}
