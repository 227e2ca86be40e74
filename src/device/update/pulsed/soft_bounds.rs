//! SoftBounds (spec update-models.md §B.5): a step shrinking linearly to zero
//! at the cell's own bound, up `w + Δ⁺(1 − w/b_max)·f`, down
//! `w − Δ⁻(1 − w/b_min)·f`. It is the [`LinearStep`] law with
//! γ = 1, no slope spread, the cell's own bounds as reference and
//! multiplicative noise. Granularity ε = dw_min.

use super::linear_step::LinearStep;

/// The SoftBounds device: the linear-step law with slopes fixed by the bounds.
pub fn soft_bounds() -> LinearStep {
    LinearStep {
        gamma_up: 1.0,
        gamma_down: 1.0,
        gamma_up_dtod: 0.0,
        gamma_down_dtod: 0.0,
        reference: None,
        mult_noise: true,
    }
}
