//! The seam between what a read is and where it runs.
//!
//! `Core` and `mapping/` describe a read: the arrays of a block, their roles,
//! the DACs, ADCs, slicing and recombination. A [`Backend`] owns the whole
//! read of one block for a batch ([`Backend::read_block`]): DAC (input
//! scaling, quantisation, bit slicing) → products or circuit solves →
//! current limit → pos/neg combination or offset subtraction → ADC → slice
//! recombination → output scaling, added into the core's outputs.
//!
//! - [`cpu::Cpu`] runs static reads (no read noise, ideal wires, ohmic cells)
//!   as one fused pass over blocks of outputs ([`cpu`]), everything else
//!   through the reference pipeline of `mapping/` ([`Mapping::apply`]) with
//!   the CPU kernels of `product/` and the circuit solvers.
//! - [`cuda::Cuda`] runs a balanced, OFFSET or bit-sliced block's whole read
//!   on a GPU (`gpu::pipeline`), and otherwise the same reference pipeline
//!   with the products there; it keeps its own device copies of the arrays
//!   it reads (keyed by array id and the arrays' [`crate::array::Array::version`]).
//!
//! `array.rs` and `mapping/` know only [`ArrayReads`], the one hook through
//! which a pipeline's products run, and [`ArrayWrites`], the one through
//! which `update` writes an array's cells ([`Backend::update_block`]); they
//! hold no GPU state and import nothing from the GPU code (an array written
//! on a device holds that backend's copy as an opaque
//! [`crate::array::Newer`]). [`choose`] decides once per core which backend it gets
//! (`simulation.backend`, see `gpu::select`).
//!
//! A new product model (another solver, another kind of cell) plugs in as a
//! case of `Array::read` (every backend then runs it through the reference
//! pipeline); a new backend implements [`Backend`] and, for the pipeline's
//! products, [`ArrayReads`].

pub(crate) mod cpu;
pub(crate) mod cuda;
pub(crate) mod write;

pub use cpu::Cpu;
pub use write::BlockWrite;

use crate::array::{Array, Op, ReadKey, WriteKey};
use crate::batch::{Batch, BatchMut, BatchRef};
use crate::cost::BlockCount;
use crate::device::cells::Cells;
use crate::device::update::DeviceUpdate;
use crate::error::Result;
use crate::mapping::targets::{BlockWeights, TargetMap};
use crate::mapping::{BlockContext, Mapping};
use crate::params::Params;
use std::fmt::Debug;
use std::sync::Arc;

/// Where the products of a block's pipeline run: the analog reads of one
/// array, and of a balanced pair's difference `G+ − G−` (CrossSim's fast
/// balanced path).
pub trait ArrayReads: Sync {
    /// Currents of `op` for every vector of `x` (normalised units), as
    /// [`Array::read`] defines them (`key` names the read's random draws).
    fn read(&self, a: &Array, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch>;
    /// Currents of `pos` minus those of `neg` as one product of their
    /// difference, taken per cell in single precision when `single`, as
    /// [`Array::difference_product`] defines them.
    fn difference(&self, pos: &Array, neg: &Array, single: bool, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch>;
    /// Currents of the resistive network of `pos` with `neg`, the G− array
    /// of an interleaved pair sharing its output lines, as [`Array::circuit`]
    /// defines them (by default, that host solve).
    fn circuit(&self, pos: &Array, neg: &Array, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        pos.circuit(op, x, key, Some(neg))
    }

    /// Adds to the currents `y` of `a` (or of the pair whose G+ is `a`) for
    /// `x` the per-output read noise of `noisy` (those of `a` and its partner
    /// that have read noise), as [`Array::add_output_noise`] defines it.
    fn add_output_noise(
        &self,
        a: &Array,
        op: Op,
        x: &Batch,
        noisy: &[&Array],
        key: &ReadKey,
        y: &mut Batch,
    ) -> Result<()> {
        let noises: Vec<_> = noisy.iter().filter_map(|n| n.noise.as_ref()).collect();
        a.add_output_noise(op, x, &noises, key, y);
        Ok(())
    }
}

/// Where the cells of a block's arrays are written by one write of
/// `update` (its change, model, stream key and cell laws fixed): `mapping/`
/// says which arrays a block writes and with which scale, the backend where
/// and how.
pub trait ArrayWrites {
    /// Writes `scale` times the write's change into the cells `first..` of
    /// `a`, as [`Array::update`] defines it; whether any cell was written.
    fn write(&self, a: &mut Array, first: usize, scale: f64) -> Result<bool>;
}

/// Where arrays are programmed (a backend that keeps them on a device).
pub trait ArrayPrograms: Sync + Debug {
    /// Array `id` of `ctx`'s block (`rows × cols`, the unit line of `map`
    /// included) programmed as [`BlockContext::program_array`] programs it
    /// on the host — the targets `map` forms from the block's `weights`
    /// ([`TargetMap::targets`]), then programming error or drift from the
    /// same streams, storage precision, read-noise σ — with its conductances
    /// kept by this backend; `None` when it leaves this array to the host.
    /// The backend may keep a copy of `weights` ([`BlockWeights::copy`]) for
    /// the block's other arrays.
    fn program(
        &self,
        ctx: &BlockContext,
        id: u32,
        rows: usize,
        cols: usize,
        weights: &BlockWeights,
        map: &TargetMap,
    ) -> Result<Option<Array>>;
}

/// One block's share of a read call: what [`Backend::read_block`] gets.
pub struct BlockRead<'a, 'c> {
    pub op: Op,
    /// The core's physical inputs (every vector of the call, all lines).
    pub x: BatchRef<'a>,
    /// The block's input lines `first..first + len` of every vector of `x`.
    pub first: usize,
    pub len: usize,
    /// Per-vector input scale (weight units → DAC range).
    pub s_in: &'a [f64],
    /// Per-vector output scale `weight_scale/(s_in·model_factor)`.
    pub s_out: &'a [f64],
    pub key: ReadKey,
    /// The cost counters of the call, when costs are counted.
    pub count: Option<&'a mut BlockCount<'c>>,
    /// This block is the first to reach its outputs in `y`, which hold no
    /// values yet: it writes them (as if adding into zeros) instead of adding.
    pub fresh: bool,
}

impl BlockRead<'_, '_> {
    /// The block's inputs as a batch of their own.
    pub fn inputs(&self) -> Batch {
        self.x.sub(self.first, self.len)
    }

    /// This read of `block` through its reference pipeline
    /// ([`Mapping::apply`]), the products run by `reads`, added into
    /// entries `out0..` of every vector of `y`.
    pub fn reference(self, block: &Mapping, reads: &dyn ArrayReads, y: &mut BatchMut, out0: usize) -> Result<()> {
        let x = self.inputs();
        let part = block.apply(self.op, &x, self.s_in, self.s_out, self.key, self.count, reads)?;
        y.put_into(out0, &part, self.fresh);
        Ok(())
    }
}

/// Where a core's reads run.
pub trait Backend: Send + Sync + Debug {
    /// Reads `block` for every vector of `read` and adds its outputs (weight
    /// units) into entries `out0..` of every vector of `y` (writes them, when
    /// the read is [`BlockRead::fresh`]). A backend touches `y` only after
    /// all of the block's work that can fail, so that a failed read of a
    /// core of one block leaves the caller's buffer as it was.
    fn read_block(&self, block: &Mapping, read: BlockRead, y: &mut BatchMut, out0: usize) -> Result<()>;
    /// The GPU the products run on, if any.
    fn gpu(&self) -> Option<&crate::gpu::Gpu> {
        None
    }

    /// Where this backend programs arrays itself, if it does.
    fn programs(&self) -> Option<&dyn ArrayPrograms> {
        None
    }

    /// The conductance sums of `block`'s input lines for MVM and VMM
    /// (`n_rows` its matrix rows), as [`crate::cost::counts::line_sums`]
    /// computes them from the host's conductances (the cost counters' DAC
    /// energy), from wherever this backend keeps the arrays.
    fn line_sums(&self, block: &Mapping, n_rows: usize) -> Result<[Vec<f64>; 2]> {
        Ok(crate::cost::counts::line_sums(block, n_rows))
    }

    /// Writes one write of `update` (`write`, through `model`, its random
    /// streams keyed by `key`) into every array of `block`, where this
    /// backend keeps them. By default on the host ([`write::on_host`]).
    fn update_block(
        &self,
        block: &mut Mapping,
        write: &BlockWrite,
        model: &dyn DeviceUpdate,
        key: &WriteKey,
        cells: &Cells,
    ) -> Result<()> {
        write::on_host(block, write, model, key, cells)
    }
}

/// The backend of a core with parameters `p` (`simulation.backend`,
/// `simulation.gpu_id`; see `gpu::select`).
pub fn choose(p: &Params) -> Result<Arc<dyn Backend>> {
    Ok(match crate::gpu::select::choose(p)? {
        Some(gpu) => Arc::new(cuda::Cuda::new(gpu)),
        None => Arc::new(Cpu),
    })
}
