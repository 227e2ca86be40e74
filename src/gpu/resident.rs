//! An array's conductances (and per-cell read-noise σ) kept in GPU memory
//! from programming on, and its analog reads there: only the inputs go to
//! the device and only the output currents come back.
//!
//! A read is one launch of `kernels/mvm.cu` (`xbar_mvm_*` / `xbar_vmm_*`),
//! the same quantity as [`crate::array::Array::read`] without wires: vector
//! `b` sees every cell as `clamp(G + σ·(e + shift), lo, hi)` with `e` the
//! dense draw of the cell's index from the read-noise stream of vector `b`
//! (the CPU's streams, so both backends draw the same numbers). Products and
//! sums are taken in the resident precision; the MVM sums each output over
//! the 32 lanes of a warp (a different order from the CPU's in-order sum),
//! the VMM in input order.

use super::device::{driver_error, Gpu};
use super::probe;
use crate::batch::Batch;
use crate::device::cells::ReadNoise;
use crate::device::law::Dist;
use crate::error::{Error, Result};
use crate::product::Op;
use crate::rng::NoiseStream;
use cudarc::driver::{CudaFunction, CudaSlice, DeviceRepr, LaunchConfig, PushKernelArg, ValidAsZeroBits};
use std::sync::Arc;

/// Threads per block of the product kernels (a multiple of the warp size).
const BLOCK: u32 = 256;

/// The number type of resident conductances and of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    F64,
}

/// A floating-point type the product kernels are instantiated for.
trait Real: DeviceRepr + ValidAsZeroBits + Copy + Unpin + 'static {
    fn of(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn kernel(gpu: &Gpu, op: Op) -> &CudaFunction;
}

impl Real for f32 {
    fn of(v: f64) -> f32 {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn kernel(gpu: &Gpu, op: Op) -> &CudaFunction {
        match op {
            Op::Mvm => &gpu.product.mvm_f32,
            Op::Vmm => &gpu.product.vmm_f32,
        }
    }
}

impl Real for f64 {
    fn of(v: f64) -> f64 {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn kernel(gpu: &Gpu, op: Op) -> &CudaFunction {
        match op {
            Op::Mvm => &gpu.product.mvm_f64,
            Op::Vmm => &gpu.product.vmm_f64,
        }
    }
}

/// Device copies of `g` and of the per-cell σ (`None` when σ is uniform or there is no noise).
#[derive(Debug)]
struct Cells<T> {
    g: CudaSlice<T>,
    sigma: Option<CudaSlice<T>>,
}

#[derive(Debug)]
enum Store {
    F32(Cells<f32>),
    F64(Cells<f64>),
}

/// One array's conductances on a GPU.
#[derive(Debug)]
pub struct Resident {
    gpu: Arc<Gpu>,
    rows: usize,
    cols: usize,
    store: Store,
}

fn upload<T: Real>(gpu: &Gpu, g: &[f64], noise: Option<&ReadNoise>) -> Result<Cells<T>> {
    let copy = |v: &[f64]| -> Result<CudaSlice<T>> {
        let host: Vec<T> = v.iter().map(|&x| T::of(x)).collect();
        gpu.stream
            .clone_htod(&host)
            .map_err(|e| driver_error("copying conductances to the device", e))
    };
    let sigma = match noise {
        Some(n) if n.uniform_sigma.is_none() => Some(copy(&n.sigma)?),
        _ => None,
    };
    Ok(Cells { g: copy(g)?, sigma })
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
        debug_assert_eq!(g.len(), rows * cols);
        let store = probe::guard("uploading an array", || {
            Ok(match precision {
                Precision::F32 => Store::F32(upload(gpu, g, noise)?),
                Precision::F64 => Store::F64(upload(gpu, g, noise)?),
            })
        })?;
        Ok(Resident {
            gpu: gpu.clone(),
            rows,
            cols,
            store,
        })
    }

    /// The same array's new conductances `g` (and σ of `noise`) on the same
    /// GPU in the same precision, after an update.
    pub fn reupload(&self, g: &[f64], noise: Option<&ReadNoise>) -> Result<Resident> {
        let precision = match self.store {
            Store::F32(_) => Precision::F32,
            Store::F64(_) => Precision::F64,
        };
        Resident::upload(&self.gpu, precision, self.rows, self.cols, g, noise)
    }

    /// Column currents of `op` for every vector of `x` (normalised units, as
    /// `Array::read`), with `noise` drawn from `streams` when given.
    pub fn read(&self, op: Op, x: &Batch, noise: Option<&ReadNoise>, streams: NoiseStream) -> Result<Batch> {
        if noise.is_some_and(|n| n.per_output) {
            return Err(Error::Internal(
                "GPU backend: per-output read noise reached a GPU read".into(),
            ));
        }
        probe::guard("an array read", || match &self.store {
            Store::F32(c) => self.launch(c, op, x, noise, streams),
            Store::F64(c) => self.launch(c, op, x, noise, streams),
        })
    }

    fn launch<T: Real>(
        &self,
        cells: &Cells<T>,
        op: Op,
        x: &Batch,
        noise: Option<&ReadNoise>,
        s: NoiseStream,
    ) -> Result<Batch> {
        let n_out = match op {
            Op::Mvm => self.rows,
            Op::Vmm => self.cols,
        };
        let n_in = match op {
            Op::Mvm => self.cols,
            Op::Vmm => self.rows,
        };
        if x.len != n_in {
            return Err(Error::Internal(format!(
                "GPU read: {} inputs for an array with {n_in}",
                x.len
            )));
        }
        if x.count == 0 {
            return Ok(Batch::zeros(n_out, 0));
        }
        let (rows, cols, count) = (int(self.rows, "rows")?, int(self.cols, "cols")?, int(x.count, "batch")?);
        let threads = match op {
            Op::Mvm => n_out * x.count * 32,
            Op::Vmm => n_out * x.count,
        };
        let grid = u32::try_from(threads.div_ceil(BLOCK as usize))
            .map_err(|_| Error::unsupported(format!("GPU backend: {threads} threads exceed one launch")))?;
        let kind: i32 = match noise.map(|n| n.dist) {
            None => 0,
            Some(Dist::Normal) => 1,
            Some(Dist::Uniform) => 2,
        };
        let per_cell = i32::from(cells.sigma.is_some());
        let sigma_uniform = noise.and_then(|n| n.uniform_sigma).unwrap_or(0.0);
        let (lo, hi) = noise.map_or((0.0, f64::INFINITY), |n| (n.clip.lo, n.clip.hi));
        let stream = &self.gpu.stream;
        let e = |what| move |err| driver_error(what, err);
        let xs: Vec<T> = x.data.iter().map(|&v| T::of(v)).collect();
        let xd = stream.clone_htod(&xs).map_err(e("copying inputs to the device"))?;
        let mut yd = stream
            .alloc_zeros::<T>(n_out * x.count)
            .map_err(e("allocating outputs"))?;
        let sigma = cells.sigma.as_ref().unwrap_or(&cells.g);
        let mut b = stream.launch_builder(T::kernel(&self.gpu, op));
        b.arg(&cells.g)
            .arg(sigma)
            .arg(&per_cell)
            .arg(&sigma_uniform)
            .arg(&kind)
            .arg(&lo)
            .arg(&hi)
            .arg(&xd)
            .arg(&mut yd)
            .arg(&rows)
            .arg(&cols)
            .arg(&count)
            .arg(&s.seed)
            .arg(&s.array)
            .arg(&s.call);
        let cfg = LaunchConfig {
            grid_dim: (grid, 1, 1),
            block_dim: (BLOCK, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: the arguments match the kernel's signature in kernels/mvm.cu
        // (pointers to rows·cols cells, count·inputs inputs and count·outputs
        // outputs, all allocated above or at upload with those lengths).
        unsafe { b.launch(cfg) }.map_err(e("launching the product kernel"))?;
        let y = stream.clone_dtoh(&yd).map_err(e("copying outputs from the device"))?;
        stream.synchronize().map_err(e("waiting for the product"))?;
        Ok(Batch::from_vec(n_out, x.count, y.into_iter().map(T::to_f64).collect()))
    }
}
