//! CrossSim's generic device models (spec §11.5): Normal or Uniform error,
//! independent of G, proportional to G, or inversely proportional to G.
//! `magnitude` is the standard deviation (Normal) or the full width (Uniform).

use super::law::{Dist, ErrorLaw};

/// How the error scales with the conductance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scaling {
    /// `G' = G + m·e`.
    Independent,
    /// `G' = G·(1 + m·e)`.
    Proportional,
    /// `G' = G + m·e/G` (0 where G = 0).
    InverseProportional,
}

/// A generic error law.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generic {
    pub dist: Dist,
    pub scaling: Scaling,
    pub magnitude: f64,
}

impl ErrorLaw for Generic {
    fn dist(&self) -> Dist {
        self.dist
    }
    fn sigma(&self, g: f64) -> f64 {
        match self.scaling {
            Scaling::Independent => self.magnitude,
            Scaling::Proportional => self.magnitude * g,
            Scaling::InverseProportional => {
                if g != 0.0 {
                    self.magnitude / g
                } else {
                    0.0
                }
            }
        }
    }
}
