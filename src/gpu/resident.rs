//! An array's conductances (and per-cell read-noise σ) kept in GPU memory
//! from programming on, and its analog reads there: only the inputs go to
//! the device and only the output currents come back.
//!
//! A read is one launch of `kernels/mvm.cu` (`xbar_mvm_*` / `xbar_vmm_*`),
//! the same quantity as [`crate::array::Array::read`] without wires: vector
//! `b` sees every cell as `clamp(G + σ·(e + shift), lo, hi)` with `e` the
//! dense draw of the cell's index from the read-noise stream of vector `b`
//! (the CPU's streams, so both backends draw the same numbers). Products and
//! sums are taken in the resident precision, each output's in input order
//! (the MVM through 32 × 32 tiles in shared memory; a static read of several
//! vectors through the register-tiled GEMM: `Launch` says which kernel runs).
//! Per-output read noise adds `sqrt(Σ_j (σ_ij x_j)²)·z_i` to each output of
//! the noiseless product on the device ([`Resident::add_output_noise`]).

use super::device::{self, Arg, Buffer, Shape};
use super::Gpu;
use crate::batch::Batch;
use crate::device::cells::ReadNoise;
use crate::device::law::Dist;
use crate::error::{Error, Result};
use crate::product::Op;
use crate::rng::NoiseStream;
use std::sync::Arc;

/// Threads per block of the VMM kernel (a multiple of the warp size).
const BLOCK: u32 = 256;

/// Rows (and columns) of an MVM tile: one warp (`XBAR_TILE` in kernels/mvm.cu).
const TILE: usize = 32;

/// Threads of a GEMM block, and the outputs and vectors it computes
/// (`XBAR_GEMM_THREADS`, `XBAR_GEMM_OUT`, `XBAR_GEMM_VEC` in kernels/mvm.cu).
const GEMM_THREADS: u32 = 256;
const GEMM_OUT: usize = 64;
const GEMM_VEC: usize = 64;

/// Outputs per thread of the VMM kernel (`XBAR_VMM_OUT` in kernels/mvm.cu).
const VMM_OUT: usize = 4;

/// The number type of resident conductances and of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    F64,
}

impl Precision {
    /// The product kernel of `op` in this precision.
    fn kernel(self, op: Op) -> &'static str {
        match (op, self) {
            (Op::Mvm, Precision::F32) => "xbar_mvm_f32",
            (Op::Mvm, Precision::F64) => "xbar_mvm_f64",
            (Op::Vmm, Precision::F32) => "xbar_vmm_f32",
            (Op::Vmm, Precision::F64) => "xbar_vmm_f64",
        }
    }

    /// The GEMM kernel of `op` (static reads of several vectors).
    fn gemm(self, op: Op) -> &'static str {
        match (op, self) {
            (Op::Mvm, Precision::F32) => "xbar_gemm_mvm_f32",
            (Op::Mvm, Precision::F64) => "xbar_gemm_mvm_f64",
            (Op::Vmm, Precision::F32) => "xbar_gemm_vmm_f32",
            (Op::Vmm, Precision::F64) => "xbar_gemm_vmm_f64",
        }
    }

    /// The per-output variance kernel of `op` (per-cell σ).
    fn squares(self, op: Op) -> &'static str {
        match (op, self) {
            (Op::Mvm, Precision::F32) => "xbar_output_squares_mvm_f32",
            (Op::Mvm, Precision::F64) => "xbar_output_squares_mvm_f64",
            (Op::Vmm, Precision::F32) => "xbar_output_squares_vmm_f32",
            (Op::Vmm, Precision::F64) => "xbar_output_squares_vmm_f64",
        }
    }

    /// The per-vector variance kernel of one shared σ.
    fn vector_squares(self) -> &'static str {
        match self {
            Precision::F32 => "xbar_vector_squares_f32",
            Precision::F64 => "xbar_vector_squares_f64",
        }
    }

    /// The kernel adding the per-output draws.
    fn output_noise(self) -> &'static str {
        match self {
            Precision::F32 => "xbar_output_noise_f32",
            Precision::F64 => "xbar_output_noise_f64",
        }
    }

    /// `values` in this precision, on `gpu`.
    fn upload(self, gpu: &Gpu, values: &[f64]) -> Result<Buffer> {
        match self {
            Precision::F32 => Buffer::upload(&gpu.device, &values.iter().map(|&v| v as f32).collect::<Vec<f32>>()),
            Precision::F64 => Buffer::upload(&gpu.device, values),
        }
    }

    /// The contents of `b`, in this precision, as f64.
    fn download(self, b: &Buffer) -> Result<Vec<f64>> {
        Ok(match self {
            Precision::F32 => b.download::<f32>()?.into_iter().map(f64::from).collect(),
            Precision::F64 => b.download::<f64>()?,
        })
    }

    fn size(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }
}

/// One array's conductances (and per-cell σ, when σ is not uniform) on a GPU.
#[derive(Debug)]
pub struct Resident {
    gpu: Arc<Gpu>,
    precision: Precision,
    rows: usize,
    cols: usize,
    g: Buffer,
    sigma: Option<Buffer>,
}

/// `i32` of a size, or [`Error::Unsupported`] naming it.
fn int(n: usize, what: &str) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::unsupported(format!("GPU backend: {what} = {n} exceeds 2^31 - 1")))
}

impl Resident {
    /// Copies the `rows × cols` conductances `g` (and `noise`'s per-cell σ)
    /// to `gpu` in `precision`.
    pub fn upload(
        gpu: &Arc<Gpu>,
        precision: Precision,
        rows: usize,
        cols: usize,
        g: &[f64],
        noise: Option<&ReadNoise>,
    ) -> Result<Resident> {
        if g.len() != rows * cols {
            return Err(Error::Internal(format!(
                "GPU upload: {} conductances for a {rows} × {cols} array",
                g.len()
            )));
        }
        let sigma = match noise {
            Some(n) if n.uniform_sigma.is_none() => {
                if n.sigma.len() != g.len() {
                    return Err(Error::Internal(format!(
                        "GPU upload: {} read-noise σ for {} cells",
                        n.sigma.len(),
                        g.len()
                    )));
                }
                Some(precision.upload(gpu, &n.sigma)?)
            }
            _ => None,
        };
        Ok(Resident {
            gpu: gpu.clone(),
            precision,
            rows,
            cols,
            g: precision.upload(gpu, g)?,
            sigma,
        })
    }

    /// The conductances, widened to `f64` (a download of the array).
    pub fn conductances(&self) -> Result<Vec<f64>> {
        self.precision.download(&self.g)
    }

    /// A grid-stride launch over `cells` cells: 256 threads a block, as many
    /// blocks as fill a GPU (a few on the emulated device, whose threads are
    /// OS threads); the kernels' results do not depend on it.
    fn stride_shape(&self, cells: usize) -> Shape {
        let most = if self.gpu.emulated { 4 } else { 1024 };
        Shape {
            grid: (cells.div_ceil(256).clamp(1, most) as u32, 1, 1),
            block: (256, 1, 1),
        }
    }

    /// An array programmed on the device: `g` its `rows × cols` stored
    /// conductances (f64, programming error or drift applied), rounded to
    /// `precision` on the device; no per-cell σ yet ([`Resident::set_sigma`]).
    pub(crate) fn programmed(
        gpu: &Arc<Gpu>,
        precision: Precision,
        (rows, cols): (usize, usize),
        g: Buffer,
    ) -> Result<Resident> {
        let cells = rows * cols;
        if g.bytes() < 8 * cells {
            return Err(Error::Internal(
                "GPU: programmed conductances shorter than the array".into(),
            ));
        }
        let mut r = Resident {
            gpu: gpu.clone(),
            precision,
            rows,
            cols,
            g,
            sigma: None,
        };
        if precision == Precision::F32 {
            let single = Buffer::zeroed(&gpu.device, 4 * cells.max(1))?;
            let args = [
                Arg::Buf(&r.g),
                Arg::Buf(&single),
                Arg::I32(int(cells, "cells of an array")?),
            ];
            // SAFETY: g holds `cells` doubles, `single` as many floats.
            unsafe { device::launch(gpu.device.as_ref(), "xbar_round_f32", r.stride_shape(cells), &args)? };
            r.g = single;
        }
        Ok(r)
    }

    /// The stored conductances on the device (in the resident precision).
    pub(crate) fn stored(&self) -> &Buffer {
        &self.g
    }

    /// The per-cell read-noise σ on the device (in the resident precision),
    /// when the array has one.
    pub(crate) fn sigma(&self) -> Option<&Buffer> {
        self.sigma.as_ref()
    }

    /// The number type of the stored conductances (and σ).
    pub(crate) fn precision(&self) -> Precision {
        self.precision
    }

    /// Gives the array the per-cell read-noise σ `sigma` (in its precision),
    /// or none (a σ shared by every cell, or exact reads).
    pub(crate) fn set_sigma(&mut self, sigma: Option<Buffer>) {
        self.sigma = sigma;
    }

    /// A copy of this array's conductances made on the device (its σ, which
    /// follows the conductances, is set again after the write), to be written
    /// while this one stays as it is for whoever else holds it.
    pub(crate) fn duplicate(&self) -> Result<Resident> {
        let bytes = self.g.bytes();
        let g = Buffer::zeroed(&self.gpu.device, bytes)?;
        let words = int(bytes / 4, "words of an array")?;
        let args = [Arg::Buf(&self.g), Arg::Buf(&g), Arg::I32(words)];
        // SAFETY: both buffers hold `bytes` bytes, `words` 32-bit words; the
        // kernel touches words 0..words of each.
        unsafe {
            device::launch(
                self.gpu.device.as_ref(),
                "xbar_copy_words",
                self.stride_shape(bytes / 4),
                &args,
            )?
        };
        Ok(Resident {
            gpu: self.gpu.clone(),
            precision: self.precision,
            rows: self.rows,
            cols: self.cols,
            g,
            sigma: None,
        })
    }

    /// `pos − neg` formed on the device, as `Array::differences` forms it on
    /// the host (per cell in single precision when `single`), in the
    /// arrays' precision: the copy a balanced pair's difference product reads.
    pub(crate) fn difference(pos: &Resident, neg: &Resident, single: bool) -> Result<Resident> {
        if (pos.rows, pos.cols, pos.precision) != (neg.rows, neg.cols, neg.precision) {
            return Err(Error::Internal(
                "GPU: the difference of arrays of other shapes or precisions".into(),
            ));
        }
        let cells = pos.rows * pos.cols;
        let out = Buffer::zeroed(&pos.gpu.device, cells.max(1) * pos.precision.size())?;
        let name = match pos.precision {
            Precision::F32 => "xbar_difference_f32",
            Precision::F64 => "xbar_difference_f64",
        };
        let args = [
            Arg::Buf(&pos.g),
            Arg::Buf(&neg.g),
            Arg::Buf(&out),
            Arg::I32(int(cells, "cells of an array")?),
            Arg::I32(i32::from(single)),
        ];
        // SAFETY: the three buffers hold `cells` values of the precision the
        // kernel is named for; it touches cells 0..cells.
        unsafe { device::launch(pos.gpu.device.as_ref(), name, pos.stride_shape(cells), &args)? };
        Ok(Resident {
            gpu: pos.gpu.clone(),
            precision: pos.precision,
            rows: pos.rows,
            cols: pos.cols,
            g: out,
            sigma: None,
        })
    }

    /// Adds this array's input-line conductance sums to `col` (`cols` f64:
    /// `col[j] += Σ_i g_ij`, rows in order) and `row` (`rows − skip` f64:
    /// `row[i − skip] += Σ_j g_ij` for the rows from `skip`), in the host's
    /// order of summation (`cost::counts::line_sums`).
    pub(crate) fn add_line_sums(&self, col: &Buffer, row: &Buffer, skip: usize) -> Result<()> {
        if skip > self.rows || col.bytes() < 8 * self.cols || row.bytes() < 8 * (self.rows - skip) {
            return Err(Error::Internal("GPU line sums: buffers of another shape".into()));
        }
        let name = match self.precision {
            Precision::F32 => "xbar_line_sums_f32",
            Precision::F64 => "xbar_line_sums_f64",
        };
        let args = [
            Arg::Buf(&self.g),
            Arg::Buf(col),
            Arg::Buf(row),
            Arg::I32(int(self.rows, "rows")?),
            Arg::I32(int(self.cols, "cols")?),
            Arg::I32(int(skip, "skip")?),
        ];
        let lines = self.cols + self.rows - skip;
        // SAFETY: g holds rows × cols cells of the kernel's precision, col
        // `cols` doubles and row `rows − skip` (checked above).
        unsafe { device::launch(self.gpu.device.as_ref(), name, self.stride_shape(lines), &args) }
    }

    /// The resident conductances as the [`super::update::Target`] of a write
    /// addressing cells `first..` (the array's cells, in its precision).
    pub(crate) fn target(&self, first: usize) -> super::update::Target<'_> {
        super::update::Target {
            device: &self.gpu.device,
            g: &self.g,
            precision: self.precision,
            cells: self.rows * self.cols,
            first,
        }
    }

    /// Column currents of `op` for every vector of `x` (normalised units, as
    /// `Array::read`), with `noise` drawn from `streams` when given.
    pub fn read(&self, op: Op, x: &Batch, noise: Option<&ReadNoise>, s: NoiseStream) -> Result<Batch> {
        let (n_in, n_out) = self.lines(op);
        if x.len != n_in || x.data.len() != n_in * x.count {
            return Err(Error::Internal(format!(
                "GPU read: {} inputs for an array with {n_in}",
                x.len
            )));
        }
        if x.count == 0 {
            return Ok(Batch::zeros(n_out, 0));
        }
        let xd = self.precision.upload(&self.gpu, &x.data)?;
        let yd = self.read_device(op, &xd, x.count, noise, s)?;
        Ok(Batch::from_vec(n_out, x.count, self.precision.download(&yd)?))
    }

    /// [`Resident::add_output_noise`] for currents `y` and inputs `x` on
    /// the host: both go to the device (in the resident precision) and `y`
    /// comes back with the noise added.
    pub fn add_output_noise_to(
        &self,
        op: Op,
        x: &Batch,
        y: &mut Batch,
        noises: &[(&Resident, &ReadNoise)],
        s: NoiseStream,
    ) -> Result<()> {
        let (n_in, n_out) = self.lines(op);
        if x.len != n_in || y.len != n_out || x.count != y.count {
            return Err(Error::Internal(format!(
                "GPU output noise: {} inputs and {} outputs per vector for an array with {n_in} and {n_out}",
                x.len, y.len
            )));
        }
        if x.count == 0 || noises.is_empty() {
            return Ok(());
        }
        let xd = self.precision.upload(&self.gpu, &x.data)?;
        let yd = self.precision.upload(&self.gpu, &y.data)?;
        self.add_output_noise(op, &xd, &yd, x.count, noises, s)?;
        y.data = self.precision.download(&yd)?;
        Ok(())
    }

    /// (inputs, outputs) per vector of `op`.
    pub(crate) fn lines(&self, op: Op) -> (usize, usize) {
        match op {
            Op::Mvm => (self.cols, self.rows),
            Op::Vmm => (self.rows, self.cols),
        }
    }

    /// As [`Resident::read`] for `count` vectors already on the device (`xd`,
    /// in the resident precision): the currents stay there, in that precision.
    pub(crate) fn read_device(
        &self,
        op: Op,
        xd: &Buffer,
        count: usize,
        noise: Option<&ReadNoise>,
        s: NoiseStream,
    ) -> Result<Buffer> {
        let (n_in, n_out) = self.lines(op);
        if xd.bytes() < n_in * count * self.precision.size() {
            return Err(Error::Internal(format!(
                "GPU read: a device buffer of {} bytes for {count} vectors of {n_in} inputs",
                xd.bytes()
            )));
        }
        let yd = Buffer::zeroed(&self.gpu.device, (n_out * count).max(1) * self.precision.size())?;
        if count == 0 {
            return Ok(yd);
        }
        match noise {
            Some(n) if n.per_output => {
                self.product(op, xd, &yd, count, None, s)?;
                self.add_output_noise(op, xd, &yd, count, &[(self, n)], s)?;
            }
            _ => self.product(op, xd, &yd, count, noise, s)?,
        }
        Ok(yd)
    }

    /// The product of `op` for `count` vectors `xd` into `yd`, with per-cell
    /// read noise `noise` (never per-output here) drawn from `s`.
    ///
    /// The launch, by shape ([`Launch::choose`]): a static read (no per-cell
    /// noise) of more than one vector is a GEMM (`xbar_gemm_*`: 64 outputs ×
    /// 64 vectors per block, each conductance read once per 64 vectors);
    /// otherwise an MVM is one warp per 32 rows of one vector (its inputs
    /// staged in shared memory and reused by the 32 rows) and a VMM one
    /// thread per 4 neighbouring outputs of a vector (each input read once
    /// for 4 cells, their draws from one Philox block). All of them sum each output's products in input
    /// order from 0 with one accumulator, so the choice does not change a
    /// single bit of the result.
    fn product(
        &self,
        op: Op,
        xd: &Buffer,
        yd: &Buffer,
        count: usize,
        noise: Option<&ReadNoise>,
        s: NoiseStream,
    ) -> Result<()> {
        let (rows, cols, n) = (int(self.rows, "rows")?, int(self.cols, "cols")?, int(count, "batch")?);
        let launch = Launch::choose(op, noise.is_some(), self.rows, self.cols, count);
        let shape = launch.shape()?;
        if let Launch::Gemm { .. } = launch {
            let args = [
                Arg::Buf(&self.g),
                Arg::Buf(xd),
                Arg::Buf(yd),
                Arg::I32(rows),
                Arg::I32(cols),
                Arg::I32(n),
            ];
            // SAFETY: xbar_gemm_* reads rows·cols cells of g (its length),
            // count·n_in inputs (at most xd's length, checked by the caller)
            // and writes count·n_out outputs (yd's length).
            return unsafe { device::launch(self.gpu.device.as_ref(), self.precision.gemm(op), shape, &args) };
        }
        let kind: i32 = match noise.map(|n| n.dist) {
            None => 0,
            Some(Dist::Normal) => 1,
            Some(Dist::Uniform) => 2,
        };
        let sigma_uniform = noise.and_then(|n| n.uniform_sigma).unwrap_or(0.0);
        let (lo, hi) = noise.map_or((0.0, f64::INFINITY), |n| (n.clip.lo, n.clip.hi));
        let per_cell = noise.is_some() && self.sigma.is_some();
        let args = [
            Arg::Buf(&self.g),
            Arg::Buf(self.sigma.as_ref().unwrap_or(&self.g)),
            Arg::I32(i32::from(per_cell)),
            Arg::F64(sigma_uniform),
            Arg::I32(kind),
            Arg::F64(lo),
            Arg::F64(hi),
            Arg::Buf(xd),
            Arg::Buf(yd),
            Arg::I32(rows),
            Arg::I32(cols),
            Arg::I32(n),
            Arg::U64(s.seed),
            Arg::U32(s.array),
            Arg::U64(s.call),
        ];
        // SAFETY: kernels/mvm.cu reads rows·cols cells of g (and of sigma
        // when per_cell is 1, which it is only when sigma holds rows·cols
        // values), count·n_in inputs and writes count·n_out outputs: the
        // lengths of g and sigma, at most that of xd (checked by the caller),
        // and that of yd.
        unsafe { device::launch(self.gpu.device.as_ref(), self.precision.kernel(op), shape, &args) }
    }

    /// Adds per-output read noise to the currents `yd` of `op` for the
    /// `count` vectors `xd` (both in the resident precision, on this copy's
    /// device), as `Array::add_output_noise`: output `o` of vector `b` gets
    /// `sqrt(var)·z_o` with `var = Σ_(r, n) Σ_in (σ_n,cell · x_in)²` over the
    /// `noises` (an array with its read noise, or both arrays of a balanced
    /// pair: at most two) and `z_o` the dense normal draw `o` of stream
    /// `s.vector(b)`. A noise with one σ for every cell adds `Σ_in (σ x_in)²`
    /// per vector. The variances are summed in input order in double
    /// precision (terms `(σ·x)²` of the resident σ and inputs), and `y + sqrt(var)·z`
    /// is taken in double precision and rounded to the resident one.
    pub(crate) fn add_output_noise(
        &self,
        op: Op,
        xd: &Buffer,
        yd: &Buffer,
        count: usize,
        noises: &[(&Resident, &ReadNoise)],
        s: NoiseStream,
    ) -> Result<()> {
        let (n_in, n_out) = self.lines(op);
        if noises.len() > 2 {
            return Err(Error::Internal(format!(
                "GPU output noise: {} noises (the variance is the CPU's for at most two)",
                noises.len()
            )));
        }
        if count == 0 || noises.is_empty() {
            return Ok(());
        }
        if yd.bytes() < n_out * count * self.precision.size() || xd.bytes() < n_in * count * self.precision.size() {
            return Err(Error::Internal(format!(
                "GPU output noise: buffers of {} and {} bytes for {count} vectors of {n_in} inputs, {n_out} outputs",
                xd.bytes(),
                yd.bytes()
            )));
        }
        let dev = &self.gpu.device;
        let var = Buffer::zeroed(dev, 8 * n_out * count)?;
        let vu = Buffer::zeroed(dev, 8 * count)?;
        let (n, vectors) = (int(count, "batch")?, u32::try_from(count.div_ceil(BLOCK as usize)));
        for (r, noise) in noises {
            if (r.rows, r.cols, r.precision) != (self.rows, self.cols, self.precision)
                || !Arc::ptr_eq(&r.gpu, &self.gpu)
            {
                return Err(Error::Internal(
                    "GPU output noise: σ of another shape, precision or device".into(),
                ));
            }
            match (noise.uniform_sigma, &r.sigma) {
                (Some(sd), _) => {
                    let shape = Shape {
                        grid: (
                            vectors.map_err(|_| Error::unsupported("GPU backend: batch too large for one launch"))?,
                            1,
                            1,
                        ),
                        block: (BLOCK, 1, 1),
                    };
                    let args = [
                        Arg::Buf(xd),
                        Arg::Buf(&vu),
                        Arg::I32(int(n_in, "inputs")?),
                        Arg::I32(n),
                        Arg::F64(sd),
                    ];
                    // SAFETY: reads count·n_in inputs (xd's length, checked
                    // above) and writes count doubles of vu (its length).
                    unsafe { device::launch(dev.as_ref(), self.precision.vector_squares(), shape, &args) }?;
                }
                (None, Some(sigma)) => {
                    let shape = Launch::squares(op, self.rows, self.cols, count).shape()?;
                    let args = [
                        Arg::Buf(sigma),
                        Arg::Buf(xd),
                        Arg::Buf(&var),
                        Arg::I32(int(self.rows, "rows")?),
                        Arg::I32(int(self.cols, "cols")?),
                        Arg::I32(n),
                    ];
                    // SAFETY: reads rows·cols σ (sigma's length: checked at
                    // upload), count·n_in inputs and adds into count·n_out
                    // doubles of var (its length).
                    unsafe { device::launch(dev.as_ref(), self.precision.squares(op), shape, &args) }?;
                }
                (None, None) => {
                    return Err(Error::Internal("GPU output noise: per-cell σ not on the device".into()));
                }
            }
        }
        let outputs = n_out * count;
        let shape = Shape {
            grid: (
                u32::try_from(outputs.div_ceil(BLOCK as usize))
                    .map_err(|_| Error::unsupported(format!("GPU backend: {outputs} outputs exceed one launch")))?,
                1,
                1,
            ),
            block: (BLOCK, 1, 1),
        };
        let args = [
            Arg::Buf(yd),
            Arg::Buf(&var),
            Arg::Buf(&vu),
            Arg::I32(int(n_out, "outputs")?),
            Arg::I32(n),
            Arg::U64(s.seed),
            Arg::U32(s.array),
            Arg::U64(s.call),
        ];
        // SAFETY: reads and writes count·n_out values of yd and var and count of vu (their lengths).
        unsafe { device::launch(dev.as_ref(), self.precision.output_noise(), shape, &args) }
    }
}

/// Which product kernel a read launches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Launch {
    /// `xbar_gemm_*`: static reads of more than one vector.
    Gemm { blocks: usize },
    /// `xbar_mvm_*` (one warp per 32 rows of a vector), `xbar_vmm_*` (a
    /// thread per 4 outputs of a vector) or, for the variances of per-output
    /// noise, `xbar_output_squares_*` (as the MVM; a thread per output of a VMM).
    Tiles { op: Op, blocks: usize },
}

impl Launch {
    /// The kernel for `op` on a `rows × cols` array and `count` vectors, with
    /// per-cell read noise when `noisy` (whose draws differ per vector, so
    /// that a conductance cannot serve several vectors as it is).
    fn choose(op: Op, noisy: bool, rows: usize, cols: usize, count: usize) -> Launch {
        if !noisy && count > 1 {
            let n_out = match op {
                Op::Mvm => rows,
                Op::Vmm => cols,
            };
            return Launch::Gemm {
                blocks: n_out.div_ceil(GEMM_OUT) * count.div_ceil(GEMM_VEC),
            };
        }
        let blocks = match op {
            Op::Mvm => rows.div_ceil(TILE) * count,
            Op::Vmm => (cols.div_ceil(VMM_OUT) * count).div_ceil(BLOCK as usize),
        };
        Launch::Tiles { op, blocks }
    }

    /// The launch of `xbar_output_squares_*` for `op`.
    fn squares(op: Op, rows: usize, cols: usize, count: usize) -> Launch {
        let blocks = match op {
            Op::Mvm => rows.div_ceil(TILE) * count,
            Op::Vmm => (cols * count).div_ceil(BLOCK as usize),
        };
        Launch::Tiles { op, blocks }
    }

    fn shape(self) -> Result<Shape> {
        let (blocks, block) = match self {
            Launch::Gemm { blocks } => (blocks, GEMM_THREADS),
            Launch::Tiles { op: Op::Mvm, blocks } => (blocks, TILE as u32),
            Launch::Tiles { op: Op::Vmm, blocks } => (blocks, BLOCK),
        };
        let grid = u32::try_from(blocks)
            .map_err(|_| Error::unsupported(format!("GPU backend: {blocks} blocks exceed one launch")))?;
        Ok(Shape {
            grid: (grid, 1, 1),
            block: (block, 1, 1),
        })
    }
}

/// An array written on the device holds its resident copy as its newer
/// conductances (`Array::set_newer`); the host fetches them on demand.
impl crate::array::Newer for Resident {
    fn fetch(&self) -> Result<Vec<f64>> {
        self.conductances()
    }

    fn fetch_sigma(&self) -> Result<Option<Vec<f64>>> {
        self.sigma.as_ref().map(|s| self.precision.download(s)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::super::device::{launch, Arg, Buffer};
    use super::super::emulated::test_device as device;
    use super::*;
    use std::ops::{Add, Mul};

    #[test]
    fn static_reads_of_several_vectors_are_gemms_and_the_rest_tiles() {
        // 70 rows, 37 columns, 67 vectors: 2 (MVM) or 1 (VMM) output tiles × 2 vector tiles.
        for (op, blocks) in [(Op::Mvm, 4), (Op::Vmm, 2)] {
            assert_eq!(Launch::choose(op, false, 70, 37, 67), Launch::Gemm { blocks });
            assert!(matches!(Launch::choose(op, false, 70, 37, 1), Launch::Tiles { .. }));
            assert!(matches!(Launch::choose(op, true, 70, 37, 67), Launch::Tiles { .. }));
        }
        assert_eq!(
            Launch::choose(Op::Vmm, false, 70, 37, 2).shape().unwrap().block,
            (GEMM_THREADS, 1, 1)
        );
    }

    /// `y[b·n_out + o] = Σ_in g·x`, summed in input order from 0 in `T`.
    fn reference<T: Copy + Default + Add<Output = T> + Mul<Output = T>>(
        op: Op,
        g: &[T],
        x: &[T],
        rows: usize,
        cols: usize,
        count: usize,
    ) -> Vec<T> {
        let (n_in, n_out) = match op {
            Op::Mvm => (cols, rows),
            Op::Vmm => (rows, cols),
        };
        let mut y = Vec::with_capacity(n_out * count);
        for b in 0..count {
            for o in 0..n_out {
                let mut acc = T::default();
                for i in 0..n_in {
                    let cell = match op {
                        Op::Mvm => g[o * cols + i],
                        Op::Vmm => g[i * cols + o],
                    };
                    acc = acc + cell * x[b * n_in + i];
                }
                y.push(acc);
            }
        }
        y
    }

    /// The GEMM kernels on shapes that cut every tile (70 × 37, 67 vectors: two
    /// output tiles, two vector tiles, a short last input stage) give the
    /// input-order sums bit for bit, in both precisions.
    #[test]
    fn the_gemm_kernels_sum_every_output_in_input_order() {
        let Some(dev) = device() else { return };
        let (rows, cols, count) = (70usize, 37usize, 67usize);
        let wave = |n: usize, a: f64| -> Vec<f64> { (0..n).map(|k| ((k as f64 * a).sin() * 3.1).sin()).collect() };
        let g = wave(rows * cols, 0.731);
        for op in [Op::Mvm, Op::Vmm] {
            let n_in = if op == Op::Mvm { cols } else { rows };
            let n_out = rows + cols - n_in;
            let x = wave(n_in * count, 0.377);
            let shape = Launch::choose(op, false, rows, cols, count).shape().unwrap();
            let run = |precision: Precision, gd: &Buffer, xd: &Buffer| -> Buffer {
                let yd = Buffer::zeroed(&dev, n_out * count * precision.size()).unwrap();
                let args = [
                    Arg::Buf(gd),
                    Arg::Buf(xd),
                    Arg::Buf(&yd),
                    Arg::I32(rows as i32),
                    Arg::I32(cols as i32),
                    Arg::I32(count as i32),
                ];
                // SAFETY: g holds rows·cols values, x count·n_in, y count·n_out.
                unsafe { launch(dev.as_ref(), precision.gemm(op), shape, &args) }.unwrap();
                yd
            };
            let y64 = run(
                Precision::F64,
                &Buffer::upload(&dev, &g).unwrap(),
                &Buffer::upload(&dev, &x).unwrap(),
            );
            assert_eq!(
                y64.download::<f64>().unwrap(),
                reference(op, &g, &x, rows, cols, count),
                "{op:?} f64"
            );
            let (g32, x32): (Vec<f32>, Vec<f32>) = (
                g.iter().map(|&v| v as f32).collect(),
                x.iter().map(|&v| v as f32).collect(),
            );
            let y32 = run(
                Precision::F32,
                &Buffer::upload(&dev, &g32).unwrap(),
                &Buffer::upload(&dev, &x32).unwrap(),
            );
            assert_eq!(
                y32.download::<f32>().unwrap(),
                reference(op, &g32, &x32, rows, cols, count),
                "{op:?} f32"
            );
        }
    }

    /// The copy and difference kernels of `kernels/resident.cu`: a copy is
    /// the same bits; a difference is `Array::differences` (per cell in
    /// single precision, or exact in double) rounded to the resident
    /// precision, in both precisions; a grid smaller than the array covers it.
    #[test]
    fn device_copies_and_differences_are_the_hosts() {
        let Some(dev) = device() else { return };
        let n = 1000usize;
        let wave = |a: f64| -> Vec<f64> {
            (0..n)
                .map(|k| 0.5 + 0.49 * ((k as f64 * a).sin() * 2.3).sin())
                .collect()
        };
        let (p, q) = (wave(0.77), wave(1.31));
        let shape = Shape {
            grid: (2, 1, 1),
            block: (256, 1, 1),
        };
        let src = Buffer::upload(&dev, &p).unwrap();
        let dst = Buffer::zeroed(&dev, 8 * n).unwrap();
        // SAFETY: both buffers hold 2n 32-bit words.
        unsafe {
            launch(
                dev.as_ref(),
                "xbar_copy_words",
                shape,
                &[Arg::Buf(&src), Arg::Buf(&dst), Arg::I32(2 * n as i32)],
            )
        }
        .unwrap();
        assert_eq!(dst.download::<f64>().unwrap(), p);
        // The kernel `name` on `p` and `q` (uploaded as `T`).
        let run = |name: &str, p: &[f64], q: &[f64], single: bool, wide: bool| -> Vec<f64> {
            let up = |v: &[f64]| match wide {
                true => Buffer::upload(&dev, v).unwrap(),
                false => Buffer::upload(&dev, &v.iter().map(|&x| x as f32).collect::<Vec<f32>>()).unwrap(),
            };
            let (pd, qd, out) = (up(p), up(q), up(&vec![0.0; p.len()]));
            let args = [
                Arg::Buf(&pd),
                Arg::Buf(&qd),
                Arg::Buf(&out),
                Arg::I32(n as i32),
                Arg::I32(i32::from(single)),
            ];
            // SAFETY: three buffers of n values of the kernel's precision.
            unsafe { launch(dev.as_ref(), name, shape, &args) }.unwrap();
            match wide {
                true => out.download::<f64>().unwrap(),
                false => out.download::<f32>().unwrap().into_iter().map(f64::from).collect(),
            }
        };
        let (p32, q32): (Vec<f64>, Vec<f64>) = (
            p.iter().map(|&v| v as f32 as f64).collect(),
            q.iter().map(|&v| v as f32 as f64).collect(),
        );
        for single in [false, true] {
            // Array::differences of the stored values, rounded to the resident precision.
            let host = |p: &[f64], q: &[f64], wide: bool| -> Vec<f64> {
                let d = p
                    .iter()
                    .zip(q)
                    .map(|(&a, &b)| if single { (a as f32 - b as f32) as f64 } else { a - b });
                d.map(|v| if wide { v } else { v as f32 as f64 }).collect()
            };
            assert_eq!(
                run("xbar_difference_f64", &p, &q, single, true),
                host(&p, &q, true),
                "f64, single {single}"
            );
            assert_eq!(
                run("xbar_difference_f32", &p32, &q32, single, false),
                host(&p32, &q32, false),
                "f32, single {single}"
            );
        }
    }
}
