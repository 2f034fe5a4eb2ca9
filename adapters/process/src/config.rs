//! The configuration file of `--adapter process` (TOML): which child to start and how long to
//! wait for it. Every error names the file and the field.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use touchstone_core::adapter::AdapterError;
use touchstone_core::time::parse_duration;

/// The file as written: unknown fields refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    command: String,
    #[serde(default)]
    args: Vec<String>,
    cwd: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    timeouts: RawTimeouts,
    #[serde(default)]
    settings: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeouts {
    hello: Option<String>,
    prepare: Option<String>,
    call: Option<String>,
    fault: Option<String>,
    shutdown: Option<String>,
}

/// How long the harness waits for each kind of reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub hello: Duration,
    pub prepare: Duration,
    /// `submit`, `snapshot`, `precheck`; and `advance` beyond its deadline.
    pub call: Duration,
    pub fault: Duration,
    /// After `shutdown`, before the child is killed.
    pub shutdown: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            hello: Duration::from_secs(30),
            prepare: Duration::from_secs(120),
            call: Duration::from_secs(30),
            fault: Duration::from_secs(60),
            shutdown: Duration::from_secs(10),
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessConfig {
    pub command: String,
    pub args: Vec<String>,
    /// The child's working directory.
    pub cwd: PathBuf,
    /// Added to the harness's environment.
    pub env: BTreeMap<String, String>,
    pub timeouts: Timeouts,
    /// The `[settings]` table, handed to the child in `hello`.
    pub settings: serde_json::Value,
    /// The file it was read from (for messages).
    pub path: PathBuf,
}

impl ProcessConfig {
    /// A configuration for `command args…` run in `cwd`, with default timeouts.
    pub fn new(command: &str, args: &[&str], cwd: &Path) -> Self {
        ProcessConfig {
            command: command.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            cwd: cwd.to_path_buf(),
            env: BTreeMap::new(),
            timeouts: Timeouts::default(),
            settings: serde_json::json!({}),
            path: PathBuf::from("(built in code)"),
        }
    }

    /// Reads a configuration file. Relative `cwd` is taken from the file's directory, which
    /// is also the default.
    pub fn load(path: &Path) -> Result<ProcessConfig, AdapterError> {
        let err = |message: String| AdapterError::Config {
            adapter: "process".into(),
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        if raw.command.trim().is_empty() {
            return Err(err("command: must name the program to start".into()));
        }
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let cwd = match raw.cwd {
            Some(c) if Path::new(&c).is_absolute() => PathBuf::from(c),
            Some(c) => dir.join(c),
            None => dir.to_path_buf(),
        };
        let d = Timeouts::default();
        let t = &raw.timeouts;
        let dur = |field: &str, v: &Option<String>, default: Duration| match v {
            None => Ok(default),
            Some(s) => parse_duration(s)
                .map(Duration::from_nanos)
                .map_err(|e| err(format!("timeouts.{field}: {e}"))),
        };
        let timeouts = Timeouts {
            hello: dur("hello", &t.hello, d.hello)?,
            prepare: dur("prepare", &t.prepare, d.prepare)?,
            call: dur("call", &t.call, d.call)?,
            fault: dur("fault", &t.fault, d.fault)?,
            shutdown: dur("shutdown", &t.shutdown, d.shutdown)?,
        };
        let settings = match raw.settings {
            Some(table) => {
                serde_json::to_value(table).map_err(|e| err(format!("settings: {e}")))?
            }
            None => serde_json::json!({}),
        };
        Ok(ProcessConfig {
            command: raw.command,
            args: raw.args,
            cwd,
            env: raw.env,
            timeouts,
            settings,
            path: path.to_path_buf(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ProcessConfig, AdapterError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, text).unwrap();
        ProcessConfig::load(&p)
    }

    #[test]
    fn a_full_file_is_read_with_paths_relative_to_it() {
        let c = load(
            r#"command = "python3"
args = ["x.py", "--fast"]
cwd = "sub"
env = { A = "1" }
[timeouts]
call = "2s"
[settings]
endpoint = "http://127.0.0.1:1"
nodes = 3
"#,
        )
        .unwrap();
        assert_eq!(c.args, ["x.py", "--fast"]);
        assert!(c.cwd.ends_with("sub"));
        assert_eq!(c.env["A"], "1");
        assert_eq!(c.timeouts.call, Duration::from_secs(2));
        assert_eq!(c.timeouts.hello, Timeouts::default().hello);
        assert_eq!(c.settings["nodes"], 3);
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let e = load("command = \"x\"\n[timeouts]\ncall = \"soon\"\n").unwrap_err().to_string();
        assert!(e.contains("a.toml") && e.contains("timeouts.call"), "{e}");
        let e = load("command = \"x\"\ncomand = \"y\"\n").unwrap_err().to_string();
        assert!(e.contains("comand"), "{e}");
        let e = load("args = []\n").unwrap_err().to_string();
        assert!(e.contains("command"), "{e}");
    }
}
