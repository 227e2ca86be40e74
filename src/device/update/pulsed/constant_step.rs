//! ConstantStep (spec update-models.md §B.5): every pulse moves the weight
//! by the cell's step, `w + Δ⁺·f` up and `w − Δ⁻·f` down (`f` the
//! cycle-to-cycle factor). Granularity ε = dw_min.

use super::{Cell, Step};
use crate::params::PulsedParams;

/// A constant step per pulse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstantStep;

impl Step for ConstantStep {
    type Own = ();
    fn draws(&self) -> bool {
        false
    }
    fn own(&self, _cell: &Cell, _xi: [f64; 4]) {}
    #[inline]
    fn pulse(&self, c: &Cell, _own: &(), w: f64, up: bool, f: f64) -> f64 {
        if up {
            w + c.up * f
        } else {
            w - c.down * f
        }
    }
    fn granularity(&self, p: &PulsedParams) -> f64 {
        p.dw_min
    }
}
