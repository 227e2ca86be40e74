//! `xbar_core_array_count`, `_array_layout`, `_conductance_count`,
//! `_conductances`, `_drift_compensation`: what a core holds, read back. The
//! work is done by [`crate::Core::array_layout`], [`crate::Core::conductances`]
//! and [`crate::Core::drift_compensation`].

use super::check;
use super::handles::{try_ref, xbar_core};
use super::panic::ffi_boundary;
use super::status::{xbar_status, Failure};
use crate::Core;

/// Values per array in `xbar_core_array_layout`.
const LAYOUT_FIELDS: usize = 9;

fn programmed(core: &Core, what: &str) -> Result<(), Failure> {
    if core.is_programmed() {
        Ok(())
    } else {
        Err(crate::Error::NotProgrammed(format!("{what}: the core has not been programmed")).into())
    }
}

/// Writes `value` through `out` (checked non-NULL and aligned).
unsafe fn put<T>(out: *mut T, value: T, arg: &str) -> Result<(), Failure> {
    // SAFETY: `out` points to one writable value per the caller's contract.
    let slot = unsafe { check::output(out, 1, arg)? };
    slot[0] = value;
    Ok(())
}

/// Number of physical arrays the core holds (BALANCED: two per block, G+ and
/// G-; OFFSET: one per block; BITSLICED: those of every weight slice of
/// every block), written to `*count`.
///
/// `c` and `count` must not be NULL. The core is only read. Returns
/// `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_NOT_PROGRAMMED`;
/// `XBAR_ERR_INVALID_ARGUMENT` (`c` being changed by a call on another
/// thread); `XBAR_ERR_INTERNAL` (the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_array_count(c: *const xbar_core, count: *mut usize) -> xbar_status {
    ffi_boundary!("xbar_core_array_count", {
        // SAFETY (here and below): pointers are NULL or valid per the documented contract.
        let core = unsafe { try_ref(c, "c")? }.read()?;
        check::non_null(count, "count")?;
        programmed(&core, "xbar_core_array_count")?;
        unsafe { put(count, core.array_layout().len(), "count") }
    })
}

/// Describes every array of the core, in the order of
/// `xbar_core_conductances`: `info` holds `len = 9 * count` values
/// (`count` from `xbar_core_array_count`), nine per array:
///
/// 0. tile row (row block of the core's tiling, `xbar.array.max_rows`),
/// 1. tile column (column block),
/// 2. the first weight row the tile covers,
/// 3. the first weight column,
/// 4. role: 0 the one array of an OFFSET block or slice, 1 G+, 2 G- of a BALANCED pair,
/// 5. weight slice of a BITSLICED core (0 = least significant; 0 otherwise),
/// 6. the array's physical rows,
/// 7. its physical columns (an OFFSET block with a reference column has one
///    more than its weights),
/// 8. the index in `xbar_core_conductances` of its first cell.
///
/// Arrays come tile by tile (row-block major), G+ before G-, slices from
/// the least significant. `c` and `info` must not be NULL; on failure `info`
/// is not written. The core is only read. Returns `XBAR_OK`;
/// `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_SHAPE` (`len` is not 9 times the
/// number of arrays); `XBAR_ERR_NOT_PROGRAMMED`; `XBAR_ERR_INVALID_ARGUMENT`
/// (`c` being changed on another thread); `XBAR_ERR_INTERNAL`.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_array_layout(c: *const xbar_core, info: *mut usize, len: usize) -> xbar_status {
    ffi_boundary!("xbar_core_array_layout", {
        let core = unsafe { try_ref(c, "c")? }.read()?;
        check::non_null(info, "info")?;
        programmed(&core, "xbar_core_array_layout")?;
        let layout = core.array_layout();
        check::size_matches("len", len, LAYOUT_FIELDS * layout.len(), "9 values per array")?;
        let out = unsafe { check::output(info, len, "info")? };
        for (o, a) in out.chunks_mut(LAYOUT_FIELDS).zip(&layout) {
            o.copy_from_slice(&[
                a.tile_row,
                a.tile_col,
                a.row0,
                a.col0,
                a.role as usize,
                a.slice,
                a.rows,
                a.cols,
                a.offset,
            ]);
        }
        Ok(())
    })
}

/// Number of cells of all the core's arrays together (the length
/// `xbar_core_conductances` needs), written to `*count`.
///
/// `c` and `count` must not be NULL. The core is only read. Returns as
/// `xbar_core_array_count`.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_conductance_count(c: *const xbar_core, count: *mut usize) -> xbar_status {
    ffi_boundary!("xbar_core_conductance_count", {
        let core = unsafe { try_ref(c, "c")? }.read()?;
        check::non_null(count, "count")?;
        programmed(&core, "xbar_core_conductance_count")?;
        unsafe { put(count, core.conductance_count(), "count") }
    })
}

/// The physical conductance of every cell of every array, in siemens:
/// `g` receives `len` doubles (`len` from `xbar_core_conductance_count`),
/// the arrays one after another in the order of `xbar_core_array_layout`,
/// each row-major (its physical rows x columns). A value is the stored
/// normalised conductance (programming error, updates and the drift at the
/// last `xbar_core_set_time` included; read noise, drawn anew per read, is
/// not) times `Gmax = 1/Rmin` (`xbar.device.Rmin`, ohms).
///
/// `c` and `g` must not be NULL; on failure `g` is not written. The core is
/// only read (no random numbers are drawn). Returns `XBAR_OK`;
/// `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_SHAPE` (`len` is not the number of
/// cells); `XBAR_ERR_NOT_PROGRAMMED`; `XBAR_ERR_INVALID_ARGUMENT` (`c` being
/// changed on another thread); `XBAR_ERR_INTERNAL`.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_conductances(c: *const xbar_core, g: *mut f64, len: usize) -> xbar_status {
    ffi_boundary!("xbar_core_conductances", {
        let core = unsafe { try_ref(c, "c")? }.read()?;
        check::non_null(g, "g")?;
        programmed(&core, "xbar_core_conductances")?;
        check::size_matches(
            "len",
            len,
            core.conductance_count(),
            "the number of cells of all arrays",
        )?;
        let count = check::count::<f64>("g", &[("len", len)])?;
        let out = unsafe { check::output(g, count, "g")? };
        out.copy_from_slice(&core.conductances()?);
        Ok(())
    })
}

/// The global drift compensation factor in effect, written to `*factor`:
/// with `xbar.device.drift_compensation`, outputs are multiplied by
/// `beta_0 / beta_t`, the mean absolute output of a reference read at
/// programming over that at the time of the last `xbar_core_set_time`
/// (aihwkit's global compensation); 1 without compensation, before any
/// `xbar_core_set_time`, or for a core not yet programmed.
///
/// `c` and `factor` must not be NULL. The core is only read. Returns
/// `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT` (`c`
/// being changed on another thread); `XBAR_ERR_INTERNAL`.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_drift_compensation(c: *const xbar_core, factor: *mut f64) -> xbar_status {
    ffi_boundary!("xbar_core_drift_compensation", {
        let core = unsafe { try_ref(c, "c")? }.read()?;
        check::non_null(factor, "factor")?;
        unsafe { put(factor, core.drift_compensation(), "factor") }
    })
}
