//! One direction of one proxied connection: a reader that stamps every chunk with the time it
//! may be delivered (delay, jitter, order kept), and a writer that delivers it then — unless the
//! link is held (it waits) or cut (it stops) — paced by the link's bandwidth.

use crate::rules::{LinkParams, Mode, Verdict};
use crate::shared::{Ends, Shared, Way};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Bytes read at once (a chunk is the unit that is delayed and paced).
const CHUNK: usize = 16 * 1024;
/// Chunks queued per direction before the reader stops reading (≈ 1 MiB): back-pressure.
const QUEUE: usize = 64;

struct Chunk {
    bytes: Vec<u8>,
    deliver_at: Instant,
}

/// Forwards `src` to `dst` in direction `way` of `ends` until `src` ends (then shuts `dst`'s
/// write side, so half-closes pass through), a write fails, or the link is cut. `first` is
/// sent before anything read from `src` (the request head read to identify the source).
pub(crate) async fn pump(
    shared: Arc<Shared>,
    ends: Arc<Ends>,
    way: Way,
    mut src: OwnedReadHalf,
    mut dst: OwnedWriteHalf,
    first: Vec<u8>,
) {
    let (tx, mut rx) = mpsc::channel::<Chunk>(QUEUE);
    let reader = {
        let shared = shared.clone();
        let ends = ends.clone();
        async move {
            let mut last = Instant::now();
            let mut pending = (!first.is_empty()).then_some(first);
            loop {
                let bytes = match pending.take() {
                    Some(b) => b,
                    None => {
                        let mut buf = vec![0u8; CHUNK];
                        let n = tokio::select! {
                            r = src.read(&mut buf) => match r {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            },
                            _ = tx.closed() => break,
                        };
                        buf.truncate(n);
                        buf
                    }
                };
                let now = Instant::now();
                let params = match shared.verdict(&ends, way) {
                    Verdict::Pass(p) => p,
                    Verdict::Blocked(_) => LinkParams::default(),
                };
                let wait = params.delay + shared.jitter(params.jitter);
                last = last.max(now + wait);
                if tx.send(Chunk { bytes, deliver_at: last }).await.is_err() {
                    break;
                }
            }
        }
    };
    let writer = async move {
        while let Some(chunk) = rx.recv().await {
            tokio::time::sleep_until(chunk.deliver_at).await;
            let Some(params) = wait_while_held(&shared, &ends, way).await else { return };
            if let Some(bps) = params.bandwidth_bps {
                let done = shared.reserve_bandwidth(&ends, way, chunk.bytes.len(), bps);
                tokio::time::sleep_until(done).await;
            }
            // Counted as it is handed over, so a reader that got the bytes finds them counted.
            shared.delivered(&ends, way, chunk.bytes.len());
            if dst.write_all(&chunk.bytes).await.is_err() {
                return;
            }
        }
        let _ = dst.shutdown().await;
    };
    tokio::join!(reader, writer);
}

/// Waits while the direction is held; `None` when it is cut (the connection is being closed).
async fn wait_while_held(shared: &Shared, ends: &Ends, way: Way) -> Option<LinkParams> {
    let mut rules = shared.subscribe();
    loop {
        match shared.verdict(ends, way) {
            Verdict::Pass(p) => return Some(p),
            Verdict::Blocked(Mode::Cut) => return None,
            Verdict::Blocked(Mode::Hold) => {
                // A change of the rules or of the identification map may release it; the
                // periodic wake covers a token mapped while waiting.
                let wake = Duration::from_millis(100);
                if let Ok(Err(_)) = tokio::time::timeout(wake, rules.changed()).await {
                    // The proxy is shutting down: no change will come.
                    tokio::time::sleep(wake).await;
                }
            }
        }
    }
}
