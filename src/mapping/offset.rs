//! OFFSET mapping (spec §6): one conductance per weight, shifted so that zero
//! weight sits mid-range; the offset is removed digitally (`half·Σx`) or by
//! subtracting a reference "unit column" whose cells all hold zero weight.

use super::currents::Currents;
use super::input_slicing::SlicedInputs;
use super::pair::clip;
use super::targets::{BlockWeights, Rule, TargetMap};
use super::{BlockContext, Periphery};
use crate::array::{Array, Op, ReadKey};
use crate::backend::{ArrayReads, ArrayWrites};
use crate::batch::Batch;
use crate::error::Result;
use crate::params::OffsetStyle;

/// A block of weights stored as offset conductances on one array.
#[derive(Debug, Clone)]
pub struct Offset {
    pub(crate) array: Array,
    mvm: Periphery,
    vmm: Periphery,
    /// Conductance span used by weights: `grange`, or `grange·(2^cb - 2)/(2^cb - 1)`
    /// with cell_bits so that zero weight lands on a level.
    wr: f64,
    /// Conductance of the most negative weight.
    g0: f64,
    unit_column: bool,
    icol_max: f64,
    wmax: f64,
}

impl Offset {
    /// Maps `w` (`rows × cols`) to `G = wr·(w/(2·wmax) + 1/2) + g0`
    /// ([`super::targets::offset_target`]), quantised, and programs it, with a
    /// zero-weight reference line first when the style is UNIT_COLUMN.
    pub fn program(ctx: &BlockContext, w: &[f64], rows: usize, cols: usize) -> Result<Offset> {
        let p = ctx.params;
        let win = ctx.window;
        let cb = win.cell_bits;
        let (wr, g0) = if cb > 0 {
            let l = 2f64.powi(cb as i32);
            let wr = (win.grange * (l - 2.0)) / (l - 1.0);
            (wr, 1.0 - wr)
        } else {
            (win.grange, win.gmin)
        };
        let unit_column = p.core.offset.style == OffsetStyle::UnitColumnSubtraction;
        let map = TargetMap {
            window: win,
            rule: Rule::Offset {
                wmax: ctx.wmax,
                wr,
                g0,
                unit_column,
            },
        };
        Ok(Offset {
            array: ctx.program_array(0, rows, cols, &BlockWeights::new(w), &map)?,
            mvm: Periphery::new(ctx, Op::Mvm, rows, cols, &[None])?,
            vmm: Periphery::new(ctx, Op::Vmm, rows, cols, &[None])?,
            wr,
            g0,
            unit_column,
            icol_max: p.xbar.array.icol_max,
            wmax: ctx.wmax,
        })
    }

    /// The array (its unit line first when the style is UNIT_COLUMN).
    pub fn array(&self) -> &Array {
        &self.array
    }

    /// `(g0, wr, unit_column, icol_max)`: the offset conductance and span,
    /// whether a unit line carries the offset, and the column current limit
    /// (for the device's read, `gpu::pipeline`).
    pub(crate) fn numbers(&self) -> (f64, f64, bool, f64) {
        (self.g0, self.wr, self.unit_column, self.icol_max)
    }

    /// The periphery of `op`.
    pub fn periphery(&self, op: Op) -> &Periphery {
        match op {
            Op::Mvm => &self.mvm,
            Op::Vmm => &self.vmm,
        }
    }

    /// Raw (clipped) array currents for DAC outputs `x`. A VMM input drives the
    /// matrix rows only: the unit line gets 0 V.
    fn currents(&self, op: Op, x: &Batch, key: &ReadKey, reads: &dyn ArrayReads) -> Result<Batch> {
        let mut out = if self.unit_column && op == Op::Vmm {
            reads.read(&self.array, op, &x.with_leading_zero(), key)?
        } else {
            reads.read(&self.array, op, x, key)?
        };
        clip(&mut out, self.icol_max);
        Ok(out)
    }

    /// Digitised, offset-free outputs for DAC outputs `xd` (before output scaling).
    pub fn run(&self, op: Op, xd: &Batch, key: ReadKey, reads: &dyn ArrayReads) -> Result<Batch> {
        let per = self.periphery(op);
        let adc = &per.adcs[0];
        let mut out = if per.dac.bitslicing() {
            let sliced = SlicedInputs::new(&per.dac, xd);
            let acc = sliced.read(
                key,
                self.array.key_independent(),
                per.adc_per_ibit.then_some(adc),
                |x, k| Ok(Currents::One(self.currents(op, x, k, reads)?)),
            )?;
            let mut a = acc.combine();
            sliced.correct(&mut a);
            a
        } else {
            self.currents(op, xd, &key, reads)?
        };
        if !per.adc_per_ibit {
            adc.convert(&mut out, &key, 0);
        }
        if self.unit_column && op == Op::Mvm {
            return Ok(out.minus_first());
        }
        out.subtract_per_vector(&xd.sums(), self.g0 + 0.5 * self.wr);
        Ok(out)
    }

    /// Writes a weight change `dw` (`rows × cols`, weight units) into the
    /// data cells (the unit line is never written): `ΔG = dw·wr/(2·wmax)`.
    pub fn update(&mut self, writes: &dyn ArrayWrites) -> Result<()> {
        let first = if self.unit_column { self.array.cols } else { 0 };
        writes.write(&mut self.array, first, self.wr / (2.0 * self.wmax))?;
        Ok(())
    }

    /// `weight_scale = 2·wmax/wr` and model factor 1 (CrossSim divides by
    /// grange instead of wr: docs/crosssim-differences.md).
    pub fn output_factors(&self) -> (f64, f64) {
        ((2.0 * self.wmax) / self.wr, 1.0)
    }

    /// Stored weights: `((G - g0)/wr - 1/2)·2·wmax`, relative to the unit line when present.
    pub fn read(&self) -> Vec<f64> {
        let cols = self.array.cols;
        let g = self.array.g.as_f64();
        let level = |x: f64| (x - self.g0) / self.wr;
        if self.unit_column {
            g[cols..]
                .iter()
                .enumerate()
                .map(|(i, &x)| (level(x) - level(g[i % cols])) * 2.0 * self.wmax)
                .collect()
        } else {
            g.iter().map(|&x| (level(x) - 0.5) * 2.0 * self.wmax).collect()
        }
    }
}
