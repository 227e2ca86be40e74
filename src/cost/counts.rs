//! The events of one read of one block, derived exactly from its read plan
//! (mapping, weight slices, input bit slices, periphery and batch), and the
//! array term `Σ v²·g` from the actual DAC outputs and the conductance sums
//! of the input lines. Nothing here runs inside the product kernels: the
//! counts are functions of the plan, the same at any thread count.
//!
//! The array term is summed per vector first (one fixed order within a
//! vector, [`ArrayTerm::vector`]), then over vectors in order, so that a
//! device that keeps the DAC outputs can compute the per-vector terms by the
//! same operations and hand back one number per vector
//! ([`BlockCount::count_energies`]).
//!
//! Per vector of a block with input length `n_in`, input slices `K` (1
//! without input bit slicing), and per weight slice ("unit": a balanced pair
//! or one array) `a_u` arrays, `L_u` output lines (a reference line
//! included) and `P_u = 2` when G+ and G− are digitised apart (else 1), with
//! `K_d = K` when every input slice is digitised (`adc_per_ibit`), else 1:
//!
//! * array reads `Σ a_u·K`; DAC conversions `Σ a_u·n_in·K` (a driver per
//!   input line of each array, `slice_size` bits each with input slicing);
//! * ADC conversions and sample-and-holds `Σ P_u·L_u·K_d`;
//! * shift-and-adds: every digitised value is shifted and added into its
//!   output's accumulator when more than one value makes an output
//!   (`K_d·S > 1` for `S` weight slices), else none;
//! * digital subtractions: `L_u` per unit digitised as G+ and G− apart;
//!   one per output for an OFFSET block (offset or reference line); for
//!   OFFSET weight slices one per output and slice for the reference line or
//!   for Gmin > 0, and one per output for the final offset when no reference
//!   line is read.

use super::laws::conversion_time;
use super::library::Figures;
use crate::array::{Array, Op};
use crate::batch::Batch;
use crate::circuit::dac::Dac;
use crate::device::conductance::Window;
use crate::error::Result;
use crate::mapping::bitsliced::SliceArrays;
use crate::mapping::pair::Pair;
use crate::mapping::Mapping;
use crate::params::{AdcModel, DacModel, Params};

/// A converter as counted: its model name and the bits of one conversion
/// (0 for an ideal converter, which the laws cost nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Converter {
    /// The converter model's name (`xbar.adc.*.model` / `xbar.dac.*.model`).
    pub model: &'static str,
    /// Bits of one conversion.
    pub bits: u32,
}

/// Events and the array term over some reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Read calls and input vectors.
    pub calls: u64,
    /// Input vectors read (each MVM or VMM vector counts once).
    pub vectors: u64,
    /// Conversions per converter kind, in order of first use.
    pub dac: Vec<(Converter, u64)>,
    /// ADC conversions per converter kind, in order of first use.
    pub adc: Vec<(Converter, u64)>,
    /// Sample-and-hold events: one per ADC conversion.
    pub sample_hold: u64,
    /// Digital shift-and-add operations: one per conversion when a result combines several
    /// (weight slices, arrays or input bits).
    pub shift_add: u64,
    /// Digital subtractions (of a pair's G− output or an offset, after conversion).
    pub subtract: u64,
    /// Array reads: one per array, input vector and input bit slice.
    pub array_reads: u64,
    /// `Σ v²·g` over every array read: normalised input (1 = Vread) squared
    /// times normalised conductance (1 = 1/Rmin), summed over cells.
    pub v2g: f64,
    /// Latency (s).
    pub latency_s: f64,
    /// Per-vector latencies of the blocks of the call being counted.
    blocks_s: Vec<f64>,
}

fn bump(list: &mut Vec<(Converter, u64)>, c: Converter, n: u64) {
    match list.iter_mut().find(|(k, _)| *k == c) {
        Some((_, v)) => *v += n,
        None => list.push((c, n)),
    }
}

impl Tally {
    /// Total DAC conversions.
    pub fn dac_total(&self) -> u64 {
        self.dac.iter().map(|e| e.1).sum()
    }
    /// Total ADC conversions.
    pub fn adc_total(&self) -> u64 {
        self.adc.iter().map(|e| e.1).sum()
    }

    /// Adds `other` (a finished call) to this tally.
    pub fn add(&mut self, other: &Tally) {
        self.calls += other.calls;
        self.vectors += other.vectors;
        for &(c, n) in &other.dac {
            bump(&mut self.dac, c, n);
        }
        for &(c, n) in &other.adc {
            bump(&mut self.adc, c, n);
        }
        self.sample_hold += other.sample_hold;
        self.shift_add += other.shift_add;
        self.subtract += other.subtract;
        self.array_reads += other.array_reads;
        self.v2g += other.v2g;
        self.latency_s += other.latency_s;
    }

    /// Closes a call of `vectors` input vectors: its latency is `vectors`
    /// times the slowest block's per-vector latency when arrays run
    /// concurrently, else times their sum.
    pub fn finish_call(&mut self, vectors: usize, concurrent: bool) {
        let per = if concurrent {
            self.blocks_s.iter().copied().fold(0.0, f64::max)
        } else {
            self.blocks_s.iter().sum()
        };
        self.blocks_s.clear();
        self.calls += 1;
        self.vectors += vectors as u64;
        self.latency_s += vectors as f64 * per;
    }
}

/// One weight slice of a block as the periphery sees it.
struct Unit {
    /// Arrays read together (2 for a pair).
    arrays: u64,
    /// Output lines of each array (a reference line included).
    lines: u64,
    /// G+ and G− currents are digitised apart.
    two: bool,
}

fn pair_unit(p: &Pair, op: Op) -> Unit {
    Unit {
        arrays: 2,
        lines: out_lines(&p.pos, op),
        two: !p.subtract && !p.interleaved,
    }
}

fn array_unit(a: &Array, op: Op) -> Unit {
    Unit {
        arrays: 1,
        lines: out_lines(a, op),
        two: false,
    }
}

/// Output lines of `a` for `op`: its rows (MVM, a reference line included) or columns (VMM).
fn out_lines(a: &Array, op: Op) -> u64 {
    (match op {
        Op::Mvm => a.rows,
        Op::Vmm => a.cols,
    }) as u64
}

/// The weight slices of `block` for `op`.
fn units(block: &Mapping, op: Op) -> Vec<Unit> {
    match block {
        Mapping::Balanced(m) => vec![pair_unit(m.pair(), op)],
        Mapping::Offset(m) => vec![array_unit(m.array(), op)],
        Mapping::BitSliced(m) => m
            .slices
            .iter()
            .map(|s| match s {
                SliceArrays::Balanced(p) => pair_unit(p, op),
                SliceArrays::Offset(a) => array_unit(a, op),
            })
            .collect(),
    }
}

/// Digital subtractions per vector of `block` for `op` with `n_out` outputs.
fn subtractions(block: &Mapping, op: Op, n_out: u64, units: &[Unit], gmin: f64) -> u64 {
    let pairs: u64 = units.iter().filter(|u| u.two).map(|u| u.lines).sum();
    let offset = match block {
        Mapping::Offset(_) => n_out,
        Mapping::BitSliced(m) => {
            let mut n = 0;
            for s in &m.slices {
                if let SliceArrays::Offset(a) = s {
                    let reference = op == Op::Mvm && a.rows as u64 > n_out;
                    if reference || gmin > 0.0 {
                        n += n_out;
                    }
                }
            }
            let offset_slices =
                matches!(m.slices.first(), Some(SliceArrays::Offset(a)) if !(op == Op::Mvm && a.rows as u64 > n_out));
            n + if offset_slices { n_out } else { 0 }
        }
        Mapping::Balanced(_) => 0,
    };
    pairs + offset
}

/// The ADC model and bits of `op` (0 bits for an ideal ADC).
fn adc_kind(p: &Params, op: Op) -> Converter {
    let a = match op {
        Op::Mvm => &p.xbar.adc.mvm,
        Op::Vmm => &p.xbar.adc.vmm,
    };
    let ideal = a.model == AdcModel::Ideal || a.bits == 0;
    Converter {
        model: a.model.name(),
        bits: if ideal { 0 } else { a.bits },
    }
}

/// The DAC model and bits of one conversion of `op` (`slice_size` with input
/// bit slicing; 0 for an ideal DAC).
fn dac_kind(p: &Params, op: Op) -> Converter {
    let d = match op {
        Op::Mvm => &p.xbar.dac.mvm,
        Op::Vmm => &p.xbar.dac.vmm,
    };
    let ideal = d.model == DacModel::Ideal || d.bits == 0;
    let bits = if ideal {
        0
    } else if d.input_bitslicing {
        d.slice_size
    } else {
        d.bits
    };
    Converter {
        model: d.model.name(),
        bits,
    }
}

/// What a block read needs besides the block: the core's parameters and
/// figures, and the conductance sums of the block's input lines for this
/// operation (summed over every array of the block).
pub struct BlockCount<'a> {
    pub params: &'a Params,
    pub figures: &'a Figures,
    pub line_sums: &'a [f64],
    /// The block's factorised networks when wires are modelled.
    pub nets: Option<&'a [super::circuit::Net]>,
    pub tally: &'a mut Tally,
}

impl BlockCount<'_> {
    /// Counts one read of `block` for `op`: DAC outputs `xd` (`n_in` per
    /// vector) producing `n_out` outputs per vector. The array term is
    /// `source_power` of the block's networks when wires are modelled, else
    /// the sum of [`vector_energies`] in vector order.
    pub fn count(&mut self, block: &Mapping, op: Op, xd: &Batch, n_out: usize) -> Result<()> {
        let dac = &block.periphery(op).dac;
        let power = match self.nets {
            Some(nets) => super::circuit::source_power(nets, &slice_batches(dac, xd))?,
            None => v2g(&vector_energies(dac, xd, self.line_sums)),
        };
        self.record(block, op, xd.count, xd.len, n_out, power)
    }

    /// Counts one read of `block` for `op` whose DAC outputs stayed where
    /// they were made (on a device): `energies` holds [`ArrayTerm::vector`] of
    /// each vector's DAC outputs (`n_in` per vector) against this read's
    /// `line_sums`, one per vector, and the read produced `n_out` outputs
    /// per vector. The same tally as [`BlockCount::count`] on those outputs,
    /// bit for bit. Blocks with wire resistance (`nets`) need the outputs
    /// themselves and are refused.
    pub fn count_energies(
        &mut self,
        block: &Mapping,
        op: Op,
        energies: &[f64],
        n_in: usize,
        n_out: usize,
    ) -> Result<()> {
        if self.nets.is_some() {
            return Err(crate::error::Error::Internal(
                "a block with wire resistance is counted from its DAC outputs, not their energies".into(),
            ));
        }
        if n_in != self.line_sums.len() {
            return Err(crate::error::Error::Internal(format!(
                "cost counting: {n_in} inputs per vector against {} line sums",
                self.line_sums.len()
            )));
        }
        self.record(block, op, energies.len(), n_in, n_out, v2g(energies))
    }

    /// Adds one read of `block` for `op` to the tally: `nvec` vectors of
    /// `n_in` inputs and `n_out` outputs, and its array term `power`.
    /// Everything but the array term follows from the shapes and the plan.
    fn record(&mut self, block: &Mapping, op: Op, nvec: usize, n_in: usize, n_out: usize, power: f64) -> Result<()> {
        let per = block.periphery(op);
        let k = if per.dac.bitslicing() {
            per.dac.num_slices() as u64
        } else {
            1
        };
        let per_ibit = per.dac.bitslicing() && per.adc_per_ibit;
        let kd = if per_ibit { k } else { 1 };
        let units = units(block, op);
        let nvec = nvec as u64;
        let n_in = n_in as u64;
        let arrays: u64 = units.iter().map(|u| u.arrays).sum();
        let conversions: u64 = units.iter().map(|u| (if u.two { 2 } else { 1 }) * u.lines * kd).sum();
        let merges = if kd * units.len() as u64 > 1 { conversions } else { 0 };
        let gmin = Window::new(&self.params.xbar.device).gmin;
        let subtract = subtractions(block, op, n_out as u64, &units, gmin);
        let adc = adc_kind(self.params, op);
        let dac = dac_kind(self.params, op);
        let latency = self.latency(&units, k, per_ibit, adc.bits);
        let t = &mut *self.tally;
        bump(&mut t.dac, dac, nvec * arrays * n_in * k);
        bump(&mut t.adc, adc, nvec * conversions);
        t.sample_hold += nvec * conversions;
        t.shift_add += nvec * merges;
        t.subtract += nvec * subtract;
        t.array_reads += nvec * arrays * k;
        t.v2g += power;
        t.blocks_s.push(latency);
        Ok(())
    }

    /// Per-vector latency of the block (see docs/models.md): per weight
    /// slice, `K` steps of a read (`t_dac + t_read`) and, with an ADC per
    /// input slice, a conversion of `c = ⌈L/⌈L/columns_per_adc⌉⌉` values per
    /// ADC, overlapped (pipelined: the longer of the two) or not; otherwise
    /// `K` reads then one conversion. Slices run at once (the slowest counts)
    /// or one after another (G+ then G− when digitised apart).
    fn latency(&self, units: &[Unit], k: u64, per_ibit: bool, adc_bits: u32) -> f64 {
        let f = self.figures;
        let t_adc = conversion_time(f.adc_timing, f.adc_latency_s, f.adc_clock_hz, adc_bits);
        let t_in = f.dac_latency_s + f.read_time_s;
        let cpa = f.columns_per_adc.max(1) as u64;
        let times = units.iter().map(|u| {
            let adcs = u.lines.div_ceil(cpa);
            let c = u.lines.div_ceil(adcs.max(1));
            let t_conv = c as f64 * t_adc;
            let t = if per_ibit {
                let step = if f.pipelined { t_in.max(t_conv) } else { t_in + t_conv };
                k as f64 * step
            } else {
                k as f64 * t_in + t_conv
            };
            (t, if u.two { 2.0 } else { 1.0 })
        });
        if f.arrays_concurrent {
            times.fold(0.0, |m, (t, _)| f64::max(m, t))
        } else {
            times.map(|(t, n)| t * n).sum()
        }
    }
}

/// The inputs the arrays see: the DAC outputs, or one batch per input slice.
fn slice_batches(dac: &Dac, xd: &Batch) -> Vec<Batch> {
    if dac.bitslicing() {
        crate::mapping::input_slicing::slice_batch(dac, xd)
    } else {
        vec![xd.clone()]
    }
}

/// The array term `Σ_b e_b` of a read: the per-vector terms `e_b` of
/// [`vector_energies`] added in vector order, from 0.
fn v2g(energies: &[f64]) -> f64 {
    energies.iter().fold(0.0, |e, &v| e + v)
}

/// The array term of each vector of DAC outputs `xd` against the conductance
/// sums `sums` of the input lines ([`ArrayTerm::vector`] of `dac`'s form);
/// a large batch in xbar's pool, a vector per task, so the split changes no
/// bit.
pub(crate) fn vector_energies(dac: &Dac, xd: &Batch, sums: &[f64]) -> Vec<f64> {
    use rayon::prelude::*;
    let form = ArrayTerm::of(dac);
    let one = |b: usize| form.vector(xd.vector(b), sums);
    if crate::product::gemm::parallel(xd.data.len()) {
        crate::threads::install(|| (0..xd.count).into_par_iter().with_min_len(4).map(one).collect())
    } else {
        (0..xd.count).map(one).collect()
    }
}

/// How the array term weighs one vector of DAC outputs `v` (one value per
/// input line j, line j's conductance sum `S_j`): the squares of what the
/// lines see, times `S_j`. A device computes the same numbers from the same
/// description (`kernels/periphery.cu`, `xbar_dac_energy`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ArrayTerm {
    /// No input slicing: `Σ_j v_j²·S_j`, term `(v_j·v_j)·S_j`.
    Squares,
    /// Input bit slices: each line sees the `count` base-`2^size` digits
    /// `d_k` of `X_j = rint(|v_j|·full)` (`v_j` itself unless
    /// `sign_magnitude`) as `d_k/(2^size − 1)`; the term is
    /// `S_j·(Σ_k d_k²)` and the vector's sum is divided by
    /// `top2 = (2^size − 1)²`.
    Slices {
        full: f64,
        size: u32,
        count: usize,
        sign_magnitude: bool,
        top2: f64,
    },
}

impl ArrayTerm {
    /// The form of `dac`'s outputs.
    pub(crate) fn of(dac: &Dac) -> ArrayTerm {
        if !dac.bitslicing() {
            return ArrayTerm::Squares;
        }
        let (count, _, full, sign_magnitude) = dac.slicing();
        let top = 2f64.powi(dac.slice_size() as i32) - 1.0;
        ArrayTerm::Slices {
            full,
            size: dac.slice_size(),
            count,
            sign_magnitude,
            top2: top * top,
        }
    }

    /// The array term of one vector `v` against the line sums `sums`: its
    /// terms summed by [`lanes`] (then divided by `top2` for slices).
    #[inline(always)]
    pub(crate) fn vector(&self, v: &[f64], sums: &[f64]) -> f64 {
        match *self {
            ArrayTerm::Squares => weighted_squares(v, sums),
            ArrayTerm::Slices {
                full,
                size,
                count,
                sign_magnitude,
                top2,
            } => {
                let term = |x: f64, g: f64| {
                    let m = if sign_magnitude { x.abs() } else { x };
                    g * slice_squares(m, full, size, count) as f64
                };
                lanes(v, sums, term) / top2
            }
        }
    }
}

/// `Σ_j x_j²·g_j` by [`lanes`], each term `(x_j·x_j)·g_j`. Inline, so that
/// it is compiled into the vectorised passes that call it.
#[inline(always)]
pub(crate) fn weighted_squares(x: &[f64], g: &[f64]) -> f64 {
    lanes(x, g, |a, b| a * a * b)
}

/// `Σ_j term(x_j, g_j)` in eight interleaved partial sums (so that it runs
/// in SIMD lanes; the order is fixed, the result the same on every run):
/// partial `l` adds the terms of `j = 8c + l` over the whole chunks of 8 in
/// order from 0; then the partials are added left to right and the tail
/// (the last `n mod 8` terms, added left to right) last:
/// `((a_0 + a_1) + … + a_7) + tail`.
#[inline(always)]
fn lanes(x: &[f64], g: &[f64], term: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let (xc, gc) = (x.chunks_exact(8), g.chunks_exact(8));
    let (xr, gr) = (xc.remainder(), gc.remainder());
    for (a, b) in xc.zip(gc) {
        for l in 0..8 {
            acc[l] += term(a[l], b[l]);
        }
    }
    let tail: f64 = xr.iter().zip(gr).map(|(&a, &b)| term(a, b)).sum();
    acc.iter().sum::<f64>() + tail
}

/// `Σ_k d_k²` over the `k` base-`2^s` digits `d_k` of the integer magnitude
/// `X = rint(m·full)` that [`Dac::slices`] cuts into input slices (slice k
/// is `d_k/(2^s − 1)`), by integer shifts rather than slice vectors.
fn slice_squares(m: f64, full: f64, s: u32, k: usize) -> u64 {
    let x = (m * full).round_ties_even().max(0.0) as u64;
    let mask = (1u64 << s) - 1;
    (0..k)
        .map(|i| {
            let shift = s as usize * i;
            let d = if shift < 64 { (x >> shift) & mask } else { 0 };
            d * d
        })
        .sum()
}

/// Conductance sums of the input lines of `block` for MVM and VMM, over
/// every array of the block: MVM input j drives column j of every array
/// (its reference line's cell included); VMM input i drives data row i (a
/// reference line gets 0 V). `n_rows` is the block's matrix rows.
pub fn line_sums(block: &Mapping, n_rows: usize) -> [Vec<f64>; 2] {
    let arrays = block.arrays();
    let cols = arrays.first().map_or(0, |a| a.cols);
    let mut mvm = vec![0.0; cols];
    let mut vmm = vec![0.0; n_rows];
    for a in arrays {
        let g = a.g.as_f64();
        let skip = a.rows - n_rows;
        for i in 0..a.rows {
            let row = &g[i * a.cols..(i + 1) * a.cols];
            for (s, &x) in mvm.iter_mut().zip(row) {
                *s += x;
            }
            if i >= skip {
                vmm[i - skip] += row.iter().sum::<f64>();
            }
        }
    }
    [mvm, vmm]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{DacParams, InputMapping};

    /// The digit arithmetic gives the squares of `Dac::slices`' values.
    #[test]
    fn slice_squares_match_the_dac_slices() {
        let cases = [
            (DacModel::SignMagnitude, 7, true, 2, -1.0),
            (DacModel::SignMagnitude, 9, true, 3, -1.0),
            (DacModel::Quantizer, 16, false, 1, 0.0),
            (DacModel::Quantizer, 8, false, 3, 0.0),
        ];
        for (model, bits, signed, slice, min) in cases {
            let p = DacParams {
                model,
                bits,
                input_bitslicing: true,
                signed,
                slice_size: slice,
            };
            let inputs = InputMapping {
                min: Some(min),
                ..InputMapping::default()
            };
            let dac = Dac::new(&p, &inputs, "xbar.dac.mvm").unwrap();
            let mut v: Vec<f64> = (0..997)
                .map(|i| ((i * 7919 % 2003) as f64 / 1001.5 - 1.0).max(min))
                .collect();
            dac.convert(&mut v);
            let sums = vec![1.0; v.len()];
            let want: f64 = dac.slices(&v).iter().flatten().map(|x| x * x).sum();
            let got = v2g(&vector_energies(&dac, &Batch::from_vec(v.len(), 1, v), &sums));
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "{model:?} {bits} bits: {got} vs {want}"
            );
        }
    }
}
