//! [`NetProxy`]: the proxy's runtime, its listeners, and the control calls (all synchronous, so
//! an adapter that is not async drives it directly).

use crate::pump::pump;
use crate::rules::{LinkParams, Mode, Rules};
use crate::shared::{Ends, LinkStat, Peer, Shared, Way};
use crate::source::{sniff, Source};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// How long a cut waits for the connections it closes.
const CUT_WAIT: Duration = Duration::from_secs(2);

/// Errors of the proxy.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("netproxy: cannot start its runtime: {0}")]
    Runtime(std::io::Error),
    #[error("netproxy: cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

/// One listener: connections to `listen` are forwarded to `target`, the node `to`, and come
/// from `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Where the proxy listens (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The node's real address.
    pub target: SocketAddr,
    /// The node behind `target`.
    pub to: String,
    pub from: Source,
}

/// When a change of the rules took effect, measured from the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Effect {
    /// From the call until the change was in force everywhere (for a cut: until every
    /// connection it closes was closed).
    pub elapsed: Duration,
    /// Open connections the change cut.
    pub connections_cut: usize,
}

/// A TCP fault proxy on loopback. Dropping it closes every listener and connection.
#[derive(Debug)]
pub struct NetProxy {
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
    routes: Vec<(Route, SocketAddr)>,
}

impl NetProxy {
    /// Starts the proxy's runtime (two worker threads). `seed` seeds the jitter draws.
    pub fn start(seed: u64) -> Result<NetProxy, ProxyError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("netproxy")
            .enable_all()
            .build()
            .map_err(ProxyError::Runtime)?;
        Ok(NetProxy {
            shared: Arc::new(Shared::new(seed)),
            runtime: Some(runtime),
            routes: Vec::new(),
        })
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the runtime lives as long as the proxy")
    }

    /// Opens a listener for `route`; returns the address it listens on.
    pub fn route(&mut self, route: Route) -> Result<SocketAddr, ProxyError> {
        let listen_err = |source| ProxyError::Listen { addr: route.listen, source };
        let std_listener = std::net::TcpListener::bind(route.listen).map_err(listen_err)?;
        std_listener.set_nonblocking(true).map_err(listen_err)?;
        let addr = std_listener.local_addr().map_err(listen_err)?;
        let listener = {
            let _guard = self.runtime().enter();
            TcpListener::from_std(std_listener).map_err(listen_err)?
        };
        let shared = self.shared.clone();
        let r = route.clone();
        self.runtime().spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((conn, _)) => drop(tokio::spawn(serve(shared.clone(), r.clone(), conn))),
                    // Out of descriptors, say: wait rather than spin.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        });
        self.routes.push((route, addr));
        Ok(addr)
    }

    /// The routes opened so far and the address each listens on.
    pub fn routes(&self) -> &[(Route, SocketAddr)] {
        &self.routes
    }

    /// Maps source tokens (e.g. etcd member ids read from `X-Server-From`) to node names. It
    /// applies to open connections too.
    pub fn identify(&self, map: BTreeMap<String, String>) {
        self.shared.identify(map);
    }

    /// Blocks every link between nodes of different groups, both ways.
    pub fn partition(&self, groups: &[Vec<String>], mode: Mode) -> Effect {
        self.change(|r| r.partition(groups, mode))
    }

    /// Blocks the links from each of `from` to each of `to`, one way.
    pub fn block(&self, from: &[String], to: &[String], mode: Mode) -> Effect {
        self.change(|r| r.block(from, to, mode))
    }

    /// Delays, jitters or caps the links from each of `from` to each of `to`, one way (clear
    /// params restore them).
    pub fn shape(&self, from: &[String], to: &[String], params: LinkParams) -> Effect {
        self.change(|r| r.shape(from, to, params))
    }

    /// Removes every block and shape: held bytes flow, cut links accept connections again.
    pub fn heal(&self) -> Effect {
        self.change(Rules::heal)
    }

    /// The rules in force.
    pub fn rules(&self) -> Rules {
        (*self.shared.rules()).clone()
    }

    /// Bytes delivered per directed link so far.
    pub fn stats(&self) -> Vec<LinkStat> {
        self.shared.stats()
    }

    pub fn open_connections(&self) -> usize {
        self.shared.open_connections()
    }

    fn change(&self, f: impl FnOnce(&mut Rules)) -> Effect {
        #[allow(clippy::disallowed_methods)] // the proxy reports real effect times by design
        let start = std::time::Instant::now();
        let connections_cut = self.shared.update(f);
        while self.shared.cut_but_open() > 0 && start.elapsed() < CUT_WAIT {
            std::thread::sleep(Duration::from_millis(1));
        }
        Effect { elapsed: start.elapsed(), connections_cut }
    }
}

impl Drop for NetProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// One accepted connection: identify its source, refuse it if cut, connect to the target and
/// pump both ways until both end or the rules cut it.
async fn serve(shared: Arc<Shared>, route: Route, mut client: TcpStream) {
    let _ = client.set_nodelay(true);
    let (head, peer) = match &route.from {
        Source::Node(n) => (Vec::new(), Peer::Node(n.clone())),
        Source::Header(name) => {
            let (head, token) = sniff(&mut client, name).await;
            (head, Peer::Token(token))
        }
    };
    let ends = Arc::new(Ends { peer, node: route.to.clone() });
    if shared.is_cut(&ends) {
        return; // dropped: closed on accept
    }
    let Ok(server) = TcpStream::connect(route.target).await else { return };
    let _ = server.set_nodelay(true);
    let id = shared.register(ends.clone());
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up = pump(shared.clone(), ends.clone(), Way::Up, cr, sw, head);
    let down = pump(shared.clone(), ends.clone(), Way::Down, sr, cw, Vec::new());
    let mut rules = shared.subscribe();
    let cut = async {
        while !shared.is_cut(&ends) {
            if rules.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = async { tokio::join!(up, down) } => {}
        _ = cut => {}
    }
    shared.unregister(id);
}
