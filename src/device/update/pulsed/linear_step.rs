//! LinearStep (spec update-models.md §B.5): a step that changes linearly
//! with the weight. Per cell, slopes `γ± = |gamma_± + gamma_±_dtod·ξ|`,
//! reference bounds `w_ref±` (the nominal `w_max`/`w_min`, or the cell's own
//! with `mean_bound_reference = false`) and `s± = −γ±·Δ±/w_ref±`:
//! * mult_noise: up `w + (s⁺w + Δ⁺)·f`, down `w − (s⁻w + Δ⁻)·f`;
//! * additive: up `w + s⁺w + Δ⁺·f`, down `w − s⁻w − Δ⁻·f`.
//!
//! With γ = 1 a step shrinks to zero at the reference bound. Granularity ε = dw_min.

use super::{Cell, Step};
use crate::params::PulsedParams;

/// The linear-step law with its mean parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearStep {
    pub gamma_up: f64,
    pub gamma_down: f64,
    pub gamma_up_dtod: f64,
    pub gamma_down_dtod: f64,
    /// Reference bounds: `Some((w_min, w_max))` nominal, `None` the cell's own.
    pub reference: Option<(f64, f64)>,
    pub mult_noise: bool,
}

/// A cell's slopes `s⁺`, `s⁻`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slopes {
    pub up: f64,
    pub down: f64,
}

impl LinearStep {
    /// The law of `p.linear_step` with `p`'s nominal bounds.
    pub fn new(p: &PulsedParams) -> LinearStep {
        let l = &p.linear_step;
        LinearStep {
            gamma_up: l.gamma_up,
            gamma_down: l.gamma_down,
            gamma_up_dtod: l.gamma_up_dtod,
            gamma_down_dtod: l.gamma_down_dtod,
            reference: l.mean_bound_reference.then_some((p.w_min, p.w_max)),
            mult_noise: l.mult_noise,
        }
    }
}

impl Step for LinearStep {
    type Own = Slopes;
    fn draws(&self) -> bool {
        self.gamma_up_dtod > 0.0 || self.gamma_down_dtod > 0.0
    }
    fn own(&self, c: &Cell, xi: [f64; 4]) -> Slopes {
        let gu = (self.gamma_up + self.gamma_up_dtod * xi[0]).abs();
        let gd = (self.gamma_down + self.gamma_down_dtod * xi[1]).abs();
        let (lo, hi) = self.reference.unwrap_or((c.w_min, c.w_max));
        Slopes {
            up: -gu * c.up / hi,
            down: -gd * c.down / lo,
        }
    }
    #[inline]
    fn pulse(&self, c: &Cell, s: &Slopes, w: f64, up: bool, f: f64) -> f64 {
        match (up, self.mult_noise) {
            (true, true) => w + (s.up * w + c.up) * f,
            (false, true) => w - (s.down * w + c.down) * f,
            (true, false) => w + s.up * w + c.up * f,
            (false, false) => w - s.down * w - c.down * f,
        }
    }
    fn granularity(&self, p: &PulsedParams) -> f64 {
        p.dw_min
    }
}
