//! CrossSim 2's analytic update model (spec update-models.md §A.9), on the
//! device window [wmin, wmax] = [Gmin, 1], R = wmax - wmin, requested step
//! δ = ΔG/R. Nonlinearity first, then write noise, then the clip.
//!
//! * Asymmetric (exponential) nonlinearity, `w0 = R/(1 - e^{-α})`:
//!   δ > 0: `Δ = (w0 + wmin - w)(1 - e^{-αδ})`; δ ≤ 0: `Δ = (wmax - w0 - w)(1 - e^{αδ})`
//!   — exact steps along `w(p) = wmin + w0(1 - e^{-αp})` and its mirror image.
//! * Symmetric (logistic) nonlinearity, `A = R(e^α + 1)/(e^α - 1)`,
//!   `B = wmin - R/(e^α - 1)`: `w' = A/(1 + e^{-2αδ}(A/(w - B) - 1)) + B`.
//! * α = 0: `Δ = ΔG` (linear).
//! * Write noise σ_wn, zero where Δ = 0 (one normal draw per request: dense draw c of cell c): G_INDEPENDENT `σ = sqrt(|Δ| R)·σ_wn`,
//!   G_PROPORTIONAL `σ = sqrt(|Δ|)·w/sqrt(R)·σ_wn`, G_INVERSE `σ = sqrt(|Δ|)/w·R^{3/2}·σ_wn`.

use super::{CellsMut, DenseDraw, DeviceUpdate, Draws, Run};
use crate::params::{UpdateParams, WriteNoiseModel};
use crate::simd::{clip, exp, multiversion};
use crate::storage::Stored;

/// The analytic model with its constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Analytic {
    wmin: f64,
    range: f64,
    alpha: f64,
    symmetric: bool,
    sigma: f64,
    noise: WriteNoiseModel,
    /// Constants of the nonlinearity, computed once (the same values, bit for
    /// bit, that a per-cell evaluation of their formulas gives): asymmetric
    /// `w0 = R/(1 − e^{−α})`; symmetric `A = R(e^α + 1)/(e^α − 1)` and
    /// `B = wmin − R/(e^α − 1)`.
    w0: f64,
    big_a: f64,
    b: f64,
    /// `R^{3/2}` and `√R` of the write-noise scales.
    r15: f64,
    sqrt_r: f64,
}

impl Analytic {
    /// The model of `p` on the window [gmin, 1].
    pub fn new(p: &UpdateParams, gmin: f64) -> Analytic {
        let (a, r) = (p.alpha, 1.0 - gmin);
        let ea = a.exp();
        Analytic {
            wmin: gmin,
            range: r,
            alpha: a,
            symmetric: p.symmetric,
            sigma: p.write_noise,
            noise: p.write_noise_model,
            w0: r / (1.0 - (-a).exp()),
            big_a: r * (ea + 1.0) / (ea - 1.0),
            b: gmin - r / (ea - 1.0),
            r15: r.powf(1.5),
            sqrt_r: r.sqrt(),
        }
    }

    /// The kernel's variant: (α = 0, symmetric, write-noise law: 0 none,
    /// 1 G_INDEPENDENT, 2 G_PROPORTIONAL, 3 G_INVERSE).
    pub(crate) fn shape(&self) -> (bool, bool, u8) {
        let noise = match self.noise {
            _ if self.sigma <= 0.0 => 0,
            WriteNoiseModel::Independent => 1,
            WriteNoiseModel::Proportional => 2,
            WriteNoiseModel::Inverse => 3,
        };
        (self.alpha == 0.0, self.symmetric, noise)
    }

    /// The constants a device kernel computes the variant with:
    /// wmin, R, α, w0, A, B, σ_wn, R^{3/2}, √R (the fields above).
    pub(crate) fn constants(&self) -> [f64; 9] {
        [
            self.wmin,
            self.range,
            self.alpha,
            self.w0,
            self.big_a,
            self.b,
            self.sigma,
            self.r15,
            self.sqrt_r,
        ]
    }

    /// New conductance for a request `dg` at `g` with unit normal `xi`, for
    /// one variant ([`Analytic::shape`]; `LIN`: α = 0): its branches are
    /// resolved when compiled, the rest are selects, so that runs vectorise.
    #[inline(always)]
    fn cell<const LIN: bool, const SYM: bool, const NOISE: u8>(&self, g: f64, dg: f64, xi: f64) -> f64 {
        let (a, r, wmin) = (self.alpha, self.range, self.wmin);
        let delta = if LIN {
            dg
        } else if SYM {
            let d = dg / r;
            let (big_a, b) = (self.big_a, self.b);
            big_a / (1.0 + exp(-2.0 * a * d) * (big_a / (g - b) - 1.0)) + b - g
        } else {
            // One exponential of ∓αδ, then the factor of its direction.
            let d = dg / r;
            let up = d > 0.0;
            let e = exp(if up { -a * d } else { a * d });
            let w0 = self.w0;
            let base = if up { w0 + wmin - g } else { wmin + r - w0 - g };
            base * (1.0 - e)
        };
        let delta = if NOISE == 0 {
            delta
        } else {
            let s = match NOISE {
                1 => (delta.abs() * r).sqrt(),
                2 => delta.abs().sqrt() * g / self.sqrt_r,
                _ => delta.abs().sqrt() / g * self.r15,
            };
            let noisy = delta + s * self.sigma * xi;
            if delta != 0.0 {
                noisy
            } else {
                delta
            }
        };
        clip(g + delta, wmin, wmin + r)
    }

    /// The new conductance for a request `dg` at `g` with unit normal draw `xi`.
    pub fn step_with_noise(&self, g: f64, dg: f64, xi: f64) -> f64 {
        macro_rules! one {
            ($lin:literal, $sym:literal, $noise:literal) => {
                self.cell::<$lin, $sym, $noise>(g, dg, xi)
            };
        }
        by_shape!(self.shape(), one)
    }
}

/// Calls `$m!(LIN, SYM, NOISE)` with the literals of variant `$shape`.
macro_rules! by_shape {
    ($shape:expr, $m:ident) => {
        match $shape {
            (true, _, 0) => $m!(true, false, 0),
            (true, _, 1) => $m!(true, false, 1),
            (true, _, 2) => $m!(true, false, 2),
            (true, _, _) => $m!(true, false, 3),
            (false, false, 0) => $m!(false, false, 0),
            (false, false, 1) => $m!(false, false, 1),
            (false, false, 2) => $m!(false, false, 2),
            (false, false, _) => $m!(false, false, 3),
            (false, true, 0) => $m!(false, true, 0),
            (false, true, 1) => $m!(false, true, 1),
            (false, true, 2) => $m!(false, true, 2),
            (false, true, _) => $m!(false, true, 3),
        }
    };
}
use by_shape;

impl DeviceUpdate for Analytic {
    /// One normal per request when there is write noise.
    fn dense_draw(&self) -> Option<DenseDraw> {
        (self.sigma > 0.0).then_some(DenseDraw::Normal)
    }

    /// One vectorised pass over the run (the same bits as [`Analytic::respond`] per cell).
    fn respond_run(&self, g: CellsMut<'_>, run: &Run) -> bool {
        match g {
            CellsMut::Single(g) => analytic_run(self, g, run.change, run.dense),
            CellsMut::Double(g) => analytic_run(self, g, run.change, run.dense),
        }
    }

    #[inline(always)]
    fn respond(&self, _cell: usize, g: f64, dg: f64, draws: &Draws) -> f64 {
        self.step_with_noise(g, dg, draws.dense)
    }
}

/// One variant's pass over a run: cells asked for 0 keep their value.
#[inline(always)]
fn cells<S: Stored, const LIN: bool, const SYM: bool, const NOISE: u8>(
    m: &Analytic,
    g: &mut [S],
    change: &[f64],
    normals: &[f64],
) -> bool {
    let mut any = false;
    // Index loops over slices cut to one length: no early exit, so they vectorise.
    if NOISE == 0 {
        let n = g.len().min(change.len());
        let (g, change) = (&mut g[..n], &change[..n]);
        for j in 0..n {
            let (g, c) = (&mut g[j], change[j]);
            let old: f64 = (*g).into();
            let new = m.cell::<LIN, SYM, NOISE>(old, c, 0.0);
            let written = c != 0.0;
            *g = S::store(if written { new } else { old });
            any |= written;
        }
    } else {
        let n = g.len().min(change.len()).min(normals.len());
        let (g, change, normals) = (&mut g[..n], &change[..n], &normals[..n]);
        for j in 0..n {
            let (g, c, xi) = (&mut g[j], change[j], normals[j]);
            let old: f64 = (*g).into();
            let new = m.cell::<LIN, SYM, NOISE>(old, c, xi);
            let written = c != 0.0;
            *g = S::store(if written { new } else { old });
            any |= written;
        }
    }
    any
}

#[inline(always)]
fn analytic_body<S: Stored>(m: &Analytic, g: &mut [S], change: &[f64], normals: &[f64]) -> bool {
    macro_rules! run {
        ($lin:literal, $sym:literal, $noise:literal) => {
            cells::<S, $lin, $sym, $noise>(m, g, change, normals)
        };
    }
    by_shape!(m.shape(), run)
}

multiversion! {
    fn analytic_run<S: Stored>(m: &Analytic, g: &mut [S], change: &[f64], normals: &[f64]) -> bool = analytic_body;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::UpdateModel;

    fn model(alpha: f64, symmetric: bool) -> Analytic {
        let p = UpdateParams {
            model: UpdateModel::Analytic,
            alpha,
            symmetric,
            ..UpdateParams::default()
        };
        Analytic::new(&p, 0.1)
    }

    #[test]
    fn asymmetric_steps_follow_the_exponential_trajectory() {
        // From wmin, a full-range request (δ = 1) reaches wmin + w0(1 - e^{-α}) = wmax.
        let m = model(2.0, false);
        assert!((m.step_with_noise(0.1, 0.9, 0.0) - 1.0).abs() < 1e-12);
        // Two half steps equal one full step (a trajectory, not a per-step law).
        let half = m.step_with_noise(m.step_with_noise(0.1, 0.45, 0.0), 0.45, 0.0);
        assert!((half - 1.0).abs() < 1e-12, "{half}");
        // Potentiation saturates: the same request moves less near the top.
        assert!(m.step_with_noise(0.9, 0.05, 0.0) - 0.9 < m.step_with_noise(0.2, 0.05, 0.0) - 0.2);
    }

    #[test]
    fn symmetric_steps_are_logistic_and_reversible() {
        let m = model(1.5, true);
        let up = m.step_with_noise(0.5, 0.2, 0.0);
        let back = m.step_with_noise(up, -0.2, 0.0);
        assert!((back - 0.5).abs() < 1e-12, "{back}");
        assert!((m.step_with_noise(0.1, 0.9, 0.0) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn linear_without_alpha() {
        let m = model(0.0, false);
        assert!((m.step_with_noise(0.3, 0.2, 0.0) - 0.5).abs() < 1e-15);
        assert_eq!(m.step_with_noise(0.95, 0.2, 0.0), 1.0);
    }
}
