//! A real GPU behind [`Device`]: the CUDA driver API through cudarc, with
//! the kernels of `kernels/*.cu` compiled by NVRTC for the device's own
//! architecture. Every cudarc call runs inside [`probe::guard`].

use super::allocations::{Allocation, Allocations};
use super::device::{Arg, Device, Shape};
use super::{kernels, probe};
use crate::error::{Error, Result};
use cudarc::driver::{CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg};
use std::collections::HashMap;
use std::sync::Arc;

/// [`Error::BackendUnavailable`] for a failed driver call.
pub fn driver_error(what: &str, e: cudarc::driver::DriverError) -> Error {
    Error::BackendUnavailable(format!("CUDA: {what} failed: {e}"))
}

/// One CUDA device: its default stream, the loaded kernels and the
/// allocations made through [`Device::alloc`], by address.
#[derive(Debug)]
pub struct Driver {
    stream: Arc<CudaStream>,
    functions: HashMap<&'static str, CudaFunction>,
    memory: Allocations<CudaSlice<u8>>,
}

impl Allocation for CudaSlice<u8> {
    fn bytes(&self) -> usize {
        self.len()
    }
}

/// What [`Driver::open`] learns of the device: its name and `sm_XY`.
#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub arch: String,
}

impl Driver {
    /// Opens CUDA device `ordinal` and compiles every kernel file for it.
    pub fn open(ordinal: usize) -> Result<(Driver, Identity)> {
        probe::guard("opening the device", || {
            let ctx = CudaContext::new(ordinal).map_err(|e| driver_error("creating the context", e))?;
            let (major, minor) = ctx
                .compute_capability()
                .map_err(|e| driver_error("reading the compute capability", e))?;
            let arch = kernels::arch(major, minor);
            let name = ctx.name().map_err(|e| driver_error("reading the device name", e))?;
            let mut functions = HashMap::new();
            for (file, _) in kernels::SOURCES {
                let ptx = kernels::compile(file, &arch)?;
                let module = ctx
                    .load_module(ptx.into())
                    .map_err(|e| driver_error(&format!("loading kernels/{file}"), e))?;
                for k in kernels::KERNELS.iter().filter(|k| k.file == *file) {
                    let f = module.load_function(k.name).map_err(|e| driver_error(k.name, e))?;
                    functions.insert(k.name, f);
                }
            }
            let driver = Driver {
                stream: ctx.default_stream(),
                functions,
                memory: Allocations::new("GPU"),
            };
            Ok((driver, Identity { name, arch }))
        })
    }
}

impl Device for Driver {
    fn alloc(&self, bytes: usize) -> Result<u64> {
        probe::guard("allocating device memory", || {
            let slice = self
                .stream
                .alloc_zeros::<u8>(bytes.max(1))
                .map_err(|e| driver_error("allocating device memory", e))?;
            let (addr, _sync) = cudarc::driver::DevicePtr::device_ptr(&slice, &self.stream);
            drop(_sync);
            self.memory.insert(addr, slice)?;
            Ok(addr)
        })
    }

    fn free(&self, addr: u64) {
        self.memory.remove(addr);
    }

    fn copy_in(&self, addr: u64, src: &[u8]) -> Result<()> {
        self.memory.copy(addr, src.len(), |slice| {
            probe::guard("copying to the device", || {
                let mut view = slice.slice_mut(..src.len());
                self.stream
                    .memcpy_htod(src, &mut view)
                    .map_err(|e| driver_error("copying to the device", e))
            })
        })
    }

    fn copy_out(&self, addr: u64, dst: &mut [u8]) -> Result<()> {
        self.memory.copy(addr, dst.len(), |slice| {
            probe::guard("copying from the device", || {
                let view = slice.slice(..dst.len());
                self.stream
                    .memcpy_dtoh(&view, dst)
                    .map_err(|e| driver_error("copying from the device", e))?;
                self.stream
                    .synchronize()
                    .map_err(|e| driver_error("waiting for a copy", e))
            })
        })
    }

    unsafe fn launch_raw(&self, name: &str, shape: Shape, args: &[Arg]) -> Result<()> {
        let f = self
            .functions
            .get(name)
            .ok_or_else(|| Error::Internal(format!("kernel {name} is not loaded")))?;
        // Each argument's value, kept alive until the launch is issued: a
        // buffer is passed as its device address (a pointer parameter).
        let values: Vec<Arg> = args.to_vec();
        let addrs: Vec<u64> = values
            .iter()
            .map(|a| match a {
                Arg::Buf(b) => b.addr(),
                _ => 0,
            })
            .collect();
        probe::guard("launching a kernel", || {
            let mut b = self.stream.launch_builder(f);
            for (a, addr) in values.iter().zip(&addrs) {
                match a {
                    Arg::Buf(_) => b.arg(addr),
                    Arg::I32(v) => b.arg(v),
                    Arg::U32(v) => b.arg(v),
                    Arg::U64(v) => b.arg(v),
                    Arg::F64(v) => b.arg(v),
                };
            }
            let cfg = LaunchConfig {
                grid_dim: shape.grid,
                block_dim: shape.block,
                shared_mem_bytes: 0,
            };
            // SAFETY: the argument types match the kernel's parameters
            // (`device::launch` checked them against kernels::KERNELS), a
            // buffer's address is passed by value as a pointer parameter of
            // the same size, and the buffers' lengths are the caller's promise
            // (this function's contract).
            unsafe { b.launch(cfg) }.map_err(|e| driver_error(&format!("launching {name}"), e))?;
            Ok(())
        })
    }
}
