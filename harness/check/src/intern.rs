//! Fast, deterministic hashing and string interning.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The FxHash function (as in rustc): fast for short keys, deterministic. Maps hashed with it
/// are only ever looked up, never iterated for output.
#[derive(Default, Clone, Copy, Debug)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    /// The state rotated so that its best-mixed bits (the high ones: a multiply carries low
    /// bits up, never down) land where `HashMap` picks the bucket (the low bits). Without the
    /// rotation, ids that differ only after their first bytes (`t1000`, `t1001`, ...) share
    /// their low bits and pile up in a few buckets.
    #[inline]
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Interns strings to dense `u32` ids, bounded by a limit.
///
/// The strings live back to back in one buffer (no allocation per string, nothing to free one
/// by one), and the table maps the 64-bit hash of a string to its id, checked against the
/// buffer: a table entry is 16 bytes, and a lookup reads the table and the (usually recent,
/// cached) text. A string whose hash is already taken by another one goes to `collided`.
///
/// Ids made of one non-digit byte and a number (`t1234`, `a17`: how Touchstone names txs and
/// accounts) are found by their number in a plain vector instead, without hashing; the
/// vector starts at the number of the first numbered string added (so an interner rebuilt
/// late in a trace, by the tx horizon, is as direct as a new one) and grows only while it
/// stays within a small multiple of the strings held.
#[derive(Default, Debug)]
pub(crate) struct Interner {
    by_hash: FxMap<u64, u32>,
    collided: FxMap<Box<[u8]>, u32>,
    /// Id and first byte by number, from `base`, for numbered strings ([`EMPTY`]: no string
    /// there). A numbered string is spelt by its first byte and its number alone, so a slot
    /// holding the same first byte holds that string, with no need to read its text.
    by_number: Vec<u64>,
    /// The number of `by_number[0]`: that of the first numbered string added.
    base: Option<usize>,
    /// Numbered strings kept in `by_hash` or `collided` instead (their number's slot was
    /// taken by another string with that number, or was beyond the vector): while none are,
    /// a numbered string missing from `by_number` is new.
    numbered_elsewhere: usize,
    /// The strings' bytes (each valid UTF-8: see [`Interner::intern_bytes`]).
    text: Vec<u8>,
    /// End of each string in `text` (it starts where the previous one ends).
    ends: Vec<usize>,
}

/// An empty [`Interner::by_number`] slot.
const EMPTY: u64 = u64::MAX;

/// A `by_number` slot: the id, and the first byte of its string.
#[inline]
fn slot(id: u32, first: u8) -> u64 {
    u64::from(id) | u64::from(first) << 32
}

/// The hash of a string's bytes.
#[inline]
fn hash_str(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(s);
    h.finish()
}

/// The number of a numbered string: one non-digit byte, then one to nine decimal digits,
/// without a leading zero (so that the first byte and the number spell the string).
#[inline]
pub(crate) fn number(s: &[u8]) -> Option<usize> {
    let (&first, digits) = s.split_first()?;
    if digits.is_empty() || digits.len() > 9 || first.is_ascii_digit() {
        return None;
    }
    if digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    let mut v = 0usize;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + usize::from(d);
    }
    Some(v)
}

impl Interner {
    /// The id of `s`, interning it; `None` when `limit` distinct strings are already held.
    #[inline]
    pub(crate) fn intern(&mut self, s: &str, limit: usize) -> Option<u32> {
        self.intern_bytes(s.as_bytes(), limit)
    }

    /// [`Interner::intern`] of a string given as its bytes, which must be valid UTF-8 (a
    /// fast path's strings are: `fast.rs`), so that no conversion is paid per id.
    #[inline]
    pub(crate) fn intern_bytes(&mut self, s: &[u8], limit: usize) -> Option<u32> {
        let num = number(s);
        if let Some(v) = num.and_then(|v| v.checked_sub(self.base.unwrap_or(v))) {
            match self.by_number.get(v) {
                Some(&e) if e != EMPTY && (e >> 32) as u8 == s[0] => return Some(e as u32),
                _ if self.numbered_elsewhere == 0 => return self.add(s, num, None, limit),
                _ => {}
            }
        }
        self.intern_hashed(s, num, limit)
    }

    /// [`Interner::intern_bytes`] of a string not found by its number: by its hash. Kept
    /// apart so that the lookup by number, the usual case, is small enough to inline.
    #[inline(never)]
    fn intern_hashed(&mut self, s: &[u8], num: Option<usize>, limit: usize) -> Option<u32> {
        let h = hash_str(s);
        let collision = match self.by_hash.get(&h) {
            Some(&id) if self.bytes(id) == s => return Some(id),
            Some(_) => {
                if let Some(&id) = self.collided.get(s) {
                    return Some(id);
                }
                true
            }
            None => false,
        };
        self.add(s, num, Some((h, collision)), limit)
    }

    /// Adds `s`, known not to be interned, with its number and, when looked up there, its
    /// hash and whether another string holds that hash.
    #[inline(never)]
    fn add(
        &mut self,
        s: &[u8],
        num: Option<usize>,
        hashed: Option<(u64, bool)>,
        limit: usize,
    ) -> Option<u32> {
        if self.ends.len() >= limit {
            return None;
        }
        let id = self.ends.len() as u32;
        self.text.extend_from_slice(s);
        self.ends.push(self.text.len());
        if let Some(v) = num.and_then(|v| v.checked_sub(*self.base.get_or_insert(v))) {
            // At most a few slots per string held, so a sparse numbering cannot blow it up.
            let bound = 2 * self.ends.len() + 4096;
            if v < bound && self.by_number.len() <= v {
                self.by_number.resize(v + 1, EMPTY);
            }
            if let Some(e) = self.by_number.get_mut(v).filter(|x| **x == EMPTY) {
                *e = slot(id, s[0]);
                return Some(id);
            }
            self.numbered_elsewhere += 1;
        }
        let (h, collision) = match hashed {
            Some(x) => x,
            None => {
                let h = hash_str(s);
                (h, self.by_hash.contains_key(&h))
            }
        };
        if collision {
            self.collided.insert(s.into(), id);
        } else {
            self.by_hash.insert(h, id);
        }
        Some(id)
    }

    /// The string of an id.
    pub(crate) fn name(&self, id: u32) -> &str {
        std::str::from_utf8(self.bytes(id)).expect("interned strings are UTF-8")
    }

    /// The bytes of an id's string.
    #[inline]
    pub(crate) fn bytes(&self, id: u32) -> &[u8] {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Forgets every string, keeping the memory for the next ones.
    pub(crate) fn clear(&mut self) {
        self.by_hash.clear();
        self.collided.clear();
        self.by_number.clear();
        self.base = None;
        self.numbered_elsewhere = 0;
        self.text.clear();
        self.ends.clear();
    }

    /// Sets where the numbered strings found by number start (an emptied interner only):
    /// those numbered below go by hash.
    pub(crate) fn set_base(&mut self, base: Option<usize>) {
        debug_assert!(self.ends.is_empty(), "the base of an empty interner");
        self.base = base;
    }

    /// Number of interned strings.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// A direct-mapped cache in front of an [`Interner`] for short ids (up to 16 bytes): a few
/// word compares instead of hashing and probing, for the few node ids a trace repeats.
#[derive(Debug)]
pub(crate) struct IdCache {
    /// (key, id).
    slots: Box<[(CacheKey, u32)]>,
}

/// An id's bytes read as two (possibly overlapping) words, and its length.
type CacheKey = (u64, u64, u64);

const CACHE_SLOTS: usize = 256;

impl Default for IdCache {
    fn default() -> Self {
        IdCache { slots: vec![((0, 0, 0), 0); CACHE_SLOTS].into_boxed_slice() }
    }
}

#[inline]
fn le64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

#[inline]
fn le32(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(w))
}

impl IdCache {
    /// Two (possibly overlapping) reads that together cover every byte, and the length:
    /// equal keys mean equal ids. `None` for empty or long ids.
    #[inline]
    fn key(b: &[u8]) -> Option<CacheKey> {
        let n = b.len();
        let (lo, hi) = match n {
            8..=16 => (le64(b), le64(&b[n - 8..])),
            4..=7 => (le32(b), le32(&b[n - 4..])),
            1..=3 => (u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16, 0),
            _ => return None,
        };
        Some((lo, hi, n as u64))
    }

    #[inline]
    fn slot(k: CacheKey) -> usize {
        let x = (k.0 ^ k.1.rotate_left(29) ^ k.2).wrapping_mul(SEED);
        (x >> 56) as usize % CACHE_SLOTS
    }

    /// The cached id of `s`.
    #[inline]
    pub(crate) fn get(&self, s: &[u8]) -> Option<u32> {
        let k = Self::key(s)?;
        let e = self.slots[Self::slot(k)];
        (e.0 == k).then_some(e.1)
    }

    /// Remembers that `s` has id `id`.
    #[inline]
    pub(crate) fn put(&mut self, s: &[u8], id: u32) {
        if let Some(k) = Self::key(s) {
            self.slots[Self::slot(k)] = (k, id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_to_dense_ids_and_back() {
        let mut i = Interner::default();
        for n in 0..5000 {
            assert_eq!(i.intern(&format!("t{n}"), usize::MAX), Some(n));
        }
        assert_eq!(i.intern("", usize::MAX), Some(5000));
        for n in 0..5000 {
            assert_eq!(i.intern(&format!("t{n}"), 5001), Some(n));
            assert_eq!(i.name(n), format!("t{n}"));
        }
        assert_eq!((i.name(5000), i.len()), ("", 5001));
        assert_eq!(i.intern("new", 5001), None);
        // Two strings with one hash: the second is told apart by its text.
        let mut i = Interner::default();
        assert_eq!(i.intern("ab", 10), Some(0));
        let h = hash_str(b"ab");
        i.by_hash.remove(&h);
        i.by_hash.insert(hash_str(b"b"), 0);
        assert_eq!(i.intern("b", 10), Some(1));
        assert_eq!((i.intern("b", 10), i.name(1), i.collided.len()), (Some(1), "b", 1));
    }

    #[test]
    fn an_interner_refilled_from_a_high_number_finds_its_ids_by_number() {
        let mut i = Interner::default();
        for n in 0..50 {
            i.intern(&format!("t{n}"), usize::MAX);
        }
        i.clear();
        // As the tx horizon rebuilds it, late in a trace: ids from t300000 on.
        for n in 300_000..300_100 {
            assert_eq!(i.intern(&format!("t{n}"), usize::MAX), Some(n - 300_000));
        }
        assert_eq!((i.by_number.len(), i.numbered_elsewhere, i.by_hash.len()), (100, 0, 0));
        assert_eq!(i.intern("t300042", usize::MAX), Some(42));
        // Below the first number: by hash, and still found.
        assert_eq!(i.intern("t7", usize::MAX), Some(100));
        assert_eq!((i.intern("t7", usize::MAX), i.name(100)), (Some(100), "t7"));
        assert_eq!(i.intern_bytes(b"t300099", usize::MAX), Some(99));
    }

    #[test]
    fn numbered_strings_that_share_a_number_or_are_far_apart_stay_distinct() {
        let mut i = Interner::default();
        let words = ["t7", "x7", "t007", "t999999999", "t7", "t8", "x7", "t9", "7", "t", "t07"];
        let mut ids = Vec::new();
        for w in words {
            ids.push(i.intern(w, 100).unwrap());
        }
        assert_eq!(ids, [0, 1, 2, 3, 0, 4, 1, 5, 6, 7, 8]);
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(i.name(*id), *w);
            assert_eq!(i.intern(w, 100), Some(*id));
        }
        assert!(i.by_number.len() < 5000, "{}", i.by_number.len());
        // A number beyond the vector, then reached by it: still found where it was put.
        let mut i = Interner::default();
        assert_eq!(i.intern("t5000", 10_000), Some(0));
        for n in 0..5000 {
            assert_eq!(i.intern(&format!("t{n}"), 10_000), Some(n + 1));
        }
        assert_eq!(i.intern("t5000", 10_000), Some(0));
        assert_eq!(i.intern("t5001", 10_000), Some(5001));
    }

    #[test]
    fn sequential_ids_spread_over_the_low_bits() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let b = BuildHasherDefault::<FxHasher>::default();
        let mut buckets = std::collections::BTreeSet::new();
        for n in 0..4096 {
            buckets.insert(b.hash_one(format!("t{n}").as_str()) & 4095);
        }
        // Uniform hashing fills about 63% of the buckets.
        assert!(buckets.len() > 2000, "{} buckets of 4096", buckets.len());
    }

    #[test]
    fn cache_returns_what_was_put_and_nothing_else() {
        let mut c = IdCache::default();
        let mut i = Interner::default();
        for n in 0..1000 {
            let s = format!("n{n}");
            let id = i.intern(&s, usize::MAX).unwrap();
            c.put(s.as_bytes(), id);
        }
        for n in 0..1000 {
            let s = format!("n{n}");
            if let Some(id) = c.get(s.as_bytes()) {
                assert_eq!(i.name(id), s);
            }
        }
        assert_eq!(c.get(b"n999"), Some(999));
        assert_eq!(c.get(b"n0\0"), None);
        assert_eq!(c.get(b""), None);
        for s in ["a", "ab", "abc", "abcd", "abcde", "abcdefgh", "abcdefghi", "abcdefghijklmnop"] {
            let id = i.intern(s, usize::MAX).unwrap();
            c.put(s.as_bytes(), id);
            assert_eq!(c.get(s.as_bytes()), Some(id));
            for other in [
                "a",
                "ab",
                "abc",
                "abcd",
                "abcde",
                "abcdefgh",
                "abcdefghi",
                "aXc",
                "abXde",
                "abcdXfghi",
            ] {
                if other != s {
                    assert_ne!(c.get(other.as_bytes()), Some(id), "{other} vs {s}");
                }
            }
        }
        let long = "x".repeat(17);
        c.put(long.as_bytes(), 5);
        assert_eq!(c.get(long.as_bytes()), None);
    }
}
