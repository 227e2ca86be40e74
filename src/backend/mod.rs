//! The seam between what a read is and where its products run.
//!
//! `Core` and `mapping/` describe a read: the arrays of a block, their roles,
//! the DACs, ADCs and slicing. The products of the arrays' conductances with a
//! batch run on a [`Backend`]: the CPU (the kernels of `product/`, run by
//! `Array::read` itself) or a CUDA GPU ([`cuda`]), which keeps a [`Placed`]
//! copy of every array it reads. `array.rs` and `mapping/` see only these two
//! traits, never the GPU's types; [`choose`] decides once per core which
//! backend it gets (`simulation.backend`).

pub(crate) mod cuda;

use crate::batch::Batch;
use crate::device::cells::ReadNoise;
use crate::error::Result;
use crate::params::Params;
use crate::product::Op;
use crate::rng::NoiseStream;
use std::fmt::Debug;
use std::sync::Arc;

/// A backend's copy of one `rows × cols` conductance matrix, where its
/// products run.
pub trait Placed: Send + Sync + Debug {
    /// Currents of `op` for every vector of `x` (normalised units, as
    /// `Array::read`), each cell redrawn with `noise` from `streams` when given.
    fn read(&self, op: Op, x: &Batch, noise: Option<&ReadNoise>, streams: NoiseStream) -> Result<Batch>;
    /// A copy holding new conductances `g` (and the σ of `noise`), after a write.
    fn replace(&self, g: &[f64], noise: Option<&ReadNoise>) -> Result<Arc<dyn Placed>>;
}

/// Where a core's array products run.
pub trait Backend: Send + Sync + Debug {
    /// Takes the `rows × cols` conductances `g` (row-major, normalised) and
    /// the read noise of an array: the copy its reads will use, or `None`
    /// when they run on the CPU from the array's own storage.
    fn place(&self, rows: usize, cols: usize, g: &[f64], noise: Option<&ReadNoise>) -> Result<Option<Arc<dyn Placed>>>;
    /// Whether [`Backend::place`] keeps copies (so that callers build the
    /// values to place only then).
    fn keeps_copies(&self) -> bool {
        true
    }
    /// The GPU the products run on, if any.
    fn gpu(&self) -> Option<&crate::gpu::Gpu> {
        None
    }
}

/// The CPU: arrays are read from their own storage by `product/`.
#[derive(Debug, Clone, Copy)]
pub struct Cpu;

impl Backend for Cpu {
    fn place(&self, _: usize, _: usize, _: &[f64], _: Option<&ReadNoise>) -> Result<Option<Arc<dyn Placed>>> {
        Ok(None)
    }
    fn keeps_copies(&self) -> bool {
        false
    }
}

/// The backend of a core with parameters `p` (`simulation.backend`,
/// `simulation.gpu_id`; see `gpu::select`).
pub fn choose(p: &Params) -> Result<Arc<dyn Backend>> {
    Ok(match crate::gpu::select::choose(p)? {
        Some(gpu) => Arc::new(gpu),
        None => Arc::new(Cpu),
    })
}
