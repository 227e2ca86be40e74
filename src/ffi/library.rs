//! Library-wide functions: version, status text, last error, threads.

use std::ffi::{c_char, c_int, CStr};

use super::last_error;
use super::panic::ffi_boundary;
use super::status::{describe_ptr, xbar_status, Failure};
use crate::threads;

/// The crate version, NUL-terminated.
const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => panic!("the crate version contains a NUL byte"),
};

/// A decimal version component from Cargo's environment, at compile time.
const fn parse_component(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "version component is not a decimal number");
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// `MAJOR << 16 | MINOR << 8 | PATCH`, as `XBAR_VERSION_NUMBER` in the header.
pub const VERSION_NUMBER: u32 = (parse_component(env!("CARGO_PKG_VERSION_MAJOR")) << 16)
    | (parse_component(env!("CARGO_PKG_VERSION_MINOR")) << 8)
    | parse_component(env!("CARGO_PKG_VERSION_PATCH"));

/// The status argument of `xbar_status_string` as it really arrives: a plain
/// C int, so that an out-of-range value from C is not an invalid Rust enum.
/// cbindgen.toml renames it to `xbar_status` in the header (and does not emit
/// this alias), so C callers pass their `xbar_status` variable directly; an
/// enum of this size is passed exactly like an int.
#[allow(non_camel_case_types)]
pub type xbar_status_arg = c_int;

/// The library version as "MAJOR.MINOR.PATCH".
///
/// Returns a static NUL-terminated string owned by the library; never NULL;
/// do not free it. Thread safety: may be called from any thread at any time.
#[no_mangle]
pub extern "C" fn xbar_version() -> *const c_char {
    ffi_boundary!("xbar_version", { VERSION.as_ptr() })
}

/// The library version as `MAJOR << 16 | MINOR << 8 | PATCH`.
///
/// Equals `XBAR_VERSION_NUMBER` of the header the library was built with;
/// compare the two at start-up to detect a mismatched header and library.
/// Thread safety: may be called from any thread at any time.
#[no_mangle]
pub extern "C" fn xbar_version_number() -> u32 {
    ffi_boundary!("xbar_version_number", { VERSION_NUMBER })
}

/// Static English text describing a status code.
///
/// Any integer value is accepted: codes this library does not define give
/// "unknown status". Returns a static NUL-terminated string owned by the
/// library; never NULL; do not free it. Thread safety: may be called from any
/// thread at any time.
#[no_mangle]
pub extern "C" fn xbar_status_string(s: xbar_status_arg) -> *const c_char {
    ffi_boundary!("xbar_status_string", { describe_ptr(s) })
}

/// The message of the last failed xbar call on the calling thread, or "" if
/// no call on this thread has failed yet.
///
/// Every call that returns a status other than `XBAR_OK` first records a
/// non-empty message, starting with the name of the function that failed and
/// naming the offending argument, size, value or parameter path. Successful
/// calls leave the message as it is (it is not cleared), so read it right
/// after the failing call.
///
/// Returns a NUL-terminated string owned by the library; never NULL; do not
/// free it. It stays valid until the next failing xbar call on the same
/// thread: copy it to keep it longer. Thread safety: the message is
/// thread-local; threads never see each other's messages.
#[no_mangle]
pub extern "C" fn xbar_last_error_message() -> *const c_char {
    ffi_boundary!("xbar_last_error_message", { last_error::as_ptr() })
}

/// Sets the number of worker threads of xbar's own thread pool; 0 (the
/// default) means one per available core; at most 65535 (the pool's limit).
///
/// xbar never runs work in a process-global pool that the host may also
/// use, and results never depend on the thread count (bit for bit). Takes
/// effect for calls that start after it returns.
/// Thread safety: may be called from any thread; calls already running keep
/// the thread count they started with.
///
/// Returns `XBAR_OK`; `XBAR_ERR_INVALID_ARGUMENT` (`n` above the limit; the
/// setting is unchanged).
#[no_mangle]
pub extern "C" fn xbar_set_num_threads(n: usize) -> xbar_status {
    ffi_boundary!("xbar_set_num_threads", {
        let max = threads::max_num_threads();
        if n > max {
            return Err(Failure::invalid(format!(
                "n is {n}; xbar's thread pool holds at most {max} threads (0 = one per available core)"
            )));
        }
        threads::set_num_threads(n);
        Ok(())
    })
}
