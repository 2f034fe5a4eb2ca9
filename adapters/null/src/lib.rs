//! # touchstone-null: a chain that is not there
//!
//! The `null` adapter commits every accepted transaction after a fixed delay (default 0), with no
//! chain behind it. It measures the harness's own overhead (scheduling, submitting, recording)
//! and serves the engine's tests. It runs in virtual time by default, so a 60-second scenario
//! completes as fast as the harness can go; `realtime = true` paces it on the wall clock instead.
//!
//! Configuration (`--adapter-config FILE`, all optional):
//! ```toml
//! delay = "0ms"       # commit delay after submission
//! realtime = false    # pace on the wall clock
//! reject_every = 0    # reject every k-th transaction with INSUFFICIENT_BALANCE (0 = never)
//! ```
//!
//! ```
//! use touchstone_core::scenario::{ScenarioBuilder, ScenarioKind, RateSpec};
//! use touchstone_core::{engine, trace::MemoryTrace, Seed};
//! let s = ScenarioBuilder::new("demo", ScenarioKind::Payment)
//!     .phase("load", 1_000_000_000, RateSpec::Constant { tps: 100.0 })
//!     .build();
//! let mut adapter = touchstone_null::NullAdapter::new(touchstone_null::NullConfig::default());
//! let mut trace = MemoryTrace::default();
//! let r = engine::run(&s, &mut adapter, Seed(1), &mut trace, Default::default()).unwrap();
//! assert_eq!(r.metrics.measured.committed, 100);
//! ```

use std::collections::VecDeque;
use std::path::Path;
use touchstone_core::adapter::*;
use touchstone_core::ledger::OpKind;
use touchstone_core::scenario::Scenario;
use touchstone_core::time::{parse_duration, Clock, WallClock};
use touchstone_core::{Nanos, Reason};

/// Settings of the null adapter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NullConfig {
    pub delay: Nanos,
    pub realtime: bool,
    pub reject_every: u64,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    delay: Option<String>,
    realtime: Option<bool>,
    reject_every: Option<u64>,
}

impl NullConfig {
    /// Reads a configuration file; errors name the file and the field.
    pub fn load(path: &Path) -> Result<NullConfig, AdapterError> {
        let cfg_err = |message: String| AdapterError::Config {
            adapter: "null".into(),
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| cfg_err(e.to_string()))?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| cfg_err(e.to_string()))?;
        let delay = match raw.delay {
            Some(d) => parse_duration(&d).map_err(|e| cfg_err(format!("delay: {e}")))?,
            None => 0,
        };
        Ok(NullConfig {
            delay,
            realtime: raw.realtime.unwrap_or(false),
            reject_every: raw.reject_every.unwrap_or(0),
        })
    }
}

/// The null adapter.
#[derive(Debug)]
pub struct NullAdapter {
    cfg: NullConfig,
    now: Nanos,
    wall: Option<WallClock>,
    pending: VecDeque<(Nanos, touchstone_core::TxId)>,
    submitted: u64,
    height: u64,
}

impl NullAdapter {
    pub fn new(cfg: NullConfig) -> Self {
        let wall = cfg.realtime.then(WallClock::start);
        NullAdapter { cfg, now: 0, wall, pending: VecDeque::new(), submitted: 0, height: 0 }
    }

    fn clock(&self) -> Nanos {
        match &self.wall {
            Some(w) => w.now(),
            None => self.now,
        }
    }
}

impl Adapter for NullAdapter {
    fn name(&self) -> &str {
        "null"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            // No chain: every kind of operation "commits" (which is what makes the null adapter
            // fail every case that expects a rejection).
            operations: vec![
                OpKind::Transfer,
                OpKind::Issue,
                OpKind::Redeem,
                OpKind::Batch,
                OpKind::Admin,
                OpKind::Bridge,
                OpKind::HashLock,
            ],
            faults: Vec::new(),
            consensus_events: false,
            state_reads: false,
            finality: FinalityRule {
                description: format!(
                    "accepted transactions commit after a fixed {} ms (no chain)",
                    self.cfg.delay as f64 / 1e6
                ),
                required_share: 1.0,
                confirmation_depth: 0,
            },
            virtual_time: !self.cfg.realtime,
        }
    }

    fn system_info(&self) -> SystemInfo {
        let mut s =
            SystemInfo { adapter: "null".into(), protocol: "none".into(), ..Default::default() };
        s.details.insert("delay_ns".into(), self.cfg.delay.to_string());
        s.details.insert(
            "clock".into(),
            if self.cfg.realtime { "wall".into() } else { "virtual".into() },
        );
        s
    }

    fn prepare(&mut self, _setup: &Setup, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }

    fn now(&self) -> Nanos {
        self.clock()
    }

    #[inline]
    fn submit(
        &mut self,
        tx: &TxRequest,
        _sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        self.submitted += 1;
        if self.cfg.reject_every > 0 && self.submitted % self.cfg.reject_every == 0 {
            return Ok(SubmitAck::Rejected { reason: Reason::InsufficientBalance });
        }
        let at = self.clock() + self.cfg.delay;
        self.pending.push_back((at, tx.id));
        Ok(SubmitAck::Accepted { via: None })
    }

    #[inline]
    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        if let Some(wall) = &self.wall {
            let now = wall.now();
            if until > now {
                let wait = (until - now)
                    .min(self.pending.front().map_or(u64::MAX, |p| p.0.saturating_sub(now)));
                #[allow(clippy::disallowed_methods)]
                // realtime mode paces on the wall clock by design
                std::thread::sleep(std::time::Duration::from_nanos(wait));
            }
        }
        let horizon = match &self.wall {
            Some(w) => w.now(),
            None => until,
        };
        let mut any = false;
        while let Some(&(at, id)) = self.pending.front() {
            if at > horizon {
                break;
            }
            self.pending.pop_front();
            self.height += 1;
            if self.wall.is_none() {
                self.now = self.now.max(at);
            }
            sink.outcome(Outcome {
                tx: id,
                status: OutcomeStatus::Committed { height: self.height },
                at: self.now.max(at),
                node: None,
            });
            any = true;
            if self.wall.is_none() {
                // Return at the first outcome time so the engine can react (closed loop).
                return Ok(self.now);
            }
        }
        if self.wall.is_none() && !any {
            self.now = self.now.max(until);
        }
        Ok(self.clock())
    }

    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        None
    }

    fn snapshot(&mut self, _accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        Ok(Vec::new())
    }

    fn shutdown(&mut self, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }
}

/// Factory for `--adapter null`.
#[derive(Debug, Default)]
pub struct NullFactory;

impl AdapterFactory for NullFactory {
    fn name(&self) -> &'static str {
        "null"
    }

    fn description(&self) -> &'static str {
        "no chain: commits every transaction after a fixed delay (measures the harness itself)"
    }

    fn build(
        &self,
        _scenario: &Scenario,
        config: Option<&Path>,
    ) -> Result<Box<dyn Adapter>, AdapterError> {
        let cfg = match config {
            Some(p) => NullConfig::load(p)?,
            None => NullConfig::default(),
        };
        Ok(Box::new(NullAdapter::new(cfg)))
    }
}
