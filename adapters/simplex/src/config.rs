//! The adapter's configuration file (`--adapter-config FILE`, TOML; every field optional) and
//! where the validator binary is found. Errors name the file and the field.

use crate::modes::NodeMode;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use touchstone_core::time::{parse_duration, Nanos, NS_PER_S};

/// The environment variable that names the validator binary.
pub const NODE_ENV: &str = "TOUCHSTONE_SIMPLEX_NODE";

/// Where `scripts/build-simplex-node.sh` puts the binary, in this source tree.
pub const BUILT_NODE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/node/target/release/touchstone-simplex-node");

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    node: Option<PathBuf>,
    leader_timeout: Option<String>,
    max_block_txs: Option<usize>,
    tx_ttl_heights: Option<u64>,
    startup_timeout: Option<String>,
    live_timeout: Option<String>,
    storage: Option<PathBuf>,
    log: Option<String>,
    proxy: Option<bool>,
    #[serde(default)]
    byzantine: BTreeMap<String, String>,
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it came from (`None`: defaults).
    pub source: Option<PathBuf>,
    /// The validator binary named by the file; `None` = `$TOUCHSTONE_SIMPLEX_NODE`, else
    /// [`BUILT_NODE`].
    pub node: Option<PathBuf>,
    /// The nodes' leader timeout; `None` = the scenario's `[network] timeout`.
    pub leader_timeout: Option<Nanos>,
    /// Most transactions in a block; `None` = the scenario's `[network] block_size`.
    pub max_block_txs: Option<usize>,
    /// `None` = the node's default (1 000 heights).
    pub tx_ttl_heights: Option<u64>,
    /// How long every node's client endpoint may take to answer after its start.
    pub startup_timeout: Nanos,
    /// How long `prepare` waits for the first finalized height before the load starts (a
    /// network that never finalizes — e.g. Byzantine power over the bound — is then run anyway).
    pub live_timeout: Nanos,
    /// Keep the nodes' storage (journals, finalized blocks, traces, logs) in this directory
    /// instead of a temporary one removed after the run.
    pub storage: Option<PathBuf>,
    /// `RUST_LOG` for the nodes (their logs go to `<storage>/n<i>.log`).
    pub log: String,
    /// Byzantine modes by node, beside (or instead of) the scenario's `[[network.byzantine]]`.
    pub byzantine: BTreeMap<String, NodeMode>,
    /// Route every link between validators through the fault proxy (default). `false`: direct
    /// links; the scenario's link model, partitions and link faults are then not applied.
    pub proxy: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            node: None,
            leader_timeout: None,
            max_block_txs: None,
            tx_ttl_heights: None,
            startup_timeout: 60 * NS_PER_S,
            live_timeout: 30 * NS_PER_S,
            storage: None,
            log: "warn,touchstone_simplex_node=info".into(),
            byzantine: BTreeMap::new(),
            proxy: true,
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub field: String,
    pub message: String,
}

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let err = |field: &str, message: String| ConfigError {
            file: file.clone(),
            field: field.into(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err("(file)", e.to_string()))?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| err("(toml)", e.to_string()))?;
        let dur = |field: &str, v: &Option<String>, default: Nanos| match v {
            None => Ok(default),
            Some(s) => parse_duration(s).map_err(|e| err(field, e.to_string())),
        };
        let d = Config::default();
        let leader_timeout = match &raw.leader_timeout {
            None => None,
            Some(_) => Some(dur("leader_timeout", &raw.leader_timeout, 0)?),
        };
        if leader_timeout.is_some_and(|t| t < touchstone_core::time::NS_PER_MS) {
            return Err(err("leader_timeout", "must be at least 1ms".into()));
        }
        if raw.max_block_txs == Some(0) {
            return Err(err("max_block_txs", "must be positive".into()));
        }
        if raw.tx_ttl_heights == Some(0) {
            return Err(err("tx_ttl_heights", "must be positive".into()));
        }
        let mut byzantine = BTreeMap::new();
        for (node, mode) in &raw.byzantine {
            let m = NodeMode::parse(mode).ok_or_else(|| {
                err(
                    &format!("byzantine.{node}"),
                    format!("unknown mode {mode:?} (known: {})", NodeMode::NAMES.join(", ")),
                )
            })?;
            byzantine.insert(node.clone(), m);
        }
        Ok(Config {
            source: Some(path.to_path_buf()),
            node: raw.node,
            leader_timeout,
            max_block_txs: raw.max_block_txs,
            tx_ttl_heights: raw.tx_ttl_heights,
            startup_timeout: dur("startup_timeout", &raw.startup_timeout, d.startup_timeout)?,
            live_timeout: dur("live_timeout", &raw.live_timeout, d.live_timeout)?,
            storage: raw.storage,
            log: raw.log.unwrap_or(d.log),
            byzantine,
            proxy: raw.proxy.unwrap_or(d.proxy),
        })
    }

    /// The validator binary: the file's `node`, else `$TOUCHSTONE_SIMPLEX_NODE`, else where the
    /// build script puts it. An error says how to build it.
    pub fn node_binary(&self) -> Result<PathBuf, String> {
        let (path, from) = match (&self.node, std::env::var_os(NODE_ENV)) {
            (Some(p), _) => (p.clone(), "the adapter configuration's `node`".to_string()),
            (None, Some(p)) if !p.is_empty() => (PathBuf::from(p), format!("${NODE_ENV}")),
            _ => (PathBuf::from(BUILT_NODE), "the build script's output".to_string()),
        };
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "the Simplex validator binary is not built: {} ({from}) does not exist. Build it \
                 with `scripts/build-simplex-node.sh` (several minutes the first time; it prints \
                 the binary's path), or point ${NODE_ENV} at a touchstone-simplex-node binary",
                path.display()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("simplex.toml");
        std::fs::write(&p, text).unwrap();
        Config::load(&p)
    }

    #[test]
    fn every_field_reads_and_defaults_fill_the_rest() {
        let c = load(
            "leader_timeout = \"500ms\"\nmax_block_txs = 100\nlive_timeout = \"5s\"\n\
             [byzantine]\nn2 = \"nuller\"\n",
        )
        .unwrap();
        assert_eq!(c.leader_timeout, Some(500_000_000));
        assert_eq!(c.max_block_txs, Some(100));
        assert_eq!(c.live_timeout, 5_000_000_000);
        assert_eq!(c.byzantine["n2"], NodeMode::Nuller);
        assert_eq!(c.startup_timeout, Config::default().startup_timeout);
    }

    #[test]
    fn errors_name_the_field() {
        let e = load("leader_timeout = \"soon\"\n").unwrap_err();
        assert_eq!(e.field, "leader_timeout");
        let e = load("[byzantine]\nn1 = \"evil\"\n").unwrap_err();
        assert_eq!(e.field, "byzantine.n1");
        assert!(e.message.contains("conflicter"), "{}", e.message);
        let e = load("nodes = 3\n").unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
    }

    #[test]
    fn a_missing_binary_says_how_to_build_it() {
        let c = Config {
            node: Some("/nonexistent/touchstone-simplex-node".into()),
            ..Config::default()
        };
        let e = c.node_binary().unwrap_err();
        assert!(e.contains("scripts/build-simplex-node.sh"), "{e}");
        assert!(e.contains("/nonexistent/touchstone-simplex-node"), "{e}");
    }
}
