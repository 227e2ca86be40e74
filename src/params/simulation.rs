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
    pub convolution: ConvolutionParams,
    pub analytics: AnalyticsParams,
    /// CrossSim's GPU switch; `true` is read as `backend = "cuda"`.
    #[serde(rename = "useGPU")]
    pub use_gpu: bool,
    pub gpu_id: u32,
    #[serde(rename = "Niters_max_parasitics")]
    pub niters_max_parasitics: u32,
    /// Parasitic solver stopping threshold (relative voltage error).
    #[serde(rename = "Verr_th_mvm")]
    pub verr_th_mvm: f64,
    #[serde(rename = "Verr_matmul_criterion")]
    pub verr_matmul_criterion: VerrCriterion,
    pub relaxation_gamma: f64,
    pub disable_fast_balanced: bool,
    pub disable_fast_matmul: bool,
    #[serde(rename = "disable_fast_nonlinear_IV")]
    pub disable_fast_nonlinear_iv: bool,
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
    pub is_conv_core: bool,
    pub x_par: u32,
    pub y_par: u32,
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
    pub profile_xbar_inputs: bool,
    pub profile_adc_inputs: bool,
    pub ntest: u32,
}
