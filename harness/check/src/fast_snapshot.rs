//! The fixed-layout fast path for `state.snapshot`, in the field order Touchstone's writer
//! emits (`harness/core/src/trace/event.rs`, `encode`):
//!
//! ```text
//! {"kind":"state.snapshot","t_ns":N[,"seq":N],"node":"S","height":N[,"app_hash":"S"],"supply":{"S":N,...},"balances":{"S":{"S":N,...},...}}
//! ```
//!
//! A snapshot lists every account (thousands on Touchstone's own traces): through the
//! general scanner its line was read three times over (the line's members, the `balances`
//! object's, each account's) with a vector per object, about a tenth of the checking thread
//! on a Raft trace. Here the reading thread validates the line once (`split.rs`), and the
//! checking thread walks the two objects' raw text, which can then hold nothing but plain
//! keys and integers.
//!
//! The rules are those of the other fast paths (`fast`): a line is taken only when it matches
//! the layout byte for byte, every number is a plain integer below 10^19 without leading
//! zeros (a non-negative amount within range, as the general scanner reads it), every string
//! is free of escapes and control characters, valid UTF-8 and within the id limit. Anything
//! else (`null` objects, negative or huge amounts, another order, whitespace...) goes through
//! the general scanner. Members are kept in order, repeated keys included, as the general
//! scanner keeps them.

use crate::fast::{envelope, Cur};

pub(crate) const SNAPSHOT: &[u8] = br#"{"kind":"state.snapshot","t_ns":"#;

/// A `state.snapshot` read by the fast path (texts as `S`: see `fast`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SnapshotOf<S> {
    pub(crate) t: u64,
    pub(crate) seq: Option<u64>,
    pub(crate) node: S,
    pub(crate) height: u64,
    pub(crate) app_hash: Option<S>,
    pub(crate) supply: AmountsOf<S>,
    pub(crate) balances: HoldingsOf<S>,
}
pub(crate) type Snapshot<'a> = SnapshotOf<&'a [u8]>;

/// A validated object of amounts, raw: `"A":1,"B":2` (empty for `{}`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AmountsOf<S> {
    pub(crate) raw: S,
}
pub(crate) type Amounts<'a> = AmountsOf<&'a [u8]>;

/// A validated object of objects of amounts, raw: `"a0":{"A":1},"a1":{}` (empty for `{}`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HoldingsOf<S> {
    pub(crate) raw: S,
}
pub(crate) type Holdings<'a> = HoldingsOf<&'a [u8]>;

/// Parses a snapshot whose kind and `"t_ns":` were consumed, up to its closing brace.
pub(crate) fn snapshot<'a>(c: &mut Cur<'a>) -> Option<Snapshot<'a>> {
    let (t, seq) = envelope(c)?;
    c.need(br#","node":""#)?;
    let node = c.string()?;
    c.need(br#","height":"#)?;
    let height = c.uint()?;
    let app_hash = if c.lit(br#","app_hash":""#) { Some(c.string()?) } else { None };
    c.need(br#","supply":{"#)?;
    let supply = AmountsOf { raw: amounts(c)? };
    c.need(br#","balances":{"#)?;
    let start = c.pos;
    if !c.lit(b"}") {
        loop {
            c.need(b"\"")?;
            c.string()?;
            c.need(b":{")?;
            amounts(c)?;
            if c.lit(b"}") {
                break;
            }
            c.need(b",")?;
        }
    }
    let balances = HoldingsOf { raw: &c.b[start..c.pos - 1] };
    c.end()?;
    Some(Snapshot { t, seq, node, height, app_hash, supply, balances })
}

/// The rest of an object of amounts whose `{` was consumed; consumes the `}` and returns the
/// text between the braces.
fn amounts<'a>(c: &mut Cur<'a>) -> Option<&'a [u8]> {
    let start = c.pos;
    if c.lit(b"}") {
        return Some(&c.b[start..start]);
    }
    loop {
        c.need(b"\"")?;
        c.string()?;
        c.need(b":")?;
        c.uint()?;
        if c.lit(b"}") {
            break;
        }
        c.need(b",")?;
    }
    Some(&c.b[start..c.pos - 1])
}

/// The first member of validated amounts text (`"A":12...`): key, value and the rest after
/// the value (a `,` and more members, or whatever closes the object).
#[inline]
fn member(rest: &[u8]) -> Option<(&[u8], u64, &[u8])> {
    let body = rest.strip_prefix(b"\"")?;
    // The key holds no quote (no escapes were taken).
    let end = memchr::memchr(b'"', body)?;
    let key = &body[..end];
    let digits = body.get(end + 2..)?; // after `":`
    let mut v = 0u64;
    let mut n = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            break;
        }
        // Below 10^19: validated.
        v = v * 10 + u64::from(d - b'0');
        n += 1;
    }
    Some((key, v, &digits[n..]))
}

impl<'a> Amounts<'a> {
    /// The (key, amount) members, in order.
    pub(crate) fn iter(self) -> impl Iterator<Item = (&'a [u8], u64)> {
        let mut rest = self.raw;
        std::iter::from_fn(move || {
            let (key, v, after) = member(rest)?;
            rest = after.strip_prefix(b",").unwrap_or(b"");
            Some((key, v))
        })
    }
}

impl<'a> Holdings<'a> {
    /// The (account, asset, amount) of every member of every account, in order; an account
    /// with no member (`{}`) gives nothing, as through the general scanner.
    pub(crate) fn iter(self) -> impl Iterator<Item = (&'a [u8], &'a [u8], u64)> {
        let mut rest = self.raw;
        let mut acct: &[u8] = b"";
        let mut inside = false;
        std::iter::from_fn(move || loop {
            if inside {
                // The account's next member, or the `}` that closes it (then a `,` and the
                // next account, or the end).
                if let Some(after) = rest.strip_prefix(b"}") {
                    inside = false;
                    rest = after.strip_prefix(b",").unwrap_or(after);
                    continue;
                }
                let (asset, v, after) = member(rest)?;
                rest = after.strip_prefix(b",").unwrap_or(after);
                return Some((acct, asset, v));
            }
            let body = rest.strip_prefix(b"\"")?;
            let end = memchr::memchr(b'"', body)?;
            acct = &body[..end];
            rest = body.get(end + 3..)?; // after `":{`
            inside = true;
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::fast::{parse, Fast};

    const SNAP: &str = r#"{"kind":"state.snapshot","t_ns":65,"seq":9,"node":"n0","height":12,"app_hash":"2cc1","supply":{"EUR":30,"U}SD":7},"balances":{"a0":{"EUR":10},"a}1":{},"a2":{"EUR":20,"U}SD":7}}}"#;

    fn snap(s: &str) -> Option<super::Snapshot<'_>> {
        match parse(s.as_bytes(), 1024)? {
            Fast::Snapshot(s) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn takes_the_writer_layout_and_walks_its_objects() {
        let s = snap(SNAP).expect("snapshot");
        assert_eq!((s.t, s.seq, s.node, s.height), (65, Some(9), &b"n0"[..], 12));
        assert_eq!(s.app_hash, Some(&b"2cc1"[..]));
        let supply: Vec<_> = s.supply.iter().collect();
        assert_eq!(supply, [(&b"EUR"[..], 30), (&b"U}SD"[..], 7)]);
        let held: Vec<_> = s.balances.iter().collect();
        assert_eq!(
            held,
            [
                (&b"a0"[..], &b"EUR"[..], 10),
                (&b"a2"[..], &b"EUR"[..], 20),
                (&b"a2"[..], &b"U}SD"[..], 7)
            ]
        );
        let bare = r#"{"kind":"state.snapshot","t_ns":0,"node":"n1","height":0,"supply":{},"balances":{}}"#;
        let s = snap(bare).expect("bare");
        assert_eq!((s.seq, s.app_hash), (None, None));
        assert_eq!((s.supply.iter().count(), s.balances.iter().count()), (0, 0));
        let repeated = SNAP.replace(r#""a}1":{}"#, r#""a0":{"EUR":1,"EUR":2}"#);
        let held: Vec<_> = snap(&repeated).expect("repeated").balances.iter().collect();
        assert_eq!(
            &held[..3],
            [
                (&b"a0"[..], &b"EUR"[..], 10),
                (&b"a0"[..], &b"EUR"[..], 1),
                (&b"a0"[..], &b"EUR"[..], 2)
            ]
        );
        let big = SNAP.replace(":10}", ":9999999999999999999}");
        assert_eq!(
            snap(&big).expect("19 digits").balances.iter().next().unwrap().2,
            9999999999999999999
        );
    }

    #[test]
    fn falls_back_on_anything_else() {
        for bad in [
            SNAP.replace(":10}", ":-10}"),
            SNAP.replace(":10}", ":10000000000000000000}"),
            SNAP.replace(":10}", ":010}"),
            SNAP.replace(":10}", ":1.5}"),
            SNAP.replace(":10}", r#":"10"}"#),
            SNAP.replace(r#""supply":{"EUR":30,"U}SD":7}"#, r#""supply":null"#),
            SNAP.replace(r#"{"EUR":10}"#, "null"),
            SNAP.replace(r#"{"EUR":10}"#, "10"),
            SNAP.replace(r#""a0""#, r#""a\u0030""#),
            SNAP.replace(r#""a0""#, &format!(r#""{}""#, "a".repeat(1025))),
            SNAP.replace(r#","app_hash":"2cc1""#, r#","app_hash":null"#),
            SNAP.replace(r#""height":12"#, r#""height":"12""#),
            SNAP.replace(r#","node":"n0""#, ""),
            SNAP.replace(r#"}}}"#, r#"},}}"#),
            SNAP.replace(r#""a0":{"EUR":10},"#, r#""a0":{"EUR":10} ,"#),
            SNAP.replace("}}}", "}},\"x\":1}"),
            SNAP[..SNAP.len() - 1].to_string(),
        ] {
            assert!(snap(&bad).is_none(), "{bad}");
        }
    }
}
