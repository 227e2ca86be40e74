//! In-situ training updates of a core: [`Core::update`]. Each write goes through the device update model
//! (`xbar.device.update`, `crate::device::update`), which changes every
//! cell once, in place, in its storage precision.

use super::{check_data, Core, Real};
use crate::array::WriteKey;
use crate::device::update::{quantize, Request};
use crate::error::{Error, Result};
use crate::params::{BatchMode, CoreStyle};
use crate::rng::identity;
use faer::linalg::matmul::matmul;
use faer::Parallelism;
use rayon::prelude::*;

/// Rows of an accumulated change computed by one task (a fixed split, so
/// that the sums do not depend on the thread count).
const GEMM_ROWS: usize = 64;

/// The digitally accumulated change of one `nr × nc` block,
/// `ΔW = lr · D_bᵀ X_b` (row-major, `nr × nc`): `D_b` is the block's
/// `batch × nr` part of `d` (`batch × rows`, rows `r0..r0 + nr`), `X_b` the
/// `batch × nc` part of `x` (`batch × cols`, columns `c0..c0 + nc`).
///
/// One GEMM (faer's, double precision) per 64 output rows, the row groups
/// written in parallel: each element is the sum over the samples taken by
/// the same kernel whatever the thread count, so the result is bit-identical
/// at any thread count. It equals `lr·Σ_b d[b,i]·x[b,j]` up to the rounding of
/// that sum (a few units in the last place; the order of the additions is
/// the kernel's).
#[cfg(test)]
fn accumulated_change(
    x: &[f64],
    d: &[f64],
    batch: usize,
    (rows, cols): (usize, usize),
    (r0, nr): (usize, usize),
    (c0, nc): (usize, usize),
    lr: f64,
) -> Vec<f64> {
    let mut dw = Vec::new();
    accumulate_into(&mut dw, x, d, batch, (rows, cols), (r0, nr), (c0, nc), lr);
    dw
}

thread_local! {
    /// The calling thread's buffer for accumulated changes, kept between
    /// updates (8 bytes per cell of the largest block written from it) so
    /// that a batch does not allocate and fault in fresh pages every time.
    static CHANGE: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`accumulated_change`] into `dw` (resized to `nr × nc`; its old values are
/// overwritten, not added to).
#[allow(clippy::too_many_arguments)]
pub(crate) fn accumulate_into(
    dw: &mut Vec<f64>,
    x: &[f64],
    d: &[f64],
    batch: usize,
    (rows, cols): (usize, usize),
    (r0, nr): (usize, usize),
    (c0, nc): (usize, usize),
    lr: f64,
) {
    dw.resize(nr * nc, 0.0);
    if batch == 0 || nr == 0 || nc == 0 {
        dw.fill(0.0);
        return;
    }
    // X_b: batch × nc, row stride cols.
    let xb = faer::mat::from_row_major_slice_with_stride(&x[c0..], batch, nc, cols);
    let task = |(k, part): (usize, &mut [f64])| {
        let i0 = r0 + k * GEMM_ROWS;
        let h = part.len() / nc;
        // D_b for these rows: batch × h, row stride rows; its transpose is h × batch.
        let db = faer::mat::from_row_major_slice_with_stride(&d[i0..], batch, h, rows);
        let acc = faer::mat::from_row_major_slice_mut(part, h, nc);
        matmul(acc, db.transpose(), xb, None, lr, Parallelism::None);
    };
    if nr * nc * batch < (1 << 16) {
        dw.chunks_mut(GEMM_ROWS * nc).enumerate().for_each(task);
    } else {
        crate::threads::install(|| dw.par_chunks_mut(GEMM_ROWS * nc).enumerate().for_each(task));
    }
}

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
                    if per_sample {
                        let x = &x[w * cols + c0..w * cols + c0 + nc];
                        let d = &d[w * rows + r0..w * rows + r0 + nr];
                        block.update(&Request::Outer { x, d, lr }, model.as_ref(), &key, &self.cells)?;
                    } else {
                        CHANGE.with_borrow_mut(|dw| {
                            accumulate_into(dw, x, d, batch, (rows, cols), (r0, nr), (c0, nc), lr);
                            block.update(&Request::Dense(dw), model.as_ref(), &key, &self.cells)
                        })?;
                    }
                }
            }
        }
        self.counters.update_calls = call;
        self.updated = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{accumulate_into, accumulated_change};

    /// The GEMM equals the summed outer products within rounding (1e-13
    /// relative to the sum of magnitudes: 16 terms of double precision), on a
    /// block inside a larger matrix.
    /// A reused buffer holds the new change only (the GEMM overwrites it).
    #[test]
    fn a_reused_buffer_is_overwritten() {
        let (rows, cols, batch) = (130, 9, 3);
        let x: Vec<f64> = (0..batch * cols).map(|k| k as f64 / 7.0 - 1.0).collect();
        let d: Vec<f64> = (0..batch * rows).map(|k| (k % 5) as f64 - 2.0).collect();
        let mut dw = vec![123.0; 7];
        accumulate_into(&mut dw, &x, &d, batch, (rows, cols), (0, rows), (0, cols), 0.5);
        let once = dw.clone();
        accumulate_into(&mut dw, &x, &d, batch, (rows, cols), (0, rows), (0, cols), 0.5);
        assert_eq!(dw, once);
        assert_eq!(
            once,
            accumulated_change(&x, &d, batch, (rows, cols), (0, rows), (0, cols), 0.5)
        );
        accumulate_into(&mut dw, &x, &d, 0, (rows, cols), (0, rows), (0, cols), 0.5);
        assert!(dw.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn accumulated_change_is_the_summed_outer_products() {
        let (rows, cols, batch) = (150, 70, 5);
        let x: Vec<f64> = (0..batch * cols).map(|k| ((k * 7 % 23) as f64 - 11.0) / 9.0).collect();
        let d: Vec<f64> = (0..batch * rows).map(|k| ((k * 5 % 19) as f64 - 9.0) / 7.0).collect();
        let ((r0, nr), (c0, nc)) = ((3, 140), (10, 55));
        let dw = accumulated_change(&x, &d, batch, (rows, cols), (r0, nr), (c0, nc), 0.3);
        for i in 0..nr {
            for j in 0..nc {
                let terms = (0..batch).map(|b| d[b * rows + r0 + i] * x[b * cols + c0 + j]);
                let want: f64 = 0.3 * terms.clone().sum::<f64>();
                let mag: f64 = 0.3 * terms.map(f64::abs).sum::<f64>();
                let got = dw[i * nc + j];
                assert!(
                    (got - want).abs() <= 1e-13 * mag.max(1e-300),
                    "({i},{j}): {got} vs {want}"
                );
            }
        }
    }
}
