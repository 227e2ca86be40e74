//! PowStep (spec update-models.md §B.5): up steps
//! `Δ⁺·((b_max − w)/range)^{γ⁺}·f`, down steps `Δ⁻·((w − b_min)/range)^{γ⁻}·f`,
//! `range = b_max − b_min` (a cell with range 0 does not move). Per cell,
//! like the steps of §B.4: gain `g = 1 + gamma_dtod·ξ0`, `r = up_down_dtod·ξ1`,
//! `γ⁺ = |(min(β,0) + g + r)·gamma|`, `γ⁻ = |(−max(β,0) + g − r)·gamma|`
//! with `β = pow_step.up_down`. Granularity ε = dw_min·0.5^gamma.

use super::{Cell, Step};
use crate::params::{PowStepParams, PulsedParams};

/// The power-law step.
#[derive(Debug, Clone, PartialEq)]
pub struct PowStep {
    p: PowStepParams,
}

/// A cell's exponents γ⁺, γ⁻.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponents {
    pub up: f64,
    pub down: f64,
}

impl PowStep {
    pub fn new(p: &PulsedParams) -> PowStep {
        PowStep { p: p.pow_step.clone() }
    }
}

impl Step for PowStep {
    type Own = Exponents;
    fn draws(&self) -> bool {
        self.p.gamma_dtod > 0.0 || self.p.up_down_dtod > 0.0
    }
    fn own(&self, _cell: &Cell, xi: [f64; 4]) -> Exponents {
        let p = &self.p;
        let gain = 1.0 + p.gamma_dtod * xi[0];
        let r = p.up_down_dtod * xi[1];
        Exponents {
            up: ((p.up_down.min(0.0) + gain + r) * p.gamma).abs(),
            down: ((-p.up_down.max(0.0) + gain - r) * p.gamma).abs(),
        }
    }
    #[inline]
    fn pulse(&self, c: &Cell, e: &Exponents, w: f64, up: bool, f: f64) -> f64 {
        let range = c.w_max - c.w_min;
        if range == 0.0 {
            return w;
        }
        if up {
            w + c.up * ((c.w_max - w) / range).powf(e.up) * f
        } else {
            w - c.down * ((w - c.w_min) / range).powf(e.down) * f
        }
    }
    fn granularity(&self, p: &PulsedParams) -> f64 {
        p.dw_min * 0.5f64.powf(self.p.gamma)
    }
}
