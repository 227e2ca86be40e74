//! The panic boundary every extern function runs its body in.
//!
//! `ffi_boundary!("xbar_name", { body })` runs the body under
//! `catch_unwind`. A body returns either `Result<(), Failure>` (mapped to an
//! `xbar_status`, the failure recorded as the last error) or a plain C value.
//! A panic becomes the [`PanicDefault`] value of the return type
//! (`XBAR_ERR_INTERNAL` for a status) with the panic message as the last
//! error. The default panic hook still prints the message to stderr: a
//! library must not replace the process-wide hook, which belongs to the host.

use std::any::Any;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::last_error;
use super::status::{xbar_status, Failure};

/// Runs an extern function's body behind the panic boundary; see the module docs.
macro_rules! ffi_boundary {
    ($name:literal, $body:block) => {
        $crate::ffi::panic::run($name, move || $body)
    };
}
pub(crate) use ffi_boundary;

/// What an extern function body gives back, and how it becomes a C value.
pub(crate) trait FfiReturn {
    type C: PanicDefault;
    fn into_c(self, function: &'static str) -> Self::C;
}

impl FfiReturn for Result<(), Failure> {
    type C = xbar_status;
    fn into_c(self, function: &'static str) -> xbar_status {
        match self {
            Ok(()) => xbar_status::XBAR_OK,
            Err(failure) => {
                last_error::set(function, &failure.message);
                failure.status
            }
        }
    }
}

/// Plain C values pass through unchanged.
macro_rules! plain_return {
    ($($t:ty),*) => {$(
        impl FfiReturn for $t {
            type C = $t;
            fn into_c(self, _function: &'static str) -> $t { self }
        }
    )*};
}
plain_return!((), u32, usize, *const c_char);

/// The value an extern function returns when its body panicked.
pub(crate) trait PanicDefault {
    fn panic_default() -> Self;
}

impl PanicDefault for xbar_status {
    fn panic_default() -> Self {
        xbar_status::XBAR_ERR_INTERNAL
    }
}
impl PanicDefault for () {
    fn panic_default() {}
}
impl PanicDefault for u32 {
    fn panic_default() -> Self {
        0
    }
}
impl PanicDefault for usize {
    fn panic_default() -> Self {
        0
    }
}
impl PanicDefault for *const c_char {
    fn panic_default() -> Self {
        c"".as_ptr()
    }
}

/// The body of `ffi_boundary!`.
pub(crate) fn run<R: FfiReturn>(function: &'static str, body: impl FnOnce() -> R) -> R::C {
    // AssertUnwindSafe: after a panic no state the body touched is used again
    // except a core, whose lock the panic poisons if the body was changing it.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value.into_c(function),
        Err(payload) => {
            let text = format!(
                "internal error (Rust panic): {}; please report this as a bug",
                payload_text(payload.as_ref())
            );
            last_error::set(function, &text);
            R::C::panic_default()
        }
    }
}

/// The message a panic was raised with, when it is text.
fn payload_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "no message"
    }
}
