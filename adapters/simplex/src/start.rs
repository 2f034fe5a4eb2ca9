//! `prepare`: storage and genesis, the processes started and answering, the Byzantine
//! validators named in the trace, the worker threads, and a live chain before the load.

use crate::adapter::{write_roles, SimplexAdapter};
use crate::client::{Cmd, Health, NodeClient};
use crate::cluster::{Cluster, ClusterError};
use crate::links::Links;
use crate::merge::Merger;
use crate::workers::Workers;
use std::net::SocketAddr;
use std::time::Duration;
use touchstone_core::adapter::{AdapterError, EventSink, Setup};
use touchstone_core::time::{Clock, Human};

pub(crate) fn prepare(
    a: &mut SimplexAdapter,
    setup: &Setup,
    sink: &mut dyn EventSink,
) -> Result<(), AdapterError> {
    if a.cluster.is_some() {
        return Err(a.other("prepare was called twice"));
    }
    let t0 = a.clock.now();
    // Free ports are found by binding and releasing them; another process may take one before
    // a node binds it. A node that exits at start because its address is taken is not the
    // chain's fault: the processes are stopped and started again on fresh ports.
    let mut attempt = 1;
    loop {
        match launch(a, setup) {
            Ok(()) => break,
            Err(e) if attempt < PORT_ATTEMPTS && port_taken(&e) => {
                a.cluster = None; // Drop kills what started
                a.links = None;
                a.merger = None;
                attempt += 1;
            }
            Err(e) => return Err(cluster_error(a, e)),
        }
    }
    if attempt > 1 {
        a.notes.insert(
            "ports".into(),
            format!("started on attempt {attempt}: a port was taken between choice and bind"),
        );
    }
    let ready = a.clock.now();
    a.notes.insert(
        "startup".into(),
        format!(
            "{} validator processes answering {} after their start",
            a.names.len(),
            Human(ready - t0)
        ),
    );
    write_roles(a, sink);
    let clients = a.cluster.as_ref().expect("set above").clients.clone();
    a.workers = Some(Workers::start(&clients, a.states.clone(), a.clock));
    wait_live(a, &clients, sink)
}

/// Attempts to start a node at once when a free port was taken meanwhile.
const PORT_ATTEMPTS: u32 = 3;

fn port_taken(e: &ClusterError) -> bool {
    matches!(e, ClusterError::Exited { tail, .. } if tail.contains("Address already in use"))
}

/// Storage, genesis, the proxy and the processes, started and answering.
fn launch(a: &mut SimplexAdapter, setup: &Setup) -> Result<(), ClusterError> {
    // Every link through the fault proxy (unless configured off): started once the nodes'
    // p2p ports are known, on the first address asked for.
    let (proxy, names, net) = (a.cfg.proxy, a.names.clone(), a.network.clone());
    let seed = setup.seed.derive("netproxy").0;
    let mut links: Option<Links> = None;
    let mut peers = |i: usize, j: usize, p2p: &[SocketAddr]| -> Result<SocketAddr, String> {
        if !proxy {
            return Ok(p2p[j]);
        }
        if links.is_none() {
            links = Some(Links::start(seed, &names, p2p, &net).map_err(|e| e.to_string())?);
        }
        Ok(links.as_ref().expect("set above").addr(i, j))
    };
    let cluster = Cluster::create(
        &a.binary,
        &a.names,
        &a.modes,
        &a.params,
        setup,
        a.cfg.storage.as_deref(),
        &mut peers,
    )?;
    a.links = links;
    a.merger = Some(Merger::new(cluster.traces.clone(), a.unix_zero));
    // Owned by the adapter from now on: its Drop kills whatever started, whatever fails next.
    a.cluster = Some(cluster);
    for i in 0..a.names.len() {
        a.cluster.as_mut().expect("set above").start(i)?;
        a.states.started(i);
    }
    for i in 0..a.names.len() {
        let (clock, timeout) = (a.clock, a.cfg.startup_timeout);
        a.cluster.as_mut().expect("set above").wait_ready(i, &clock, timeout)?;
    }
    Ok(())
}

/// Waits until every correct validator has finalized a first height (a live chain), passing
/// the trace lines on meanwhile; gives up after `live_timeout` and says so in the disclosure.
fn wait_live(
    a: &mut SimplexAdapter,
    clients: &[SocketAddr],
    sink: &mut dyn EventSink,
) -> Result<(), AdapterError> {
    let start = a.clock.now();
    let deadline = start + a.cfg.live_timeout;
    loop {
        a.collect(sink, true)?;
        let mut all = true;
        for (i, addr) in clients.iter().enumerate() {
            if !a.finality.counts(i) {
                continue;
            }
            let h = NodeClient::connect(*addr, Duration::from_millis(500), Duration::from_secs(2))
                .and_then(|mut c| c.ask::<_, Health>(&Cmd { cmd: "health" }));
            all &= h.is_ok_and(|h| h.height >= 1);
        }
        let now = a.clock.now();
        if all {
            a.notes.insert(
                "live".into(),
                format!(
                    "every correct validator had finalized height 1 {} after they answered",
                    Human(now - start)
                ),
            );
            return Ok(());
        }
        if now >= deadline {
            a.notes.insert(
                "live".into(),
                format!(
                    "NOT every correct validator had finalized a height {} after they answered: \
                     the load started anyway",
                    Human(now - start)
                ),
            );
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn cluster_error(a: &SimplexAdapter, e: ClusterError) -> AdapterError {
    a.other(e.to_string())
}
