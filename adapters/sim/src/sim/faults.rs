//! Fault injection: what each [`FaultAction`] does to the simulated network.

use super::node::Work;
use super::Simulator;
use crate::protocol::{NodeIdx, Protocol};
use touchstone_core::adapter::{EventSink, FaultError};
use touchstone_core::scenario::FaultAction;
use touchstone_core::trace::TraceEvent;

impl<P: Protocol> Simulator<P> {
    fn idx(&self, names: &[String]) -> Result<Vec<NodeIdx>, FaultError> {
        names
            .iter()
            .map(|n| {
                self.core
                    .names
                    .iter()
                    .position(|x| x == n)
                    .ok_or_else(|| FaultError::Failed(format!("no validator {n:?}")))
            })
            .collect()
    }

    pub(crate) fn fault(
        &mut self,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        match action {
            FaultAction::Crash { nodes } => {
                for i in self.idx(nodes)? {
                    self.crash(i, sink);
                }
            }
            FaultAction::Restart { nodes } => {
                for i in self.idx(nodes)? {
                    if self.core.nodes[i].up {
                        self.crash(i, sink);
                    }
                    let rt = &mut self.core.nodes[i];
                    rt.up = true;
                    rt.busy_until = self.core.now;
                    self.with_env(i, 0, sink, |p, env| p.on_restart(env));
                    self.core.refresh_finality(i, sink);
                }
            }
            FaultAction::Pause { nodes } => {
                for i in self.idx(nodes)? {
                    self.core.nodes[i].paused = true;
                    self.core.refresh_finality(i, sink);
                }
            }
            FaultAction::Resume { nodes } => {
                for i in self.idx(nodes)? {
                    self.core.nodes[i].paused = false;
                    self.core.refresh_finality(i, sink);
                    self.schedule_cpu(i);
                }
            }
            FaultAction::Partition { groups } => {
                let g = groups.iter().map(|grp| self.idx(grp)).collect::<Result<Vec<_>, _>>()?;
                self.core.net.partition(&g);
            }
            FaultAction::Heal => self.core.net.heal(),
            FaultAction::Link { nodes, to, link } => {
                let (from, to) = (self.idx(nodes)?, self.idx(to)?);
                self.core.net.set_link(&from, &to, link);
            }
            FaultAction::ClockSkew { nodes, rate } => {
                if !(*rate > 0.0 && rate.is_finite()) {
                    return Err(FaultError::Failed(format!(
                        "clock rate must be above zero, got {rate}"
                    )));
                }
                for i in self.idx(nodes)? {
                    self.core.nodes[i].clock.set_rate(self.core.now, *rate);
                }
            }
            FaultAction::Byzantine { nodes, behaviour } => {
                for i in self.idx(nodes)? {
                    self.core.cfgs[i].behaviour = Some(*behaviour);
                    self.core.nodes[i].byzantine = true;
                    sink.trace(
                        self.core.now,
                        &TraceEvent::NodeRole {
                            node: &self.core.names[i],
                            byzantine: true,
                            behaviour: Some(behaviour.name()),
                        },
                    );
                    self.core.refresh_finality(i, sink);
                }
            }
            #[allow(unreachable_patterns)] // future actions
            _ => return Err(FaultError::NotSupported(action.kind())),
        }
        Ok(())
    }

    fn crash(&mut self, i: NodeIdx, sink: &mut dyn EventSink) {
        if !self.core.nodes[i].up {
            return;
        }
        let dropped =
            self.core.nodes[i].inbox.iter().filter(|w| matches!(w, Work::Msg { .. })).count();
        self.core.stats.dropped += dropped as u64;
        self.core.nodes[i].crash();
        self.core.refresh_finality(i, sink);
    }
}
