//! Fixed-layout fast paths for the most frequent consensus kinds, `cons.vote`, `cons.decide`
//! and `cons.propose` (the ledger's `tx.submit` and `tx.result` are in `fast_tx`, and
//! `state.snapshot` in `fast_snapshot`), in
//! the field order Touchstone's writer emits (`harness/core/src/trace/event.rs`, `encode`):
//!
//! ```text
//! {"kind":"cons.vote","t_ns":N[,"seq":N],"node":"S","height":N,"round":N,"vtype":"S","block":"S"|null[,"signature":"S"]}
//! {"kind":"cons.decide","t_ns":N[,"seq":N],"node":"S","height":N,"round":N,"block":"S"[,"parent":"S"][,"app_hash":"S"],"txs":[S,...],"cert":{"signers":[S,...]}}
//! ```
//!
//! A line is taken by a fast path only when it matches the layout exactly, byte for byte, up
//! to its last byte (the reader may parse straight from its buffer; it then requires the
//! newline right after the closing brace): every number is a plain JSON integer below 10^19 without leading zeros,
//! every string is free of escapes and control characters and no longer than the id limit.
//! Such a line is valid JSON with exactly these members, so the fast path accepts nothing the
//! general scanner would reject. Anything else (other field order, whitespace, escapes, extra
//! members, long ids, huge numbers...) returns `None` and the line goes through the general
//! scanner, which gives the usual errors with the line number and field. Strings are checked
//! to be UTF-8 one by one, so a taken line is valid UTF-8 as a whole. A nesting limit below
//! the layouts' depth ([`DEPTH`]) turns them all off, so that the limit applies as it does
//! through the general scanner.

// Each event is generic over how it holds a text, `S`: borrowed from the line (`&[u8]`, the
// aliases without `Of`), or as a [`Span`] of the buffer it was read in, so that the reading
// thread can parse and the checking thread read the result (`split.rs`).

/// A vote parsed by the fast path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VoteOf<S> {
    pub(crate) t: u64,
    pub(crate) seq: Option<u64>,
    pub(crate) node: S,
    pub(crate) height: u64,
    pub(crate) round: u64,
    pub(crate) vtype: S,
    pub(crate) block: Option<S>,
}
pub(crate) type Vote<'a> = VoteOf<&'a [u8]>;

/// A decision parsed by the fast path; lists are raw (`"a","b"`), already validated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecideOf<S> {
    pub(crate) t: u64,
    pub(crate) seq: Option<u64>,
    pub(crate) node: S,
    pub(crate) height: u64,
    pub(crate) round: u64,
    pub(crate) block: S,
    pub(crate) parent: Option<S>,
    pub(crate) app_hash: Option<S>,
    pub(crate) txs: StrListOf<S>,
    pub(crate) signers: StrListOf<S>,
}
pub(crate) type Decide<'a> = DecideOf<&'a [u8]>;

/// A proposal parsed by the fast path (`parent` and `txs` validated, not kept).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProposeOf<S> {
    pub(crate) t: u64,
    pub(crate) seq: Option<u64>,
    pub(crate) node: S,
    pub(crate) height: u64,
    pub(crate) round: u64,
    pub(crate) block: S,
    pub(crate) parent: Option<S>,
}
pub(crate) type Propose<'a> = ProposeOf<&'a [u8]>;

/// What the fast path recognised.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FastOf<S> {
    Vote(VoteOf<S>),
    Decide(DecideOf<S>),
    Propose(ProposeOf<S>),
    Submit(crate::fast_tx::SubmitOf<S>),
    Result(crate::fast_tx::TxResultOf<S>),
    Snapshot(crate::fast_snapshot::SnapshotOf<S>),
}
pub(crate) type Fast<'a> = FastOf<&'a [u8]>;

impl<S: Copy> FastOf<S> {
    /// The same event with every text `f` of what it was.
    pub(crate) fn map<T: Copy>(self, mut f: impl FnMut(S) -> T) -> FastOf<T> {
        match self {
            FastOf::Vote(v) => FastOf::Vote(VoteOf {
                t: v.t,
                seq: v.seq,
                node: f(v.node),
                height: v.height,
                round: v.round,
                vtype: f(v.vtype),
                block: v.block.map(&mut f),
            }),
            FastOf::Decide(d) => FastOf::Decide(DecideOf {
                t: d.t,
                seq: d.seq,
                node: f(d.node),
                height: d.height,
                round: d.round,
                block: f(d.block),
                parent: d.parent.map(&mut f),
                app_hash: d.app_hash.map(&mut f),
                txs: StrListOf { raw: f(d.txs.raw) },
                signers: StrListOf { raw: f(d.signers.raw) },
            }),
            FastOf::Propose(p) => FastOf::Propose(ProposeOf {
                t: p.t,
                seq: p.seq,
                node: f(p.node),
                height: p.height,
                round: p.round,
                block: f(p.block),
                parent: p.parent.map(&mut f),
            }),
            FastOf::Submit(s) => FastOf::Submit(crate::fast_tx::SubmitOf {
                t: s.t,
                seq: s.seq,
                tx: f(s.tx),
                op: f(s.op),
                from: s.from.map(&mut f),
                to: s.to.map(&mut f),
                asset: s.asset.map(&mut f),
                amount: s.amount,
                nonce: s.nonce,
            }),
            FastOf::Result(r) => FastOf::Result(crate::fast_tx::TxResultOf {
                t: r.t,
                seq: r.seq,
                tx: f(r.tx),
                status: f(r.status),
                height: r.height,
                node: r.node.map(&mut f),
            }),
            FastOf::Snapshot(s) => {
                use crate::fast_snapshot::{AmountsOf, HoldingsOf, SnapshotOf};
                FastOf::Snapshot(SnapshotOf {
                    t: s.t,
                    seq: s.seq,
                    node: f(s.node),
                    height: s.height,
                    app_hash: s.app_hash.map(&mut f),
                    supply: AmountsOf { raw: f(s.supply.raw) },
                    balances: HoldingsOf { raw: f(s.balances.raw) },
                })
            }
        }
    }
}

const VOTE: &[u8] = br#"{"kind":"cons.vote","t_ns":"#;
const DECIDE: &[u8] = br#"{"kind":"cons.decide","t_ns":"#;
const PROPOSE: &[u8] = br#"{"kind":"cons.propose","t_ns":"#;

/// Parses `line` with a fast path, or `None` when the general scanner must handle it.
#[inline]
pub(crate) fn parse(line: &[u8], max_id: usize) -> Option<Fast<'_>> {
    parse_prefix(line, max_id, &Known::default())
        .and_then(|(f, end)| (end == line.len()).then_some(f))
}

/// The deepest nesting of a fast layout (a decision's cert signers, a snapshot's balances):
/// a limit on nesting below it turns the fast layouts off, so that such lines get the general
/// scanner's "nesting too deep".
pub(crate) const DEPTH: usize = 3;

/// The raw texts of a decision's lists validated before (each empty when there is none): a
/// decision with the same list is not scanned again. Every correct node decides the same
/// block, so a height's decisions after the first repeat its tx list and, often, its cert.
#[derive(Debug, Default)]
pub(crate) struct Known {
    pub(crate) txs: Vec<u8>,
    pub(crate) signers: Vec<u8>,
}

/// Parses the start of `b` with a fast path: the event and the length of its JSON text
/// (what follows is not looked at; no string or literal of a fast layout holds a newline).
#[inline]
pub(crate) fn parse_prefix<'a>(
    b: &'a [u8],
    max_id: usize,
    known: &Known,
) -> Option<(Fast<'a>, usize)> {
    if b.starts_with(VOTE) {
        let mut c = Cur { b, pos: VOTE.len(), max_id };
        vote(&mut c).map(|f| (Fast::Vote(f), c.pos))
    } else if b.starts_with(DECIDE) {
        let mut c = Cur { b, pos: DECIDE.len(), max_id };
        decide(&mut c, known).map(|f| (Fast::Decide(f), c.pos))
    } else if b.starts_with(PROPOSE) {
        let mut c = Cur { b, pos: PROPOSE.len(), max_id };
        propose(&mut c).map(|f| (Fast::Propose(f), c.pos))
    } else if b.starts_with(crate::fast_tx::SUBMIT) {
        let mut c = Cur { b, pos: crate::fast_tx::SUBMIT.len(), max_id };
        crate::fast_tx::submit(&mut c).map(|f| (Fast::Submit(f), c.pos))
    } else if b.starts_with(crate::fast_tx::RESULT) {
        let mut c = Cur { b, pos: crate::fast_tx::RESULT.len(), max_id };
        crate::fast_tx::result(&mut c).map(|f| (Fast::Result(f), c.pos))
    } else if b.starts_with(crate::fast_snapshot::SNAPSHOT) {
        let mut c = Cur { b, pos: crate::fast_snapshot::SNAPSHOT.len(), max_id };
        crate::fast_snapshot::snapshot(&mut c).map(|f| (Fast::Snapshot(f), c.pos))
    } else {
        None
    }
}

#[inline(always)]
pub(crate) fn envelope(c: &mut Cur<'_>) -> Option<(u64, Option<u64>)> {
    let t = c.uint()?;
    let seq = if c.lit(br#","seq":"#) { Some(c.uint()?) } else { None };
    Some((t, seq))
}

#[inline]
fn vote<'a>(c: &mut Cur<'a>) -> Option<Vote<'a>> {
    let (t, seq) = envelope(c)?;
    c.need(br#","node":""#)?;
    let node = c.string()?;
    c.need(br#","height":"#)?;
    let height = c.uint()?;
    c.need(br#","round":"#)?;
    let round = c.uint()?;
    c.need(br#","vtype":""#)?;
    // The two commonest vote types are matched whole (quote included), without a scan. The
    // text is the line's own (a span of the buffer: see `split.rs`).
    let vtype: &[u8] = if c.lit(b"prevote\"") {
        &c.b[c.pos - 8..c.pos - 1]
    } else if c.lit(b"precommit\"") {
        &c.b[c.pos - 10..c.pos - 1]
    } else {
        c.string()?
    };
    c.need(br#","block":"#)?;
    let block = if c.lit(b"null") {
        None
    } else {
        c.need(b"\"")?;
        Some(c.string()?)
    };
    if c.lit(br#","signature":""#) {
        c.string()?;
    }
    c.end()?;
    Some(Vote { t, seq, node, height, round, vtype, block })
}

fn decide<'a>(c: &mut Cur<'a>, known: &Known) -> Option<Decide<'a>> {
    let (t, seq) = envelope(c)?;
    c.need(br#","node":""#)?;
    let node = c.string()?;
    c.need(br#","height":"#)?;
    let height = c.uint()?;
    c.need(br#","round":"#)?;
    let round = c.uint()?;
    c.need(br#","block":""#)?;
    let block = c.string()?;
    let parent = if c.lit(br#","parent":""#) { Some(c.string()?) } else { None };
    let app_hash = if c.lit(br#","app_hash":""#) { Some(c.string()?) } else { None };
    c.need(br#","txs":["#)?;
    let txs = c.known_list(&known.txs)?;
    c.need(br#","cert":{"signers":["#)?;
    let signers = c.known_list(&known.signers)?;
    c.need(b"}")?;
    c.end()?;
    Some(Decide { t, seq, node, height, round, block, parent, app_hash, txs, signers })
}

fn propose<'a>(c: &mut Cur<'a>) -> Option<Propose<'a>> {
    let (t, seq) = envelope(c)?;
    c.need(br#","node":""#)?;
    let node = c.string()?;
    c.need(br#","height":"#)?;
    let height = c.uint()?;
    c.need(br#","round":"#)?;
    let round = c.uint()?;
    c.need(br#","block":""#)?;
    let block = c.string()?;
    let parent = if c.lit(br#","parent":""#) { Some(c.string()?) } else { None };
    if c.lit(br#","txs":["#) {
        c.list()?;
    }
    c.end()?;
    Some(Propose { t, seq, node, height, round, block, parent })
}

/// Powers of ten by number of digits.
const POW10: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// The decimal digits that lead eight bytes of text (the first byte the lowest of `w`): how
/// many (0 to 8) and their value, without a branch per digit.
///
/// Each byte less `'0'` is a digit's value when below 10. A byte that is not a digit gets its
/// high bit set: wrapped below zero, or at 10 or more once 0x76 is added. The borrows and
/// carries between bytes of these whole-word operations only start at a non-digit byte and
/// only move up, into bytes after the first non-digit, which are not used. The digits are
/// then shifted to the top (zeros below them are leading zeros) and combined in pairs, fours
/// and eights by three multiplications.
#[inline(always)]
pub(crate) fn lead_digits(w: u64) -> (usize, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let t = w.wrapping_sub(ONES * u64::from(b'0'));
    let not_digit = (t.wrapping_add(ONES * 0x76) | t) & (ONES * 0x80);
    let k = (not_digit.trailing_zeros() / 8) as usize;
    if k == 0 {
        return (0, 0);
    }
    let d = (t << (8 * (8 - k))) & (ONES * 0x0f);
    let d = (d.wrapping_mul(10 * 256 + 1) >> 8) & 0x00ff_00ff_00ff_00ff;
    let d = (d.wrapping_mul(100 * 65_536 + 1) >> 16) & 0x0000_ffff_0000_ffff;
    (k, d.wrapping_mul(10_000 * (1 << 32) + 1) >> 32)
}

/// Byte equality eight bytes at a time, inline (no call to `memcmp` for short texts).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        if le64(p) != le64(q) {
            return false;
        }
    }
    tail(x.remainder()) == tail(y.remainder())
}

/// Up to seven bytes as a word, without a call to `memcpy` or `memcmp`.
#[inline(always)]
fn tail(b: &[u8]) -> u64 {
    b.iter().enumerate().fold(0, |w, (i, &c)| w | u64::from(c) << (8 * i))
}

#[inline]
fn le64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

pub(crate) struct Cur<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) max_id: usize,
}

impl<'a> Cur<'a> {
    /// Consumes `lit` if it comes next.
    #[inline(always)]
    pub(crate) fn lit<const N: usize>(&mut self, lit: &[u8; N]) -> bool {
        match self.b.get(self.pos..self.pos + N) {
            Some(x) if x == lit => {
                self.pos += N;
                true
            }
            _ => false,
        }
    }

    #[inline(always)]
    pub(crate) fn need<const N: usize>(&mut self, lit: &[u8; N]) -> Option<()> {
        self.lit(lit).then_some(())
    }

    /// The closing `}` of the object (the caller checks that the line ends there).
    #[inline]
    pub(crate) fn end(&mut self) -> Option<()> {
        self.need(b"}")
    }

    /// A JSON integer without sign, fraction or exponent, below 10^19 (fits `u64`). Read
    /// eight bytes at a time ([`lead_digits`]) where the text allows.
    #[inline(always)]
    pub(crate) fn uint(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut v: u64 = 0;
        while let Some(chunk) = self.b.get(self.pos..self.pos + 8) {
            let (k, x) = lead_digits(le64(chunk));
            // Past 19 digits the value is not used: the number is refused below.
            v = v.wrapping_mul(POW10[k]).wrapping_add(x);
            self.pos += k;
            if k < 8 {
                return self.uint_end(start, v);
            }
        }
        while let Some(&c) = self.b.get(self.pos) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v.wrapping_mul(10).wrapping_add(u64::from(d));
            self.pos += 1;
        }
        self.uint_end(start, v)
    }

    /// The number whose digits run from `start` to here, with their value `v`: none when
    /// there are none, more than 19, or a leading zero.
    #[inline(always)]
    fn uint_end(&self, start: usize, v: u64) -> Option<u64> {
        let n = self.pos - start;
        if n == 0 || n > 19 || (n > 1 && self.b[start] == b'0') {
            return None;
        }
        Some(v)
    }

    /// The rest of a string whose opening quote was consumed: no escapes, no control
    /// characters, valid UTF-8, at most `max_id` bytes. Consumes the closing quote.
    /// Scans eight bytes at a time for a quote, a backslash, a control or a non-ASCII byte.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Option<&'a [u8]> {
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        let b = self.b;
        let start = self.pos;
        let mut i = start;
        let mut high = false;
        loop {
            // Eight bytes from `i`; at the end of the line, the last eight shifted so that
            // the bytes past the end read as zero (flagged, then rejected below).
            let w = if let Some(chunk) = b.get(i..i + 8) {
                Some(le64(chunk))
            } else if b.len() >= 8 && i < b.len() {
                Some(le64(&b[b.len() - 8..]) >> (8 * (i + 8 - b.len())))
            } else {
                None
            };
            if let Some(w) = w {
                let q = w ^ (LO * u64::from(b'"'));
                let bs = w ^ (LO * u64::from(b'\\'));
                // Lowest set bit of each term is exact: a quote, a backslash, a byte below
                // 0x20, a byte at or above 0x80.
                let m = (q.wrapping_sub(LO) & !q)
                    | (bs.wrapping_sub(LO) & !bs)
                    | (w.wrapping_sub(LO * 0x20) & !w)
                    | w;
                let m = m & HI;
                if m == 0 {
                    i += 8;
                    continue;
                }
                i += (m.trailing_zeros() / 8) as usize;
            }
            let c = *b.get(i)?;
            match c {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                0x80.. => high = true,
                _ => {}
            }
            i += 1;
        }
        let s = &b[start..i];
        if s.len() > self.max_id || (high && std::str::from_utf8(s).is_err()) {
            return None;
        }
        self.pos = i + 1;
        Some(s)
    }

    /// [`Cur::list`], or at once when the list's text is `known` (the raw text of a list
    /// validated before; empty: none).
    #[inline]
    fn known_list(&mut self, known: &[u8]) -> Option<StrList<'a>> {
        let rest = &self.b[self.pos..];
        let n = known.len();
        if n > 0 && rest.get(n) == Some(&b']') && rest[..n] == *known {
            self.pos += n + 1;
            return Some(StrList { raw: &rest[..n] });
        }
        self.list()
    }

    /// The rest of an array of strings whose `[` was consumed; consumes the `]`.
    fn list(&mut self) -> Option<StrList<'a>> {
        let start = self.pos;
        if self.lit(b"]") {
            return Some(StrList { raw: &self.b[start..start] });
        }
        loop {
            self.need(b"\"")?;
            self.string()?;
            if self.lit(b"]") {
                break;
            }
            self.need(b",")?;
        }
        Some(StrList { raw: &self.b[start..self.pos - 1] })
    }
}

/// A validated list of plain strings, raw: `"a","b"` (empty for `[]`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StrListOf<S> {
    raw: S,
}
pub(crate) type StrList<'a> = StrListOf<&'a [u8]>;

impl<'a> StrList<'a> {
    /// The raw text between the brackets.
    pub(crate) fn raw(self) -> &'a [u8] {
        self.raw
    }

    /// The strings, in order.
    pub(crate) fn iter(self) -> impl Iterator<Item = &'a [u8]> {
        let mut rest = self.raw;
        std::iter::from_fn(move || {
            // `rest` is `"x"` or `"x","y"...`: the strings hold no quote.
            let body = rest.strip_prefix(b"\"")?;
            let end = memchr::memchr(b'"', body)?;
            let item = &body[..end];
            rest = body[end + 1..].strip_prefix(b",").unwrap_or(b"");
            Some(item)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote_of(s: &str) -> Option<Vote<'_>> {
        match parse(s.as_bytes(), 1024)? {
            Fast::Vote(v) => Some(v),
            _ => None,
        }
    }

    /// Digits read eight at a time agree with digits read one at a time, on every kind of
    /// byte around them (seeded, printed, replayable).
    #[test]
    fn digits_eight_at_a_time_agree_with_one_at_a_time() {
        use rand::{Rng, SeedableRng};
        let seed = 0x5eed_d161_u64;
        println!("seed {seed:#x}");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let naive = |b: &[u8]| {
            let k = b.iter().take_while(|c| c.is_ascii_digit()).count();
            (
                k,
                b[..k]
                    .iter()
                    .fold(0u64, |v, c| v.wrapping_mul(10).wrapping_add(u64::from(c - b'0'))),
            )
        };
        let alphabet = b"0123456789/:\"-,}]\x00\x7f\x80\xff a";
        for _ in 0..100_000 {
            let mut b = [0u8; 8];
            for x in &mut b {
                *x = if rng.gen_bool(0.8) {
                    alphabet[rng.gen_range(0..10)]
                } else if rng.gen_bool(0.5) {
                    alphabet[rng.gen_range(0..alphabet.len())]
                } else {
                    rng.gen()
                };
            }
            assert_eq!(lead_digits(u64::from_le_bytes(b)), naive(&b), "{b:?}");
        }
        for text in [&b"12345678"[..], b"99999999", b"00000000", b"1}", b"}1234567", b"0"] {
            let mut b = [b'x'; 8];
            b[..text.len()].copy_from_slice(text);
            assert_eq!(lead_digits(u64::from_le_bytes(b)), naive(&b), "{text:?}");
        }
        // Whole numbers through the cursor, near and far from the end of the text.
        for _ in 0..20_000 {
            let n = rng.gen_range(0..=22);
            let mut t: Vec<u8> = (0..n).map(|_| b'0' + rng.gen_range(0..10u8)).collect();
            let tail = rng.gen_range(0..12);
            t.extend((0..tail).map(|_| alphabet[rng.gen_range(10..alphabet.len())]));
            let mut c = Cur { b: &t, pos: 0, max_id: 64 };
            let (k, v) = naive(&t);
            let want = (k > 0 && k <= 19 && !(k > 1 && t[0] == b'0')).then_some(v);
            assert_eq!(c.uint(), want, "{:?}", String::from_utf8_lossy(&t));
            if want.is_some() {
                assert_eq!(c.pos, k);
            }
        }
    }

    #[test]
    fn a_list_known_valid_is_taken_whole_without_a_scan_and_anything_else_is_scanned() {
        let line = |txs: &str| {
            format!(
                r#"{{"kind":"cons.decide","t_ns":5,"node":"n1","height":2,"round":1,"block":"B","txs":[{txs}],"cert":{{"signers":["n0","n1"]}}}}"#
            )
        };
        let known = Known { txs: br#""t1","t2""#.to_vec(), signers: br#""n0","n1""#.to_vec() };
        let taken = |l: &str| match parse_prefix(l.as_bytes(), 1024, &known) {
            Some((Fast::Decide(d), end)) if end == l.len() => {
                Some(d.txs.iter().map(<[u8]>::to_vec).collect::<Vec<_>>())
            }
            _ => None,
        };
        assert_eq!(taken(&line(r#""t1","t2""#)), Some(vec![b"t1".to_vec(), b"t2".to_vec()]));
        // A list that starts as the known one but goes on is scanned: its rest is checked.
        assert_eq!(taken(&line(r#""t1","t2","t3""#)).map(|v| v.len()), Some(3));
        assert_eq!(taken(&line(r#""t1","t2","t\u0033""#)), None);
        assert_eq!(taken(&line(r#""t1","t2"#)), None);
        assert_eq!(taken(&line(r#""t1""#)), Some(vec![b"t1".to_vec()]));
        assert_eq!(taken(&line("")), Some(vec![]));
        let other = line(r#""t1","t2""#).replace(r#"["n0","n1"]"#, r#"["n0","n\u0031"]"#);
        assert_eq!(taken(&other), None, "a cert other than the known one is scanned");
    }

    #[test]
    fn takes_the_writer_layout() {
        let v = vote_of(r#"{"kind":"cons.vote","t_ns":12,"seq":3,"node":"n0","height":7,"round":0,"vtype":"prevote","block":"B7"}"#).unwrap();
        assert_eq!((v.t, v.seq, v.node, v.height, v.round), (12, Some(3), &b"n0"[..], 7, 0));
        assert_eq!((v.vtype, v.block), (&b"prevote"[..], Some(&b"B7"[..])));
        let v = vote_of(r#"{"kind":"cons.vote","t_ns":0,"node":"né","height":1,"round":2,"vtype":"x","block":null,"signature":"ab"}"#).unwrap();
        assert_eq!((v.node, v.block, v.seq), ("né".as_bytes(), None, None));
        let Some(Fast::Decide(d)) = parse(
            br#"{"kind":"cons.decide","t_ns":5,"node":"n1","height":2,"round":1,"block":"B","parent":"A","txs":["t1","t,2"],"cert":{"signers":["n0","n1"]}}"#,
            1024,
        ) else {
            panic!("decide")
        };
        assert_eq!((d.parent, d.app_hash), (Some(&b"A"[..]), None));
        assert_eq!(d.txs.iter().collect::<Vec<_>>(), [&b"t1"[..], &b"t,2"[..]]);
        assert_eq!(d.signers.iter().collect::<Vec<_>>(), [&b"n0"[..], &b"n1"[..]]);
        let Some(Fast::Decide(d)) = parse(
            br#"{"kind":"cons.decide","t_ns":5,"node":"n1","height":2,"round":1,"block":"B","txs":[],"cert":{"signers":[]}}"#,
            1024,
        ) else {
            panic!("decide")
        };
        assert_eq!((d.txs.iter().count(), d.signers.iter().count()), (0, 0));
    }

    #[test]
    fn takes_proposals_with_or_without_parent_and_txs() {
        for (line, ok) in [
            (
                r#"{"kind":"cons.propose","t_ns":1,"node":"n0","height":1,"round":0,"block":"B1"}"#,
                true,
            ),
            (
                r#"{"kind":"cons.propose","t_ns":1,"seq":2,"node":"n0","height":1,"round":0,"block":"B1","parent":"B0","txs":["t1"]}"#,
                true,
            ),
            (
                r#"{"kind":"cons.propose","t_ns":1,"node":"n0","height":1,"round":0,"block":"B1","txs":[]}"#,
                true,
            ),
            (
                r#"{"kind":"cons.propose","t_ns":1,"node":"n0","height":1,"round":0,"block":"B1","txs":[1]}"#,
                false,
            ),
            (
                r#"{"kind":"cons.propose","t_ns":1,"node":"n0","height":1,"round":0,"block":null}"#,
                false,
            ),
        ] {
            match parse(line.as_bytes(), 1024) {
                Some(Fast::Propose(p)) => {
                    assert!(ok, "{line}");
                    assert_eq!((p.node, p.height, p.block), (&b"n0"[..], 1, &b"B1"[..]));
                }
                _ => assert!(!ok, "{line}"),
            }
        }
    }

    #[test]
    fn compares_bytes_of_every_length() {
        for len in 0..40 {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x80;
                assert!(!same_bytes(&a, &b), "{len} {at}");
            }
            assert!(!same_bytes(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }

    #[test]
    fn reads_integers_of_every_length() {
        let mut v: u64 = 0;
        for n in 1..=19 {
            v = v * 10 + (n as u64 % 10);
            let line = format!(
                r#"{{"kind":"cons.vote","t_ns":{v},"node":"a","height":{v},"round":0,"vtype":"v","block":null}}"#
            );
            let Some(Fast::Vote(x)) = parse(line.as_bytes(), 1024) else { panic!("{line}") };
            assert_eq!((x.t, x.height), (v, v));
        }
        for bad in ["10000000000000000000", "012345678", "1234567a", "00"] {
            let line = format!(
                r#"{{"kind":"cons.vote","t_ns":{bad},"node":"a","height":1,"round":0,"vtype":"v","block":null}}"#
            );
            assert!(parse(line.as_bytes(), 1024).is_none(), "{bad}");
        }
        for t in [0u64, 7, 12_345_678, 99_999_999, 100_000_000, 1_234_567_890_123, u64::MAX / 2] {
            let line = format!(
                r#"{{"kind":"cons.vote","t_ns":{t},"node":"a","height":1,"round":0,"vtype":"v","block":null}}"#
            );
            let Some(Fast::Vote(x)) = parse(line.as_bytes(), 1024) else { panic!("{line}") };
            assert_eq!(x.t, t);
        }
    }

    #[test]
    fn scans_strings_of_every_length() {
        for len in 0..40 {
            for special in [None, Some(b'"'), Some(b'\\'), Some(b'\n'), Some(0xc3)] {
                for at in 0..len.max(1) {
                    let mut id = vec![b'a'; len];
                    if let Some(c) = special {
                        if len == 0 {
                            continue;
                        }
                        id[at] = c;
                        if c == 0xc3 {
                            if at + 1 == len {
                                continue;
                            }
                            id[at + 1] = 0xa9; // é
                        }
                    }
                    let mut line = br#"{"kind":"cons.vote","t_ns":1,"node":""#.to_vec();
                    line.extend_from_slice(&id);
                    line.extend_from_slice(br#"","height":1,"round":0,"vtype":"v","block":null}"#);
                    let got = parse(&line, 1024);
                    let expect = matches!(special, None | Some(0xc3));
                    assert_eq!(got.is_some(), expect, "{}", String::from_utf8_lossy(&line));
                    if let Some(Fast::Vote(v)) = got {
                        assert_eq!(v.node, &id[..]);
                    }
                }
            }
        }
    }

    #[test]
    fn falls_back_on_anything_else() {
        let base = r#"{"kind":"cons.vote","t_ns":12,"node":"n0","height":7,"round":0,"vtype":"prevote","block":"B7"}"#;
        assert!(vote_of(base).is_some());
        for bad in [
            base.replace("12", "012"),
            base.replace("12", "1.5"),
            base.replace("12", "-1"),
            base.replace("12", "1e3"),
            base.replace(":7", ":99999999999999999999"),
            base.replace("n0", "n\\u0030"),
            base.replace("n0", "n\t0"),
            base.replace("\"B7\"", "7"),
            base.replace("\"B7\"}", "\"B7\" }"),
            base.replace("\"B7\"}", "\"B7\"}x"),
            base.replace("\"B7\"}", "\"B7\",\"block\":null}"),
            base.replace("\"B7\"}", "\"B7\""),
            base.replace("\"n0\"", "\"n0"),
            base.replace(",\"round\":0", ""),
            base.replace("n0", &"x".repeat(1025)),
        ] {
            assert!(vote_of(&bad).is_none(), "{bad}");
        }
        let mut raw = base.as_bytes().to_vec();
        let at = base.find("n0").unwrap() + 1;
        raw[at] = 0xff; // inside "n0": not UTF-8
        assert_eq!(&raw[at - 1..at + 2], b"n\xff\"");
        assert!(parse(&raw, 1024).is_none());
        let d = r#"{"kind":"cons.decide","t_ns":5,"node":"n1","height":2,"round":1,"block":"B","txs":[],"cert":{"signers":["n0"]}}"#;
        assert!(parse(d.as_bytes(), 1024).is_some());
        for bad in [
            d.replace("[]", "[1]"),
            d.replace("[]", "[\"a\",]"),
            d.replace("[\"n0\"]", "[\"n0\",\"n\\\"1\"]"),
            d.replace("}}", "},\"x\":1}"),
            d.replace("[\"n0\"]", "[[\"n0\"]]"),
        ] {
            assert!(parse(bad.as_bytes(), 1024).is_none(), "{bad}");
        }
    }
}
