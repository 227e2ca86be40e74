//! The one-vector MVM tile on x86-64: 8 rows at once, their sums in two
//! AVX2 registers of four rows each, or in one AVX-512 register when the
//! entries are single-precision numbers ([`dots_single_rows`]).
//!
//! A row's entries are contiguous, but its sum must run in input order (see
//! the module above), so SIMD lanes hold different rows: each step loads four
//! consecutive entries of four rows, transposes the 4×4 block in registers and
//! adds column `j`'s four terms to the four rows' sums, then column `j + 1`'s,
//! and so on. The two groups of four rows are independent chains, which hides
//! part of the latency of the additions; more rows at once would be more
//! concurrent memory streams (two per row for a balanced pair) than the
//! hardware prefetchers follow, and measured slower (16 rows: 3× slower). Each term is one rounded product and one
//! rounded sum, as in the scalar tile, so the results are bit-identical to it.

#![cfg(target_arch = "x86_64")]
// Every unsafe operation sits in its own block with the reason it is sound.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use super::{axpy_generic, Row, Sum};
use crate::storage::Stored;
use std::arch::x86_64::*;

/// Entries between prefetches of a row (one 64-byte line of `f32`).
const PREFETCH_EVERY: usize = 16;
/// How far ahead of the loads a row is prefetched, in entries.
const PREFETCH_AHEAD: usize = 128;

/// Rows of one tile.
pub const WIDE_ROWS: usize = 8;

/// Loads of a stored number type.
pub trait Lanes: Sized {
    /// `s[j..j + 4]` as four `f64` lanes.
    ///
    /// # Safety
    /// The CPU has AVX2 and `j + 4 <= s.len()`.
    unsafe fn lanes(s: &[Self], j: usize) -> __m256d;
    /// Asks the cache for the line holding `s[j]` (nothing if `j` is past the end).
    #[inline(always)]
    fn prefetch(s: &[Self], j: usize) {
        if j < s.len() {
            // SAFETY: `j` is in bounds; a prefetch has no other effect.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().add(j) as *const i8) }
        }
    }
    /// `s[j..j + 4]` rounded to four `f32` lanes.
    ///
    /// # Safety
    /// As [`Lanes::lanes`].
    unsafe fn single_lanes(s: &[Self], j: usize) -> __m128;
    /// `s[j..j + 8]` rounded to eight `f32` lanes.
    ///
    /// # Safety
    /// The CPU has AVX2 and `j + 8 <= s.len()`.
    #[inline(always)]
    unsafe fn single_lanes8(s: &[Self], j: usize) -> __m256 {
        // SAFETY: AVX2 and `j + 8 <= s.len()` (the caller's contract) cover
        // both four-entry loads.
        unsafe { _mm256_set_m128(Self::single_lanes(s, j + 4), Self::single_lanes(s, j)) }
    }
    /// Whether the numbers are `f32` (so [`Lanes::single_lanes8`] is exact).
    const SINGLE: bool;
}

impl Lanes for f64 {
    const SINGLE: bool = false;
    #[inline(always)]
    unsafe fn lanes(s: &[f64], j: usize) -> __m256d {
        debug_assert!(j + 4 <= s.len());
        // SAFETY: the caller guarantees AVX2 and that `s[j..j + 4]` is in bounds.
        unsafe { _mm256_loadu_pd(s.as_ptr().add(j)) }
    }
    #[inline(always)]
    unsafe fn single_lanes(s: &[f64], j: usize) -> __m128 {
        // SAFETY: as `lanes`, under the same contract.
        unsafe { _mm256_cvtpd_ps(Self::lanes(s, j)) }
    }
}

impl Lanes for f32 {
    const SINGLE: bool = true;
    #[inline(always)]
    unsafe fn lanes(s: &[f32], j: usize) -> __m256d {
        // SAFETY: the caller guarantees AVX2 and that `s[j..j + 4]` is in bounds.
        unsafe { _mm256_cvtps_pd(Self::single_lanes(s, j)) }
    }
    #[inline(always)]
    unsafe fn single_lanes(s: &[f32], j: usize) -> __m128 {
        debug_assert!(j + 4 <= s.len());
        // SAFETY: the caller guarantees that `s[j..j + 4]` is in bounds (SSE is baseline on x86-64).
        unsafe { _mm_loadu_ps(s.as_ptr().add(j)) }
    }
    #[inline(always)]
    unsafe fn single_lanes8(s: &[f32], j: usize) -> __m256 {
        debug_assert!(j + 8 <= s.len());
        // SAFETY: the caller guarantees AVX2 and that `s[j..j + 8]` is in bounds.
        unsafe { _mm256_loadu_ps(s.as_ptr().add(j)) }
    }
}

/// Four consecutive entries of a row as four `f64` lanes.
pub trait Load4: Row {
    /// Entries `j..j + 4`.
    ///
    /// # Safety
    /// The CPU has AVX2 and `j + 4 <= self.width()`.
    unsafe fn load4(self, j: usize) -> __m256d;
    /// Whether every entry is a single-precision number, so that
    /// [`Load4::load8_single`] gives it exactly.
    const SINGLE_ENTRIES: bool;
    /// Entries `j..j + 8` in single precision (exact when [`Load4::SINGLE_ENTRIES`]).
    ///
    /// # Safety
    /// The CPU has AVX2 and `j + 8 <= self.width()`.
    unsafe fn load8_single(self, j: usize) -> __m256;
    /// Asks the cache for entry `j` (see [`Lanes::prefetch`]).
    fn prefetch(self, j: usize);
    /// Asks the cache for every entry.
    fn prefetch_all(self);
}

impl<T: Stored> Load4 for &[T] {
    #[inline(always)]
    unsafe fn load4(self, j: usize) -> __m256d {
        // SAFETY: the caller's contract is `lanes`' (AVX2, `j + 4 <= len`).
        unsafe { T::lanes(self, j) }
    }
    const SINGLE_ENTRIES: bool = T::SINGLE;
    #[inline(always)]
    unsafe fn load8_single(self, j: usize) -> __m256 {
        // SAFETY: the caller's contract is `single_lanes8`' (AVX2, `j + 8 <= len`).
        unsafe { T::single_lanes8(self, j) }
    }
    #[inline(always)]
    fn prefetch(self, j: usize) {
        T::prefetch(self, j)
    }
    #[inline(always)]
    fn prefetch_all(self) {
        for j in (0..self.len()).step_by(64 / std::mem::size_of::<T>()) {
            T::prefetch(self, j);
        }
    }
}

impl<T: Stored, const SINGLE: bool> Load4 for super::DiffRow<'_, T, SINGLE> {
    #[inline(always)]
    unsafe fn load4(self, j: usize) -> __m256d {
        let (p, n) = self.parts();
        // SAFETY: `p` and `n` are rows of one width (`Diff::row` slices both
        // with the same range), and the caller guarantees AVX2 and `j + 4 <= width`.
        unsafe {
            if SINGLE {
                _mm256_cvtps_pd(_mm_sub_ps(T::single_lanes(p, j), T::single_lanes(n, j)))
            } else {
                _mm256_sub_pd(T::lanes(p, j), T::lanes(n, j))
            }
        }
    }
    const SINGLE_ENTRIES: bool = SINGLE;
    #[inline(always)]
    unsafe fn load8_single(self, j: usize) -> __m256 {
        let (p, n) = self.parts();
        // SAFETY: as `load4`, for `j + 8 <= width`.
        unsafe { _mm256_sub_ps(T::single_lanes8(p, j), T::single_lanes8(n, j)) }
    }
    #[inline(always)]
    fn prefetch(self, j: usize) {
        let (p, n) = self.parts();
        T::prefetch(p, j);
        T::prefetch(n, j);
    }
    #[inline(always)]
    fn prefetch_all(self) {
        let (p, n) = self.parts();
        p.prefetch_all();
        n.prefetch_all();
    }
}

/// `Σ_j term(rows[r][j], x[j])` in `j` order for each of the [`WIDE_ROWS`] rows,
/// `term` the product or its square. Callable where the CPU has AVX2.
///
/// # Panics
/// If a row's width is not `x.len()`.
#[target_feature(enable = "avx2")]
pub fn dots<R: Load4>(rows: &[R; WIDE_ROWS], x: &[f64], sum: Sum) -> [f64; WIDE_ROWS] {
    assert!(
        rows.iter().all(|r| r.width() == x.len()),
        "wide: rows and x differ in width"
    );
    match sum {
        Sum::Linear => dots_of::<R, false>(rows, x),
        Sum::Squares => dots_of::<R, true>(rows, x),
    }
}

/// [`dots`] of the products (`SQUARES` false) or of their squares.
#[inline]
#[target_feature(enable = "avx2")]
fn dots_of<R: Load4, const SQUARES: bool>(rows: &[R; WIDE_ROWS], x: &[f64]) -> [f64; WIDE_ROWS] {
    let cols = x.len();
    let mut acc = [_mm256_setzero_pd(); WIDE_ROWS / 4];
    let mut j = 0;
    while j + 4 <= cols {
        if j % PREFETCH_EVERY == 0 {
            for r in rows {
                r.prefetch(j + PREFETCH_AHEAD);
            }
        }
        let xs = [
            _mm256_broadcast_sd(&x[j]),
            _mm256_broadcast_sd(&x[j + 1]),
            _mm256_broadcast_sd(&x[j + 2]),
            _mm256_broadcast_sd(&x[j + 3]),
        ];
        for (g, acc) in acc.iter_mut().enumerate() {
            let r = &rows[4 * g..4 * g + 4];
            // SAFETY: AVX2 is enabled here, every row is `cols` wide (asserted by
            // `dots`) and `j + 4 <= cols`.
            let (a, b, c, d) = unsafe { (r[0].load4(j), r[1].load4(j), r[2].load4(j), r[3].load4(j)) };
            // Lanes of t[k]: entry j + k of rows 4g..4g + 4.
            let (ab_lo, ab_hi) = (_mm256_unpacklo_pd(a, b), _mm256_unpackhi_pd(a, b));
            let (cd_lo, cd_hi) = (_mm256_unpacklo_pd(c, d), _mm256_unpackhi_pd(c, d));
            let t = [
                _mm256_permute2f128_pd::<0x20>(ab_lo, cd_lo),
                _mm256_permute2f128_pd::<0x20>(ab_hi, cd_hi),
                _mm256_permute2f128_pd::<0x31>(ab_lo, cd_lo),
                _mm256_permute2f128_pd::<0x31>(ab_hi, cd_hi),
            ];
            for (t, xk) in t.iter().zip(&xs) {
                let p = _mm256_mul_pd(*t, *xk);
                let term = if SQUARES { _mm256_mul_pd(p, p) } else { p };
                *acc = _mm256_add_pd(*acc, term);
            }
        }
        j += 4;
    }
    let mut out = [0.0; WIDE_ROWS];
    for (g, acc) in acc.iter().enumerate() {
        // SAFETY: `out[4g..4g + 4]` is in bounds (`4g + 4 <= WIDE_ROWS`).
        unsafe { _mm256_storeu_pd(out[4 * g..4 * g + 4].as_mut_ptr(), *acc) };
    }
    add_remaining_columns::<R, SQUARES>(&mut out, rows, x, j);
    out
}

/// Adds the terms of columns `j..` (those a vector step left) to the rows'
/// sums `out`, in column order.
#[inline(always)]
fn add_remaining_columns<R: Load4, const SQUARES: bool>(
    out: &mut [f64; WIDE_ROWS],
    rows: &[R; WIDE_ROWS],
    x: &[f64],
    j: usize,
) {
    for (s, row) in out.iter_mut().zip(rows) {
        for (k, &xk) in x.iter().enumerate().skip(j) {
            let p = row.at(k) * xk;
            *s += if SQUARES { p * p } else { p };
        }
    }
}

/// [`dots`] for rows of single-precision entries ([`Load4::SINGLE_ENTRIES`])
/// with AVX-512: one 512-bit register holds the eight rows' sums, and each
/// step transposes an 8 × 8 block of single-precision entries (eight
/// entries of each row), then adds its eight columns in order: fewer
/// shuffles per term than the 4 × 4 double-precision transposes of [`dots`],
/// the same rounded products and sums, so the same bits.
///
/// Callable where the CPU has AVX-512F and AVX2; exact when
/// `R::SINGLE_ENTRIES` holds (other entries would be rounded to `f32`).
///
/// # Panics
/// If a row's width is not `x.len()`.
#[target_feature(enable = "avx2,avx512f")]
pub fn dots_single_rows<R: Load4>(rows: &[R; WIDE_ROWS], x: &[f64], sum: Sum) -> [f64; WIDE_ROWS] {
    debug_assert!(R::SINGLE_ENTRIES);
    assert!(
        rows.iter().all(|r| r.width() == x.len()),
        "wide: rows and x differ in width"
    );
    match sum {
        Sum::Linear => dots_single_rows_of::<R, false>(rows, x),
        Sum::Squares => dots_single_rows_of::<R, true>(rows, x),
    }
}

/// [`dots_single_rows`] of the products (`SQUARES` false) or of their squares.
#[inline]
#[target_feature(enable = "avx2,avx512f")]
fn dots_single_rows_of<R: Load4, const SQUARES: bool>(rows: &[R; WIDE_ROWS], x: &[f64]) -> [f64; WIDE_ROWS] {
    let cols = x.len();
    let mut acc = _mm512_setzero_pd();
    let mut j = 0;
    while j + 8 <= cols {
        if j % PREFETCH_EVERY == 0 {
            for r in rows {
                r.prefetch(j + PREFETCH_AHEAD);
            }
        }
        // SAFETY: AVX2 is enabled here, every row is `cols` wide (asserted by
        // `dots_single_rows`) and `j + 8 <= cols`.
        let e: [__m256; WIDE_ROWS] = std::array::from_fn(|r| unsafe { rows[r].load8_single(j) });
        // Pairs, then quadruples of rows: q[k] holds entry k of rows 0–3 and
        // entry k + 4 of rows 0–3 (likewise rows 4–7 in q[k + 4]).
        let pair = |a: __m256, b: __m256| (_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
        let (p01l, p01h) = pair(e[0], e[1]);
        let (p23l, p23h) = pair(e[2], e[3]);
        let (p45l, p45h) = pair(e[4], e[5]);
        let (p67l, p67h) = pair(e[6], e[7]);
        let q = [
            _mm256_shuffle_ps::<0x44>(p01l, p23l),
            _mm256_shuffle_ps::<0xEE>(p01l, p23l),
            _mm256_shuffle_ps::<0x44>(p01h, p23h),
            _mm256_shuffle_ps::<0xEE>(p01h, p23h),
            _mm256_shuffle_ps::<0x44>(p45l, p67l),
            _mm256_shuffle_ps::<0xEE>(p45l, p67l),
            _mm256_shuffle_ps::<0x44>(p45h, p67h),
            _mm256_shuffle_ps::<0xEE>(p45h, p67h),
        ];
        for k in 0..8 {
            let (lo, hi) = (q[k % 4], q[k % 4 + 4]);
            // Entry j + k of the eight rows.
            let column = if k < 4 {
                _mm256_permute2f128_ps::<0x20>(lo, hi)
            } else {
                _mm256_permute2f128_ps::<0x31>(lo, hi)
            };
            let p = _mm512_mul_pd(_mm512_cvtps_pd(column), _mm512_set1_pd(x[j + k]));
            let term = if SQUARES { _mm512_mul_pd(p, p) } else { p };
            acc = _mm512_add_pd(acc, term);
        }
        j += 8;
    }
    let mut out = [0.0; WIDE_ROWS];
    // SAFETY: `out` holds the eight lanes of `acc`.
    unsafe { _mm512_storeu_pd(out.as_mut_ptr(), acc) };
    add_remaining_columns::<R, SQUARES>(&mut out, rows, x, j);
    out
}

/// `out[k] += term(x, seg[k])` for every entry of the segment, four at a
/// time (each output is its own sum: lanes never mix).
///
/// Callable where the CPU has AVX2.
///
/// # Panics
/// If `out` is shorter than the segment.
#[target_feature(enable = "avx2")]
pub fn axpy<R: Load4>(x: f64, seg: R, out: &mut [f64], sum: Sum) {
    let n = seg.width();
    let out = &mut out[..n];
    let xv = _mm256_set1_pd(x);
    let squares = sum == Sum::Squares;
    let mut k = 0;
    while k + 4 <= n {
        // SAFETY: AVX2 is enabled here and `k + 4 <= n`, the width of `seg` and of `out`.
        unsafe {
            let p = _mm256_mul_pd(xv, seg.load4(k));
            let term = if squares { _mm256_mul_pd(p, p) } else { p };
            let o = out.as_mut_ptr().add(k);
            _mm256_storeu_pd(o, _mm256_add_pd(_mm256_loadu_pd(o), term));
        }
        k += 4;
    }
    axpy_generic(x, seg.segment(k, n - k), &mut out[k..], sum);
}
