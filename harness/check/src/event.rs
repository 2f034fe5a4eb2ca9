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
        impl<'a> Fields<'a> {
            #[inline]
            fn set(&mut self, key: &str, v: Val<'a>) {
                match key { $(stringify!($name) => self.$name = Some(v),)* "type" => self.ftype = Some(v), _ => {} }
            }
        }
    };
}

slots!(
    kind, t_ns, node, seq, protocol, validators, quorum, seed, scenario, role, height, round,
    fault, ftype, targets, block, parent, txs, vtype, app_hash, cert, etype, accused, tx, client,
    op, from, to, asset, amount, nonce, status, supply, balances, step, msg, mtype, reason
);

/// Per-line context for field access.
pub(crate) struct Ctx {
    pub(crate) max_depth: usize,
    pub(crate) max_id: usize,
}

impl Ctx {
    /// Parses the line's top-level object.
    #[inline]
    pub(crate) fn fields<'a>(&self, line: &'a str) -> LRes<Fields<'a>> {
        let mut f = Fields::default();
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
            })?;
        Ok(f)
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
            None => bad(name, format!("expected a non-negative integer below 2^64, found {}", clip(n))),
        },
        other => bad(name, format!("expected a non-negative integer, found {}", other.type_name())),
    }
}

/// An integer (possibly negative) that fits in `i128`; strings of digits are accepted too.
pub(crate) fn as_i128(name: &str, v: Val<'_>) -> LRes<i128> {
    let text = match v {
        Val::Num(n) => n,
        Val::Str { raw, escaped: false } => raw,
        other => return bad(name, format!("expected an integer, found {}", other.type_name())),
    };
    match parse_i128(text) {
        Some(x) if x.unsigned_abs() < 10u128.pow(36) => Ok(x),
        _ => bad(name, format!("expected an integer below 10^36 in magnitude, found {}", clip(text))),
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
pub(crate) fn members<'a>(
    ctx: &Ctx,
    name: &str,
    v: Val<'a>,
) -> LRes<Vec<(Cow<'a, str>, Val<'a>)>> {
    let Val::Obj(raw) = v else {
        return bad(name, format!("expected an object, found {}", v.type_name()));
    };
    let mut out = Vec::new();
    Scanner::new(raw, ctx.max_depth)
        .object(|k, esc, v| {
            out.push((unescape(k, esc), v));
            Ok(())
        })
        .map_err(|e| LineError::Bad { field: name.into(), message: e.message.into() })?;
    for (k, _) in &out {
        if k.len() > ctx.max_id {
            return Err(LineError::Limit {
                what: format!("length of a key in `{name}`"),
                limit: ctx.max_id as u64,
            });
        }
    }
    Ok(out)
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
