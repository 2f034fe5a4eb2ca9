//! Where in the script a problem is: serde's ignored-key paths and TOML spans as field paths.

use crate::scenario::diag::{FieldPath, Seg};

pub(super) fn ignored_path(p: &serde_ignored::Path<'_>) -> FieldPath {
    fn walk(p: &serde_ignored::Path<'_>, out: &mut Vec<Seg>) {
        use serde_ignored::Path::*;
        match p {
            Root => {}
            Seq { parent, index } => {
                walk(parent, out);
                out.push(Seg::Index(*index));
            }
            Map { parent, key } => {
                walk(parent, out);
                out.push(Seg::Key(key.clone()));
            }
            Some { parent } | NewtypeStruct { parent } | NewtypeVariant { parent } => {
                walk(parent, out)
            }
        }
    }
    let mut v = Vec::new();
    walk(p, &mut v);
    FieldPath(v)
}

pub(super) fn split_last_key(p: &FieldPath) -> (FieldPath, String) {
    let mut v = p.0.clone();
    match v.pop() {
        Some(Seg::Key(k)) => (FieldPath(v), k),
        Some(other) => {
            v.push(other);
            (FieldPath(v), String::new())
        }
        None => (FieldPath::root(), String::new()),
    }
}

/// Best-effort: the dotted key whose value contains `span` (for type errors).
pub(super) fn field_from_span(
    doc: &toml_edit::ImDocument<&str>,
    span: Option<std::ops::Range<usize>>,
) -> Option<String> {
    let span = span?;
    fn search(t: &toml_edit::Table, prefix: &str, at: usize, best: &mut Option<String>) {
        for (k, item) in t.iter() {
            let name = if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
            if let Some(r) = item.span() {
                if r.start <= at && at <= r.end {
                    *best = Some(name.clone());
                }
            }
            if let Some((key, _)) = t.get_key_value(k) {
                if let Some(r) = key.span() {
                    if r.start <= at && at <= r.end {
                        *best = Some(name.clone());
                    }
                }
            }
            match item {
                toml_edit::Item::Table(sub) => search(sub, &name, at, best),
                toml_edit::Item::ArrayOfTables(a) => {
                    for (i, sub) in a.iter().enumerate() {
                        search(sub, &format!("{name}[{i}]"), at, best);
                    }
                }
                toml_edit::Item::Value(toml_edit::Value::InlineTable(it)) => {
                    for (ik, iv) in it.iter() {
                        if let Some(r) = iv.span() {
                            if r.start <= at && at <= r.end {
                                *best = Some(format!("{name}.{ik}"));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut best = None;
    search(doc.as_table(), "", span.start, &mut best);
    best
}
