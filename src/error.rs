//! The crate's error type. Every variant corresponds to one C status code
//! (`xbar_status`), so the C layer maps errors without inspecting messages.

/// What went wrong, with a human-readable message that names the offending
/// parameter path, size or value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A value outside its domain (NaN or infinite input, negative count, ...).
    #[error("{0}")]
    InvalidArgument(String),
    /// A size that does not match the core or the buffer.
    #[error("{0}")]
    Shape(String),
    /// Parameters that are inconsistent, unknown or out of range.
    #[error("{0}")]
    Params(String),
    /// JSON text or a data file that could not be parsed.
    #[error("{0}")]
    Parse(String),
    /// A valid request that this configuration or build cannot carry out.
    #[error("{0}")]
    Unsupported(String),
    /// The requested compute backend is not usable on this machine.
    #[error("{0}")]
    BackendUnavailable(String),
    /// read / mvm / vmm / update before `program`.
    #[error("{0}")]
    NotProgrammed(String),
    /// A circuit solver that did not converge.
    #[error("{0}")]
    NoConvergence(String),
    /// An allocation that could not be satisfied.
    #[error("{0}")]
    OutOfMemory(String),
    /// A file that could not be read or written.
    #[error("{0}")]
    Io(String),
    /// A bug in xbar (including a caught panic).
    #[error("{0}")]
    Internal(String),
}

/// Shorthand for results carrying [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// `Error::Params` from anything printable.
    pub fn params(msg: impl Into<String>) -> Self {
        Error::Params(msg.into())
    }
    /// `Error::Unsupported` from anything printable.
    pub fn unsupported(msg: impl Into<String>) -> Self {
        Error::Unsupported(msg.into())
    }
    /// `Error::Shape` from anything printable.
    pub fn shape(msg: impl Into<String>) -> Self {
        Error::Shape(msg.into())
    }
}
