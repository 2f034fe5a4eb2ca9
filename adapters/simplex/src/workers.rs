//! The threads that talk to the nodes, so the engine's thread never waits on one: per node a
//! **submitter** (sends queued transactions in batches, passes admission refusals back) and a
//! **poller** (follows the node's outcome stream). What they observe goes to the engine's
//! thread through one channel ([`Obs`]), stamped with the run's clock.

use crate::client::{
    Cmd, Health, NodeClient, NodeOutcome, OutcomesAnswer, Submit, SubmitAnswer, SubmitTx,
};
use crate::process::NodeState;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use touchstone_core::time::{Clock, WallClock};
use touchstone_core::{Nanos, Reason, TxId};

/// Most transactions in one `submit` request.
const MAX_BATCH: usize = 2_000;
/// Most outcomes asked for at once.
const MAX_OUTCOMES: usize = 20_000;
/// How long a submitter keeps waiting for the answer of a node that is slow or paused.
const ANSWER_PATIENCE: Duration = Duration::from_secs(60);
/// How long a submitter waits for a running node's endpoint to accept a connection (a node
/// replays its finalized blocks before it listens).
const START_PATIENCE: Duration = Duration::from_secs(30);

/// What the threads observed.
#[derive(Debug)]
pub enum Obs {
    /// New entries of node `node`'s outcome stream (after a restart, the new process's stream
    /// from its start: the blocks it replayed, then the new ones).
    Outcomes { node: usize, outcomes: Vec<NodeOutcome> },
    /// The node refused a transaction at admission.
    Refused { node: usize, tx: TxId, reason: Reason, at: Nanos },
    /// The node could not be reached: these transactions were never delivered.
    Undelivered { node: usize, txs: Vec<TxId>, at: Nanos },
}

/// The harness's view of each node's process state, shared with the threads, and how many
/// times each was started (a connection made to an earlier process is dead).
#[derive(Debug)]
pub struct States {
    state: Vec<AtomicU8>,
    starts: Vec<AtomicU64>,
}

impl States {
    pub fn new(n: usize) -> States {
        States {
            state: (0..n).map(|_| AtomicU8::new(0)).collect(),
            starts: (0..n).map(|_| AtomicU64::new(0)).collect(),
        }
    }
    pub fn set(&self, node: usize, s: NodeState) {
        self.state[node].store(s as u8, Ordering::SeqCst);
    }
    /// The node's process was (re)started and runs.
    pub fn started(&self, node: usize) {
        self.starts[node].fetch_add(1, Ordering::SeqCst);
        self.set(node, NodeState::Running);
    }
    /// How many times the node was started.
    pub fn epoch(&self, node: usize) -> u64 {
        self.starts[node].load(Ordering::SeqCst)
    }
    fn is(&self, node: usize, s: NodeState) -> bool {
        self.state[node].load(Ordering::SeqCst) == s as u8
    }
    pub fn running(&self, node: usize) -> bool {
        self.is(node, NodeState::Running)
    }
    pub fn paused(&self, node: usize) -> bool {
        self.is(node, NodeState::Paused)
    }
    pub fn crashed(&self, node: usize) -> bool {
        self.is(node, NodeState::Crashed)
    }
}

/// Counters of the threads, for the disclosure.
#[derive(Debug, Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub submitted: AtomicU64,
    pub largest_batch: AtomicU64,
    /// Requests written whose answer never came (the node died meanwhile).
    pub lost_answers: AtomicU64,
    pub polls: AtomicU64,
    pub reconnects: AtomicU64,
}

/// The running threads and the queues into them.
#[derive(Debug)]
pub struct Workers {
    pub queues: Vec<Sender<SubmitTx>>,
    pub obs: Receiver<Obs>,
    pub counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts a submitter and a poller for every node at `addrs`.
    pub fn start(addrs: &[SocketAddr], states: Arc<States>, clock: WallClock) -> Workers {
        let (obs_tx, obs) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let counters = Arc::new(Counters::default());
        let mut queues = Vec::new();
        let mut handles = Vec::new();
        for (node, &addr) in addrs.iter().enumerate() {
            let (q, rx) = mpsc::channel();
            queues.push(q);
            let ctx = Ctx {
                node,
                addr,
                states: states.clone(),
                stop: stop.clone(),
                obs: obs_tx.clone(),
                clock,
                counters: counters.clone(),
            };
            let c2 = ctx.clone();
            handles.push(
                std::thread::Builder::new()
                    .name(format!("simplex-submit-n{node}"))
                    .spawn(move || submitter(ctx, rx))
                    .expect("spawn a thread"),
            );
            handles.push(
                std::thread::Builder::new()
                    .name(format!("simplex-poll-n{node}"))
                    .spawn(move || poller(c2))
                    .expect("spawn a thread"),
            );
        }
        Workers { queues, obs, counters, stop, handles }
    }

    /// Asks the threads to stop (they notice within ~100 ms, or when a blocked read times out).
    pub fn signal_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Stops and joins every thread.
    pub fn stop(&mut self) {
        self.signal_stop();
        self.queues.clear();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Debug, Clone)]
struct Ctx {
    node: usize,
    addr: SocketAddr,
    states: Arc<States>,
    stop: Arc<AtomicBool>,
    obs: Sender<Obs>,
    clock: WallClock,
    counters: Arc<Counters>,
}

impl Ctx {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

fn submitter(ctx: Ctx, rx: Receiver<SubmitTx>) {
    let mut conn: Option<NodeClient> = None;
    let mut epoch = ctx.states.epoch(ctx.node);
    loop {
        let first = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(t) => t,
            Err(RecvTimeoutError::Timeout) if !ctx.stopping() => continue,
            Err(_) => return,
        };
        if ctx.stopping() {
            return;
        }
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(t) => batch.push(t),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        // A connection to a process killed since is dead: its first write would be lost.
        if ctx.states.epoch(ctx.node) != epoch {
            epoch = ctx.states.epoch(ctx.node);
            conn = None;
        }
        send_batch(&ctx, &mut conn, &batch);
    }
}

/// Sends one batch; refusals and undelivered transactions go back as [`Obs`].
fn send_batch(ctx: &Ctx, conn: &mut Option<NodeClient>, batch: &[SubmitTx]) {
    let c = &ctx.counters;
    c.batches.fetch_add(1, Ordering::Relaxed);
    c.submitted.fetch_add(batch.len() as u64, Ordering::Relaxed);
    c.largest_batch.fetch_max(batch.len() as u64, Ordering::Relaxed);
    let ids = || batch.iter().filter_map(|t| TxId::parse(&t.tx)).collect::<Vec<_>>();
    if conn.is_none() {
        match connect(ctx) {
            Some(k) => *conn = Some(k),
            None => {
                let at = ctx.clock.now();
                let _ = ctx.obs.send(Obs::Undelivered { node: ctx.node, txs: ids(), at });
                return;
            }
        }
    }
    let k = conn.as_mut().expect("connected above");
    let mut answer = k.ask::<_, SubmitAnswer>(&Submit { cmd: "submit", txs: batch });
    // A slow or paused node answers late: keep reading while it may still answer.
    let mut waited = Duration::ZERO;
    while let Err(crate::client::ClientError::Io { source, .. }) = &answer {
        let timed_out =
            matches!(source.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut);
        if !timed_out || ctx.stopping() || ctx.states.crashed(ctx.node) || waited > ANSWER_PATIENCE
        {
            break;
        }
        waited += Duration::from_millis(500);
        answer = k.read_answer();
    }
    let at = ctx.clock.now();
    match answer {
        Ok(a) => {
            for r in a.results.iter().filter(|r| r.status != "accepted") {
                let Some(tx) = TxId::parse(&r.tx) else { continue };
                let reason =
                    r.reason.as_deref().and_then(Reason::from_code).unwrap_or(Reason::Other);
                let _ = ctx.obs.send(Obs::Refused { node: ctx.node, tx, reason, at });
            }
        }
        Err(e) if !e.maybe_delivered() => {
            *conn = None;
            let _ = ctx.obs.send(Obs::Undelivered { node: ctx.node, txs: ids(), at });
        }
        Err(_) => {
            // Written, never answered: the node may have admitted them before it died. Their
            // outcome stays open (the engine declares them unknown after the timeout, and a
            // later commit is still reported).
            *conn = None;
            c.lost_answers.fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
    }
}

/// A connection to the node's endpoint. A node the harness has just (re)started may not listen
/// yet: while it is meant to run, connecting is retried for up to [`START_PATIENCE`].
fn connect(ctx: &Ctx) -> Option<NodeClient> {
    let mut waited = Duration::ZERO;
    loop {
        match NodeClient::connect(ctx.addr, Duration::from_secs(1), Duration::from_millis(500)) {
            Ok(k) => return Some(k),
            Err(_)
                if ctx.states.running(ctx.node) && !ctx.stopping() && waited < START_PATIENCE =>
            {
                std::thread::sleep(Duration::from_millis(50));
                waited += Duration::from_millis(50);
            }
            Err(_) => return None,
        }
    }
}

fn poller(ctx: Ctx) {
    let mut conn: Option<NodeClient> = None;
    let mut cursor = 0u64;
    let mut boot = None;
    let pause = || std::thread::sleep(Duration::from_millis(50));
    while !ctx.stopping() {
        if !ctx.states.running(ctx.node) {
            conn = None;
            pause();
            continue;
        }
        if conn.is_none() {
            let Ok(mut k) =
                NodeClient::connect(ctx.addr, Duration::from_secs(1), Duration::from_secs(3))
            else {
                pause();
                continue;
            };
            ctx.counters.reconnects.fetch_add(1, Ordering::Relaxed);
            let Ok(h) = k.ask::<_, Health>(&Cmd { cmd: "health" }) else {
                pause();
                continue;
            };
            // A new process starts its outcome stream again from 0 (replaying what it applied).
            if boot.is_some_and(|b| b != h.boot_unix_ns) {
                cursor = 0;
            }
            boot = Some(h.boot_unix_ns);
            conn = Some(k);
        }
        let k = conn.as_mut().expect("connected above");
        let req = crate::client::OutcomesReq {
            cmd: "outcomes",
            since: cursor,
            max: MAX_OUTCOMES,
            wait_ms: 100,
        };
        ctx.counters.polls.fetch_add(1, Ordering::Relaxed);
        match k.ask::<_, OutcomesAnswer>(&req) {
            Ok(a) => {
                cursor = a.next;
                if !a.outcomes.is_empty() {
                    let o = Obs::Outcomes { node: ctx.node, outcomes: a.outcomes };
                    if ctx.obs.send(o).is_err() {
                        return;
                    }
                }
            }
            Err(_) => {
                conn = None;
                pause();
            }
        }
    }
}
