//! Internal types for the crate's own tests, benches and examples.
//!
//! **Not a stable API**: hidden from the documentation, and anything here may
//! change or go away in any release. Users drive the simulator through the
//! crate root ([`crate::Core`], [`crate::Params`], ...) or the C ABI
//! ([`crate::ffi`]). The modules mirror the crate's private ones.

/// aihwkit's tiles.
pub mod aihwkit {
    pub use crate::aihwkit::gradient_mask;
}
/// One crossbar array and its products.
pub mod array {
    pub use crate::array::{Array, Op, ReadKey};
}
/// A batch of vectors.
pub mod batch {
    pub use crate::batch::Batch;
}
/// Circuit models: the parasitic network solvers.
pub mod circuit {
    pub use crate::circuit::parasitics;
}
/// The cost counters.
pub mod cost {
    pub use crate::cost::library;
}
/// Device models: cells, I-V laws, error laws, update models.
pub mod device {
    pub use crate::device::{cells, iv, law, update};
}
/// The GPU backend.
pub mod gpu {
    pub use crate::gpu::{device::traffic, kernels, probe, Gpu};
}
/// Saved cores: the checked frame.
pub mod persist {
    pub use crate::persist::frame;
}
/// The product kernels.
pub mod product {
    pub use crate::product::{mvm, vmm, Dense, Sum};
}
/// Counter-based random streams.
pub mod rng {
    pub use crate::rng::{Purpose, Stream};
}
/// Conductance storage.
pub mod storage {
    pub use crate::storage::Conductances;
}
/// The thread pool.
pub mod threads {
    pub use crate::threads::{install, max_num_threads, num_threads, set_num_threads};
}
