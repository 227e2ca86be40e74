//! Counter-based random streams built on Philox4x32-10.
//!
//! Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
//! 1, 2, 3", SC'11) is a keyed bijection on 128-bit counters. A random number is a
//! *pure function* of (key, counter): there is no hidden state to advance. That is
//! why the simulator uses it for every stochastic effect:
//!
//! * element `i` of a draw has the same bits whether the draw is computed on one
//!   thread, on sixteen threads in any chunking, or in any order of evaluation;
//! * the same function is a few lines of CUDA (two `__umulhi` and a handful of XORs
//!   per round), so a GPU backend reproduces the CPU bits exactly.
//!
//! # Round function
//!
//! With multipliers `M0 = 0xD2511F53`, `M1 = 0xCD9E8D57`, one round maps the counter
//! `(c0, c1, c2, c3)` and key `(k0, k1)` to
//!
//! ```text
//! (hi(M1*c2) ^ c1 ^ k0,  lo(M1*c2),  hi(M0*c0) ^ c3 ^ k1,  lo(M0*c0))
//! ```
//!
//! where `hi`/`lo` are the upper/lower 32 bits of the 64-bit product. Between rounds
//! the key is bumped by the Weyl increments `k0 += 0x9E3779B9`, `k1 += 0xBB67AE85`
//! (wrapping). Ten rounds are applied.
//!
//! # Stream identity and counter packing
//!
//! A [`Stream`] is identified by `(seed: u64, array: u32, purpose: Purpose, call: u64)`.
//! Element `i` of the stream is one full Philox block:
//!
//! ```text
//! key     = [seed as u32, (seed >> 32) as u32]
//! counter = [i as u32, array, (purpose << 24) | ((call >> 32) & 0xFF_FFFF), call as u32]
//! ```
//!
//! The packing is injective, so distinct `(array, purpose, call, i)` never share a
//! block under the same seed. Limits: element indices `i < 2^32` and call counters
//! `call < 2^56`; both are checked (panic) rather than silently wrapped into another
//! stream. Each element owns its own block of four words, which keeps every derived
//! value (`u32`, uniform, normal) a function of element `i` alone.

/// Philox multiplier applied to counter word 0.
const M0: u32 = 0xD251_1F53;
/// Philox multiplier applied to counter word 2.
const M1: u32 = 0xCD9E_8D57;
/// Weyl increment for key word 0 (golden ratio).
const W0: u32 = 0x9E37_79B9;
/// Weyl increment for key word 1 (sqrt(3) - 1).
const W1: u32 = 0xBB67_AE85;
/// Number of Philox rounds.
const ROUNDS: usize = 10;

/// Largest call counter (exclusive) that fits the counter packing: `2^56`.
pub const MAX_CALL: u64 = 1 << 56;
/// Largest element index (exclusive) that fits the counter packing: `2^32`.
pub const MAX_INDEX: u64 = 1 << 32;

const TWO_POW_M32: f64 = 1.0 / 4294967296.0;

#[inline(always)]
fn mul_hi_lo(a: u32, b: u32) -> (u32, u32) {
    let p = u64::from(a) * u64::from(b);
    ((p >> 32) as u32, p as u32)
}

#[inline(always)]
fn round(c: [u32; 4], k: [u32; 2]) -> [u32; 4] {
    let (hi0, lo0) = mul_hi_lo(M0, c[0]);
    let (hi1, lo1) = mul_hi_lo(M1, c[2]);
    [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0]
}

/// Philox4x32-10: encrypt the 128-bit `counter` under the 64-bit `key`.
///
/// Ten rounds of [the round function](self#round-function), with the key bumped by
/// the Weyl increments between consecutive rounds.
#[inline]
pub fn philox4x32(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for r in 0..ROUNDS {
        if r > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        c = round(c, k);
    }
    c
}

/// [`philox4x32`] of the four counters `[c0 + l, c1, c2, c3]`, `l = 0..4`, written
/// lane-parallel (structure of arrays) so that the compiler can run the four
/// encryptions in SIMD registers. `out[l]` is the block of counter `c0 + l`.
#[inline(always)]
pub fn philox4x32_lanes(counter: [u32; 4], key: [u32; 2]) -> [[u32; 4]; 4] {
    // c[word][lane]
    let mut c = [
        std::array::from_fn(|l| counter[0].wrapping_add(l as u32)),
        [counter[1]; 4],
        [counter[2]; 4],
        [counter[3]; 4],
    ];
    let mut k = key;
    for r in 0..ROUNDS {
        if r > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let mut next = [[0u32; 4]; 4];
        for l in 0..4 {
            let p0 = u64::from(M0) * u64::from(c[0][l]);
            let p1 = u64::from(M1) * u64::from(c[2][l]);
            next[0][l] = ((p1 >> 32) as u32) ^ c[1][l] ^ k[0];
            next[1][l] = p1 as u32;
            next[2][l] = ((p0 >> 32) as u32) ^ c[3][l] ^ k[1];
            next[3][l] = p0 as u32;
        }
        c = next;
    }
    std::array::from_fn(|l| [c[0][l], c[1][l], c[2][l], c[3][l]])
}

/// [`philox4x32_lanes`] with AVX2 instructions: the four counters sit in the
/// four 64-bit lanes of each word's register, so that one `vpmuludq` makes
/// the four 32 × 32 → 64-bit products of a round (the compiler does not find
/// this form by itself).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn philox4x32_lanes_avx2(counter: [u32; 4], key: [u32; 2]) -> [[u32; 4]; 4] {
    use std::arch::x86_64::*;
    let lanes = |v: [u32; 4]| _mm256_set_epi64x(v[3] as i64, v[2] as i64, v[1] as i64, v[0] as i64);
    let splat = |v: u32| _mm256_set1_epi64x(v as i64);
    let low = _mm256_set1_epi64x(0xFFFF_FFFF);
    let (m0, m1) = (splat(M0), splat(M1));
    let mut c0 = lanes(std::array::from_fn(|l| counter[0].wrapping_add(l as u32)));
    let (mut c1, mut c2, mut c3) = (splat(counter[1]), splat(counter[2]), splat(counter[3]));
    let mut k = key;
    for r in 0..ROUNDS {
        if r > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let p0 = _mm256_mul_epu32(m0, c0);
        let p1 = _mm256_mul_epu32(m1, c2);
        let n0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64::<32>(p1), c1), splat(k[0]));
        let n2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64::<32>(p0), c3), splat(k[1]));
        (c0, c1, c2, c3) = (n0, _mm256_and_si256(p1, low), n2, _mm256_and_si256(p0, low));
    }
    let mut w = [[0u64; 4]; 4];
    for (w, c) in w.iter_mut().zip([c0, c1, c2, c3]) {
        // SAFETY: `w` is 32 bytes, an unaligned store is allowed.
        unsafe { _mm256_storeu_si256(w.as_mut_ptr().cast(), c) };
    }
    std::array::from_fn(|l| [w[0][l] as u32, w[1][l] as u32, w[2][l] as u32, w[3][l] as u32])
}

/// The standard normal quantile `Φ⁻¹(p)` for `p` in (0, 1), by Acklam's
/// rational approximation (relative error below 1.2e-9): a rational function
/// of `p - 1/2` in the centre (0.02425 ≤ p ≤ 0.97575) and of
/// `sqrt(-2 ln p)` in the tails.
#[inline]
pub fn inverse_normal_cdf(p: f64) -> f64 {
    if p < P_LOW {
        acklam_tail(p)
    } else if p <= 1.0 - P_LOW {
        acklam_centre(p)
    } else {
        -acklam_tail(1.0 - p)
    }
}

/// `out[k] = Φ⁻¹(out[k])` for every element, bit-identical to
/// [`inverse_normal_cdf`]: the centre formula runs over the whole slice as one
/// branch-free (vectorisable) loop, then the few tail elements (4.85 % on
/// average) are redone with the tail formula. Inlined into the instruction-set
/// variants of [`Stream::fill_dense`].
#[inline(always)]
fn inverse_normal_cdf_slice(out: &mut [f64]) {
    const CHUNK: usize = 64;
    let mut p = [0.0; CHUNK];
    for chunk in out.chunks_mut(CHUNK) {
        let p = &mut p[..chunk.len()];
        p.copy_from_slice(chunk);
        for (o, &p) in chunk.iter_mut().zip(p.iter()) {
            *o = acklam_centre(p);
        }
        for (o, &p) in chunk.iter_mut().zip(p.iter()) {
            if p < P_LOW {
                *o = acklam_tail(p);
            } else if p > 1.0 - P_LOW {
                *o = -acklam_tail(1.0 - p);
            }
        }
    }
}

/// Where Acklam's approximation switches to its tail formula.
const P_LOW: f64 = 0.02425;

/// Acklam's centre formula, a rational function of `q = p - 1/2`.
#[inline(always)]
#[allow(clippy::excessive_precision)] // the published coefficients, digit for digit
fn acklam_centre(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383577518672690e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    let q = p - 0.5;
    let r = q * q;
    (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
        / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
}

/// Acklam's lower-tail formula, a rational function of `sqrt(-2 ln p)`.
#[inline]
#[allow(clippy::excessive_precision)] // the published coefficients, digit for digit
fn acklam_tail(p: f64) -> f64 {
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    let q = (-2.0 * p.ln()).sqrt();
    (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
        / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
}

/// The standard normal of one word in the dense layout: `Φ⁻¹((w + 1/2)·2^-32)`.
#[inline]
pub fn dense_normal(w: u32) -> f64 {
    inverse_normal_cdf((w as f64 + 0.5) * TWO_POW_M32)
}

/// What a random draw is for. The numeric value is part of the stream identity
/// (it is packed into counter word 2), so these values are stable and must never be
/// renumbered: changing one changes every draw made for that purpose.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Write (programming) error of conductances.
    ProgrammingError = 1,
    /// Per-read conductance noise.
    ReadNoise = 2,
    /// Conductance drift randomness.
    Drift = 3,
    /// Static ADC mismatch (gain/offset per converter).
    AdcMismatch = 4,
    /// Stochastic ADC rounding.
    AdcRounding = 5,
    /// Stochastic weight updates.
    Update = 6,
    /// Read noise accumulated while a programmed device drifts (drawn per `set_time`).
    DriftReadNoise = 7,
    /// Pulse trains of a pulsed (stochastic) update.
    PulseTrain = 8,
    /// Device-to-device parameters of pulsed devices (fixed per cell for a core's life).
    DeviceToDevice = 9,
    /// Stochastic rounding of the update vectors x and d.
    UpdateRounding = 10,
}

/// One counter-based random stream, identified by `(seed, array, purpose, call)`.
///
/// All accessors take `&self` and are pure: element `i` depends only on the stream
/// identity and `i`, never on thread count, chunking, or evaluation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stream {
    key: [u32; 2],
    array: u32,
    /// `(purpose << 24) | ((call >> 32) & 0xFF_FFFF)`.
    word2: u32,
    /// `call as u32`.
    word3: u32,
}

/// `2^-53`, the spacing of the 53-bit uniforms.
const INV_2_53: f64 = 1.0 / 9_007_199_254_740_992.0;

#[inline(always)]
fn uniform53(a: u32, b: u32) -> f64 {
    // 32 bits of `a` on top, the upper 21 bits of `b` below: a 53-bit integer in [0, 2^53).
    let m = (u64::from(a) << 21) | u64::from(b >> 11);
    m as f64 * INV_2_53
}

impl Stream {
    /// The stream for core `seed`, crossbar `array`, `purpose`, and the `call`-th
    /// invocation (e.g. the MVM call number for read noise).
    ///
    /// # Panics
    /// If `call >= 2^56` ([`MAX_CALL`]); such a call counter does not fit the packing.
    pub fn new(seed: u64, array: u32, purpose: Purpose, call: u64) -> Self {
        assert!(call < MAX_CALL, "rng: call counter {call} exceeds 2^56");
        Stream {
            key: [seed as u32, (seed >> 32) as u32],
            array,
            word2: ((purpose as u32) << 24) | (((call >> 32) as u32) & 0x00FF_FFFF),
            word3: call as u32,
        }
    }

    /// The stream of the same seed and array for `purpose` and `call`.
    pub fn sibling(&self, purpose: Purpose, call: u64) -> Stream {
        Stream {
            key: self.key,
            array: self.array,
            ..Stream::new(0, 0, purpose, call)
        }
    }

    /// The array (crossbar id) this stream belongs to.
    pub fn array(&self) -> u32 {
        self.array
    }

    /// The call counter of this stream.
    pub fn call(&self) -> u64 {
        (u64::from(self.word2 & 0x00FF_FFFF) << 32) | u64::from(self.word3)
    }

    /// The Philox block owned by element `i`.
    ///
    /// # Panics
    /// If `i >= 2^32` ([`MAX_INDEX`]).
    #[inline]
    pub fn block_at(&self, i: u64) -> [u32; 4] {
        assert!(i < MAX_INDEX, "rng: element index {i} exceeds 2^32");
        philox4x32([i as u32, self.array, self.word2, self.word3], self.key)
    }

    /// The blocks of elements `i..i + 4` ([`Stream::block_at`] of each).
    ///
    /// # Panics
    /// If `i + 3 >= 2^32` ([`MAX_INDEX`]).
    #[inline(always)]
    pub fn blocks4_at(&self, i: u64) -> [[u32; 4]; 4] {
        assert!(i + 3 < MAX_INDEX, "rng: element index {} exceeds 2^32", i + 3);
        philox4x32_lanes([i as u32, self.array, self.word2, self.word3], self.key)
    }

    /// Uniform 32-bit word for element `i`: word 0 of its block.
    #[inline]
    pub fn u32_at(&self, i: u64) -> u32 {
        self.block_at(i)[0]
    }

    /// Uniform in `[0, 1)` with 53 random bits for element `i`:
    /// `((w0 << 21) | (w1 >> 11)) * 2^-53`, with `w0, w1` words 0 and 1 of its block.
    #[inline]
    pub fn uniform_at(&self, i: u64) -> f64 {
        let b = self.block_at(i);
        uniform53(b[0], b[1])
    }

    /// Standard normal for element `i` via Box-Muller:
    /// `sqrt(-2 ln u1) * cos(2 pi u2)` with `u1 = 1 - U(w0, w1)` in `(0, 1]` (so
    /// `ln` never sees 0; the largest magnitude is about 8.57) and `u2 = U(w2, w3)`
    /// in `[0, 1)`, all four words from element `i`'s block. The sine partner is
    /// discarded so that each element is independent of its neighbours.
    #[inline]
    pub fn normal_at(&self, i: u64) -> f64 {
        let b = self.block_at(i);
        let u1 = 1.0 - uniform53(b[0], b[1]);
        let u2 = uniform53(b[2], b[3]);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Four standard normals from block `blk` (the "dense" layout used for
    /// per-cell noise, four draws per Philox block): each word `w` gives
    /// `Φ⁻¹((w + 1/2)·2^-32)` through [`inverse_normal_cdf`], so every draw
    /// is a function of one word and the largest magnitude is about 6.3.
    #[inline]
    pub fn normals4(&self, blk: u64) -> [f64; 4] {
        self.block_at(blk).map(dense_normal)
    }

    /// `out[j]` = dense draw `start + j`: word `w`, number `k mod 4` of block
    /// `k / 4` for `k = start + j`, as a normal `Φ⁻¹((w + 1/2)·2^-32)` (the
    /// values of `normals4`, `normal = true`) or as a uniform `w·2^-32`.
    ///
    /// # Panics
    /// If a block index reaches `2^32` (dense indices below `2^34` are fine).
    pub fn fill_dense(&self, start: u64, out: &mut [f64], normal: bool) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 (checked just above).
                return unsafe { self.fill_dense_avx2(start, out, normal) };
            }
        }
        self.fill_dense_with(start, out, normal, |i| self.blocks4_at(i))
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn fill_dense_avx2(&self, start: u64, out: &mut [f64], normal: bool) {
        let blocks4 = |i: u64| {
            assert!(i + 3 < MAX_INDEX, "rng: element index {} exceeds 2^32", i + 3);
            philox4x32_lanes_avx2([i as u32, self.array, self.word2, self.word3], self.key)
        };
        self.fill_dense_with(start, out, normal, blocks4)
    }

    /// The body of [`Stream::fill_dense`], inlined into each instruction-set variant.
    #[inline(always)]
    fn fill_dense_with(&self, start: u64, out: &mut [f64], normal: bool, blocks4: impl Fn(u64) -> [[u32; 4]; 4]) {
        // The words first (whole blocks straight into `out`), then the
        // conversion as one loop of independent elements.
        let head = ((4 - start % 4) % 4).min(out.len() as u64) as usize;
        let (first, rest) = out.split_at_mut(head);
        if head > 0 {
            let words = self.block_at(start / 4);
            for (o, w) in first.iter_mut().zip(&words[(start % 4) as usize..]) {
                *o = f64::from(*w);
            }
        }
        let mut blk = start.div_ceil(4);
        let mut quads = rest.chunks_exact_mut(16);
        for quad in &mut quads {
            for (chunk, words) in quad.chunks_exact_mut(4).zip(blocks4(blk)) {
                for (o, w) in chunk.iter_mut().zip(words) {
                    *o = f64::from(w);
                }
            }
            blk += 4;
        }
        let mut chunks = quads.into_remainder().chunks_exact_mut(4);
        for chunk in &mut chunks {
            let words = self.block_at(blk);
            for (o, w) in chunk.iter_mut().zip(words) {
                *o = f64::from(w);
            }
            blk += 1;
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty() {
            let words = self.block_at(blk);
            for (o, w) in tail.iter_mut().zip(words) {
                *o = f64::from(w);
            }
        }
        if normal {
            out.iter_mut().for_each(|o| *o = (*o + 0.5) * TWO_POW_M32);
            inverse_normal_cdf_slice(out);
        } else {
            out.iter_mut().for_each(|o| *o *= TWO_POW_M32);
        }
    }

    /// `out[j] = self.uniform_at(start + j)`.
    ///
    /// # Panics
    /// If any index reaches `2^32`.
    pub fn fill_uniform(&self, start: u64, out: &mut [f64]) {
        for (i, o) in (start..).zip(out.iter_mut()) {
            *o = self.uniform_at(i);
        }
    }

    /// `out[j] = self.normal_at(start + j)`.
    ///
    /// # Panics
    /// If any index reaches `2^32`.
    pub fn fill_normal(&self, start: u64, out: &mut [f64]) {
        for (i, o) in (start..).zip(out.iter_mut()) {
            *o = self.normal_at(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_normal_cdf_quantiles() {
        // Φ⁻¹ at known points (tables to 9 digits).
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959963985),
            (0.025, -1.959963985),
            (0.99, 2.326347874),
            (1e-6, -4.753424309),
        ] {
            assert!(
                (inverse_normal_cdf(p) - z).abs() < 1e-8,
                "{p}: {}",
                inverse_normal_cdf(p)
            );
        }
    }

    #[test]
    fn dense_layout_is_chunk_independent_and_normal() {
        let s = Stream::new(5, 1, Purpose::ReadNoise, 9);
        let mut all = vec![0.0; 4003];
        s.fill_dense(3, &mut all, true);
        let mut parts = vec![0.0; 4003];
        s.fill_dense(3, &mut parts[..1001], true);
        s.fill_dense(1004, &mut parts[1001..], true);
        assert_eq!(all, parts);
        let n = all.len() as f64;
        let m = all.iter().sum::<f64>() / n;
        let v = all.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
        // 4003 draws: mean within 4 s.e. (0.063), variance within 4 s.e. (0.089).
        assert!(m.abs() < 0.064 && (v - 1.0).abs() < 0.09, "{m} {v}");
        let mut u = vec![0.0; 1000];
        s.fill_dense(0, &mut u, false);
        assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
    }

    #[test]
    fn philox_known_answers() {
        // Random123 kat_vectors, philox4x32_10.
        assert_eq!(
            philox4x32([0; 4], [0; 2]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_lanes_match_the_scalar_generator() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let key = [0xa409_3822, 0x299f_31d0];
        for c0 in [0u32, 7, u32::MAX - 3, 0x8000_0000] {
            let counter = [c0, 0x85a3_08d3, 0xffff_ffff, 0x0370_7344];
            // SAFETY: the CPU has AVX2 (checked above).
            let lanes = unsafe { philox4x32_lanes_avx2(counter, key) };
            assert_eq!(lanes, philox4x32_lanes(counter, key));
        }
    }

    #[test]
    fn lanes_match_the_scalar_generator() {
        let key = [0xa409_3822, 0x299f_31d0];
        for c0 in [0u32, 7, u32::MAX - 3] {
            let counter = [c0, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344];
            let lanes = philox4x32_lanes(counter, key);
            for (l, block) in lanes.iter().enumerate() {
                assert_eq!(
                    *block,
                    philox4x32([c0 + l as u32, counter[1], counter[2], counter[3]], key)
                );
            }
        }
    }

    #[test]
    fn slice_quantiles_equal_the_scalar_function() {
        let mut p: Vec<f64> = (0..1000).map(|k| (k as f64 + 0.5) / 1000.0).collect();
        p.extend([1e-300, 0.02425, 0.97575, 1.0 - 1e-16, 0.5]);
        let want: Vec<u64> = p.iter().map(|&p| inverse_normal_cdf(p).to_bits()).collect();
        inverse_normal_cdf_slice(&mut p);
        assert_eq!(p.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want);
    }

    #[test]
    fn fill_matches_elementwise_and_chunks() {
        let s = Stream::new(0x0123_4567_89ab_cdef, 3, Purpose::ReadNoise, 17);
        let n = 1000;
        let mut u = vec![0.0; n];
        let mut z = vec![0.0; n];
        s.fill_uniform(40, &mut u);
        s.fill_normal(40, &mut z);
        for j in 0..n {
            assert_eq!(u[j].to_bits(), s.uniform_at(40 + j as u64).to_bits());
            assert_eq!(z[j].to_bits(), s.normal_at(40 + j as u64).to_bits());
        }
        // Two chunks of different sizes give the same bits as one fill.
        for split in [0, 1, 333, 999, n] {
            let mut u2 = vec![0.0; n];
            let mut z2 = vec![0.0; n];
            let (ua, ub) = u2.split_at_mut(split);
            s.fill_uniform(40 + split as u64, ub);
            s.fill_uniform(40, ua);
            let (za, zb) = z2.split_at_mut(split);
            s.fill_normal(40 + split as u64, zb);
            s.fill_normal(40, za);
            assert!(u.iter().zip(&u2).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert!(z.iter().zip(&z2).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    #[test]
    fn identities_give_distinct_streams() {
        let base = Stream::new(42, 0, Purpose::ProgrammingError, 0);
        let variants = [
            Stream::new(43, 0, Purpose::ProgrammingError, 0),
            Stream::new(1 << 32 | 42, 0, Purpose::ProgrammingError, 0),
            Stream::new(42, 1, Purpose::ProgrammingError, 0),
            Stream::new(42, 0, Purpose::ReadNoise, 0),
            Stream::new(42, 0, Purpose::Drift, 0),
            Stream::new(42, 0, Purpose::AdcMismatch, 0),
            Stream::new(42, 0, Purpose::AdcRounding, 0),
            Stream::new(42, 0, Purpose::Update, 0),
            Stream::new(42, 0, Purpose::ProgrammingError, 1),
            Stream::new(42, 0, Purpose::ProgrammingError, 1 << 32),
            Stream::new(42, 0, Purpose::ProgrammingError, MAX_CALL - 1),
        ];
        let first: Vec<u32> = (0..16).map(|i| base.u32_at(i)).collect();
        for (k, v) in variants.iter().enumerate() {
            let other: Vec<u32> = (0..16).map(|i| v.u32_at(i)).collect();
            assert_ne!(first, other, "variant {k} repeats the base stream");
        }
        // Elements within a stream differ too.
        assert_ne!(base.block_at(0), base.block_at(1));
        // Purpose values are part of the stream identity and must stay fixed.
        assert_eq!(Purpose::ProgrammingError as u32, 1);
        assert_eq!(Purpose::Update as u32, 6);
    }

    #[test]
    #[should_panic]
    fn index_beyond_limit_panics() {
        Stream::new(1, 0, Purpose::Drift, 0).u32_at(MAX_INDEX);
    }

    #[test]
    #[should_panic]
    fn call_beyond_limit_panics() {
        Stream::new(1, 0, Purpose::Drift, MAX_CALL);
    }

    #[test]
    fn statistics() {
        const N: usize = 200_000;
        let s = Stream::new(2024, 7, Purpose::ReadNoise, 5);
        let mut z = vec![0.0; N];
        s.fill_normal(0, &mut z);
        let n = N as f64;
        let mean = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        let tail = z.iter().filter(|x| x.abs() > 1.96).count() as f64 / n;
        // SE(mean) = 1/sqrt(N) ~ 0.0022: 0.01 is ~4.5 SE.
        assert!(mean.abs() < 0.01, "mean {mean}");
        // SE(var) = sqrt(2/N) ~ 0.0032: 0.01 is ~3.1 SE.
        assert!((var - 1.0).abs() < 0.01, "variance {var}");
        // SE(tail) = sqrt(0.05*0.95/N) ~ 0.00049: 0.004 is ~8 SE.
        assert!((tail - 0.05).abs() < 0.004, "tail fraction {tail}");

        let su = Stream::new(2024, 7, Purpose::AdcRounding, 5);
        let mut u = vec![0.0; N];
        su.fill_uniform(0, &mut u);
        assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mu = u.iter().sum::<f64>() / n;
        // SE(mean) = sqrt(1/12/N) ~ 0.00065: 0.005 is ~7.7 SE.
        assert!((mu - 0.5).abs() < 0.005, "uniform mean {mu}");
    }
}
