//! The static product on x86-64 CPUs with AVX2 and FMA: the `private-gemm-x86`
//! kernels (the GEMM of faer's current line), with 512-bit kernels where the
//! CPU has AVX-512F and 256-bit ones otherwise.
//!
//! **Same bits on every such CPU.** The kernel sums each output over the
//! inputs in panels of `kc = min(inputs, 512)`, each panel in input order with
//! one fused multiply-add per term, the panels added in order into the output.
//! Neither the panel length nor the order depends on the thread count, the
//! cache sizes or the vector width, so the 256-bit and 512-bit kernels give
//! the same bits at any thread count (tested below on the CPU at hand).
//!
//! **Memory.** The kernel packs operands into a per-thread buffer reserved at
//! twice the last-level cache's size (address space; only the pages a product
//! packs into are touched).

use super::GemmElem;
use private_gemm_x86::{gemm, Accum, DstKind, IType, InstrSet};

/// The widest kernel this CPU runs, or `None` without AVX2 and FMA.
pub fn instr_set() -> Option<InstrSet> {
    if std::arch::is_x86_feature_detected!("avx512f") {
        Some(InstrSet::Avx512)
    } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        Some(InstrSet::Avx256)
    } else {
        None
    }
}

/// One column-major `rows × count` product `dst = lhs · rhs` of strided
/// operands (strides in elements), on `threads` threads of the current pool.
pub struct Operands<'a, E> {
    /// `rows × depth`, element `(i, k)` at `i·lhs_rs + k·lhs_cs`.
    pub lhs: &'a [E],
    pub lhs_rs: usize,
    pub lhs_cs: usize,
    /// `depth × count`, element `(k, b)` at `b·rhs_cs + k` (columns contiguous).
    pub rhs: &'a [E],
    pub rhs_cs: usize,
    /// `rows × count`, element `(i, b)` at `b·rows + i`.
    pub dst: &'a mut [E],
    pub rows: usize,
    pub depth: usize,
    pub count: usize,
}

/// Runs the product of `o` with the kernels of `instr` on `threads` threads
/// (of the rayon pool the caller runs in; 1: on the calling thread).
///
/// # Panics
/// If an operand is shorter than its shape and strides imply, or if `instr`
/// is wider than [`instr_set`] allows on this CPU.
pub fn product<E: GemmElem>(instr: InstrSet, o: Operands<'_, E>, threads: usize) {
    let Operands {
        lhs,
        lhs_rs,
        lhs_cs,
        rhs,
        rhs_cs,
        dst,
        rows,
        depth,
        count,
    } = o;
    if rows == 0 || count == 0 {
        return;
    }
    if depth == 0 {
        // Empty sums (the kernel leaves `dst` unwritten for these).
        dst[..rows * count].fill(E::from_f64(0.0));
        return;
    }
    assert!(
        instr_set().is_some_and(|best| best == InstrSet::Avx512 || instr == InstrSet::Avx256),
        "gemm: this CPU does not run the {instr:?} kernels"
    );
    // The last element each operand is read or written at.
    let last = |a: usize, sa: usize, b: usize, sb: usize| (a - 1) * sa + (b - 1) * sb;
    assert!(last(rows, lhs_rs, depth, lhs_cs) < lhs.len(), "gemm: lhs too short");
    assert!(last(depth, 1, count, rhs_cs) < rhs.len(), "gemm: rhs too short");
    assert!(last(rows, 1, count, rows) < dst.len(), "gemm: dst too short");
    let one = E::from_f64(1.0);
    // SAFETY: every element the kernel reads (`lhs` at (i, k), `rhs` at (k, b)
    // for i < rows, k < depth, b < count) and writes (`dst` at (i, b)) lies
    // inside its slice (checked above); `E` is `f32` or `f64`, matching
    // `E::X86_DTYPE`; the CPU runs `instr`'s instructions (checked above); `dst` is
    // borrowed mutably, so it overlaps neither input; the null index and
    // diagonal pointers select the plain dense product, which the kernel
    // defines for them; `alpha` points at an `E` that outlives the call.
    unsafe {
        gemm(
            E::X86_DTYPE,
            IType::U64,
            instr,
            rows,
            count,
            depth,
            dst.as_mut_ptr().cast(),
            1,
            rows as isize,
            core::ptr::null(),
            core::ptr::null(),
            DstKind::Full,
            Accum::Replace,
            lhs.as_ptr().cast(),
            lhs_rs as isize,
            lhs_cs as isize,
            false,
            core::ptr::null(),
            0,
            rhs.as_ptr().cast(),
            1,
            rhs_cs as isize,
            false,
            (&one as *const E).cast(),
            threads.max(1),
        );
    }
}
