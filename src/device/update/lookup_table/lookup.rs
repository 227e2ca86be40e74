//! The per-request update of one device (spec update-models.md §A.6), in w
//! units. A request `dw` at state `w` is `s = dw/A_dir` average pulses:
//!
//! `Δ = s·m_dir(w) + √s·e`, with `e = E_dir(u, w)` for one uniform draw `u`
//! (or 0 without write noise); in the calibrated mode (CrossSim's
//! `disable_nonlinearity`) `s = dw/m_dir(w)` (or `dw/A_dir` where the mean has
//! the wrong sign) and `Δ = dw + √s·e`.
//!
//! Lookup on uniform grids: nearest node in w (index clamped to the table) and
//! CDF row `k = ⌊u/Δc⌋`, so that every row but the last is drawn with the same
//! weight `Δc` the mean was taken with and the noise has mean zero (CrossSim's
//! nearest-row draw gives the end rows half weight, a small bias, §A.12 item 9).
//! This default draw reads the error table from a single-precision copy
//! (`E` rounded to `f32`: relative deviations up to 6·10⁻⁸, absolute ones
//! below 10⁻⁸ for the shipped tables), half the memory traffic of its random
//! row accesses. Non-uniform grids (ENODe): `m` linear in w and `E` bilinear
//! in (u, w), both held constant beyond the grid, minus the interpolated
//! error's mean.
//!
//! `LutDraw::CrossSim2` (`xbar.device.update.lut_draw = "crosssim2"`)
//! reproduces CrossSim 2.0's single-table row choice instead: row
//! `k = ⌊(u + Δc/2)/Δc⌋` (the nearest row, the last one included) read from
//! the error table in double precision, and on non-uniform grids the bilinear
//! value without its mean removed.

use super::preprocess::{Direction, Table};
use crate::params::LutDraw;

/// Index `i` with `v[i] ≤ x < v[i+1]` (clamped to `[0, n−2]`) and the fraction
/// of the way from `v[i]` to `v[i+1]`, clamped to `[0, 1]`.
#[inline]
fn bracket(v: &[f64], x: f64) -> (usize, f64) {
    let n = v.len();
    let i = v.partition_point(|&y| y <= x).clamp(1, n - 1) - 1;
    let t = ((x - v[i]) / (v[i + 1] - v[i])).clamp(0.0, 1.0);
    (i, t)
}

impl Table {
    /// Node index of state `w` on a uniform grid (nearest node, clamped).
    #[inline]
    fn node(&self, w: f64) -> usize {
        let f = (w - (self.w[0] - 0.5 * self.dw)) / self.dw;
        (f.max(0.0) as usize).min(self.w.len() - 1)
    }

    /// Mean change per pulse `m_dir(w)` and the error sample `E_dir(u, w)`
    /// (`u` = None: no noise), the row chosen as `draw` says.
    #[inline(always)]
    pub fn sample(&self, d: &Direction, w: f64, u: Option<f64>, draw: LutDraw) -> (f64, f64) {
        let ng = self.w.len();
        let nc = self.cdf.len();
        if self.uniform {
            let j = self.node(w);
            let e = match (u, draw) {
                (Some(u), LutDraw::Unbiased) => {
                    let k = ((u / self.dc) as usize).min(nc - 2);
                    d.err32[k * ng + j] as f64
                }
                (Some(u), LutDraw::CrossSim2) => {
                    let k = ((u + self.dc / 2.0) / self.dc) as usize;
                    d.err[k.min(nc - 1) * ng + j]
                }
                (None, _) => 0.0,
            };
            (d.mean[j], e)
        } else {
            let (j, t) = bracket(&self.w, w);
            let lerp = |v: &[f64]| v[j] + t * (v[j + 1] - v[j]);
            let m = lerp(&d.mean);
            let e = match u {
                Some(u) => {
                    let (k, s) = bracket(&self.cdf, u);
                    let lo = lerp(&d.err[k * ng..(k + 1) * ng]);
                    let hi = lerp(&d.err[(k + 1) * ng..(k + 2) * ng]);
                    let e = lo + s * (hi - lo);
                    match draw {
                        LutDraw::Unbiased => e - lerp(&d.bias),
                        LutDraw::CrossSim2 => e,
                    }
                }
                None => 0.0,
            };
            (m, e)
        }
    }

    /// Asks the CPU to fetch the error-table entry that [`Table::sample`]
    /// will read for a change in direction `up` at `w` with draw `u` (uniform
    /// grids only; no effect on results). Lookups land on random rows of
    /// tables larger than the caches: fetching a run's entries ahead of its
    /// pass overlaps their memory latencies.
    #[inline(always)]
    pub fn prefetch(&self, up: bool, w: f64, u: f64, draw: LutDraw) {
        if !self.uniform {
            return;
        }
        let d = if up { &self.inc } else { &self.dec };
        let (ng, nc) = (self.w.len(), self.cdf.len());
        let j = self.node(w);
        let ptr = match draw {
            LutDraw::Unbiased => {
                let k = ((u / self.dc) as usize).min(nc - 2);
                d.err32[k * ng + j..].as_ptr().cast::<i8>()
            }
            LutDraw::CrossSim2 => {
                let k = (((u + self.dc / 2.0) / self.dc) as usize).min(nc - 1);
                d.err[k * ng + j..].as_ptr().cast::<i8>()
            }
        };
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch never faults; `ptr` points into the table.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = ptr;
    }

    /// The change Δ (w units) for a request `dw` at state `w` with uniform
    /// draw `u` (None: no write noise); `calibrated` is CrossSim's
    /// `disable_nonlinearity`, `draw` the row choice. Not clipped.
    #[inline(always)]
    pub fn response(&self, w: f64, dw: f64, u: Option<f64>, calibrated: bool, draw: LutDraw) -> f64 {
        if dw == 0.0 {
            return 0.0;
        }
        let d = if dw > 0.0 { &self.inc } else { &self.dec };
        let (m, e) = self.sample(d, w, u, draw);
        if calibrated {
            let mut s = dw / m;
            if !(s.is_finite() && s > 0.0) {
                s = dw * d.inv_norm;
            }
            dw + s.sqrt() * e
        } else {
            let s = dw * d.inv_norm;
            s * m + s.sqrt() * e
        }
    }
}
