//! ExpStep (spec update-models.md §B.5): with `z = 2a·w/(b_max − b_min) + b`,
//! up steps `Δ⁺·max(0, 1 − A_up·e^{γ_up·z})·f` and down steps
//! `Δ⁻·max(0, 1 − A_down·e^{−γ_down·z})·f`; a cell with `b_max = b_min`
//! does not move. Granularity as aihwkit computes it (§B.1, Part C.4): the
//! mean down step at w = 0, `(1 − max(up_down, 0))·dw_min·max(0, 1 −
//! A_down·e^{−γ_down·b})` (dw_min when that is 0).

use super::{Cell, Step};
use crate::params::{ExpStepParams, PulsedParams};

/// The exponential step law.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpStep {
    p: ExpStepParams,
}

impl ExpStep {
    pub fn new(p: &PulsedParams) -> ExpStep {
        ExpStep { p: p.exp_step.clone() }
    }
}

impl Step for ExpStep {
    type Own = ();
    fn draws(&self) -> bool {
        false
    }
    fn own(&self, _cell: &Cell, _xi: [f64; 4]) {}
    #[inline]
    fn pulse(&self, c: &Cell, _own: &(), w: f64, up: bool, f: f64) -> f64 {
        let range = c.w_max - c.w_min;
        if range == 0.0 {
            return w;
        }
        let p = &self.p;
        let z = 2.0 * p.a * w / range + p.b;
        if up {
            w + (1.0 - p.a_up * (p.gamma_up * z).exp()).max(0.0) * c.up * f
        } else {
            w - (1.0 - p.a_down * (-p.gamma_down * z).exp()).max(0.0) * c.down * f
        }
    }
    fn granularity(&self, p: &PulsedParams) -> f64 {
        let e = &self.p;
        let down = (1.0 - p.up_down.max(0.0)) * p.dw_min * (1.0 - e.a_down * (-e.gamma_down * e.b).exp()).max(0.0);
        if down == 0.0 {
            p.dw_min
        } else {
            down
        }
    }
}
