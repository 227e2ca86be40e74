//! A balanced pair of arrays, G+ and G-, holding one signed weight as the
//! difference of two conductances (spec §5.2 A).

use super::currents::Currents;
use super::targets::{BlockWeights, TargetMap};
use super::BlockContext;
use crate::array::{Array, Op, ReadKey};
use crate::backend::{ArrayReads, ArrayWrites};
use crate::batch::Batch;
use crate::error::Result;

/// G+ and G- arrays and how their currents are combined.
#[derive(Debug, Clone)]
pub struct Pair {
    pub pos: Array,
    pub neg: Array,
    /// Reads are one product of the difference `G+ − G-` (CrossSim's "fast
    /// balanced" path), plus per-output read noise when that is on; `None`
    /// when each array is read on its own.
    pub fast: Option<FastBalanced>,
    /// G+ and G- cells share a column wire: only their difference leaves the array.
    pub interleaved: bool,
    /// Subtract in analog (one current per line) rather than digitise both.
    pub subtract: bool,
    /// Column current limit (0 = none), applied to each raw array output.
    pub icol_max: f64,
}

impl Pair {
    /// Programs G+ and G− as arrays `k` and `k + 1` of the block, their
    /// targets formed by `maps` (G+, G−) from the block's `weights`
    /// (`rows × cols`). The precomputed difference of CrossSim's fast
    /// balanced path is used when reads are exact (or have only per-output
    /// noise), currents are subtracted in
    /// analog, cells are not interleaved and no column limit applies; it is
    /// taken in single precision when `single` (float32 conductances written
    /// exactly, as CrossSim's balanced core).
    pub fn program(
        ctx: &BlockContext,
        k: u32,
        rows: usize,
        cols: usize,
        weights: &BlockWeights,
        [gp, gn]: [TargetMap; 2],
        single: bool,
    ) -> Result<Pair> {
        let p = ctx.params;
        let bal = &p.core.balanced;
        let icol_max = p.xbar.array.icol_max;
        let fast = ctx.product_reads()
            && !p.simulation.disable_fast_balanced
            && bal.subtract_current_in_xbar
            && !bal.interleaved_posneg
            && icol_max <= 0.0;
        let pos = ctx.program_array(k, rows, cols, weights, &gp)?;
        let neg = ctx.program_array(k + 1, rows, cols, weights, &gn)?;
        let single = single && ctx.cells.writes_exactly();
        let fast = fast.then_some(FastBalanced { single });
        Ok(Pair {
            pos,
            neg,
            fast,
            interleaved: bal.interleaved_posneg,
            subtract: bal.subtract_current_in_xbar,
            icol_max,
        })
    }

    /// G+ and G-.
    pub fn arrays(&self) -> impl Iterator<Item = &Array> {
        [&self.pos, &self.neg].into_iter()
    }
    /// As [`Pair::arrays`], mutably.
    pub fn arrays_mut(&mut self) -> impl Iterator<Item = &mut Array> {
        [&mut self.pos, &mut self.neg].into_iter()
    }

    /// Writes the write's change (normalised conductance per cell) through
    /// `writes`: both devices receive it, G+ with `+scale` and G- with `-scale`, each with its own
    /// write noise (as CrossSim 2's balanced training cores). Returns whether
    /// any cell was written.
    pub fn update(&mut self, scale: f64, writes: &dyn ArrayWrites) -> Result<bool> {
        let pos = writes.write(&mut self.pos, 0, scale)?;
        let neg = writes.write(&mut self.neg, 0, -scale)?;
        let written = pos || neg;
        if written {
            self.mark_written();
        }
        Ok(written)
    }

    /// After a write the conductances are no longer the values programmed in
    /// single precision: the fast path takes exact double-precision differences.
    pub fn mark_written(&mut self) {
        if let Some(f) = &mut self.fast {
            f.single = false;
        }
    }

    /// Whether reads of the pair do not depend on their key (no read noise, no wires).
    pub fn key_independent(&self) -> bool {
        self.pos.key_independent() && self.neg.key_independent()
    }

    /// The G+ array, with the G− array when the pair is interleaved (then both
    /// are one network: their cells share the output lines).
    pub fn network(&self) -> (&Array, Option<&Array>) {
        (&self.pos, self.interleaved.then_some(&self.neg))
    }

    /// Currents for the inputs `x` (already through the DAC), the products
    /// run by `reads`. With wire resistance an interleaved pair is one
    /// network (both devices on each output line).
    pub fn currents(&self, op: Op, x: &Batch, key: &ReadKey, reads: &dyn ArrayReads) -> Result<Currents> {
        if let Some(f) = &self.fast {
            let mut y = reads.difference(&self.pos, &self.neg, f.single, op, x, key)?;
            let noisy: Vec<&Array> = [&self.pos, &self.neg]
                .into_iter()
                .filter(|a| a.noise.is_some())
                .collect();
            if !noisy.is_empty() {
                reads.add_output_noise(&self.pos, op, x, &noisy, key, &mut y)?;
            }
            return Ok(Currents::One(y));
        }
        if self.interleaved && self.pos.wires.is_some() {
            let mut i = reads.circuit(&self.pos, &self.neg, op, x, key)?;
            clip(&mut i, self.icol_max);
            return Ok(Currents::One(i));
        }
        let mut p = reads.read(&self.pos, op, x, key)?;
        let n = reads.read(&self.neg, op, x, key)?;
        if self.interleaved {
            p.zip_with(&n, |a, b| a - b);
            clip(&mut p, self.icol_max);
            return Ok(Currents::One(p));
        }
        let mut n = n;
        clip(&mut p, self.icol_max);
        clip(&mut n, self.icol_max);
        if self.subtract {
            p.zip_with(&n, |a, b| a - b);
            Ok(Currents::One(p))
        } else {
            Ok(Currents::Two(p, n))
        }
    }
}

/// How the fast balanced path takes the difference `G+ − G-` (see
/// [`Array::differences`]).
#[derive(Debug, Clone)]
pub struct FastBalanced {
    /// Each difference is rounded to single precision (CrossSim's float32 balanced core).
    pub single: bool,
}

/// Clips to `[-icol_max, icol_max]` when a limit is set.
pub fn clip(b: &mut Batch, icol_max: f64) {
    if icol_max > 0.0 {
        b.clip_symmetric(icol_max);
    }
}
