//! `xbar_params_*`: parameter sets as opaque handles, JSON in and out,
//! dotted-path get/set and presets. The work is done by [`crate::Params`].

use std::ffi::c_char;

use super::check;
use super::handles::{clear_out, free_box, to_boxed_mut_ptr, try_mut, try_ref, xbar_params};
use super::panic::ffi_boundary;
use super::status::{xbar_status, Failure};
use crate::params::Params;

/// Writes a handle to `*out`, which `clear_out` already set to NULL.
///
/// # Safety
/// `out` is non-NULL and valid for one pointer write.
unsafe fn give_params(out: *mut *mut xbar_params, params: Params) {
    // SAFETY: per the contract above.
    unsafe { out.write(to_boxed_mut_ptr(params)) };
}

/// Checks the (buf, cap, len) triple of a query-size-then-fill output before
/// any work: `len` is required, `buf` may be NULL only when `cap` is 0.
pub(super) fn check_text_output(buf: *mut c_char, cap: usize, len: *mut usize) -> Result<(), Failure> {
    check::non_null(len, "len")?;
    if cap > 0 {
        check::non_null(buf, "buf")?;
    }
    Ok(())
}

/// Query-size-then-fill: stores the size `text` needs including its NUL in
/// `*len`, then copies it into `buf` if `cap` is enough.
///
/// # Safety
/// `len` is valid for one write; `buf` is valid for `cap` byte writes when `cap > 0`.
pub(super) unsafe fn write_text(text: &str, buf: *mut c_char, cap: usize, len: *mut usize) -> Result<(), Failure> {
    if text.as_bytes().contains(&0) {
        return Err(Failure::new(
            xbar_status::XBAR_ERR_INTERNAL,
            "the text to return contains a NUL byte",
        ));
    }
    let needed = text.len() + 1;
    // SAFETY: `len` non-NULL (checked by `check_text_output`) and valid per the contract.
    unsafe { len.write(needed) };
    if cap < needed {
        return Err(Failure::new(
            xbar_status::XBAR_ERR_BUFFER_TOO_SMALL,
            format!("buf holds {cap} bytes, {needed} needed (including the terminating NUL); *len is set to {needed}"),
        ));
    }
    // SAFETY: `buf` non-NULL (cap >= needed > 0) and valid for `cap >= needed` bytes.
    let out = unsafe { check::output(buf.cast::<u8>(), needed, "buf")? };
    out[..text.len()].copy_from_slice(text.as_bytes());
    out[text.len()] = 0;
    Ok(())
}

/// Creates a parameter set holding the defaults (ideal devices and periphery).
///
/// `out` must not be NULL. On success `*out` receives a new handle that the
/// caller owns and must release with `xbar_params_free`; on failure `*out` is
/// set to NULL. Thread safety: may be called from any thread.
///
/// Returns `XBAR_OK`, or `XBAR_ERR_NULL_ARGUMENT` when `out` is NULL.
#[no_mangle]
pub unsafe extern "C" fn xbar_params_new(out: *mut *mut xbar_params) -> xbar_status {
    ffi_boundary!("xbar_params_new", {
        // SAFETY (here and below): pointers are NULL or valid per the documented contract.
        unsafe { clear_out(out) };
        check::non_null(out, "out")?;
        unsafe { give_params(out, Params::default()) };
        Ok(())
    })
}

/// Creates a parameter set from JSON text: xbar's own format or a CrossSim
/// 3.x `CrossSimParameters` JSON file. Keys that are absent keep their
/// defaults; the result is validated.
///
/// `json` is a NUL-terminated UTF-8 string, only read during the call.
/// `out` must not be NULL. On success `*out` receives a new handle that the
/// caller owns and must release with `xbar_params_free`; on failure `*out` is
/// set to NULL. Thread safety: may be called from any thread.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT` (`json` or `out` NULL);
/// `XBAR_ERR_PARSE` (not JSON, or not UTF-8); `XBAR_ERR_PARAMS` (unknown key,
/// wrong type or value out of range; the message names the dotted path).
#[no_mangle]
pub unsafe extern "C" fn xbar_params_from_json(json: *const c_char, out: *mut *mut xbar_params) -> xbar_status {
    ffi_boundary!("xbar_params_from_json", {
        unsafe { clear_out(out) };
        check::non_null(out, "out")?;
        let json = unsafe { check::text(json, "json", xbar_status::XBAR_ERR_PARSE)? };
        let params = Params::from_json(json)?;
        unsafe { give_params(out, params) };
        Ok(())
    })
}

/// Creates a parameter set from a named preset shipped with xbar: "default",
/// "ISAAC", "ISAAC-SarADC", "PRIME", "SONOS-TCAS", "aihwkit-inference",
/// "aihwkit-hwa".
///
/// `name` is a NUL-terminated string, only read during the call. `out` must
/// not be NULL. On success `*out` receives a new handle that the caller owns
/// and must release with `xbar_params_free`; on failure `*out` is set to
/// NULL. Thread safety: may be called from any thread.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT` (`name` or `out` NULL);
/// `XBAR_ERR_PARAMS` (no preset of that name; the message lists the names).
#[no_mangle]
pub unsafe extern "C" fn xbar_params_preset(name: *const c_char, out: *mut *mut xbar_params) -> xbar_status {
    ffi_boundary!("xbar_params_preset", {
        unsafe { clear_out(out) };
        check::non_null(out, "out")?;
        let name = unsafe { check::text(name, "name", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        let params = Params::preset(name)?;
        unsafe { give_params(out, params) };
        Ok(())
    })
}

/// Writes the whole parameter set as JSON (CrossSim's layout, enums as
/// integers), NUL-terminated, into a caller buffer: query size, then fill.
///
/// `p` and `len` must not be NULL. `buf` points to `cap` writable bytes; it may
/// be NULL when `cap` is 0. On `XBAR_OK` and on `XBAR_ERR_BUFFER_TOO_SMALL`,
/// `*len` receives the number of bytes the text needs INCLUDING the
/// terminating NUL; on success the text and its NUL are in `buf`. When `cap`
/// is too small nothing is written to `buf`: call once with `cap` 0 to learn
/// the size, allocate `*len` bytes, call again. On other failures neither
/// `buf` nor `*len` is written. Nothing is retained after the call.
/// Thread safety: `p` is only read; concurrent calls on one `p` are fine as
/// long as no thread modifies it.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT` (`p` or `len` NULL, or `buf`
/// NULL with `cap` > 0); `XBAR_ERR_BUFFER_TOO_SMALL`.
#[no_mangle]
pub unsafe extern "C" fn xbar_params_to_json(
    p: *const xbar_params,
    buf: *mut c_char,
    cap: usize,
    len: *mut usize,
) -> xbar_status {
    ffi_boundary!("xbar_params_to_json", {
        let params = unsafe { try_ref(p, "p")? };
        check_text_output(buf, cap, len)?;
        let text = params.to_json();
        unsafe { write_text(&text, buf, cap, len) }
    })
}

/// Sets one parameter from JSON text. `path` is dotted, e.g.
/// "xbar.adc.mvm.bits"; `json_value` is the JSON text of the value, e.g. "8",
/// "true", "\"SarADC\"" (an enum by name or by CrossSim's integer).
///
/// `p`, `path` and `json_value` must not be NULL; the strings are
/// NUL-terminated and only read during the call. The new value is validated
/// together with the rest of the set; on any failure `p` is left exactly as
/// it was. Thread safety: needs exclusive access to `p`.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_PARSE` (value is not
/// JSON); `XBAR_ERR_PARAMS` (unknown path, wrong type, value out of range or
/// inconsistent with other parameters; the message names the path).
#[no_mangle]
pub unsafe extern "C" fn xbar_params_set(
    p: *mut xbar_params,
    path: *const c_char,
    json_value: *const c_char,
) -> xbar_status {
    ffi_boundary!("xbar_params_set", {
        let params = unsafe { try_mut(p, "p")? };
        let path = unsafe { check::text(path, "path", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        let value = unsafe { check::text(json_value, "json_value", xbar_status::XBAR_ERR_PARSE)? };
        // Change a copy and keep it only on success, so a failure (or a panic)
        // cannot leave `p` half-changed.
        let mut changed = params.clone();
        changed.set_json(path, value)?;
        *params = changed;
        Ok(())
    })
}

/// Reads one parameter as JSON text, NUL-terminated, into a caller buffer:
/// query size, then fill. `path` is dotted, e.g. "xbar.adc.mvm.bits"; a path
/// naming a group (e.g. "xbar.adc") gives the whole group as a JSON object.
///
/// `p`, `path` and `len` must not be NULL. `buf` points to `cap` writable
/// bytes; it may be NULL when `cap` is 0. On `XBAR_OK` and on
/// `XBAR_ERR_BUFFER_TOO_SMALL`, `*len` receives the number of bytes needed
/// INCLUDING the terminating NUL; on success the text and its NUL are in
/// `buf`; when `cap` is too small nothing is written to `buf`. On other
/// failures neither `buf` nor `*len` is written. Thread safety: `p` is only
/// read; concurrent calls on one `p` are fine as long as no thread modifies it.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT` (`p`, `path` or `len` NULL, or
/// `buf` NULL with `cap` > 0); `XBAR_ERR_PARAMS` (unknown path);
/// `XBAR_ERR_BUFFER_TOO_SMALL`.
#[no_mangle]
pub unsafe extern "C" fn xbar_params_get(
    p: *const xbar_params,
    path: *const c_char,
    buf: *mut c_char,
    cap: usize,
    len: *mut usize,
) -> xbar_status {
    ffi_boundary!("xbar_params_get", {
        let params = unsafe { try_ref(p, "p")? };
        let path = unsafe { check::text(path, "path", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        check_text_output(buf, cap, len)?;
        let text = params.get_json(path)?;
        unsafe { write_text(&text, buf, cap, len) }
    })
}

/// Destroys a parameter set. NULL is a no-op.
///
/// `p` must come from `xbar_params_new`, `xbar_params_from_json` or
/// `xbar_params_preset` and must not be used (or freed) again afterwards.
/// Cores created from `p` hold their own copy and stay valid.
/// Thread safety: needs exclusive access to `p`.
#[no_mangle]
pub unsafe extern "C" fn xbar_params_free(p: *mut xbar_params) {
    ffi_boundary!("xbar_params_free", {
        // SAFETY: per the documented contract.
        unsafe { free_box(p) }
    })
}
