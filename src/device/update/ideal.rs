//! The ideal update: `G' = clip(G + ΔG, Gmin, 1)`, the reference for tests.

use super::DeviceUpdate;
use crate::rng::Stream;

/// Exact linear update within the device window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ideal {
    pub gmin: f64,
}

impl DeviceUpdate for Ideal {
    fn apply(&self, _cell: usize, g: f64, dg: f64, _draws: &Stream) -> f64 {
        (g + dg).clamp(self.gmin, 1.0)
    }
}
