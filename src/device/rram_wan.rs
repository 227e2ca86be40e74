//! RRAM programming error after Wan et al., Nature 608, 504 (2022), as in
//! CrossSim (spec §11.8). With G in µS (Gmax = 1e6/Rmin, at most 39.26 µS):
//! `σ_G = max(1.536e-4 G³ - 1.167e-2 G² + 2.374e-1 G + 1.053, 0)` µS and
//! `G' = G + grange·σ_G/(Gmax - Gmin)·e`.

use super::law::ErrorLaw;
use super::us_window::UsWindow;
use crate::error::Result;
use crate::params::DeviceParams;

/// Wan's RRAM programming error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RramWan {
    w: UsWindow,
}

impl RramWan {
    /// The law for device `d`; Gmax above 39.26 µS is an error.
    pub fn new(d: &DeviceParams, path: &str) -> Result<RramWan> {
        Ok(RramWan {
            w: UsWindow::new(d, 39.26, "RRAMWan", path)?,
        })
    }
}

impl RramWan {
    /// The conductance window the law is fitted in.
    pub(crate) fn window(&self) -> &UsWindow {
        &self.w
    }
}

impl ErrorLaw for RramWan {
    fn sigma(&self, g: f64) -> f64 {
        let gu = self.w.micro_siemens(g);
        self.w
            .relative((1.536e-4 * gu * gu * gu - 1.167e-2 * gu * gu + 2.374e-1 * gu + 1.053).max(0.0))
    }
}
