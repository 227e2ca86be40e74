//! Saving and restoring cores: to a file (`xbar_core_save`, `xbar_core_load`)
//! or to a caller buffer (`xbar_core_serialize`, `xbar_core_deserialize`).
//! The work is done by [`crate::Core::to_bytes`] and [`crate::Core::from_bytes`].

use std::ffi::c_char;
use std::path::Path;
use std::sync::RwLockReadGuard;

use super::check;
use super::handles::{clear_out, to_boxed_mut_ptr, try_ref, xbar_core, CoreHandle};
use super::panic::ffi_boundary;
use super::status::{xbar_status, Failure};
use crate::core::Core;

/// The core behind a `const` handle, locked for reading: non-NULL, not
/// poisoned and not being modified by another call.
///
/// # Safety
/// `c` is NULL or a live handle during `'a`.
unsafe fn saved_core<'a>(c: *const xbar_core) -> Result<RwLockReadGuard<'a, Core>, Failure> {
    // SAFETY: per the contract above.
    let handle: &CoreHandle = unsafe { try_ref(c, "c")? };
    handle.read()
}

/// Writes a new core handle to `*out`, which `clear_out` already set to NULL.
///
/// # Safety
/// `out` is non-NULL and valid for one pointer write.
unsafe fn give_core(out: *mut *mut xbar_core, core: Core) {
    // SAFETY: per the contract above.
    unsafe { out.write(to_boxed_mut_ptr::<xbar_core>(CoreHandle::new(core))) };
}

/// Saves the whole state of core `c` to the file `path`: its parameters, the
/// programmed matrix, the current conductances of every array, the drift
/// time, the random-stream counters and any lookup tables it updates
/// through, so that `xbar_core_load` gives a core that continues bit for bit
/// as `c` would. The file is written atomically: the bytes go to a temporary
/// file in the same directory, which is flushed to disk and renamed over
/// `path`, so a crash mid-save leaves any previous file at `path` intact.
///
/// `c` and `path` must not be NULL; `path` is a NUL-terminated UTF-8 string,
/// only read during the call. Thread safety: `c` is only read; concurrent
/// const calls on `c` are fine as long as no thread modifies it.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (`path` not UTF-8 or naming no file); `XBAR_ERR_IO` (the file or its
/// temporary sibling cannot be written; the message names the path);
/// `XBAR_ERR_INTERNAL` (a poisoned core).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_save(c: *const xbar_core, path: *const c_char) -> xbar_status {
    ffi_boundary!("xbar_core_save", {
        // SAFETY (here and below): pointers are NULL or valid per the documented contract.
        let core = unsafe { saved_core(c)? };
        let path = unsafe { check::text(path, "path", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        core.save(Path::new(path))?;
        Ok(())
    })
}

/// Creates a core from a file written by `xbar_core_save`. Nothing else is
/// read: lookup tables come from the file, not from their original folder.
///
/// `path` and `out` must not be NULL; `path` is a NUL-terminated UTF-8
/// string, only read during the call. On success `*out` receives a new core
/// that the caller owns and must release with `xbar_core_free`; on failure
/// `*out` is set to NULL. Thread safety: may be called from any thread.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (`path` not UTF-8); `XBAR_ERR_IO` (the file cannot be read);
/// `XBAR_ERR_PARSE` (not a saved core, another format version, a truncated
/// or corrupted file: the message says which); `XBAR_ERR_BACKEND_UNAVAILABLE`
/// (the saved parameters ask for a backend this machine lacks).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_load(path: *const c_char, out: *mut *mut xbar_core) -> xbar_status {
    ffi_boundary!("xbar_core_load", {
        unsafe { clear_out(out) };
        check::non_null(out, "out")?;
        let path = unsafe { check::text(path, "path", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        let core = Core::load(Path::new(path))?;
        unsafe { give_core(out, core) };
        Ok(())
    })
}

/// Writes the whole state of core `c` (the content of an `xbar_core_save`
/// file) into a caller buffer: query size, then fill.
///
/// `c` and `len` must not be NULL. `buf` points to `cap` writable bytes; it
/// may be NULL when `cap` is 0. On `XBAR_OK` and on
/// `XBAR_ERR_BUFFER_TOO_SMALL`, `*len` receives the number of bytes the state
/// needs; on success they are in `buf`. When `cap` is too small nothing is
/// written to `buf`: call once with `cap` 0 to learn the size, allocate `*len`
/// bytes, call again (the size stays the same while the core is not
/// modified). On other failures neither `buf` nor `*len` is written.
/// Thread safety: `c` is only read; concurrent const calls on `c` are fine as
/// long as no thread modifies it.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT` (`c` or `len` NULL, or `buf`
/// NULL with `cap` > 0); `XBAR_ERR_BUFFER_TOO_SMALL`; `XBAR_ERR_INTERNAL` (a
/// poisoned core).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_serialize(
    c: *const xbar_core,
    buf: *mut u8,
    cap: usize,
    len: *mut usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_serialize", {
        let core = unsafe { saved_core(c)? };
        check::non_null(len, "len")?;
        if cap > 0 {
            check::non_null(buf, "buf")?;
        }
        let bytes = core.to_bytes()?;
        unsafe { len.write(bytes.len()) };
        if cap < bytes.len() {
            return Err(Failure::new(
                xbar_status::XBAR_ERR_BUFFER_TOO_SMALL,
                format!(
                    "buf holds {cap} bytes, {} needed; *len is set to {}",
                    bytes.len(),
                    bytes.len()
                ),
            ));
        }
        let out = unsafe { check::output(buf, bytes.len(), "buf")? };
        out.copy_from_slice(&bytes);
        Ok(())
    })
}

/// Creates a core from `len` bytes written by `xbar_core_serialize` (or read
/// from an `xbar_core_save` file).
///
/// `buf` and `out` must not be NULL; `buf` points to `len` readable bytes,
/// only read during the call. On success `*out` receives a new core that the
/// caller owns and must release with `xbar_core_free`; on failure `*out` is
/// set to NULL. Thread safety: may be called from any thread.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_PARSE` (not a saved
/// core, another format version, truncated or corrupted bytes: the message
/// says which); `XBAR_ERR_BACKEND_UNAVAILABLE` (the saved parameters ask for a
/// backend this machine lacks).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_deserialize(buf: *const u8, len: usize, out: *mut *mut xbar_core) -> xbar_status {
    ffi_boundary!("xbar_core_deserialize", {
        unsafe { clear_out(out) };
        check::non_null(out, "out")?;
        let len = check::count::<u8>("buf", &[("len", len)])?;
        let bytes = unsafe { check::input(buf, len, "buf")? };
        let core = Core::from_bytes(bytes)?;
        unsafe { give_core(out, core) };
        Ok(())
    })
}
