//! `xbar_core_export_spice`: a core's first array as an ngspice netlist. The
//! work is done by [`crate::Core::export_spice`].

use std::ffi::c_char;

use super::check;
use super::handles::{try_ref, xbar_core};
use super::panic::ffi_boundary;
use super::params::{check_text_output, write_text};
use super::status::xbar_status;

/// Writes an ngspice-compatible netlist (SPICE3 syntax) of ONE array of the
/// core for ONE MVM input vector, NUL-terminated, into a caller buffer: query
/// size, then fill, as `xbar_params_to_json`.
///
/// Which array: that of the first (top-left) block of the core: for BALANCED
/// cores its G+ array, or the G+/G- pair as one network when
/// `core.balanced.interleaved_posneg` is set; for OFFSET cores its array (a
/// UNIT_COLUMN reference line is output 0); for BITSLICED cores the array (or
/// interleaved pair) of the least significant weight slice.
///
/// `x` holds `n` doubles, the MVM input in weight units; `n` must equal the
/// core's columns. The first block's part of `x` is scaled and converted by
/// the MVM DAC as in `xbar_core_mvm` (input bit slicing is not applied: the
/// whole DAC output drives the array). A normalised input of 1 is
/// `xbar.device.Vread` volts.
///
/// The deck holds: a source `VX<l>` (and `VXN<l>` at the opposite voltage for
/// the negative cells of a pair, or supply sources for separate-source
/// arrays) per input line `l`; one resistor per cell with its programmed
/// conductance (no read noise) as `Rmin/G` ohms, or a behavioural source `B…`
/// for nonlinear I-V cells; the wire segment and terminal resistors of
/// `xbar.array.parasitics` in ohms (terminal resistances at each line's own
/// driver and sense end; none when parasitics are off); a 0 V sense source
/// `VY<k>` per output line `k`; `.op`; and a `.control` block that prints
/// every output current `i(vy<k>)` (amperes) when run as `ngspice -b
/// deck.cir`. xbar's own solution of the same circuit is included as comment
/// lines `* xbar i(vy<k>) = <amperes>`.
///
/// `c` and `len` must not be NULL; `x` must not be NULL; `buf` points to `cap`
/// writable bytes and may be NULL when `cap` is 0. On `XBAR_OK` and on
/// `XBAR_ERR_BUFFER_TOO_SMALL`, `*len` receives the bytes the text needs
/// INCLUDING the terminating NUL; when `cap` is too small nothing is written
/// to `buf`. On other failures neither `buf` nor `*len` is written. The core
/// is only read (no random numbers are drawn); nothing is retained after the
/// call. Thread safety: concurrent calls on one core are fine as long as no
/// thread modifies it.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_SHAPE` (`n` is not
/// the core's columns); `XBAR_ERR_INVALID_ARGUMENT` (a non-finite `x`, a
/// complex core, or Vread 0 with nonlinear cells); `XBAR_ERR_NOT_PROGRAMMED`;
/// `XBAR_ERR_NO_CONVERGENCE` (xbar's nonlinear solve failed);
/// `XBAR_ERR_BUFFER_TOO_SMALL`; `XBAR_ERR_INTERNAL` (the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_export_spice(
    c: *const xbar_core,
    x: *const f64,
    n: usize,
    buf: *mut c_char,
    cap: usize,
    len: *mut usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_export_spice", {
        // SAFETY (here and below): pointers are NULL or valid per the documented contract.
        let core = unsafe { try_ref(c, "c")? }.read()?;
        check::non_null(x, "x")?;
        check_text_output(buf, cap, len)?;
        check::size_matches("n", n, core.cols(), "the core's columns, the MVM input length")?;
        let count = check::count::<f64>("x", &[("n", n)])?;
        let x = unsafe { check::input(x, count, "x")? };
        check::finite(x, "x")?;
        let export = core.export_spice(x)?;
        unsafe { write_text(&export.netlist, buf, cap, len) }
    })
}
