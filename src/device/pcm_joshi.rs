//! PCM programming error after Joshi et al., Nature Communications 11, 2473
//! (2020), as in CrossSim (spec §11.7). With `G_µS = Gmin + (Gmax - Gmin)·(G - gmin)/grange`
//! (Gmax = 1e6/Rmin µS, at most 25 µS): `σ_G = max(A G² + B G + C, 0)` µS with
//! A = -0.00178767, B = 0.07585724, C = 0.28638599, and
//! `G' = G + grange·σ_G/(Gmax - Gmin)·e`.

use super::law::ErrorLaw;
use super::us_window::UsWindow;
use crate::error::Result;
use crate::params::DeviceParams;

/// Joshi's PCM programming error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PcmJoshi {
    w: UsWindow,
}

impl PcmJoshi {
    /// The law for device `d`; Gmax above 25 µS is an error.
    pub fn new(d: &DeviceParams, path: &str) -> Result<PcmJoshi> {
        Ok(PcmJoshi {
            w: UsWindow::new(d, 25.0, "PCMJoshi", path)?,
        })
    }
}

impl PcmJoshi {
    /// The conductance window the law is fitted in.
    pub(crate) fn window(&self) -> &UsWindow {
        &self.w
    }
}

impl ErrorLaw for PcmJoshi {
    fn sigma(&self, g: f64) -> f64 {
        let gu = self.w.micro_siemens(g);
        self.w
            .relative((-0.00178767 * gu * gu + 0.07585724 * gu + 0.28638599).max(0.0))
    }
}
