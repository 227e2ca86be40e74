//! SONOS (spec §11.6): an empirical 40 nm SONOS charge-trap cell. Errors are
//! defined on the cell current `I` (nA) at the read voltage; time is in days.
//!
//! `I(G) = Imin + (Imax - Imin)·(G - gmin)/grange`, `Imax = Vread/Rmin·1e9`,
//! `Imin = Imax·gmin`. Programming and drift: after t > 0 days the current
//! moves by a degree-10 polynomial `I += Σ_k p_k(t) I^k`, then
//! `σ_I = max(A - A·e^{-I/B}, 0)` and
//! `G' = gmin + grange·(I - Imin)/(Imax - Imin) + grange·σ_I/(Imax - Imin)·e`. Read noise: the same σ law with
//! `A_r = 12.58037`, `B_r = 215.36557` on the current conductance.
//! Coefficients are tabulated at t = 0..5 days and interpolated linearly in t
//! (extrapolated outside).

use super::law::ErrorLaw;
use crate::error::{Error, Result};
use crate::params::DeviceParams;

/// `(A, B, p_0..p_10)` at t = 0, 1, 2, 3, 4, 5 days.
const TABLE: [[f64; 13]; 6] = [
    [19.88665, 176.3115, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
    [
        25.59102,
        186.85544,
        1.72684e-01,
        5.72552e-02,
        -6.85715e-04,
        3.50271e-06,
        -9.37682e-09,
        1.40575e-11,
        -1.19803e-14,
        5.41293e-18,
        -8.85448e-22,
        -1.66869e-25,
        5.95180e-29,
    ],
    [
        28.72753,
        193.56834,
        2.50712e-01,
        6.62195e-02,
        -6.83218e-04,
        2.99442e-06,
        -6.78255e-09,
        7.70482e-12,
        -3.04983e-15,
        -2.15919e-18,
        2.94617e-21,
        -1.23359e-24,
        1.85329e-28,
    ],
    [
        31.04318,
        198.90332,
        -1.75300e-02,
        9.76883e-02,
        -9.63791e-04,
        4.55551e-06,
        -1.22391e-08,
        1.93786e-11,
        -1.85899e-14,
        1.07659e-17,
        -3.58211e-21,
        5.96785e-25,
        -3.30410e-29,
    ],
    [
        33.76214,
        204.77023,
        4.03338e-02,
        1.03111e-01,
        -1.04740e-03,
        4.83961e-06,
        -1.28132e-08,
        1.99484e-11,
        -1.85139e-14,
        1.00008e-17,
        -2.84944e-21,
        3.01008e-25,
        1.18747e-29,
    ],
    [
        34.57909,
        207.34309,
        3.19927e-01,
        1.06596e-01,
        -1.04054e-03,
        4.50290e-06,
        -1.10352e-08,
        1.56477e-11,
        -1.27592e-14,
        5.45513e-18,
        -7.26841e-22,
        -2.43893e-25,
        7.14608e-29,
    ],
];
const READ_A: f64 = 12.58037;
const READ_B: f64 = 215.36557;

/// The current window of a SONOS cell.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    imax: f64,
    imin: f64,
    gmin: f64,
    grange: f64,
}

impl Window {
    fn new(d: &DeviceParams, path: &str) -> Result<Window> {
        let gmin = d.gmin_norm();
        let imax = 1.0 / d.rmin * d.vread * 1e9;
        if imax > 3200.0 {
            return Err(Error::params(format!(
                "{path}: SONOS needs a maximum read current Vread/Rmin <= 3200 nA, got {imax} nA"
            )));
        }
        Ok(Window {
            imax,
            imin: imax * gmin,
            gmin,
            grange: 1.0 - gmin,
        })
    }
    /// `[Imax, Imin, gmin, grange]`.
    fn parts(&self) -> [f64; 4] {
        [self.imax, self.imin, self.gmin, self.grange]
    }
    fn current(&self, g: f64) -> f64 {
        self.imin + (self.imax - self.imin) * (g - self.gmin) / self.grange
    }
    fn sigma(&self, a: f64, b: f64, i: f64) -> f64 {
        (a - a * (-i / b).exp()).max(0.0) / (self.imax - self.imin) * self.grange
    }
}

/// Programming error and drift of a SONOS cell at `t` days after programming.
#[derive(Debug, Clone, PartialEq)]
pub struct SonosWrite {
    w: Window,
    coeffs: [f64; 13],
    t: f64,
}

impl SonosWrite {
    /// The write law at `days` after programming (0 = programming error only).
    pub fn new(d: &DeviceParams, days: f64, path: &str) -> Result<SonosWrite> {
        let w = Window::new(d, path)?;
        if days > 0.0 && w.imax >= 1800.0 {
            return Err(Error::params(format!(
                "{path}: SONOS drift is only calibrated for read currents below 1800 nA, got {} nA (lower Vread or raise Rmin)",
                w.imax
            )));
        }
        let mut coeffs = [0.0; 13];
        let k = (days.floor().clamp(0.0, 4.0)) as usize;
        let f = days - k as f64;
        for (c, (lo, hi)) in coeffs.iter_mut().zip(TABLE[k].iter().zip(&TABLE[k + 1])) {
            *c = if f == 0.0 { *lo } else { lo + (hi - lo) * f };
        }
        Ok(SonosWrite { w, coeffs, t: days })
    }

    /// The current window `[Imax, Imin, gmin, grange]`.
    pub(crate) fn window(&self) -> [f64; 4] {
        self.w.parts()
    }

    /// `(A, B, p_0..p_10)` at this law's time.
    pub(crate) fn coefficients(&self) -> &[f64; 13] {
        &self.coeffs
    }

    /// Days after programming.
    pub(crate) fn days(&self) -> f64 {
        self.t
    }

    fn drifted_current(&self, g: f64) -> f64 {
        let mut i = self.w.current(g);
        if self.t > 0.0 {
            let mut diff = 0.0;
            let mut pow = 1.0;
            for p in &self.coeffs[2..] {
                diff += p * pow;
                pow *= i;
            }
            i += diff;
        }
        i
    }
}

impl ErrorLaw for SonosWrite {
    fn shift(&self, g: f64) -> f64 {
        let i = self.drifted_current(g);
        self.w.gmin + self.w.grange * (i - self.w.imin) / (self.w.imax - self.w.imin)
    }
    fn sigma(&self, g: f64) -> f64 {
        self.w.sigma(self.coeffs[0], self.coeffs[1], self.drifted_current(g))
    }
}

/// Read noise of a SONOS cell.
#[derive(Debug, Clone, PartialEq)]
pub struct SonosRead {
    w: Window,
}

impl SonosRead {
    /// The read-noise law of the device `d`.
    pub fn new(d: &DeviceParams, path: &str) -> Result<SonosRead> {
        Ok(SonosRead {
            w: Window::new(d, path)?,
        })
    }
}

impl SonosRead {
    /// The current window `[Imax, Imin, gmin, grange]`.
    pub(crate) fn window(&self) -> [f64; 4] {
        self.w.parts()
    }

    /// The read-noise law's `(A_r, B_r)`.
    pub(crate) fn coefficients(&self) -> (f64, f64) {
        (READ_A, READ_B)
    }
}

impl ErrorLaw for SonosRead {
    fn sigma(&self, g: f64) -> f64 {
        self.w.sigma(READ_A, READ_B, self.w.current(g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec §17.2 S7: SONOS-TCAS (Rmin 35 kΩ, Vread 0.1 V, so Imax = 2857.14 nA)
    /// at Gmax: σ_G = A(1 - e^{-Imax/B})/(Imax - Imin)·grange ≈ 0.00696.
    #[test]
    fn s7_sigma_at_gmax() {
        let p = crate::params::Params::preset("SONOS-TCAS").unwrap();
        let law = SonosWrite::new(&p.xbar.device, 0.0, "x").unwrap();
        let s = law.sigma(1.0);
        assert!((s - 0.00696).abs() < 5e-5, "{s}");
        assert!(law.sigma(p.xbar.device.gmin_norm()) < 1e-8);
        assert_eq!(law.shift(0.7), 0.7);
    }

    #[test]
    fn drift_needs_low_current() {
        let p = crate::params::Params::preset("SONOS-TCAS").unwrap();
        assert!(SonosWrite::new(&p.xbar.device, 1.0, "x").is_err());
        let mut d = p.xbar.device.clone();
        d.vread = 0.05;
        let law = SonosWrite::new(&d, 1.0, "x").unwrap();
        assert!(law.shift(1.0) != 1.0);
    }
}
