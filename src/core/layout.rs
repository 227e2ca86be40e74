//! Caller buffers: length and finiteness checks, and matrices converted
//! between the caller's layout (`k` numbers per entry, row- or column-major)
//! and the row-major order the core keeps.

use super::Layout;
use crate::error::{Error, Result};
use crate::simd::multiversion;

/// Checks a data buffer's length and that every value is finite.
pub(super) fn check_data(name: &str, data: &[f64], expected: usize, what: &str) -> Result<()> {
    if data.len() != expected {
        return Err(Error::shape(format!(
            "{name}: expected {expected} values ({what}), got {}",
            data.len()
        )));
    }
    if all_finite(data) {
        return Ok(());
    }
    let i = data.iter().position(|v| !v.is_finite()).unwrap_or(0);
    Err(Error::InvalidArgument(format!(
        "{name}[{i}] is {} (inputs must be finite)",
        data[i]
    )))
}

/// Whether every value of `data` is finite: a branch-free pass per chunk
/// (vectorised, for AVX2 or AVX-512 where the CPU has them), in xbar's pool
/// for a large batch.
fn all_finite(data: &[f64]) -> bool {
    const CHUNK: usize = 1 << 14;
    if crate::product::gemm::parallel(data.len()) {
        use rayon::prelude::*;
        crate::threads::install(|| data.par_chunks(CHUNK).all(finite))
    } else {
        data.chunks(CHUNK).all(finite)
    }
}

/// Whether every value of `c` is finite (`|v| < ∞`), without a branch per value.
#[inline(always)]
fn finite_of(c: &[f64]) -> bool {
    c.iter().fold(true, |ok, v| ok & (v.abs() < f64::INFINITY))
}

multiversion! {
    fn finite<>(c: &[f64]) -> bool = finite_of;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The branch-free check finds one NaN or infinity wherever it sits: in
    /// a vector's body or tail, in any chunk of a batch large enough for
    /// xbar's pool, and names its first index.
    #[test]
    fn every_non_finite_value_is_found_and_named() {
        for n in [1usize, 7, 8, 9, 1000, (1 << 14) + 3, (1 << 18) + 5] {
            let mut data = vec![0.5; n];
            assert!(check_data("x", &data, n, "n").is_ok(), "n = {n}");
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for i in [0, n / 2, n - 1] {
                    data[i] = bad;
                    let e = check_data("x", &data, n, "n").expect_err("a non-finite value passed");
                    assert!(
                        e.to_string().contains(&format!("x[{i}] is {bad}")),
                        "n = {n}, i = {i}: {e}"
                    );
                    data[i] = 0.5;
                }
            }
            data[n - 1] = f64::MAX;
            assert!(check_data("x", &data, n, "n").is_ok(), "f64::MAX is finite");
        }
    }
}
