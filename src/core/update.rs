//! In-situ training updates of a core: [`Core::update`]. Each write goes
//! through the device update model (`xbar.device.update`,
//! `crate::device::update`), which changes every cell once, in place, in its
//! storage precision, where the core's backend keeps the arrays
//! ([`crate::backend::Backend::update_block`]).

use super::{check_data, Core, Real};
use crate::array::WriteKey;
use crate::backend::BlockWrite;
use crate::device::update::quantize;
use crate::error::{Error, Result};
use crate::params::{BatchMode, CoreStyle};
use crate::rng::identity;

impl Core {
    /// `W += lr · Σ_b d[b] ⊗ x[b]` through the device update model
    /// (`xbar.device.update`): x is `batch × cols`, d is `batch × rows`,
    /// `lr ≥ 0`. Each sample is one parallel outer-product write
    /// (`batch_mode = "per_sample"`), or the batch is summed digitally, as one
    /// GEMM `lr·Dᵀ X` per tile block, and written once (`"accumulate"`).
    /// Balanced cores write `±ΔG` into both devices with independent write
    /// noise; offset cores write the data cells. x and d are first quantised
    /// when `x_bits`/`d_bits` are set. A pulsed model drives a per-sample
    /// write with pulse trains on the lines. Every cell is written once per
    /// write, in place, in the conductance precision; results are
    /// bit-identical at any thread count. A later `set_time` starts from the
    /// updated weights. `f32` data and `lr` are widened exactly to `f64`.
    pub fn update<T: Real>(&mut self, x: &[T], d: &[T], batch: usize, lr: T) -> Result<()> {
        self.update_f64(&T::widen(x), &T::widen(d), batch, lr.to_f64())
    }

    fn update_f64(&mut self, x: &[f64], d: &[f64], batch: usize, lr: f64) -> Result<()> {
        if self.complex {
            return Err(Error::unsupported("update: complex cores cannot be updated in place"));
        }
        self.require_programmed("update")?;
        check_data("x", x, batch * self.cols, "batch x cols")?;
        check_data("d", d, batch * self.rows, "batch x rows")?;
        if !lr.is_finite() || lr < 0.0 {
            return Err(Error::InvalidArgument(format!(
                "update: lr must be finite and >= 0, got {lr}"
            )));
        }
        if self.params.core.style == CoreStyle::BitSliced {
            return Err(Error::unsupported(
                "update: BITSLICED cores cannot be updated in place (a change would carry between weight slices); use BALANCED or OFFSET",
            ));
        }
        let model = self.update_model.clone();
        let per_sample = self.params.xbar.device.update.batch_mode == BatchMode::PerSample;
        let writes = if per_sample { batch } else { 1 };
        let call = self.counters.update_calls + 1;
        if call >= identity::MAX_CALLS || writes as u64 >= identity::MAX_SUBCALLS {
            return Err(Error::shape(format!(
                "update: call {call} with {writes} writes: a core's random streams name at most 2^32 updates \
                 of 2^24 per-sample writes each; split the batch or build a new core"
            )));
        }
        let (rows, cols) = (self.rows, self.cols);
        let (x, d) = &quantize::vectors(&self.params.xbar.device.update, x, d, batch, self.seed, call);
        let ncb = self.tiling.col_blocks.len();
        for w in 0..writes {
            let key = WriteKey {
                seed: self.seed,
                call: identity::subcall(call, w as u64),
            };
            for (ri, &(r0, nr)) in self.tiling.row_blocks.iter().enumerate() {
                for (ci, &(c0, nc)) in self.tiling.col_blocks.iter().enumerate() {
                    let block = &mut self.blocks[ri * ncb + ci];
                    let write = if per_sample {
                        BlockWrite::Sample {
                            x: &x[w * cols + c0..w * cols + c0 + nc],
                            d: &d[w * rows + r0..w * rows + r0 + nr],
                            lr,
                        }
                    } else {
                        BlockWrite::Accumulated {
                            x,
                            d,
                            batch,
                            rows,
                            cols,
                            r: (r0, nr),
                            c: (c0, nc),
                            lr,
                        }
                    };
                    self.backend
                        .update_block(block, &write, model.as_ref(), &key, &self.cells)?;
                }
            }
        }
        self.counters.update_calls = call;
        self.updated = true;
        Ok(())
    }
}
