//! The CUDA backend: array reads on an NVIDIA GPU through the CUDA driver
//! API and NVRTC, both loaded at run time (cudarc with dynamic loading), so
//! the library builds and runs on machines without CUDA.
//!
//! * [`probe`]: whether the driver and NVRTC libraries can be loaded, and a
//!   guard that turns a panic inside cudarc into an error;
//! * [`kernels`]: the CUDA sources of `kernels/`, compiled by NVRTC;
//! * [`device`]: one opened GPU with its compiled kernels, cached per process;
//! * [`select`]: the choice of backend for a parameter set;
//! * [`resident`]: an array's conductances kept on the GPU and its reads.

pub mod device;
pub mod kernels;
pub mod probe;
pub mod resident;
pub mod select;

pub use device::Gpu;
pub use resident::Resident;
