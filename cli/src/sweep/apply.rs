//! Setting a scenario field by its path in the script's TOML, keeping everything else as
//! written: `network.validators`, `network.link.latency`, `network.links.0.link.latency`
//! (a number selects an element of a list), `workload.phases.steady.rate.tps` (a name selects
//! the list element whose `name` — or, for a fault, `id` — is that), and `byzantine.count` — the number of Byzantine
//! validators: the base's first `[[network.byzantine]]` entry copied onto the last `count`
//! validators (0 removes them all).

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, TableLike, Value};

/// A field path as written, split into segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub written: String,
    segs: Vec<Seg>,
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `byzantine.count` (also `network.byzantine.count`).
const BYZANTINE_COUNT: [&str; 2] = ["byzantine.count", "network.byzantine.count"];

impl Path {
    /// Splits `network.links.0.link.latency` at its dots.
    pub fn parse(s: &str) -> Result<Path, String> {
        if s.is_empty() || s.split('.').any(str::is_empty) {
            return Err(format!("{s:?} is not a field path (e.g. network.validators)"));
        }
        let segs = s
            .split('.')
            .map(|p| match p.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key(p.to_string()),
            })
            .collect();
        Ok(Path { written: s.to_string(), segs })
    }

    fn is_byzantine_count(&self) -> bool {
        BYZANTINE_COUNT.contains(&self.written.as_str())
    }
}

/// Top-level sections of a scenario script a sweep may set.
const SECTIONS: &[&str] =
    &["name", "description", "kind", "purpose", "network", "workload", "faults", "criteria"];

/// Whether a sweep may set `p` (the scenario's validation judges the rest).
pub fn check_path(p: &Path) -> Result<(), String> {
    if p.is_byzantine_count() {
        return Ok(());
    }
    match &p.segs[0] {
        Seg::Key(k) if SECTIONS.contains(&k.as_str()) => Ok(()),
        Seg::Key(k) => Err(format!(
            "`{k}` is not a section of a scenario script{}",
            touchstone_core::scenario::suggest(k, SECTIONS)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default()
        )),
        Seg::Index(_) => Err("a field path starts with a section name".into()),
    }
}

/// Sets `path` to `value` in `doc`.
pub fn set(doc: &mut DocumentMut, path: &Path, value: &toml::Value) -> Result<(), String> {
    if path.is_byzantine_count() {
        let k = value
            .as_integer()
            .filter(|k| *k >= 0)
            .ok_or_else(|| format!("{value} is not a count of validators"))?;
        return byzantine_count(doc, k as usize);
    }
    let v: Value = value
        .to_string()
        .parse()
        .map_err(|e| format!("{value} cannot be written as a TOML value: {e}"))?;
    set_in(doc.as_table_mut(), &path.segs, v)
}

fn set_in(t: &mut dyn TableLike, segs: &[Seg], v: Value) -> Result<(), String> {
    let Seg::Key(k) = &segs[0] else {
        return Err("a number selects an element of a list, and this is a table".into());
    };
    if segs.len() == 1 {
        t.insert(k, Item::Value(v));
        return Ok(());
    }
    if t.get(k).is_none() {
        t.insert(k, Item::Table(Table::new()));
    }
    descend(t.get_mut(k).expect("inserted"), &segs[1..], v).map_err(|m| {
        if m.starts_with('`') {
            m
        } else {
            format!("`{k}`: {m}")
        }
    })
}

fn descend(it: &mut Item, segs: &[Seg], v: Value) -> Result<(), String> {
    if let Some(t) = it.as_table_like_mut() {
        return set_in(t, segs, v);
    }
    match it {
        Item::ArrayOfTables(a) => {
            let t = select(a, &segs[0])?;
            if segs.len() == 1 {
                return Err("selects a whole table; name a field inside it".into());
            }
            set_in(t, &segs[1..], v)
        }
        Item::Value(Value::Array(arr)) => {
            let Seg::Index(i) = segs[0] else {
                return Err("a list: select an element by its number".into());
            };
            let n = arr.len();
            let el = arr.get_mut(i).ok_or(format!("element {i} of a list of {n}"))?;
            if segs.len() == 1 {
                *el = v;
                return Ok(());
            }
            match el {
                Value::InlineTable(t) => set_in(t, &segs[1..], v),
                _ => Err(format!("element {i} is a value, not a table")),
            }
        }
        _ => Err("is a value, not a table".into()),
    }
}

/// An element of a list of tables by number, or by its `name` (a phase) or `id` (a fault).
fn select<'a>(a: &'a mut ArrayOfTables, seg: &Seg) -> Result<&'a mut Table, String> {
    let n = a.len();
    match seg {
        Seg::Index(i) => a.get_mut(*i).ok_or(format!("element {i} of a list of {n}")),
        Seg::Key(name) => {
            let names: Vec<String> = a
                .iter()
                .filter_map(|t| {
                    t.get("name").or_else(|| t.get("id")).and_then(|x| x.as_str()).map(String::from)
                })
                .collect();
            let at = names.iter().position(|x| x == name);
            match at {
                Some(i) => Ok(a.get_mut(i).expect("found")),
                None => Err(format!(
                    "no element named {name:?} (named: {})",
                    if names.is_empty() { "none".into() } else { names.join(", ") }
                )),
            }
        }
    }
}

fn byzantine_count(doc: &mut DocumentMut, k: usize) -> Result<(), String> {
    let net = doc
        .get_mut("network")
        .and_then(|n| n.as_table_like_mut())
        .ok_or("byzantine.count needs a [network] section in the base")?;
    let n = net
        .get("validators")
        .and_then(|v| v.as_integer())
        .ok_or("byzantine.count needs network.validators (in the base or the sweep)")?
        as usize;
    if k > n {
        return Err(format!("{k} Byzantine validators of {n}"));
    }
    let template =
        net.get("byzantine").and_then(|b| b.as_array_of_tables()).and_then(|a| a.get(0)).cloned();
    if k == 0 {
        net.remove("byzantine");
        return Ok(());
    }
    let template = template.ok_or(
        "byzantine.count copies the base's first [[network.byzantine]] entry (its behaviour), \
         and the base has none",
    )?;
    let mut list = ArrayOfTables::new();
    for i in n - k..n {
        let mut t = template.clone();
        t.insert("node", toml_edit::value(touchstone_core::ids::node_name(i)));
        list.push(t);
    }
    net.insert("byzantine", Item::ArrayOfTables(list));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"name = "b"
[network]
validators = 4
[network.link]
latency = "15ms"
[[network.byzantine]]
node = "n1"
behaviour = "equivocate"
[[workload.phases]]
name = "warmup"
rate = { type = "constant", tps = 100 }
[[workload.phases]]
name = "steady"
rate = { type = "poisson", tps = 500 }
[[faults]]
id = "outage"
at = "1s"
duration = "2s"
"#;

    fn with(path: &str, v: toml::Value) -> Result<String, String> {
        let mut d: DocumentMut = BASE.parse().unwrap();
        set(&mut d, &Path::parse(path).unwrap(), &v)?;
        Ok(d.to_string())
    }

    #[test]
    fn plain_nested_named_and_numbered_fields() {
        let t = with("network.validators", 16.into()).unwrap();
        assert!(t.contains("validators = 16"), "{t}");
        let t = with("network.link.latency", "50ms".into()).unwrap();
        assert!(t.contains("latency = \"50ms\""), "{t}");
        let t = with("workload.phases.steady.rate.tps", 800.into()).unwrap();
        assert!(t.contains("tps = 800") && t.contains("tps = 100"), "{t}");
        let t = with("faults.outage.duration", "9s".into()).unwrap();
        assert!(t.contains("duration = \"9s\""), "{t}");
        let t = with("workload.phases.0.rate.tps", 7.into()).unwrap();
        assert!(t.contains("tps = 7") && t.contains("tps = 500"), "{t}");
        let t = with("network.link.loss", 0.01.into()).unwrap();
        assert!(t.contains("loss = 0.01"), "{t}");
    }

    #[test]
    fn wrong_paths_say_where() {
        let e = with("workload.phases.stedy.rate.tps", 1.into()).unwrap_err();
        assert!(e.contains("no element named \"stedy\"") && e.contains("steady"), "{e}");
        let e = with("network.validators.x", 1.into()).unwrap_err();
        assert!(e.contains("is a value"), "{e}");
        assert!(check_path(&Path::parse("netwrk.validators").unwrap())
            .unwrap_err()
            .contains("did you mean `network`"));
        assert!(Path::parse("network..x").is_err());
    }

    #[test]
    fn byzantine_count_copies_the_first_entry_onto_the_last_validators() {
        let t = with("byzantine.count", 2.into()).unwrap();
        assert!(t.contains("node = \"n2\"") && t.contains("node = \"n3\""), "{t}");
        assert!(!t.contains("node = \"n1\""), "{t}");
        assert_eq!(t.matches("behaviour = \"equivocate\"").count(), 2, "{t}");
        let t = with("byzantine.count", 0.into()).unwrap();
        assert!(!t.contains("byzantine"), "{t}");
        assert!(with("byzantine.count", 5.into()).unwrap_err().contains("5 Byzantine"));
    }
}
