//! The streaming checker's state, kept across lines (nothing is kept per line).
//!
//! Lines come in through `dispatch`; the handlers of their events live beside it (`consensus`,
//! `decision`, `ground`, `ledger_events`, with the vote rules in `justify` and equivocation per
//! view in `views`), a height leaving the window is judged in `finalize`, and the end of the
//! trace in `verdicts` and `reasons`. Each of those extends [`Checker`]; none is imported here.
//! The fault timeline (`faults`), liveness, progress and the ledger keep their own state.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::CheckError;
use crate::event::{Ctx, LineError};
use crate::faults::Faults;
use crate::findings::Findings;
use crate::height::Heights;
use crate::intern::{FxMap, IdCache, Interner};
use crate::justify::{Links, Lock};
use crate::ledger::Ledger;
use crate::liveness::Liveness;
use crate::model::Model;
use crate::options::CheckOptions;
use crate::progress::Progress;
use crate::report::BadLines;
use crate::views::ViewEntry;

/// An error while handling one line: the line is bad (skippable) or checking must stop.
#[derive(Debug)]
pub(crate) enum EventError {
    Line(LineError),
    Fatal(CheckError),
}

impl From<LineError> for EventError {
    fn from(e: LineError) -> Self {
        EventError::Line(e)
    }
}

/// The result of handling (part of) one line's event.
pub(crate) type EventResult<T> = Result<T, EventError>;

/// An equivocation before names are resolved.
#[derive(Debug, Clone)]
pub(crate) struct RawEquiv {
    pub(crate) node: u32,
    pub(crate) height: u64,
    pub(crate) round: u64,
    pub(crate) what: String,
    pub(crate) blocks: [String; 2],
    pub(crate) lines: [u64; 2],
}

/// Per-node decided-height bookkeeping for `chain` contiguity.
#[derive(Debug, Default, Clone)]
pub(crate) struct NodeChain {
    pub(crate) min: Option<u64>,
    pub(crate) max: u64,
    pub(crate) count: u64,
    /// Gaps seen when a height was skipped: (first missing, last missing, line).
    pub(crate) gaps: Vec<(u64, u64, u64)>,
    /// The last height decided (the highest so far) and the fingerprint of its block, for
    /// view-based protocols whose heights may skip nullified views.
    pub(crate) last: Option<(u64, u64)>,
}

/// Counters behind the "not evaluated" reasons and the notes.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) proposes: u64,
    pub(crate) votes: u64,
    pub(crate) decides: u64,
    pub(crate) correct_decisions: u64,
    pub(crate) agreement_compared: u64,
    pub(crate) quorum_judged: u64,
    pub(crate) quorum_unverifiable: u64,
    pub(crate) validity_judged: u64,
    pub(crate) validity_unverifiable: u64,
    pub(crate) slots_judged: u64,
    pub(crate) app_hash_compared: u64,
    pub(crate) parents_checked: u64,
    pub(crate) late_events: u64,
    pub(crate) late_decides: u64,
    /// Late decisions for heights whose judged block was no longer kept (tx horizon).
    pub(crate) late_uncompared: u64,
    pub(crate) heights_decided: u64,
    pub(crate) steps: u64,
    /// Votes (and Raft decisions) judged by the family's rule, and ones that could not be.
    pub(crate) votes_justified: u64,
    pub(crate) votes_unjudged: u64,
    /// Votes of the type the family's rule needs (prevotes for Tendermint...).
    pub(crate) needed_votes: u64,
    /// Decisions judged by `quorum` from a cert, from votes, or not at all.
    pub(crate) quorum_by_cert: u64,
    pub(crate) quorum_by_votes: u64,
    /// Heights over a per-height limit, and events dropped by a limit.
    pub(crate) overflow_heights: u64,
    pub(crate) dropped_events: u64,
    /// View-based: gaps in a node's decided heights bridged by a matching parent.
    pub(crate) nullified_gaps: u64,
}

/// Fingerprints of reference blocks of heights that left the window.
#[derive(Debug, Default)]
pub(crate) struct PrunedChain {
    pub(crate) base: u64,
    /// (fingerprint, reference node, line); fingerprint 0 = no correct decision.
    pub(crate) entries: Vec<(u64, u32, u64)>,
}

/// All checker state.
#[derive(Debug)]
pub(crate) struct Checker<'o> {
    pub(crate) opts: &'o CheckOptions,
    pub(crate) ctx: Ctx,
    pub(crate) source: String,
    pub(crate) line: u64,
    pub(crate) events: u64,
    pub(crate) last_t: (u64, u64),
    pub(crate) last_seq: Option<(u64, u64)>,
    pub(crate) run_start_line: Option<u64>,
    pub(crate) protocol: String,
    pub(crate) seed: Option<String>,
    pub(crate) scenario: Option<String>,
    pub(crate) adapter: Option<String>,
    /// `t_ns` of the line being handled.
    pub(crate) t_now: u64,
    pub(crate) run_end_line: Option<u64>,
    pub(crate) run_validators: Vec<(String, u64)>,
    pub(crate) model: Model,
    pub(crate) vtypes: Interner,
    pub(crate) heights: Heights,
    pub(crate) open_votes: usize,
    pub(crate) pruned_below: u64,
    pub(crate) pruned: PrunedChain,
    pub(crate) watermark: Option<u64>,
    pub(crate) findings: Findings,
    pub(crate) equivs: Vec<RawEquiv>,
    pub(crate) equivs_total: u64,
    pub(crate) equivocators: BTreeSet<u32>,
    pub(crate) evidence: Vec<(u32, u32, u64, u64, u64)>,
    pub(crate) node_chain: Vec<NodeChain>,
    pub(crate) ledger: Ledger,
    pub(crate) live: Liveness,
    pub(crate) faults: Faults,
    pub(crate) progress: Progress,
    /// Per node: voted, proposed, decided, decided with a cert (trace completeness).
    pub(crate) node_flags: Vec<u8>,
    /// View-based protocols: the first proposal and vote of each kind per (node, view).
    pub(crate) view_first: FxMap<(u32, u64, u8), ViewEntry>,
    pub(crate) view_swept: u64,
    /// HotStuff: proposed blocks, and each node's lock.
    pub(crate) links: Links,
    pub(crate) locks: Vec<Option<Lock>>,
    /// The vote type the family's rule needs (counted to tell "lacks the votes").
    pub(crate) needed_vt: Option<u8>,
    /// Heights over a per-height limit (the first few), not judged.
    pub(crate) overflowed: Vec<u64>,
    pub(crate) stats: Stats,
    pub(crate) unknown_kinds: BTreeMap<String, u64>,
    pub(crate) bad: BadLines,
    pub(crate) first_disagreement: Option<u64>,
    /// Direct-mapped cache of node ids in front of `model.nodes`.
    pub(crate) node_cache: IdCache,
    /// The same for assets (a trace names a few, on every transfer).
    pub(crate) asset_cache: IdCache,
    /// Reused buffers for a decision's cert and txs.
    pub(crate) scratch_cert: Vec<u32>,
    pub(crate) scratch_txs: Vec<u32>,
    /// Raw text of the signer list interned into `scratch_cert` (when `cert_raw_valid`).
    pub(crate) cert_raw: Vec<u8>,
    pub(crate) cert_raw_valid: bool,
    /// Raw text of the last tx list interned, and its ids (when `txs_raw_valid`).
    pub(crate) txs_raw: Vec<u8>,
    pub(crate) txs_raw_ids: Vec<u32>,
    pub(crate) txs_raw_valid: bool,
    /// Reused buffers for judging a height.
    pub(crate) scratch_decs: Vec<crate::height::Dec>,
    pub(crate) scratch_firsts: Vec<crate::height::Dec>,
    /// Per node, its index among a height's first decisions (judging agreement).
    pub(crate) scratch_node_first: Vec<u32>,
    pub(crate) scratch_keys: Vec<crate::height::TallyKey>,
    /// 1.2: the raw `run.start.chains` array of a multi-chain trace, until `chains` takes it.
    pub(crate) chains_decl: Option<String>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("max_depth", &self.max_depth).finish()
    }
}

impl<'o> Checker<'o> {
    /// Hands the memory of a finished check (the ledger's tables, the open heights' states:
    /// hundreds of thousands of allocations on a long trace) to a thread of its own to free,
    /// so that the report is returned without waiting for it. Freed here when no thread can
    /// be started.
    pub(crate) fn free_elsewhere(&mut self) {
        let heavy = (
            std::mem::take(&mut self.ledger),
            std::mem::take(&mut self.heights),
            std::mem::take(&mut self.view_first),
        );
        // On failure the closure, and `heavy` with it, is dropped here.
        let _ = std::thread::Builder::new().name("checker-free".into()).spawn(move || drop(heavy));
    }

    pub(crate) fn new(source: &str, opts: &'o CheckOptions) -> Self {
        let l = &opts.limits;
        Checker {
            opts,
            ctx: Ctx { max_depth: l.max_depth, max_id: l.max_id_bytes },
            source: source.to_string(),
            line: 0,
            events: 0,
            last_t: (0, 0),
            last_seq: None,
            run_start_line: None,
            protocol: String::new(),
            seed: None,
            scenario: None,
            adapter: None,
            t_now: 0,
            run_end_line: None,
            run_validators: Vec::new(),
            model: Model::default(),
            vtypes: Interner::default(),
            heights: Heights::default(),
            open_votes: 0,
            pruned_below: 0,
            pruned: PrunedChain::default(),
            watermark: None,
            findings: Findings::new(l.max_findings_per_property),
            equivs: Vec::new(),
            equivs_total: 0,
            equivocators: BTreeSet::new(),
            evidence: Vec::new(),
            node_chain: Vec::new(),
            ledger: Ledger::default(),
            live: Liveness::default(),
            faults: Faults::default(),
            progress: Progress::default(),
            node_flags: Vec::new(),
            view_first: FxMap::default(),
            view_swept: 0,
            links: Links::default(),
            locks: Vec::new(),
            needed_vt: None,
            overflowed: Vec::new(),
            stats: Stats::default(),
            unknown_kinds: BTreeMap::new(),
            bad: BadLines::default(),
            first_disagreement: None,
            node_cache: IdCache::default(),
            asset_cache: IdCache::default(),
            scratch_cert: Vec::new(),
            scratch_txs: Vec::new(),
            cert_raw: Vec::new(),
            cert_raw_valid: false,
            txs_raw: Vec::new(),
            txs_raw_ids: Vec::new(),
            txs_raw_valid: false,
            scratch_decs: Vec::new(),
            scratch_firsts: Vec::new(),
            scratch_node_first: Vec::new(),
            scratch_keys: Vec::new(),
            chains_decl: None,
        }
    }

    /// A fatal limit error at the current line.
    pub(crate) fn limit(&self, what: &str, limit: usize) -> EventError {
        EventError::Fatal(CheckError::LimitExceeded {
            source_name: self.source.clone(),
            line: self.line,
            what: what.to_string(),
            limit: limit as u64,
        })
    }

    /// Interns a node id (bounded).
    #[inline]
    pub(crate) fn node(&mut self, id: &str) -> EventResult<u32> {
        self.node_bytes(id.as_bytes())
    }

    /// Interns a node id given as the bytes of a valid UTF-8 string (bounded).
    #[inline]
    pub(crate) fn node_bytes(&mut self, id: &[u8]) -> EventResult<u32> {
        if let Some(n) = self.node_cache.get(id) {
            return Ok(n);
        }
        let limit = self.opts.limits.max_nodes;
        match self.model.nodes.intern_bytes(id, limit) {
            Some(n) => {
                self.node_cache.put(id, n);
                Ok(n)
            }
            None => Err(self.limit("number of distinct node ids", limit)),
        }
    }
}
