//! The user-facing [`Core`]: one matrix programmed onto simulated crossbar
//! arrays (tiled when it exceeds one array), with program / read / mvm / vmm.
//! Data path of one MVM (spec §1): inputs → per-vector scaling → per block:
//! DAC → arrays → ADC → recombination → scale back → sum of blocks.

use crate::array::Op;
use crate::batch::{Batch, BatchRef};
use crate::complex;
use crate::device::cells::{Cells, Draws};
use crate::device::conductance::Window;
use crate::error::{Error, Result};
use crate::mapping::limits::percentile_limits;
use crate::mapping::{BlockContext, Mapping};
use crate::params::Params;
use crate::rng::identity;
use crate::support;
use crate::tiling::Tiling;

mod cost;
mod counters;
mod drift;
mod introspect;
mod layout;
mod read;
mod real;
mod snapshot;
mod spice;
mod update;
use counters::Counters;
pub use introspect::{ArrayInfo, ArrayRole};
use layout::{check_allocatable, check_data, check_out, from_row_major, to_row_major};
pub use real::Real;
pub use spice::SpiceExport;

/// Memory order of a matrix passed to [`Core::program`] or [`Core::read`].
///
/// ```
/// use xbar::{Core, Layout, Params};
///
/// let mut p = Params::default();
/// p.xbar.device.infinite_on_off_ratio = true;
/// let mut core = Core::new(&p, 2, 3, 0)?;
/// // The 2 x 3 matrix [[0.5, -0.25, 1], [0.75, 0, -1]], column by column.
/// core.program(&[0.5, 0.75, -0.25, 0.0, 1.0, -1.0], Layout::ColMajor)?;
/// let mut w = [0.0; 6];
/// core.read(&mut w, Layout::RowMajor)?;
/// assert_eq!(w, [0.5, -0.25, 1.0, 0.75, 0.0, -1.0]);
/// # Ok::<(), xbar::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Element (i, j) at `i * cols + j` (C, NumPy).
    RowMajor,
    /// Element (i, j) at `i + j * rows` (Fortran, Julia, MATLAB).
    ColMajor,
}

/// One simulated matrix: `rows × cols` weights on one or more arrays.
/// MVM computes `y = W x` (x has `cols` entries, y has `rows`); VMM computes
/// `y = v W` (v has `rows` entries, y has `cols`).
///
/// The real entry points (`program`, `read`, `mvm`, `vmm`, `update`) take
/// `f64` or `f32` data ([`Real`]); complex cores use the `_complex` ones.
/// Every call checks its sizes and values and returns an [`Error`] instead
/// of writing a partial result.
///
/// ```
/// use xbar::{Core, Layout, Params};
///
/// let mut p = Params::default();
/// p.set_json("xbar.device.read_noise",
///            r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}"#)?;
/// let mut core = Core::new(&p, 2, 2, 7)?; // 2 x 2 matrix, seed 7
/// core.program(&[0.5, -0.5, 0.25, 1.0], Layout::RowMajor)?;
///
/// // Two MVMs in one batch (x is batch x cols, y is batch x rows), and one VMM.
/// let mut y = [0.0f64; 4];
/// core.mvm(&[1.0, 0.0, 0.0, 1.0], 2, &mut y)?;
/// assert!((y[0] - 0.5).abs() < 0.1 && (y[3] - 1.0).abs() < 0.1);
/// let mut z = [0.0f32; 2]; // single precision works the same way
/// core.vmm(&[1.0f32, 1.0], 1, &mut z)?;
/// assert!((z[0] - 0.75).abs() < 0.1);
///
/// // One in-situ training step, W += lr · d ⊗ x, then the stored weights.
/// core.update(&[1.0, 0.0], &[0.0, -1.0], 1, 0.25)?;
/// let mut w = [0.0f64; 4];
/// core.read(&mut w, Layout::RowMajor)?;
/// assert!((w[2] - 0.0).abs() < 0.1);
///
/// // The arrays one hour after programming (no drift model: unchanged).
/// core.set_time(3600.0)?;
///
/// // Saved and loaded, the core gives the same results.
/// let path = std::env::temp_dir().join(format!("xbar-doc-{}.xbar", std::process::id()));
/// core.save(&path)?;
/// let mut again = Core::load(&path)?;
/// std::fs::remove_file(&path).ok();
/// let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
/// core.mvm(&[1.0, 1.0], 1, &mut a)?;
/// again.mvm(&[1.0, 1.0], 1, &mut b)?;
/// assert_eq!(a, b);
/// # Ok::<(), xbar::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Core {
    params: Params,
    rows: usize,
    cols: usize,
    seed: u64,
    complex: bool,
    tiling: Tiling,
    /// Blocks in row-major grid order; empty until programmed.
    blocks: Vec<Mapping>,
    /// The error laws of the cells at the core's current time.
    cells: Cells,
    /// The physical (real, complex-expanded) matrix last programmed, kept
    /// only where a drift model needs it to re-derive the arrays at another
    /// time (see [`Core::keeps_matrix`]); empty otherwise.
    matrix: Vec<f64>,
    /// The weight range `(wmin, wmax)` the blocks were programmed with (from
    /// `core.mapping.weights`, or a percentile of the matrix).
    weight_limits: (f64, f64),
    /// Time since programming, in the drift model's unit.
    time: f64,
    /// Calls of `program`, `set_time`, `update` and of the reads: they key
    /// the random streams, and a saved core keeps them as one unit.
    counters: Counters,
    /// The arrays were updated since `matrix` was programmed.
    updated: bool,
    /// Global drift compensation: the reference read at programming, and the
    /// factor applied to outputs (1 without compensation).
    drift_reference: f64,
    drift_factor: f64,
    /// The update model (`xbar.device.update`), built once (lookup tables are loaded at `new`).
    /// Wire resistances of the arrays when parasitics are simulated.
    wires: Option<std::sync::Arc<crate::circuit::parasitics::Wires>>,
    /// The cells' nonlinear I-V law (`xbar.device.nonlinear_IV`), if any.
    iv: Option<crate::device::iv::IvModel>,
    update_model: std::sync::Arc<dyn crate::device::update::DeviceUpdate>,
    /// Where the arrays' products run (the CPU or a GPU), chosen at `new`.
    backend: std::sync::Arc<dyn crate::backend::Backend>,
    /// With `aihwkit.enable`: aihwkit's tiles over the stored weights, built
    /// at the first read after each change of the arrays.
    aihwkit: Option<Box<crate::aihwkit::Tiles>>,
    /// Cost counters of the reads (`xbar.cost`): last call and since programming.
    cost: crate::cost::Meter,
}

impl Core {
    /// A core for a `rows × cols` matrix with a copy of `params`. Checks the
    /// parameters, that every requested model is available, and the periphery
    /// of every block; nothing is programmed yet. `seed` keys the core's
    /// random streams.
    pub fn new(params: &Params, rows: usize, cols: usize, seed: u64) -> Result<Core> {
        Core::with_update_model(params, rows, cols, seed, None)
    }

    /// As [`Core::new`]; with `update_model`, updates write through it and
    /// the model the parameters select is not built (no tables are loaded).
    fn with_update_model(
        params: &Params,
        rows: usize,
        cols: usize,
        seed: u64,
        update_model: Option<std::sync::Arc<dyn crate::device::update::DeviceUpdate>>,
    ) -> Result<Core> {
        params.validate()?;
        support::check(params)?;
        if rows == 0 || cols == 0 {
            return Err(Error::shape(format!(
                "a core needs at least one row and one column, got {rows} x {cols}"
            )));
        }
        let complex = params.core.complex_matrix || params.core.complex_input;
        let k = if complex { 2 } else { 1 };
        let (prows, pcols) = (rows.checked_mul(k), cols.checked_mul(k));
        let (prows, pcols) = match (prows, pcols) {
            (Some(r), Some(c)) if r.checked_mul(c).is_some_and(|n| n <= isize::MAX as usize / 16) => (r, c),
            _ => return Err(Error::shape(format!("a {rows} x {cols} matrix is too large"))),
        };
        check_allocatable(prows * pcols, rows, cols)?;
        crate::aihwkit::check(params, prows, pcols)?;
        let tiling = Tiling::plan(params, prows, pcols)?;
        if tiling.len() > identity::MAX_BLOCKS {
            return Err(Error::shape(format!(
                "a {rows} x {cols} matrix tiled into {} arrays of at most core.rows_max x core.cols_max cells: \
                 at most {} tiles have random streams of their own; raise core.rows_max or core.cols_max",
                tiling.len(),
                identity::MAX_BLOCKS
            )));
        }
        let time = params.xbar.device.time;
        let d = &params.xbar.device;
        let update_model = match update_model {
            Some(m) => m,
            None => crate::device::update::model(&d.update, d.gmin_norm(), seed)?.into(),
        };
        let backend = crate::backend::choose(params)?;
        let core = Core {
            params: params.clone(),
            rows,
            cols,
            seed,
            complex,
            tiling,
            blocks: Vec::new(),
            cells: Cells::new(&params.xbar.device, time)?,
            matrix: Vec::new(),
            weight_limits: (-1.0, 1.0),
            time,
            counters: Counters::default(),
            updated: false,
            drift_reference: 1.0,
            drift_factor: 1.0,
            wires: {
                let w = crate::circuit::parasitics::Wires::from_params(params);
                w.is_active().then(|| std::sync::Arc::new(w))
            },
            iv: crate::device::iv::IvModel::from_params(&params.xbar.device)?,
            update_model,
            backend,
            aihwkit: None,
            cost: crate::cost::Meter::new(params),
        };
        // Build the periphery of every block once so that bad ADC/DAC
        // settings fail here rather than at the first program.
        let ctx = core.block_context(1.0, false, 0);
        for &(_, nr) in &core.tiling.row_blocks {
            for &(_, nc) in &core.tiling.col_blocks {
                Mapping::check(&ctx, nr, nc)?;
            }
        }
        Ok(core)
    }
    /// Matrix rows (MVM outputs).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Matrix columns (MVM inputs).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The core's own copy of its parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }
    /// The seed the core was created with.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Whether the core holds a complex matrix (`core.complex_matrix` or `core.complex_input`).
    pub fn is_complex(&self) -> bool {
        self.complex
    }
    /// Whether `program` has succeeded on this core.
    pub fn is_programmed(&self) -> bool {
        !self.blocks.is_empty()
    }
    /// The GPU the core runs on (`"cuda"`, or `"auto"` with a usable GPU); `None`: the CPU.
    #[doc(hidden)]
    pub fn gpu(&self) -> Option<&crate::gpu::Gpu> {
        self.backend.gpu()
    }
    /// Number of physical array blocks the matrix is tiled over.
    pub fn num_blocks(&self) -> usize {
        self.tiling.len()
    }

    /// Bytes of per-cell state the core holds: every array's conductances
    /// (4 or 8 bytes per cell, `simulation.conductance_precision`), the
    /// per-cell σ of a conductance-dependent read-noise law (8 bytes per
    /// cell, only with such a law) and the programmed matrix a drift model
    /// keeps (8 bytes per weight, only with drift), and with `aihwkit.enable`
    /// the tiles' single-precision weights once read (4 bytes per weight, 8
    /// when IR drop or PCM read noise needs `|W|` too). Buffers of O(rows + cols)
    /// and the parameters are not counted.
    pub fn state_bytes(&self) -> usize {
        let arrays: usize = self
            .blocks
            .iter()
            .flat_map(|b| b.arrays())
            .map(|a| a.g.len() * a.g.cell_bytes() + a.noise.as_ref().map_or(0, |n| n.sigma.len() * 8))
            .sum();
        arrays + self.matrix.len() * 8 + self.aihwkit.as_ref().map_or(0, |t| t.state_bytes())
    }

    fn phys(&self) -> (usize, usize) {
        let k = if self.complex { 2 } else { 1 };
        (self.rows * k, self.cols * k)
    }

    fn require_real(&self, what: &str) -> Result<()> {
        if self.complex {
            return Err(Error::InvalidArgument(format!(
                "{what}: this core is complex; use the complex entry point"
            )));
        }
        Ok(())
    }

    fn require_complex(&self, what: &str) -> Result<()> {
        if !self.complex {
            return Err(Error::InvalidArgument(format!(
                "{what}: this core is real; set core.complex_matrix to use complex data"
            )));
        }
        Ok(())
    }

    fn require_programmed(&self, what: &str) -> Result<()> {
        if self.blocks.is_empty() {
            return Err(Error::NotProgrammed(format!(
                "{what}: the core has not been programmed"
            )));
        }
        Ok(())
    }

    fn block_context(&self, wmax: f64, percentile_range: bool, program_call: u64) -> BlockContext<'_> {
        BlockContext {
            params: &self.params,
            window: Window::new(&self.params.xbar.device),
            wmax,
            percentile_range,
            cells: &self.cells,
            draws: Draws {
                seed: self.seed,
                program_call,
                time_call: self.counters.time_calls,
            },
            block: 0,
            wires: self.wires.clone(),
            iv: self.iv,
            programs: self.backend.programs(),
        }
    }

    /// Whether the core keeps the programmed matrix: only a drift model
    /// needs it (`set_time` programs it again at the new time). Otherwise the
    /// arrays are the only per-weight state.
    fn keeps_matrix(&self) -> bool {
        self.params.xbar.device.drift_error.enable
    }

    /// The weight range `(wmin, wmax)` of the physical matrix `m`:
    /// `core.mapping.weights` min/max, or its percentile of `m`.
    fn weight_limits(&self, m: &[f64]) -> (f64, f64) {
        let wm = &self.params.core.mapping.weights;
        match wm.percentile {
            Some(pc) => percentile_limits(m, pc),
            None => (wm.min.unwrap_or(-1.0), wm.max.unwrap_or(1.0)),
        }
    }

    /// Clipping to `(wmin, wmax)`, partitioning and programming of every
    /// block of the physical (real) matrix `m` as write number
    /// `program_call`; returns the blocks without touching the core.
    fn program_blocks(&self, m: &[f64], (wmin, wmax): (f64, f64), program_call: u64) -> Result<Vec<Mapping>> {
        let p = &self.params;
        let wm = &p.core.mapping.weights;
        let mut ctx = self.block_context(wmin.abs().max(wmax.abs()), wm.percentile.is_some(), program_call);
        let (_, pcols) = self.phys();
        let mut blocks = Vec::with_capacity(self.tiling.len());
        for &(r0, nr) in &self.tiling.row_blocks {
            for &(c0, nc) in &self.tiling.col_blocks {
                let mut w = Vec::with_capacity(nr * nc);
                for i in r0..r0 + nr {
                    w.extend_from_slice(&m[i * pcols + c0..i * pcols + c0 + nc]);
                }
                if wm.clipping {
                    for x in &mut w {
                        *x = x.clamp(wmin, wmax);
                    }
                }
                ctx.block = blocks.len() as u32;
                blocks.push(Mapping::program(&ctx, &w, nr, nc)?);
            }
        }
        self.drift_net_pairs(&mut blocks, program_call)?;
        Ok(blocks)
    }

    /// Programs `w` (`rows × cols` in `layout`), in `f64` or `f32` (widened
    /// exactly to `f64`). On a complex core the imaginary parts are zero.
    pub fn program<T: Real>(&mut self, w: &[T], layout: Layout) -> Result<()> {
        self.program_f64(&T::widen(w), layout)
    }
    fn program_f64(&mut self, w: &[f64], layout: Layout) -> Result<()> {
        check_data("w", w, self.rows * self.cols, "rows x cols")?;
        let m = to_row_major(w, self.rows, self.cols, 1, layout);
        if self.complex {
            let c: Vec<f64> = m.iter().flat_map(|&re| [re, 0.0]).collect();
            return self.install(complex::expand_matrix(&c, self.rows, self.cols));
        }
        self.install(m)
    }
    /// Programs a complex matrix given as interleaved (re, im) pairs, `2·rows·cols` values.
    pub fn program_complex(&mut self, w: &[f64], layout: Layout) -> Result<()> {
        self.require_complex("program_complex")?;
        check_data("w", w, 2 * self.rows * self.cols, "2 x rows x cols, interleaved re/im")?;
        let m = to_row_major(w, self.rows, self.cols, 2, layout);
        self.install(complex::expand_matrix(&m, self.rows, self.cols))
    }

    /// Programs the physical matrix `m` as a new write of the arrays.
    fn install(&mut self, m: Vec<f64>) -> Result<()> {
        let call = self.counters.program_calls + 1;
        let weight_limits = self.weight_limits(&m);
        let blocks = self.program_blocks(&m, weight_limits, call)?;
        let mut next = Core {
            blocks,
            matrix: if self.keeps_matrix() { m } else { Vec::new() },
            weight_limits,
            counters: Counters {
                program_calls: call,
                ..self.counters
            },
            updated: false,
            drift_factor: 1.0,
            ..self.clone_settings()
        };
        if next.params.xbar.device.drift_compensation {
            next.drift_reference = next.reference_read()?;
        }
        next.cost.reset();
        *self = next;
        Ok(())
    }

    /// A copy of the core without its arrays (they are replaced by the caller).
    fn clone_settings(&self) -> Core {
        Core {
            params: self.params.clone(),
            tiling: self.tiling.clone(),
            blocks: Vec::new(),
            cells: self.cells.clone(),
            matrix: Vec::new(),
            update_model: self.update_model.clone(),
            wires: self.wires.clone(),
            backend: self.backend.clone(),
            aihwkit: None,
            cost: self.cost.clone(),
            ..*self
        }
    }

    /// aihwkit's global drift compensation reference: `max(1e-4, mean |y|)`
    /// over the MVMs of every one-hot input (all non-idealities on).
    fn reference_read(&mut self) -> Result<f64> {
        let n = self.phys().1;
        let mut eye = Batch::zeros(n, n);
        for b in 0..n {
            eye.vector_mut(b)[b] = 1.0;
        }
        let factor = std::mem::replace(&mut self.drift_factor, 1.0);
        let y = self.apply(Op::Mvm, &eye);
        self.drift_factor = factor;
        Ok((y?.data.iter().map(|v| v.abs()).sum::<f64>() / (n * self.phys().0) as f64).max(1e-4))
    }

    /// The blocks with every array's newest conductances in its `g`: the
    /// blocks themselves, or, when a backend holds newer conductances of some
    /// arrays (updates it ran on its device), a copy with those fetched.
    pub(crate) fn host_blocks(&self) -> Result<std::borrow::Cow<'_, [Mapping]>> {
        let newer = |b: &Mapping| b.arrays().iter().any(|a| a.newer().is_some());
        if !self.blocks.iter().any(newer) {
            return Ok(std::borrow::Cow::Borrowed(&self.blocks));
        }
        let mut blocks = self.blocks.clone();
        for b in &mut blocks {
            for a in b.arrays_mut() {
                a.take_newer(&self.cells)?;
            }
        }
        Ok(std::borrow::Cow::Owned(blocks))
    }

    /// The stored physical matrix (row-major, real, complex-expanded).
    fn read_phys(&self) -> Result<Vec<f64>> {
        let (_, pcols) = self.phys();
        let mut out = vec![0.0; self.phys().0 * pcols];
        let ncb = self.tiling.col_blocks.len();
        let blocks = self.host_blocks()?;
        for (ri, &(r0, nr)) in self.tiling.row_blocks.iter().enumerate() {
            for (ci, &(c0, nc)) in self.tiling.col_blocks.iter().enumerate() {
                let w = blocks[ri * ncb + ci].read();
                for i in 0..nr {
                    out[(r0 + i) * pcols + c0..(r0 + i) * pcols + c0 + nc].copy_from_slice(&w[i * nc..(i + 1) * nc]);
                }
            }
        }
        Ok(out)
    }

    /// Writes the effective weights as stored now (`rows × cols` in `layout`):
    /// after clipping and quantisation, without read noise. `f32` output is
    /// the stored `f64` value rounded to nearest.
    pub fn read<T: Real>(&self, out: &mut [T], layout: Layout) -> Result<()> {
        T::through_f64(out, |out| self.read_f64(out, layout))
    }
    fn read_f64(&self, out: &mut [f64], layout: Layout) -> Result<()> {
        self.require_real("read")?;
        self.require_programmed("read")?;
        check_out("w_out", out.len(), self.rows * self.cols, "rows x cols")?;
        from_row_major(&self.read_phys()?, self.rows, self.cols, 1, layout, out);
        Ok(())
    }
    /// Complex read-back, interleaved (re, im), `2·rows·cols` values.
    pub fn read_complex(&self, out: &mut [f64], layout: Layout) -> Result<()> {
        self.require_complex("read_complex")?;
        self.require_programmed("read_complex")?;
        check_out("w_out", out.len(), 2 * self.rows * self.cols, "2 x rows x cols")?;
        let c = complex::collapse_matrix(&self.read_phys()?, self.rows, self.cols);
        from_row_major(&c, self.rows, self.cols, 2, layout, out);
        Ok(())
    }

    /// `y[b,:] = W x[b,:]`: x is `batch × cols`, y is `batch × rows`, row-major.
    /// `y` is written only on success. Computed in double precision; `f32`
    /// inputs are widened exactly and the outputs rounded to nearest.
    pub fn mvm<T: Real>(&mut self, x: &[T], batch: usize, y: &mut [T]) -> Result<()> {
        let x = T::widen(x);
        T::through_f64(y, |y| self.mvm_f64(x, batch, y))
    }
    fn mvm_f64(&mut self, x: std::borrow::Cow<'_, [f64]>, batch: usize, y: &mut [f64]) -> Result<()> {
        self.require_real("mvm")?;
        self.require_programmed("mvm")?;
        check_data("x", &x, batch * self.cols, "batch x cols")?;
        check_out("y", y.len(), batch * self.rows, "batch x rows")?;
        self.apply_into(Op::Mvm, BatchRef::new(self.cols, batch, &x), y)
    }
    /// Complex MVM; x and y interleaved (re, im): `2·batch·cols` and `2·batch·rows` values.
    pub fn mvm_complex(&mut self, x: &[f64], batch: usize, y: &mut [f64]) -> Result<()> {
        self.require_complex("mvm_complex")?;
        self.require_programmed("mvm_complex")?;
        check_data("x", x, 2 * batch * self.cols, "2 x batch x cols, interleaved re/im")?;
        check_out("y", y.len(), 2 * batch * self.rows, "2 x batch x rows")?;
        let out = self.apply(Op::Mvm, &complex::mvm_input(x, self.cols, batch))?;
        y.copy_from_slice(&complex::mvm_output(&out));
        Ok(())
    }
    /// `y[b,:] = v[b,:] W`: v is `batch × rows`, y is `batch × cols`, row-major.
    /// `y` is written only on success. Precision as in [`Core::mvm`].
    pub fn vmm<T: Real>(&mut self, v: &[T], batch: usize, y: &mut [T]) -> Result<()> {
        let v = T::widen(v);
        T::through_f64(y, |y| self.vmm_f64(v, batch, y))
    }
    fn vmm_f64(&mut self, v: std::borrow::Cow<'_, [f64]>, batch: usize, y: &mut [f64]) -> Result<()> {
        self.require_real("vmm")?;
        self.require_programmed("vmm")?;
        check_data("v", &v, batch * self.rows, "batch x rows")?;
        check_out("y", y.len(), batch * self.cols, "batch x cols")?;
        self.apply_into(Op::Vmm, BatchRef::new(self.rows, batch, &v), y)
    }
    /// Complex VMM, interleaved (re, im): v is `2·batch·rows`, y is `2·batch·cols` values.
    pub fn vmm_complex(&mut self, v: &[f64], batch: usize, y: &mut [f64]) -> Result<()> {
        self.require_complex("vmm_complex")?;
        self.require_programmed("vmm_complex")?;
        check_data("v", v, 2 * batch * self.rows, "2 x batch x rows, interleaved re/im")?;
        check_out("y", y.len(), 2 * batch * self.cols, "2 x batch x cols")?;
        let out = self.apply(Op::Vmm, &complex::vmm_input(v, self.rows, batch))?;
        y.copy_from_slice(&complex::vmm_output(&out));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch read in several calls draws fresh read noise for every call:
    /// with equal input vectors, the second call's outputs are not the first's
    /// (one call's vector index restarts at 0, its call number does not).
    #[test]
    fn a_batch_read_in_several_calls_never_repeats_its_noise() {
        let mut p = Params::default();
        p.set_json(
            "xbar.device.read_noise",
            r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.1}"#,
        )
        .unwrap();
        let mut c = Core::new(&p, 2, 2, 5).unwrap();
        c.program(&[0.5, -0.5, 0.25, 1.0], Layout::RowMajor).unwrap();
        let x = Batch::from_vec(2, 8, vec![1.0; 16]);
        let y = c.apply_in_calls(Op::Mvm, x.view(), 4).unwrap();
        assert_eq!(c.counters.read_calls, 2);
        for b in 0..4 {
            assert_ne!(y.vector(b), y.vector(b + 4), "vector {b} repeats in the second call");
        }
        // Whole batches of the same size, from the same core state, are reproducible.
        let mut d = Core::new(&p, 2, 2, 5).unwrap();
        d.program(&[0.5, -0.5, 0.25, 1.0], Layout::RowMajor).unwrap();
        assert_eq!(d.apply_in_calls(Op::Mvm, x.view(), 4).unwrap(), y);
    }
}
