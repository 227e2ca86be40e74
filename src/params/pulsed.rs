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
    /// `xbar.device.update.pulsed.device`: What one pulse does: a constant step; a step linear in
    /// the weight (`linear_step`); a step shrinking to zero at each cell's own bound; an
    /// exponential law (`exp_step`); a power law towards the bounds (`pow_step`); factors
    /// interpolated between nodes (`piecewise_step`). Default: `"ConstantStep"`; "ConstantStep",
    /// "LinearStep", "SoftBounds", "ExpStep", "PowStep", "PiecewiseStep".
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
    /// `xbar.device.update.pulsed.w_max`: Nominal upper bound (at Gmax). Unit: device units.
    /// Default: `0.6`; > 0.
    pub w_max: f64,
    /// Device-to-device spread of the bounds (relative std).
    pub w_min_dtod: f64,
    /// `xbar.device.update.pulsed.w_max_dtod`: Cell-to-cell spread (std) of the upper bound. Unit:
    /// fraction. Default: `0.3`; ≥ 0.
    pub w_max_dtod: f64,
    /// Up/down asymmetry β: β > 0 shrinks down steps by β·dw_min, β < 0 up steps.
    pub up_down: f64,
    /// Device-to-device spread of the asymmetry (absolute std, in units of dw_min).
    pub up_down_dtod: f64,
    /// `xbar.device.update.pulsed.linear_step`: see [`LinearStepParams`].
    pub linear_step: LinearStepParams,
    /// `xbar.device.update.pulsed.exp_step`: see [`ExpStepParams`].
    pub exp_step: ExpStepParams,
    /// `xbar.device.update.pulsed.pow_step`: see [`PowStepParams`].
    pub pow_step: PowStepParams,
    /// `xbar.device.update.pulsed.piecewise_step`: see [`PiecewiseStepParams`].
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
    /// `xbar.device.update.pulsed.linear_step.gamma_up`: LinearStep: how fast up steps shrink with the weight (1: to zero at `w_max`). Default: `0.0`.
    pub gamma_up: f64,
    /// `xbar.device.update.pulsed.linear_step.gamma_down`: LinearStep: the same for down steps towards `w_min`. Default: `0.0`.
    pub gamma_down: f64,
    /// Device-to-device spread of the slopes (absolute std).
    pub gamma_up_dtod: f64,
    /// `xbar.device.update.pulsed.linear_step.gamma_down_dtod`: LinearStep: cell-to-cell spread
    /// (std) of `gamma_down`. Default: `0.05`; ≥ 0.
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
    /// `xbar.device.update.pulsed.exp_step.a_up`: ExpStep: up steps are dw_min·max(0, 1 −
    /// a_up·e^(gamma_up·z)), z = 2a·w/(b_max − b_min) + b. Default: `0.00081`.
    pub a_up: f64,
    /// `xbar.device.update.pulsed.exp_step.a_down`: ExpStep: down steps are dw_min·max(0, 1 −
    /// a_down·e^(−gamma_down·z)). Default: `0.36833`.
    pub a_down: f64,
    /// `xbar.device.update.pulsed.exp_step.gamma_up`: ExpStep: exponent of the up law. Default: `12.44625`.
    pub gamma_up: f64,
    /// `xbar.device.update.pulsed.exp_step.gamma_down`: ExpStep: exponent of the down law. Default: `12.78785`.
    pub gamma_down: f64,
    /// `xbar.device.update.pulsed.exp_step.a`: ExpStep: scale a of z. Default: `0.244`.
    pub a: f64,
    /// `xbar.device.update.pulsed.exp_step.b`: ExpStep: offset b of z. Default: `0.2425`.
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
    /// `xbar.device.update.pulsed.pow_step.gamma`: PowStep: exponent of the distance to the bound a
    /// step moves towards. Default: `1.0`.
    pub gamma: f64,
    /// Device-to-device spread of the exponent (relative std).
    pub gamma_dtod: f64,
    /// Asymmetry of the exponents (as `up_down`).
    pub up_down: f64,
    /// `xbar.device.update.pulsed.pow_step.up_down_dtod`: PowStep: cell-to-cell spread (std) of that asymmetry. Default: `0.0`; ≥ 0.
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
    /// `xbar.device.update.pulsed.piecewise_step.up`: PiecewiseStep: factors of the up step at
    /// equally spaced nodes over each cell's range. Default: `[1.0]`; ≥ 1 node, as many as `down`.
    pub up: Vec<f64>,
    /// `xbar.device.update.pulsed.piecewise_step.down`: PiecewiseStep: the same for down steps.
    /// Default: `[1.0]`; as many nodes as `up`.
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
