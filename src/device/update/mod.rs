//! Update models: what a device does when asked to change its conductance by
//! `ΔG` (normalised to Gmax = 1). One model per file; each maps the present
//! conductance, the requested change and a unit normal draw to the new
//! conductance, clipped to the device window [Gmin, 1].

pub mod analytic;
pub mod ideal;

use crate::params::{UpdateModel, UpdateParams};

/// A device's response to one write request.
pub trait DeviceUpdate: std::fmt::Debug + Send + Sync {
    /// New conductance of a cell at `g` asked to change by `dg`, with the unit
    /// normal draw `xi` for write noise.
    fn apply(&self, g: f64, dg: f64, xi: f64) -> f64;
    /// Whether `apply` uses its random draw.
    fn is_noisy(&self) -> bool {
        false
    }
}

/// The update model `p` describes for a device window starting at `gmin`.
pub fn model(p: &UpdateParams, gmin: f64) -> Box<dyn DeviceUpdate> {
    match p.model {
        UpdateModel::Ideal => Box::new(ideal::Ideal { gmin }),
        UpdateModel::Analytic => Box::new(analytic::Analytic::new(p, gmin)),
    }
}
