//! The read path of a core: input scaling, the read calls (one per batch, or
//! several for batches larger than one call's random streams can name), every
//! block's DAC, arrays and ADC with its cost counted, aihwkit's tiles when
//! they replace that periphery, and the digital end (drift compensation,
//! output precision).

use super::Core;
use crate::array::{Op, ReadKey};
use crate::batch::{Batch, BatchMut, BatchRef};
use crate::error::{Error, Result};
use crate::mapping::limits::percentile_limits;
use crate::mapping::Mapping;
use crate::params::OutputDtype;
use crate::rng::identity;

impl Core {
    /// The input scale of every vector of `x` for `op`: `2/(max − min)` of the
    /// input range (1/(max − min) for an unsigned DAC), the range fixed or a
    /// percentile of the vector.
    pub(super) fn input_scales(&self, op: Op, x: BatchRef) -> Vec<f64> {
        let p = &self.params;
        let (inputs, dac) = match op {
            Op::Mvm => (&p.core.mapping.inputs.mvm, &p.xbar.dac.mvm),
            Op::Vmm => (&p.core.mapping.inputs.vmm, &p.xbar.dac.vmm),
        };
        let pre = if dac.signed { 2.0 } else { 1.0 };
        (0..x.count)
            .map(|b| match inputs.percentile {
                Some(pc) => {
                    let (lo, hi) = percentile_limits(x.vector(b), pc);
                    pre / (hi - lo)
                }
                None => pre / (inputs.max.unwrap_or(1.0) - inputs.min.unwrap_or(-1.0)),
            })
            .collect()
    }

    /// Runs `op` on physical inputs `x`: as one read call, or, for a batch
    /// larger than one call's random streams can name
    /// ([`identity::MAX_VECTORS_PER_CALL`] vectors, and 2^32 ADC-rounding
    /// draws), as consecutive calls of that many vectors each.
    pub(super) fn apply(&mut self, op: Op, x: &Batch) -> Result<Batch> {
        self.apply_in_calls(op, x.view(), self.vectors_per_call())
    }

    /// The most vectors one read call takes.
    fn vectors_per_call(&self) -> usize {
        let (prows, pcols) = self.phys();
        identity::MAX_VECTORS_PER_CALL.min(u32::MAX as usize / (prows.max(pcols) + 1))
    }

    /// Runs `op` on `x` as consecutive read calls of at most `per_call` vectors.
    pub(super) fn apply_in_calls(&mut self, op: Op, x: BatchRef, per_call: usize) -> Result<Batch> {
        if x.count <= per_call {
            return self.apply_call(op, x);
        }
        let (prows, pcols) = self.phys();
        let out_len = if op == Op::Mvm { prows } else { pcols };
        let mut y = Vec::with_capacity(out_len * x.count);
        for b0 in (0..x.count).step_by(per_call) {
            let n = per_call.min(x.count - b0);
            y.extend_from_slice(&self.apply_call(op, x.vectors(b0, n))?.data);
        }
        Ok(Batch::from_vec(out_len, x.count, y))
    }

    /// [`Core::apply`] with its outputs written to `out` (`count × outputs`,
    /// written only when the read succeeds). A read of one call of a core
    /// of one block writes its outputs there directly, the digital end
    /// applied in place: a backend writes a block's outputs only after all
    /// of the block's work that can fail ([`crate::backend::Backend::read_block`]).
    /// Any other read goes through a scratch batch, the digital end run as
    /// the pass that copies it to `out` ([`Core::finish_into`]).
    pub(super) fn apply_into(&mut self, op: Op, x: BatchRef, out: &mut [f64]) -> Result<()> {
        let per_call = self.vectors_per_call();
        if x.count > per_call {
            out.copy_from_slice(&self.apply_in_calls(op, x, per_call)?.data);
            return Ok(());
        }
        if !self.params.aihwkit.enable && self.blocks.len() == 1 {
            let (prows, pcols) = self.phys();
            let out_len = if op == Op::Mvm { prows } else { pcols };
            self.read_call(op, x, &mut BatchMut::new(out_len, x.count, out))?;
            self.finish_in_place(out);
            return Ok(());
        }
        let y = self.call_batch(op, x)?;
        self.finish_into(&y, out);
        Ok(())
    }

    /// Runs `op` on physical inputs `x` through every block as one read call
    /// and sums the block outputs.
    pub(super) fn apply_call(&mut self, op: Op, x: BatchRef) -> Result<Batch> {
        let y = self.call_batch(op, x)?;
        Ok(self.finish(y))
    }

    /// [`Core::apply_call`] before its digital end ([`Core::finish`]), into a
    /// batch of its own.
    fn call_batch(&mut self, op: Op, x: BatchRef) -> Result<Batch> {
        if self.params.aihwkit.enable {
            self.count_read_call()?;
            return self.aihwkit_apply(op, x);
        }
        let (prows, pcols) = self.phys();
        let out_len = if op == Op::Mvm { prows } else { pcols };
        // Every output is written by the first block that reaches it (a
        // fresh read); NaN, never read, where no old value is kept.
        let mut y = Batch::from_vec(out_len, x.count, crate::recycle::scratch(out_len * x.count, f64::NAN));
        self.read_call(op, x, &mut y.view_mut())?;
        Ok(y)
    }

    /// Counts one more read call: refused once the core has made as many as
    /// its random streams can name.
    fn count_read_call(&mut self) -> Result<()> {
        if self.counters.read_calls + 1 >= identity::MAX_CALLS {
            return Err(Error::shape(format!(
                "this core has made {} reads, as many as its random streams can name; build a new core",
                self.counters.read_calls
            )));
        }
        self.counters.read_calls += 1;
        Ok(())
    }

    /// Runs `op` on physical inputs `x` through every block as one read call,
    /// the block outputs summed into `y` (every output written: by the first
    /// block that reaches it, `BlockRead::fresh`). Not for aihwkit's tiles.
    fn read_call(&mut self, op: Op, x: BatchRef, y: &mut BatchMut) -> Result<()> {
        self.count_read_call()?;
        let key = ReadKey {
            seed: self.seed,
            call: self.counters.read_calls,
            slice: 0,
        };
        let inputs = match op {
            Op::Mvm => &self.params.core.mapping.inputs.mvm,
            Op::Vmm => &self.params.core.mapping.inputs.vmm,
        };
        let s_in = self.input_scales(op, x);
        let ncb = self.tiling.col_blocks.len();
        let counting = self.params.xbar.cost.enable;
        if counting {
            let stamp = self.counters.arrays_state();
            let row_blocks = &self.tiling.row_blocks;
            let backend = &self.backend;
            let sums = |b: &Mapping, rows: usize| backend.line_sums(b, rows);
            self.cost
                .prepare(&self.blocks, stamp, |i| row_blocks[i / ncb].1, sums, op)?;
        }
        let mut tally = crate::cost::Tally::default();
        for (ri, &(r0, nr)) in self.tiling.row_blocks.iter().enumerate() {
            for (ci, &(c0, nc)) in self.tiling.col_blocks.iter().enumerate() {
                let block = &self.blocks[ri * ncb + ci];
                let (ws, f) = block.output_factors();
                let s_out: Vec<f64> = s_in
                    .iter()
                    .map(|&s| {
                        if inputs.percentile.is_some() {
                            (ws / f) / s
                        } else {
                            ws / (s * f)
                        }
                    })
                    .collect();
                let (in0, nin, out0) = if op == Op::Mvm { (c0, nc, r0) } else { (r0, nr, c0) };
                let mut count = counting.then(|| crate::cost::BlockCount {
                    params: &self.params,
                    figures: &self.cost.figures,
                    line_sums: self.cost.sums(ri * ncb + ci, op),
                    nets: self.cost.nets(ri * ncb + ci, op),
                    tally: &mut tally,
                });
                let read = crate::backend::BlockRead {
                    op,
                    x,
                    first: in0,
                    len: nin,
                    s_in: &s_in,
                    s_out: &s_out,
                    key,
                    count: count.as_mut(),
                    fresh: if op == Op::Mvm { ci == 0 } else { ri == 0 },
                };
                self.backend.read_block(block, read, y, out0)?;
            }
        }
        if counting {
            tally.finish_call(x.count, self.cost.figures.arrays_concurrent);
            self.cost.record(tally);
        }
        Ok(())
    }

    /// aihwkit's tile periphery (`aihwkit.enable`) on inputs `x` as the current
    /// read call; the tiles are (re)built from the stored weights when the
    /// arrays changed since they were built.
    pub(super) fn aihwkit_apply(&mut self, op: Op, x: BatchRef) -> Result<Batch> {
        let generation = self.counters.arrays_state();
        let mut tiles = match self.aihwkit.take() {
            Some(t) if t.generation() == generation => t,
            _ => {
                let (prows, pcols) = self.phys();
                let w = self.read_phys()?;
                let p = &self.params.aihwkit;
                Box::new(crate::aihwkit::Tiles::new(p, &w, prows, pcols, self.seed, generation))
            }
        };
        let y = tiles.apply(op, &x.to_batch(), self.counters.read_calls);
        self.aihwkit = Some(tiles);
        Ok(y)
    }

    /// The digital end of every read: drift compensation and the output precision.
    pub(super) fn finish(&self, mut y: Batch) -> Batch {
        if self.drift_factor != 1.0 || self.params.core.output_dtype == OutputDtype::Float32 {
            let end = self.digital_end();
            y.map(end);
        }
        y
    }

    /// [`Core::finish`] of `y` written to `out` in one pass (in xbar's pool
    /// for a large batch; each value on its own, so the split changes no bit).
    fn finish_into(&self, y: &Batch, out: &mut [f64]) {
        let end = self.digital_end();
        let par = crate::product::gemm::parallel(y.data.len());
        crate::product::gemm::for_chunks(par, out, &y.data, |o, v| {
            o.iter_mut().zip(v).for_each(|(o, &v)| *o = end(v))
        });
    }

    /// [`Core::finish`] of outputs written in place (in xbar's pool for a
    /// large batch); nothing to do when the digital end changes no value.
    fn finish_in_place(&self, out: &mut [f64]) {
        if self.drift_factor == 1.0 && self.params.core.output_dtype != OutputDtype::Float32 {
            return;
        }
        let end = self.digital_end();
        let par = crate::product::gemm::parallel(out.len());
        crate::product::gemm::for_each_chunk(par, out, |o| o.iter_mut().for_each(|v| *v = end(*v)));
    }

    /// One output's digital end: `·β₀/β_t` under drift compensation, then
    /// rounded to the output precision.
    fn digital_end(&self) -> impl Fn(f64) -> f64 + Sync {
        let f = self.drift_factor;
        let single = self.params.core.output_dtype == OutputDtype::Float32;
        move |v| {
            let v = if f != 1.0 { v * f } else { v };
            if single {
                v as f32 as f64
            } else {
                v
            }
        }
    }
}
