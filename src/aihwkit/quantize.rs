//! aihwkit's converter quantiser (spec aihwkit-forward-io.md §1), in single
//! precision as aihwkit's CPU tile computes it.
//!
//! A resolution `r` becomes a step once: `r ≤ 0` none; `0 < r ≤ 1` a fraction
//! of the full range, `Δ = r·2·bound`; `r > 1` a number of steps,
//! `Δ = 2·bound/r`. A bound ≤ 0 means no clipping and, since the step is then
//! ≤ 0, no quantisation either. Quantisation is symmetric and mid-tread:
//! `q(v) = Δ·rint(v/Δ)` with ties to even, or with stochastic rounding
//! `Δ·rint(v/Δ + u − ½)` for a uniform `u ∈ [0, 1)`. Clipping to `±bound` is a
//! separate step after rounding.

use crate::rounding::rintf as rint;

/// One DAC or ADC: its step and clipping bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantizer {
    /// `Δ`; 0 = no quantisation.
    pub step: f32,
    /// Clipping bound; `f32::INFINITY` = none.
    pub bound: f32,
    /// Stochastic rounding.
    pub stochastic: bool,
}

impl Quantizer {
    /// The quantiser of resolution `res` and range `±bound`.
    pub fn new(res: f64, bound: f64, stochastic: bool) -> Quantizer {
        let (r, b) = (res as f32, bound as f32);
        let step = if r <= 0.0 {
            0.0
        } else if r <= 1.0 {
            r * 2.0 * b
        } else {
            2.0 * b / r
        };
        Quantizer {
            step: if step > 0.0 { step } else { 0.0 },
            bound: if b > 0.0 { b } else { f32::INFINITY },
            stochastic,
        }
    }

    /// `v` rounded to a level; `u` is the uniform of stochastic rounding (unused otherwise).
    #[inline]
    pub fn round(&self, v: f32, u: f32) -> f32 {
        if self.step <= 0.0 {
            return v;
        }
        let t = v / self.step;
        let t = if self.stochastic { t + u - 0.5 } else { t };
        self.step * rint(t)
    }

    /// `v` clipped to `±bound`.
    #[inline]
    pub fn clip(&self, v: f32) -> f32 {
        v.clamp(-self.bound, self.bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_is_a_fraction_or_a_step_count() {
        assert_eq!(Quantizer::new(0.25, 1.0, false).step, 0.5);
        assert_eq!(Quantizer::new(4.0, 1.0, false).step, 0.5);
        assert_eq!(Quantizer::new(1.0, 2.0, false).step, 4.0);
        assert_eq!(Quantizer::new(0.0, 1.0, false).step, 0.0);
        assert_eq!(Quantizer::new(-1.0, 1.0, false).step, 0.0);
        // A bound <= 0: neither clipping nor quantisation.
        let q = Quantizer::new(0.25, 0.0, false);
        assert_eq!((q.step, q.bound), (0.0, f32::INFINITY));
        assert_eq!(q.round(0.3, 0.0), 0.3);
    }

    #[test]
    fn rounding_is_mid_tread_with_ties_to_even_and_clips_after() {
        let q = Quantizer::new(0.125, 1.0, false); // step 0.25
        assert_eq!(q.round(0.125, 0.0), 0.0); // tie: 0.5 -> 0
        assert_eq!(q.round(0.375, 0.0), 0.5); // tie: 1.5 -> 2
        assert_eq!(q.round(-0.375, 0.0), -0.5);
        assert_eq!(q.round(0.1, 0.0), 0.0);
        assert_eq!(q.round(1.3, 0.0), 1.25);
        assert_eq!(q.clip(q.round(1.3, 0.0)), 1.0);
        assert_eq!(q.clip(-7.0), -1.0);
    }

    #[test]
    fn stochastic_rounding_shifts_by_the_uniform() {
        // Step 0.25: 0.3/0.25 = 1.2, plus u - 0.5 in [-0.5, 0.5), goes to 1 or
        // 2, to 2 when u >= 0.8 (probability 0.2: unbiased).
        let q = Quantizer::new(0.125, 1.0, true);
        assert_eq!(q.round(0.3, 0.0), 0.25);
        assert_eq!(q.round(0.3, 0.75), 0.25);
        assert_eq!(q.round(0.3, 0.85), 0.5);
        assert_eq!(q.round(0.3, 0.999), 0.5);
    }
}
