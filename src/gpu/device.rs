//! One opened GPU: its context and stream, and the kernels compiled for its
//! own architecture. Opened once per device number and process, then shared.

use super::{kernels, probe};
use crate::error::{Error, Result};
use cudarc::driver::{CudaContext, CudaFunction, CudaStream};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The product kernels of `kernels/mvm.cu`, by operation and precision.
#[derive(Debug)]
pub struct ProductKernels {
    pub mvm_f32: CudaFunction,
    pub mvm_f64: CudaFunction,
    pub vmm_f32: CudaFunction,
    pub vmm_f64: CudaFunction,
}

/// A GPU ready to run xbar's kernels.
#[derive(Debug)]
pub struct Gpu {
    pub ordinal: u32,
    /// The device's name as the driver reports it.
    pub name: String,
    /// `sm_XY` of its compute capability: what the kernels were compiled for.
    pub arch: String,
    pub stream: Arc<CudaStream>,
    pub product: ProductKernels,
}

/// [`Error::BackendUnavailable`] for a failed driver call.
pub fn driver_error(what: &str, e: cudarc::driver::DriverError) -> Error {
    Error::BackendUnavailable(format!("CUDA: {what} failed: {e}"))
}

impl Gpu {
    /// GPU `ordinal`, opened on first use and cached for the process (the
    /// kernels are compiled once per device). Errors say why no GPU could be
    /// used: no driver, no NVRTC, no such device, or a failed compilation.
    /// A failure is not cached: a later call tries again.
    pub fn open(ordinal: u32) -> Result<Arc<Gpu>> {
        static OPEN: OnceLock<Mutex<HashMap<u32, Arc<Gpu>>>> = OnceLock::new();
        let mut open = OPEN
            .get_or_init(Default::default)
            .lock()
            .map_err(|_| Error::Internal("GPU cache poisoned".into()))?;
        if let Some(gpu) = open.get(&ordinal) {
            return Ok(gpu.clone());
        }
        let gpu = Arc::new(Gpu::init(ordinal)?);
        open.insert(ordinal, gpu.clone());
        Ok(gpu)
    }

    /// Number of CUDA devices (0 without a driver).
    pub fn count() -> usize {
        if !probe::driver_present() {
            return 0;
        }
        probe::guard("counting devices", || {
            CudaContext::device_count().map_err(|e| driver_error("cuDeviceGetCount", e))
        })
        .map_or(0, |n| n.max(0) as usize)
    }

    fn init(ordinal: u32) -> Result<Gpu> {
        probe::libraries()?;
        let count = Gpu::count();
        if ordinal as usize >= count {
            return Err(Error::BackendUnavailable(format!(
                "simulation.gpu_id = {ordinal}: no such CUDA device ({count} found)"
            )));
        }
        probe::guard("opening the device", || {
            let ctx = CudaContext::new(ordinal as usize).map_err(|e| driver_error("creating the context", e))?;
            let (major, minor) = ctx
                .compute_capability()
                .map_err(|e| driver_error("reading the compute capability", e))?;
            let arch = kernels::arch(major, minor);
            let name = ctx.name().map_err(|e| driver_error("reading the device name", e))?;
            let ptx = kernels::compile("mvm.cu", &arch)?;
            let module = ctx
                .load_module(ptx.into())
                .map_err(|e| driver_error("loading kernels/mvm.cu", e))?;
            let f = |n: &str| module.load_function(n).map_err(|e| driver_error(n, e));
            let product = ProductKernels {
                mvm_f32: f("xbar_mvm_f32")?,
                mvm_f64: f("xbar_mvm_f64")?,
                vmm_f32: f("xbar_vmm_f32")?,
                vmm_f64: f("xbar_vmm_f64")?,
            };
            Ok(Gpu {
                ordinal,
                name,
                arch,
                stream: ctx.default_stream(),
                product,
            })
        })
    }
}
