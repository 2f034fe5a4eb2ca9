//! `touchstone list scenarios|adapters|properties|indicators`

use crate::exit::{CmdResult, Failure, PASS};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// What to list.
    #[arg(value_parser = ["scenarios", "adapters", "properties", "indicators"])]
    pub what: String,
    /// Folder of scenario scripts (for `scenarios`).
    #[arg(long, default_value = "scenarios")]
    pub dir: PathBuf,
}

pub fn exec(a: ListArgs) -> CmdResult {
    match a.what.as_str() {
        "adapters" => {
            for f in crate::adapters::all() {
                let default = if f.name() == crate::adapters::DEFAULT { " (default)" } else { "" };
                outln!("{:<10} {}{default}", f.name(), f.description());
            }
        }
        "properties" => {
            for p in touchstone_check::Property::ALL {
                outln!("{:<24} {}: {}", p.id(), p.name(), p.description());
            }
        }
        "scenarios" => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&a.dir)
                .map_err(|e| Failure::bad_input(format!("{}: {e}", a.dir.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            // The multi-chain scenarios live in their own folder.
            if let Ok(d) = std::fs::read_dir(a.dir.join("xchain")) {
                files.extend(
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "toml")),
                );
            }
            files.sort();
            for f in files {
                // (kind, description) of a single- or multi-chain script, or why it is invalid.
                let read: Result<(&str, String), String> = if crate::xchain::is_multi_chain(&f) {
                    let text = std::fs::read_to_string(&f).unwrap_or_default();
                    touchstone_xchain::parse(&text, &f.display().to_string())
                        .map(|s| (s.kind.as_str(), s.description))
                        .map_err(|e| e.to_string())
                } else {
                    touchstone_core::scenario::load(&f)
                        .map(|(s, _)| (s.kind.as_str(), s.description))
                        .map_err(|e| e.to_string())
                };
                match read {
                    Ok((kind, description)) => outln!(
                        "{:<40} {:<10} {}",
                        f.display(),
                        kind,
                        description.lines().next().unwrap_or("")
                    ),
                    Err(e) => {
                        outln!("{:<40} INVALID    {}", f.display(), e.lines().next().unwrap_or(""))
                    }
                }
            }
        }
        _ => {
            // The default rubric's tree (reports/rubrics/default.toml), then the derived values.
            let r = touchstone_reports::Rubric::default_rubric();
            for area in &r.areas {
                let w: Vec<String> =
                    r.profiles.iter().map(|p| format!("{p} {}", r.weight(area, p))).collect();
                outln!(
                    "{} {}{}",
                    area.id,
                    area.name,
                    if area.gate { " (gates)".to_string() } else { format!(" ({})", w.join(", ")) }
                );
                for g in &area.groups {
                    outln!("  {} {}", g.id, g.name);
                    for i in &g.indicators {
                        let from = i
                            .metric
                            .clone()
                            .or_else(|| i.property.as_ref().map(|p| format!("property {p}")))
                            .unwrap_or_else(|| "conformance cases".into());
                        outln!("    {:<6} {:<34} {from}", i.id, i.name);
                    }
                }
            }
            outln!("\nderived values (metric = \"derived.<name>\"):");
            for (name, what) in touchstone_reports::rubric::DERIVED {
                outln!("  {name:<24} {what}");
            }
        }
    }
    Ok(PASS)
}
