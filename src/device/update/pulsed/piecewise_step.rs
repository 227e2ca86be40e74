//! PiecewiseStep (spec update-models.md §B.5): step factors given at `n + 1`
//! equally spaced nodes over the cell's range `[b_min, b_max]` and
//! interpolated linearly: `t = max(0, (w − b_min)/(b_max − b_min)·n)`,
//! `i = min(⌊t⌋, n − 1)`, `q = min(t − i, 1)`, factor `(1 − q)·v_i + q·v_{i+1}`
//! (`v_0` with one node or an empty range); up `w + Δ⁺·factor_up·f`, down
//! `w − Δ⁻·factor_down·f`. Granularity ε = dw_min·up[len/2].

use super::{Cell, Step};
use crate::params::PulsedParams;

/// The piecewise-linear step law.
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseStep {
    up: Vec<f64>,
    down: Vec<f64>,
}

impl PiecewiseStep {
    pub fn new(p: &PulsedParams) -> PiecewiseStep {
        PiecewiseStep {
            up: p.piecewise_step.up.clone(),
            down: p.piecewise_step.down.clone(),
        }
    }
}

/// The interpolated factor of nodes `v` at `w` in the cell's range.
#[inline]
fn factor(v: &[f64], c: &Cell, w: f64) -> f64 {
    let n = v.len() - 1;
    if n == 0 || c.w_max <= c.w_min {
        return v[0];
    }
    let t = ((w - c.w_min) / (c.w_max - c.w_min) * n as f64).max(0.0);
    let i = (t.floor() as usize).min(n - 1);
    let q = (t - i as f64).min(1.0);
    (1.0 - q) * v[i] + q * v[i + 1]
}

impl Step for PiecewiseStep {
    type Own = ();
    fn draws(&self) -> bool {
        false
    }
    fn own(&self, _cell: &Cell, _xi: [f64; 4]) {}
    #[inline]
    fn pulse(&self, c: &Cell, _own: &(), w: f64, up: bool, f: f64) -> f64 {
        if up {
            w + c.up * factor(&self.up, c, w) * f
        } else {
            w - c.down * factor(&self.down, c, w) * f
        }
    }
    fn granularity(&self, p: &PulsedParams) -> f64 {
        p.dw_min * self.up[self.up.len() / 2]
    }
}
