//! `xbar.device.update.pulsed` (xbar): aihwkit's pulsed stochastic update
//! (spec update-models.md §B.1–B.5) with its Python defaults. Weights of a
//! step device are in the device's own units: the nominal range
//! `[w_min, w_max]` spans the conductance window `[Gmin, Gmax]`, and
//! `dw_min` is one pulse's nominal step in the same units.

use super::enums::StepDevice;
use serde::{Deserialize, Serialize};

/// Pulse trains, update management and the device parameters common to every step device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PulsedParams {
    pub device: StepDevice,
    /// Pulse-train length BL (the longest one with `update_bl_management`), 1 to 64.
    pub desired_bl: u32,
    /// Balance the pulse probabilities of x and d lines (forced on by `update_bl_management`).
    pub update_management: bool,
    /// Shorten the train to the pulses the largest element needs.
    pub update_bl_management: bool,
    /// Nominal step of one pulse (device units).
    pub dw_min: f64,
    /// Device-to-device spread of the step (relative std).
    pub dw_min_dtod: f64,
    /// Cycle-to-cycle spread of each step (relative std).
    pub dw_min_std: f64,
    /// Nominal bounds (device units), `w_min <= 0 <= w_max`.
    pub w_min: f64,
    pub w_max: f64,
    /// Device-to-device spread of the bounds (relative std).
    pub w_min_dtod: f64,
    pub w_max_dtod: f64,
    /// Up/down asymmetry β: β > 0 shrinks down steps by β·dw_min, β < 0 up steps.
    pub up_down: f64,
    /// Device-to-device spread of the asymmetry (absolute std, in units of dw_min).
    pub up_down_dtod: f64,
    pub linear_step: LinearStepParams,
    pub exp_step: ExpStepParams,
    pub pow_step: PowStepParams,
    pub piecewise_step: PiecewiseStepParams,
}

impl Default for PulsedParams {
    fn default() -> Self {
        PulsedParams {
            device: StepDevice::ConstantStep,
            desired_bl: 31,
            update_management: true,
            update_bl_management: true,
            dw_min: 0.001,
            dw_min_dtod: 0.3,
            dw_min_std: 0.3,
            w_min: -0.6,
            w_max: 0.6,
            w_min_dtod: 0.3,
            w_max_dtod: 0.3,
            up_down: 0.0,
            up_down_dtod: 0.01,
            linear_step: LinearStepParams::default(),
            exp_step: ExpStepParams::default(),
            pow_step: PowStepParams::default(),
            piecewise_step: PiecewiseStepParams::default(),
        }
    }
}

/// LinearStep: steps `Δ±(1 - γ± w/w_ref±)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinearStepParams {
    pub gamma_up: f64,
    pub gamma_down: f64,
    /// Device-to-device spread of the slopes (absolute std).
    pub gamma_up_dtod: f64,
    pub gamma_down_dtod: f64,
    /// Slopes relative to the nominal bounds (true) or to each cell's own bounds.
    pub mean_bound_reference: bool,
    /// Cycle-to-cycle noise multiplies the whole step (true) or only its constant part.
    pub mult_noise: bool,
}

impl Default for LinearStepParams {
    fn default() -> Self {
        LinearStepParams {
            gamma_up: 0.0,
            gamma_down: 0.0,
            gamma_up_dtod: 0.05,
            gamma_down_dtod: 0.05,
            mean_bound_reference: true,
            mult_noise: true,
        }
    }
}

/// ExpStep: steps `Δ± max(0, 1 - A± e^{±γ± z})`, `z = 2a·w/(b_max - b_min) + b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExpStepParams {
    pub a_up: f64,
    pub a_down: f64,
    pub gamma_up: f64,
    pub gamma_down: f64,
    pub a: f64,
    pub b: f64,
}

impl Default for ExpStepParams {
    fn default() -> Self {
        ExpStepParams {
            a_up: 0.00081,
            a_down: 0.36833,
            gamma_up: 12.44625,
            gamma_down: 12.78785,
            a: 0.244,
            b: 0.2425,
        }
    }
}

/// PowStep: steps `Δ+ ((b_max - w)/range)^γ+` and `Δ- ((w - b_min)/range)^γ-`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PowStepParams {
    pub gamma: f64,
    /// Device-to-device spread of the exponent (relative std).
    pub gamma_dtod: f64,
    /// Asymmetry of the exponents (as `up_down`).
    pub up_down: f64,
    pub up_down_dtod: f64,
}

impl Default for PowStepParams {
    fn default() -> Self {
        PowStepParams {
            gamma: 1.0,
            gamma_dtod: 0.1,
            up_down: 0.0,
            up_down_dtod: 0.0,
        }
    }
}

/// PiecewiseStep: step factors at `n + 1` equally spaced nodes over `[b_min, b_max]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PiecewiseStepParams {
    pub up: Vec<f64>,
    pub down: Vec<f64>,
}

impl Default for PiecewiseStepParams {
    fn default() -> Self {
        PiecewiseStepParams {
            up: vec![1.0],
            down: vec![1.0],
        }
    }
}
