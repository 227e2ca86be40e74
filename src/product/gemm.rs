//! Batched products of a static matrix as matrix-matrix products (GEMM).
//!
//! When every vector of a batch sees the same conductances (no per-cell read
//! noise), the batch's currents are one matrix product: `Y = X·Gᵀ` (MVM,
//! `y_bi = Σ_j G_ij x_bj`) or `Y = X·G` (VMM, `y_bj = Σ_i x_bi G_ij`), with `X`
//! the `count × inputs` batch. A GEMM reuses each conductance for every vector
//! from registers and cache, where the one-vector kernels of [`super`] stream
//! the matrix once per vector.
//!
//! **The kernel.** On x86-64 Linux with AVX2 and FMA, the `private-gemm-x86`
//! kernels that faer's current line multiplies with ([`x86`]: 512-bit with
//! AVX-512F, 256-bit otherwise, the same bits from both), unless the
//! process's address space is limited (see [`x86`]); elsewhere faer 0.20's
//! portable GEMM (the `gemm` crate), whose panels differ, so an output there
//! may differ in its last bits from the same product on an AVX2 machine.
//!
//! **Precision and order of summation.** The product runs in the precision
//! the conductances are stored in ([`GemmElem`]): `f64` for
//! `simulation.conductance_precision = "float64"`, `f32` (inputs rounded to
//! `f32`, sums in `f32`) for the default `"float32"`. The GEMM sums each
//! output over the inputs in panels of `kc` inputs (x86: `kc = 512`, each
//! panel in input order with fused multiply-adds, panels added in order), so
//! an output may differ from the in-order sum of the one-vector kernels in
//! its last bits (`f64`: a relative ~1e-16 per term; `f32`: about
//! `√n·2⁻²⁴` of `Σ|g·x|` for `n` inputs, ~2e-6 at n = 1024).
//!
//! **Threads.** One GEMM covers every output and every vector; large ones
//! run on the threads of xbar's pool, which the GEMM shares out by blocks of
//! outputs and of vectors, never by the summed inputs. The panel length `kc`
//! is chosen from the summed length (and, in the portable GEMM, the cache
//! sizes) alone, not from the thread count, so every output is the same sum
//! in the same order at any thread count: results are bit-identical
//! whatever the pool's size (tested below, at 1, 2 and 3 threads).

use super::{Op, Stored};
use crate::recycle::{self, Recycled};
use crate::threads;
use faer::linalg::matmul::matmul;
use faer::mat::{from_column_major_slice_mut, from_row_major_slice};
use faer::{ComplexField, Parallelism, SimpleEntity};
use rayon::prelude::*;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod x86;

/// Multiply-adds below which a product runs on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 18;

/// A real type faer multiplies in: the conductances' storage type.
pub trait GemmElem: Stored + ComplexField + SimpleEntity + Default + Recycled {
    /// This type for the x86-64 kernels.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    const X86_DTYPE: private_gemm_x86::DType;

    /// `v` rounded to this type.
    fn from_f64(v: f64) -> Self;
}

impl GemmElem for f32 {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    const X86_DTYPE: private_gemm_x86::DType = private_gemm_x86::DType::F32;

    #[inline(always)]
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}

impl GemmElem for f64 {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    const X86_DTYPE: private_gemm_x86::DType = private_gemm_x86::DType::F64;

    #[inline(always)]
    fn from_f64(v: f64) -> f64 {
        v
    }
}

/// The matrix of a product: a row-major `rows × cols` slice (an array's
/// conductances, or a balanced pair's stored difference).
pub enum Source<'a, E> {
    /// A stored row-major `rows × cols` matrix.
    Stored(&'a [E]),
}

/// The shape of a product: `rows × cols` matrix, `count` vectors.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub rows: usize,
    pub cols: usize,
    pub count: usize,
}

impl Shape {
    /// Multiply-adds of one product.
    pub fn work(&self) -> usize {
        self.rows * self.cols * self.count
    }
}

/// `y[b·rows + i] = Σ_j a_ij·x[b·cols + j]` (MVM) for the `count` vectors of `x`.
///
/// # Panics
/// If `x`, `y` or the matrix do not have the lengths `shape` implies.
pub fn mvm<E: GemmElem>(a: &Source<E>, s: Shape, x: &[f64], y: &mut [f64]) {
    check(a, s, x.len() == s.count * s.cols, y.len() == s.count * s.rows);
    apply(a, Op::Mvm, s, x, y);
}

/// `y[b·cols + j] = Σ_i x[b·rows + i]·a_ij` (VMM) for the `count` vectors of `x`.
///
/// # Panics
/// If `x`, `y` or the matrix do not have the lengths `shape` implies.
pub fn vmm<E: GemmElem>(a: &Source<E>, s: Shape, x: &[f64], y: &mut [f64]) {
    check(a, s, x.len() == s.count * s.rows, y.len() == s.count * s.cols);
    apply(a, Op::Vmm, s, x, y);
}

/// [`mvm`] or [`vmm`]: the inputs rounded to `E`, one [`product`], its
/// outputs widened into `y`.
fn apply<E: GemmElem>(a: &Source<E>, op: Op, s: Shape, x: &[f64], y: &mut [f64]) {
    let par = parallel(s.work());
    let xs = convert(x, par);
    // Written in full by the GEMM.
    let mut out = recycle::scratch(y.len(), E::default());
    product(a, op, s, &xs, &mut out);
    for_chunks(par, y, &out, |y, o| {
        y.iter_mut().zip(o).for_each(|(y, &o)| *y = o.into())
    });
    recycle::give(out);
    recycle::give(xs);
}

/// Every output of `op` (MVM rows or VMM columns) for every vector of the
/// inputs `xs` (row-major `count × inputs`, in the product's precision),
/// written to `out` (row-major `count × outputs`: one vector's outputs
/// contiguous). One GEMM, on xbar's pool when the work is large (see the
/// module's notes on threads). Every product of a static matrix goes
/// through here, so its sums do not depend on who asks for them.
///
/// # Panics
/// If `xs`, `out` or the matrix do not have the lengths `s` implies.
pub fn product<E: GemmElem>(a: &Source<E>, op: Op, s: Shape, xs: &[E], out: &mut [E]) {
    let Source::Stored(g) = a;
    assert_eq!(g.len(), s.rows * s.cols, "gemm: matrix is not rows x cols");
    let (n_in, n_out) = match op {
        Op::Mvm => (s.cols, s.rows),
        Op::Vmm => (s.rows, s.cols),
    };
    assert_eq!(xs.len(), s.count * n_in, "gemm: inputs are not count x inputs");
    assert_eq!(out.len(), s.count * n_out, "gemm: outputs are not count x outputs");
    if out.is_empty() {
        return;
    }
    if parallel(s.work()) {
        threads::install(|| on_threads(g, op, s, xs, out, rayon::current_num_threads()));
    } else {
        on_threads(g, op, s, xs, out, 1);
    }
}

/// [`product`] on `threads` threads of the rayon pool it is called in (1: on
/// the calling thread), with the best kernel this CPU runs.
fn on_threads<E: GemmElem>(g: &[E], op: Op, s: Shape, xs: &[E], out: &mut [E], threads: usize) {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    if let Some(instr) = x86::instr_set() {
        x86::product(instr, x86_operands(g, op, s, xs, out), threads);
        return;
    }
    portable(g, op, s, xs, out, threads);
}

/// [`on_threads`] with faer 0.20's GEMM (the `gemm` crate's kernels), for
/// every CPU.
fn portable<E: GemmElem>(g: &[E], op: Op, s: Shape, xs: &[E], out: &mut [E], threads: usize) {
    let gm = from_row_major_slice(g, s.rows, s.cols);
    // The outputs × inputs operand: G for an MVM, Gᵀ for a VMM.
    let lhs = match op {
        Op::Mvm => gm,
        Op::Vmm => gm.transpose(),
    };
    let (n_in, n_out) = (lhs.ncols(), lhs.nrows());
    let xv = from_row_major_slice::<E, usize, usize>(xs, s.count, n_in);
    let dst = from_column_major_slice_mut::<E, usize, usize>(out, n_out, s.count);
    let par = if threads > 1 {
        Parallelism::Rayon(threads)
    } else {
        Parallelism::None
    };
    matmul(dst, lhs, xv.transpose(), None, E::faer_one(), par);
}

/// The operands of [`product`] for the x86 kernels: `G` (MVM) or `Gᵀ`
/// (VMM) times the inputs' columns, into the outputs' columns.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn x86_operands<'a, E>(g: &'a [E], op: Op, s: Shape, xs: &'a [E], out: &'a mut [E]) -> x86::Operands<'a, E> {
    // Element (i, k) of the outputs × inputs operand.
    let (rows, depth, lhs_rs, lhs_cs) = match op {
        Op::Mvm => (s.rows, s.cols, s.cols, 1),
        Op::Vmm => (s.cols, s.rows, 1, s.cols),
    };
    x86::Operands {
        lhs: g,
        lhs_rs,
        lhs_cs,
        rhs: xs,
        rhs_cs: depth,
        dst: out,
        rows,
        depth,
        count: s.count,
    }
}

/// Whether a product of `work` multiply-adds (or a pass over its outputs)
/// runs in xbar's pool.
pub fn parallel(work: usize) -> bool {
    work >= PARALLEL_MIN_WORK
}

/// Elements per task of the element-wise passes over a batch.
const CHUNK: usize = 1 << 14;

/// Runs `f` on matching chunks of `dst` and `src` (equal lengths), in xbar's
/// pool when `par`. Each element is written by one task, so the result does
/// not depend on the thread count.
pub fn for_chunks<A: Send, B: Sync>(par: bool, dst: &mut [A], src: &[B], f: impl Fn(&mut [A], &[B]) + Sync) {
    assert_eq!(dst.len(), src.len(), "gemm: element-wise pass over unequal lengths");
    if !par || dst.len() <= CHUNK {
        f(dst, src);
        return;
    }
    threads::install(|| {
        dst.par_chunks_mut(CHUNK)
            .zip(src.par_chunks(CHUNK))
            .for_each(|(d, s)| f(d, s))
    });
}

/// Runs `f` on chunks of `dst`, in xbar's pool when `par`. Each element is
/// written by one task, so the result does not depend on the thread count.
pub fn for_each_chunk<A: Send>(par: bool, dst: &mut [A], f: impl Fn(&mut [A]) + Sync) {
    if !par || dst.len() <= CHUNK {
        f(dst);
        return;
    }
    threads::install(|| dst.par_chunks_mut(CHUNK).for_each(&f));
}

/// Checks the lengths of a product's operands (real checks: the GEMM views
/// are built from these slices).
fn check<E>(a: &Source<E>, s: Shape, x_ok: bool, y_ok: bool) {
    assert!(x_ok, "gemm: x holds {} vectors of the wrong length", s.count);
    assert!(y_ok, "gemm: y is not count x outputs");
    let Source::Stored(g) = a;
    assert_eq!(g.len(), s.rows * s.cols, "gemm: matrix is not rows x cols");
}

/// The inputs in the product's precision, in a recycled buffer (converted in
/// xbar's pool when `par`; written once, with no zero fill first).
fn convert<E: GemmElem>(x: &[f64], par: bool) -> Vec<E> {
    let mut v = recycle::take(x.len());
    if par && x.len() > CHUNK {
        threads::install(|| v.par_extend(x.par_iter().with_min_len(CHUNK).map(|&x| E::from_f64(x))));
    } else {
        v.extend(x.iter().map(|&x| E::from_f64(x)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            })
            .collect()
    }

    /// The matrix and inputs of one test shape.
    fn operands<E: GemmElem>(op: Op, s: Shape) -> (Vec<E>, Vec<E>, usize) {
        let g: Vec<E> = values(s.rows * s.cols, 1).into_iter().map(E::from_f64).collect();
        let (n_in, n_out) = if op == Op::Mvm {
            (s.cols, s.rows)
        } else {
            (s.rows, s.cols)
        };
        let xs: Vec<E> = values(s.count * n_in, 2).into_iter().map(E::from_f64).collect();
        (g, xs, n_out)
    }

    /// A GEMM as the tests call it: [`on_threads`] or [`portable`].
    type Kernel<E> = fn(&[E], Op, Shape, &[E], &mut [E], usize);

    /// The products of one shape by `kernel` at `threads` threads (0: on the
    /// calling thread).
    fn run<E: GemmElem>(kernel: Kernel<E>, op: Op, s: Shape, threads: usize) -> Vec<u64> {
        let (g, xs, n_out) = operands::<E>(op, s);
        let mut out = vec![E::default(); s.count * n_out];
        if threads == 0 {
            kernel(&g, op, s, &xs, &mut out, 1);
        } else {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| kernel(&g, op, s, &xs, &mut out, threads));
        }
        out.into_iter().map(|v| v.into().to_bits()).collect()
    }

    /// Odd sizes, small batches, sums longer than one panel, a batch of one,
    /// and products of 2 to 48 outputs (another 512-bit `f64` kernel).
    const SHAPES: [(usize, usize, usize); 10] = [
        (300, 280, 9),
        (1024, 1024, 64),
        (1100, 1300, 3),
        (517, 2049, 33),
        (64, 1500, 200),
        (2000, 700, 2),
        (129, 4100, 17),
        (700, 600, 1),
        (40, 900, 37),
        (3, 1030, 70),
    ];

    /// The GEMM's outputs are the same bits on one thread and on 2 or 3
    /// (split over outputs and vectors, never over the summed inputs), for
    /// shapes with odd sizes, small batches and sums longer than one panel:
    /// the kernels this machine uses, and faer 0.20's portable GEMM (which
    /// other machines use).
    #[test]
    fn products_do_not_depend_on_the_thread_count() {
        for (name, k32, k64) in [
            ("used here", on_threads as Kernel<f32>, on_threads as Kernel<f64>),
            ("portable", portable as Kernel<f32>, portable as Kernel<f64>),
        ] {
            for (rows, cols, count) in SHAPES {
                let s = Shape { rows, cols, count };
                for op in [Op::Mvm, Op::Vmm] {
                    let one32 = run::<f32>(k32, op, s, 0);
                    let one64 = run::<f64>(k64, op, s, 0);
                    for t in [1, 2, 3] {
                        assert!(
                            one32 == run::<f32>(k32, op, s, t),
                            "{name}: f32 {op:?} {rows}x{cols} batch {count}, {t} threads"
                        );
                        assert!(
                            one64 == run::<f64>(k64, op, s, t),
                            "{name}: f64 {op:?} {rows}x{cols} batch {count}, {t} threads"
                        );
                    }
                }
            }
        }
    }

    /// The 256-bit and 512-bit x86 kernels give the same bits (where this
    /// CPU runs both), for the shapes of the thread-count test.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn x86_kernels_of_both_widths_agree() {
        use private_gemm_x86::InstrSet;
        if x86::instr_set() != Some(InstrSet::Avx512) {
            eprintln!("skipped: the 512-bit kernels do not run here (no AVX-512F, or a limited address space)");
            return;
        }
        fn bits<E: GemmElem>(instr: InstrSet, op: Op, s: Shape) -> Vec<u64> {
            let (g, xs, n_out) = operands::<E>(op, s);
            let mut out = vec![E::default(); s.count * n_out];
            x86::product(instr, x86_operands(&g, op, s, &xs, &mut out), 1);
            out.into_iter().map(|v| v.into().to_bits()).collect()
        }
        for (rows, cols, count) in SHAPES {
            let s = Shape { rows, cols, count };
            for op in [Op::Mvm, Op::Vmm] {
                assert!(
                    bits::<f32>(InstrSet::Avx256, op, s) == bits::<f32>(InstrSet::Avx512, op, s),
                    "f32 {op:?} {rows}x{cols} batch {count}"
                );
                assert!(
                    bits::<f64>(InstrSet::Avx256, op, s) == bits::<f64>(InstrSet::Avx512, op, s),
                    "f64 {op:?} {rows}x{cols} batch {count}"
                );
            }
        }
    }

    /// `mvm` and `vmm` are the products they name (to the GEMM's rounding).
    #[test]
    fn products_are_the_sums_they_name() {
        let s = Shape {
            rows: 70,
            cols: 90,
            count: 5,
        };
        let g = values(s.rows * s.cols, 3);
        let x = values(s.count * s.cols, 4);
        let mut y = vec![0.0; s.count * s.rows];
        mvm(&Source::Stored(&g[..]), s, &x, &mut y);
        let z = values(s.count * s.rows, 5);
        let mut w = vec![0.0; s.count * s.cols];
        vmm(&Source::Stored(&g[..]), s, &z, &mut w);
        for b in 0..s.count {
            for i in 0..s.rows {
                let want: f64 = (0..s.cols).map(|j| g[i * s.cols + j] * x[b * s.cols + j]).sum();
                // f64 sums of 90 terms of magnitude <= 1: reordering moves ~1e-14 at most.
                assert!((y[b * s.rows + i] - want).abs() < 1e-12, "mvm {b} {i}");
            }
            for j in 0..s.cols {
                let want: f64 = (0..s.rows).map(|i| z[b * s.rows + i] * g[i * s.cols + j]).sum();
                assert!((w[b * s.cols + j] - want).abs() < 1e-12, "vmm {b} {j}");
            }
        }
    }
}
