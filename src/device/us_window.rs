//! The conductance window in microsiemens, shared by the measured device
//! models whose error laws are fitted in µS (PCMJoshi, RRAMWan, RRAMMilo).

use crate::error::{Error, Result};
use crate::params::DeviceParams;

/// `Gmax = 1e6/Rmin` µS and `Gmin = Gmax·gmin` µS, with the normalised window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsWindow {
    pub gmax_us: f64,
    pub gmin_us: f64,
    gmin: f64,
    grange: f64,
}

impl UsWindow {
    /// The window of `d`; a Gmax above `limit_us` is an error naming `model`.
    pub fn new(d: &DeviceParams, limit_us: f64, model: &str, path: &str) -> Result<UsWindow> {
        let gmax_us = 1e6 / d.rmin;
        if gmax_us > limit_us {
            return Err(Error::params(format!(
                "{path}: {model} is calibrated for Gmax <= {limit_us} uS, got {gmax_us} uS (Rmin = {} ohm; raise xbar.device.Rmin)",
                d.rmin
            )));
        }
        let gmin = d.gmin_norm();
        Ok(UsWindow {
            gmax_us,
            gmin_us: gmax_us * gmin,
            gmin,
            grange: 1.0 - gmin,
        })
    }
    /// Normalised conductance → µS.
    pub fn micro_siemens(&self, g: f64) -> f64 {
        self.gmin_us + (self.gmax_us - self.gmin_us) * (g - self.gmin) / self.grange
    }
    /// Gmin in units of Gmax.
    pub(crate) fn gmin(&self) -> f64 {
        self.gmin
    }
    /// `1 - gmin`.
    pub(crate) fn grange(&self) -> f64 {
        self.grange
    }
    /// A σ in µS → normalised conductance units.
    pub fn relative(&self, sigma_us: f64) -> f64 {
        sigma_us / (self.gmax_us - self.gmin_us) * self.grange
    }
}
