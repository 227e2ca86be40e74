//! Batched products of a static matrix as matrix-matrix products (faer's GEMM).
//!
//! When every vector of a batch sees the same conductances (no per-cell read
//! noise), the batch's currents are one matrix product: `Y = X·Gᵀ` (MVM,
//! `y_bi = Σ_j G_ij x_bj`) or `Y = X·G` (VMM, `y_bj = Σ_i x_bi G_ij`), with `X`
//! the `count × inputs` batch. A GEMM reuses each conductance for every vector
//! from registers and cache, where the one-vector kernels of [`super`] stream
//! the matrix once per vector.
//!
//! **Precision and order of summation.** The product runs in the precision
//! the conductances are stored in ([`GemmElem`]): `f64` for
//! `simulation.conductance_precision = "float64"`, `f32` (inputs rounded to
//! `f32`, sums in `f32`) for the default `"float32"`. Inside one block, faer
//! sums each output over the inputs in panels (kernel-dependent order, with
//! fused multiply-adds), so an output may differ from the in-order sum of the
//! one-vector kernels in its last bits (`f64`: a relative ~1e-16 per term;
//! `f32`: about `√n·2⁻²⁴` of `Σ|g·x|` for `n` inputs, ~2e-6 at n = 1024).
//! The blocks are fixed by the shape alone ([`OUT_BLOCK`] outputs each, all
//! vectors of the batch), each computed by one thread with faer's
//! single-threaded kernel, so results are bit-identical at any thread count;
//! work is split over outputs, never over the summed inputs.

use super::{Op, Stored};
use crate::recycle::{self, Recycled};
use crate::threads;
use faer::linalg::matmul::matmul;
use faer::mat::{from_column_major_slice_mut, from_row_major_slice};
use faer::{ComplexField, MatRef, Parallelism, SimpleEntity};
use rayon::prelude::*;

/// Outputs (MVM rows or VMM columns) per block: one thread's share of the
/// product, and the size of a materialised difference block.
pub const OUT_BLOCK: usize = 256;
/// Multiply-adds below which the blocks run on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 18;

/// A real type faer multiplies in: the conductances' storage type.
pub trait GemmElem: Stored + ComplexField + SimpleEntity + Default + Recycled {
    /// `v` rounded to this type.
    fn from_f64(v: f64) -> Self;
}

impl GemmElem for f32 {
    #[inline(always)]
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}

impl GemmElem for f64 {
    #[inline(always)]
    fn from_f64(v: f64) -> f64 {
        v
    }
}

/// Writes the entries of rows `r0..r0 + nr`, columns `c0..c0 + nc` of a
/// matrix into `out` (row-major, `nr × nc`), called as `fill(r0, nr, c0, nc, out)`.
pub type Fill<'a, E> = dyn Fn(usize, usize, usize, usize, &mut [E]) + Sync + 'a;

/// Where a block of the matrix comes from: the stored conductances
/// themselves, or a function that writes the entries of rows `r0..r0 + nr`,
/// columns `c0..c0 + nc` (row-major, `nr × nc`) into a buffer (a balanced
/// pair's difference, taken block by block).
pub enum Source<'a, E> {
    /// A stored row-major `rows × cols` matrix.
    Stored(&'a [E]),
    /// Entries written on demand.
    Computed(Box<Fill<'a, E>>),
}

/// A [`Source`] in either precision (the conductances' storage type).
pub enum AnySource<'a> {
    F32(Source<'a, f32>),
    F64(Source<'a, f64>),
}

/// The `Computed` source of the `_ × cols` row-major matrix whose entry `k`
/// (row-major index) is `cell(k)`.
pub fn computed<'a, E: GemmElem>(cols: usize, cell: impl Fn(usize) -> E + Sync + 'a) -> Source<'a, E> {
    Source::Computed(Box::new(move |r0, nr, c0, nc, out: &mut [E]| {
        for (r, row) in out.chunks_exact_mut(nc.max(1)).take(nr).enumerate() {
            let base = (r0 + r) * cols + c0;
            for (c, o) in row.iter_mut().enumerate() {
                *o = cell(base + c);
            }
        }
    }))
}

/// The shape of a product: `rows × cols` matrix, `count` vectors.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub rows: usize,
    pub cols: usize,
    pub count: usize,
}

/// `y[b·rows + i] = Σ_j a_ij·x[b·cols + j]` (MVM) for the `count` vectors of
/// `x`, as GEMMs over blocks of [`OUT_BLOCK`] rows.
///
/// # Panics
/// If `x`, `y` or a stored matrix do not have the lengths `shape` implies.
pub fn mvm<E: GemmElem>(a: &Source<E>, s: Shape, x: &[f64], y: &mut [f64]) {
    check(a, s, x.len() == s.count * s.cols, y.len() == s.count * s.rows);
    let xs = convert(x);
    let block = |o0: usize, n: usize, out: &mut [E]| block(a, Op::Mvm, s, &xs, o0, n, out);
    scatter(s.rows, s.count, s.rows * s.cols * s.count, block, y);
    recycle::give(xs);
}

/// The outputs `o0..o0 + n` of `op` (MVM rows or VMM columns) for every
/// vector of the inputs `xs` (row-major `count × inputs`, in the product's
/// precision): one block of [`mvm`] or [`vmm`], written to `out` (`n ×
/// count`, column-major: one vector's outputs contiguous, at `b·n`). Every
/// product of a static matrix goes through here, so a block's sums do not
/// depend on who asks for them.
pub fn block<E: GemmElem>(a: &Source<E>, op: Op, s: Shape, xs: &[E], o0: usize, n: usize, out: &mut [E]) {
    match (op, a) {
        (Op::Mvm, Source::Stored(g)) => times_inputs(
            from_row_major_slice(&g[o0 * s.cols..(o0 + n) * s.cols], n, s.cols),
            xs,
            out,
        ),
        (Op::Mvm, Source::Computed(f)) => {
            let mut buf = recycle::filled(n * s.cols, E::default());
            f(o0, n, 0, s.cols, &mut buf);
            times_inputs(from_row_major_slice(&buf, n, s.cols), xs, out);
            recycle::give(buf);
        }
        (Op::Vmm, Source::Stored(g)) => {
            let gv = from_row_major_slice(g, s.rows, s.cols).submatrix(0, o0, s.rows, n);
            times_inputs(gv.transpose(), xs, out)
        }
        (Op::Vmm, Source::Computed(f)) => {
            let mut buf = recycle::filled(s.rows * n, E::default());
            f(0, s.rows, o0, n, &mut buf);
            times_inputs(from_row_major_slice(&buf, s.rows, n).transpose(), xs, out);
            recycle::give(buf);
        }
    }
}

/// The blocks of `n_out` outputs: `(o0, n)` for every [`OUT_BLOCK`] outputs.
pub fn blocks(n_out: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n_out)
        .step_by(OUT_BLOCK)
        .map(move |o0| (o0, OUT_BLOCK.min(n_out - o0)))
}

/// Whether a product of `work` multiply-adds over `n_out` outputs runs its
/// blocks in xbar's pool.
pub fn parallel(work: usize, n_out: usize) -> bool {
    work >= PARALLEL_MIN_WORK && n_out > OUT_BLOCK
}

/// `y[b·cols + j] = Σ_i x[b·rows + i]·a_ij` (VMM) for the `count` vectors of
/// `x`, as GEMMs over blocks of [`OUT_BLOCK`] columns.
///
/// # Panics
/// If `x`, `y` or a stored matrix do not have the lengths `shape` implies.
pub fn vmm<E: GemmElem>(a: &Source<E>, s: Shape, x: &[f64], y: &mut [f64]) {
    check(a, s, x.len() == s.count * s.rows, y.len() == s.count * s.cols);
    let xs = convert(x);
    let block = |o0: usize, n: usize, out: &mut [E]| block(a, Op::Vmm, s, &xs, o0, n, out);
    scatter(s.cols, s.count, s.rows * s.cols * s.count, block, y);
    recycle::give(xs);
}

/// `A·Xᵀ` for the `n × k` block `a` and the row-major input vectors `xs` of
/// length `k`: the block's `n` outputs of every vector, written to `out`
/// (`n × count`, column-major: one vector's outputs contiguous, at `b·n`), by
/// faer's single-threaded GEMM.
fn times_inputs<E: GemmElem>(a: MatRef<'_, E>, xs: &[E], out: &mut [E]) {
    let count = out.len() / a.nrows().max(1);
    let xv = from_row_major_slice::<E, usize, usize>(xs, count, a.ncols());
    let dst = from_column_major_slice_mut::<E, usize, usize>(out, a.nrows(), count);
    matmul(dst, a, xv.transpose(), None, E::faer_one(), Parallelism::None);
}

/// Checks the lengths of a product's operands (real checks: the GEMM views
/// are built from these slices).
fn check<E>(a: &Source<E>, s: Shape, x_ok: bool, y_ok: bool) {
    assert!(x_ok, "gemm: x holds {} vectors of the wrong length", s.count);
    assert!(y_ok, "gemm: y is not count x outputs");
    if let Source::Stored(g) = a {
        assert_eq!(g.len(), s.rows * s.cols, "gemm: matrix is not rows x cols");
    }
}

/// The inputs in the product's precision, in a recycled buffer.
pub fn convert<E: GemmElem>(x: &[f64]) -> Vec<E> {
    let mut v = recycle::take(x.len());
    v.extend(x.iter().map(|&v| E::from_f64(v)));
    v
}

/// Computes the block of outputs `o0..o0 + n` of every vector (an `n ×
/// count` matrix, column-major: one vector's outputs contiguous) with `block` for
/// every block of [`OUT_BLOCK`] outputs (in xbar's pool when the work is
/// large) and writes them into `y` (`count × n_out`, row-major).
fn scatter<E: GemmElem>(
    n_out: usize,
    count: usize,
    work: usize,
    block: impl Fn(usize, usize, &mut [E]) + Sync,
    y: &mut [f64],
) {
    let parallel = parallel(work, n_out);
    // Each block's outputs, in buffers taken (and handed back) on this thread.
    let mut done: Vec<(usize, usize, Vec<E>)> = blocks(n_out)
        .map(|(o0, n)| (o0, n, recycle::filled(n * count, E::default())))
        .collect();
    let compute = |(o0, n, out): &mut (usize, usize, Vec<E>)| block(*o0, *n, out);
    if parallel {
        threads::install(|| done.par_iter_mut().for_each(compute));
    } else {
        done.iter_mut().for_each(compute);
    }
    // Vector b's outputs gathered from every block (in parallel over vectors).
    let gather = |(b, row): (usize, &mut [f64])| {
        for (o0, n, m) in &done {
            for (d, &v) in row[*o0..o0 + n].iter_mut().zip(&m[b * n..(b + 1) * n]) {
                *d = v.into();
            }
        }
    };
    if parallel && count > 1 {
        threads::install(|| y.par_chunks_mut(n_out).enumerate().for_each(gather));
    } else {
        y.chunks_mut(n_out).enumerate().for_each(gather);
    }
    for (_, _, m) in done {
        recycle::give(m);
    }
}
