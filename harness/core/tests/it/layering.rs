//! The crate's modules form layers (see the crate docs): none imports a module above it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom to top, as in the crate docs; modules on one row may not import each other.
const LAYERS: &[&[&str]] = &[
    &["time", "ids", "seed", "reason", "input"],
    &["ledger"],
    &["trace"],
    &["scenario"],
    &["adapter"],
    &["refmodel"],
    &["workload"],
    &["program"],
    &["metrics"],
    &["engine"],
    &["criteria"],
    &["record"],
    &["rundir"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level modules named as `crate::<module>` in code (comments are not imports).
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let tail = &rest[i + "crate::".len()..];
            let name: String =
                tail.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.insert(name);
            }
            rest = tail;
        }
    }
    found
}

#[test]
fn no_module_of_core_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut breaches = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a component");
        let module = first.as_os_str().to_str().expect("utf-8").trim_end_matches(".rs");
        if module == "lib" {
            continue;
        }
        let own = layer_of(module).unwrap_or_else(|| {
            panic!("module `{module}` is missing from LAYERS and the crate docs")
        });
        let text = std::fs::read_to_string(file).expect("readable source");
        for used in crate_paths(&text) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(l) if l < own => {}
                _ => breaches.push(format!("{} imports crate::{used}", rel.display())),
            }
        }
    }
    assert!(breaches.is_empty(), "imports against the layering:\n{}", breaches.join("\n"));
}

#[test]
fn the_layering_check_sees_an_upward_import() {
    let found = crate_paths(
        "use crate::engine::run;\n// crate::record in a comment\nlet x = crate::ids::f();",
    );
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["engine", "ids"]);
}
