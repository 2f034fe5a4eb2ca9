//! The state every connection task shares: the rules in force (a `watch` channel, so a held
//! direction wakes when they change), the map from source tokens to node names, per-link
//! counters and bandwidth buckets, and the registry of open connections.

use crate::rules::{Rules, Verdict};
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// The name used for a source the proxy could not identify.
pub const UNKNOWN: &str = "?";

/// Who is at the connecting end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Peer {
    Node(String),
    /// A token read from the connection (resolved through the identification map each time,
    /// so a map given after the connection opened still applies), or none found.
    Token(Option<String>),
}

/// The two ends of a connection: the connecting peer and the node whose listener it reached.
#[derive(Debug)]
pub(crate) struct Ends {
    pub(crate) peer: Peer,
    pub(crate) node: String,
}

/// A direction of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// Connecting peer → listening node.
    Up,
    /// Listening node → connecting peer.
    Down,
}

/// Bytes and chunks delivered on one directed link, and its bandwidth bucket.
#[derive(Debug, Default)]
struct LinkState {
    bytes: u64,
    chunks: u64,
    /// When the link finishes sending what it has accepted so far.
    busy_until: Option<Instant>,
}

/// Counters of one directed link (`from` is [`UNKNOWN`] for unidentified sources).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkStat {
    pub from: String,
    pub to: String,
    pub bytes: u64,
    pub chunks: u64,
}

#[derive(Debug)]
pub(crate) struct Shared {
    rules: watch::Sender<Arc<Rules>>,
    tokens: RwLock<BTreeMap<String, String>>,
    links: Mutex<BTreeMap<(String, String), LinkState>>,
    conns: Mutex<BTreeMap<u64, Arc<Ends>>>,
    next_conn: AtomicU64,
    rng: Mutex<ChaCha8Rng>,
}

impl Shared {
    pub(crate) fn new(seed: u64) -> Self {
        Shared {
            rules: watch::channel(Arc::new(Rules::default())).0,
            tokens: RwLock::default(),
            links: Mutex::default(),
            conns: Mutex::default(),
            next_conn: AtomicU64::new(0),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Arc<Rules>> {
        self.rules.subscribe()
    }

    pub(crate) fn rules(&self) -> Arc<Rules> {
        self.rules.borrow().clone()
    }

    /// Puts `rules` in force; every waiting direction re-reads them. Returns how many open
    /// connections they cut (counted before any is closed).
    pub(crate) fn update(&self, f: impl FnOnce(&mut Rules)) -> usize {
        let conns: Vec<Arc<Ends>> =
            self.conns.lock().expect("connection table poisoned").values().cloned().collect();
        let mut cut = 0;
        // Changed and counted under the channel's lock: concurrent changes do not mix.
        self.rules.send_modify(|r| {
            let rules = Arc::make_mut(r);
            f(rules);
            cut = conns.iter().filter(|e| self.is_cut_under(rules, e)).count();
        });
        cut
    }

    /// Sets token → node entries; wakes held directions, whose source may now be known.
    pub(crate) fn identify(&self, map: BTreeMap<String, String>) {
        self.tokens.write().expect("token map poisoned").extend(map);
        self.rules.send_modify(|_| {});
    }

    /// The node a peer is, if known.
    pub(crate) fn resolve(&self, peer: &Peer) -> Option<String> {
        match peer {
            Peer::Node(n) => Some(n.clone()),
            Peer::Token(Some(t)) => self.tokens.read().expect("token map poisoned").get(t).cloned(),
            Peer::Token(None) => None,
        }
    }

    /// The rules' verdict on direction `way` of a connection.
    pub(crate) fn verdict(&self, ends: &Ends, way: Way) -> Verdict {
        let rules = self.rules.borrow().clone();
        self.verdict_under(&rules, ends, way)
    }

    fn verdict_under(&self, rules: &Rules, ends: &Ends, way: Way) -> Verdict {
        let peer = self.resolve(&ends.peer);
        match (way, peer) {
            (Way::Up, p) => rules.verdict(p.as_deref(), &ends.node),
            (Way::Down, Some(p)) => rules.verdict(Some(&ends.node), &p),
            (Way::Down, None) => rules.verdict_to_unknown(&ends.node),
        }
    }

    /// Whether either direction of the connection is cut.
    pub(crate) fn is_cut(&self, ends: &Ends) -> bool {
        let rules = self.rules.borrow().clone();
        self.is_cut_under(&rules, ends)
    }

    fn is_cut_under(&self, rules: &Rules, ends: &Ends) -> bool {
        use crate::rules::Mode::Cut;
        [Way::Up, Way::Down]
            .into_iter()
            .any(|w| self.verdict_under(rules, ends, w) == Verdict::Blocked(Cut))
    }

    /// A uniform draw in `[0, max]`.
    pub(crate) fn jitter(&self, max: Duration) -> Duration {
        if max.is_zero() {
            return Duration::ZERO;
        }
        let ns = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.lock().expect("rng poisoned").gen_range(0..=ns))
    }

    fn link_key(&self, ends: &Ends, way: Way) -> (String, String) {
        let peer = self.resolve(&ends.peer).unwrap_or_else(|| UNKNOWN.to_string());
        match way {
            Way::Up => (peer, ends.node.clone()),
            Way::Down => (ends.node.clone(), peer),
        }
    }

    /// Reserves the link for `bytes` at `bps`; returns when the last byte has gone out.
    pub(crate) fn reserve_bandwidth(
        &self,
        ends: &Ends,
        way: Way,
        bytes: usize,
        bps: u64,
    ) -> Instant {
        let key = self.link_key(ends, way);
        let took =
            Duration::from_nanos((bytes as u64 * 8).saturating_mul(1_000_000_000) / bps.max(1));
        let mut links = self.links.lock().expect("link table poisoned");
        let link = links.entry(key).or_default();
        let now = Instant::now();
        let start = link.busy_until.map_or(now, |b| b.max(now));
        let done = start + took;
        link.busy_until = Some(done);
        done
    }

    pub(crate) fn delivered(&self, ends: &Ends, way: Way, bytes: usize) {
        let key = self.link_key(ends, way);
        let mut links = self.links.lock().expect("link table poisoned");
        let link = links.entry(key).or_default();
        link.bytes += bytes as u64;
        link.chunks += 1;
    }

    /// Counters of every link that carried bytes, in order.
    pub(crate) fn stats(&self) -> Vec<LinkStat> {
        let links = self.links.lock().expect("link table poisoned");
        links
            .iter()
            .map(|((from, to), l)| LinkStat {
                from: from.clone(),
                to: to.clone(),
                bytes: l.bytes,
                chunks: l.chunks,
            })
            .collect()
    }

    pub(crate) fn register(&self, ends: Arc<Ends>) -> u64 {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        self.conns.lock().expect("connection table poisoned").insert(id, ends);
        id
    }

    pub(crate) fn unregister(&self, id: u64) {
        self.conns.lock().expect("connection table poisoned").remove(&id);
    }

    /// Open connections that the rules cut (still being closed).
    pub(crate) fn cut_but_open(&self) -> usize {
        let conns: Vec<Arc<Ends>> =
            self.conns.lock().expect("connection table poisoned").values().cloned().collect();
        conns.iter().filter(|e| self.is_cut(e)).count()
    }

    pub(crate) fn open_connections(&self) -> usize {
        self.conns.lock().expect("connection table poisoned").len()
    }
}
