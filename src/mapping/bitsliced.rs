//! BITSLICED mapping (spec §7): weights quantised to `weight_bits` and split
//! into `num_slices` digits (base 2^b_s), each digit on its own array (or G+/G-
//! pair); slice outputs are digitised separately and recombined by shift-and-add.

use super::currents::Currents;
use super::input_slicing::SlicedInputs;
use super::pair::{clip, Pair};
use super::targets::{BlockWeights, Rule, Slice, TargetMap};
use super::{BlockContext, Periphery, SliceInfo};
use crate::array::{Array, Op, ReadKey};
use crate::backend::ArrayReads;
use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::params::{BitSliceStyle, OffsetStyle, Params};

/// The arrays of one weight slice.
#[derive(Debug, Clone)]
pub(crate) enum SliceArrays {
    Offset(Box<Array>),
    Balanced(Box<Pair>),
}

impl SliceArrays {
    /// The arrays of the slice (see `Mapping::arrays`).
    pub(crate) fn arrays(&self) -> Vec<&Array> {
        match self {
            SliceArrays::Offset(a) => vec![&**a],
            SliceArrays::Balanced(p) => p.arrays().collect(),
        }
    }
    /// As [`SliceArrays::arrays`], mutably.
    pub(crate) fn arrays_mut(&mut self) -> Vec<&mut Array> {
        match self {
            SliceArrays::Offset(a) => vec![&mut **a],
            SliceArrays::Balanced(p) => p.arrays_mut().collect(),
        }
    }
}

/// A block of weights split over weight slices.
#[derive(Debug, Clone)]
pub struct BitSliced {
    pub(crate) slices: Vec<SliceArrays>,
    mvm: Periphery,
    vmm: Periphery,
    /// Weight resolution B.
    bits: u32,
    /// Bits per slice b_s.
    slice_bits: u32,
    gmin: f64,
    grange: f64,
    unit_column: bool,
    icol_max: f64,
    wmax: f64,
}

/// Bits per slice: `B/N` if it divides, else `ceil((B-1)/N)` for balanced
/// slices (the sign is not a digit) and `ceil(B/N)` for offset slices.
pub fn slice_bits(b: u32, n: u32, balanced: bool) -> u32 {
    if b.is_multiple_of(n) {
        b / n
    } else if balanced {
        (b - 1).div_ceil(n)
    } else {
        b.div_ceil(n)
    }
}

/// Weight bits B and bits per slice b_s of a bit-sliced core.
fn resolution(p: &Params) -> Result<(u32, u32)> {
    let b = p.core.weight_bits;
    let n = p.core.bit_sliced.num_slices;
    if b < 2 || b < n {
        return Err(Error::params(format!(
            "core.weight_bits: a BITSLICED core needs weight_bits >= 2 and >= core.bit_sliced.num_slices ({n}), got {b}"
        )));
    }
    Ok((b, slice_bits(b, n, p.core.bit_sliced.style == BitSliceStyle::Balanced)))
}

/// The MVM and VMM periphery of a `rows × cols` block: one ADC per weight
/// slice. CrossSim takes the per-input-bit switch of the MVM ADC for both
/// directions.
pub fn peripheries(ctx: &BlockContext, rows: usize, cols: usize) -> Result<(Periphery, Periphery)> {
    let p = ctx.params;
    let (_, bs) = resolution(p)?;
    let style = p.core.bit_sliced.style;
    let scopes: Vec<Option<SliceInfo>> = (0..p.core.bit_sliced.num_slices as usize)
        .map(|i| Some((i, bs, style)))
        .collect();
    let mut mvm = Periphery::new(ctx, Op::Mvm, rows, cols, &scopes)?;
    let mut vmm = Periphery::new(ctx, Op::Vmm, rows, cols, &scopes)?;
    mvm.adc_per_ibit = p.xbar.adc.mvm.adc_per_ibit;
    vmm.adc_per_ibit = p.xbar.adc.mvm.adc_per_ibit;
    Ok((mvm, vmm))
}

impl BitSliced {
    /// Quantises `w` to B bits, `Q = rint(w/(2·wmax)·2^B·(2^(B-1) - 1)/2^(B-1))`
    /// (plus 2^(B-1) for offset slices), splits Q into digits and programs each
    /// slice `T_i = digit_i/(2^b_s - 1)`, mapped to `gmin + grange·T` when gmin > 0
    /// ([`super::targets::slice_target`]), quantised.
    pub fn program(ctx: &BlockContext, w: &[f64], rows: usize, cols: usize) -> Result<BitSliced> {
        let p = ctx.params;
        let (bits, slice_bits) = resolution(p)?;
        let slices = p.core.bit_sliced.num_slices;
        let balanced = p.core.bit_sliced.style == BitSliceStyle::Balanced;
        let win = ctx.window;
        let unit_column = !balanced && p.core.offset.style == OffsetStyle::UnitColumnSubtraction;
        let icol_max = p.xbar.array.icol_max;
        let weights = BlockWeights::new(w);
        let mut arrays = Vec::with_capacity(slices as usize);
        for index in 0..slices {
            let map = |positive| TargetMap {
                window: win,
                rule: Rule::Slice(Slice {
                    index,
                    slices,
                    bits,
                    slice_bits,
                    balanced,
                    positive,
                    unit_column,
                    wmax: ctx.wmax,
                }),
            };
            arrays.push(if balanced {
                let pair = Pair::program(ctx, 2 * index, rows, cols, &weights, [map(true), map(false)], false)?;
                SliceArrays::Balanced(Box::new(pair))
            } else {
                SliceArrays::Offset(Box::new(ctx.program_array(
                    2 * index,
                    rows,
                    cols,
                    &weights,
                    &map(true),
                )?))
            });
        }
        let (mvm, vmm) = peripheries(ctx, rows, cols)?;
        Ok(BitSliced {
            slices: arrays,
            mvm,
            vmm,
            bits,
            slice_bits,
            gmin: win.gmin,
            grange: win.grange,
            unit_column,
            icol_max,
            wmax: ctx.wmax,
        })
    }

    /// The network of the least significant weight slice: its array, or its
    /// pair as [`Pair::network`] gives it.
    pub fn first_slice(&self) -> (&Array, Option<&Array>) {
        match &self.slices[0] {
            SliceArrays::Offset(a) => (&**a, None),
            SliceArrays::Balanced(p) => p.network(),
        }
    }

    /// The periphery of `op`.
    pub fn periphery(&self, op: Op) -> &Periphery {
        match op {
            Op::Mvm => &self.mvm,
            Op::Vmm => &self.vmm,
        }
    }

    /// Whether the unit reference line is used by `op` (MVM only: a VMM input
    /// cannot drive it, so VMM removes the offset digitally).
    fn uses_unit_line(&self, op: Op) -> bool {
        self.unit_column && op == Op::Mvm
    }

    /// Whether reads of slice `i`'s arrays do not depend on their key.
    fn key_independent(&self, i: usize) -> bool {
        match &self.slices[i] {
            SliceArrays::Balanced(pair) => pair.key_independent(),
            SliceArrays::Offset(a) => a.key_independent(),
        }
    }

    fn currents(&self, i: usize, op: Op, x: &Batch, key: &ReadKey, reads: &dyn ArrayReads) -> Result<Currents> {
        match &self.slices[i] {
            SliceArrays::Balanced(pair) => pair.currents(op, x, key, reads),
            SliceArrays::Offset(a) => {
                let mut c = if self.unit_column && op == Op::Vmm {
                    reads.read(a, op, &x.with_leading_zero(), key)?
                } else {
                    reads.read(a, op, x, key)?
                };
                clip(&mut c, self.icol_max);
                Ok(Currents::One(c))
            }
        }
    }

    /// Digitised, recombined outputs for DAC outputs `xd` (before output scaling).
    pub fn run(&self, op: Op, xd: &Batch, key: ReadKey, reads: &dyn ArrayReads) -> Result<Batch> {
        let per = self.periphery(op);
        let n = self.slices.len();
        let mut outs: Vec<Currents> = if per.dac.bitslicing() {
            let sliced = SlicedInputs::new(&per.dac, xd);
            (0..n)
                .map(|i| {
                    let ibit_adc = per.adc_per_ibit.then_some(&per.adcs[i]);
                    let mut acc = sliced.read(key, self.key_independent(i), ibit_adc, |x, k| {
                        self.currents(i, op, x, k, reads)
                    })?;
                    acc.each(|a| sliced.correct(a));
                    Ok(acc)
                })
                .collect::<Result<_>>()?
        } else {
            (0..n)
                .map(|i| self.currents(i, op, xd, &key, reads))
                .collect::<Result<_>>()?
        };
        let offset = matches!(self.slices[0], SliceArrays::Offset(_));
        let sums = xd.sums();
        let mut slice_outs = Vec::with_capacity(n);
        for (i, c) in outs.drain(..).enumerate() {
            let mut o = if per.adc_per_ibit {
                c.combine()
            } else {
                c.digitise_and_combine(&per.adcs[i], &key)
            };
            if self.gmin > 0.0 {
                if offset && !self.uses_unit_line(op) {
                    for (b, s) in sums.iter().enumerate() {
                        for v in o.vector_mut(b) {
                            *v = (*v - self.gmin * s) / self.grange;
                        }
                    }
                } else {
                    let rec = self.recombination();
                    o.map(|v| rec.slice(v));
                }
            }
            if self.uses_unit_line(op) {
                o = o.minus_first();
            }
            slice_outs.push(o);
        }
        let rec = self.recombination();
        let mut out = slice_outs[0].clone();
        for (i, o) in slice_outs.iter().enumerate().skip(1) {
            let f = rec.weight(i);
            out.zip_with(o, |a, b| a + f * b);
        }
        let half = 2f64.powi(self.bits as i32 - 1);
        let remove_offset = offset && !self.uses_unit_line(op);
        for (b, s) in sums.iter().enumerate() {
            let sub = remove_offset.then(|| half * s);
            for v in out.vector_mut(b) {
                *v = rec.finish(*v, sub);
            }
        }
        Ok(out)
    }

    /// How the slices' digitised outputs are put back together.
    pub(crate) fn recombination(&self) -> Recombination {
        Recombination::new(self.bits, self.slice_bits, self.gmin, self.grange)
    }

    /// The balanced pairs of the weight slices, least significant first;
    /// `None` for offset slices.
    pub(crate) fn pairs(&self) -> Option<Vec<&Pair>> {
        self.slices
            .iter()
            .map(|s| match s {
                SliceArrays::Balanced(p) => Some(&**p),
                SliceArrays::Offset(_) => None,
            })
            .collect()
    }

    /// The arrays of offset weight slices, least significant first, whether
    /// they hold a unit line (`UnitColumnSubtraction`) and the column current
    /// limit (0: none); `None` for balanced slices.
    pub(crate) fn offset_slices(&self) -> Option<(Vec<&Array>, bool, f64)> {
        let arrays = self
            .slices
            .iter()
            .map(|s| match s {
                SliceArrays::Offset(a) => Some(&**a),
                SliceArrays::Balanced(_) => None,
            })
            .collect::<Option<Vec<&Array>>>()?;
        Some((arrays, self.unit_column, self.icol_max))
    }

    /// `weight_scale = 2·wmax/grange` and model factor 1.
    pub fn output_factors(&self) -> (f64, f64) {
        ((2.0 * self.wmax) / self.grange, 1.0)
    }

    /// Stored weights: `Σ_i 2^(i·b_s)·(G_i - gmin)/grange` (or `(G+_i - G-_i)/grange`),
    /// times `2^b_s - 1`, minus `2^(B-1)` for offset slices, scaled to weight units.
    pub fn read(&self) -> Vec<f64> {
        let mut wt: Vec<f64> = Vec::new();
        for (i, s) in self.slices.iter().enumerate() {
            let f = 2f64.powi((i as u32 * self.slice_bits) as i32);
            let level: Vec<f64> = match s {
                SliceArrays::Offset(a) => {
                    let skip = if self.unit_column { a.cols } else { 0 };
                    a.g.as_f64()[skip..]
                        .iter()
                        .map(|&g| (g - self.gmin) / self.grange)
                        .collect()
                }
                SliceArrays::Balanced(p) => {
                    let (pos, neg) = (p.pos.g.as_f64(), p.neg.g.as_f64());
                    pos.iter().zip(neg.iter()).map(|(a, b)| (a - b) / self.grange).collect()
                }
            };
            if i == 0 {
                wt = level;
            } else {
                for (w, l) in wt.iter_mut().zip(level) {
                    *w += f * l;
                }
            }
        }
        let full = 2f64.powi(self.slice_bits as i32) - 1.0;
        let half = 2f64.powi(self.bits as i32 - 1);
        let offset = matches!(self.slices[0], SliceArrays::Offset(_));
        for w in &mut wt {
            *w *= full;
            if offset {
                *w -= half;
            }
            *w /= 2f64.powi(self.bits as i32);
            *w /= (half - 1.0) / half;
            *w *= 2.0 * self.wmax;
        }
        wt
    }
}

/// The recombination of a bit-sliced block's digitised slice outputs
/// `o_i` (spec §7), value by value:
/// `out = finish(Σ_i weight(i)·slice(o_i))`, the sum taken in slice order.
#[derive(Debug, Clone, Copy)]
pub struct Recombination {
    slice_bits: u32,
    gmin: f64,
    grange: f64,
    /// `2^b_s - 1`, `2^B` and `(2^(B-1) - 1)/2^(B-1)`.
    full: f64,
    top: f64,
    shrink: f64,
}

impl Recombination {
    /// The recombination of `bits`-bit weights in slices of `slice_bits`
    /// bits, on conductances `gmin + grange·level`.
    pub(crate) fn new(bits: u32, slice_bits: u32, gmin: f64, grange: f64) -> Recombination {
        let half = 2f64.powi(bits as i32 - 1);
        Recombination {
            slice_bits,
            gmin,
            grange,
            full: 2f64.powi(slice_bits as i32) - 1.0,
            top: 2f64.powi(bits as i32),
            shrink: (half - 1.0) / half,
        }
    }

    /// A balanced slice's output in units of the conductance range
    /// (`o/grange` when gmin > 0).
    #[inline]
    pub(crate) fn slice(&self, o: f64) -> f64 {
        if self.gmin > 0.0 {
            o / self.grange
        } else {
            o
        }
    }

    /// `(gmin, grange, 2^b_s − 1, 2^B, (2^(B−1) − 1)/2^(B−1))`: the numbers
    /// of [`Recombination::slice`] and [`Recombination::finish`], for the
    /// device's recombination (`gpu::pipeline`).
    pub(crate) fn factors(&self) -> (f64, f64, f64, f64, f64) {
        (self.gmin, self.grange, self.full, self.top, self.shrink)
    }

    /// The place value `2^(i·b_s)` of slice `i`, built from its exponent
    /// bits: exact, like `2f64.powi`, and without `powi`'s loop, which the
    /// compiler may run ahead of an `Option` check on an unset value (a
    /// branch on uninitialised memory that memory checkers report).
    pub(crate) fn weight(&self, i: usize) -> f64 {
        let k = i as u64 * u64::from(self.slice_bits);
        debug_assert!(k <= 1023, "place value 2^{k} beyond f64's exponent range");
        f64::from_bits((1023 + k.min(1023)) << 52)
    }

    /// The recombined sum `v` back in conductance units, in CrossSim's order:
    /// `·(2^b_s - 1)`, minus the offset `sub` (offset slices read without a
    /// unit line: `2^(B-1)·Σx`), `/2^B`, `/((2^(B-1) - 1)/2^(B-1))`, and
    /// `·grange` when gmin > 0.
    #[inline]
    pub(crate) fn finish(&self, v: f64, sub: Option<f64>) -> f64 {
        let mut v = v * self.full;
        if let Some(s) = sub {
            v -= s;
        }
        v /= self.top;
        v /= self.shrink;
        if self.gmin > 0.0 {
            v *= self.grange;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_widths() {
        assert_eq!(slice_bits(8, 2, true), 4);
        assert_eq!(slice_bits(7, 2, true), 3);
        assert_eq!(slice_bits(7, 2, false), 4);
        assert_eq!(slice_bits(7, 3, true), 2);
    }
}
