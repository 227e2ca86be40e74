//! How signed weights live on arrays (balanced pairs, offset conductances or
//! bit slices), and the periphery of each block: its DACs and ADCs.

pub mod balanced;
pub mod bitsliced;
pub mod currents;
pub mod input_slicing;
pub mod limits;
pub mod offset;
pub mod pair;
pub mod targets;

use crate::array::{Array, Op, ReadKey};
use crate::backend::{ArrayPrograms, ArrayReads, ArrayWrites};
use crate::batch::Batch;
use crate::circuit::adc::{Adc, RangeContext};
use crate::circuit::dac::Dac;
use crate::device::cells::{Cells, Draws, ReadNoise};
use crate::device::conductance::Window;
use crate::error::{Error, Result};
use crate::params::{BitSliceStyle, CoreStyle, Params};
use crate::rng::{identity, Purpose, Stream};
use crate::storage::Conductances;
use targets::{BlockWeights, TargetMap};

/// Weight slice index, bits per slice and slice style (bit-sliced cores).
pub type SliceInfo = (usize, u32, BitSliceStyle);

/// What every block of a core shares when it is programmed.
#[derive(Debug, Clone)]
pub struct BlockContext<'a> {
    pub params: &'a Params,
    pub window: Window,
    /// The weight magnitude mapped to full conductance: `max(|min|, |max|)` of the weight range.
    pub wmax: f64,
    /// The weight range was computed from a percentile of the matrix (not fixed).
    pub percentile_range: bool,
    /// The error laws of the cells.
    pub cells: &'a Cells,
    /// Where the write errors' random numbers come from.
    pub draws: Draws,
    /// Index of the block being programmed (row-major in the tiling grid).
    pub block: u32,
    /// Wire resistances of the arrays, when parasitics are simulated.
    pub wires: Option<std::sync::Arc<crate::circuit::parasitics::Wires>>,
    /// The cells' nonlinear I-V law (`xbar.device.nonlinear_IV`), if any.
    pub iv: Option<crate::device::iv::IvModel>,
    /// Where the core's backend programs arrays itself (a GPU), if it does.
    pub programs: Option<&'a dyn ArrayPrograms>,
}

impl BlockContext<'_> {
    /// Whether the arrays' currents are the plain product plus, at most,
    /// per-output Gaussian read noise: a balanced pair may then still be read as
    /// one difference array, its output noise the sum of both arrays'.
    pub fn product_reads(&self) -> bool {
        self.cells.output_noise_only() && self.wires.is_none() && self.iv.is_none()
    }

    /// Programs array `k` of this block, `rows` rows of weights (and the
    /// unit line of `map`, if any) by `cols`, to the targets `map` forms from
    /// the block's `weights`: programming error or drift, storage in the
    /// core's precision, then its read noise.
    /// Array ids are [`identity::array_id`]`(block, k)`.
    /// The backend's [`ArrayPrograms`], when there is one, forms the targets
    /// and programs the array where it keeps it (the same conductances); the
    /// host otherwise ([`TargetMap::targets`]).
    pub fn program_array(
        &self,
        k: u32,
        rows: usize,
        cols: usize,
        weights: &BlockWeights,
        map: &TargetMap,
    ) -> Result<Array> {
        if weights.values().len() != rows * cols {
            return Err(Error::Internal(format!(
                "{} weights for a block of {rows} × {cols}",
                weights.values().len()
            )));
        }
        let rows = rows + map.unit_rows();
        let id = identity::array_id(self.block, k);
        if let Some(programs) = self.programs {
            if let Some(a) = programs.program(self, id, rows, cols, weights, map)? {
                return Ok(a);
            }
        }
        let mut g = map.targets(weights.values(), cols);
        self.cells.write(&mut g, id, &self.draws)?;
        let g = Conductances::new(g, self.params.simulation.conductance_precision);
        let noise = self.cells.read_noise(&g);
        Ok(self.array(id, rows, cols, g, noise))
    }

    /// Array `id` of this block holding `g` with read noise `noise`, and the
    /// block's wires, relaxation state, I-V law and product choice.
    pub fn array(&self, id: u32, rows: usize, cols: usize, g: Conductances, noise: Option<ReadNoise>) -> Array {
        let relaxation = match (&self.wires, self.params.simulation.parasitic_solver) {
            (Some(_), crate::params::ParasiticSolver::CrossSim) => {
                let r = crate::circuit::parasitics::Relaxation::from_params(self.params);
                Some(std::sync::Arc::new(std::sync::Mutex::new([r.clone(), r])))
            }
            _ => None,
        };
        let mut a = Array::new(rows, cols, g);
        a.id = id;
        a.noise = noise;
        a.wires = self.wires.clone();
        a.relaxation = relaxation;
        a.iv = self.iv;
        a.gemm = !self.params.simulation.disable_fast_matmul;
        a
    }
}

/// "mvm" or "vmm", for parameter paths.
pub fn op_name(op: Op) -> &'static str {
    match op {
        Op::Mvm => "mvm",
        Op::Vmm => "vmm",
    }
}

/// The DAC and ADC(s) of one operation of one block.
#[derive(Debug, Clone)]
pub struct Periphery {
    pub dac: Dac,
    /// One ADC, or one per weight slice.
    pub adcs: Vec<Adc>,
    /// Digitise each input bit slice separately.
    pub adc_per_ibit: bool,
}

impl Periphery {
    /// The periphery of `op` for a `rows × cols` block, with one ADC per entry of `slices`.
    pub fn new(
        ctx: &BlockContext,
        op: Op,
        rows: usize,
        cols: usize,
        slices: &[Option<SliceInfo>],
    ) -> Result<Periphery> {
        let p = ctx.params;
        let name = op_name(op);
        let (dacp, adcp, inputs) = match op {
            Op::Mvm => (&p.xbar.dac.mvm, &p.xbar.adc.mvm, &p.core.mapping.inputs.mvm),
            Op::Vmm => (&p.xbar.dac.vmm, &p.xbar.adc.vmm, &p.core.mapping.inputs.vmm),
        };
        let dac = Dac::new(dacp, inputs, &format!("xbar.dac.{name}"))?;
        let (n, lines) = match op {
            Op::Mvm => (cols, rows),
            Op::Vmm => (rows, cols),
        };
        let balanced_subtract = p.core.style == CoreStyle::Balanced && p.core.balanced.subtract_current_in_xbar;
        let adcs = slices
            .iter()
            .enumerate()
            .map(|(k, &slice)| {
                let range = RangeContext {
                    n,
                    signed_input: dacp.signed,
                    dac_bits: dacp.bits,
                    weight_bits: p.core.weight_bits,
                    balanced_subtract,
                    slice,
                };
                let id = identity::adc_bank_id(ctx.block, k, op == Op::Vmm);
                let draws = Stream::new(ctx.draws.seed, id, Purpose::AdcMismatch, ctx.draws.program_call);
                Adc::new(adcp, &range, lines, draws, id, &format!("xbar.adc.{name}"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Periphery {
            dac,
            adcs,
            adc_per_ibit: adcp.adc_per_ibit,
        })
    }
}

/// A block read that is one product per weight slice and value-by-value
/// periphery ([`Mapping::static_products`]): for vector `b`, output line `l`,
/// with `p_i` the product of slice `i`'s difference `G+ − G−` with the DAC
/// outputs and `A_i` its ADC (if any), the block's output before output
/// scaling is `A_0(p_0)` for a balanced block and
/// `rec.finish(Σ_i rec.weight(i)·rec.slice(A_i(p_i)))` for a bit-sliced one.
pub struct StaticProducts<'a> {
    /// Per weight slice: G+, G− and whether their difference is taken in
    /// single precision.
    pub pairs: Vec<(&'a Array, &'a Array, bool)>,
    /// Per weight slice: its ADC, or `None` when the slice is not digitised.
    pub adcs: Vec<Option<&'a Adc>>,
    /// How the slices go back together (bit-sliced blocks).
    pub recombination: Option<bitsliced::Recombination>,
}

/// Input values (vectors × lines) from which a batch's DAC conversion runs
/// in xbar's pool.
const DAC_PARALLEL_MIN: usize = 1 << 15;

/// One block of a core: its weights in one of the three mappings.
#[derive(Debug, Clone)]
pub enum Mapping {
    Balanced(Box<balanced::Balanced>),
    Offset(offset::Offset),
    BitSliced(bitsliced::BitSliced),
}

impl Mapping {
    /// Programs the `rows × cols` block `w` in the mapping `core.style` names.
    pub fn program(ctx: &BlockContext, w: &[f64], rows: usize, cols: usize) -> Result<Mapping> {
        Ok(match ctx.params.core.style {
            CoreStyle::Balanced => Mapping::Balanced(Box::new(balanced::Balanced::program(ctx, w, rows, cols)?)),
            CoreStyle::Offset => Mapping::Offset(offset::Offset::program(ctx, w, rows, cols)?),
            CoreStyle::BitSliced => Mapping::BitSliced(bitsliced::BitSliced::program(ctx, w, rows, cols)?),
        })
    }

    /// Checks that a `rows × cols` block can be built with these parameters
    /// (DAC and ADC settings, slice layout) without programming any array.
    pub fn check(ctx: &BlockContext, rows: usize, cols: usize) -> Result<()> {
        match ctx.params.core.style {
            CoreStyle::BitSliced => bitsliced::peripheries(ctx, rows, cols).map(|_| ()),
            CoreStyle::Balanced | CoreStyle::Offset => {
                Periphery::new(ctx, Op::Mvm, rows, cols, &[None])?;
                Periphery::new(ctx, Op::Vmm, rows, cols, &[None]).map(|_| ())
            }
        }
    }

    /// The periphery of `op`.
    pub fn periphery(&self, op: Op) -> &Periphery {
        match self {
            Mapping::Balanced(m) => m.periphery(op),
            Mapping::Offset(m) => m.periphery(op),
            Mapping::BitSliced(m) => m.periphery(op),
        }
    }

    /// The block's first network (what `Core::export_spice` writes): the G+
    /// array of a balanced block (the G+/G− pair when interleaved), an offset
    /// block's array, or that of the least significant weight slice.
    pub fn first_network(&self) -> (&Array, Option<&Array>) {
        match self {
            Mapping::Balanced(m) => m.pair().network(),
            Mapping::Offset(m) => (m.array(), None),
            Mapping::BitSliced(m) => m.first_slice(),
        }
    }

    /// `(weight_scale, model_factor)`: outputs are multiplied by
    /// `weight_scale / (s_in · model_factor)`.
    pub fn output_factors(&self) -> (f64, f64) {
        match self {
            Mapping::Balanced(m) => m.output_factors(),
            Mapping::Offset(m) => m.output_factors(),
            Mapping::BitSliced(m) => m.output_factors(),
        }
    }

    /// Writes a weight change (`rows × cols` of this block, weight units)
    /// through `writes` (the device update model, where the arrays live). Bit-sliced blocks are not written in
    /// place: a change of one weight would carry between its slices, which
    /// analog increments cannot do (`Error::Unsupported`).
    pub fn update(&mut self, writes: &dyn ArrayWrites) -> Result<()> {
        match self {
            Mapping::Balanced(m) => m.update(writes)?,
            Mapping::Offset(m) => m.update(writes)?,
            Mapping::BitSliced(_) => {
                return Err(Error::unsupported(
                    "update: BITSLICED cores cannot be updated in place (a change would carry between weight slices); use BALANCED or OFFSET",
                ))
            }
        }
        Ok(())
    }

    /// Every array of the block in a fixed order (per weight slice: G+, G-
    /// and their precomputed difference, or the one offset array): the
    /// state that updates and CrossSim's relaxation solver change, which a
    /// saved core keeps.
    pub(crate) fn arrays(&self) -> Vec<&Array> {
        match self {
            Mapping::Balanced(m) => m.pair.arrays().collect(),
            Mapping::Offset(m) => vec![&m.array],
            Mapping::BitSliced(m) => m.slices.iter().flat_map(bitsliced::SliceArrays::arrays).collect(),
        }
    }
    /// As [`Mapping::arrays`], mutably.
    pub(crate) fn arrays_mut(&mut self) -> Vec<&mut Array> {
        match self {
            Mapping::Balanced(m) => m.pair.arrays_mut().collect(),
            Mapping::Offset(m) => vec![&mut m.array],
            Mapping::BitSliced(m) => m
                .slices
                .iter_mut()
                .flat_map(bitsliced::SliceArrays::arrays_mut)
                .collect(),
        }
    }
    /// Marks every array of the block as changed ([`Array::refresh`]) after
    /// their conductances were replaced.
    pub(crate) fn refresh(&mut self) -> Result<()> {
        self.arrays_mut().into_iter().try_for_each(Array::refresh)
    }
    /// The block's arrays in [`Mapping::arrays`] order, grouped by unit (a
    /// balanced pair or a single array): each unit's array count and whether
    /// it is a pair read by its difference (whose differences earlier saved
    /// files hold as a third array).
    pub(crate) fn units(&self) -> Vec<(usize, bool)> {
        let pair = |p: &pair::Pair| (2, p.fast.is_some());
        match self {
            Mapping::Balanced(m) => vec![pair(&m.pair)],
            Mapping::Offset(_) => vec![(1, false)],
            Mapping::BitSliced(m) => m
                .slices
                .iter()
                .map(|s| match s {
                    bitsliced::SliceArrays::Balanced(p) => pair(p),
                    bitsliced::SliceArrays::Offset(_) => (1, false),
                })
                .collect(),
        }
    }
    /// Balanced blocks: whether the conductances are still exact
    /// single-precision values (see `Balanced::read`); `None` otherwise.
    pub(crate) fn exact_single(&self) -> Option<bool> {
        match self {
            Mapping::Balanced(m) => Some(m.single),
            _ => None,
        }
    }
    /// Sets [`Mapping::exact_single`] of a balanced block (as a restored core
    /// had it); `None` for other blocks. Once false, the fast path's
    /// differences are exact double-precision ones, as after an update.
    pub(crate) fn set_exact_single(&mut self, single: bool) -> Option<()> {
        match self {
            Mapping::Balanced(m) => {
                m.single = single;
                if !single {
                    m.pair.mark_written();
                }
                Some(())
            }
            _ => None,
        }
    }

    /// The block's stored weights, row-major.
    pub fn read(&self) -> Vec<f64> {
        match self {
            Mapping::Balanced(m) => m.read(),
            Mapping::Offset(m) => m.read(),
            Mapping::BitSliced(m) => m.read(),
        }
    }

    /// The block's read of `op` as plain products followed by value-by-value
    /// periphery, when it is one (a backend may then fuse the two): every
    /// weight slice a balanced pair read by its difference without read
    /// noise (CrossSim's fast balanced path: no wires, ohmic cells, analog
    /// subtraction, no column limit), a DAC without input bit slicing, and a
    /// batched (GEMM) read of `count` vectors. `None` otherwise.
    pub fn static_products(&self, op: Op, count: usize) -> Option<StaticProducts<'_>> {
        let per = self.periphery(op);
        if per.dac.bitslicing() {
            return None;
        }
        let (pairs, recombination) = match self {
            Mapping::Balanced(m) => (vec![m.pair()], None),
            Mapping::BitSliced(m) => (m.pairs()?, Some(m.recombination())),
            Mapping::Offset(_) => return None,
        };
        let pairs = pairs
            .into_iter()
            .map(|p| {
                let f = p.fast.as_ref()?;
                let quiet = p.pos.noise.is_none() && p.neg.noise.is_none();
                (quiet && p.pos.gemm && count > 1).then_some((&p.pos, &p.neg, f.single))
            })
            .collect::<Option<Vec<_>>>()?;
        // A bit-sliced block with an ADC per input bit, but no input
        // slicing, is not digitised at all (as `BitSliced::run`).
        let digitise = !(recombination.is_some() && per.adc_per_ibit);
        let adcs = per.adcs.iter().map(|a| digitise.then_some(a)).collect();
        Some(StaticProducts {
            pairs,
            adcs,
            recombination,
        })
    }

    /// The DAC outputs of `op` for inputs `x` scaled by `s_in` (per vector).
    pub fn dac_outputs(&self, op: Op, x: &Batch, s_in: &[f64]) -> Batch {
        let dac = &self.periphery(op).dac;
        let (count, len) = (x.count, x.len);
        // Each vector is copied, scaled and converted on its own in one
        // pass, so the split over threads does not change a value.
        let one = |((v, src), &s): ((&mut [f64], &[f64]), &f64)| dac.scaled(src, s, v);
        // Every value is written by `one`.
        let mut xd = Batch::from_vec(len, count, crate::recycle::scratch(len * count, 0.0));
        if len * count >= DAC_PARALLEL_MIN && len > 0 {
            crate::threads::install(|| {
                use rayon::prelude::*;
                xd.data
                    .par_chunks_mut(len)
                    .zip(x.data.par_chunks(x.len))
                    .zip(s_in)
                    .with_min_len(8)
                    .for_each(one)
            });
        } else {
            let rows = xd.data.chunks_mut(len.max(1)).zip(x.data.chunks(x.len.max(1)));
            rows.zip(s_in).for_each(one);
        }
        xd
    }

    /// One operation on inputs `x` (weight-unit inputs of this block), the
    /// reference pipeline of every backend: scale by `s_in` (per vector),
    /// DAC, arrays (their products through `reads`), ADC, recombination, and
    /// scale back to weight units by `s_out = weight_scale/(s_in·model_factor)`.
    /// The read's events and array term are added to `count`, if any (after
    /// a successful read).
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &self,
        op: Op,
        x: &Batch,
        s_in: &[f64],
        s_out: &[f64],
        key: ReadKey,
        count: Option<&mut crate::cost::BlockCount<'_>>,
        reads: &dyn ArrayReads,
    ) -> Result<Batch> {
        let xd = self.dac_outputs(op, x, s_in);
        let mut out = match self {
            Mapping::Balanced(m) => m.run(op, &xd, key, reads),
            Mapping::Offset(m) => m.run(op, &xd, key, reads),
            Mapping::BitSliced(m) => m.run(op, &xd, key, reads),
        }?;
        if let Some(c) = count {
            c.count(self, op, &xd, out.len)?;
        }
        for (b, f) in s_out.iter().enumerate() {
            for v in out.vector_mut(b) {
                *v *= f;
            }
        }
        Ok(out)
    }
}
