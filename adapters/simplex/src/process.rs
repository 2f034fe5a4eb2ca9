//! One validator process, owned: started, killed (SIGKILL), stopped and continued
//! (SIGSTOP / SIGCONT), and never left behind.
//!
//! Each node runs in a process group of its own, so a Ctrl-C at the terminal reaches the harness
//! (which then stops the run and kills the nodes itself) and not the nodes directly; signals go
//! to the whole group. Three things make sure no node outlives the harness:
//! - [`NodeProcess`]'s `Drop` kills it (also while a panic unwinds);
//! - the adapter kills every node in `shutdown` and in its own `Drop`;
//! - on Linux the node is started with the parent-death signal SIGKILL (`prctl`), so it dies
//!   with the harness even when the harness itself is killed with SIGKILL, or exits at once on a
//!   third Ctrl-C without unwinding.

use rustix::process::{kill_process_group, Pid, Signal};
use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// What the harness last did to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// Not started yet.
    Idle,
    Running,
    /// SIGSTOP: the process exists and keeps its sockets, but runs nothing.
    Paused,
    /// SIGKILL by a crash fault (or the end of the run).
    Crashed,
}

/// A validator process and how to start it again.
#[derive(Debug)]
pub struct NodeProcess {
    pub name: String,
    pub program: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(String, String)>,
    /// The node's stderr, appended to across restarts.
    pub log: PathBuf,
    child: Option<Child>,
    pub state: NodeState,
    /// How many times it was started.
    pub starts: u32,
}

impl NodeProcess {
    pub fn new(
        name: &str,
        program: &Path,
        args: Vec<OsString>,
        envs: Vec<(String, String)>,
        log: PathBuf,
    ) -> NodeProcess {
        NodeProcess {
            name: name.into(),
            program: program.into(),
            args,
            envs,
            log,
            child: None,
            state: NodeState::Idle,
            starts: 0,
        }
    }

    /// Starts the process (again, on the same storage, after a crash).
    pub fn start(&mut self) -> std::io::Result<()> {
        self.kill();
        let log = OpenOptions::new().create(true).append(true).open(&self.log)?;
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .process_group(0);
        die_with_parent(&mut cmd);
        self.child = Some(cmd.spawn()?);
        self.state = NodeState::Running;
        self.starts += 1;
        Ok(())
    }

    /// The process id while it exists.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL to the node's process group, and reaped: no chance to flush or clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            self.signal_group(&c, Signal::KILL);
            let _ = c.kill();
            let _ = c.wait();
        }
        if self.state != NodeState::Idle {
            self.state = NodeState::Crashed;
        }
    }

    /// SIGSTOP: the node stops running, its connections stay open.
    pub fn pause(&mut self) -> std::io::Result<()> {
        self.signal(Signal::STOP)?;
        self.state = NodeState::Paused;
        Ok(())
    }

    /// SIGCONT after [`NodeProcess::pause`].
    pub fn resume(&mut self) -> std::io::Result<()> {
        self.signal(Signal::CONT)?;
        self.state = NodeState::Running;
        Ok(())
    }

    fn signal(&mut self, sig: Signal) -> std::io::Result<()> {
        let Some(c) = &self.child else {
            return Err(std::io::Error::other(format!("{} is not running", self.name)));
        };
        let pid = Pid::from_child(c);
        kill_process_group(pid, sig).map_err(std::io::Error::from)
    }

    fn signal_group(&self, c: &Child, sig: Signal) {
        let _ = kill_process_group(Pid::from_child(c), sig);
    }

    /// `Some(status)` if the process ended (on its own: the harness's kills take the child).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// The last `max` bytes of the node's log, for an error message.
    pub fn log_tail(&self, max: u64) -> String {
        let Ok(mut f) = std::fs::File::open(&self.log) else { return String::new() };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
        let mut s = String::new();
        let _ = f.read_to_string(&mut s);
        s.trim().to_string()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Linux: the child receives SIGKILL when the harness's thread that started it ends (process
/// exit included, however it happens). Elsewhere the `Drop`s are all there is.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    let parent = rustix::process::getpid();
    // SAFETY: the closure runs in the forked child before `exec`; it only makes two system
    // calls (prctl, getppid), which are async-signal-safe, and allocates nothing.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            // The parent may have died before the prctl: then nobody will send the signal.
            if rustix::process::getppid() != Some(parent) {
                return Err(std::io::Error::from_raw_os_error(3)); // ESRCH
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: u32) -> bool {
        // A zombie still answers kill(0); reaped or gone does not.
        rustix::process::test_kill_process(Pid::from_raw(pid as i32).unwrap()).is_ok()
    }

    fn sleeper(dir: &Path) -> NodeProcess {
        NodeProcess::new(
            "n0",
            Path::new("/bin/sleep"),
            vec!["30".into()],
            vec![],
            dir.join("n0.log"),
        )
    }

    #[test]
    fn a_process_is_killed_when_dropped_and_can_be_started_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = sleeper(dir.path());
        p.start().unwrap();
        let first = p.pid().unwrap();
        assert!(alive(first));
        p.kill();
        assert!(!alive(first));
        assert_eq!(p.state, NodeState::Crashed);
        p.start().unwrap();
        let second = p.pid().unwrap();
        assert_eq!(p.starts, 2);
        drop(p);
        assert!(!alive(second));
    }

    /// The process's state letter (`/proc/PID/stat`), once it satisfies `ok` (a signal is
    /// delivered asynchronously), or the last one seen after two seconds.
    fn state_when(pid: u32, ok: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
            last = stat.rsplit(')').next().unwrap().split_whitespace().next().unwrap().to_string();
            if ok(&last) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        last
    }

    #[test]
    fn pause_stops_and_resume_continues_the_process() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = sleeper(dir.path());
        p.start().unwrap();
        let pid = p.pid().unwrap();
        p.pause().unwrap();
        assert_eq!(state_when(pid, |s| s == "T"), "T", "stopped");
        p.resume().unwrap();
        assert_ne!(state_when(pid, |s| s != "T"), "T", "continued");
        assert!(p.exited().is_none());
    }

    #[test]
    fn a_paused_process_still_dies_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = sleeper(dir.path());
        p.start().unwrap();
        let pid = p.pid().unwrap();
        p.pause().unwrap();
        drop(p);
        assert!(!alive(pid));
    }
}
