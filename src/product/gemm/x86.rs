//! The static product on x86-64 Linux CPUs with AVX2 and FMA: the `private-gemm-x86`
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
//! **Memory.** The kernel packs operands into a per-thread buffer that it
//! reserves at twice the last-level cache's size (address space; only the
//! pages a product packs into are touched), and a failed reservation would
//! abort the process. So these kernels run only where the reservation cannot
//! be refused for want of address space: no `RLIMIT_AS` limit and no strict
//! overcommit accounting (`vm.overcommit_memory = 2`). Elsewhere the caller
//! takes faer 0.20's GEMM.

use super::GemmElem;
use private_gemm_x86::{gemm, Accum, DstKind, IType, InstrSet};
use std::sync::OnceLock;

/// The kernels the static product uses here: the widest this CPU runs, or
/// `None` without AVX2 and FMA, or where the address space is limited
/// ([`reservable`]). Decided once per process.
pub fn instr_set() -> Option<InstrSet> {
    static CHOICE: OnceLock<Option<InstrSet>> = OnceLock::new();
    *CHOICE.get_or_init(|| cpu_instr_set().filter(|_| reservable(address_space_limit(), overcommit_mode())))
}

/// The widest kernel this CPU runs, or `None` without AVX2 and FMA.
pub fn cpu_instr_set() -> Option<InstrSet> {
    if std::arch::is_x86_feature_detected!("avx512f") {
        Some(InstrSet::Avx512)
    } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        Some(InstrSet::Avx256)
    } else {
        None
    }
}

/// Whether the kernels' packing buffers can be reserved without risk of a
/// refusal: the process's address space is unlimited (`limit`: the soft
/// `RLIMIT_AS`, `None` when unlimited) and the kernel does not account
/// every reservation against a commit limit (`overcommit`: the
/// `vm.overcommit_memory` mode, `None` when unknown).
pub fn reservable(limit: Option<u64>, overcommit: Option<u8>) -> bool {
    limit.is_none() && overcommit != Some(2)
}

/// The soft `RLIMIT_AS` in bytes, `None` when unlimited (or unreadable,
/// which `getrlimit` reports only for a bad argument).
fn address_space_limit() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes one `rlimit` through a pointer to a live,
    // properly aligned local; `RLIMIT_AS` is a valid resource.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) } == 0;
    (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
}

/// The `vm.overcommit_memory` mode, `None` when it cannot be read.
fn overcommit_mode() -> Option<u8> {
    std::fs::read_to_string("/proc/sys/vm/overcommit_memory")
        .ok()?
        .trim()
        .parse()
        .ok()
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
        cpu_instr_set().is_some_and(|best| best == InstrSet::Avx512 || instr == InstrSet::Avx256),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernels run only with an unlimited address space and without
    /// strict overcommit accounting.
    #[test]
    fn kernels_need_an_unlimited_address_space() {
        assert!(reservable(None, Some(0)));
        assert!(reservable(None, Some(1)));
        assert!(reservable(None, None));
        assert!(!reservable(None, Some(2)));
        assert!(!reservable(Some(64 << 30), Some(0)));
        // This process's own limits are read without error.
        let _ = (address_space_limit(), overcommit_mode());
    }
}
