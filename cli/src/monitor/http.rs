//! The monitor's HTTP side, on one loopback port: `/metrics` (Prometheus text exposition, the
//! OpenMetrics format of the `prometheus-client` crate), `/` (the live dashboard, one page
//! with no external resource) and `/api/state` (the JSON the dashboard polls). It runs on a
//! small tokio runtime of its own thread; the monitor's loop never waits on it.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The dashboard page (self-contained: inline CSS and script).
const DASHBOARD: &str = include_str!("dashboard.html");
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What the server shows; the monitor's loop writes it.
#[derive(Debug)]
pub struct Shared {
    pub registry: Registry,
    /// The dashboard's state, as JSON.
    pub state: Mutex<String>,
}

/// A running server; stopped on [`Server::stop`] or drop.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Binds `addr` (here, so a taken port is an error of the command) and serves `shared`.
pub fn serve(addr: SocketAddr, shared: Arc<Shared>) -> std::io::Result<Server> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/api/state", get(state))
        .route("/", get(|| async { Html(DASHBOARD) }))
        .with_state(shared);
    let thread = std::thread::Builder::new().name("monitor-http".into()).spawn(move || {
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else { return };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
    })?;
    Ok(Server { addr, shutdown: Some(tx), thread: Some(thread) })
}

async fn metrics(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &s.registry).is_err() {
        body.clear();
    }
    ([(CONTENT_TYPE, OPENMETRICS)], body)
}

async fn state(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    let body = s.state.lock().unwrap_or_else(|e| e.into_inner()).clone();
    ([(CONTENT_TYPE, "application/json")], body)
}

impl Server {
    /// Stops serving and waits up to 2 s for open connections to finish (a browser holding a
    /// keep-alive connection must not hold the monitor's exit).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            for _ in 0..40 {
                if t.is_finished() {
                    let _ = t.join();
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
