//! Time: nanoseconds since `run.start`, one clock abstraction for virtual and wall time, and
//! human durations (`"250ms"`, `"1.5s"`, `"2m"`).

use std::fmt;

/// Nanoseconds since the start of the run (virtual time in simulation).
pub type Nanos = u64;

pub const NS_PER_MS: u64 = 1_000_000;
pub const NS_PER_S: u64 = 1_000_000_000;

/// Where "now" comes from. The simulator's clock is virtual and advances only when the
/// simulation does; real chains run on [`WallClock`].
pub trait Clock {
    fn now(&self) -> Nanos;
}

/// Monotonic wall time since construction. The only place in the core that reads the wall clock;
/// it is used only by adapters of real chains.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    start: std::time::Instant,
}

impl WallClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned wall-clock read, for real chains
    pub fn start() -> Self {
        WallClock { start: std::time::Instant::now() }
    }
}

impl Clock for WallClock {
    fn now(&self) -> Nanos {
        self.start.elapsed().as_nanos() as Nanos
    }
}

/// A virtual clock that only moves when told to.
#[derive(Debug, Clone, Copy, Default)]
pub struct VirtualClock {
    now: Nanos,
}

impl VirtualClock {
    pub fn advance_to(&mut self, t: Nanos) {
        if t > self.now {
            self.now = t;
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Nanos {
        self.now
    }
}

/// Error of [`parse_duration`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {why} (write e.g. \"250ms\", \"1s\", \"1.5s\", \"2m\")")]
pub struct DurationError {
    pub input: String,
    pub why: &'static str,
}

/// Parses `"500us"`, `"250ms"`, `"1s"`, `"1.5s"`, `"2m"`, `"1h"`, `"100ns"` into nanoseconds.
pub fn parse_duration(input: &str) -> Result<Nanos, DurationError> {
    let err = |why| DurationError { input: input.to_string(), why };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("empty"));
    }
    let split =
        s.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(|| err("no unit"))?;
    let (num, unit) = s.split_at(split);
    if num.is_empty() {
        return Err(err("no number"));
    }
    let scale: u64 = match unit.trim() {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => NS_PER_MS,
        "s" => NS_PER_S,
        "m" | "min" => 60 * NS_PER_S,
        "h" => 3600 * NS_PER_S,
        _ => return Err(err("unknown unit")),
    };
    if let Some((int, frac)) = num.split_once('.') {
        if frac.contains('.') {
            return Err(err("two decimal points"));
        }
        let i: u64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| err("bad number"))? };
        let mut f_ns: u64 = 0;
        let mut div = scale;
        for d in frac.chars().take(12) {
            div /= 10;
            f_ns += (d as u64 - '0' as u64) * div;
        }
        i.checked_mul(scale).and_then(|v| v.checked_add(f_ns)).ok_or_else(|| err("too large"))
    } else {
        let i: u64 = num.parse().map_err(|_| err("bad number"))?;
        i.checked_mul(scale).ok_or_else(|| err("too large"))
    }
}

/// A duration for humans: `850µs`, `12.3ms`, `1.25s`.
#[derive(Debug, Clone, Copy)]
pub struct Human(pub Nanos);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n < 1_000 {
            write!(f, "{n}ns")
        } else if n < NS_PER_MS {
            write!(f, "{:.1}µs", n as f64 / 1e3)
        } else if n < NS_PER_S {
            write!(f, "{:.1}ms", n as f64 / 1e6)
        } else {
            write!(f, "{:.2}s", n as f64 / 1e9)
        }
    }
}

/// Formats nanoseconds back into the shortest exact duration string that [`parse_duration`] reads.
pub fn format_duration(ns: Nanos) -> String {
    for (unit, scale) in [
        ("h", 3600 * NS_PER_S),
        ("m", 60 * NS_PER_S),
        ("s", NS_PER_S),
        ("ms", NS_PER_MS),
        ("us", 1_000),
    ] {
        if ns != 0 && ns % scale == 0 {
            return format!("{}{unit}", ns / scale);
        }
    }
    format!("{ns}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_fractions() {
        assert_eq!(parse_duration("1s").unwrap(), NS_PER_S);
        assert_eq!(parse_duration("250ms").unwrap(), 250 * NS_PER_MS);
        assert_eq!(parse_duration("1.5s").unwrap(), 1_500 * NS_PER_MS);
        assert_eq!(parse_duration("2m").unwrap(), 120 * NS_PER_S);
        assert_eq!(parse_duration("10us").unwrap(), 10_000);
        assert_eq!(parse_duration("0s").unwrap(), 0);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "1", "s", "1x", "1..2s", "-1s", "99999999999999999999s"] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn format_round_trips() {
        for ns in [
            0,
            1,
            999,
            1_000,
            250 * NS_PER_MS,
            NS_PER_S,
            90 * NS_PER_S,
            7_200 * NS_PER_S,
            1_234_567,
        ] {
            assert_eq!(parse_duration(&format_duration(ns)).unwrap(), ns);
        }
    }
}
