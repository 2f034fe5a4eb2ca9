//! Decoding one line into a typed, borrowed event, with the spec's required fields and types.

use std::borrow::Cow;

use crate::json::{parse_i128, parse_u64, unescape, Scanner, Val};

/// What is wrong with one line (becomes `BadLine` or, for sizes, `LimitExceeded`).
#[derive(Debug, Clone)]
pub(crate) enum LineError {
    Bad { field: String, message: String },
    Limit { what: String, limit: u64 },
}

pub(crate) type LRes<T> = Result<T, LineError>;

pub(crate) fn bad<T>(field: &str, message: impl Into<String>) -> LRes<T> {
    Err(LineError::Bad { field: field.to_string(), message: message.into() })
}

macro_rules! slots {
    ($($name:ident),* $(,)?) => {
        /// The top-level members this checker reads; unknown members are ignored.
        #[derive(Default)]
        pub(crate) struct Fields<'a> { $(pub(crate) $name: Option<Val<'a>>,)* }
    };
}

impl<'a> Fields<'a> {
    /// Stores a member (dispatching on the key's length first: this is the hot path).
    #[inline]
    fn set(&mut self, key: &str, v: Val<'a>) {
        let w = word(key.as_bytes());
        match key.len() {
            2 => {
                if w == word(b"tx") {
                    self.tx = Some(v)
                } else if w == word(b"op") {
                    self.op = Some(v)
                } else if w == word(b"to") {
                    self.to = Some(v)
                }
            }
            3 => {
                if w == word(b"seq") {
                    self.seq = Some(v)
                } else if w == word(b"txs") {
                    self.txs = Some(v)
                } else if w == word(b"msg") {
                    self.msg = Some(v)
                }
            }
            4 => {
                if w == word(b"kind") {
                    self.kind = Some(v)
                } else if w == word(b"node") {
                    self.node = Some(v)
                } else if w == word(b"t_ns") {
                    self.t_ns = Some(v)
                } else if w == word(b"seed") {
                    self.seed = Some(v)
                } else if w == word(b"role") {
                    self.role = Some(v)
                } else if w == word(b"type") {
                    self.ftype = Some(v)
                } else if w == word(b"cert") {
                    self.cert = Some(v)
                } else if w == word(b"from") {
                    self.from = Some(v)
                } else if w == word(b"step") {
                    self.step = Some(v)
                } else if w == word(b"legs") {
                    self.legs = Some(v)
                }
            }
            5 => {
                if w == word(b"round") {
                    self.round = Some(v)
                } else if w == word(b"vtype") {
                    self.vtype = Some(v)
                } else if w == word(b"block") {
                    self.block = Some(v)
                } else if w == word(b"fault") {
                    self.fault = Some(v)
                } else if w == word(b"etype") {
                    self.etype = Some(v)
                } else if w == word(b"asset") {
                    self.asset = Some(v)
                } else if w == word(b"nonce") {
                    self.nonce = Some(v)
                } else if w == word(b"mtype") {
                    self.mtype = Some(v)
                } else if w == word(b"chain") {
                    self.chain = Some(v)
                }
            }
            6 => {
                if w == word(b"height") {
                    self.height = Some(v)
                } else if w == word(b"quorum") {
                    self.quorum = Some(v)
                } else if w == word(b"parent") {
                    self.parent = Some(v)
                } else if w == word(b"client") {
                    self.client = Some(v)
                } else if w == word(b"amount") {
                    self.amount = Some(v)
                } else if w == word(b"status") {
                    self.status = Some(v)
                } else if w == word(b"supply") {
                    self.supply = Some(v)
                } else if w == word(b"reason") {
                    self.reason = Some(v)
                } else if w == word(b"family") {
                    self.family = Some(v)
                } else if w == word(b"chains") {
                    self.chains = Some(v)
                }
            }
            7 => {
                if w == word(b"targets") {
                    self.targets = Some(v)
                } else if w == word(b"accused") {
                    self.accused = Some(v)
                } else if w == word(b"adapter") {
                    self.adapter = Some(v)
                } else if w == word(b"justify") {
                    self.justify = Some(v)
                }
            }
            8 => {
                if w == word(b"protocol") {
                    self.protocol = Some(v)
                } else if w == word(b"scenario") {
                    self.scenario = Some(v)
                } else if w == word(b"app_hash") {
                    self.app_hash = Some(v)
                } else if w == word(b"balances") {
                    self.balances = Some(v)
                }
            }
            10 => match key {
                "validators" => self.validators = Some(v),
                "view_based" => self.view_based = Some(v),
                "timeout_ns" => self.timeout_ns = Some(v),
                _ => {}
            },
            _ => {}
        }
    }
}

/// Up to the first 8 bytes of a key as a little-endian word (zero padded).
#[inline]
pub(crate) const fn word(b: &[u8]) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < b.len() && i < 8 {
        w |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

slots!(
    kind, t_ns, node, seq, protocol, validators, quorum, seed, scenario, role, height, round,
    fault, ftype, targets, block, parent, txs, vtype, app_hash, cert, etype, accused, tx, client,
    op, from, to, asset, amount, nonce, status, supply, balances, step, msg, mtype, reason, legs,
    family, adapter, justify, view_based, timeout_ns, chain, chains
);

/// Per-line context for field access.
pub(crate) struct Ctx {
    pub(crate) max_depth: usize,
    pub(crate) max_id: usize,
}

impl Ctx {
    /// Parses the line's top-level object.
    #[inline]
    pub(crate) fn fields<'a>(&self, line: &'a str, f: &mut Fields<'a>) -> LRes<()> {
        Scanner::new(line, self.max_depth)
            .object(|k, esc, v| {
                if esc {
                    f.set(&unescape(k, true), v);
                } else {
                    f.set(k, v);
                }
                Ok(())
            })
            .map_err(|e| LineError::Bad {
                field: "<line>".into(),
                message: format!("not valid JSON at byte {}: {}", e.offset + 1, e.message),
            })
    }

    fn id<'a>(&self, name: &str, v: Val<'a>) -> LRes<Cow<'a, str>> {
        match v {
            Val::Str { raw, escaped } => {
                if raw.len() > self.max_id {
                    return Err(LineError::Limit {
                        what: format!("length of field `{name}`"),
                        limit: self.max_id as u64,
                    });
                }
                Ok(unescape(raw, escaped))
            }
            other => bad(name, format!("expected a string, found {}", other.type_name())),
        }
    }

    /// A required string.
    #[inline]
    pub(crate) fn req_str<'a>(&self, name: &str, v: Option<Val<'a>>) -> LRes<Cow<'a, str>> {
        match v {
            Some(v) => self.id(name, v),
            None => bad(name, "missing required field"),
        }
    }

    /// An optional string (`null` counts as absent).
    pub(crate) fn opt_str<'a>(&self, name: &str, v: Option<Val<'a>>) -> LRes<Option<Cow<'a, str>>> {
        match v {
            None | Some(Val::Null) => Ok(None),
            Some(v) => self.id(name, v).map(Some),
        }
    }

    /// A required string or `null`.
    #[inline]
    pub(crate) fn req_str_or_null<'a>(
        &self,
        name: &str,
        v: Option<Val<'a>>,
    ) -> LRes<Option<Cow<'a, str>>> {
        match v {
            None => bad(name, "missing required field (use null for a nil vote)"),
            Some(Val::Null) => Ok(None),
            Some(v) => self.id(name, v).map(Some),
        }
    }

    /// An array of strings (ids).
    pub(crate) fn str_list<'a>(&self, name: &str, v: Val<'a>) -> LRes<Vec<Cow<'a, str>>> {
        let Val::Arr(raw) = v else {
            return bad(name, format!("expected an array of strings, found {}", v.type_name()));
        };
        let mut out = Vec::new();
        let mut err = None;
        let _ = Scanner::new(raw, self.max_depth).array(|e| {
            match self.id(name, e) {
                Ok(s) => out.push(s),
                Err(e) => {
                    if err.is_none() {
                        err = Some(e);
                    }
                }
            }
            Ok(())
        });
        match err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// An optional array of strings.
    pub(crate) fn opt_str_list<'a>(
        &self,
        name: &str,
        v: Option<Val<'a>>,
    ) -> LRes<Option<Vec<Cow<'a, str>>>> {
        match v {
            None | Some(Val::Null) => Ok(None),
            Some(v) => self.str_list(name, v).map(Some),
        }
    }
}

/// A required non-negative integer.
#[inline]
pub(crate) fn req_u64(name: &str, v: Option<Val<'_>>) -> LRes<u64> {
    match v {
        Some(v) => as_u64(name, v),
        None => bad(name, "missing required field"),
    }
}

/// An optional non-negative integer (`null` counts as absent).
pub(crate) fn opt_u64(name: &str, v: Option<Val<'_>>) -> LRes<Option<u64>> {
    match v {
        None | Some(Val::Null) => Ok(None),
        Some(v) => as_u64(name, v).map(Some),
    }
}

#[inline]
pub(crate) fn as_u64(name: &str, v: Val<'_>) -> LRes<u64> {
    match v {
        Val::Num(n) => match parse_u64(n) {
            Some(x) => Ok(x),
            None => {
                bad(name, format!("expected a non-negative integer below 2^64, found {}", clip(n)))
            }
        },
        other => bad(name, format!("expected a non-negative integer, found {}", other.type_name())),
    }
}

/// An amount as read: an integer within range, or the text of an integer beyond the checker's
/// numeric range (|x| >= 10^36): a value no ledger can hold, judged as a finding by the property
/// it violates instead of stopping the check.
pub(crate) type Amount = Result<i128, String>;

/// An integer amount (strings of digits accepted); an integer beyond 10^36 in magnitude is
/// `Ok(Err(text))`, anything that is not an integer is a bad line.
pub(crate) fn as_amount(name: &str, v: Val<'_>) -> LRes<Amount> {
    let text = match v {
        Val::Num(n) => n,
        Val::Str { raw, escaped: false } => raw,
        other => return bad(name, format!("expected an integer, found {}", other.type_name())),
    };
    match parse_i128(text) {
        Some(x) if x.unsigned_abs() < 10u128.pow(36) => Ok(Ok(x)),
        _ => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
                Ok(Err(clip(text)))
            } else {
                bad(name, format!("expected an integer, found {}", clip(text)))
            }
        }
    }
}

/// At most 40 characters of a value, for messages.
pub(crate) fn clip(s: &str) -> String {
    if s.len() <= 40 {
        s.to_string()
    } else {
        let mut end = 40;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    }
}

/// Members of a JSON object, as `(key, value)`.
pub(crate) fn members<'a>(ctx: &Ctx, name: &str, v: Val<'a>) -> LRes<Vec<(Cow<'a, str>, Val<'a>)>> {
    let mut out = Vec::new();
    members_into(ctx, name, v, &mut out)?;
    Ok(out)
}

/// [`members`] into `out` (emptied first), so that a caller reading many small objects
/// reuses one vector instead of allocating one per object.
pub(crate) fn members_into<'a>(
    ctx: &Ctx,
    name: &str,
    v: Val<'a>,
    out: &mut Vec<(Cow<'a, str>, Val<'a>)>,
) -> LRes<()> {
    out.clear();
    let Val::Obj(raw) = v else {
        return bad(name, format!("expected an object, found {}", v.type_name()));
    };
    Scanner::new(raw, ctx.max_depth)
        .object(|k, esc, v| {
            out.push((unescape(k, esc), v));
            Ok(())
        })
        .map_err(|e| LineError::Bad { field: name.into(), message: e.message.into() })?;
    for (k, _) in out.iter() {
        if k.len() > ctx.max_id {
            return Err(LineError::Limit {
                what: format!("length of a key in `{name}`"),
                limit: ctx.max_id as u64,
            });
        }
    }
    Ok(())
}

/// Elements of a JSON array.
pub(crate) fn elements<'a>(ctx: &Ctx, name: &str, v: Val<'a>) -> LRes<Vec<Val<'a>>> {
    let Val::Arr(raw) = v else {
        return bad(name, format!("expected an array, found {}", v.type_name()));
    };
    let mut out = Vec::new();
    Scanner::new(raw, ctx.max_depth)
        .array(|e| {
            out.push(e);
            Ok(())
        })
        .map_err(|e| LineError::Bad { field: name.into(), message: e.message.into() })?;
    Ok(out)
}

/// A validator list: `[{"id": "n0", "power": 1}, ...]`.
pub(crate) fn validators<'a>(
    ctx: &Ctx,
    v: Option<Val<'a>>,
    max_power: u64,
) -> LRes<Vec<(Cow<'a, str>, u64)>> {
    let Some(v) = v else { return bad("validators", "missing required field") };
    let mut out = Vec::new();
    for (i, e) in elements(ctx, "validators", v)?.into_iter().enumerate() {
        let mut id = None;
        let mut power = None;
        for (k, v) in members(ctx, "validators", e)? {
            match &*k {
                "id" => id = Some(v),
                "power" => power = Some(v),
                _ => {}
            }
        }
        let id = ctx.req_str(&format!("validators[{i}].id"), id)?;
        let power = match power {
            None => 1,
            Some(p) => as_u64(&format!("validators[{i}].power"), p)?,
        };
        if power > max_power {
            return Err(LineError::Limit {
                what: format!("power of validator {}", clip(&id)),
                limit: max_power,
            });
        }
        out.push((id, power));
    }
    Ok(out)
}
