//! What the circuit ADC models share (spec §9.4): the mid-rise output law,
//! the reference voltage, and NumPy-order arithmetic helpers.

/// The resolution and input range every circuit ADC starts from:
/// inputs are clipped to `[min, max]` and the levels are scaled by
/// `Vref = max(|min|, |max|)` (spec §9.4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    /// Resolution `b` in bits (0 = pass-through).
    pub bits: u32,
    pub min: f64,
    pub max: f64,
    pub vref: f64,
}

impl Span {
    pub fn new(bits: u32, min: f64, max: f64) -> Span {
        Span {
            bits,
            min,
            max,
            vref: vref_of(min, max),
        }
    }
}

/// A circuit ADC: produces a code in `[0, 2^b - 1]` for an input on an output
/// line; the converted value follows the common mid-rise law.
pub trait CircuitAdc: std::fmt::Debug + Send + Sync {
    /// Resolution and input range.
    fn span(&self) -> &Span;
    /// The code for an input `u` already clipped to `[min, max]` on `line`;
    /// called only when `bits > 0`.
    fn code_of_clipped(&self, u: f64, line: usize) -> u32;
    /// Resolution in bits (0 = pass-through).
    fn bits(&self) -> u32 {
        self.span().bits
    }
    /// `Vref = max(|min|, |max|)`.
    fn vref(&self) -> f64 {
        self.span().vref
    }
    /// The output code for input `v` (normalised column current) on `line`:
    /// `v` is clipped to `[min, max]` first; 0 when `bits = 0`.
    fn code(&self, v: f64, line: usize) -> u32 {
        let s = self.span();
        if s.bits == 0 {
            return 0;
        }
        self.code_of_clipped(clip(v, s.min, s.max), line)
    }
    /// The converter's numbers as the device kernel takes them ([`CircuitForm`]).
    fn device_form(&self) -> CircuitForm;
    /// Converted value `Vref (2c - 2^b + 1) / 2^b` for input `v` on `line`.
    fn convert(&self, v: f64, line: usize) -> f64 {
        if self.bits() == 0 {
            return v;
        }
        mid_rise(self.vref(), self.bits(), self.code(v, line))
    }
}

/// A circuit ADC as `kernels/periphery.cu`'s `xbar_adc_circuit` takes it:
/// the code law, the output lines per converter, and the model's tables.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitForm {
    /// 1 SAR, 2 ramp, 3 pipeline (and cyclic).
    pub kind: i32,
    /// Consecutive output lines per converter (1 for ramp, whose offsets are per line).
    pub group: usize,
    /// SAR: the `2^b` thresholds; ramp: the `2^b` levels; pipeline: `b − 1`
    /// stages of five values per converter.
    pub table: Vec<f64>,
    /// SAR: one comparator offset per converter; ramp: one per line;
    /// pipeline: the final threshold per converter.
    pub offsets: Vec<f64>,
    /// Ramp: whether the levels are non-decreasing (nearest level by bisection).
    pub monotone: bool,
}

/// `2^n` as `f64`.
pub(crate) fn pow2(n: u32) -> f64 {
    2f64.powi(n as i32)
}

/// Open-loop gain from decibels: `10^(gain_db / 20)`.
pub(crate) fn gain_from_db(gain_db: f64) -> f64 {
    10f64.powf(gain_db / 20.0)
}

/// `Vref = max(|min|, |max|)` (spec §9.4).
pub(crate) fn vref_of(min: f64, max: f64) -> f64 {
    let (a, b) = (min.abs(), max.abs());
    if a >= b {
        a
    } else {
        b
    }
}

/// NumPy-style clip to `[min, max]`; NaN passes through.
pub(crate) fn clip(v: f64, min: f64, max: f64) -> f64 {
    if v < min {
        min
    } else if v > max {
        max
    } else {
        v
    }
}

/// `bit(x, n) = floor(x / 2^n) mod 2` (two's-complement digit for negative `x`).
pub(crate) fn bit(x: i64, n: u32) -> i64 {
    (x >> n) & 1
}

/// Mid-rise output level of `code`: `2 Vref (c / 2^b) - Vref (2^b - 1) / 2^b`
/// (spec §9.4), evaluated in CrossSim's operation order.
pub(crate) fn mid_rise(vref: f64, bits: u32, code: u32) -> f64 {
    let n = pow2(bits);
    2.0 * vref * (code as f64 / n) - vref * (n - 1.0) / n
}

/// Sum in NumPy's order for a contiguous `f64` reduction (pairwise, eight
/// accumulators), so that sums of mismatched capacitors round as CrossSim's do.
pub(crate) fn np_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(-0.0, |acc, &x| acc + x)
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let full = n - n % 8;
        let mut i = 8;
        while i < full {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[full..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum(&a[..n2]) + np_sum(&a[n2..])
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Spec T17: `adc` converts the exact outputs of the T1 case, MVM
    /// `[0.75, 0.84375, -0.28125]` and VMM `[-0.6875, -0.25, 0.65625, 1.21875]`,
    /// input `i` on line `i`.
    pub(crate) fn t17_outputs(adc: &dyn CircuitAdc) -> (Vec<f64>, Vec<f64>) {
        let convert =
            |exact: &[f64]| -> Vec<f64> { exact.iter().enumerate().map(|(i, &u)| adc.convert(u, i)).collect() };
        (
            convert(&[0.75, 0.84375, -0.28125]),
            convert(&[-0.6875, -0.25, 0.65625, 1.21875]),
        )
    }

    /// Ideal mid-rise code of `u` for `bits`, range `[-vref, vref]`.
    pub(crate) fn ideal_code(u: f64, vref: f64, bits: u32) -> u32 {
        let n = pow2(bits);
        let c = ((clip(u, -vref, vref) + vref) / (2.0 * vref) * n).floor();
        c.clamp(0.0, n - 1.0) as u32
    }
}
