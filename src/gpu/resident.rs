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
//! (the MVM through 32 × 32 tiles in shared memory).

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
        if noise.is_some_and(|n| n.per_output) {
            return Err(Error::Internal(
                "GPU backend: per-output read noise reached a GPU read".into(),
            ));
        }
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
        let (rows, cols, n) = (int(self.rows, "rows")?, int(self.cols, "cols")?, int(count, "batch")?);
        // MVM: one warp per 32 rows of one vector; VMM: one thread per output.
        let (blocks, block) = match op {
            Op::Mvm => (self.rows.div_ceil(TILE) * count, TILE as u32),
            Op::Vmm => ((n_out * count).div_ceil(BLOCK as usize), BLOCK),
        };
        let grid = u32::try_from(blocks)
            .map_err(|_| Error::unsupported(format!("GPU backend: {blocks} blocks exceed one launch")))?;
        let kind: i32 = match noise.map(|n| n.dist) {
            None => 0,
            Some(Dist::Normal) => 1,
            Some(Dist::Uniform) => 2,
        };
        let sigma_uniform = noise.and_then(|n| n.uniform_sigma).unwrap_or(0.0);
        let (lo, hi) = noise.map_or((0.0, f64::INFINITY), |n| (n.clip.lo, n.clip.hi));
        let args = [
            Arg::Buf(&self.g),
            Arg::Buf(self.sigma.as_ref().unwrap_or(&self.g)),
            Arg::I32(i32::from(self.sigma.is_some())),
            Arg::F64(sigma_uniform),
            Arg::I32(kind),
            Arg::F64(lo),
            Arg::F64(hi),
            Arg::Buf(xd),
            Arg::Buf(&yd),
            Arg::I32(rows),
            Arg::I32(cols),
            Arg::I32(n),
            Arg::U64(s.seed),
            Arg::U32(s.array),
            Arg::U64(s.call),
        ];
        let shape = Shape {
            grid: (grid, 1, 1),
            block: (block, 1, 1),
        };
        // SAFETY: kernels/mvm.cu reads rows·cols cells of g (and of sigma
        // when per_cell is 1, which it is only when sigma holds rows·cols
        // values), count·n_in inputs and writes count·n_out outputs: the
        // lengths of g and sigma, at most that of xd (checked above), and that of yd.
        unsafe { device::launch(self.gpu.device.as_ref(), self.precision.kernel(op), shape, &args) }?;
        Ok(yd)
    }
}
