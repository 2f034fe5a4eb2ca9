//! The sweep file: a base scenario, the fields to vary (a grid or a list of cells), fixed
//! overrides, seeds. Parsed with the file, line and field of every error.

use super::apply::{self, Path as FieldPath};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A sweep file that cannot be used: the file, the line (0 when unknown), the field, what.
#[derive(Debug, Error, PartialEq)]
#[error("{file}:{line}: {field}: {message}")]
pub struct SweepError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// The file as written.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    #[serde(default)]
    description: String,
    base: PathBuf,
    #[serde(default = "default_adapter")]
    adapter: String,
    #[serde(default)]
    adapter_config: Option<PathBuf>,
    #[serde(default = "default_seeds")]
    seeds: Vec<u64>,
    #[serde(default)]
    purpose: Option<Vec<String>>,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    quick: bool,
    #[serde(default)]
    set: Option<toml::Table>,
    #[serde(default)]
    grid: Option<toml::Table>,
    #[serde(default)]
    cells: Option<Vec<toml::Table>>,
}

fn default_adapter() -> String {
    "sim".into()
}

fn default_seeds() -> Vec<u64> {
    vec![1]
}

/// A parsed sweep file (paths resolved against its directory).
#[derive(Debug, Clone)]
pub struct SweepFile {
    pub file: PathBuf,
    pub text: String,
    pub name: String,
    pub description: String,
    /// The base scenario as written, and resolved.
    pub base_written: String,
    pub base: PathBuf,
    pub adapter: String,
    pub adapter_config: Option<PathBuf>,
    pub seeds: Vec<u64>,
    pub purpose: Option<Vec<String>>,
    pub profile: Option<String>,
    pub quick: bool,
    /// Overrides applied to every cell, before the cell's own values.
    pub set: Vec<Setting>,
    /// The varied fields, in order.
    pub axes: Vec<String>,
    /// Each cell's values, one per axis, in axis order.
    pub cells: Vec<Vec<Setting>>,
}

/// One field set to one value, with the line of the sweep file that says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub path: FieldPath,
    pub value: toml::Value,
    pub line: usize,
}

impl Setting {
    /// The value as TOML writes it, without the quotes of a string.
    pub fn shown(&self) -> String {
        match &self.value {
            toml::Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    }
}

impl SweepFile {
    /// An error at `line` about `field`.
    pub fn error(&self, line: usize, field: &str, message: impl Into<String>) -> SweepError {
        SweepError {
            file: self.file.display().to_string(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<SweepFile, SweepError> {
        let text = touchstone_core::input::read_text_capped(
            path,
            touchstone_core::input::MAX_SUITE_BYTES,
            "sweep file",
        )
        .map_err(|e| SweepError {
            file: path.display().to_string(),
            line: 0,
            field: "<file>".into(),
            message: e.to_string(),
        })?;
        Self::parse(&text, path)
    }

    /// Parses sweep text; relative paths resolve against `path`'s directory.
    pub fn parse(text: &str, path: &Path) -> Result<SweepFile, SweepError> {
        let err = |line, field: &str, message: String| SweepError {
            file: path.display().to_string(),
            line,
            field: field.into(),
            message,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_at(text, s.start)).unwrap_or(0);
            let field = e.message().split('`').nth(1).unwrap_or("<toml>").to_string();
            err(line, &field, e.message().trim().to_string())
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let base = dir.join(&raw.base);
        if !base.is_file() {
            return Err(err(
                key_line(text, "base"),
                "base",
                format!("{}: scenario file not found", base.display()),
            ));
        }
        if raw.seeds.is_empty() {
            return Err(err(key_line(text, "seeds"), "seeds", "at least one seed".into()));
        }
        let mut sorted = raw.seeds.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != raw.seeds.len() {
            return Err(err(key_line(text, "seeds"), "seeds", "a seed is listed twice".into()));
        }
        let set = match &raw.set {
            Some(t) => settings(text, path, "set", t)?,
            None => Vec::new(),
        };
        let (axes, cells) = match (&raw.grid, &raw.cells) {
            (Some(_), Some(_)) => {
                return Err(err(
                    key_line(text, "[[cells]]"),
                    "cells",
                    "a sweep has a [grid] or [[cells]], not both".into(),
                ))
            }
            (None, None) | (None, Some(_)) if raw.cells.as_ref().is_none_or(|c| c.is_empty()) => {
                return Err(err(
                    0,
                    "grid",
                    "a sweep varies something: add a [grid] (every combination) or [[cells]] \
                     (a list)"
                        .into(),
                ))
            }
            (Some(g), None) => grid(text, path, g)?,
            (None, Some(c)) => list(text, path, c)?,
            _ => unreachable!("covered above"),
        };
        Ok(SweepFile {
            file: path.to_path_buf(),
            text: text.to_string(),
            name: raw.name,
            description: raw.description,
            base_written: raw.base.display().to_string(),
            base,
            adapter: raw.adapter,
            adapter_config: raw.adapter_config.map(|c| dir.join(c)),
            seeds: raw.seeds,
            purpose: raw.purpose,
            profile: raw.profile,
            quick: raw.quick,
            set,
            axes,
            cells,
        })
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// The line where `key` is written (quoted or bare, before an `=`), or 0.
pub fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(key)
                || t.starts_with(&format!("\"{key}\""))
                || t.starts_with(&format!("'{key}'"))
        })
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// The leaves of a table as dotted paths (nested tables flattened), in the file's order.
fn leaves(prefix: &str, t: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in t {
        let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) => leaves(&p, inner, out),
            v => out.push((p, v.clone())),
        }
    }
}

fn path_of(file: &Path, text: &str, table: &str, p: &str) -> Result<FieldPath, SweepError> {
    FieldPath::parse(p).map_err(|m| SweepError {
        file: file.display().to_string(),
        line: key_line(text, p),
        field: format!("{table}.{p}"),
        message: m,
    })
}

fn settings(
    text: &str,
    file: &Path,
    table: &str,
    t: &toml::Table,
) -> Result<Vec<Setting>, SweepError> {
    let mut v = Vec::new();
    leaves("", t, &mut v);
    v.sort_by_key(|(p, _)| key_line(text, p));
    v.into_iter()
        .map(|(p, value)| {
            Ok(Setting { path: path_of(file, text, table, &p)?, line: key_line(text, &p), value })
        })
        .collect()
}

/// `[grid]`: each key a field path, each value a non-empty list; every combination, the first
/// key varying slowest. A preserve-order table keeps the file's order.
fn grid(
    text: &str,
    file: &Path,
    g: &toml::Table,
) -> Result<(Vec<String>, Vec<Vec<Setting>>), SweepError> {
    let mut axes = Vec::new();
    leaves("", g, &mut axes);
    // In the order written (a TOML table read by serde is sorted by key).
    axes.sort_by_key(|(p, _)| key_line(text, p));
    let mut cells: Vec<Vec<Setting>> = vec![Vec::new()];
    let mut names = Vec::new();
    for (p, values) in axes {
        let path = path_of(file, text, "grid", &p)?;
        let line = key_line(text, &p);
        let toml::Value::Array(values) = values else {
            return Err(SweepError {
                file: file.display().to_string(),
                line,
                field: format!("grid.{p}"),
                message: "a grid axis is a list of values, e.g. [4, 7, 16]".into(),
            });
        };
        if values.is_empty() {
            return Err(SweepError {
                file: file.display().to_string(),
                line,
                field: format!("grid.{p}"),
                message: "a grid axis lists at least one value".into(),
            });
        }
        cells = cells
            .into_iter()
            .flat_map(|c| {
                let path = &path;
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(Setting { path: path.clone(), value: v.clone(), line });
                    c
                })
            })
            .collect();
        names.push(p);
    }
    Ok((names, cells))
}

/// `[[cells]]`: each a table of field paths to values. The axes are every field some cell sets,
/// in the order first seen; a cell that does not set one keeps the base's value there.
fn list(
    text: &str,
    file: &Path,
    c: &[toml::Table],
) -> Result<(Vec<String>, Vec<Vec<Setting>>), SweepError> {
    let mut axes: Vec<String> = Vec::new();
    let mut cells = Vec::new();
    for t in c {
        let s = settings(text, file, "cells", t)?;
        for x in &s {
            if !axes.contains(&x.path.written) {
                axes.push(x.path.written.clone());
            }
        }
        cells.push(s);
    }
    Ok((axes, cells))
}

/// Checks that `apply` knows every path (used before any scenario is built).
pub fn known_paths(f: &SweepFile) -> Result<(), SweepError> {
    for s in f.set.iter().chain(f.cells.iter().flatten()) {
        apply::check_path(&s.path).map_err(|m| f.error(s.line, &s.path.written, m))?;
    }
    Ok(())
}
