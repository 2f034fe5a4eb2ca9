//! Diagnostics for scenario scripts: every problem with file, line, column, field path and,
//! where a name was mistyped, the closest valid one.

use std::fmt;
use std::ops::Range;

/// One segment of a field path (`workload.phases[1].rate.tps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A field path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        FieldPath(v)
    }

    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        FieldPath(v)
    }

    /// The path without indices (`workload.phases.rate`), used to look up allowed keys.
    pub fn schema_path(&self) -> String {
        self.0
            .iter()
            .filter_map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            match s {
                Seg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        if first {
            f.write_str("(document)")?;
        }
        Ok(())
    }
}

/// One problem in a scenario script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
    /// A valid name close to the one written.
    pub suggestion: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.field, self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

/// Errors of loading a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
    /// The file could not be read within its size cap (missing, a directory, too large, not
    /// UTF-8).
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error("{}", render(.diagnostics))]
    Invalid { path: String, diagnostics: Vec<Diagnostic> },
}

impl ScenarioError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Io { .. } | ScenarioError::Input(_) => &[],
            ScenarioError::Invalid { diagnostics, .. } => diagnostics,
        }
    }
}

fn render(ds: &[Diagnostic]) -> String {
    let mut s = String::new();
    for (i, d) in ds.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&d.to_string());
    }
    s
}

/// The closest candidate to `input`, for "did you mean": a transposition or a couple of typos
/// (Damerau–Levenshtein), or a close Jaro-Winkler match for longer names.
pub fn suggest(input: &str, candidates: &[&str]) -> Option<String> {
    let max_edits = (input.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| {
            let edits = strsim::damerau_levenshtein(input, c);
            let jw = strsim::jaro_winkler(input, c);
            let ok = edits <= max_edits || jw >= 0.85;
            (ok, edits, c)
        })
        .filter(|(ok, _, _)| *ok)
        .min_by_key(|(_, edits, _)| *edits)
        .map(|(_, _, c)| c.to_string())
}

/// Byte offset → 1-based (line, column in characters).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Finds the source span of `path` in a TOML document: the key's span for the last segment when
/// it exists, otherwise the deepest enclosing element that does.
pub fn locate(doc: &toml_edit::ImDocument<&str>, path: &FieldPath) -> Option<Range<usize>> {
    use toml_edit::{Item, Table, Value};
    #[derive(Clone, Copy)]
    enum Node<'a> {
        Table(&'a Table),
        Item(&'a Item),
        Value(&'a Value),
    }
    fn step<'a>(node: Node<'a>, seg: &Seg) -> Option<(Option<Range<usize>>, Node<'a>)> {
        match (seg, node) {
            (_, Node::Item(Item::Table(t))) => step(Node::Table(t), seg),
            (_, Node::Item(Item::Value(v))) => step(Node::Value(v), seg),
            (Seg::Key(k), Node::Table(t)) => {
                t.get_key_value(k).map(|(key, it)| (key.span(), Node::Item(it)))
            }
            (Seg::Key(k), Node::Value(Value::InlineTable(t))) => {
                t.get_key_value(k).map(|(key, it)| (key.span(), Node::Item(it)))
            }
            (Seg::Index(i), Node::Item(Item::ArrayOfTables(a))) => {
                a.get(*i).map(|t| (t.span(), Node::Table(t)))
            }
            (Seg::Index(i), Node::Value(Value::Array(a))) => {
                a.get(*i).map(|v| (v.span(), Node::Value(v)))
            }
            _ => None,
        }
    }
    let mut best: Option<Range<usize>> = None;
    let mut node = Node::Table(doc.as_table());
    for seg in &path.0 {
        match step(node, seg) {
            Some((span, n)) => {
                if span.is_some() {
                    best = span;
                }
                node = n;
            }
            None => break,
        }
    }
    best
}
