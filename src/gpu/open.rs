//! One opened GPU: the [`Device`] it is reached through (a CUDA device, or
//! the host emulation under `XBAR_GPU_EMULATE=1`) and what it reports of
//! itself. Opened once per device number and process, then shared.

use super::device::Device;
use super::driver::Driver;
use super::emulated::{self, Emulated};
use super::{driver, probe};
use crate::error::{Error, Result};
use cudarc::driver::CudaContext;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A GPU ready to run xbar's kernels.
#[derive(Debug)]
pub struct Gpu {
    pub ordinal: u32,
    /// The device's name as the driver reports it (`"host emulation"` for
    /// the emulated device).
    pub name: String,
    /// `sm_XY` of its compute capability: what the kernels were compiled
    /// for (`"host"` when emulated).
    pub arch: String,
    /// Whether this is the host emulation (`XBAR_GPU_EMULATE=1`).
    pub emulated: bool,
    pub(crate) device: Arc<dyn Device>,
}

impl Gpu {
    /// GPU `ordinal`, opened on first use and cached for the process (the
    /// kernels are compiled once per device). Errors say why no GPU could be
    /// used: no driver, no NVRTC, no such device, or a failed compilation.
    /// A failure is not cached: a later call tries again. With
    /// `XBAR_GPU_EMULATE=1` the one device, 0, is the host emulation.
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

    /// Number of devices: CUDA devices (0 without a driver), or 1 with
    /// `XBAR_GPU_EMULATE=1`.
    pub fn count() -> usize {
        if emulated::requested() {
            return 1;
        }
        if !probe::driver_present() {
            return 0;
        }
        probe::guard("counting devices", || {
            CudaContext::device_count().map_err(|e| driver::driver_error("cuDeviceGetCount", e))
        })
        .map_or(0, |n| n.max(0) as usize)
    }

    fn init(ordinal: u32) -> Result<Gpu> {
        if emulated::requested() {
            if ordinal != 0 {
                return Err(Error::BackendUnavailable(format!(
                    "simulation.gpu_id = {ordinal}: {}=1 emulates one device, 0",
                    emulated::ENV
                )));
            }
            return Ok(Gpu {
                ordinal,
                name: "host emulation".into(),
                arch: "host".into(),
                emulated: true,
                device: Arc::new(Emulated::open()?),
            });
        }
        probe::libraries()?;
        let count = Gpu::count();
        if ordinal as usize >= count {
            return Err(Error::BackendUnavailable(format!(
                "simulation.gpu_id = {ordinal}: no such CUDA device ({count} found)"
            )));
        }
        let (driver, id) = Driver::open(ordinal as usize)?;
        Ok(Gpu {
            ordinal,
            name: id.name,
            arch: id.arch,
            emulated: false,
            device: Arc::new(driver),
        })
    }
}
