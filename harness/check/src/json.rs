//! A small borrowing JSON scanner for one trace line.
//!
//! The checker's hot path must not allocate per event: this scanner validates the whole line
//! (full JSON grammar, bounded nesting) and hands back values that borrow from the line buffer.
//! Arrays and objects are returned as raw, already-validated slices and scanned again on demand.

use std::borrow::Cow;

/// A scalar or a raw container, borrowed from the line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Val<'a> {
    /// String contents between the quotes, still escaped when `escaped` is true.
    Str {
        raw: &'a str,
        escaped: bool,
    },
    /// The number's text, validated against the JSON grammar.
    Num(&'a str),
    Bool(bool),
    Null,
    /// The whole `[...]` text.
    Arr(&'a str),
    /// The whole `{...}` text.
    Obj(&'a str),
}

impl Val<'_> {
    /// The JSON type name, for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Str { .. } => "string",
            Val::Num(_) => "number",
            Val::Bool(_) => "boolean",
            Val::Null => "null",
            Val::Arr(_) => "array",
            Val::Obj(_) => "object",
        }
    }
}

/// A syntax error at a byte offset of the line.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
    pub(crate) message: &'static str,
}

type Res<T> = Result<T, SyntaxError>;

/// Scanner over one JSON text.
pub(crate) struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(s: &'a str, max_depth: usize) -> Self {
        Scanner { s, b: s.as_bytes(), pos: 0, max_depth }
    }

    fn err<T>(&self, message: &'static str) -> Res<T> {
        Err(SyntaxError { offset: self.pos, message })
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if c == b' ' || c == b'\t' || c == b'\r' || c == b'\n' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Scans a string starting at `"`; returns the raw contents and whether escapes occur.
    #[inline]
    fn string(&mut self) -> Res<(&'a str, bool)> {
        self.pos += 1; // opening quote
        let start = self.pos;
        let mut escaped = false;
        loop {
            let Some(&c) = self.b.get(self.pos) else { return self.err("unterminated string") };
            match c {
                b'"' => {
                    let raw = &self.s[start..self.pos];
                    self.pos += 1;
                    return Ok((raw, escaped));
                }
                b'\\' => {
                    escaped = true;
                    let Some(&e) = self.b.get(self.pos + 1) else {
                        return self.err("unterminated string");
                    };
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 2,
                        b'u' => {
                            let hex = self.b.get(self.pos + 2..self.pos + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return self.err("bad \\u escape");
                            }
                            self.pos += 6;
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                0..=0x1f => return self.err("control character in string"),
                _ => self.pos += 1,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    #[inline]
    fn number(&mut self) -> Res<&'a str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.err("bad number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.err("bad number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err("bad number");
            }
        }
        Ok(&self.s[start..self.pos])
    }

    fn literal(&mut self, word: &'static [u8], v: Val<'a>) -> Res<Val<'a>> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.err("expected a JSON value")
        }
    }

    /// Scans one value; containers are validated and returned raw.
    #[inline]
    pub(crate) fn value(&mut self, depth: usize) -> Res<Val<'a>> {
        match self.peek() {
            Some(b'"') => {
                let (raw, escaped) = self.string()?;
                Ok(Val::Str { raw, escaped })
            }
            Some(b'-' | b'0'..=b'9') => Ok(Val::Num(self.number()?)),
            Some(b't') => self.literal(b"true", Val::Bool(true)),
            Some(b'f') => self.literal(b"false", Val::Bool(false)),
            Some(b'n') => self.literal(b"null", Val::Null),
            Some(b'[') => {
                let start = self.pos;
                self.skip_container(depth + 1, b']')?;
                Ok(Val::Arr(&self.s[start..self.pos]))
            }
            Some(b'{') => {
                let start = self.pos;
                self.skip_container(depth + 1, b'}')?;
                Ok(Val::Obj(&self.s[start..self.pos]))
            }
            None => self.err("unexpected end of line"),
            _ => self.err("expected a JSON value"),
        }
    }

    fn skip_container(&mut self, depth: usize, close: u8) -> Res<()> {
        if depth > self.max_depth {
            return self.err("nesting too deep");
        }
        self.pos += 1;
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if close == b'}' {
                if self.peek() != Some(b'"') {
                    return self.err("expected a string key");
                }
                self.string()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return self.err("expected ':'");
                }
                self.pos += 1;
                self.ws();
            }
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.err("expected ',' or a closing bracket"),
            }
        }
    }

    /// Calls `f(key, escaped, value)` for each member of the object that makes up the whole
    /// text (nothing but whitespace may follow it).
    #[inline]
    pub(crate) fn object(
        &mut self,
        mut f: impl FnMut(&'a str, bool, Val<'a>) -> Res<()>,
    ) -> Res<()> {
        self.ws();
        if self.peek() != Some(b'{') {
            return self.err("expected a JSON object");
        }
        if self.max_depth == 0 {
            return self.err("nesting too deep");
        }
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    return self.err("expected a string key");
                }
                let (key, esc) = self.string()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return self.err("expected ':'");
                }
                self.pos += 1;
                self.ws();
                let v = self.value(1)?;
                f(key, esc, v)?;
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.ws();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.err("expected ',' or '}'"),
                }
            }
        }
        self.ws();
        if self.pos != self.b.len() {
            return self.err("trailing characters after the object");
        }
        Ok(())
    }

    /// Calls `f` for each element of the array that makes up the whole text.
    pub(crate) fn array(&mut self, mut f: impl FnMut(Val<'a>) -> Res<()>) -> Res<()> {
        self.ws();
        if self.peek() != Some(b'[') {
            return self.err("expected an array");
        }
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b']') {
            return Ok(());
        }
        loop {
            let v = self.value(1)?;
            f(v)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b']') => return Ok(()),
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }
}

/// Decodes JSON string escapes (the raw text was validated by the scanner).
pub(crate) fn unescape(raw: &str, escaped: bool) -> Cow<'_, str> {
    if !escaped {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hi = hex4(&mut it);
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    let mut look = it.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        let lo = hex4(&mut look);
                        if (0xDC00..0xE000).contains(&lo) {
                            it = look;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            0xFFFD
                        }
                    } else {
                        0xFFFD
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Cow::Owned(out)
}

fn hex4(it: &mut std::str::Chars<'_>) -> u32 {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + it.next().and_then(|c| c.to_digit(16)).unwrap_or(0);
    }
    v
}

/// Parses an integer token (no fraction, no exponent) that fits in `i128`.
pub(crate) fn parse_i128(num: &str) -> Option<i128> {
    let (neg, digits) = match num.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, num),
    };
    if digits.is_empty() || digits.len() > 38 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: i128 = 0;
    for c in digits.bytes() {
        v = v * 10 + i128::from(c - b'0');
    }
    Some(if neg { -v } else { v })
}

/// Parses a non-negative integer token that fits in `u64`.
#[inline]
pub(crate) fn parse_u64(num: &str) -> Option<u64> {
    let b = num.as_bytes();
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Result<Vec<(String, String)>, SyntaxError> {
        let mut out = Vec::new();
        Scanner::new(s, 8).object(|k, e, v| {
            out.push((unescape(k, e).into_owned(), format!("{v:?}")));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn scans_flat_and_nested_objects() {
        let f =
            fields(r#"{"kind":"cons.vote","t_ns":12,"block":null,"x":[1,{"a":[]}],"y":-1.5e3}"#)
                .unwrap();
        assert_eq!(f.len(), 5);
        assert_eq!(f[3].1, r#"Arr("[1,{\"a\":[]}]")"#);
    }

    #[test]
    fn rejects_bad_json() {
        for bad in [
            "",
            "[]",
            "{",
            r#"{"a":}"#,
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":"x"} x"#,
            r#"{"a":tru}"#,
            r#"{"a":"\q"}"#,
        ] {
            assert!(fields(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_nesting() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(20), "]".repeat(20));
        assert_eq!(fields(&deep).unwrap_err().message, "nesting too deep");
    }

    #[test]
    fn unescapes_strings() {
        assert_eq!(unescape(r#"a\"b\u0041\ud83d\ude00"#, true), "a\"bA\u{1F600}");
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64("18446744073709551616"), None);
        assert_eq!(parse_i128("-42"), Some(-42));
    }
}
