//! The dense conductance product of one array, `Y = X·Gᵀ` (MVM: `y_i = Σ_j G_ij x_j`)
//! or `Y = X·G` (VMM: `y_j = Σ_i x_i G_ij`), for a batch of vectors, in a fixed
//! summation order.
//!
//! Every output is summed from 0 in input order (`j = 0, 1, …` for MVM, `i = 0,
//! 1, …` for VMM), one rounded product and one rounded sum per term (no fused
//! multiply-add), so it is bit-identical whatever the batch it comes in, the
//! block that holds it, the number of threads and the instruction set. The
//! loops get their speed from independent sums, not from reordering one:
//! an MVM tile runs 4 rows × 4 vectors (the vectors transposed so that one
//! SIMD register holds one input of 4 vectors), a VMM runs along the contiguous
//! columns. Work is split over blocks of outputs × blocks of vectors in xbar's
//! pool; a block of G is reused from cache for every vector of its block.

// Every unsafe operation sits in its own block with the reason it is sound.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod gemm;
mod wide;

use crate::storage::Stored;
use crate::threads;
use rayon::prelude::*;

/// Vectors processed together by one MVM tile (register blocking).
const GROUP: usize = 4;
/// MVM outputs (rows) per parallel task.
const MVM_OUT_BLOCK: usize = 64;
/// VMM outputs (columns) per parallel task: a VMM streams each row's segment
/// of this many columns, so long segments keep the reads sequential (64
/// single-precision columns are 256 bytes of a different page per row).
const VMM_OUT_BLOCK: usize = 512;
/// Vectors per parallel task.
const VEC_BLOCK: usize = 32;
/// Multiply-adds below which the product runs on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 16;

/// Which product an array read computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `y_i = Σ_j G_ij x_j` (inputs drive the array rows).
    Mvm,
    /// `y_j = Σ_i v_i G_ij` (the transpose direction).
    Vmm,
}

/// Which quantity each output sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sum {
    /// `Σ_j a_ij x_j`.
    Linear,
    /// `Σ_j (a_ij x_j)²` (the variance of a sum of independent terms with σ `a_ij`).
    Squares,
}

/// One row of a matrix (or a segment of one), read as `f64` values.
pub trait Row: Copy + Send + Sync {
    /// Number of entries.
    fn width(self) -> usize;
    /// Entry `j`.
    fn at(self, j: usize) -> f64;
    /// Entries `start..start + len`.
    fn segment(self, start: usize, len: usize) -> Self;
}

impl<T: Stored> Row for &[T] {
    #[inline(always)]
    fn width(self) -> usize {
        self.len()
    }
    #[inline(always)]
    fn at(self, j: usize) -> f64 {
        self[j].into()
    }
    #[inline(always)]
    fn segment(self, start: usize, len: usize) -> Self {
        &self[start..start + len]
    }
}

/// Number types the wide one-vector tile loads (f32 and f64 on x86-64).
#[cfg(target_arch = "x86_64")]
pub use wide::Lanes as WideElem;
/// Number types the wide one-vector tile loads.
#[cfg(not(target_arch = "x86_64"))]
pub trait WideElem {}
#[cfg(not(target_arch = "x86_64"))]
impl<T> WideElem for T {}

/// Rows the wide one-vector tile reads (every [`Row`] on x86-64).
#[cfg(target_arch = "x86_64")]
pub use wide::Load4 as WideRow;
/// Rows the wide one-vector tile reads (every [`Row`]).
#[cfg(not(target_arch = "x86_64"))]
pub trait WideRow {}
#[cfg(not(target_arch = "x86_64"))]
impl<T: Row> WideRow for T {}

/// A row-major matrix the products read, one [`Row`] at a time.
pub trait Matrix: Copy + Send + Sync {
    type R: Row + WideRow;
    /// Row `i`.
    fn row(self, i: usize) -> Self::R;
}

/// A stored row-major matrix of `cols` columns.
#[derive(Debug, Clone, Copy)]
pub struct Dense<'a, T> {
    pub a: &'a [T],
    pub cols: usize,
}

impl<'a, T: Stored> Matrix for Dense<'a, T> {
    type R = &'a [T];
    #[inline(always)]
    fn row(self, i: usize) -> &'a [T] {
        &self.a[i * self.cols..(i + 1) * self.cols]
    }
}

/// The difference `pos − neg` of two stored matrices, taken entry by entry as
/// it is read: in single precision when `SINGLE` (the float32 difference of
/// CrossSim's balanced core, of the values rounded to float32), otherwise
/// exactly in double precision.
#[derive(Debug, Clone, Copy)]
pub struct Diff<'a, T, const SINGLE: bool> {
    pub pos: &'a [T],
    pub neg: &'a [T],
    pub cols: usize,
}

/// A row of a [`Diff`].
#[derive(Debug, Clone, Copy)]
pub struct DiffRow<'a, T, const SINGLE: bool> {
    pos: &'a [T],
    neg: &'a [T],
}

impl<'a, T, const SINGLE: bool> DiffRow<'a, T, SINGLE> {
    /// The rows of `pos` and `neg`.
    pub fn parts(self) -> (&'a [T], &'a [T]) {
        (self.pos, self.neg)
    }
}

impl<T: Stored, const SINGLE: bool> Row for DiffRow<'_, T, SINGLE> {
    #[inline(always)]
    fn width(self) -> usize {
        self.pos.len()
    }
    #[inline(always)]
    fn at(self, j: usize) -> f64 {
        let (p, n): (f64, f64) = (self.pos[j].into(), self.neg[j].into());
        if SINGLE {
            (p as f32 - n as f32) as f64
        } else {
            p - n
        }
    }
    #[inline(always)]
    fn segment(self, start: usize, len: usize) -> Self {
        DiffRow {
            pos: &self.pos[start..start + len],
            neg: &self.neg[start..start + len],
        }
    }
}

impl<'a, T: Stored, const SINGLE: bool> Matrix for Diff<'a, T, SINGLE> {
    type R = DiffRow<'a, T, SINGLE>;
    #[inline(always)]
    fn row(self, i: usize) -> Self::R {
        let r = i * self.cols..(i + 1) * self.cols;
        DiffRow {
            pos: &self.pos[r.clone()],
            neg: &self.neg[r],
        }
    }
}

/// `y[b·n_out + i] = Σ_j a_ij·x[b·cols + j]` for `i < rows` (MVM), with `a`
/// `rows × cols`, `x` holding `count` vectors of `cols`, `y` `count × rows`.
/// With [`Sum::Squares`] each term is squared before it is summed.
///
/// # Panics
/// If `x` or `y` do not have those lengths, or a row of `a` is not `cols`
/// wide (checked once here: the kernels below read rows and vectors unchecked).
pub fn mvm<M: Matrix>(a: M, rows: usize, cols: usize, x: &[f64], count: usize, sum: Sum, y: &mut [f64]) {
    check(a, rows, cols, x.len() == cols * count && y.len() == rows * count);
    let task = |o0: usize, b0: usize, out: &mut [Vec<f64>]| mvm_block(a, cols, x, o0, b0, sum, out);
    run(rows, count, MVM_OUT_BLOCK, rows * cols * count, task, y);
}

/// `y[b·cols + j] = Σ_i x[b·rows + i]·a_ij` (VMM); with [`Sum::Squares`]
/// each term is squared before it is summed.
///
/// # Panics
/// As [`mvm`].
pub fn vmm<M: Matrix>(a: M, rows: usize, cols: usize, x: &[f64], count: usize, sum: Sum, y: &mut [f64]) {
    check(a, rows, cols, x.len() == rows * count && y.len() == cols * count);
    let task = |o0: usize, b0: usize, out: &mut [Vec<f64>]| vmm_block(a, rows, x, o0, b0, sum, out);
    run(cols, count, VMM_OUT_BLOCK, rows * cols * count, task, y);
}

/// The widths [`mvm`] and [`vmm`] rely on: the vectors' lengths (`lengths`)
/// and every row of `a` (`rows` rows, read through [`Matrix::row`], which
/// slices with bounds checks) `cols` wide.
fn check<M: Matrix>(a: M, rows: usize, cols: usize, lengths: bool) {
    assert!(
        lengths,
        "product: x or y does not hold count vectors of the matrix's width"
    );
    if rows > 0 {
        assert!(
            a.row(0).width() == cols && a.row(rows - 1).width() == cols,
            "product: the matrix's rows are not {cols} wide"
        );
    }
}

/// Splits `n_out × count` into blocks of `out_block` outputs × [`VEC_BLOCK`]
/// vectors, computes each with `task(o0, b0, out)`
/// (`out[v]` is output block `o0..` of vector `b0 + v`), in parallel when the
/// work is large, and scatters the blocks into `y` (`count × n_out`).
fn run<F>(n_out: usize, count: usize, out_block: usize, work: usize, task: F, y: &mut [f64])
where
    F: Fn(usize, usize, &mut [Vec<f64>]) + Sync,
{
    let blocks: Vec<(usize, usize)> = (0..count)
        .step_by(VEC_BLOCK)
        .flat_map(|b0| (0..n_out).step_by(out_block).map(move |o0| (o0, b0)))
        .collect();
    let compute = |&(o0, b0): &(usize, usize)| {
        let len = out_block.min(n_out - o0);
        let mut out = vec![vec![0.0; len]; VEC_BLOCK.min(count - b0)];
        task(o0, b0, &mut out);
        (o0, b0, out)
    };
    let done: Vec<(usize, usize, Vec<Vec<f64>>)> = if work >= PARALLEL_MIN_WORK {
        threads::install(|| blocks.par_iter().map(compute).collect())
    } else {
        blocks.iter().map(compute).collect()
    };
    for (o0, b0, out) in done {
        for (v, o) in out.iter().enumerate() {
            let start = (b0 + v) * n_out + o0;
            y[start..start + o.len()].copy_from_slice(o);
        }
    }
}

/// One MVM block: rows `o0..o0 + out[0].len()` for vectors `b0..b0 + out.len()`.
fn mvm_block<M: Matrix>(a: M, cols: usize, x: &[f64], o0: usize, b0: usize, sum: Sum, out: &mut [Vec<f64>]) {
    let len = out.first().map_or(0, Vec::len);
    let mut xt = vec![0.0; cols * GROUP];
    for v0 in (0..out.len()).step_by(GROUP) {
        let nv = GROUP.min(out.len() - v0);
        for k in 0..nv {
            let xb = &x[(b0 + v0 + k) * cols..(b0 + v0 + k + 1) * cols];
            for (j, &xj) in xb.iter().enumerate() {
                xt[j * GROUP + k] = xj;
            }
        }
        if nv == 1 && wide_rows(a, o0, x_single(x, b0 + v0, cols), sum, &mut out[v0]) {
            continue;
        }
        for d0 in (0..len).step_by(ROWS) {
            let nr = ROWS.min(len - d0);
            let rows: [M::R; ROWS] = std::array::from_fn(|r| a.row(o0 + d0 + r.min(nr - 1)));
            let s = if nv == 1 {
                tile::<_, 1>(&rows, x_single(x, b0 + v0, cols), sum)
            } else {
                tile::<_, GROUP>(&rows, &xt, sum)
            };
            for (r, sr) in s.iter().enumerate().take(nr) {
                for k in 0..nv {
                    out[v0 + k][d0 + r] = sr[k];
                }
            }
        }
    }
}

/// Rows `o0..o0 + out.len()` of the product of `a` with the one vector `x`
/// by the wide tile, where the CPU has it (returns whether it ran).
#[allow(unused_variables)]
fn wide_rows<M: Matrix>(a: M, o0: usize, x: &[f64], sum: Sum, out: &mut [f64]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            use wide::{Load4, WIDE_ROWS};
            let single = M::R::SINGLE_ENTRIES && std::arch::is_x86_feature_detected!("avx512f");
            for (d0, o) in (0..out.len()).step_by(WIDE_ROWS).zip(out.chunks_mut(WIDE_ROWS)) {
                let rows: [M::R; WIDE_ROWS] = std::array::from_fn(|r| a.row(o0 + d0 + r.min(o.len() - 1)));
                // SAFETY: the CPU has AVX2 (checked just above), and AVX-512F
                // with single-precision entries where `single`.
                let s = unsafe {
                    if single {
                        wide::dots_single_rows(&rows, x, sum)
                    } else {
                        wide::dots(&rows, x, sum)
                    }
                };
                o.copy_from_slice(&s[..o.len()]);
            }
            return true;
        }
    }
    false
}

/// Vector `b` of `x` (for the one-vector tile, whose transposed layout is the vector itself).
fn x_single(x: &[f64], b: usize, cols: usize) -> &[f64] {
    &x[b * cols..(b + 1) * cols]
}

/// Rows processed together by one MVM tile.
pub const ROWS: usize = 4;

/// `Σ_j rows[r][j]·x[j]` for each of the (at most [`ROWS`]) rows, summed as
/// [`mvm`] sums them (from 0, in `j` order): four independent sums at once.
pub fn row_dots(rows: &[&[f64]], x: &[f64]) -> [f64; ROWS] {
    debug_assert!(!rows.is_empty() && rows.len() <= ROWS);
    let tile_rows: [&[f64]; ROWS] = std::array::from_fn(|r| rows[r.min(rows.len() - 1)]);
    tile::<_, 1>(&tile_rows, x, Sum::Linear).map(|r| r[0])
}

/// `out[r][k] = Σ_j term(rows[r][j], xt[j·V + k])`, summed in `j` order, for the
/// `ROWS × V` outputs of one tile (`k < V`; `xt` holds V vectors transposed).
/// Entries `k ≥ V` of the result are 0.
#[inline]
fn tile<R: Row, const V: usize>(rows: &[R; ROWS], xt: &[f64], sum: Sum) -> [[f64; GROUP]; ROWS] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { tile_avx2::<R, V>(rows, xt, sum) };
        }
    }
    tile_generic::<R, V>(rows, xt, sum)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn tile_avx2<R: Row, const V: usize>(rows: &[R; ROWS], xt: &[f64], sum: Sum) -> [[f64; GROUP]; ROWS] {
    tile_generic::<R, V>(rows, xt, sum)
}

#[inline(always)]
fn tile_generic<R: Row, const V: usize>(rows: &[R; ROWS], xt: &[f64], sum: Sum) -> [[f64; GROUP]; ROWS] {
    match sum {
        Sum::Linear => tile_with::<R, V>(rows, xt, |g, x| g * x),
        Sum::Squares => tile_with::<R, V>(rows, xt, |g, x| (g * x) * (g * x)),
    }
}

#[inline(always)]
fn tile_with<R: Row, const V: usize>(
    rows: &[R; ROWS],
    xt: &[f64],
    term: impl Fn(f64, f64) -> f64,
) -> [[f64; GROUP]; ROWS] {
    let cols = rows[0].width();
    let mut acc = [[0.0f64; V]; ROWS];
    for (j, xj) in xt[..cols * V].chunks_exact(V).enumerate() {
        for (acc, row) in acc.iter_mut().zip(rows) {
            let g = row.at(j);
            for k in 0..V {
                acc[k] += term(g, xj[k]);
            }
        }
    }
    std::array::from_fn(|r| std::array::from_fn(|k| if k < V { acc[r][k] } else { 0.0 }))
}

/// One VMM block: columns `o0..o0 + out[0].len()` for vectors `b0..b0 + out.len()`.
fn vmm_block<M: Matrix>(a: M, rows: usize, x: &[f64], o0: usize, b0: usize, sum: Sum, out: &mut [Vec<f64>]) {
    let len = out.first().map_or(0, Vec::len);
    for i in 0..rows {
        let seg = a.row(i).segment(o0, len);
        if i + 1 < rows {
            // The next row's segment is a jump in memory the hardware does not foresee.
            prefetch(a.row(i + 1).segment(o0, len));
        }
        for (v, o) in out.iter_mut().enumerate() {
            let xi = x[(b0 + v) * rows + i];
            axpy(xi, seg, o, sum);
        }
    }
}

/// Asks the cache for every entry of `seg` (where the CPU has prefetches).
#[allow(unused_variables)]
#[inline(always)]
fn prefetch<R: Row + WideRow>(seg: R) {
    #[cfg(target_arch = "x86_64")]
    seg.prefetch_all();
}

/// `out[o] += term(x, seg[o])` for every output of the segment.
#[inline]
fn axpy<R: Row + WideRow>(x: f64, seg: R, out: &mut [f64], sum: Sum) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { wide::axpy(x, seg, out, sum) };
        }
    }
    axpy_generic(x, seg, out, sum)
}

/// [`axpy`] without SIMD intrinsics (also the tail of the AVX2 version).
#[inline(always)]
fn axpy_generic<R: Row>(x: f64, seg: R, out: &mut [f64], sum: Sum) {
    let out = &mut out[..seg.width()];
    match sum {
        Sum::Linear => out.iter_mut().enumerate().for_each(|(k, o)| *o += x * seg.at(k)),
        Sum::Squares => out
            .iter_mut()
            .enumerate()
            .for_each(|(k, o)| *o += (x * seg.at(k)) * (x * seg.at(k))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: f64) -> Vec<f64> {
        (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
    }

    /// The reference order of the module doc, one output at a time.
    fn reference_dot(row: &[f64], x: &[f64]) -> f64 {
        let mut s = 0.0;
        for (g, x) in row.iter().zip(x) {
            s += g * x;
        }
        s
    }

    #[test]
    fn mvm_follows_the_documented_order_for_every_shape_and_batch() {
        for &(rows, cols) in &[(1, 1), (3, 7), (65, 13), (130, 64), (7, 200)] {
            let a = data(rows * cols, 0.3);
            for count in [1, 3, 5, 37] {
                let x = data(cols * count, 0.9);
                let mut y = vec![0.0; rows * count];
                let mut sq = vec![0.0; rows * count];
                mvm(Dense { a: &a, cols }, rows, cols, &x, count, Sum::Linear, &mut y);
                mvm(Dense { a: &a, cols }, rows, cols, &x, count, Sum::Squares, &mut sq);
                for b in 0..count {
                    for i in 0..rows {
                        let (row, xb) = (&a[i * cols..(i + 1) * cols], &x[b * cols..(b + 1) * cols]);
                        let want = reference_dot(row, xb);
                        assert_eq!(y[b * rows + i].to_bits(), want.to_bits(), "{rows}x{cols} b{b} i{i}");
                        let want_sq = row.iter().zip(xb).fold(0.0, |s, (g, x)| s + (g * x) * (g * x));
                        assert_eq!(
                            sq[b * rows + i].to_bits(),
                            want_sq.to_bits(),
                            "squares {rows}x{cols} b{b} i{i}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn vmm_sums_each_column_in_row_order() {
        for &(rows, cols) in &[(1, 1), (7, 3), (13, 65), (64, 130)] {
            let a = data(rows * cols, 0.2);
            for count in [1, 4, 33] {
                let x = data(rows * count, 0.5);
                let mut y = vec![0.0; cols * count];
                let mut sq = vec![0.0; cols * count];
                vmm(Dense { a: &a, cols }, rows, cols, &x, count, Sum::Linear, &mut y);
                vmm(Dense { a: &a, cols }, rows, cols, &x, count, Sum::Squares, &mut sq);
                for b in 0..count {
                    for j in 0..cols {
                        let (mut want, mut want_sq) = (0.0, 0.0);
                        for i in 0..rows {
                            let t = x[b * rows + i] * a[i * cols + j];
                            want += t;
                            want_sq += t * t;
                        }
                        assert_eq!(y[b * cols + j].to_bits(), want.to_bits());
                        assert_eq!(sq[b * cols + j].to_bits(), want_sq.to_bits());
                    }
                }
            }
        }
    }

    #[test]
    fn squares_sum_squared_terms() {
        let (rows, cols, count) = (5, 19, 2);
        let a = data(rows * cols, 0.1);
        let x = data(cols * count, 0.4);
        let mut y = vec![0.0; rows * count];
        mvm(Dense { a: &a, cols }, rows, cols, &x, count, Sum::Squares, &mut y);
        for b in 0..count {
            for i in 0..rows {
                let want: f64 = (0..cols).map(|j| (a[i * cols + j] * x[b * cols + j]).powi(2)).sum();
                assert!((y[b * rows + i] - want).abs() <= 1e-14 * want.max(1.0));
            }
        }
    }

    #[test]
    fn single_precision_rows_follow_the_documented_order() {
        // Rows of f32 entries (stored f32, or f32 differences) take their own
        // vector form for one vector (AVX-512); every width around its step of 8.
        for &(rows, cols) in &[(3, 7), (13, 21), (17, 200), (8, 8), (9, 16)] {
            let p32: Vec<f32> = data(rows * cols, 0.7).iter().map(|&v| v as f32).collect();
            let n32: Vec<f32> = data(rows * cols, 1.1).iter().map(|&v| (0.5 * v) as f32).collect();
            let p64: Vec<f64> = data(rows * cols, 0.4);
            let n64: Vec<f64> = data(rows * cols, 0.8);
            let stored: Vec<f64> = p32.iter().map(|&v| f64::from(v)).collect();
            let diff32: Vec<f64> = p32.iter().zip(&n32).map(|(a, b)| f64::from(a - b)).collect();
            let diff64: Vec<f64> = p64
                .iter()
                .zip(&n64)
                .map(|(&a, &b)| f64::from(a as f32 - b as f32))
                .collect();
            for count in [1, 3] {
                let x = data(cols * count, 0.9);
                for sum in [Sum::Linear, Sum::Squares] {
                    let run = |m: &dyn Fn(&mut [f64])| {
                        let mut y = vec![0.0; rows * count];
                        m(&mut y);
                        y
                    };
                    let want = |a: &[f64]| run(&|y| mvm(Dense { a, cols }, rows, cols, &x, count, sum, y));
                    let got = [
                        run(&|y| mvm(Dense { a: &p32[..], cols }, rows, cols, &x, count, sum, y)),
                        run(&|y| {
                            let d = Diff::<f32, true> {
                                pos: &p32[..],
                                neg: &n32[..],
                                cols,
                            };
                            mvm(d, rows, cols, &x, count, sum, y)
                        }),
                        run(&|y| {
                            let d = Diff::<f64, true> {
                                pos: &p64[..],
                                neg: &n64[..],
                                cols,
                            };
                            mvm(d, rows, cols, &x, count, sum, y)
                        }),
                    ];
                    for (k, (got, reference)) in got.iter().zip([&stored, &diff32, &diff64]).enumerate() {
                        let want = want(reference);
                        let same = got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits());
                        assert!(same, "case {k}, {rows}x{cols}, batch {count}, {sum:?}");
                    }
                }
            }
        }
        // The reference itself (f64 entries) against the order of the module doc.
        let (rows, cols) = (17, 200);
        let a: Vec<f64> = data(rows * cols, 0.7).iter().map(|&v| f64::from(v as f32)).collect();
        let x = data(cols, 0.9);
        let mut y = vec![0.0; rows];
        mvm(Dense { a: &a[..], cols }, rows, cols, &x, 1, Sum::Linear, &mut y);
        for (i, y) in y.iter().enumerate() {
            assert_eq!(y.to_bits(), reference_dot(&a[i * cols..(i + 1) * cols], &x).to_bits());
        }
    }

    /// `d` gives the products of the stored matrix `want`, bit for bit.
    fn same_products<M: Matrix>(d: M, want: &[f64], rows: usize, cols: usize, x: &[f64], count: usize) {
        let (mut y, mut z) = (vec![0.0; rows * count], vec![0.0; cols * count]);
        let (mut wy, mut wz) = (vec![0.0; rows * count], vec![0.0; cols * count]);
        let xv = &x[..rows * count];
        mvm(d, rows, cols, x, count, Sum::Linear, &mut y);
        vmm(d, rows, cols, xv, count, Sum::Linear, &mut z);
        mvm(Dense { a: want, cols }, rows, cols, x, count, Sum::Linear, &mut wy);
        vmm(Dense { a: want, cols }, rows, cols, xv, count, Sum::Linear, &mut wz);
        assert_eq!(y, wy);
        assert_eq!(z, wz);
    }

    #[test]
    fn differences_are_taken_per_entry_in_the_stated_precision() {
        let (rows, cols, count) = (9, 21, 5);
        let p = data(rows * cols, 0.7);
        let n: Vec<f64> = data(rows * cols, 1.3).iter().map(|v| v * 0.5).collect();
        let x = data(cols * count, 0.2);
        let p32: Vec<f32> = p.iter().map(|&v| v as f32).collect();
        let n32: Vec<f32> = n.iter().map(|&v| v as f32).collect();
        let exact: Vec<f64> = p.iter().zip(&n).map(|(a, b)| a - b).collect();
        let single: Vec<f64> = p32.iter().zip(&n32).map(|(a, b)| (a - b) as f64).collect();
        let wide: Vec<f64> = p32.iter().zip(&n32).map(|(&a, &b)| a as f64 - b as f64).collect();
        let (pos, neg) = (&p[..], &n[..]);
        same_products(Diff::<f64, false> { pos, neg, cols }, &exact, rows, cols, &x, count);
        same_products(Diff::<f64, true> { pos, neg, cols }, &single, rows, cols, &x, count);
        let (pos, neg) = (&p32[..], &n32[..]);
        same_products(Diff::<f32, true> { pos, neg, cols }, &single, rows, cols, &x, count);
        same_products(Diff::<f32, false> { pos, neg, cols }, &wide, rows, cols, &x, count);
    }
}
