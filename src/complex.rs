//! Complex matrices and vectors on real arrays (spec §14). A complex M×N
//! matrix W is stored as the real 2M×2N block matrix `[[Re W, -Im W], [Im W, Re W]]`.
//! Complex values cross the API as interleaved (re, im) pairs.

use crate::batch::Batch;

/// The real block matrix of a complex `m × n` matrix given as interleaved pairs (row-major).
pub fn expand_matrix(w: &[f64], m: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; 4 * m * n];
    let cols = 2 * n;
    for i in 0..m {
        for j in 0..n {
            let (re, im) = (w[2 * (i * n + j)], w[2 * (i * n + j) + 1]);
            out[i * cols + j] = re;
            out[i * cols + n + j] = -im;
            out[(m + i) * cols + j] = im;
            out[(m + i) * cols + n + j] = re;
        }
    }
    out
}

/// The complex matrix (interleaved pairs) held in the left quadrants of a
/// real `2m × 2n` block matrix.
pub fn collapse_matrix(g: &[f64], m: usize, n: usize) -> Vec<f64> {
    let cols = 2 * n;
    let mut out = Vec::with_capacity(2 * m * n);
    for i in 0..m {
        for j in 0..n {
            out.push(g[i * cols + j]);
            out.push(g[(m + i) * cols + j]);
        }
    }
    out
}

/// `[Re x, Im x]` for each complex vector of `x` (`count` vectors of `n` pairs).
pub fn mvm_input(x: &[f64], n: usize, count: usize) -> Batch {
    let mut b = Batch::zeros(2 * n, count);
    for k in 0..count {
        let v = b.vector_mut(k);
        for j in 0..n {
            v[j] = x[2 * (k * n + j)];
            v[n + j] = x[2 * (k * n + j) + 1];
        }
    }
    b
}

/// Interleaved `y[:m] + i·y[m:]` of each MVM output vector.
pub fn mvm_output(y: &Batch) -> Vec<f64> {
    let m = y.len / 2;
    let mut out = Vec::with_capacity(y.data.len());
    for k in 0..y.count {
        let v = y.vector(k);
        for i in 0..m {
            out.push(v[i]);
            out.push(v[m + i]);
        }
    }
    out
}

/// `[Im v, Re v]` for each complex VMM input vector.
pub fn vmm_input(v: &[f64], m: usize, count: usize) -> Batch {
    let mut b = Batch::zeros(2 * m, count);
    for k in 0..count {
        let out = b.vector_mut(k);
        for i in 0..m {
            out[i] = v[2 * (k * m + i) + 1];
            out[m + i] = v[2 * (k * m + i)];
        }
    }
    b
}

/// Interleaved `y[n:] + i·y[:n]` of each VMM output vector.
pub fn vmm_output(y: &Batch) -> Vec<f64> {
    let n = y.len / 2;
    let mut out = Vec::with_capacity(y.data.len());
    for k in 0..y.count {
        let v = y.vector(k);
        for j in 0..n {
            out.push(v[n + j]);
            out.push(v[j]);
        }
    }
    out
}
