//! The programmable conductance range and its quantisation to `cell_bits`
//! levels (spec §0, §11.2). Conductances are normalised: Gmax = 1/Rmin = 1.

use crate::params::DeviceParams;
use crate::rounding::{rint, rintf};

/// The conductance window of a device, normalised to Gmax = 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// `Rmin/Rmax`, or 0 with an infinite on/off ratio.
    pub gmin: f64,
    /// `1 - gmin`.
    pub grange: f64,
    /// Programmable levels `2^cell_bits`; 0 = continuous.
    pub cell_bits: u32,
}

impl Window {
    /// The window of the device described by `p`.
    pub fn new(p: &DeviceParams) -> Window {
        let gmin = p.gmin_norm();
        Window {
            gmin,
            grange: 1.0 - gmin,
            cell_bits: p.cell_bits,
        }
    }

    /// The quantisation step's inverse `q = (L − 1)/(1 − gmin)` of
    /// `L = 2^cell_bits` levels on [gmin, 1], or `None` when conductances are
    /// continuous (cell_bits = 0): what [`Window::quantize`] multiplies by
    /// (and a device's copy of the quantisation takes).
    pub(crate) fn quantum(&self) -> Option<f64> {
        (self.cell_bits > 0).then(|| (2f64.powi(self.cell_bits as i32) - 1.0) / (1.0 - self.gmin))
    }

    /// Snaps f64 conductances to the nearest of `2^cell_bits` levels on
    /// [gmin, 1]: `q = (L - 1)/(1 - gmin)`, `G = rint((G - gmin)·q)/q + gmin`.
    pub fn quantize(&self, g: &mut [f64]) {
        let Some(q) = self.quantum() else {
            return;
        };
        for x in g {
            *x = rint((*x - self.gmin) * q) / q + self.gmin;
        }
    }

    /// The same quantisation carried out in single precision (each step
    /// rounded to f32, constants rounded to f32 first), as CrossSim does on
    /// balanced cores' float32 conductances.
    pub fn quantize_f32(&self, g: &mut [f32]) {
        let Some(q) = self.quantum() else {
            return;
        };
        let q = q as f32;
        let gmin = self.gmin as f32;
        for x in g {
            *x = rintf((*x - gmin) * q) / q + gmin;
        }
    }
}
