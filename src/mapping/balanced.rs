//! BALANCED mapping (spec §5): each weight is the difference of two
//! conductances, `w ∝ G+ - G-`. Conductances are rounded to single precision
//! at programming, as CrossSim does.

use super::currents::Currents;
use super::input_slicing::SlicedInputs;
use super::pair::Pair;
use super::targets::{BlockWeights, TargetMap};
use super::{BlockContext, Periphery};
use crate::array::{Op, ReadKey};
use crate::backend::{ArrayReads, ArrayWrites};
use crate::batch::Batch;
use crate::error::Result;
use crate::params::BalancedStyle;

/// A block of weights stored on a G+/G- pair.
#[derive(Debug, Clone)]
pub struct Balanced {
    pub(crate) pair: Pair,
    mvm: Periphery,
    vmm: Periphery,
    grange: f64,
    wmax: f64,
    /// The weight range came from a percentile of the matrix.
    percentile_range: bool,
    /// The conductances are single-precision values written exactly (read
    /// back in single precision, as CrossSim); false after errors or updates.
    pub(crate) single: bool,
}

impl Balanced {
    /// Maps `w` (`rows × cols`, already clipped) to conductances and programs them.
    ///
    /// With `m = w/wmax`, ONE_SIDED: `G+ = gmin + grange·m` where `m ≥ r` else gmin,
    /// `G- = gmin - grange·m` where `m < -r` else gmin, with `r = 2^-(cell_bits+1)`
    /// (0 without cell_bits); TWO_SIDED: `G± = gmin + grange·(1 ± m)/2`
    /// ([`super::targets::balanced_target`]), rounded to single precision and
    /// quantised in it.
    pub fn program(ctx: &BlockContext, w: &[f64], rows: usize, cols: usize) -> Result<Balanced> {
        let p = ctx.params;
        let win = ctx.window;
        let grange = win.grange;
        let two_sided = p.core.balanced.style == BalancedStyle::TwoSided;
        let map = |positive| TargetMap::balanced(win, positive, two_sided, ctx.wmax);
        let weights = BlockWeights::new(w);
        let pair = Pair::program(ctx, 0, rows, cols, &weights, [map(true), map(false)], true)?;
        Ok(Balanced {
            mvm: Periphery::new(ctx, Op::Mvm, rows, cols, &[None])?,
            vmm: Periphery::new(ctx, Op::Vmm, rows, cols, &[None])?,
            pair,
            grange,
            wmax: ctx.wmax,
            percentile_range: ctx.percentile_range,
            single: ctx.cells.writes_exactly(),
        })
    }

    /// The G+/G- pair.
    pub fn pair(&self) -> &Pair {
        &self.pair
    }

    /// The periphery of `op`.
    pub fn periphery(&self, op: Op) -> &Periphery {
        match op {
            Op::Mvm => &self.mvm,
            Op::Vmm => &self.vmm,
        }
    }

    /// Digitised output currents for DAC outputs `xd` (before output scaling).
    pub fn run(&self, op: Op, xd: &Batch, key: ReadKey, reads: &dyn ArrayReads) -> Result<Batch> {
        let per = self.periphery(op);
        let adc = &per.adcs[0];
        if !per.dac.bitslicing() {
            return Ok(self.pair.currents(op, xd, &key, reads)?.digitise_and_combine(adc, &key));
        }
        let sliced = SlicedInputs::new(&per.dac, xd);
        let acc = sliced.read(
            key,
            self.pair.key_independent(),
            per.adc_per_ibit.then_some(adc),
            |x, k| self.pair.currents(op, x, k, reads),
        )?;
        Ok(match acc {
            Currents::One(mut a) => {
                sliced.correct(&mut a);
                if !per.adc_per_ibit {
                    adc.convert(&mut a, &key, 0);
                }
                a
            }
            Currents::Two(mut p, mut n) => {
                sliced.correct_posneg(&mut p);
                sliced.correct_posneg(&mut n);
                let c = Currents::Two(p, n);
                if per.adc_per_ibit {
                    c.combine()
                } else {
                    c.digitise_and_combine(adc, &key)
                }
            }
        })
    }

    /// Writes a weight change `dw` (`rows × cols`, weight units): each device
    /// is asked for `±dw·grange/(2·wmax)`, so that `G+ - G-` moves by
    /// `dw·grange/wmax`.
    pub fn update(&mut self, writes: &dyn ArrayWrites) -> Result<()> {
        if self.pair.update(self.grange / (2.0 * self.wmax), writes)? {
            self.single = false;
        }
        Ok(())
    }

    /// `weight_scale = 2·wmax/grange` and the model factor 2: outputs are
    /// multiplied by `weight_scale/(s_in·2)`.
    pub fn output_factors(&self) -> (f64, f64) {
        ((2.0 * self.wmax) / self.grange, 2.0)
    }

    /// Stored weights: `(G+ - G-)/grange · wmax`, kept in single precision like
    /// the conductances (CrossSim's read-back of balanced cores). A weight
    /// range from a percentile is a double-precision NumPy scalar, so that
    /// product is rounded once from double; a fixed range is a Python float,
    /// rounded to single precision before the product (NumPy 2 promotion rules).
    /// Conductances that are no longer single-precision values (programming
    /// error, updates) are read back in double precision.
    pub fn read(&self) -> Vec<f64> {
        let gr = self.grange as f32;
        let wmax = self.wmax;
        let percentile = self.percentile_range;
        let (pos, neg) = (self.pair.pos.g.as_f64(), self.pair.neg.g.as_f64());
        pos.iter()
            .zip(neg.iter())
            .map(|(&a, &b)| {
                if !self.single {
                    return (a - b) / self.grange * wmax;
                }
                let d = (a as f32 - b as f32) / gr;
                let w = if percentile {
                    (d as f64 * wmax) as f32
                } else {
                    d * wmax as f32
                };
                w as f64
            })
            .collect()
    }
}
