//! Exit codes (DESIGN §3) and the error that carries one.

/// All gates and criteria met.
pub const PASS: i32 = 0;
/// A gate or criterion failed.
pub const FINDINGS: i32 = 1;
/// Bad input or usage.
pub const BAD_INPUT: i32 = 2;
/// The harness or the adapter failed: the chain could not be driven.
pub const HARNESS: i32 = 3;

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Failure { code: BAD_INPUT, message: message.into() }
    }

    pub fn harness(message: impl Into<String>) -> Self {
        Failure { code: HARNESS, message: message.into() }
    }
}

impl From<touchstone_core::rundir::RunDirError> for Failure {
    /// Not a usable run directory (no manifest, a bad one, a target already taken, an input
    /// over its cap) → 2; the file system failing under a readable layout → 3.
    fn from(e: touchstone_core::rundir::RunDirError) -> Self {
        use touchstone_core::input::InputError;
        use touchstone_core::rundir::RunDirError as E;
        match &e {
            E::Format { .. } | E::Exists { .. } | E::Incomplete { .. } => {
                Failure::bad_input(e.to_string())
            }
            E::Input(InputError::Io { source, .. })
                if source.kind() != std::io::ErrorKind::NotFound =>
            {
                Failure::harness(e.to_string())
            }
            E::Input(_) => Failure::bad_input(e.to_string()),
            E::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Failure::bad_input(e.to_string())
            }
            E::Io { .. } => Failure::harness(e.to_string()),
        }
    }
}

impl From<touchstone_core::scenario::ScenarioError> for Failure {
    fn from(e: touchstone_core::scenario::ScenarioError) -> Self {
        Failure::bad_input(e.to_string())
    }
}

/// Result of a subcommand: the exit code, or a failure.
pub type CmdResult = Result<i32, Failure>;
