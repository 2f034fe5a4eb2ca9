//! Catch-up: commit certificates for lagging or restarted nodes.

use super::msg::{CommitCert, TmMsg, VoteType};
use super::{Tendermint, SYNC_BATCH};
use crate::protocol::{Env, NodeIdx};

/// Certificates for heights above the next one kept while catching up.
const PENDING_CAP: usize = 64;

impl Tendermint {
    /// A peer sent a message of an old height: send it the certificates from there.
    pub(super) fn help_lagging(&mut self, to: NodeIdx, height: u64, env: &mut dyn Env<TmMsg>) {
        let now = env.now();
        if let Some(&(h, t)) = self.helped.get(&to) {
            if h >= height && now < t + self.cfg.timeout / 2 {
                return;
            }
        }
        self.helped.insert(to, (height, now));
        self.send_certs(to, height, env);
    }

    fn send_certs(&mut self, to: NodeIdx, from_height: u64, env: &mut dyn Env<TmMsg>) {
        let last = (from_height + SYNC_BATCH - 1).min(self.height - 1);
        for h in from_height..=last {
            if let Some(cert) = self.chain.get(&h) {
                let more = h == last && last + 1 < self.height;
                env.send(to, TmMsg::Commit { cert: cert.clone(), more });
            }
        }
    }

    /// A peer is ahead: ask it for certificates (at most once per half base timeout).
    pub(super) fn ask_status(&mut self, to: NodeIdx, env: &mut dyn Env<TmMsg>) {
        let now = env.now();
        if self.last_status_at.is_some_and(|t| now < t + self.cfg.timeout / 2) {
            return;
        }
        self.last_status_at = Some(now);
        env.send(to, TmMsg::Status { next: self.height });
    }

    pub(super) fn on_status(&mut self, from: NodeIdx, next: u64, env: &mut dyn Env<TmMsg>) {
        if next >= 1 && next < self.height {
            self.helped.insert(from, (next, env.now()));
            self.send_certs(from, next, env);
        }
    }

    /// Whether a certificate is well formed: distinct known signers with a quorum of power.
    pub(super) fn cert_ok(&self, cert: &CommitCert) -> bool {
        let n = self.cfg.n();
        let distinct = cert.signers.windows(2).all(|w| w[0] < w[1]);
        distinct
            && cert.signers.iter().all(|&s| s < n)
            && self.cfg.is_quorum(self.cfg.power_of(cert.signers.iter().copied()))
    }

    pub(super) fn on_commit_cert(
        &mut self,
        from: NodeIdx,
        cert: CommitCert,
        more: bool,
        env: &mut dyn Env<TmMsg>,
    ) {
        let h = cert.block.height;
        if h < self.height || !self.cert_ok(&cert) {
            return;
        }
        if h > self.height {
            if self.pending_certs.len() < PENDING_CAP {
                self.pending_certs.insert(h, cert);
            }
            self.ask_status(from, env);
            return;
        }
        // Signers whose precommit we hold for another value at that round equivocated.
        if let Some(rv) = self.votes.get(cert.round, VoteType::Precommit) {
            for &s in &cert.signers {
                if rv.vote_of(s).is_some_and(|v| v != Some(cert.block.id)) {
                    env.trace_evidence("duplicate_vote", &[s], h, cert.round);
                }
            }
        }
        if cert.block.parent != self.parent_id() {
            return;
        }
        self.blocks.insert(cert.block.id, cert.block.clone());
        if !self.is_valid(cert.block.id, env) {
            return;
        }
        self.decide(cert, env);
        if more {
            self.last_status_at = None;
            self.ask_status(from, env);
        }
    }
}
