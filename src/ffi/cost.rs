//! `xbar_core_cost_json` and `xbar_core_cost_reset`: the energy, latency and
//! area of a core's reads. The work is done by [`crate::Core::cost_json`].

use std::ffi::c_char;

use super::cores::writer;
use super::handles::{try_ref, xbar_core};
use super::panic::ffi_boundary;
use super::params::{check_text_output, write_text};
use super::status::xbar_status;

/// Writes the cost report of the core's reads as JSON text, NUL-terminated,
/// into a caller buffer: query size, then fill, as `xbar_core_export_spice`.
///
/// The object holds `"last_call"` (the last read call: one `mvm`/`vmm`
/// call, or the last part of a batch too large for one call's random
/// streams) and `"since_program"` (every read since the last `program` or
/// `xbar_core_cost_reset`), each with `"calls"`, `"vectors"`, `"energy_j"`
/// (`"array"`, `"array_cells"`, `"dac"`, `"adc"`, `"sample_hold"`,
/// `"shift_add"`, `"subtract"`, `"total"`; joules), `"energy_per_vector_j"`,
/// `"latency_s"` (seconds), `"power_w"` (energy over latency) and
/// `"counts"` (`"dac"`, `"adc"`, `"sample_hold"`, `"shift_add"`,
/// `"subtract"`, `"array_reads"`, and `"dac_by_kind"`/`"adc_by_kind"`: lists
/// of `{"model", "bits", "count"}`); and at the top level `"library"`,
/// `"area_m2"` (square metres) and `"area_parts_m2"`. The laws and figures
/// come from the parameters `xbar.cost` (docs/models.md, "Cost model").
///
/// `c` and `len` must not be NULL; `buf` points to `cap` writable bytes and
/// may be NULL when `cap` is 0. On `XBAR_OK` and on
/// `XBAR_ERR_BUFFER_TOO_SMALL`, `*len` receives the bytes the text needs
/// INCLUDING the terminating NUL; when `cap` is too small nothing is written
/// to `buf`. On other failures neither `buf` nor `*len` is written. The core
/// is only read. Thread safety: concurrent calls on one core are fine as
/// long as no thread modifies it.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_NOT_PROGRAMMED`;
/// `XBAR_ERR_BUFFER_TOO_SMALL`; `XBAR_ERR_INTERNAL` (the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_cost_json(
    c: *const xbar_core,
    buf: *mut c_char,
    cap: usize,
    len: *mut usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_cost_json", {
        // SAFETY (here and below): pointers are NULL or valid per the documented contract.
        let core = unsafe { try_ref(c, "c")? }.read()?;
        check_text_output(buf, cap, len)?;
        let text = core.cost_json()?;
        unsafe { write_text(&text, buf, cap, len) }
    })
}

/// Clears the core's cost counters: `"last_call"` and `"since_program"` of
/// `xbar_core_cost_json` start again from zero (programming clears them too).
///
/// Thread safety: needs exclusive access to `c` (a call that finds `c` in
/// use fails, see the header).
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (`c` in use by a call on another thread); `XBAR_ERR_INTERNAL` (the core
/// is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_cost_reset(c: *mut xbar_core) -> xbar_status {
    ffi_boundary!("xbar_core_cost_reset", {
        // SAFETY: per the documented contract.
        let core = unsafe { writer(c)? };
        core.mutate(|core| {
            core.reset_cost();
            Ok(())
        })
    })
}
