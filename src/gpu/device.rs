//! The one interface through which the GPU backend talks to a device:
//! allocate, copy in and out, launch a kernel of `kernels/*.cu` by name with
//! its arguments, synchronise.
//!
//! Two implementations: [`super::driver::Driver`], a real GPU through the
//! CUDA driver (cudarc), and [`super::emulated::Emulated`], the same kernel
//! sources compiled for the host under `kernels/host/cuda_host.h` (selected
//! by `XBAR_GPU_EMULATE=1`), so that the backend's orchestration and its
//! kernels run in every CI run without a GPU.
//!
//! Device memory is named by its address (`u64`, a `CUdeviceptr` on a GPU).
//! Every copy is checked against the allocation it names, so no safe
//! function here can touch memory it does not own; a launch is `unsafe`
//! because the kernel's own indexing is trusted (as `cuLaunchKernel` is).

use super::kernels;
use crate::error::{Error, Result};
use std::cell::Cell;
use std::fmt::Debug;
use std::sync::Arc;

thread_local! {
    /// Bytes this thread has copied to and from devices through [`Buffer`]s.
    static TRAFFIC: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Bytes the calling thread has copied through device buffers, to devices and
/// from them, since it started: what a read costs in host-device traffic
/// (the GPU backend's tests check that a read moves only its inputs and
/// outputs once the arrays are on the device).
pub fn traffic() -> (u64, u64) {
    TRAFFIC.with(Cell::get)
}

/// Counts `bytes` copied to (`up`) or from a device by this thread.
fn count_traffic(bytes: usize, up: bool) {
    TRAFFIC.with(|t| {
        let (to, from) = t.get();
        let b = bytes as u64;
        t.set(if up { (to + b, from) } else { (to, from + b) });
    });
}

/// One kernel argument, as the kernel's parameter list takes it.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// A device buffer: the kernel receives its address.
    Buf(&'a Buffer),
    I32(i32),
    U32(u32),
    U64(u64),
    F64(f64),
}

impl Arg<'_> {
    /// The parameter code of this argument (`kernels/host/cuda_host.h`,
    /// `type_code`): p, i, u, U, f, d.
    pub fn code(&self) -> char {
        match self {
            Arg::Buf(_) => 'p',
            Arg::I32(_) => 'i',
            Arg::U32(_) => 'u',
            Arg::U64(_) => 'U',
            Arg::F64(_) => 'd',
        }
    }
}

/// A launch's shape: blocks of the grid and threads per block, (x, y, z).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub grid: (u32, u32, u32),
    pub block: (u32, u32, u32),
}

/// A device that runs xbar's kernels.
pub trait Device: Send + Sync + Debug {
    /// `bytes` zero-initialised bytes of device memory, by address.
    fn alloc(&self, bytes: usize) -> Result<u64>;
    /// Releases the allocation at `addr` (from [`Device::alloc`]).
    fn free(&self, addr: u64);
    /// Copies `src` to the start of the allocation at `addr` (at most its size).
    fn copy_in(&self, addr: u64, src: &[u8]) -> Result<()>;
    /// Copies the first `dst.len()` bytes of the allocation at `addr` to `dst`.
    fn copy_out(&self, addr: u64, dst: &mut [u8]) -> Result<()>;
    /// Runs kernel `name` (of [`kernels::KERNELS`]) on `shape` with `args`,
    /// whose codes the caller has checked against the kernel's signature.
    ///
    /// # Safety
    /// `shape` must be one the kernel is written for, and every buffer the
    /// kernel indexes through `args` must be as long as the sizes among
    /// `args` (and `shape`) make the kernel read or write.
    unsafe fn launch_raw(&self, name: &str, shape: Shape, args: &[Arg]) -> Result<()>;
}

/// Device memory owned by a [`Buffer`], released when it is dropped.
#[derive(Debug)]
pub struct Buffer {
    device: Arc<dyn Device>,
    addr: u64,
    bytes: usize,
}

impl Buffer {
    /// `bytes` zeroed bytes on `device`.
    pub fn zeroed(device: &Arc<dyn Device>, bytes: usize) -> Result<Buffer> {
        let addr = device.alloc(bytes)?;
        Ok(Buffer {
            device: device.clone(),
            addr,
            bytes,
        })
    }

    /// A copy of `values` on `device`.
    pub fn upload<T: bytemuck::Pod>(device: &Arc<dyn Device>, values: &[T]) -> Result<Buffer> {
        let bytes: &[u8] = bytemuck::cast_slice(values);
        let b = Buffer::zeroed(device, bytes.len())?;
        device.copy_in(b.addr, bytes)?;
        count_traffic(bytes.len(), true);
        Ok(b)
    }

    /// The buffer's contents as `T`s (its length must be a multiple of `T`'s size).
    pub fn download<T: bytemuck::Pod>(&self) -> Result<Vec<T>> {
        let size = std::mem::size_of::<T>();
        if size == 0 || !self.bytes.is_multiple_of(size) {
            return Err(Error::Internal(format!(
                "a device buffer of {} bytes read as items of {size} bytes",
                self.bytes
            )));
        }
        let mut out = vec![T::zeroed(); self.bytes / size];
        self.device.copy_out(self.addr, bytemuck::cast_slice_mut(&mut out))?;
        count_traffic(self.bytes, false);
        Ok(out)
    }

    /// The device address.
    pub fn addr(&self) -> u64 {
        self.addr
    }

    /// The size in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Checks that the buffer holds at least `n` values of `size` bytes
    /// (`what` names them in the error: an internal error, since the
    /// backend sizes every buffer it launches with).
    pub fn holds(&self, n: usize, size: usize, what: &str) -> Result<()> {
        let need = n
            .checked_mul(size)
            .ok_or_else(|| Error::shape(format!("{what}: {n} values overflow")))?;
        if self.bytes < need {
            return Err(Error::Internal(format!(
                "{what}: a device buffer of {} bytes cannot hold {n} values of {size} bytes",
                self.bytes
            )));
        }
        Ok(())
    }

    /// Whether the buffer lives on `device`.
    pub fn is_on(&self, device: &dyn Device) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.device), device as *const dyn Device)
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        self.device.free(self.addr);
    }
}

/// Runs kernel `name` on `device`: checks that it exists and that `args`
/// match its parameter codes, then launches it.
///
/// # Safety
/// As [`Device::launch_raw`]: `shape` is one the kernel is written for, and
/// every buffer among `args` is as long as the sizes among `args` make the
/// kernel index.
pub unsafe fn launch(device: &dyn Device, name: &str, shape: Shape, args: &[Arg]) -> Result<()> {
    let kernel = kernels::kernel(name)?;
    if let Some(i) = args.iter().position(|a| matches!(a, Arg::Buf(b) if !b.is_on(device))) {
        return Err(Error::Internal(format!(
            "kernel {name}: argument {i} is a buffer of another device"
        )));
    }
    let codes: String = args.iter().map(Arg::code).collect();
    if codes != kernel.signature {
        return Err(Error::Internal(format!(
            "kernel {name} takes ({}) but was given ({codes})",
            kernel.signature
        )));
    }
    // SAFETY: the argument types match the kernel's parameters (checked
    // above); the buffer lengths are the caller's promise.
    unsafe { device.launch_raw(name, shape, args) }
}
