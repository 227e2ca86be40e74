//! A balanced pair of arrays, G+ and G-, holding one signed weight as the
//! difference of two conductances (spec §5.2 A).

use super::currents::Currents;
use super::BlockContext;
use crate::array::{Array, Op, ReadKey, WriteKey};
use crate::batch::Batch;
use crate::device::cells::Cells;
use crate::device::update::{DeviceUpdate, Request};
use crate::error::Result;

/// G+ and G- arrays and how their currents are combined.
#[derive(Debug, Clone)]
pub struct Pair {
    pub pos: Array,
    pub neg: Array,
    /// `G+ - G-` precomputed at programming when the read is a plain product
    /// of the difference (CrossSim's "fast balanced" path), plus per-output
    /// read noise when that is on.
    pub diff: Option<Array>,
    /// G+ and G- cells share a column wire: only their difference leaves the array.
    pub interleaved: bool,
    /// Subtract in analog (one current per line) rather than digitise both.
    pub subtract: bool,
    /// Column current limit (0 = none), applied to each raw array output.
    pub icol_max: f64,
}

impl Pair {
    /// Programs target conductances `gp`, `gn` (`rows × cols`) as arrays `k`
    /// and `k + 1` of the block. The precomputed difference of CrossSim's fast
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
        gp: Vec<f64>,
        gn: Vec<f64>,
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
        let pos = ctx.program_array(k, rows, cols, gp)?;
        let neg = ctx.program_array(k + 1, rows, cols, gn)?;
        let single = single && ctx.cells.writes_exactly();
        let diff = fast
            .then(|| {
                let d = pos.g.iter().zip(&neg.g);
                let g = if single {
                    d.map(|(&a, &b)| (a as f32 - b as f32) as f64).collect()
                } else {
                    d.map(|(a, b)| a - b).collect()
                };
                Array::new(rows, cols, g).place(ctx.gpu.as_ref())
            })
            .transpose()?;
        Ok(Pair {
            pos,
            neg,
            diff,
            interleaved: bal.interleaved_posneg,
            subtract: bal.subtract_current_in_xbar,
            icol_max,
        })
    }

    /// G+, G- and the precomputed difference (when there is one).
    pub fn arrays(&self) -> impl Iterator<Item = &Array> {
        [&self.pos, &self.neg].into_iter().chain(self.diff.as_ref())
    }
    /// As [`Pair::arrays`], mutably.
    pub fn arrays_mut(&mut self) -> impl Iterator<Item = &mut Array> {
        [&mut self.pos, &mut self.neg].into_iter().chain(self.diff.as_mut())
    }

    /// Writes the change `dg` (normalised conductance per cell): both devices
    /// receive it, G+ with `+scale` and G- with `-scale`, each with its own
    /// write noise (as CrossSim 2's balanced training cores). Returns whether
    /// any cell was written.
    pub fn update(
        &mut self,
        dg: &Request,
        scale: f64,
        model: &dyn DeviceUpdate,
        key: &WriteKey,
        cells: &Cells,
    ) -> Result<bool> {
        let pos = self.pos.update(0, dg, scale, model, key, cells)?;
        let neg = self.neg.update(0, dg, -scale, model, key, cells)?;
        let written = pos || neg;
        if let (true, Some(d)) = (written, &mut self.diff) {
            for ((o, a), b) in d.g.iter_mut().zip(&self.pos.g).zip(&self.neg.g) {
                *o = a - b;
            }
            d.refresh()?;
        }
        Ok(written)
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

    /// Currents for the inputs `x` (already through the DAC). With wire
    /// resistance an interleaved pair is one network (both devices on each
    /// output line).
    pub fn currents(&self, op: Op, x: &Batch, key: &ReadKey) -> Result<Currents> {
        if let Some(d) = &self.diff {
            let mut y = d.read(op, x, key)?;
            let noises: Vec<_> = [&self.pos.noise, &self.neg.noise].into_iter().flatten().collect();
            if !noises.is_empty() {
                self.pos.add_output_noise(op, x, &noises, key, &mut y);
            }
            return Ok(Currents::One(y));
        }
        if self.interleaved && self.pos.wires.is_some() {
            let mut i = self.pos.circuit(op, x, key, Some(&self.neg))?;
            clip(&mut i, self.icol_max);
            return Ok(Currents::One(i));
        }
        let mut p = self.pos.read(op, x, key)?;
        let n = self.neg.read(op, x, key)?;
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

/// Clips to `[-icol_max, icol_max]` when a limit is set.
pub fn clip(b: &mut Batch, icol_max: f64) {
    if icol_max > 0.0 {
        b.clip_symmetric(icol_max);
    }
}
