//! `simulation`: CrossSim 3.2's numerical and execution settings (convolution,
//! analytics, the parasitic solver's iteration limits, the fast paths), plus
//! xbar's own (marked "xbar:"): backend, precisions and solver choice. Part of
//! the parameter tree of `tree.rs`.

use super::enums::*;
use serde::{Deserialize, Serialize};

/// `simulation`: numerical and execution settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationParams {
    /// `simulation.convolution`: see [`ConvolutionParams`].
    pub convolution: ConvolutionParams,
    /// `simulation.analytics`: see [`AnalyticsParams`].
    pub analytics: AnalyticsParams,
    /// CrossSim's GPU switch; `true` is read as `backend = "cuda"`.
    #[serde(rename = "useGPU")]
    pub use_gpu: bool,
    /// `simulation.gpu_id`: CUDA device number used by `backend = "auto"` / `"cuda"`. Default: `0`;
    /// ≥ 0.
    pub gpu_id: u32,
    /// `simulation.Niters_max_parasitics`: Most iterations of the iterative wire-resistance solver
    /// per solve. Default: `100`; ≥ 0.
    #[serde(rename = "Niters_max_parasitics")]
    pub niters_max_parasitics: u32,
    /// Parasitic solver stopping threshold (relative voltage error).
    #[serde(rename = "Verr_th_mvm")]
    pub verr_th_mvm: f64,
    /// `simulation.Verr_matmul_criterion`: How the solver's per-vector errors of a batch are
    /// combined into one stopping test. Default: `"max_max"`; "max_max", "max_mean", "max_min".
    #[serde(rename = "Verr_matmul_criterion")]
    pub verr_matmul_criterion: VerrCriterion,
    /// `simulation.relaxation_gamma`: Relaxation factor of the iterative solver's voltage update.
    /// Default: `1.0`; in (0, 1].
    pub relaxation_gamma: f64,
    /// `simulation.disable_fast_balanced`: Read G+ and G- arrays separately instead of through
    /// their precomputed difference (changes the last bits only, as in CrossSim). Default: `false`.
    pub disable_fast_balanced: bool,
    /// `simulation.disable_fast_matmul`: `false`: a batch of two or more vectors read through
    /// static conductances (no per-cell read noise) is one GEMM in the storage precision
    /// (docs/models.md §4), bit-identical at any thread count but not always to the same vector
    /// read alone. `true`: every vector is read on its own, summed in input order in double
    /// precision, so a batch gives exactly the results of its vectors one at a time (CrossSim's
    /// switch of the same name also turns its batched product off). Default: `false`.
    pub disable_fast_matmul: bool,
    /// `simulation.disable_fast_nonlinear_IV`: Accepted for compatibility. Default: `false`.
    #[serde(rename = "disable_fast_nonlinear_IV")]
    pub disable_fast_nonlinear_iv: bool,
    /// `simulation.hide_convergence_msg`: Accepted for compatibility: xbar never prints; a solver
    /// that fails returns `XBAR_ERR_NO_CONVERGENCE`. Default: `false`.
    pub hide_convergence_msg: bool,
    /// xbar: "auto" | "cpu" | "cuda".
    #[serde(default = "default_backend")]
    pub backend: Backend,
    /// xbar: "exact" (default) or "crosssim" (CrossSim's relaxation, for its numbers).
    #[serde(default = "default_parasitic_solver")]
    pub parasitic_solver: ParasiticSolver,
    /// xbar: "float32" (default) or "float64" on the GPU backend.
    #[serde(default = "default_gpu_precision")]
    pub gpu_precision: GpuPrecision,
    /// xbar: "float32" (default) or "float64" storage of conductances on the CPU.
    #[serde(default = "default_conductance_precision")]
    pub conductance_precision: ConductancePrecision,
}

fn default_conductance_precision() -> ConductancePrecision {
    ConductancePrecision::Float32
}

fn default_gpu_precision() -> GpuPrecision {
    GpuPrecision::Float32
}

fn default_parasitic_solver() -> ParasiticSolver {
    ParasiticSolver::Exact
}

fn default_backend() -> Backend {
    Backend::Auto
}

impl Default for SimulationParams {
    fn default() -> Self {
        SimulationParams {
            convolution: ConvolutionParams::default(),
            analytics: AnalyticsParams::default(),
            use_gpu: false,
            gpu_id: 0,
            niters_max_parasitics: 100,
            verr_th_mvm: 1e-3,
            verr_matmul_criterion: VerrCriterion::MaxMax,
            relaxation_gamma: 1.0,
            disable_fast_balanced: false,
            disable_fast_matmul: false,
            disable_fast_nonlinear_iv: false,
            hide_convergence_msg: false,
            backend: Backend::Auto,
            parasitic_solver: ParasiticSolver::Exact,
            gpu_precision: GpuPrecision::Float32,
            conductance_precision: ConductancePrecision::Float32,
        }
    }
}

/// `simulation.convolution`: sliding-window packing (CrossSim's convolution layers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvolutionParams {
    /// `simulation.convolution.is_conv_core`: Accepted for compatibility (CrossSim's convolution
    /// layers). Default: `false`.
    pub is_conv_core: bool,
    /// `simulation.convolution.x_par`: Sliding windows packed side by side into one array; packing
    /// (`x_par·y_par > 1`) is refused (`XBAR_ERR_UNSUPPORTED`). Default: `1`; ≥ 1; > 1 refused.
    pub x_par: u32,
    /// `simulation.convolution.y_par`: The same in the other direction. Default: `1`; ≥ 1; > 1
    /// refused.
    pub y_par: u32,
    /// `simulation.convolution.Nwindows`: Accepted for compatibility. Default: `1`; ≥ 1.
    #[serde(rename = "Nwindows")]
    pub nwindows: u32,
}

impl Default for ConvolutionParams {
    fn default() -> Self {
        ConvolutionParams {
            is_conv_core: false,
            x_par: 1,
            y_par: 1,
            nwindows: 1,
        }
    }
}

/// `simulation.analytics`: diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsParams {
    /// `simulation.analytics.profile_xbar_inputs`: Accepted for compatibility (unused in CrossSim
    /// too). Default: `false`.
    pub profile_xbar_inputs: bool,
    /// `simulation.analytics.profile_adc_inputs`: Recording every ADC input for range calibration;
    /// refused (`XBAR_ERR_UNSUPPORTED`). Default: `false`; true refused.
    pub profile_adc_inputs: bool,
    /// `simulation.analytics.ntest`: Size of that recording; accepted for compatibility. Default:
    /// `0`; ≥ 0.
    pub ntest: u32,
}
