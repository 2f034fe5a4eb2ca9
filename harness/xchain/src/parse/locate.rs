//! Where things are in the script: table headers, and a key path's line and column.

use toml_edit::{ImDocument, Item, TableLike};
use touchstone_core::scenario::Diagnostic;

/// A table header as written (`[a.b]` or `[[a.b]]`) and its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) path: Vec<String>,
    pub(super) array: bool,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Every header of the document, in the order written. A table's span covers its body too:
/// the header is its first line.
pub(super) fn headers(doc: &ImDocument<&str>) -> Vec<Header> {
    let mut out = Vec::new();
    walk(doc.as_table(), &mut Vec::new(), &mut out);
    let text = doc.raw();
    for h in &mut out {
        h.end = text[h.start..h.end].find('\n').map_or(h.end, |n| h.start + n);
    }
    out.sort_by_key(|h| h.start);
    out
}

fn walk(t: &dyn TableLike, path: &mut Vec<String>, out: &mut Vec<Header>) {
    for (k, item) in t.iter() {
        path.push(k.to_string());
        match item {
            Item::Table(tb) => {
                if let Some(r) = tb.span() {
                    out.push(Header {
                        path: path.clone(),
                        array: false,
                        start: r.start,
                        end: r.end,
                    });
                }
                walk(tb, path, out);
            }
            Item::ArrayOfTables(a) => {
                for tb in a.iter() {
                    if let Some(r) = tb.span() {
                        let h =
                            Header { path: path.clone(), array: true, start: r.start, end: r.end };
                        out.push(h);
                    }
                    walk(tb, path, out);
                }
            }
            _ => {}
        }
        path.pop();
    }
}

/// The byte offset of the deepest key of `path` that exists (the document's start if none).
pub(super) fn offset_of(doc: &ImDocument<&str>, path: &[&str]) -> usize {
    let mut table: Option<&dyn TableLike> = Some(doc.as_table());
    let mut at = 0;
    for k in path {
        let Some((key, item)) = table.and_then(|t| t.get_key_value(k)) else { break };
        if let Some(r) = key.span() {
            at = r.start;
        } else if let Some(r) = item.as_table().and_then(|t| t.span()) {
            at = r.start;
        }
        table = item.as_table_like();
    }
    at
}

/// 1-based line and column of byte `offset` of `text`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A diagnostic at the key `path`.
pub(super) fn diag(
    text: &str,
    file: &str,
    doc: &ImDocument<&str>,
    path: &[&str],
    message: String,
) -> Diagnostic {
    diag_sugg(text, file, doc, path, message, None)
}

/// A diagnostic at the key `path`, with a suggested name.
pub(super) fn diag_sugg(
    text: &str,
    file: &str,
    doc: &ImDocument<&str>,
    path: &[&str],
    message: String,
    suggestion: Option<String>,
) -> Diagnostic {
    let (line, column) = line_col(text, offset_of(doc, path));
    Diagnostic { file: file.to_string(), line, column, field: path.join("."), message, suggestion }
}
