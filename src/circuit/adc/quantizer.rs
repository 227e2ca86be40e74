//! Uniform quantiser ADCs (spec §9.3): QuantizerADC with 2^bits levels and
//! SignMagnitudeADC with 2^bits - 1 levels (zero is a level).

use crate::rounding::rint;
use crate::simd::clip;

/// `L` evenly spaced levels on `[min, max]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantizer {
    min: f64,
    max: f64,
    /// `q = (L - 1)/(max - min)`: steps per unit of input.
    q: f64,
}

impl Quantizer {
    /// A quantiser with `levels` levels on `[min, max]`.
    pub fn new(levels: f64, min: f64, max: f64) -> Quantizer {
        Quantizer {
            min,
            max,
            q: (levels - 1.0) / (max - min),
        }
    }

    /// `u = clip(v, min, max)`; `rint((u - min)·q)/q + min`, round half to even,
    /// in CrossSim's operation order.
    #[inline]
    pub fn convert(&self, v: f64) -> f64 {
        self.finish(rint(self.steps(v)))
    }

    /// Stochastic rounding (spec §9.3): with `s = (clip(v) - min)·q`, the
    /// level `floor(s) + [u < s - floor(s)]` for a uniform draw `u` in [0, 1):
    /// the two neighbouring levels with probabilities proportional to
    /// proximity, so the mean output equals the clipped input.
    pub fn convert_stochastic(&self, v: f64, u: f64) -> f64 {
        let s = self.steps(v);
        let f = s.floor();
        self.finish(f + if u < s - f { 1.0 } else { 0.0 })
    }

    /// `(min, max, q)`: the range and steps per unit of input.
    pub(crate) fn levels(&self) -> (f64, f64, f64) {
        (self.min, self.max, self.q)
    }

    #[inline]
    fn steps(&self, v: f64) -> f64 {
        let mut u = clip(v, self.min, self.max);
        u -= self.min;
        u * self.q
    }

    #[inline]
    fn finish(&self, level: f64) -> f64 {
        level / self.q + self.min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_bit_quantizer_levels() {
        // 8 levels on [-3, 3]: -3 + 6k/7.
        let q = Quantizer::new(8.0, -3.0, 3.0);
        for k in 0..8 {
            let level = -3.0 + 6.0 * k as f64 / 7.0;
            assert!((q.convert(level + 1e-3) - level).abs() < 1e-12);
        }
        assert_eq!(q.convert(10.0), 3.0);
        assert_eq!(q.convert(-10.0), -3.0);
    }

    #[test]
    fn sign_magnitude_has_zero() {
        let q = Quantizer::new(7.0, -3.0, 3.0);
        assert_eq!(q.convert(0.2), 0.0);
        assert_eq!(q.convert(0.6), 1.0);
    }
}
