//! `aihwkit` (xbar): the periphery of an analog tile of IBM's analog hardware
//! kit (its `IOParameters` for the forward and the backward pass, and how a
//! layer is split into tiles). Field names and enum member names are aihwkit's
//! own, so a Python `IOParameters` translates key for key. Units are aihwkit's
//! normalised ones: inputs in units of `inp_bound` after noise management,
//! weights in the units they are programmed in (scaled to `weight_scaling_omega`
//! when that is > 0), outputs and output noise in units of `W·u`. The pipeline
//! these values drive is described in `src/aihwkit/mod.rs` and docs/models.md.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The whole `aihwkit` subtree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AihwkitParams {
    /// When true, MVM runs the forward pipeline and VMM the backward one
    /// in place of CrossSim's DAC/ADC periphery (`xbar.dac`, `xbar.adc`).
    pub enable: bool,
    /// The forward (MVM) periphery: `InferenceRPUConfig().forward`'s defaults.
    pub forward: IoParameters,
    /// The backward (VMM) periphery; `bound_management` is ignored here, as in aihwkit.
    pub backward: IoParameters,
    /// How a matrix is split into tiles and scaled onto them.
    pub mapping: AihwkitMapping,
}

/// aihwkit's `AnalogMVType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MvType {
    /// One analog pass with signed inputs.
    OnePass,
    /// Negative and positive inputs in two analog passes, summed in analog.
    PosNegSeparate,
    /// Two analog passes, each digitised, summed digitally.
    PosNegSeparateDigitalSum,
}

/// aihwkit's `NoiseManagementType`: how an input vector is scaled into the DAC range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoiseManagement {
    /// Scale 1: the input as given.
    None,
    /// Scale `max |x|` of the vector, capped at `nm_thres > 0`.
    AbsMax,
    /// Scale `max x` of the vector, capped at `nm_thres > 0`.
    Max,
    /// Scale `nm_thres` (1 when it is 0).
    Constant,
    /// A running abs-max, `v ← 0.999v + 0.001·max|x|`.
    AverageAbsMax,
    /// `max(a, min(a·max_bm_res/Δ_in, 0.6·max(Σx⁺, −Σx⁻)/out_bound))` (docs/models.md).
    AbsMaxNpSum,
}

/// aihwkit's `BoundManagementType`: what happens when an output saturates the ADC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BoundManagement {
    /// Saturated outputs stay clipped.
    None,
    /// A vector whose output exceeds `out_bound` is read again with its input halved
    /// (`red` = 2, 4, …) until `red > max_bm_factor` or `red > max_bm_res/Δ_in`.
    Iterative,
    /// As `Iterative`, switching to the `AbsMaxNpSum` scale in round 2.
    IterativeWorstCase,
    /// Accepted by aihwkit's Python side only; refused here as aihwkit's CPU tile refuses it.
    Shift,
}

/// aihwkit's `WeightNoiseType`: noise of the weights during one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WeightNoise {
    /// No weight noise.
    None,
    /// `y_i += w_noise·‖u‖₂·ξ_i` (independent weight noise of std `w_noise`).
    AdditiveConstant,
    /// `y_i += w_noise·sqrt(Σ_j |W_ij|·u_j²)·ξ_i` (PCM 1/f read noise).
    PcmRead,
}

/// aihwkit's `IOParameters` (one direction). Defaults: `InferenceRPUConfig().forward`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IoParameters {
    /// Floating-point product `out_scale·W x`, no periphery at all.
    pub is_perfect: bool,
    /// The analog MAC scheme: one pass, or the positive and negative inputs
    /// in two passes summed in analog or (DIGITAL_SUM) each digitised.
    pub mv_type: MvType,
    /// DAC range ±inp_bound (normalised input; must be 1 with noise management); ≤ 0: unbounded.
    pub inp_bound: f64,
    /// DAC resolution: ≤ 0 none; ≤ 1 a fraction of the range (`Δ = r·2·inp_bound`); > 1 a step count (`Δ = 2·inp_bound/r`).
    pub inp_res: f64,
    /// Stochastic rounding in the DAC.
    pub inp_sto_round: bool,
    /// Gaussian std added after the DAC (normalised input).
    pub inp_noise: f64,
    /// Negative DAC outputs are multiplied by `1 − inp_asymmetry`.
    pub inp_asymmetry: f64,
    /// ADC range ±out_bound (units of `W·u`); ≤ 0: unbounded and unquantised.
    pub out_bound: f64,
    /// ADC resolution, as `inp_res` with `out_bound`.
    pub out_res: f64,
    /// Stochastic rounding in the ADC.
    pub out_sto_round: bool,
    /// Gaussian std added before the ADC (units of `W·u`).
    pub out_noise: f64,
    /// Spread of the output-noise std between outputs, fixed per tile:
    /// `σ_i = |out_noise·(1 + out_noise_std·ξ_i)|` (fraction).
    pub out_noise_std: f64,
    /// Negative outputs are multiplied by `1 − out_asymmetry`.
    pub out_asymmetry: f64,
    /// Digital gain of the outputs.
    pub out_scale: f64,
    /// `aihwkit.{forward,backward}.bound_management`: On an output beyond `out_bound`, read the
    /// vector again with its input halved (red = 1, 2, 4, …); WORST_CASE switches to ABS_MAX_NP_SUM
    /// scaling in round 2. Forward only. Default: `"ITERATIVE"`; "NONE", "ITERATIVE",
    /// "ITERATIVE_WORST_CASE" ("SHIFT" is refused).
    pub bound_management: BoundManagement,
    /// `aihwkit.{forward,backward}.noise_management`: The scale `s_nm` each input vector is divided
    /// by before the DAC (and the output multiplied by). Default: `"ABS_MAX"`; "NONE", "ABS_MAX",
    /// "MAX", "CONSTANT", "AVERAGE_ABS_MAX", "ABS_MAX_NP_SUM".
    pub noise_management: NoiseManagement,
    /// ABS_MAX, MAX, ABS_MAX_NP_SUM: cap of the input scale (0 = none); CONSTANT: the scale (0 = 1).
    pub nm_thres: f64,
    /// Bound management stops after the round whose input reduction exceeds this factor.
    pub max_bm_factor: f64,
    /// Bound management stops after the round whose reduction exceeds `max_bm_res/Δ_in`.
    pub max_bm_res: f64,
    /// A negative saturated output also triggers bound management.
    pub bm_test_negative_bound: bool,
    /// Weight-noise std (units of the normalised weights).
    pub w_noise: f64,
    /// `aihwkit.{forward,backward}.w_noise_type`: `y_i += w_noise·‖u‖₂·ξ_i` (fresh iid weight
    /// noise), or `w_noise·sqrt(Σ_j \. Default: `"NONE"`; "NONE", "ADDITIVE_CONSTANT", "PCM_READ".
    pub w_noise_type: WeightNoise,
    /// IR-drop scale (0 = none).
    pub ir_drop: f64,
    /// Ratio of the wire conductance to the device's maximal conductance.
    pub ir_drop_g_ratio: f64,
    /// Output non-linearity strength (0 = linear): `y/(1 + |nl_i·y|)`, `nl_i ~ out_nonlinearity/out_bound`.
    pub out_nonlinearity: f64,
    /// Spread of the non-linearity between outputs (fraction, fixed per tile).
    pub out_nonlinearity_std: f64,
    /// Gain calibration of the non-linearity (0 = none).
    pub slope_calibration: f64,
    /// Std of the per-output voltage offset (fixed per tile; negative draws are 0).
    pub v_offset_std: f64,
    /// The weight that the reference line of the offset represents (0 = no reference line).
    pub v_offset_w_min: f64,
    /// Series resistance of an output line, relative (0 = none).
    pub r_series: f64,
    /// Largest total series-resistance correction `r_series·|y|`.
    pub r_series_max_total: f64,
    /// Two-pass MACs: the negative pass reads `W ⊙ (1 + w_read_asymmetry_dtod·ξ)`,
    /// `ξ` drawn once per tile and weight (unused by `ONE_PASS`).
    pub w_read_asymmetry_dtod: f64,
}

impl Default for IoParameters {
    fn default() -> Self {
        IoParameters {
            is_perfect: false,
            mv_type: MvType::OnePass,
            inp_bound: 1.0,
            inp_res: 1.0 / 126.0,
            inp_sto_round: false,
            inp_noise: 0.0,
            inp_asymmetry: 0.0,
            out_bound: 12.0,
            out_res: 1.0 / 510.0,
            out_sto_round: false,
            out_noise: 0.06,
            out_noise_std: 0.0,
            out_asymmetry: 0.0,
            out_scale: 1.0,
            bound_management: BoundManagement::Iterative,
            noise_management: NoiseManagement::AbsMax,
            nm_thres: 0.0,
            max_bm_factor: 1000.0,
            max_bm_res: 0.25,
            bm_test_negative_bound: true,
            w_noise: 0.0,
            w_noise_type: WeightNoise::None,
            ir_drop: 0.0,
            ir_drop_g_ratio: 1.0 / (0.35 * 5e-6),
            out_nonlinearity: 0.0,
            out_nonlinearity_std: 0.0,
            slope_calibration: 0.0,
            v_offset_std: 0.0,
            v_offset_w_min: -1.0,
            r_series: 0.0,
            r_series_max_total: 1e20,
            w_read_asymmetry_dtod: 0.0,
        }
    }
}

/// `aihwkit.mapping`: aihwkit's `MappingParameter` (the parts that act on one matrix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AihwkitMapping {
    /// Most inputs (matrix columns) per tile; 0 = no limit. A larger matrix is
    /// split into `ceil(cols/max)` tiles of balanced sizes.
    pub max_input_size: usize,
    /// Most outputs (matrix rows) per tile; 0 = no limit.
    pub max_output_size: usize,
    /// Above 0: each tile's weights are divided by `max|W|/omega` (per output
    /// row with `weight_scaling_columnwise`) and its outputs multiplied back.
    pub weight_scaling_omega: f64,
    /// `aihwkit.mapping.weight_scaling_columnwise`: The omega scale per output row rather than per
    /// tile. Default: `false`.
    pub weight_scaling_columnwise: bool,
    /// aihwkit's per-output learned scales; they start at 1, so on their own
    /// they change nothing (accepted for translation).
    pub out_scaling_columnwise: bool,
}

impl Default for AihwkitMapping {
    fn default() -> Self {
        AihwkitMapping {
            max_input_size: 512,
            max_output_size: 512,
            weight_scaling_omega: 0.0,
            weight_scaling_columnwise: false,
            out_scaling_columnwise: false,
        }
    }
}

/// Largest `max_bm_factor`: bound management then has at most 42 rounds,
/// so every draw of a round has its own stream element.
pub const MAX_BM_FACTOR: f64 = 1e12;

/// `Err(Params)` naming `path` unless `x` is finite and `ok(x)`.
fn num(path: &str, x: f64, ok: impl Fn(f64) -> bool, want: &str) -> Result<()> {
    if x.is_finite() && ok(x) {
        Ok(())
    } else {
        Err(Error::params(format!("{path}: expected {want}, got {x}")))
    }
}

/// Checks one direction's `IOParameters` (`path` is `aihwkit.forward` or `aihwkit.backward`).
fn io(path: &str, p: &IoParameters) -> Result<()> {
    let f = |k: &str| format!("{path}.{k}");
    let non_negative = [
        ("inp_noise", p.inp_noise),
        ("out_noise", p.out_noise),
        ("out_noise_std", p.out_noise_std),
        ("nm_thres", p.nm_thres),
        ("max_bm_res", p.max_bm_res),
        ("w_noise", p.w_noise),
        ("ir_drop", p.ir_drop),
        ("out_nonlinearity", p.out_nonlinearity),
        ("out_nonlinearity_std", p.out_nonlinearity_std),
        ("slope_calibration", p.slope_calibration),
        ("v_offset_std", p.v_offset_std),
        ("r_series", p.r_series),
        ("r_series_max_total", p.r_series_max_total),
        ("w_read_asymmetry_dtod", p.w_read_asymmetry_dtod),
    ];
    for (k, v) in non_negative {
        num(&f(k), v, |x| x >= 0.0, "a finite number >= 0")?;
    }
    for (k, v) in [
        ("inp_bound", p.inp_bound),
        ("inp_res", p.inp_res),
        ("out_bound", p.out_bound),
        ("out_res", p.out_res),
        ("out_scale", p.out_scale),
        ("v_offset_w_min", p.v_offset_w_min),
    ] {
        num(&f(k), v, |_| true, "a finite number")?;
    }
    for (k, v) in [("inp_asymmetry", p.inp_asymmetry), ("out_asymmetry", p.out_asymmetry)] {
        num(
            &f(k),
            v,
            |x| x <= 1.0,
            "a finite number <= 1 (a gain 1 - asymmetry >= 0)",
        )?;
    }
    num(
        &f("ir_drop_g_ratio"),
        p.ir_drop_g_ratio,
        |x| x > 0.0,
        "a finite number > 0",
    )?;
    num(
        &f("max_bm_factor"),
        p.max_bm_factor,
        |x| (0.0..=MAX_BM_FACTOR).contains(&x),
        "a number from 0 to 1e12",
    )?;
    if p.noise_management != NoiseManagement::None && p.inp_bound != 1.0 {
        return Err(Error::params(format!(
            "{}: noise management scales inputs to ±1, so inp_bound must be 1 (got {}); \
             set noise_management to \"NONE\" for another DAC range",
            f("inp_bound"),
            p.inp_bound
        )));
    }
    if p.bound_management == BoundManagement::Shift {
        return Err(Error::params(format!(
            "{}: \"SHIFT\" has no implementation in aihwkit's tiles; use \"NONE\", \"ITERATIVE\" or \"ITERATIVE_WORST_CASE\"",
            f("bound_management")
        )));
    }
    Ok(())
}

/// Checks the whole subtree; every message starts with the dotted path.
pub(crate) fn validate(p: &AihwkitParams) -> Result<()> {
    io("aihwkit.forward", &p.forward)?;
    io("aihwkit.backward", &p.backward)?;
    let m = &p.mapping;
    num(
        "aihwkit.mapping.weight_scaling_omega",
        m.weight_scaling_omega,
        |x| x >= 0.0,
        "a finite number >= 0 (0 = weights used as programmed)",
    )
}
