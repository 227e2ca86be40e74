//! `xbar_status`, the code every fallible C function returns, and
//! [`Failure`], the status plus message that an FFI body produces.

use std::ffi::{c_char, c_int, CStr};

use crate::error::Error;

/// Result code of every fallible xbar function: 0 (`XBAR_OK`) is success,
/// anything else a failure whose details are in `xbar_last_error_message()`.
/// The values are fixed and are never reordered; new codes are only appended.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum xbar_status {
    /// Success.
    XBAR_OK = 0,
    /// A required pointer argument was NULL.
    XBAR_ERR_NULL_ARGUMENT = 1,
    /// A value outside its domain: NaN or infinite input, an unknown layout code, ...
    XBAR_ERR_INVALID_ARGUMENT = 2,
    /// A size that does not match the core or the buffer (the message names both).
    XBAR_ERR_SHAPE = 3,
    /// Parameters that are inconsistent, unknown or out of range (the message names the key).
    XBAR_ERR_PARAMS = 4,
    /// JSON text or a data file that could not be parsed.
    XBAR_ERR_PARSE = 5,
    /// A valid request that this configuration or build cannot carry out.
    XBAR_ERR_UNSUPPORTED = 6,
    /// The requested compute backend is not usable here (e.g. "cuda" without a GPU).
    XBAR_ERR_BACKEND_UNAVAILABLE = 7,
    /// read / mvm / vmm / update on a core that has not been programmed.
    XBAR_ERR_NOT_PROGRAMMED = 8,
    /// A circuit solver that did not converge.
    XBAR_ERR_NO_CONVERGENCE = 9,
    /// An output text buffer too small; `*len` says how many bytes are needed.
    XBAR_ERR_BUFFER_TOO_SMALL = 10,
    /// An allocation that could not be satisfied.
    XBAR_ERR_OUT_OF_MEMORY = 11,
    /// A file that could not be read or written.
    XBAR_ERR_IO = 12,
    /// A bug in xbar, including a caught Rust panic.
    XBAR_ERR_INTERNAL = 13,
}

use xbar_status::*;

/// Static description of a status code given as a plain integer (a C caller
/// may pass any value; an out-of-range Rust enum would be undefined behaviour).
pub(crate) fn describe(code: c_int) -> &'static CStr {
    const TABLE: [(xbar_status, &CStr); 14] = [
        (XBAR_OK, c"success"),
        (XBAR_ERR_NULL_ARGUMENT, c"a required pointer argument was NULL"),
        (XBAR_ERR_INVALID_ARGUMENT, c"an argument value is outside its domain"),
        (XBAR_ERR_SHAPE, c"a size does not match the core or the buffer"),
        (XBAR_ERR_PARAMS, c"parameters are inconsistent, unknown or out of range"),
        (XBAR_ERR_PARSE, c"JSON text or a data file could not be parsed"),
        (XBAR_ERR_UNSUPPORTED, c"this configuration cannot carry out the request"),
        (
            XBAR_ERR_BACKEND_UNAVAILABLE,
            c"the requested compute backend is not available",
        ),
        (XBAR_ERR_NOT_PROGRAMMED, c"the core has not been programmed"),
        (XBAR_ERR_NO_CONVERGENCE, c"the circuit solver did not converge"),
        (XBAR_ERR_BUFFER_TOO_SMALL, c"the output buffer is too small"),
        (XBAR_ERR_OUT_OF_MEMORY, c"out of memory"),
        (XBAR_ERR_IO, c"a file could not be read or written"),
        (XBAR_ERR_INTERNAL, c"internal error in xbar"),
    ];
    TABLE
        .iter()
        .find(|(status, _)| *status as c_int == code)
        .map_or(c"unknown status", |(_, text)| *text)
}

/// Pointer to the static text for `code` (see [`describe`]).
pub(crate) fn describe_ptr(code: c_int) -> *const c_char {
    describe(code).as_ptr()
}

/// A failed FFI call: the status to return and the message for the
/// thread's last error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub status: xbar_status,
    pub message: String,
}

impl Failure {
    pub fn new(status: xbar_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
    /// `XBAR_ERR_NULL_ARGUMENT` for the argument named `arg`.
    pub fn null(arg: &str) -> Self {
        Failure::new(XBAR_ERR_NULL_ARGUMENT, format!("argument `{arg}` is NULL"))
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure::new(XBAR_ERR_INVALID_ARGUMENT, message)
    }
    pub fn shape(message: impl Into<String>) -> Self {
        Failure::new(XBAR_ERR_SHAPE, message)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::InvalidArgument(_) => XBAR_ERR_INVALID_ARGUMENT,
            Error::Shape(_) => XBAR_ERR_SHAPE,
            Error::Params(_) => XBAR_ERR_PARAMS,
            Error::Parse(_) => XBAR_ERR_PARSE,
            Error::Unsupported(_) => XBAR_ERR_UNSUPPORTED,
            Error::BackendUnavailable(_) => XBAR_ERR_BACKEND_UNAVAILABLE,
            Error::NotProgrammed(_) => XBAR_ERR_NOT_PROGRAMMED,
            Error::NoConvergence(_) => XBAR_ERR_NO_CONVERGENCE,
            Error::OutOfMemory(_) => XBAR_ERR_OUT_OF_MEMORY,
            Error::Io(_) => XBAR_ERR_IO,
            Error::Internal(_) => XBAR_ERR_INTERNAL,
        };
        Failure::new(status, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text_and_out_of_range_is_unknown() {
        let texts: Vec<&CStr> = (0..14).map(describe).collect();
        for (i, t) in texts.iter().enumerate() {
            assert_ne!(*t, c"unknown status", "code {i}");
            assert!(!texts[..i].contains(t), "code {i} repeats a text");
        }
        for bad in [-1, 14, 1000, c_int::MIN, c_int::MAX] {
            assert_eq!(describe(bad), c"unknown status");
        }
    }
}
