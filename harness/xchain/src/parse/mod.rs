//! A multi-chain script → [`XScenario`], with every problem located like the single-chain
//! validation's (file, line, column, field, did-you-mean).
//!
//! Each `[chains.<id>]` table is validated by the core's own scenario validation, unchanged:
//! the script is seen through a *view* per chain in which the chain's table headers read as a
//! single-chain script's (`[chains.cash]` → `[network]`, `[chains.cash.link]` →
//! `[network.link]`, `[[chains.cash.faults]]` → `[[faults]]`), every other chain and the
//! `[bridge]` are blanked (their bytes turned to spaces, newlines kept), and a `[workload]` of
//! the bridge's load is appended after the last line. Every byte keeps its line, so the core's
//! diagnostics point into the script as written; their field paths are renamed back
//! (`network.validators` → `chains.cash.validators`). `[bridge]` is validated in `bridge.rs`.

mod bridge;
mod locate;

use crate::spec::{ChainSpec, XScenario};
use locate::{diag, Header};
use touchstone_core::scenario::{self, Diagnostic, ScenarioError};
use touchstone_core::time::format_duration;

/// Whether `text` declares several chains (a `chains` table): such a script is run by this
/// crate, any other by the single-chain engine.
pub fn is_multi_chain(text: &str) -> bool {
    toml_edit::ImDocument::parse(text).is_ok_and(|d| d.as_table().contains_key("chains"))
}

/// Reads (capped like any script) and validates a multi-chain scenario file.
pub fn load(path: &std::path::Path) -> Result<(XScenario, String), ScenarioError> {
    let name = path.display().to_string();
    let text = touchstone_core::input::read_text_capped(
        path,
        touchstone_core::input::MAX_SCRIPT_BYTES,
        "scenario script",
    )?;
    let s = parse(&text, &name)?;
    Ok((s, text))
}

/// Parses and validates a multi-chain scenario script. `file` names it in diagnostics.
pub fn parse(text: &str, file: &str) -> Result<XScenario, ScenarioError> {
    let doc = match toml_edit::ImDocument::parse(text) {
        Ok(d) => d,
        // The core reports a syntax error with its location.
        Err(_) => return scenario::parse(text, file).map(|_| unreachable_multi(file)),
    };
    let mut diags: Vec<Diagnostic> = Vec::new();
    let headers = locate::headers(&doc);
    for key in ["network", "workload", "faults", "explore"] {
        if doc.as_table().contains_key(key) {
            let d = diag(
                text,
                file,
                &doc,
                &[key],
                format!(
                    "a multi-chain script has no top-level `{key}`: set it per chain in \
                 [chains.<id>] (faults as [[chains.<id>.faults]]; the load in [bridge.workload])"
                ),
            );
            diags.push(d);
        }
    }
    let ids = chain_ids(text, file, &doc, &headers, &mut diags);
    let bridge = bridge::parse(text, file, &doc, &ids, &mut diags);
    let mut chains = Vec::new();
    if let Some(b) = &bridge {
        for id in &ids {
            let view = chain_view(text, &headers, id, &b.workload);
            match scenario::parse(&view, file) {
                Ok(s) => chains.push(ChainSpec { id: id.clone(), scenario: s }),
                Err(ScenarioError::Invalid { diagnostics, .. }) => {
                    diags.extend(diagnostics.into_iter().map(|d| rename_field(d, id)));
                }
                Err(e) => return Err(e),
            }
        }
    }
    diags.sort_by(|a, b| (a.line, a.column, &a.field).cmp(&(b.line, b.column, &b.field)));
    diags.dedup();
    match bridge {
        Some(bridge) if diags.is_empty() && chains.len() == ids.len() => {
            let first = &chains[0].scenario;
            Ok(XScenario {
                name: first.name.clone(),
                description: first.description.clone(),
                kind: first.kind,
                purpose: first.purpose.clone(),
                criteria: first.criteria.clone(),
                chains,
                bridge,
            })
        }
        _ => Err(ScenarioError::Invalid { path: file.to_string(), diagnostics: diags }),
    }
}

fn unreachable_multi(file: &str) -> XScenario {
    panic!("{file}: the core accepted a script that toml_edit could not parse")
}

/// The chain ids in the order the script declares them: at least two, each a
/// `[chains.<id>]` table with a simple name.
fn chain_ids(
    text: &str,
    file: &str,
    doc: &toml_edit::ImDocument<&str>,
    headers: &[Header],
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for h in headers.iter().filter(|h| h.path.len() >= 2 && h.path[0] == "chains") {
        if !ids.contains(&h.path[1]) {
            ids.push(h.path[1].clone());
        }
    }
    let declared: Vec<String> = doc
        .as_table()
        .get("chains")
        .and_then(|c| c.as_table_like())
        .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    for d in &declared {
        if !ids.contains(d) {
            diags.push(diag(
                text,
                file,
                doc,
                &["chains", d],
                format!("declare chain `{d}` as a [chains.{d}] table of its own"),
            ));
        }
    }
    for id in &ids {
        let ok = !id.is_empty()
            && id.len() <= 32
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            diags.push(diag(
                text,
                file,
                doc,
                &["chains", id],
                format!("chain id {id:?} must be 1 to 32 letters, digits, '-' or '_'"),
            ));
        }
    }
    if ids.len() < 2 {
        diags.push(diag(
            text,
            file,
            doc,
            &["chains"],
            format!("a multi-chain script declares at least two chains, found {}", ids.len()),
        ));
    }
    ids
}

/// The script as the single-chain scenario of chain `id` (see the module's documentation).
fn chain_view(text: &str, headers: &[Header], id: &str, w: &crate::spec::XWorkload) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for (i, h) in headers.iter().enumerate() {
        let end = headers.get(i + 1).map_or(bytes.len(), |n| n.start);
        let ours = h.path.len() >= 2 && h.path[0] == "chains" && h.path[1] == id;
        if !ours {
            let single_chain_only =
                ["chains", "bridge", "network", "workload", "faults", "explore"];
            if h.path.first().is_some_and(|k| !single_chain_only.contains(&k.as_str())) {
                // Root keys of the script (name, kind, criteria...) stay for every chain.
                continue;
            }
            blank(&mut bytes[h.start..end]);
            continue;
        }
        let rest = &h.path[2..];
        let renamed: Vec<String> = match rest.first().map(String::as_str) {
            Some("faults") => {
                std::iter::once("faults".to_string()).chain(rest[1..].iter().cloned()).collect()
            }
            _ => std::iter::once("network".to_string()).chain(rest.iter().cloned()).collect(),
        };
        let new = if h.array {
            format!("[[{}]]", renamed.join("."))
        } else {
            format!("[{}]", renamed.join("."))
        };
        let old = &mut bytes[h.start..h.end];
        debug_assert!(new.len() <= old.len(), "a renamed header is never longer");
        blank(old);
        old[..new.len()].copy_from_slice(new.as_bytes());
    }
    let mut view = String::from_utf8(bytes).expect("blanking keeps UTF-8 boundaries");
    view.push_str(&format!(
        "\n[workload]\naccounts = {}\ndrain = \"{}\"\n[[workload.phases]]\nname = \"xchain\"\n\
         duration = \"{}\"\nrate = {{ type = \"constant\", tps = {} }}\n",
        w.accounts,
        format_duration(w.drain),
        format_duration(w.load_duration()),
        w.background_tps.max(1.0),
    ));
    view
}

/// Spaces for every byte but newlines (multi-byte characters become several spaces).
fn blank(bytes: &mut [u8]) {
    for b in bytes {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// A core diagnostic on a chain's view, renamed to the field as written.
fn rename_field(mut d: Diagnostic, id: &str) -> Diagnostic {
    for (from, to) in
        [("network", format!("chains.{id}")), ("faults", format!("chains.{id}.faults"))]
    {
        if d.field == from {
            d.field = to;
            break;
        }
        if let Some(rest) = d.field.strip_prefix(from) {
            if rest.starts_with('.') || rest.starts_with('[') {
                d.field = format!("{to}{rest}");
                break;
            }
        }
    }
    d
}

#[cfg(test)]
mod tests;
