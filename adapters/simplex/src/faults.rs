//! Fault injection, done to the real processes: **crash** = SIGKILL (no chance to flush or
//! say goodbye); **restart** = the same binary started again on the same storage, so it
//! resumes from its consensus journal and finalized-block log and fetches what it missed;
//! **pause** / **resume** = SIGSTOP / SIGCONT (the process keeps its sockets, its peers see a
//! node that stopped answering). **partition** / **heal** / **link**: done by the fault proxy
//! between the validators (`links.rs`): a partition cuts every connection between groups and
//! refuses new ones until heal; heal restores the scenario's link model.

use crate::adapter::SimplexAdapter;
use crate::process::NodeState;
use touchstone_core::adapter::{EventSink, FaultControl, FaultError};
use touchstone_core::scenario::FaultAction;
use touchstone_core::Nanos;

impl SimplexAdapter {
    /// The indices of `nodes`, or an error naming the first unknown one.
    fn targets(&self, nodes: &[String]) -> Result<Vec<usize>, FaultError> {
        nodes
            .iter()
            .map(|n| {
                self.index_of(n).ok_or_else(|| {
                    FaultError::Failed(format!(
                        "no validator {n:?} (this network has {})",
                        self.names.join(", ")
                    ))
                })
            })
            .collect()
    }

    fn crash(&mut self, i: usize, now: Nanos, sink: &mut dyn EventSink) {
        if let Some(c) = self.cluster.as_mut() {
            c.nodes[i].kill();
        }
        self.states.set(i, NodeState::Crashed);
        for o in self.finality.set_up(i, false, now) {
            sink.outcome(o);
        }
    }

    fn restart(
        &mut self,
        i: usize,
        now: Nanos,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        if self.states.running(i)
            || self.cluster.as_ref().is_some_and(|c| c.nodes[i].state == NodeState::Paused)
        {
            // A restart of a running node is a crash and a start.
            self.crash(i, now, sink);
        }
        let c = self.cluster.as_mut().ok_or_else(|| FaultError::Failed("not prepared".into()))?;
        c.start(i).map_err(|e| FaultError::Failed(e.to_string()))?;
        self.states.started(i);
        let others = (0..self.names.len()).filter(|&j| j != i && self.finality.counts(j));
        let target = others.map(|j| self.heights[j]).max().unwrap_or(0);
        self.catching_up[i] = Some((target, now));
        self.finality.set_up(i, true, now);
        Ok(())
    }

    fn pause(&mut self, i: usize, now: Nanos, sink: &mut dyn EventSink) -> Result<(), FaultError> {
        let c = self.cluster.as_mut().ok_or_else(|| FaultError::Failed("not prepared".into()))?;
        let p = &mut c.nodes[i];
        if p.state != NodeState::Running {
            return Err(FaultError::Failed(format!("{} is not running ({:?})", p.name, p.state)));
        }
        p.pause().map_err(|e| FaultError::Failed(format!("SIGSTOP {}: {e}", p.name)))?;
        self.states.set(i, NodeState::Paused);
        for o in self.finality.set_up(i, false, now) {
            sink.outcome(o);
        }
        Ok(())
    }

    fn resume(&mut self, i: usize, now: Nanos) -> Result<(), FaultError> {
        let c = self.cluster.as_mut().ok_or_else(|| FaultError::Failed("not prepared".into()))?;
        let p = &mut c.nodes[i];
        if p.state != NodeState::Paused {
            return Err(FaultError::Failed(format!("{} is not paused ({:?})", p.name, p.state)));
        }
        p.resume().map_err(|e| FaultError::Failed(format!("SIGCONT {}: {e}", p.name)))?;
        self.states.set(i, NodeState::Running);
        self.finality.set_up(i, true, now);
        Ok(())
    }
}

impl FaultControl for SimplexAdapter {
    fn apply(
        &mut self,
        now: Nanos,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        // What the nodes reported up to the fault is passed on first, so the trace shows the
        // fault after them.
        let _ = self.collect(sink, true);
        match action {
            FaultAction::Crash { nodes } => {
                for i in self.targets(nodes)? {
                    self.crash(i, now, sink);
                }
                Ok(())
            }
            FaultAction::Restart { nodes } => {
                for i in self.targets(nodes)? {
                    self.restart(i, now, sink)?;
                }
                Ok(())
            }
            FaultAction::Pause { nodes } => {
                for i in self.targets(nodes)? {
                    self.pause(i, now, sink)?;
                }
                Ok(())
            }
            FaultAction::Resume { nodes } => {
                for i in self.targets(nodes)? {
                    self.resume(i, now)?;
                }
                Ok(())
            }
            FaultAction::Partition { groups } => {
                let links = self.links.as_mut().ok_or(FaultError::NotSupported(action.kind()))?;
                for n in groups.iter().flatten() {
                    if !self.names.contains(n) {
                        return Err(FaultError::Failed(format!("no validator {n:?}")));
                    }
                }
                links.partition(now, groups);
                Ok(())
            }
            FaultAction::Heal => {
                let links = self.links.as_mut().ok_or(FaultError::NotSupported(action.kind()))?;
                links.heal(now);
                self.healed = Some(now);
                Ok(())
            }
            FaultAction::Link { nodes, to, link } => {
                self.targets(nodes)?;
                self.targets(to)?;
                let names = self.names.clone();
                let links = self.links.as_mut().ok_or(FaultError::NotSupported(action.kind()))?;
                links.shape(now, &names, nodes, to, link);
                Ok(())
            }
            other => Err(FaultError::NotSupported(other.kind())),
        }
    }
}
