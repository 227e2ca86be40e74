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

use super::{DenseDraw, DeviceUpdate, Draws};
use crate::params::{UpdateParams, WriteNoiseModel};

/// The analytic model with its constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Analytic {
    wmin: f64,
    range: f64,
    alpha: f64,
    symmetric: bool,
    sigma: f64,
    noise: WriteNoiseModel,
}

impl Analytic {
    /// The model of `p` on the window [gmin, 1].
    pub fn new(p: &UpdateParams, gmin: f64) -> Analytic {
        Analytic {
            wmin: gmin,
            range: 1.0 - gmin,
            alpha: p.alpha,
            symmetric: p.symmetric,
            sigma: p.write_noise,
            noise: p.write_noise_model,
        }
    }

    /// The deterministic change for a request of `dg` at conductance `w`.
    fn step(&self, w: f64, dg: f64) -> f64 {
        let (a, r, wmin) = (self.alpha, self.range, self.wmin);
        if a == 0.0 {
            return dg;
        }
        let d = dg / r;
        if self.symmetric {
            let ea = a.exp();
            let big_a = r * (ea + 1.0) / (ea - 1.0);
            let b = wmin - r / (ea - 1.0);
            big_a / (1.0 + (-2.0 * a * d).exp() * (big_a / (w - b) - 1.0)) + b - w
        } else {
            let w0 = r / (1.0 - (-a).exp());
            if d > 0.0 {
                (w0 + wmin - w) * (1.0 - (-a * d).exp())
            } else {
                (wmin + r - w0 - w) * (1.0 - (a * d).exp())
            }
        }
    }
}

impl Analytic {
    /// The new conductance for a request `dg` at `g` with unit normal draw `xi`.
    pub fn step_with_noise(&self, g: f64, dg: f64, xi: f64) -> f64 {
        let mut delta = self.step(g, dg);
        if self.sigma > 0.0 && delta != 0.0 {
            let r = self.range;
            let s = match self.noise {
                WriteNoiseModel::Independent => (delta.abs() * r).sqrt(),
                WriteNoiseModel::Proportional => delta.abs().sqrt() * g / r.sqrt(),
                WriteNoiseModel::Inverse => delta.abs().sqrt() / g * r.powf(1.5),
            };
            delta += s * self.sigma * xi;
        }
        (g + delta).clamp(self.wmin, self.wmin + self.range)
    }
}

impl DeviceUpdate for Analytic {
    /// One normal per request when there is write noise.
    fn dense_draw(&self) -> Option<DenseDraw> {
        (self.sigma > 0.0).then_some(DenseDraw::Normal)
    }

    fn respond(&self, _cell: usize, g: f64, dg: f64, draws: &Draws) -> f64 {
        self.step_with_noise(g, dg, draws.dense)
    }
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
