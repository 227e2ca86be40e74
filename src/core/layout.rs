//! Caller buffers: length and finiteness checks, and matrices converted
//! between the caller's layout (`k` numbers per entry, row- or column-major)
//! and the row-major order the core keeps.

use super::Layout;
use crate::error::{Error, Result};

/// Checks a data buffer's length and that every value is finite.
pub(super) fn check_data<T: Copy + Into<f64> + Sync>(
    name: &str,
    data: &[T],
    expected: usize,
    what: &str,
) -> Result<()> {
    if data.len() != expected {
        return Err(Error::shape(format!(
            "{name}: expected {expected} values ({what}), got {}",
            data.len()
        )));
    }
    if all_finite(data) {
        return Ok(());
    }
    let i = data.iter().position(|v| !(*v).into().is_finite()).unwrap_or(0);
    Err(Error::InvalidArgument(format!(
        "{name}[{i}] is {} (inputs must be finite)",
        data[i].into()
    )))
}

/// Whether every value of `data` is finite: a branch-free pass per chunk
/// (vectorised), in xbar's pool for a large batch.
fn all_finite<T: Copy + Into<f64> + Sync>(data: &[T]) -> bool {
    const CHUNK: usize = 1 << 14;
    let chunk = |c: &[T]| c.iter().fold(true, |ok, v| ok & (*v).into().is_finite());
    if crate::product::gemm::parallel(data.len()) {
        use rayon::prelude::*;
        crate::threads::install(|| data.par_chunks(CHUNK).all(chunk))
    } else {
        data.chunks(CHUNK).all(chunk)
    }
}

pub(super) fn check_out(name: &str, len: usize, expected: usize, what: &str) -> Result<()> {
    if len != expected {
        return Err(Error::shape(format!(
            "{name}: expected {expected} values ({what}), got {len}"
        )));
    }
    Ok(())
}

/// [`Error::OutOfMemory`] unless `n` values of `f64` (the physical matrix a
/// programmed core keeps) can be allocated now. The sizes come from the
/// caller: a core the allocator can never hold fails at `new`, with a status,
/// instead of aborting the process at its first infallible allocation.
pub(super) fn check_allocatable(n: usize, rows: usize, cols: usize) -> Result<()> {
    Vec::<f64>::new().try_reserve_exact(n).map_err(|e| {
        Error::OutOfMemory(format!(
            "a {rows} x {cols} matrix needs {n} values of 8 bytes, which cannot be allocated ({e})"
        ))
    })
}

/// `rows × cols` in `layout` → row-major (elementwise, `k` values per element).
pub(super) fn to_row_major(w: &[f64], rows: usize, cols: usize, k: usize, layout: Layout) -> Vec<f64> {
    match layout {
        Layout::RowMajor => w.to_vec(),
        Layout::ColMajor => {
            let mut out = Vec::with_capacity(w.len());
            for i in 0..rows {
                for j in 0..cols {
                    out.extend_from_slice(&w[(i + j * rows) * k..(i + j * rows) * k + k]);
                }
            }
            out
        }
    }
}

/// Row-major → `layout` (elementwise, `k` values per element).
pub(super) fn from_row_major(w: &[f64], rows: usize, cols: usize, k: usize, layout: Layout, out: &mut [f64]) {
    match layout {
        Layout::RowMajor => out.copy_from_slice(w),
        Layout::ColMajor => {
            for i in 0..rows {
                for j in 0..cols {
                    out[(i + j * rows) * k..(i + j * rows) * k + k]
                        .copy_from_slice(&w[(i * cols + j) * k..(i * cols + j) * k + k]);
                }
            }
        }
    }
}
