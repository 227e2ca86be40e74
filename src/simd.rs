//! Helpers of the vectorised kernels (the update models' writes, the read
//! periphery's passes over a batch): a macro compiling a kernel for the
//! vector instruction sets of the running CPU (chosen once per call, at run
//! time), a clip and an exponential that vectorise.
//!
//! The kernels use IEEE additions, multiplications, correctly rounded square
//! roots and, in [`exp`] only, explicit fused multiply-adds (exactly rounded
//! wherever they run), never contractions chosen by the compiler: every
//! instruction set gives the same bits, and so does a scalar evaluation of
//! the same function ([`exp`] called on one value).

/// Defines `fn $name<generics>(args) -> ret` running `$body(args)` compiled
/// for AVX-512 (F, DQ, VL) or AVX2 + FMA when the CPU has them, else for the
/// build's baseline. `$body` must be `#[inline(always)]` so that it is
/// compiled inside each variant.
macro_rules! multiversion {
    ($vis:vis fn $name:ident<$($g:ident : $b:path),*>($($a:ident : $t:ty),* $(,)?) -> $r:ty = $body:path;) => {
        $vis fn $name<$($g: $b),*>($($a: $t),*) -> $r {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
                unsafe fn wide<$($g: $b),*>($($a: $t),*) -> $r {
                    $body($($a),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<$($g: $b),*>($($a: $t),*) -> $r {
                    $body($($a),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    // SAFETY: the CPU has the features `wide` is compiled for (checked just above).
                    return unsafe { wide($($a),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX2 and FMA (checked just above).
                    return unsafe { avx2($($a),*) };
                }
            }
            $body($($a),*)
        }
    };
}
pub(crate) use multiversion;

/// `v` limited to `[lo, hi]` (`lo ≤ hi`), the same value as `v.clamp(lo, hi)`
/// (NaN stays NaN) without its check of the bounds, which keeps loops from
/// vectorising.
#[inline(always)]
pub fn clip(v: f64, lo: f64, hi: f64) -> f64 {
    let v = if v < lo { lo } else { v };
    if v > hi {
        hi
    } else {
        v
    }
}

/// `1.5·2^52`: adding it rounds a double of magnitude below `2^51` to an
/// integer (ties to even), left in the low bits of the sum.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// `ln 2` split so that `k·LN2_HI` is exact for `|k| < 2^11`.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// `e^x` from plain arithmetic that compilers vectorise: `x = k·ln 2 + r`,
/// `|r| ≤ ln2/2`, `e^r` by its Taylor polynomial of degree 13 (truncation
/// below 10⁻¹⁷ relative), scaled by `2^k` in two steps (so that subnormal
/// results are right). Within 2 units in the last place of the exact value
/// over the whole range; `e^x = +∞` above 709.78, 0 below −745.2, NaN for
/// NaN. The same bits whether it runs alone or in a vector lane.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // Beyond these, the result is +inf or 0 after scaling; clamping keeps k small.
    let x = x.clamp(-746.0, 710.0);
    let t = x * LOG2_E + SHIFTER;
    let kf = t - SHIFTER;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    // Horner form of Σ_{n ≤ 13} r^n/n!, each step one fused multiply-add
    // (one rounding; the same bits on every instruction set, a library call
    // where the CPU has no FMA unit).
    const C: [f64; 14] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    let mut p = C[0];
    for &c in &C[1..] {
        p = p.mul_add(r, c);
    }
    // k from the low bits of t (two's complement, |k| ≤ 1077), split k = k1 + k2.
    let k = (t.to_bits() as i64).wrapping_shl(13).wrapping_shr(13);
    let k1 = k >> 1;
    let k2 = k - k1;
    let s1 = f64::from_bits(((k1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((k2 + 1023) as u64) << 52);
    p * s1 * s2
}

#[cfg(test)]
mod tests {
    use super::exp;

    /// Against the platform's correctly-rounded-or-nearly exp: at most 2
    /// units in the last place apart (both are within about 1 ulp of the
    /// truth) over a dense sweep, and the edges of the range.
    #[test]
    fn exp_is_accurate_over_the_range() {
        let mut worst = 0u64;
        let n = 200_000;
        for i in 0..=n {
            let x = -745.0 + 1455.0 * i as f64 / n as f64;
            let (a, b) = (exp(x), x.exp());
            if b.is_normal() {
                worst = worst.max(a.to_bits().abs_diff(b.to_bits()));
            } else if b.is_infinite() {
                assert_eq!(a, b, "{x}");
            } else {
                assert!((a - b).abs() <= 2.0 * f64::from_bits(1), "{x}: {a} vs {b}");
            }
        }
        for i in 0..=n {
            let x = -2.0 + 4.0 * i as f64 / n as f64;
            worst = worst.max(exp(x).to_bits().abs_diff(x.exp().to_bits()));
        }
        assert!(worst <= 2, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
    }
}
