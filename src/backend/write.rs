//! One write of `update` into a block, as the backend seam sees it: the
//! change a write asks for ([`BlockWrite`]: one sample's outer product, or a
//! batch's digitally accumulated change), and where each array's cells are
//! written ([`super::ArrayWrites`]). On the host ([`HostWrites`]) an
//! accumulated change is first computed as one GEMM per 64 rows
//! ([`accumulate_into`]), then every cell is written through the device
//! update model (`Array::update`).

use super::ArrayWrites;
use crate::array::{Array, WriteKey};
use crate::device::cells::Cells;
use crate::device::update::{DeviceUpdate, Request};
use crate::error::Result;
use faer::linalg::matmul::matmul;
use faer::Parallelism;
use rayon::prelude::*;
use std::cell::RefCell;

/// The change one write asks of a block (weight units; `update` quantises
/// `x` and `d` first when asked).
#[derive(Debug, Clone, Copy)]
pub enum BlockWrite<'a> {
    /// One sample: cell (i, j) of the block is asked for `lr·d[i]·x[j]`
    /// (`x`: the block's cols inputs, `d`: its rows errors).
    Sample { x: &'a [f64], d: &'a [f64], lr: f64 },
    /// A batch summed digitally: cell (i, j) of the block (rows `r0..r0 + nr`,
    /// columns `c0..c0 + nc` of the core) is asked for
    /// `lr·Σ_b d[b, r0 + i]·x[b, c0 + j]`, `x` being `batch × cols` and `d`
    /// `batch × rows` of the whole core.
    Accumulated {
        x: &'a [f64],
        d: &'a [f64],
        batch: usize,
        rows: usize,
        cols: usize,
        r: (usize, usize),
        c: (usize, usize),
        lr: f64,
    },
}

impl BlockWrite<'_> {
    /// This write as a [`Request`] of host cells, with `dw` the buffer an
    /// accumulated change is computed into ([`accumulate_into`]).
    pub fn request<'b>(&'b self, dw: &'b mut Vec<f64>) -> Request<'b> {
        match *self {
            BlockWrite::Sample { x, d, lr } => Request::Outer { x, d, lr },
            BlockWrite::Accumulated {
                x,
                d,
                batch,
                rows,
                cols,
                r,
                c,
                lr,
            } => {
                accumulate_into(dw, x, d, batch, (rows, cols), r, c, lr);
                Request::Dense(dw)
            }
        }
    }
}

/// Writes on the host: `Array::update` of every array the block writes.
pub struct HostWrites<'a> {
    pub request: &'a Request<'a>,
    pub model: &'a dyn DeviceUpdate,
    pub key: &'a WriteKey,
    pub cells: &'a Cells,
}

impl ArrayWrites for HostWrites<'_> {
    fn write(&self, a: &mut Array, first: usize, scale: f64) -> Result<bool> {
        a.update(first, self.request, scale, self.model, self.key, self.cells)
    }
}

/// `write` of `block` on the host, its accumulated change (if any) computed
/// into the calling thread's buffer.
pub fn on_host(
    block: &mut crate::mapping::Mapping,
    write: &BlockWrite,
    model: &dyn DeviceUpdate,
    key: &WriteKey,
    cells: &Cells,
) -> Result<()> {
    CHANGE.with_borrow_mut(|dw| {
        let request = write.request(dw);
        block.update(&HostWrites {
            request: &request,
            model,
            key,
            cells,
        })
    })
}

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
    static CHANGE: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
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
