//! A balanced pair of arrays, G+ and G-, holding one signed weight as the
//! difference of two conductances (spec §5.2 A).

use super::currents::Currents;
use crate::array::{Array, Op};
use crate::batch::Batch;

/// G+ and G- arrays and how their currents are combined.
#[derive(Debug, Clone)]
pub struct Pair {
    pub pos: Array,
    pub neg: Array,
    /// `G+ - G-` precomputed at programming when the read is a plain product
    /// of the difference (CrossSim's "fast balanced" path).
    pub diff: Option<Array>,
    /// G+ and G- cells share a column wire: only their difference leaves the array.
    pub interleaved: bool,
    /// Subtract in analog (one current per line) rather than digitise both.
    pub subtract: bool,
    /// Column current limit (0 = none), applied to each raw array output.
    pub icol_max: f64,
}

impl Pair {
    /// Currents for the inputs `x` (already through the DAC).
    pub fn currents(&self, op: Op, x: &Batch) -> Currents {
        if let Some(d) = &self.diff {
            return Currents::One(d.product(op, x));
        }
        let mut p = self.pos.product(op, x);
        let n = self.neg.product(op, x);
        if self.interleaved {
            p.zip_with(&n, |a, b| a - b);
            clip(&mut p, self.icol_max);
            return Currents::One(p);
        }
        let mut n = n;
        clip(&mut p, self.icol_max);
        clip(&mut n, self.icol_max);
        if self.subtract {
            p.zip_with(&n, |a, b| a - b);
            Currents::One(p)
        } else {
            Currents::Two(p, n)
        }
    }
}

/// Clips to `[-icol_max, icol_max]` when a limit is set.
pub fn clip(b: &mut Batch, icol_max: f64) {
    if icol_max > 0.0 {
        b.clip_symmetric(icol_max);
    }
}
