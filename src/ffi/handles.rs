//! The opaque handle types C sees and the few helpers that turn their
//! pointers into Rust references (after rustls-ffi's `Castable`).
//!
//! A handle is a `Box` of its Rust type whose pointer is cast to an empty
//! marker struct; C only ever holds the pointer.

use super::status::Failure;
use super::test_hooks;
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

/// What an `xbar_core *` points to: the core and whether a panic inside a
/// mutating call may have left it half-changed.
pub(crate) struct CoreHandle {
    pub core: Core,
    poisoned: bool,
}

impl CoreHandle {
    pub fn new(core: Core) -> Self {
        CoreHandle { core, poisoned: false }
    }

    /// Fails when an earlier panic poisoned the core.
    pub fn check_not_poisoned(&self) -> Result<(), Failure> {
        if self.poisoned {
            Err(Failure::new(
                super::xbar_status::XBAR_ERR_INTERNAL,
                "core is poisoned by an earlier internal error; free it",
            ))
        } else {
            Ok(())
        }
    }

    /// Runs a mutating operation on the core. The core is marked poisoned
    /// while it runs, so a panic that unwinds out of `op` leaves the mark.
    pub fn mutate<T>(&mut self, op: impl FnOnce(&mut Core) -> crate::Result<T>) -> Result<T, Failure> {
        self.check_not_poisoned()?;
        self.poisoned = true;
        test_hooks::maybe_panic();
        let result = op(&mut self.core);
        self.poisoned = false;
        result.map_err(Failure::from)
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
