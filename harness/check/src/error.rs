//! Errors: the input could not be checked. A property violation is never an error: it is a
//! [`crate::Finding`].

/// Why a trace could not be checked.
#[derive(thiserror::Error, Debug)]
pub enum CheckError {
    /// The trace could not be opened or read (including corrupt gzip data).
    #[error("{path}: {source}")]
    Io {
        /// The path (or `-` for standard input).
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line is not JSON, lacks a required field, or has a field of the wrong type.
    #[error("{source_name}:{line}: field `{field}`: {message}")]
    BadLine {
        /// The trace's name.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// The offending field (`<line>` when the line as a whole is bad).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// `t_ns` decreased from one line to the next.
    #[error("{source_name}:{line}: field `t_ns`: time went backwards ({t_ns} < {previous} on line {previous_line})")]
    Order {
        /// The trace's name.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// This line's `t_ns`.
        t_ns: u64,
        /// The previous line's `t_ns`.
        previous: u64,
        /// The previous event's line.
        previous_line: u64,
    },
    /// `seq` did not strictly increase.
    #[error("{source_name}:{line}: field `seq`: {seq} does not exceed {previous} (line {previous_line})")]
    SeqOrder {
        /// The trace's name.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// This line's `seq`.
        seq: u64,
        /// The previous `seq`.
        previous: u64,
        /// The line of the previous `seq`.
        previous_line: u64,
    },
    /// A second `run.start`.
    #[error("{source_name}:{line}: duplicate run.start (the first is on line {first_line})")]
    DuplicateRunStart {
        /// The trace's name.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// Line of the first `run.start`.
        first_line: u64,
    },
    /// An event before `run.start`.
    #[error("{source_name}:{line}: `{kind}` before run.start (run.start must be the first event)")]
    BeforeRunStart {
        /// The trace's name.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// The event's kind.
        kind: String,
    },
    /// The trace holds no `run.start` at all (for example, it is empty).
    #[error("{source_name}:{line}: run.start declares chains: a multi-chain trace is checked by `touchstone check`, not line by line")]
    MultiChainLive {
        /// The trace's name.
        source_name: String,
        /// The `run.start` line.
        line: u64,
    },
    #[error("{source_name}: no run.start: not a trace ({lines} lines read)")]
    NoRunStart {
        /// The trace's name.
        source_name: String,
        /// Lines read.
        lines: u64,
    },
    /// A hostile-input bound was reached.
    #[error("{source_name}:{line}: {what} exceeds the limit of {limit}")]
    LimitExceeded {
        /// The trace's name.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// What grew too large.
        what: String,
        /// The limit.
        limit: u64,
    },
}

impl CheckError {
    /// The CLI exit code: 2 (bad input) for every variant. Exit code 3 (harness failure) is
    /// never produced by this crate: an unreadable or corrupt trace is bad input.
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// The 1-based line the error is about, when there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            CheckError::Io { .. } | CheckError::NoRunStart { .. } => None,
            CheckError::BadLine { line, .. }
            | CheckError::MultiChainLive { line, .. }
            | CheckError::Order { line, .. }
            | CheckError::SeqOrder { line, .. }
            | CheckError::DuplicateRunStart { line, .. }
            | CheckError::BeforeRunStart { line, .. }
            | CheckError::LimitExceeded { line, .. } => Some(*line),
        }
    }
}
