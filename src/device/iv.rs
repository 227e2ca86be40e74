//! Current-voltage nonlinearity of a cell (`xbar.device.nonlinear_IV`, spec
//! §11.9–11.11). Every model CrossSim ships is a cubic polynomial in the cell
//! voltage whose coefficients depend on the programmed conductance; in
//! normalised units (conductance `g` in units of Gmax = 1/Rmin, voltage `u` in
//! units of Vread, current in units of Gmax·Vread):
//!
//! `I(g, u) = g·u + a2(g)·u² + a3(g)·u³`
//!
//! * `IdealDevice`: `a2 = a3 = 0` (an ohmic cell).
//! * `RRAMMilo` (Milo et al., IRPS 2019): with `G = g/Rmin` in siemens,
//!   `L = log10(G + 1e-16)`, `NL2 = 1.388e-4 L³ + 1.541e-3 L² + 5.711e-3 L + 7.063e-3`
//!   and `NL3 = 8.8710e-5 L² + 6.7919e-4 L + 1.2968e-3` (both 0 where
//!   `G < 1e-9` S), the physical current is `G V + NL2 V² + NL3 V³` (amperes, V in
//!   volts), so `a2 = NL2·Rmin·Vread` and `a3 = NL3·Rmin·Vread²`.
//! * `CubicDevice`: `I = G (V − V³/4)`, so `a2 = 0` and `a3 = −g·Vread²/4`.

use crate::error::{Error, Result};
use crate::params::{DeviceModel, DeviceParams};

/// Conductances below this (siemens) carry no RRAMMilo nonlinearity (CrossSim's cut).
const MILO_LINEAR_BELOW_S: f64 = 1e-9;

/// One cell I-V law: `I(g, u) = g·u + a2(g)·u² + a3(g)·u³`, normalised (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IvModel {
    /// CrossSim's `RRAMMilo` nonlinearity at `rmin` ohms and `vread` volts.
    RramMilo { rmin: f64, vread: f64 },
    /// CrossSim's `CubicDevice` at `vread` volts.
    Cubic { vread: f64 },
}

impl IvModel {
    /// The I-V law `d.nonlinear_IV` enables, or `None` for ohmic cells
    /// (disabled, or `IdealDevice`). Applies CrossSim's range checks: RRAMMilo
    /// needs 50 µS ≤ Gmin, Gmax ≤ 225 µS and Vread ≤ 0.5 V; CubicDevice Vread ≤ 2 V.
    pub fn from_params(d: &DeviceParams) -> Result<Option<IvModel>> {
        let e = &d.nonlinear_iv;
        if !e.enable {
            return Ok(None);
        }
        let path = "xbar.device.nonlinear_IV.model";
        match e.model {
            DeviceModel::Ideal => Ok(None),
            DeviceModel::RramMilo => {
                // The window checks of the RRAMMilo programming-error law apply to its I-V law too.
                super::rram_milo::RramMilo::new(d, path)?;
                if d.vread > 0.5001 {
                    return Err(Error::params(format!(
                        "xbar.device.Vread: RRAMMilo's I-V law is fitted up to 0.5 V, got {} V",
                        d.vread
                    )));
                }
                Ok(Some(IvModel::RramMilo {
                    rmin: d.rmin,
                    vread: d.vread,
                }))
            }
            DeviceModel::Cubic => {
                if d.vread > 2.00001 {
                    return Err(Error::params(format!(
                        "xbar.device.Vread: CubicDevice's I-V law is defined up to 2 V, got {} V",
                        d.vread
                    )));
                }
                Ok(Some(IvModel::Cubic { vread: d.vread }))
            }
            other => Err(Error::params(format!(
                "{path}: {} has no I-V law; use IdealDevice, RRAMMilo or CubicDevice",
                other.name()
            ))),
        }
    }

    /// The coefficients `(a2, a3)` of a cell of conductance `g` (units of Gmax).
    pub fn coefficients(&self, g: f64) -> (f64, f64) {
        match *self {
            IvModel::RramMilo { rmin, vread } => {
                let gs = g / rmin;
                if gs < MILO_LINEAR_BELOW_S {
                    return (0.0, 0.0);
                }
                let l = (gs + 1e-16).log10();
                let nl2 = ((1.388e-4 * l + 1.541e-3) * l + 5.711e-3) * l + 7.063e-3;
                let nl3 = (8.8710e-5 * l + 6.7919e-4) * l + 1.2968e-3;
                (nl2 * rmin * vread, nl3 * rmin * vread * vread)
            }
            IvModel::Cubic { vread } => (0.0, -0.25 * g * vread * vread),
        }
    }

    /// The normalised current of a cell of conductance `g` at normalised voltage `u`.
    pub fn current(&self, g: f64, u: f64) -> f64 {
        let (a2, a3) = self.coefficients(g);
        cubic(g, a2, a3, u)
    }
}

/// `g·u + a2·u² + a3·u³`.
#[inline]
pub fn cubic(g: f64, a2: f64, a3: f64, u: f64) -> f64 {
    ((a3 * u + a2) * u + g) * u
}

/// `dI/du = g + 2·a2·u + 3·a3·u²`.
#[inline]
pub fn cubic_slope(g: f64, a2: f64, a3: f64, u: f64) -> f64 {
    (3.0 * a3 * u + 2.0 * a2) * u + g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_device_is_g_times_v_minus_v3_over_4() {
        let m = IvModel::Cubic { vread: 0.5 };
        // V = 0.4·0.5 = 0.2 V: I/(Gmax·Vread) = g (u − 0.25·Vread²·u³).
        let (g, u) = (0.7, 0.4);
        let want = g * (u - 0.25 * 0.25 * u * u * u);
        assert!((m.current(g, u) - want).abs() < 1e-16);
    }

    #[test]
    fn rram_milo_matches_the_physical_formula() {
        let (rmin, vread) = (5000.0, 0.3);
        let m = IvModel::RramMilo { rmin, vread };
        let (g, u) = (0.6, -0.8);
        let gs: f64 = g / rmin;
        let l = gs.log10();
        let nl2 = 1.388e-4 * l.powi(3) + 1.541e-3 * l.powi(2) + 5.711e-3 * l + 7.063e-3;
        let nl3 = 8.8710e-5 * l.powi(2) + 6.7919e-4 * l + 1.2968e-3;
        let v = u * vread;
        let amps = gs * v + nl2 * v * v + nl3 * v * v * v;
        // Normalised: amperes / (Gmax·Vread). (CrossSim's `+ 1e-16` inside the
        // log and the different grouping move the result by about 1e-13.)
        let want = amps * rmin / vread;
        assert!((m.current(g, u) - want).abs() <= 1e-12 * want.abs());
        let (a2, a3) = m.coefficients(g);
        let h = 1e-6;
        let slope = (cubic(g, a2, a3, u + h) - cubic(g, a2, a3, u - h)) / (2.0 * h);
        assert!((cubic_slope(g, a2, a3, u) - slope).abs() < 1e-8);
    }
}
