//! The thread-local text of the last failure, read with
//! `xbar_last_error_message()`.

use std::cell::RefCell;
use std::ffi::{c_char, CString};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` (prefixed with the failing function's name) as this
/// thread's last error. Interior NUL bytes, which C could not see past, are
/// replaced; an empty message becomes a generic one so that a failure never
/// leaves the text empty.
pub(crate) fn set(function: &str, message: &str) {
    let message = if message.is_empty() {
        "failed (no details)"
    } else {
        message
    };
    let text = format!("{function}: {message}").replace('\0', "\\0");
    let text = CString::new(text).unwrap_or_default();
    // `try_with` fails only while the thread is being torn down: nothing to record then.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = text);
}

/// Pointer to this thread's last error text ("" when none). The text stays
/// valid until the next failing call on this thread replaces it.
pub(crate) fn as_ptr() -> *const c_char {
    LAST_ERROR
        .try_with(|slot| slot.borrow().as_ptr())
        .unwrap_or(c"".as_ptr())
}
