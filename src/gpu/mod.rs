//! The CUDA backend: array reads on an NVIDIA GPU through the CUDA driver
//! API and NVRTC, both loaded at run time (cudarc with dynamic loading), so
//! the library builds and runs on machines without CUDA.
//!
//! * [`probe`]: whether the driver and NVRTC libraries can be loaded, and a
//!   guard that turns a panic inside cudarc into an error;
//! * [`kernels`]: the CUDA sources of `kernels/`, their entry points and
//!   their compilation by NVRTC;
//! * [`device`]: the one interface to a device (allocate, copy, launch a
//!   kernel by name, synchronise), with two implementations: [`driver`]
//!   (a real GPU through cudarc) and [`emulated`] (the same sources compiled
//!   for the host, `XBAR_GPU_EMULATE=1`);
//! * [`periphery`]: the DAC, ADC and recombination steps of a read on the device;
//! * [`parasitics`]: reads through resistive wires, solved on the device;
//! * [`pipeline`]: a balanced block's whole read on the device, from those steps;
//! * [`open`]: one opened GPU, cached per process;
//! * [`select`]: the choice of backend for a parameter set;
//! * [`resident`]: an array's conductances kept on the GPU and its reads;
//! * [`update`]: training updates of resident conductances on the device;
//! * [`cells`]: the cell laws (programming error, drift, read-noise σ) on the device.
//! * [`mapping`]: a block's weights mapped to an array's target conductances on the device.

pub mod allocations;
pub(crate) mod cells;
pub mod device;
pub mod driver;
pub mod emulated;
pub mod kernels;
pub(crate) mod mapping;
pub mod open;
pub mod parasitics;
pub(crate) mod periphery;
pub(crate) mod pipeline;
pub mod probe;
pub mod resident;
pub mod select;
pub(crate) mod update;
pub(crate) mod update_basic;
pub(crate) mod update_lut;
pub(crate) mod update_pulsed;

pub use open::Gpu;
pub use resident::Resident;
