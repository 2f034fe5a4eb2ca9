//! `--adapter process --adapter-config FILE`.

use crate::adapter::{ProcessAdapter, NAME};
use crate::config::ProcessConfig;
use std::path::Path;
use touchstone_core::adapter::{Adapter, AdapterError, AdapterFactory};
use touchstone_core::scenario::Scenario;

/// Builds a [`ProcessAdapter`] from a configuration file (required: it names the child).
#[derive(Debug, Default)]
pub struct ProcessFactory;

impl AdapterFactory for ProcessFactory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "any adapter, in any language: a child process speaking docs/adapter-protocol.md (--adapter-config names it)"
    }

    fn build(
        &self,
        scenario: &Scenario,
        config: Option<&Path>,
    ) -> Result<Box<dyn Adapter>, AdapterError> {
        let Some(path) = config else {
            return Err(AdapterError::Config {
                adapter: NAME.into(),
                path: "(none)".into(),
                message: "--adapter process needs --adapter-config FILE naming the child to start (see docs/adapter-protocol.md)".into(),
            });
        };
        let cfg = ProcessConfig::load(path)?;
        Ok(Box::new(ProcessAdapter::start(cfg, scenario)?))
    }
}
