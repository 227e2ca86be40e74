//! RRAM programming error after Milo et al. (IRPS 2019), as in CrossSim
//! (spec §11.9). Valid for 50 µS ≤ Gmin, Gmax ≤ 225 µS. With G in µS:
//! `σ = max(-0.009107·G + 4.782321, 0)` µS and `G' = G + grange·σ/(Gmax - Gmin)·e`.
//! (Its I-V nonlinearity belongs to the circuit solver.)

use super::law::ErrorLaw;
use super::us_window::UsWindow;
use crate::error::{Error, Result};
use crate::params::DeviceParams;

/// Milo's RRAM programming error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RramMilo {
    w: UsWindow,
}

impl RramMilo {
    /// The law for device `d`; a conductance window outside 50–225 µS is an error.
    pub fn new(d: &DeviceParams, path: &str) -> Result<RramMilo> {
        let w = UsWindow::new(d, 225.01, "RRAMMilo", path)?;
        if w.gmin_us < 49.99 {
            return Err(Error::params(format!(
                "{path}: RRAMMilo is calibrated for conductances of at least 50 uS, got Gmin = {} uS (Rmax = {} ohm)",
                w.gmin_us, d.rmax
            )));
        }
        Ok(RramMilo { w })
    }
}

impl RramMilo {
    /// The conductance window the law is fitted in.
    pub(crate) fn window(&self) -> &UsWindow {
        &self.w
    }
}

impl ErrorLaw for RramMilo {
    fn sigma(&self, g: f64) -> f64 {
        let gu = self.w.micro_siemens(g);
        self.w.relative((-0.009107 * gu + 4.782321).max(0.0))
    }
}
