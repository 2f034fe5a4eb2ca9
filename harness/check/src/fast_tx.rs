//! Fixed-layout fast paths for the ledger's two most frequent kinds, in the field order
//! Touchstone's writer emits (`harness/core/src/trace/event.rs`, `encode`):
//!
//! ```text
//! {"kind":"tx.submit","t_ns":N[,"seq":N],"tx":"S","client":"S","op":"S"[,"from":"S"][,"to":"S"][,"asset":"S"][,"amount":N][,"nonce":N][,"via":"S"][,"intended_ns":N]}
//! {"kind":"tx.result","t_ns":N[,"seq":N],"tx":"S","status":"S"[,"height":N][,"reason":"S"][,"node":"S"]}
//! ```
//!
//! The rules are those of the consensus fast paths (`fast`): a line is taken only when it
//! matches the layout byte for byte, numbers are plain integers below 10^19 without leading
//! zeros, strings are free of escapes and control characters and within the id limit; anything
//! else (a batch's `legs`, a string nonce, another order...) goes through the general scanner.
//! Every value taken is one the general scanner accepts with the same meaning: an amount below
//! 10^19 is a non-negative amount within range, a nonce an integer nonce; `via` and
//! `intended_ns` are not read by the checker.

use crate::fast::{envelope, Cur};

pub(crate) const SUBMIT: &[u8] = br#"{"kind":"tx.submit","t_ns":"#;
pub(crate) const RESULT: &[u8] = br#"{"kind":"tx.result","t_ns":"#;

/// A `tx.submit` (without legs) read by the fast path (texts as `S`: see `fast`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SubmitOf<S> {
    pub(crate) t: u64,
    pub(crate) seq: Option<u64>,
    pub(crate) tx: S,
    pub(crate) op: S,
    pub(crate) from: Option<S>,
    pub(crate) to: Option<S>,
    pub(crate) asset: Option<S>,
    pub(crate) amount: Option<u64>,
    pub(crate) nonce: Option<u64>,
}
pub(crate) type Submit<'a> = SubmitOf<&'a [u8]>;

/// A `tx.result` read by the fast path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TxResultOf<S> {
    pub(crate) t: u64,
    pub(crate) seq: Option<u64>,
    pub(crate) tx: S,
    pub(crate) status: S,
    pub(crate) height: Option<u64>,
    pub(crate) node: Option<S>,
}
pub(crate) type TxResult<'a> = TxResultOf<&'a [u8]>;

/// An optional string member `,"key":"..."` (the literal holds the key and opening quote).
#[inline(always)]
fn opt_str<'a, const N: usize>(c: &mut Cur<'a>, key: &[u8; N]) -> Option<Option<&'a [u8]>> {
    if c.lit(key) {
        c.string().map(Some)
    } else {
        Some(None)
    }
}

/// An optional integer member `,"key":N`.
#[inline(always)]
fn opt_uint<const N: usize>(c: &mut Cur<'_>, key: &[u8; N]) -> Option<Option<u64>> {
    if c.lit(key) {
        c.uint().map(Some)
    } else {
        Some(None)
    }
}

pub(crate) fn submit<'a>(c: &mut Cur<'a>) -> Option<Submit<'a>> {
    let (t, seq) = envelope(c)?;
    c.need(br#","tx":""#)?;
    let tx = c.string()?;
    c.need(br#","client":""#)?;
    c.string()?;
    c.need(br#","op":""#)?;
    let op = c.string()?;
    let from = opt_str(c, br#","from":""#)?;
    let to = opt_str(c, br#","to":""#)?;
    let asset = opt_str(c, br#","asset":""#)?;
    let amount = opt_uint(c, br#","amount":"#)?;
    let nonce = opt_uint(c, br#","nonce":"#)?;
    opt_str(c, br#","via":""#)?;
    opt_uint(c, br#","intended_ns":"#)?;
    c.end()?;
    Some(Submit { t, seq, tx, op, from, to, asset, amount, nonce })
}

pub(crate) fn result<'a>(c: &mut Cur<'a>) -> Option<TxResult<'a>> {
    let (t, seq) = envelope(c)?;
    c.need(br#","tx":""#)?;
    let tx = c.string()?;
    c.need(br#","status":""#)?;
    let status = c.string()?;
    let height = opt_uint(c, br#","height":"#)?;
    opt_str(c, br#","reason":""#)?;
    let node = opt_str(c, br#","node":""#)?;
    c.end()?;
    Some(TxResult { t, seq, tx, status, height, node })
}

#[cfg(test)]
mod tests {
    use crate::fast::{parse, Fast};

    const SUBMIT: &str = r#"{"kind":"tx.submit","t_ns":34895409436,"seq":200000,"tx":"t95656","client":"c8","op":"transfer","from":"a2364","to":"a4563","asset":"EUR","amount":59,"nonce":22,"intended_ns":34895409436}"#;
    const RESULT: &str = r#"{"kind":"tx.result","t_ns":5,"seq":9,"tx":"t1","status":"committed","height":3,"node":"n2"}"#;

    #[test]
    fn takes_the_writer_layouts() {
        let Some(Fast::Submit(s)) = parse(SUBMIT.as_bytes(), 1024) else { panic!("submit") };
        assert_eq!(
            (s.t, s.seq, s.tx, s.op),
            (34895409436, Some(200000), &b"t95656"[..], &b"transfer"[..])
        );
        assert_eq!(
            (s.from, s.to, s.asset),
            (Some(&b"a2364"[..]), Some(&b"a4563"[..]), Some(&b"EUR"[..]))
        );
        assert_eq!((s.amount, s.nonce), (Some(59), Some(22)));
        let genesis = r#"{"kind":"tx.submit","t_ns":0,"tx":"t0","client":"genesis","op":"issue","to":"a0","asset":"EUR","amount":1000000}"#;
        let Some(Fast::Submit(s)) = parse(genesis.as_bytes(), 1024) else { panic!("genesis") };
        assert_eq!(
            (s.from, s.to, s.amount, s.nonce, s.seq),
            (None, Some(&b"a0"[..]), Some(1000000), None, None)
        );
        let Some(Fast::Result(r)) = parse(RESULT.as_bytes(), 1024) else { panic!("result") };
        assert_eq!((r.t, r.seq, r.tx, r.status), (5, Some(9), &b"t1"[..], &b"committed"[..]));
        assert_eq!((r.height, r.node), (Some(3), Some(&b"n2"[..])));
        let bare =
            r#"{"kind":"tx.result","t_ns":5,"tx":"t1","status":"rejected","reason":"no funds"}"#;
        let Some(Fast::Result(r)) = parse(bare.as_bytes(), 1024) else { panic!("bare") };
        assert_eq!((r.height, r.node, r.status), (None, None, &b"rejected"[..]));
    }

    #[test]
    fn falls_back_on_anything_else() {
        for bad in [
            SUBMIT.replace(r#""amount":59"#, r#""amount":"59""#),
            SUBMIT.replace(r#""amount":59"#, r#""amount":-59"#),
            SUBMIT.replace(r#""amount":59"#, r#""amount":10000000000000000000"#),
            SUBMIT.replace(r#""nonce":22"#, r#""nonce":"x""#),
            SUBMIT.replace(r#""from":"a2364","to":"a4563""#, r#""to":"a4563","from":"a2364""#),
            SUBMIT.replace(r#""asset":"EUR""#, r#""asset":null"#),
            SUBMIT.replace(r#""tx":"t95656""#, r#""tx":"t\u0031""#),
            SUBMIT.replace('}', r#","legs":[]}"#),
            SUBMIT.replace('}', r#","x":1}"#),
            SUBMIT.replace(r#","client":"c8""#, ""),
            SUBMIT.replace("t95656", &"t".repeat(1025)),
            RESULT.replace(r#""height":3"#, r#""height":null"#),
            RESULT.replace(r#""node":"n2""#, r#""node":2"#),
            RESULT.replace(r#","status":"committed""#, ""),
            RESULT.replace('}', " }"),
        ] {
            assert!(parse(bad.as_bytes(), 1024).is_none(), "{bad}");
        }
    }
}
