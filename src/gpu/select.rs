//! Which backend a core runs on (`simulation.backend`, `simulation.gpu_id`).
//!
//! * `"cpu"`: the CPU.
//! * `"auto"` (default): the GPU `gpu_id` when the CUDA driver and NVRTC load,
//!   the device exists, its kernels compile and the configuration is one the
//!   GPU backend supports ([`unsupported`]); the CPU otherwise.
//! * `"cuda"` (or CrossSim's `useGPU = true`): the GPU, or
//!   [`Error::BackendUnavailable`] saying why not — never a silent CPU run.
//!
//! With `XBAR_GPU_EMULATE=1` in the environment, the GPU of `"cuda"` is the
//! host emulation of [`super::emulated`] (for tests: the same kernels and
//! launches, run on the CPU's threads); `"auto"` then stays on the CPU.

use super::resident::Precision;
use super::Gpu;
use crate::circuit::parasitics::Wires;
use crate::error::{Error, Result};
use crate::params::{Backend, DeviceModel, GpuPrecision, Params, ParasiticSolver};
use std::sync::Arc;

/// The GPU a core's arrays live on and the precision they are kept in.
#[derive(Debug, Clone)]
pub struct GpuBackend {
    pub gpu: Arc<Gpu>,
    pub precision: Precision,
}

/// Why the GPU backend cannot run `p`, if it cannot: the parts of the model
/// that have no GPU implementation yet.
pub fn unsupported(p: &Params) -> Option<&'static str> {
    if Wires::from_params(p).is_active() && p.simulation.parasitic_solver == ParasiticSolver::CrossSim {
        return Some(
            "CrossSim's relaxation solver (simulation.parasitic_solver = \"crosssim\") runs on the CPU only; \
             \"exact\" runs on the device",
        );
    }
    let d = &p.xbar.device;
    if d.nonlinear_iv.enable && d.nonlinear_iv.model != DeviceModel::Ideal {
        return Some("nonlinear I-V cells (xbar.device.nonlinear_IV) are read on the CPU only");
    }
    if p.aihwkit.enable {
        return Some(
            "aihwkit's tile periphery (aihwkit.enable) reads its tiles on the CPU only \
             (xbar's own DACs and ADCs run on the device)",
        );
    }
    None
}

/// The backend for `p`: `None` for the CPU.
pub fn choose(p: &Params) -> Result<Option<GpuBackend>> {
    let s = &p.simulation;
    let required = s.backend == Backend::Cuda || s.use_gpu;
    // "auto" is for speed: it never picks the (slow) emulated device.
    if !required && (s.backend == Backend::Cpu || super::emulated::requested()) {
        return Ok(None);
    }
    let gpu = match unsupported(p) {
        Some(why) => Err(Error::BackendUnavailable(format!("unsupported configuration: {why}"))),
        None => Gpu::open(s.gpu_id),
    };
    match gpu {
        Ok(gpu) => Ok(Some(GpuBackend {
            gpu,
            precision: match s.gpu_precision {
                GpuPrecision::Float32 => Precision::F32,
                GpuPrecision::Float64 => Precision::F64,
            },
        })),
        Err(Error::BackendUnavailable(why)) if required => Err(Error::BackendUnavailable(format!(
            "simulation.backend = \"cuda\": the CUDA backend cannot run: {why}"
        ))),
        Err(e) if required => Err(e),
        Err(_) => Ok(None),
    }
}
