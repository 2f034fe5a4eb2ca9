//! The event queue: a binary heap ordered by (time, sequence number), with message envelopes
//! kept in a slab so heap entries stay small.

use super::node::Payload;
use crate::protocol::Timer;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use touchstone_core::Nanos;

/// What happens at one instant.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ev {
    /// The message in this slab slot arrives.
    Deliver(u32),
    /// A node's virtual CPU is free again (valid only if `gen` is the node's current one).
    Cpu { node: u32, gen: u32 },
    /// The timer in this slot of the timer slab fires.
    Timer(u32),
    /// A node sends its batch of newly received client transactions to its peers.
    Gossip(u32),
    /// A node sends again the transactions submitted to it that are still pending.
    Regossip(u32),
    /// Clients send the transactions no node has decided for a while to every node.
    ClientRetry,
}

#[derive(Debug)]
struct Entry {
    t: Nanos,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    // Reversed: the heap pops the earliest (time, seq) first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

/// A message in flight.
#[derive(Debug)]
pub(crate) struct Envelope<M> {
    pub from: u32,
    pub to: u32,
    pub id: u64,
    pub payload: Payload<M>,
}

/// Events in (time, insertion) order; ties are broken by insertion, so runs replay exactly.
#[derive(Debug)]
pub(crate) struct EventQueue<M> {
    heap: BinaryHeap<Entry>,
    seq: u64,
    slab: Vec<Option<Envelope<M>>>,
    free: Vec<u32>,
    timers: Vec<Option<PendingTimer>>,
    free_timers: Vec<u32>,
}

/// A timer set by `node` with generation `gen` (stale if the node set it again since).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingTimer {
    pub node: u32,
    pub gen: u64,
    pub timer: Timer,
}

impl<M> EventQueue<M> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            slab: Vec::with_capacity(1024),
            free: Vec::new(),
            timers: Vec::new(),
            free_timers: Vec::new(),
        }
    }

    pub fn push(&mut self, t: Nanos, ev: Ev) {
        self.seq += 1;
        self.heap.push(Entry { t, seq: self.seq, ev });
    }

    pub fn push_msg(&mut self, t: Nanos, env: Envelope<M>) {
        let slot = match self.free.pop() {
            Some(s) => {
                self.slab[s as usize] = Some(env);
                s
            }
            None => {
                self.slab.push(Some(env));
                (self.slab.len() - 1) as u32
            }
        };
        self.push(t, Ev::Deliver(slot));
    }

    pub fn push_timer(&mut self, t: Nanos, p: PendingTimer) {
        let slot = match self.free_timers.pop() {
            Some(s) => {
                self.timers[s as usize] = Some(p);
                s
            }
            None => {
                self.timers.push(Some(p));
                (self.timers.len() - 1) as u32
            }
        };
        self.push(t, Ev::Timer(slot));
    }

    pub fn take_timer(&mut self, slot: u32) -> PendingTimer {
        self.free_timers.push(slot);
        self.timers[slot as usize].take().expect("a queued timer is in its slot")
    }

    pub fn take_msg(&mut self, slot: u32) -> Envelope<M> {
        self.free.push(slot);
        self.slab[slot as usize].take().expect("a queued message is in its slot")
    }

    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(|e| e.t)
    }

    pub fn pop(&mut self) -> Option<(Nanos, Ev)> {
        self.heap.pop().map(|e| (e.t, e.ev))
    }

    #[allow(dead_code)] // used by tests and diagnostics
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}
