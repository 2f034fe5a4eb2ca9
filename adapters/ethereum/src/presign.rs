//! Pre-signed load, as Diablo prepares its workload: the scenario's transfers are signed before
//! the clock starts, so the measured phases only send bytes.
//!
//! The engine draws each transaction from the scenario's workload program, seeded by the run's
//! seed. For the open-loop `payments` program the draws do not depend on outcomes or times, so
//! the adapter builds the same program with the same seed (`touchstone_core::program::build`)
//! and draws the same sequence ahead: transfer `k` of the run is draw `k`. Each is signed with
//! the nonce its account will have if every earlier one of that account is accepted. At submit,
//! the request is compared with draw `k`; the pre-signed bytes are used only if the transfer is
//! the same and its account's nonce is the one signed (a refused transaction shifts the
//! account's nonces: its later ones are signed at send time). A request that differs from its
//! draw turns pre-signing off for the rest of the run (said in the disclosure).
//!
//! **Memory**: about 330 bytes per transaction (hash, signed bytes as hex, the transfer to
//! compare). Up to `presign_max` (default 200,000, ≈ 66 MB) are signed before the clock
//! starts; a longer run streams: a thread signs the following ones while the run goes, at most
//! `presign_max` ahead, and a transfer whose bytes are not ready yet is signed at send time.

use crate::keys::{Address, Key};
use crate::submit::Presigned;
use crate::tx::{Fees, Transfer};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::sync::Arc;
use touchstone_core::program::{self, Next};
use touchstone_core::scenario::WorkloadSpec;
use touchstone_core::{Operation, Seed};

/// One transfer drawn and signed ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Drawn {
    pub from: usize,
    pub to: usize,
    pub value: u128,
    pub pre: Presigned,
}

/// What the signer needs: the chain's parameters and the accounts.
#[derive(Debug, Clone)]
pub(crate) struct SignSpec {
    pub workload: WorkloadSpec,
    pub validators: usize,
    pub seed: Seed,
    pub asset: String,
    pub chain_id: u64,
    pub fees: Fees,
    pub index: Arc<BTreeMap<String, usize>>,
    pub keys: Arc<[Key]>,
    pub addresses: Arc<[Address]>,
    /// Each account's nonce when the run starts.
    pub nonces: Vec<u64>,
}

/// The draws signed ahead, in order, and the stream of later ones.
#[derive(Debug)]
pub(crate) struct PresignedLoad {
    ready: VecDeque<(u64, Drawn)>,
    /// Index of the next submission (draw `k`).
    next: u64,
    stream: Option<Receiver<(u64, Drawn)>>,
    stop: Arc<AtomicBool>,
    /// Why pre-signing stopped, when it did.
    pub off: Option<String>,
    /// How many were signed before the clock started.
    pub signed_ahead: usize,
}

impl Drop for PresignedLoad {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The program's transfers in draw order; `None` when the program is not one whose
/// draws can be foreseen, or draws something other than a native-coin transfer.
fn draws(spec: &SignSpec) -> Option<impl Iterator<Item = (usize, usize, u128)> + '_> {
    if spec.workload.program != "payments" {
        return None;
    }
    let mut p = program::build(&spec.workload, spec.seed, spec.validators).ok()?;
    Some(std::iter::from_fn(move || match p.next(0, 0) {
        Next::Send(ptx) => match ptx.op {
            Operation::Transfer { from, to, asset, amount } if asset == spec.asset => {
                Some((*spec.index.get(&from)?, *spec.index.get(&to)?, amount))
            }
            _ => None,
        },
        _ => None,
    }))
}

/// Signs draws `(from, to, value, nonce)`.
fn sign(spec: &SignSpec, batch: &[(usize, usize, u128, u64)]) -> Vec<Drawn> {
    batch
        .iter()
        .map(|&(from, to, value, nonce)| {
            let t = Transfer {
                chain_id: spec.chain_id,
                nonce,
                to: spec.addresses[to],
                value,
                fees: spec.fees,
            };
            let tx = t.sign(&spec.keys[from]);
            Drawn {
                from,
                to,
                value,
                pre: Presigned { nonce, hash: tx.hash, hex: tx.raw_hex().into() },
            }
        })
        .collect()
}

/// Signs `batch` on every core.
fn sign_parallel(spec: &SignSpec, batch: &[(usize, usize, u128, u64)]) -> Vec<Drawn> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
    let chunk = batch.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = batch.chunks(chunk).map(|c| s.spawn(move || sign(spec, c))).collect();
        parts.into_iter().flat_map(|h| h.join().expect("signing does not panic")).collect()
    })
}

impl PresignedLoad {
    /// Signs the first `min(expected, max)` draws now (on every core) and, when the run holds
    /// more, starts the streaming signer. `None` when the program's draws cannot be foreseen.
    pub fn prepare(spec: SignSpec, expected: u64, max: usize) -> Option<PresignedLoad> {
        let ahead = (expected as usize).min(max);
        let mut counts = vec![0u64; spec.nonces.len()];
        let mut with_nonce = |(from, to, value): (usize, usize, u128)| {
            let nonce = spec.nonces[from] + counts[from];
            counts[from] += 1;
            (from, to, value, nonce)
        };
        let first: Vec<_> = draws(&spec)?.take(ahead).map(&mut with_nonce).collect();
        let ready: VecDeque<(u64, Drawn)> = sign_parallel(&spec, &first)
            .into_iter()
            .enumerate()
            .map(|(k, d)| (k as u64, d))
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let stream = (expected as usize > ahead).then(|| {
            let (tx, rx) = std::sync::mpsc::sync_channel(max.max(1));
            let (spec, stop) = (spec.clone(), stop.clone());
            let skip = first.len();
            std::thread::Builder::new()
                .name("eth-presign".into())
                .spawn(move || stream_from(spec, skip, counts, tx, &stop))
                .ok()
                .map(|_| rx)
        });
        let signed_ahead = ready.len();
        Some(PresignedLoad {
            ready,
            next: 0,
            stream: stream.flatten(),
            stop,
            off: None,
            signed_ahead,
        })
    }

    /// The pre-signed bytes for submission `k` (the next), if it is the transfer drawn for it.
    pub fn take(&mut self, from: usize, to: usize, value: u128) -> Option<Box<Presigned>> {
        let k = self.next;
        self.next += 1;
        if self.off.is_some() {
            return None;
        }
        let d = self.draw(k)?;
        if (d.from, d.to, d.value) != (from, to, value) {
            self.turn_off(format!(
                "submission {k} is not the transfer the scenario's program drew for it: pre-signing off, signed at send time from then on"
            ));
            return None;
        }
        Some(Box::new(d.pre))
    }

    /// Draw `k`, from those signed ahead or the streaming signer, if it is ready (older ones
    /// are dropped: their submissions were signed at send time).
    fn draw(&mut self, k: u64) -> Option<Drawn> {
        loop {
            if self.ready.is_empty() {
                match self.stream.as_ref()?.try_recv() {
                    Ok(item) => self.ready.push_back(item),
                    Err(TryRecvError::Empty) => return None,
                    Err(TryRecvError::Disconnected) => {
                        self.stream = None;
                        return None;
                    }
                }
            }
            match self.ready.front() {
                Some((i, _)) if *i < k => {
                    self.ready.pop_front();
                }
                Some((i, _)) if *i == k => return self.ready.pop_front().map(|(_, d)| d),
                _ => return None,
            }
        }
    }

    fn turn_off(&mut self, why: String) {
        self.off = Some(why);
        self.ready.clear();
        self.stream = None;
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The streaming signer: draws on from `skip`, signs, and hands them over in order, at most a
/// channel's worth ahead of the run.
fn stream_from(
    spec: SignSpec,
    skip: usize,
    mut counts: Vec<u64>,
    tx: SyncSender<(u64, Drawn)>,
    stop: &AtomicBool,
) {
    let Some(all) = draws(&spec) else { return };
    for (k, (from, to, value)) in all.enumerate().skip(skip) {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let nonce = spec.nonces[from] + counts[from];
        counts[from] += 1;
        let d = sign(&spec, &[(from, to, value, nonce)]).remove(0);
        if tx.send((k as u64, d)).is_err() {
            return;
        }
    }
}
