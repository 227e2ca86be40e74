//! Measured device lookup tables: load a table set, attach it to a core's
//! updates, build a table from raw pulse-train measurements.

use super::check;
use super::cores::writer;
use super::handles::{clear_out, free_box, to_boxed_mut_ptr, try_ref, xbar_core, xbar_lut};
use super::panic::ffi_boundary;
use super::status::xbar_status;
use crate::device::update::lookup_table::{self, pulse_trains};
use std::ffi::c_char;
use std::path::Path;
use std::sync::Arc;

/// Loads measured device lookup tables (CrossSim 2 format) from the folder
/// `dir`: one pair `dG_increasing.txt` / `dG_decreasing.txt` (one device), or
/// numbered pairs `dG_increasing<N>.txt` / `dG_decreasing<N>.txt`, or one
/// sub-folder per device holding a pair (a device set: each cell is assigned
/// one device). On success `*out` owns the tables: free them with
/// `xbar_lut_free`; cores they are attached to keep their own reference.
/// On failure `*out` is NULL.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (`dir` not UTF-8); `XBAR_ERR_IO` (missing or unreadable files, naming the
/// path); `XBAR_ERR_PARSE` (a malformed table, naming file and line).
#[no_mangle]
pub unsafe extern "C" fn xbar_lut_load(dir: *const c_char, out: *mut *mut xbar_lut) -> xbar_status {
    ffi_boundary!("xbar_lut_load", {
        // SAFETY: per the documented contract.
        unsafe { clear_out(out) };
        check::non_null(out, "out")?;
        let dir = unsafe { check::text(dir, "dir", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        let model = lookup_table::load(Path::new(dir))?;
        unsafe { out.write(to_boxed_mut_ptr::<xbar_lut>(Arc::new(model))) };
        Ok(())
    })
}

/// Destroys a table set. NULL is a no-op. Cores it was attached to keep
/// their own reference and stay valid.
#[no_mangle]
pub unsafe extern "C" fn xbar_lut_free(lut: *mut xbar_lut) {
    ffi_boundary!("xbar_lut_free", {
        // SAFETY: per the documented contract.
        unsafe { free_box(lut) }
    })
}

/// Makes later `xbar_core_update` calls on `c` write through the lookup
/// tables `lut` (replacing the update model of the core's parameters); each
/// cell is assigned one device of the set from the core's seed.
/// Thread safety: needs exclusive access to `c` (a call that finds `c` in
/// use fails, see the header); `lut` is only read.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (`c` in use by a call on another thread); `XBAR_ERR_INTERNAL` (a
/// poisoned core).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_set_lut(c: *mut xbar_core, lut: *const xbar_lut) -> xbar_status {
    ffi_boundary!("xbar_core_set_lut", {
        // SAFETY: per the documented contract.
        let core = unsafe { writer(c)? };
        let model = unsafe { try_ref(lut, "lut")? }.clone();
        core.mutate(|core| {
            core.set_lookup_table(model);
            Ok(())
        })
    })
}

/// Builds a lookup table from raw pulse-train measurements and writes it in
/// the CrossSim 2 format (`dG_increasing.txt`, `dG_decreasing.txt`) into the
/// existing folder `out_dir`. `set_csv` and `reset_csv` are CSV files whose
/// columns are ramps of conductances (siemens), one value after each
/// identical pulse (potentiation and depression).
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (a path not UTF-8); `XBAR_ERR_IO`; `XBAR_ERR_PARSE` (a malformed CSV,
/// naming file and line).
#[no_mangle]
pub unsafe extern "C" fn xbar_lut_from_pulse_trains(
    set_csv: *const c_char,
    reset_csv: *const c_char,
    out_dir: *const c_char,
) -> xbar_status {
    ffi_boundary!("xbar_lut_from_pulse_trains", {
        // SAFETY: per the documented contract.
        let set = unsafe { check::text(set_csv, "set_csv", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        let reset = unsafe { check::text(reset_csv, "reset_csv", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        let dir = unsafe { check::text(out_dir, "out_dir", xbar_status::XBAR_ERR_INVALID_ARGUMENT)? };
        let (inc, dec) = pulse_trains::from_files(
            Path::new(set),
            Path::new(reset),
            &pulse_trains::PulseTrainOptions::default(),
        )?;
        pulse_trains::write_pair(Path::new(dir), &inc, &dec)?;
        Ok(())
    })
}
