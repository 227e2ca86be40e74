//! `xbar_core_*`: cores as opaque handles. Each function checks its handle,
//! pointers, layout and sizes, builds slices, rejects non-finite inputs, then
//! calls [`crate::Core`]. The shared shapes of the checks are the generic
//! helpers at the top; the extern functions below them are one call each.

use super::check::{self, Float};
use super::handles::{clear_out, free_box, to_boxed_mut_ptr, try_ref, xbar_core, xbar_params, CoreHandle, CoreWriter};
use super::panic::ffi_boundary;
use super::status::{xbar_status, Failure};
use crate::core::{Core, Layout};

type ProgramOp<T> = fn(&mut Core, &[T], Layout) -> crate::Result<()>;
type ReadOp<T> = fn(&Core, &mut [T], Layout) -> crate::Result<()>;
type ProductOp<T> = fn(&mut Core, &[T], usize, &mut [T]) -> crate::Result<()>;
type UpdateOp<T> = fn(&mut Core, &[T], &[T], usize, T) -> crate::Result<()>;

/// Values per matrix or vector element: 1 for real data, 2 for interleaved
/// complex (re, im) data.
#[derive(Clone, Copy)]
enum Kind {
    Real,
    Complex,
}

/// The factors of a buffer's length, named for messages.
fn dims<'n>(kind: Kind, a: (&'n str, usize), b: (&'n str, usize)) -> Vec<(&'n str, usize)> {
    match kind {
        Kind::Real => vec![a, b],
        Kind::Complex => vec![a, b, ("2 (re, im)", 2)],
    }
}

/// The core behind `c` taken exclusively, for a call that changes it: fails
/// when `c` is NULL, the core is poisoned or another call is using it.
///
/// # Safety
/// `c` is NULL or a live handle from `xbar_core_new`, not freed during `'a`.
pub(super) unsafe fn writer<'a>(c: *mut xbar_core) -> Result<CoreWriter<'a>, Failure> {
    // SAFETY: per the contract above.
    unsafe { try_ref(c.cast_const(), "c")? }.write()
}

/// Checks `rows` and `cols` against the core, then gives the element count
/// of the `w` buffer.
fn matrix_len<T>(core: &Core, rows: usize, cols: usize, kind: Kind) -> Result<usize, Failure> {
    check::size_matches("rows", rows, core.rows(), "the core's rows")?;
    check::size_matches("cols", cols, core.cols(), "the core's columns")?;
    check::count::<T>("w", &dims(kind, ("rows", rows), ("cols", cols)))
}

/// Body of the program functions.
///
/// # Safety
/// `c` as in [`writer`]; `w` NULL or valid for the documented reads.
unsafe fn program<T: Float>(
    c: *mut xbar_core,
    w: *const T,
    rows: usize,
    cols: usize,
    layout: u32,
    kind: Kind,
    op: ProgramOp<T>,
) -> Result<(), Failure> {
    // SAFETY (here and below): per the contract above.
    let core = unsafe { writer(c)? };
    check::non_null(w, "w")?;
    let layout = check::layout(layout)?;
    let len = matrix_len::<T>(&core, rows, cols, kind)?;
    let w = unsafe { check::input(w, len, "w")? };
    check::finite(w, "w")?;
    core.mutate(|core| op(core, w, layout))
}

/// Body of the read functions: the core is only read, taken shared (reads
/// of one core may overlap; a read that overlaps a change fails).
///
/// # Safety
/// `c` as in [`writer`]; `w_out` NULL or valid for the documented writes.
unsafe fn read<T>(
    c: *mut xbar_core,
    w_out: *mut T,
    rows: usize,
    cols: usize,
    layout: u32,
    kind: Kind,
    op: ReadOp<T>,
) -> Result<(), Failure> {
    let core = unsafe { try_ref(c.cast_const(), "c")? }.read()?;
    check::non_null(w_out, "w_out")?;
    let layout = check::layout(layout)?;
    let len = matrix_len::<T>(&core, rows, cols, kind)?;
    let w_out = unsafe { check::output(w_out, len, "w_out")? };
    op(&core, w_out, layout).map_err(Failure::from)
}

/// Which side of the matrix a product multiplies: names and sizes for the
/// checks of MVM (`y = W x`) and VMM (`y = v W`).
struct Side {
    input: &'static str,
    in_len: &'static str,
    out_len: &'static str,
    in_dim: fn(&Core) -> usize,
    out_dim: fn(&Core) -> usize,
    in_what: &'static str,
    out_what: &'static str,
}

const MVM: Side = Side {
    input: "x",
    in_len: "n",
    out_len: "m",
    in_dim: Core::cols,
    out_dim: Core::rows,
    in_what: "the core's columns, the MVM input length",
    out_what: "the core's rows, the MVM output length",
};

const VMM: Side = Side {
    input: "v",
    in_len: "m",
    out_len: "n",
    in_dim: Core::rows,
    out_dim: Core::cols,
    in_what: "the core's rows, the VMM input length",
    out_what: "the core's columns, the VMM output length",
};

/// Body of the mvm and vmm functions.
///
/// # Safety
/// `c` as in [`writer`]; `input` and `y` NULL or valid for the documented
/// reads and writes.
#[allow(clippy::too_many_arguments)]
unsafe fn product<T: Float>(
    side: &Side,
    c: *mut xbar_core,
    input: *const T,
    batch: usize,
    in_len: usize,
    y: *mut T,
    out_len: usize,
    kind: Kind,
    op: ProductOp<T>,
) -> Result<(), Failure> {
    let core = unsafe { writer(c)? };
    check::non_null(input, side.input)?;
    check::non_null(y, "y")?;
    check::size_matches(side.in_len, in_len, (side.in_dim)(&core), side.in_what)?;
    check::size_matches(side.out_len, out_len, (side.out_dim)(&core), side.out_what)?;
    let n_in = check::count::<T>(side.input, &dims(kind, ("batch", batch), (side.in_len, in_len)))?;
    let n_out = check::count::<T>("y", &dims(kind, ("batch", batch), (side.out_len, out_len)))?;
    check::disjoint(input, n_in, side.input, y, n_out, "y")?;
    let input = unsafe { check::input(input, n_in, side.input)? };
    check::finite(input, side.input)?;
    let y = unsafe { check::output(y, n_out, "y")? };
    core.mutate(|core| op(core, input, batch, y))
}

/// Body of the update functions.
///
/// # Safety
/// `c` as in [`writer`]; `x` and `d` NULL or valid for the documented reads.
unsafe fn update<T: Float>(
    c: *mut xbar_core,
    x: *const T,
    d: *const T,
    batch: usize,
    lr: T,
    op: UpdateOp<T>,
) -> Result<(), Failure> {
    let core = unsafe { writer(c)? };
    check::non_null(x, "x")?;
    check::non_null(d, "d")?;
    check::finite_scalar(lr, "lr")?;
    let (rows, cols) = (core.rows(), core.cols());
    let n_x = check::count::<T>("x", &[("batch", batch), ("the core's columns", cols)])?;
    let n_d = check::count::<T>("d", &[("batch", batch), ("the core's rows", rows)])?;
    let x = unsafe { check::input(x, n_x, "x")? };
    let d = unsafe { check::input(d, n_d, "d")? };
    check::finite(x, "x")?;
    check::finite(d, "d")?;
    core.mutate(|core| op(core, x, d, batch, lr))
}

// ------------------------------------------------------------ life cycle

/// Creates a core for a `rows` x `cols` matrix with the parameters `p`,
/// on the backend `p` selects. Nothing is programmed yet.
///
/// The core copies `p`: the caller keeps ownership of `p`, may change or free
/// it afterwards, and the core is unaffected. `seed` is the only source of
/// randomness of the core: the same seed, parameters and call sequence give
/// bit-identical results on the CPU backend, whatever the thread count.
/// `out` must not be NULL. On success `*out` receives a new handle that the
/// caller owns and must release with `xbar_core_free`; on failure `*out` is
/// set to NULL. Thread safety: `p` is only read.
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT` (`p` or `out` NULL);
/// `XBAR_ERR_SHAPE` (a size the parameters cannot map); `XBAR_ERR_PARAMS`;
/// `XBAR_ERR_UNSUPPORTED`; `XBAR_ERR_BACKEND_UNAVAILABLE` (backend "cuda"
/// without a usable GPU); `XBAR_ERR_OUT_OF_MEMORY`.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_new(
    p: *const xbar_params,
    rows: usize,
    cols: usize,
    seed: u64,
    out: *mut *mut xbar_core,
) -> xbar_status {
    ffi_boundary!("xbar_core_new", {
        // SAFETY (here and below): pointers are NULL or valid per the documented contract.
        unsafe { clear_out(out) };
        check::non_null(out, "out")?;
        let params = unsafe { try_ref(p, "p")? };
        let core = Core::new(params, rows, cols, seed)?;
        unsafe { out.write(to_boxed_mut_ptr(CoreHandle::new(core))) };
        Ok(())
    })
}

/// Destroys a core. NULL is a no-op. Always valid, also on a poisoned core.
///
/// `c` must come from `xbar_core_new` and must not be used (or freed) again
/// afterwards. Thread safety: needs exclusive access to `c`.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_free(c: *mut xbar_core) {
    ffi_boundary!("xbar_core_free", {
        // SAFETY: per the documented contract.
        unsafe { free_box(c) }
    })
}

/// Number of matrix rows of the core (the MVM output length, the VMM input
/// length); 0 when `c` is NULL. Thread safety: `c` is only read.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_rows(c: *const xbar_core) -> usize {
    ffi_boundary!("xbar_core_rows", {
        // SAFETY: per the documented contract.
        unsafe { try_ref(c, "c") }.map_or(0, CoreHandle::rows)
    })
}

/// Number of matrix columns of the core (the MVM input length, the VMM
/// output length); 0 when `c` is NULL. Thread safety: `c` is only read.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_cols(c: *const xbar_core) -> usize {
    ffi_boundary!("xbar_core_cols", {
        // SAFETY: per the documented contract.
        unsafe { try_ref(c, "c") }.map_or(0, CoreHandle::cols)
    })
}

// ------------------------------------------------------------ program / read

/// Programs the matrix W into the core's arrays (programming error applies).
///
/// `w` holds `rows * cols` doubles in `layout`: `XBAR_ROW_MAJOR` (element
/// (i, j) at `w[i * cols + j]`, C) or `XBAR_COL_MAJOR` (at `w[i + j * rows]`,
/// Fortran, Julia, MATLAB). `rows` and `cols` must equal the core's. `w` is
/// only read during the call. Every value must be finite. A complex core
/// (`core.complex_matrix`) is programmed with `xbar_core_program_complex`.
/// On failure the core is unchanged. Thread safety: needs exclusive access
/// to `c` (a call that finds `c` in use fails, see the header).
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (unknown layout, or NaN/Inf in `w`: the message gives the first bad
/// index; `c` in use by a call on another thread); `XBAR_ERR_SHAPE`; `XBAR_ERR_UNSUPPORTED`; `XBAR_ERR_INTERNAL`
/// (also when the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_program(
    c: *mut xbar_core,
    w: *const f64,
    rows: usize,
    cols: usize,
    layout: u32,
) -> xbar_status {
    ffi_boundary!("xbar_core_program", {
        // SAFETY: per the documented contract.
        unsafe { program(c, w, rows, cols, layout, Kind::Real, Core::program::<f64>) }
    })
}

/// As `xbar_core_program`, with single-precision weights (`rows * cols` floats).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_program_f32(
    c: *mut xbar_core,
    w: *const f32,
    rows: usize,
    cols: usize,
    layout: u32,
) -> xbar_status {
    ffi_boundary!("xbar_core_program_f32", {
        // SAFETY: per the documented contract.
        unsafe { program(c, w, rows, cols, layout, Kind::Real, Core::program::<f32>) }
    })
}

/// As `xbar_core_program`, for a complex matrix (the core needs
/// `core.complex_matrix` true): `w` holds `2 * rows * cols` doubles, each
/// element as an interleaved (re, im) pair, i.e. the memory of a C99
/// `double _Complex` or C++ `std::complex<double>` array in `layout`.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_program_complex(
    c: *mut xbar_core,
    w: *const f64,
    rows: usize,
    cols: usize,
    layout: u32,
) -> xbar_status {
    ffi_boundary!("xbar_core_program_complex", {
        // SAFETY: per the documented contract.
        unsafe { program(c, w, rows, cols, layout, Kind::Complex, Core::program_complex) }
    })
}

/// Reads back the effective weights as the arrays store them now (after
/// programming error and drift), in weight units.
///
/// `w_out` receives `rows * cols` doubles in `layout` (`XBAR_ROW_MAJOR` or
/// `XBAR_COL_MAJOR`); `rows` and `cols` must equal the core's. `w_out` is
/// only written during the call, and not at all on failure. The core is only
/// read: thread safety: reads of one core may run concurrently, but not
/// while a call changes it (such a read fails, see the header).
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (unknown layout; `c` being changed by a call on another thread); `XBAR_ERR_SHAPE`; `XBAR_ERR_NOT_PROGRAMMED`;
/// `XBAR_ERR_INTERNAL` (also when the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_read(
    c: *mut xbar_core,
    w_out: *mut f64,
    rows: usize,
    cols: usize,
    layout: u32,
) -> xbar_status {
    ffi_boundary!("xbar_core_read", {
        // SAFETY: per the documented contract.
        unsafe { read(c, w_out, rows, cols, layout, Kind::Real, Core::read::<f64>) }
    })
}

/// As `xbar_core_read`, in single precision (`rows * cols` floats).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_read_f32(
    c: *mut xbar_core,
    w_out: *mut f32,
    rows: usize,
    cols: usize,
    layout: u32,
) -> xbar_status {
    ffi_boundary!("xbar_core_read_f32", {
        // SAFETY: per the documented contract.
        unsafe { read(c, w_out, rows, cols, layout, Kind::Real, Core::read::<f32>) }
    })
}

/// As `xbar_core_read`, for a complex core: `w_out` receives `2 * rows *
/// cols` doubles, interleaved (re, im).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_read_complex(
    c: *mut xbar_core,
    w_out: *mut f64,
    rows: usize,
    cols: usize,
    layout: u32,
) -> xbar_status {
    ffi_boundary!("xbar_core_read_complex", {
        // SAFETY: per the documented contract.
        unsafe { read(c, w_out, rows, cols, layout, Kind::Complex, Core::read_complex) }
    })
}

// ------------------------------------------------------------ mvm / vmm

/// Matrix-vector products through the arrays: `y[b,:] = W x[b,:]` for each
/// of `batch` input vectors.
///
/// `x` holds `batch * n` doubles (batch x n, row-major), `y` receives
/// `batch * m` doubles (batch x m, row-major); `n` must equal the core's
/// columns and `m` its rows. Column-major callers (Julia, MATLAB: `X` is
/// n x batch) pass the same memory unchanged. `x` is only read and `y` only
/// written during the call; they must not overlap; every value of `x` must
/// be finite. On failure `y` is not written. Read noise advances the core's
/// random stream, hence the non-const handle; thread safety: needs exclusive
/// access to `c` (a call that finds `c` in use fails, see the header).
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (NaN/Inf in `x`, with its index; overlapping buffers; `c` in use by a
/// call on another thread); `XBAR_ERR_SHAPE`
/// (`n`, `m` or `batch * n` wrong or overflowing); `XBAR_ERR_NOT_PROGRAMMED`;
/// `XBAR_ERR_NO_CONVERGENCE`; `XBAR_ERR_BACKEND_UNAVAILABLE`;
/// `XBAR_ERR_INTERNAL` (also when the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_mvm(
    c: *mut xbar_core,
    x: *const f64,
    batch: usize,
    n: usize,
    y: *mut f64,
    m: usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_mvm", {
        // SAFETY: per the documented contract.
        unsafe { product(&MVM, c, x, batch, n, y, m, Kind::Real, Core::mvm::<f64>) }
    })
}

/// As `xbar_core_mvm`, in single precision (computed in double precision).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_mvm_f32(
    c: *mut xbar_core,
    x: *const f32,
    batch: usize,
    n: usize,
    y: *mut f32,
    m: usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_mvm_f32", {
        // SAFETY: per the documented contract.
        unsafe { product(&MVM, c, x, batch, n, y, m, Kind::Real, Core::mvm::<f32>) }
    })
}

/// As `xbar_core_mvm`, for complex data (`core.complex_matrix` and/or
/// `core.complex_input`): `x` holds `2 * batch * n` doubles and `y` receives
/// `2 * batch * m` doubles, each element an interleaved (re, im) pair (the
/// memory of `double _Complex` / `std::complex<double>`); `n` and `m` count
/// complex elements.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_mvm_complex(
    c: *mut xbar_core,
    x: *const f64,
    batch: usize,
    n: usize,
    y: *mut f64,
    m: usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_mvm_complex", {
        // SAFETY: per the documented contract.
        unsafe { product(&MVM, c, x, batch, n, y, m, Kind::Complex, Core::mvm_complex) }
    })
}

/// Vector-matrix products through the arrays (the transpose direction, with
/// the VMM periphery parameters): `y[b,:] = v[b,:] W` for each of `batch`
/// input vectors.
///
/// `v` holds `batch * m` doubles (batch x m, row-major), `y` receives
/// `batch * n` doubles (batch x n, row-major); `m` must equal the core's rows
/// and `n` its columns. Otherwise as `xbar_core_mvm`: `v` only read, `y` only
/// written and not on failure, no overlap, finite inputs, exclusive access to
/// `c`, the same status codes.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_vmm(
    c: *mut xbar_core,
    v: *const f64,
    batch: usize,
    m: usize,
    y: *mut f64,
    n: usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_vmm", {
        // SAFETY: per the documented contract.
        unsafe { product(&VMM, c, v, batch, m, y, n, Kind::Real, Core::vmm::<f64>) }
    })
}

/// As `xbar_core_vmm`, in single precision (computed in double precision).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_vmm_f32(
    c: *mut xbar_core,
    v: *const f32,
    batch: usize,
    m: usize,
    y: *mut f32,
    n: usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_vmm_f32", {
        // SAFETY: per the documented contract.
        unsafe { product(&VMM, c, v, batch, m, y, n, Kind::Real, Core::vmm::<f32>) }
    })
}

/// As `xbar_core_vmm`, for complex data: `v` holds `2 * batch * m` doubles
/// and `y` receives `2 * batch * n` doubles, interleaved (re, im).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_vmm_complex(
    c: *mut xbar_core,
    v: *const f64,
    batch: usize,
    m: usize,
    y: *mut f64,
    n: usize,
) -> xbar_status {
    ffi_boundary!("xbar_core_vmm_complex", {
        // SAFETY: per the documented contract.
        unsafe { product(&VMM, c, v, batch, m, y, n, Kind::Complex, Core::vmm_complex) }
    })
}

// ------------------------------------------------------------ update / drift

/// Outer-product update through the device update model
/// (`xbar.device.update`: "Ideal" or CrossSim 2's "Analytic" nonlinearity
/// and write noise): `W += lr * sum_b d[b,:] (outer) x[b,:]`, one parallel
/// write per sample or the batch summed and written once (`batch_mode`).
/// Balanced cores write the change into both devices with opposite signs;
/// devices saturate at the edges of the conductance window.
///
/// `x` holds `batch * cols` doubles and `d` holds `batch * rows` doubles
/// (both row-major, sizes taken from the core); both are only read during
/// the call; every value must be finite and `lr >= 0`. An update that fails is
/// not half-applied. Thread safety: needs exclusive access to `c` (a call
/// that finds `c` in use fails, see the header).
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (NaN/Inf in `x`, `d` or `lr`, or `lr < 0`; `c` in use by a call on
/// another thread); `XBAR_ERR_SHAPE` (`batch` overflowing);
/// `XBAR_ERR_NOT_PROGRAMMED`; `XBAR_ERR_UNSUPPORTED` (bit-sliced or complex
/// cores); `XBAR_ERR_INTERNAL` (also when the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_update(
    c: *mut xbar_core,
    x: *const f64,
    d: *const f64,
    batch: usize,
    lr: f64,
) -> xbar_status {
    ffi_boundary!("xbar_core_update", {
        // SAFETY: per the documented contract.
        unsafe { update(c, x, d, batch, lr, Core::update::<f64>) }
    })
}

/// As `xbar_core_update`, in single precision.
#[no_mangle]
pub unsafe extern "C" fn xbar_core_update_f32(
    c: *mut xbar_core,
    x: *const f32,
    d: *const f32,
    batch: usize,
    lr: f32,
) -> xbar_status {
    ffi_boundary!("xbar_core_update_f32", {
        // SAFETY: per the documented contract.
        unsafe { update(c, x, d, batch, lr, Core::update::<f32>) }
    })
}

/// Moves the programmed arrays to their state `seconds` after programming,
/// as the enabled drift model (`xbar.device.drift_error`: "SONOS", whose
/// calibration counts days, or "PCMLike") describes it; without a drift model
/// the arrays do not change. Each call starts again from the programmed
/// devices, so `set_time(c, 0)` restores the programmed state. With
/// `xbar.device.drift_compensation` later outputs are rescaled by the ratio
/// of reference reads at programming and now.
///
/// `seconds` must be finite and >= 0. Thread safety: needs exclusive access
/// to `c` (a call that finds `c` in use fails, see the header).
///
/// Returns `XBAR_OK`; `XBAR_ERR_NULL_ARGUMENT`; `XBAR_ERR_INVALID_ARGUMENT`
/// (NaN/Inf or negative; `c` in use by a call on another thread); `XBAR_ERR_NOT_PROGRAMMED`; `XBAR_ERR_PARAMS` (a
/// device outside the drift model's calibrated range);
/// `XBAR_ERR_INTERNAL` (also when the core is poisoned).
#[no_mangle]
pub unsafe extern "C" fn xbar_core_set_time(c: *mut xbar_core, seconds: f64) -> xbar_status {
    ffi_boundary!("xbar_core_set_time", {
        // SAFETY: per the documented contract.
        let core = unsafe { writer(c)? };
        check::finite_scalar(seconds, "seconds")?;
        core.mutate(|core| core.set_time(seconds))
    })
}
