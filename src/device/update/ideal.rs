//! The ideal update: `G' = clip(G + ΔG, Gmin, 1)`, the reference for tests.

use super::{DeviceUpdate, Draws};

/// Exact linear update within the device window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ideal {
    pub gmin: f64,
}

impl DeviceUpdate for Ideal {
    fn respond(&self, _cell: usize, g: f64, dg: f64, _draws: &Draws) -> f64 {
        (g + dg).clamp(self.gmin, 1.0)
    }
}
