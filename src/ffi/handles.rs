//! The opaque handle types C sees and the few helpers that turn their
//! pointers into Rust references (after rustls-ffi's `Castable`).
//!
//! A handle is a `Box` of its Rust type whose pointer is cast to an empty
//! marker struct; C only ever holds the pointer.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

use super::status::Failure;
use crate::core::Core;
use crate::params::Params;

/// An opaque parameter set. Create it with `xbar_params_new`,
/// `xbar_params_from_json` or `xbar_params_preset`; destroy it with
/// `xbar_params_free`.
#[allow(non_camel_case_types)]
pub struct xbar_params {
    _private: [u8; 0],
}

/// An opaque simulated matrix, tiled over crossbar arrays. Create it with
/// `xbar_core_new`; destroy it with `xbar_core_free`.
#[allow(non_camel_case_types)]
pub struct xbar_core {
    _private: [u8; 0],
}

/// An opaque set of measured device lookup tables (CrossSim 2 format).
/// Create it with `xbar_lut_load`; destroy it with `xbar_lut_free`.
#[allow(non_camel_case_types)]
pub struct xbar_lut {
    _private: [u8; 0],
}

/// Ties a marker type to the Rust value its pointer really points to.
pub(crate) trait Castable {
    type RustType;
}

impl Castable for xbar_params {
    type RustType = Params;
}

impl Castable for xbar_lut {
    type RustType = std::sync::Arc<crate::device::update::lookup_table::LookupTableModel>;
}

impl Castable for xbar_core {
    type RustType = CoreHandle;
}

/// What an `xbar_core *` points to: the core behind a non-blocking
/// reader-writer lock, and its shape (fixed at creation, readable at any time).
///
/// The lock enforces the thread-safety rule of the header instead of waiting
/// on it: a call that changes the core takes it exclusively with `try_write`,
/// a call that only reads it takes it shared with `try_read`, and a call that
/// finds it taken in a conflicting way fails with `XBAR_ERR_INVALID_ARGUMENT`
/// rather than racing. A panic while the core is taken exclusively poisons the
/// lock, which marks the core poisoned: later calls fail with
/// `XBAR_ERR_INTERNAL`.
pub(crate) struct CoreHandle {
    rows: usize,
    cols: usize,
    core: RwLock<Core>,
}

// Reads of one core may run on several threads at once.
const _: fn() = || {
    fn shared_between_threads<T: Send + Sync>() {}
    shared_between_threads::<Core>();
};

/// The message of a call that found its core in use by another thread.
const IN_USE: &str = "the core is in use by a call on another thread; a call that changes a core \
     (program, mvm, vmm, update, set_time, set_lut) needs it to itself, and reads must not overlap such \
     a call: serialise the calls on one core (see Thread safety in xbar.h)";

/// The message of a call on a poisoned core.
const POISONED: &str = "core is poisoned by an earlier internal error; free it";

impl CoreHandle {
    pub fn new(core: Core) -> Self {
        CoreHandle {
            rows: core.rows(),
            cols: core.cols(),
            core: RwLock::new(core),
        }
    }

    /// Matrix rows of the core.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Matrix columns of the core.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Shared access for a call that only reads the core: fails when the core
    /// is poisoned or a call that changes it is running.
    pub fn read(&self) -> Result<RwLockReadGuard<'_, Core>, Failure> {
        self.core.try_read().map_err(lock_failure)
    }

    /// Exclusive access for a call that changes the core: fails when the core
    /// is poisoned or any other call on it is running.
    pub fn write(&self) -> Result<CoreWriter<'_>, Failure> {
        self.core
            .try_write()
            .map(|guard| CoreWriter { guard })
            .map_err(lock_failure)
    }
}

fn lock_failure<G>(e: TryLockError<G>) -> Failure {
    match e {
        TryLockError::WouldBlock => Failure::invalid(IN_USE),
        TryLockError::Poisoned(_) => Failure::new(super::xbar_status::XBAR_ERR_INTERNAL, POISONED),
    }
}

/// A core taken exclusively: read it (through `Deref`) for the argument
/// checks, then change it with [`CoreWriter::mutate`].
pub(crate) struct CoreWriter<'a> {
    guard: RwLockWriteGuard<'a, Core>,
}

impl std::ops::Deref for CoreWriter<'_> {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.guard
    }
}

impl CoreWriter<'_> {
    /// Runs a mutating operation on the core (where the test hooks fire). A
    /// panic that unwinds out of `op` poisons the core.
    pub fn mutate<T>(mut self, op: impl FnOnce(&mut Core) -> crate::Result<T>) -> Result<T, Failure> {
        #[cfg(test)]
        super::test_hooks::in_core_mutation();
        op(&mut self.guard).map_err(Failure::from)
    }
}

/// Moves `value` to the heap and returns it as the marker pointer C holds.
pub(crate) fn to_boxed_mut_ptr<C: Castable>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// The value behind a handle, or `XBAR_ERR_NULL_ARGUMENT` naming `arg`.
///
/// # Safety
/// `ptr` is NULL or came from [`to_boxed_mut_ptr`] for the same `C` and has not
/// been freed; nothing mutates it during `'a`.
pub(crate) unsafe fn try_ref<'a, C: Castable>(ptr: *const C, arg: &str) -> Result<&'a C::RustType, Failure> {
    // SAFETY: per the contract above.
    unsafe { ptr.cast::<C::RustType>().as_ref() }.ok_or_else(|| Failure::null(arg))
}

/// As [`try_ref`], mutable.
///
/// # Safety
/// As [`try_ref`], and nothing else accesses the value during `'a`.
pub(crate) unsafe fn try_mut<'a, C: Castable>(ptr: *mut C, arg: &str) -> Result<&'a mut C::RustType, Failure> {
    // SAFETY: per the contract above.
    unsafe { ptr.cast::<C::RustType>().as_mut() }.ok_or_else(|| Failure::null(arg))
}

/// Drops the value behind a handle; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or came from [`to_boxed_mut_ptr`] for the same `C` and is not
/// used again.
pub(crate) unsafe fn free_box<C: Castable>(ptr: *mut C) {
    if !ptr.is_null() {
        // SAFETY: per the contract above, the pointer owns a live Box.
        drop(unsafe { Box::from_raw(ptr.cast::<C::RustType>()) });
    }
}

/// Stores NULL in a handle out-parameter if there is one: done first by every
/// function that creates a handle, so a failure leaves `*out == NULL`.
///
/// # Safety
/// `out` is NULL or valid for one pointer write.
pub(crate) unsafe fn clear_out<C>(out: *mut *mut C) {
    if !out.is_null() {
        // SAFETY: per the contract above.
        unsafe { out.write(std::ptr::null_mut()) };
    }
}
