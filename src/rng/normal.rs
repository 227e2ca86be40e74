//! The standard normal of one random word, in single precision.
//!
//! A 32-bit word `w` stands for the probability `p = (w + ½)·2⁻³²`, and its
//! normal is the quantile `z = Φ⁻¹(p) = √2·erfinv(2p − 1)`; the largest
//! magnitude is about 6.34 (w = 0 or 2³² − 1).
//!
//! # The formula
//!
//! With `t = min(w, !w)` (the words on the nearer tail, below 2³¹),
//! `pₜ = min(p, 1 − p) = (t + ½)·2⁻³²`, `x = 2p − 1` and
//! `v = −ln(1 − x²) = −ln(4·pₜ·(1 − pₜ))`:
//!
//! ```text
//! erfinv(x) = x·P(v − 5/2)          for v < 5   (|x| < 0.9966, 99.47 % of words)
//!           = x·T(√v − 3.441824)    otherwise
//! ```
//!
//! `P` is the degree-8 polynomial of M. Giles, "Approximating the erfinv
//! function", GPU Computing Gems Jade Edition (2011), ch. 10, single-precision
//! version. Giles' tail polynomial covers `v ≤ 16`, but the words reach
//! `v = 21.5`, so `T` is our own degree-9 fit of `erfinv(x)/x` over
//! `√v ∈ [√5, √21.6]` (iteratively reweighted least squares for relative
//! error). Both branches are within 1.3e-7 relative of `Φ⁻¹` before rounding
//! (the test below bounds the computed value at 6e-7). Evaluating `P` and `T`
//! in `pₜ`, not in `x`, keeps the tails accurate: `pₜ` carries the full
//! relative precision of a float, `1 − x` would not.
//!
//! The natural logarithm is computed here too (see [`ln`]) rather than taken
//! from the platform, and every step is one IEEE single-precision operation
//! with one rounding — multiply-adds are explicit fused operations — so the
//! scalar function, its AVX2 form and the CUDA kernels (`kernels/philox.cuh`)
//! give the same bits.

// Every unsafe operation sits in its own block with the reason it is sound.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

/// `2⁻³¹`, `2⁻³²`, `2⁻³³`, from their exponent bits.
const TWO_POW_M31: f32 = f32::from_bits((127 - 31) << 23);
const TWO_POW_M32: f32 = f32::from_bits((127 - 32) << 23);
const TWO_POW_M33: f32 = f32::from_bits((127 - 33) << 23);

/// Giles' centre polynomial `P(v − 5/2)`, highest power first.
#[allow(clippy::excessive_precision)] // the published coefficients, digit for digit
const CENTRE: [f32; 9] = [
    2.810_226_36e-08,
    3.432_739_39e-07,
    -3.523_387_7e-06,
    -4.391_506_54e-06,
    0.000_218_580_87,
    -0.001_253_725_03,
    -0.004_177_681_64,
    0.246_640_727,
    1.501_409_41,
];

/// Where the tail polynomial is centred: `T` is a polynomial of `√v − TAIL_SHIFT`.
const TAIL_SHIFT: f32 = 3.441_824;

/// The tail polynomial `T(√v − 3.441824)`, highest power first.
#[allow(clippy::excessive_precision)] // the fitted single-precision values
const TAIL: [f32; 10] = [
    4.403_154_5e-05,
    -1.223_763_7e-06,
    -3.253_157_8e-04,
    6.310_096_4e-04,
    -7.990_386_2e-04,
    1.263_567_0e-03,
    -2.357_978_8e-03,
    3.669_513_2e-03,
    1.006_967_2,
    3.276_892_2,
];

/// The bits of `√½`: [`ln`] scales its argument into `[√½, √2)`.
const SQRT_HALF_BITS: i32 = 0x3F35_04F3;

/// `ln 2` split in two: `LN2_HI` has few bits, so `e·LN2_HI` is exact for
/// the exponents `e` that occur; `LN2_HI + LN2_LO = ln 2` to single precision.
const LN2_HI: f32 = 355.0 / 512.0;
const LN2_LO: f32 = -2.121_944_4e-4;

/// The series of `ln(1 + f) = f − f²/2 + f³·L(f)` on `f ∈ [√½ − 1, √2 − 1)`,
/// highest power first (S. L. Moshier, Cephes Math Library, `logf`).
#[allow(clippy::excessive_precision)] // the published coefficients, digit for digit
const LN_SERIES: [f32; 9] = [
    7.037_683_629_2e-2,
    -1.151_461_031_0e-1,
    1.167_699_874_0e-1,
    -1.242_014_084_6e-1,
    1.424_932_278_7e-1,
    -1.666_805_766_5e-1,
    2.000_071_476_5e-1,
    -2.499_999_399_3e-1,
    3.333_333_117_4e-1,
];

/// `c[0]·x^(n−1) + … + c[n−1]` by Horner's rule with fused multiply-adds.
#[inline(always)]
fn horner(x: f32, c: &[f32]) -> f32 {
    c[1..].iter().fold(c[0], |p, &c| p.mul_add(x, c))
}

/// `ln y` for a positive normal float `y` (within 2 units in the last place).
///
/// `y = m·2^e` with `m ∈ [√½, √2)` (integer arithmetic on the bits), then
/// `ln y = ln(1 + f) + e·ln 2` with `f = m − 1` and the series [`LN_SERIES`].
#[inline(always)]
pub fn ln(y: f32) -> f32 {
    let bits = y.to_bits() as i32;
    let e = bits.wrapping_sub(SQRT_HALF_BITS) >> 23;
    let f = f32::from_bits(bits.wrapping_sub(e << 23) as u32) - 1.0;
    let e = e as f32;
    let z = f * f;
    let mut t = (f * z) * horner(f, &LN_SERIES);
    t = e.mul_add(LN2_LO, t);
    t = (-0.5f32).mul_add(z, t);
    e.mul_add(LN2_HI, f + t)
}

/// `v = −ln(4·pₜ·(1 − pₜ))` of word `w` (module docs).
#[inline(always)]
fn log_argument(w: u32) -> f32 {
    let t = w.min(!w);
    let pt = (t as f32).mul_add(TWO_POW_M32, TWO_POW_M33);
    -ln((pt * (1.0 - pt)) * 4.0)
}

/// `erfinv(x)/x` in the centre (`v < 5`).
#[inline(always)]
fn centre(v: f32) -> f32 {
    horner(v - 2.5, &CENTRE)
}

/// `erfinv(x)/x` in the tails (`v ≥ 5`).
#[inline(always)]
fn tail(v: f32) -> f32 {
    horner(v.sqrt() - TAIL_SHIFT, &TAIL)
}

/// `√2·g·x` with `x = 2p − 1` of word `w`, from `g = erfinv(x)/x`.
#[inline(always)]
fn scale(g: f32, w: u32) -> f32 {
    let x = (((w ^ 0x8000_0000) as i32) as f32).mul_add(TWO_POW_M31, TWO_POW_M32);
    (g * x) * std::f32::consts::SQRT_2
}

/// The standard normal of word `w`: `Φ⁻¹((w + ½)·2⁻³²)` (module docs).
/// On an x86-64 CPU with FMA that this build does not assume, the fused
/// multiply-adds run as instructions rather than as calls to `fmaf`
/// (same bits, several times faster).
#[inline]
pub fn normal_of(w: u32) -> f32 {
    #[cfg(all(target_arch = "x86_64", not(target_feature = "fma")))]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA.
        return unsafe { normal_of_fma(w) };
    }
    normal_of_here(w)
}

#[cfg(all(target_arch = "x86_64", not(target_feature = "fma")))]
#[target_feature(enable = "fma")]
fn normal_of_fma(w: u32) -> f32 {
    normal_of_here(w)
}

/// [`normal_of`] with the instruction set of its caller.
#[inline(always)]
fn normal_of_here(w: u32) -> f32 {
    let v = log_argument(w);
    scale(if v < 5.0 { centre(v) } else { tail(v) }, w)
}

/// `z[i] = normal_of(w[i])`, bit for bit, written as loops over the lanes
/// that the compiler turns into vector instructions: every lane takes the
/// centre polynomial, then the few lanes that need the tail polynomial
/// (0.53 % of words), found from a bit mask per 64 lanes, are redone one by
/// one. Inlined into the instruction-set variants of `Stream::fill_dense`.
#[inline(always)]
pub fn normals<const N: usize>(w: &[u32; N], z: &mut [f32; N]) {
    let mut v = [0f32; N];
    for (v, &w) in v.iter_mut().zip(w) {
        *v = log_argument(w);
    }
    for (z, &v) in z.iter_mut().zip(&v) {
        *z = centre(v);
    }
    for (z, v) in z.chunks_mut(64).zip(v.chunks(64)) {
        let mut tails = 0u64;
        for (i, &v) in v.iter().enumerate() {
            tails |= u64::from(v >= 5.0) << i;
        }
        while tails != 0 {
            let i = tails.trailing_zeros() as usize;
            z[i] = tail(v[i]);
            tails &= tails - 1;
        }
    }
    for (z, &w) in z.iter_mut().zip(w) {
        *z = scale(*z, w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Φ⁻¹(p)` to 1.2e-9 relative in double precision (P. J. Acklam's
    /// rational approximation), the reference.
    fn quantile(p: f64) -> f64 {
        let q = p.min(1.0 - p);
        // Acklam's tail and centre formulas.
        let z = if q < 0.02425 {
            let r = (-2.0 * q.ln()).sqrt();
            (((((-7.784894002430293e-03 * r - 3.223964580411365e-01) * r - 2.400758277161838e+00) * r
                - 2.549732539343734e+00)
                * r
                + 4.374664141464968e+00)
                * r
                + 2.938163982698783e+00)
                / ((((7.784695709041462e-03 * r + 3.224671290700398e-01) * r + 2.445134137142996e+00) * r
                    + 3.754408661907416e+00)
                    * r
                    + 1.0)
        } else {
            let c = q - 0.5;
            let r = c * c;
            (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                + 1.383_577_518_672_69e2)
                * r
                - 3.066479806614716e+01)
                * r
                + 2.506628277459239e+00)
                * c
                / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                    + 6.680131188771972e+01)
                    * r
                    - 1.328068155288572e+01)
                    * r
                    + 1.0)
        };
        if p < 0.5 {
            z
        } else {
            -z
        }
    }

    #[test]
    fn powers_of_two_are_exact() {
        assert_eq!(TWO_POW_M31, 2f32.powi(-31));
        assert_eq!(TWO_POW_M32, 2f32.powi(-32));
        assert_eq!(TWO_POW_M33, 2f32.powi(-33));
        assert_eq!(f32::from_bits(SQRT_HALF_BITS as u32), std::f32::consts::FRAC_1_SQRT_2);
    }

    #[test]
    fn ln_is_within_two_ulps() {
        let mut y = 1e-12f32;
        while y < 4.0 {
            let want = f64::from(y).ln();
            let got = f64::from(ln(y));
            let ulp = f64::from(f32::EPSILON) * want.abs().max(f64::from(f32::MIN_POSITIVE));
            assert!(
                (got - want).abs() <= 2.0 * ulp.max(1e-45),
                "ln({y}) = {got}, want {want}"
            );
            y *= 1.000_37;
        }
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn normals_follow_the_quantile_function() {
        // Every 251st word, and the extreme words at both ends.
        let words = (0..=u32::MAX)
            .step_by(251)
            .chain(0..4096)
            .chain(u32::MAX - 4096..=u32::MAX);
        let mut worst = 0f64;
        for w in words {
            let p = (f64::from(w) + 0.5) / 4294967296.0;
            let want = quantile(p);
            let got = f64::from(normal_of(w));
            assert_eq!(got > 0.0, w >= 1 << 31, "sign of word {w}");
            worst = worst.max((got - want).abs() / want.abs().max(1e-3));
        }
        assert!(worst < 6e-7, "worst relative error {worst}");
        assert!((f64::from(normal_of(0)) + 6.3379).abs() < 1e-3, "{}", normal_of(0));
        assert_eq!(normal_of(0), -normal_of(u32::MAX));
    }

    #[test]
    fn lanes_match_the_scalar_function() {
        // Strided words, both tails and the switch between the two polynomials (v = 5).
        let switch = 7_260_000u32;
        let words: Vec<u32> = (0..=u32::MAX)
            .step_by(65_537)
            .chain(0..20_000)
            .chain(switch - 50_000..switch + 50_000)
            .chain(u32::MAX - 20_000..=u32::MAX)
            .chain((1u32 << 31) - 8..(1 << 31) + 8)
            .collect();
        for chunk in words.chunks(64) {
            let mut w = [0u32; 64];
            w[..chunk.len()].copy_from_slice(chunk);
            let mut z = [0f32; 64];
            normals(&w, &mut z);
            for (w, z) in w.iter().zip(z) {
                assert_eq!(z.to_bits(), normal_of(*w).to_bits(), "word {w}");
            }
        }
    }
}
