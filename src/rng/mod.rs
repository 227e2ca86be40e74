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

// Every unsafe operation sits in its own block with the reason it is sound.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod identity;
pub mod normal;

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

/// Where the read-noise draws of one read come from: vector `b` uses the
/// stream `(seed, array, ReadNoise, call | b)` (the fields `ReadKey::streams` packs).
#[derive(Debug, Clone, Copy)]
pub struct NoiseStream {
    pub seed: u64,
    pub array: u32,
    pub call: u64,
}

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

/// Ten Philox rounds on two groups of counters held one per 64-bit lane of
/// vector registers (each word in the low half of its lane): counter word 0
/// from `$first` (one register per group), words 1–3 from `$counter`. Written
/// once for every instruction set by naming its intrinsics. Gives, per group,
/// the registers `(w01, w23)`: words 0 and 1 of each lane's block side by
/// side in its lane (word 0 in the low half), and words 2 and 3.
#[cfg(target_arch = "x86_64")]
macro_rules! philox_lanes {
    ($first:expr, $counter:expr, $key:expr, $set1:ident, $mul:ident, $srli:ident, $slli:ident,
     $xor:ident, $and:ident, $or:ident) => {{
        let splat = |v: u32| $set1(v as i64);
        let low = $set1(0xFFFF_FFFF);
        let (m0, m1) = (splat(M0), splat(M1));
        // c[word][group]
        let mut c = [
            $first,
            [splat($counter[1]); 2],
            [splat($counter[2]); 2],
            [splat($counter[3]); 2],
        ];
        let mut k = $key;
        for r in 0..ROUNDS {
            if r > 0 {
                k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
            }
            let (k0, k1) = (splat(k[0]), splat(k[1]));
            let mut next = c;
            for g in 0..2 {
                let p0 = $mul(m0, c[0][g]);
                let p1 = $mul(m1, c[2][g]);
                next[0][g] = $xor($xor($srli::<32>(p1), c[1][g]), k0);
                next[1][g] = $and(p1, low);
                next[2][g] = $xor($xor($srli::<32>(p0), c[3][g]), k1);
                next[3][g] = $and(p0, low);
            }
            c = next;
        }
        [0, 1].map(|g| ($or(c[0][g], $slli::<32>(c[1][g])), $or(c[2][g], $slli::<32>(c[3][g]))))
    }};
}

/// The 32 words of the blocks of counters `[c0 + l, c1, c2, c3]`,
/// `l = 0..8`, in dense order (block `c0` words 0–3 first), computed with
/// AVX2: the counters sit in the 64-bit lanes of each word's register, so
/// that one `vpmuludq` makes four 32 × 32 → 64-bit products of a round (the
/// compiler does not find this form by itself), and two groups of four
/// blocks run side by side; a 4 × 4 transpose per group then puts each
/// block's words together.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn philox_words32_avx2(counter: [u32; 4], key: [u32; 2]) -> [u32; 32] {
    use std::arch::x86_64::*;
    let first = |g: u32| {
        let c = |l: u32| counter[0].wrapping_add(4 * g + l) as i64;
        _mm256_set_epi64x(c(3), c(2), c(1), c(0))
    };
    let pairs = philox_lanes!(
        [first(0), first(1)],
        counter,
        key,
        _mm256_set1_epi64x,
        _mm256_mul_epu32,
        _mm256_srli_epi64,
        _mm256_slli_epi64,
        _mm256_xor_si256,
        _mm256_and_si256,
        _mm256_or_si256
    );
    let mut words = [0u32; 32];
    for ((w01, w23), out) in pairs.into_iter().zip(words.chunks_exact_mut(16)) {
        let even = _mm256_unpacklo_epi64(w01, w23); // blocks 0 | 2
        let odd = _mm256_unpackhi_epi64(w01, w23); // blocks 1 | 3
        let blocks = [
            _mm256_permute2x128_si256::<0x20>(even, odd),
            _mm256_permute2x128_si256::<0x31>(even, odd),
        ];
        for (out, v) in out.chunks_exact_mut(8).zip(blocks) {
            // SAFETY: `out` holds 32 bytes; unaligned stores are allowed.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), v) };
        }
    }
    words
}

/// The 64 words of the blocks of counters `[c0 + l, c1, c2, c3]`,
/// `l = 0..16`, in dense order, computed as [`philox_words32_avx2`] with
/// eight counters per 512-bit register.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn philox_words64_avx512(counter: [u32; 4], key: [u32; 2]) -> [u32; 64] {
    use std::arch::x86_64::*;
    let first = |g: u32| {
        let c = |l: u32| counter[0].wrapping_add(8 * g + l) as i64;
        _mm512_set_epi64(c(7), c(6), c(5), c(4), c(3), c(2), c(1), c(0))
    };
    let pairs = philox_lanes!(
        [first(0), first(1)],
        counter,
        key,
        _mm512_set1_epi64,
        _mm512_mul_epu32,
        _mm512_srli_epi64,
        _mm512_slli_epi64,
        _mm512_xor_si512,
        _mm512_and_si512,
        _mm512_or_si512
    );
    let mut words = [0u32; 64];
    for ((w01, w23), out) in pairs.into_iter().zip(words.chunks_exact_mut(32)) {
        let blocks = [
            _mm512_permutex2var_epi64(w01, _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0), w23),
            _mm512_permutex2var_epi64(w01, _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4), w23),
        ];
        for (out, v) in out.chunks_exact_mut(16).zip(blocks) {
            // SAFETY: `out` holds 64 bytes; unaligned stores are allowed.
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), v) };
        }
    }
    words
}

/// The standard normal of one word in the dense layout: `Φ⁻¹((w + ½)·2⁻³²)`,
/// computed in single precision ([`normal::normal_of`]).
#[inline]
pub fn dense_normal(w: u32) -> f64 {
    f64::from(normal::normal_of(w))
}

/// The uniform of one word in the dense layout: `w·2⁻³²` in `[0, 1)`.
#[inline]
fn dense_uniform(w: u32) -> f64 {
    f64::from(w) * TWO_POW_M32
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
    /// aihwkit tile periphery, per read: input and output noise, weight noise, stochastic rounding.
    AihwkitIo = 21,
    /// aihwkit tile periphery, drawn once per tile: output-noise spread, non-linearity, voltage offsets.
    AihwkitTile = 22,
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

    /// What names this stream, as `Stream::new` takes it: (seed, array,
    /// purpose code, call). Device kernels rebuild the stream from these
    /// (`kernels/philox.cuh`, `xbar_stream_new`).
    pub(crate) fn identity(&self) -> (u64, u32, u32, u64) {
        let seed = u64::from(self.key[0]) | (u64::from(self.key[1]) << 32);
        (seed, self.array, self.word2 >> 24, self.call())
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
        philox4x32(self.counter(i as u32), self.key)
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
    /// [`dense_normal`]`(w)`, so every draw is a function of one word and the
    /// largest magnitude is about 6.34.
    #[inline]
    pub fn normals4(&self, blk: u64) -> [f64; 4] {
        self.block_at(blk).map(dense_normal)
    }

    /// `out[j]` = dense draw `start + j`: word `w`, number `k mod 4` of block
    /// `k / 4` for `k = start + j`, as a normal [`dense_normal`]`(w)` (the
    /// values of `normals4`, `normal = true`) or as a uniform `w·2⁻³²`.
    ///
    /// # Panics
    /// If a block index reaches `2^32` (dense indices below `2^34` are fine).
    pub fn fill_dense(&self, start: u64, out: &mut [f64], normal: bool) {
        self.fill_dense_then(start, out, normal, |_, _| {})
    }

    /// [`Stream::fill_dense`], calling `then(offset, part)` on consecutive
    /// parts `out[offset..offset + part.len()]` (at most 64 draws each) as
    /// soon as they hold their draws: a transformation of the draws runs
    /// while they are in the first-level cache, compiled for the same
    /// instruction set as the generator.
    pub fn fill_dense_then(&self, start: u64, out: &mut [f64], normal: bool, then: impl FnMut(usize, &mut [f64])) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU has AVX-512F (checked just above).
                return unsafe { self.fill_dense_avx512(start, out, normal, then) };
            }
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has AVX2 and FMA (checked just above).
                return unsafe { self.fill_dense_avx2(start, out, normal, then) };
            }
        }
        self.fill_dense_groups(start, out, normal, then, |blk| self.words8(blk))
    }

    /// The eight words of blocks `blk` and `blk + 1`.
    fn words8(&self, blk: u64) -> [u32; 8] {
        let [a, b] = [self.block_at(blk), self.block_at(blk + 1)];
        [a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]]
    }

    /// [`Stream::fill_dense`] one Philox block at a time.
    fn fill_dense_blockwise(&self, start: u64, out: &mut [f64], normal: bool) {
        let value = if normal { dense_normal } else { dense_uniform };
        let mut k = start;
        let mut rest = out;
        while !rest.is_empty() {
            let words = self.block_at(k / 4);
            let skip = (k % 4) as usize;
            let (now, later) = rest.split_at_mut((4 - skip).min(rest.len()));
            for (o, &w) in now.iter_mut().zip(&words[skip..]) {
                *o = value(w);
            }
            k += now.len() as u64;
            rest = later;
        }
    }

    /// [`Stream::fill_dense`] with AVX-512: 32 blocks (128 draws, eight vectors
    /// of sixteen, whose independent chains fill the two multiply-add units) per step.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn fill_dense_avx512(&self, start: u64, out: &mut [f64], normal: bool, then: impl FnMut(usize, &mut [f64])) {
        self.fill_dense_groups(start, out, normal, then, |blk| {
            let mut w = [0u32; 128];
            for (h, w) in w.chunks_exact_mut(64).enumerate() {
                let first = (blk as u32).wrapping_add(16 * h as u32);
                w.copy_from_slice(&philox_words64_avx512(self.counter(first), self.key));
            }
            w
        })
    }

    /// [`Stream::fill_dense`] with AVX2 and FMA: 16 blocks (64 draws, eight
    /// vectors of eight) per step.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn fill_dense_avx2(&self, start: u64, out: &mut [f64], normal: bool, then: impl FnMut(usize, &mut [f64])) {
        self.fill_dense_groups(start, out, normal, then, |blk| {
            let mut w = [0u32; 64];
            for (h, w) in w.chunks_exact_mut(32).enumerate() {
                let first = (blk as u32).wrapping_add(8 * h as u32);
                w.copy_from_slice(&philox_words32_avx2(self.counter(first), self.key));
            }
            w
        })
    }

    /// The Philox counter of block `blk`.
    #[inline(always)]
    fn counter(&self, blk: u32) -> [u32; 4] {
        [blk, self.array, self.word2, self.word3]
    }

    /// The body of [`Stream::fill_dense_then`]: groups of `W` draws (`W / 4`
    /// whole blocks, their words from `words(first block)`) converted by
    /// loops the compiler vectorises ([`normal::normals`]); a partial block
    /// at either end goes through the scalar functions, which give the same
    /// bits.
    #[inline(always)]
    fn fill_dense_groups<const W: usize>(
        &self,
        start: u64,
        out: &mut [f64],
        normal: bool,
        mut then: impl FnMut(usize, &mut [f64]),
        words: impl Fn(u64) -> [u32; W],
    ) {
        let head = ((4 - start % 4) % 4).min(out.len() as u64) as usize;
        let (first, body) = out.split_at_mut(head);
        self.fill_dense_blockwise(start, first, normal);
        then(0, first);
        let mut blk = (start + head as u64) / 4;
        let per_group = (W / 4) as u64;
        let mut groups = body.chunks_exact_mut(W);
        let mut offset = head;
        for group in &mut groups {
            let last = blk + per_group - 1;
            assert!(last < MAX_INDEX, "rng: element index {last} exceeds 2^32");
            let w = words(blk);
            if normal {
                let mut z = [0f32; W];
                normal::normals(&w, &mut z);
                for (o, z) in group.iter_mut().zip(z) {
                    *o = f64::from(z);
                }
            } else {
                for (o, &w) in group.iter_mut().zip(&w) {
                    *o = dense_uniform(w);
                }
            }
            then(offset, group);
            offset += W;
            blk += per_group;
        }
        let rest = groups.into_remainder();
        self.fill_dense_blockwise(blk * 4, rest, normal);
        then(offset, rest);
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
    fn vector_fills_match_the_blockwise_fill() {
        let s = Stream::new(0xfeed_beef_0000_0001, 4, Purpose::ReadNoise, 3);
        type Fill = fn(&Stream, u64, &mut [f64], bool);
        let mut fills: Vec<(&str, Fill)> = vec![
            ("dispatch", Stream::fill_dense),
            ("portable", |s, a, o, n| {
                s.fill_dense_groups(a, o, n, |_, _| {}, |blk| s.words8(blk))
            }),
        ];
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx2") && has!("fma") {
                // SAFETY: the CPU has AVX2 and FMA.
                fills.push(("avx2", |s, a, o, n| unsafe { s.fill_dense_avx2(a, o, n, |_, _| {}) }));
            } else {
                eprintln!("the AVX2 form is not checked: this CPU has no AVX2 and FMA");
            }
            if has!("avx512f") {
                // SAFETY: the CPU has AVX-512F.
                fills.push(("avx512", |s, a, o, n| unsafe {
                    s.fill_dense_avx512(a, o, n, |_, _| {})
                }));
            } else {
                eprintln!("the AVX-512 form is not checked: this CPU has no AVX-512F");
            }
        }
        for normal in [true, false] {
            for (start, len) in [
                (0, 0),
                (0, 1),
                (3, 64),
                (1, 37),
                (0, 4096),
                (4_000_000_000, 203),
                (7, 1000),
            ] {
                let mut slow = vec![1.0; len];
                s.fill_dense_blockwise(start, &mut slow, normal);
                for (k, v) in (start..).zip(&slow) {
                    let w = s.block_at(k / 4)[(k % 4) as usize];
                    assert_eq!(*v, if normal { dense_normal(w) } else { dense_uniform(w) });
                }
                for (name, fill) in &fills {
                    let mut fast = vec![0.0; len];
                    fill(&s, start, &mut fast, normal);
                    let same = fast.iter().zip(&slow).all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same, "{name}: start {start}, length {len}, normal {normal}");
                }
            }
        }
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
