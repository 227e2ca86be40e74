//! The C ABI: `extern "C"` functions over opaque handles, generated into
//! `include/xbar.h` by cbindgen (the header is the manual; its general rules
//! are in `cbindgen.toml`'s `header` text).
//!
//! No physics here: each function checks its arguments (pointers, sizes,
//! layout codes, finite inputs), converts handles, calls [`crate::Params`] or
//! [`crate::Core`] and maps the result to an [`xbar_status`], all behind the
//! panic boundary of `panic.rs`.
//!
//! | file | what |
//! | --- | --- |
//! | `status.rs` | `xbar_status`, status texts, the internal `Failure` |
//! | `last_error.rs` | the thread-local last error message |
//! | `panic.rs` | `ffi_boundary!`: catch_unwind, status mapping |
//! | `handles.rs` | opaque handle types and pointer helpers, a core's lock (in-use checks, poisoning) |
//! | `check.rs` | argument checks and slice construction |
//! | `library.rs` | version, status text, last error, thread count |
//! | `params.rs` | `xbar_params_*` |
//! | `cores.rs` | `xbar_core_*` |
//! | `spice.rs` | `xbar_core_export_spice` |
//! | `introspect.rs` | `xbar_core_array_count`, `_array_layout`, `_conductance_count`, `_conductances`, `_drift_compensation` |
//! | `persist.rs` | `xbar_core_save`, `_load`, `_serialize`, `_deserialize` |
//! | `test_hooks.rs` | fault-injection hooks, in the crate's test build only |
//! | `hook_tests.rs` | panic boundary, poisoning and in-use tests that use them |

#![warn(unsafe_op_in_unsafe_fn)]
#![allow(clippy::missing_safety_doc)] // the contract of each function is in its doc comment

// The extern functions, in the order the header presents them (cbindgen
// keeps parse order); separate groups so that rustfmt keeps this order.
mod library;

mod params;

mod cores;
mod introspect;
mod lut;
mod persist;
mod spice;

// Internals.
mod check;
mod handles;
mod last_error;
mod panic;
mod status;

// Fault injection and the tests that use it: the crate's test build only.
#[cfg(test)]
mod hook_tests;
#[cfg(test)]
pub(crate) mod test_hooks;

pub use cores::*;
pub use handles::{xbar_core, xbar_lut, xbar_params};
pub use introspect::*;
pub use library::*;
pub use lut::*;
pub use params::*;
pub use persist::*;
pub use spice::*;
pub use status::xbar_status;
