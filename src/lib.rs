//! xbar: analog in-memory computing on resistive crossbar arrays.
//!
//! A [`Core`] holds one matrix programmed onto simulated crossbar arrays and
//! multiplies vectors through them with the non-idealities its [`Params`]
//! describe. The C ABI over the same objects lives in [`ffi`].
//!
//! # The Rust API
//!
//! * [`Core`]: `new`, `program`, `read`, `mvm`, `vmm`, `update`, `set_time`,
//!   `save`/`load`, the cost report and introspection; the real entry points
//!   take `f64` or `f32` data ([`Real`]).
//! * [`Params`] and the parameter types in [`params`]: from JSON, presets,
//!   field by field.
//! * [`Layout`], [`Error`], [`Result`].
//! * [`lut`]: lookup tables a user loads or builds from pulse trains.
//! * [`SpiceExport`]: a core's arrays as a SPICE netlist.
//! * [`set_num_threads`], [`num_threads`], [`max_num_threads`].
//! * The cost report types ([`Tally`], [`Energy`], [`Area`], [`Figures`])
//!   and introspection types ([`ArrayInfo`], [`ArrayRole`]) that [`Core`]
//!   returns.
//!
//! ```
//! use xbar::{Core, Layout, Params};
//!
//! // Default parameters with an infinite on/off ratio: dyadic weights are exact.
//! let mut params = Params::default();
//! params.xbar.device.infinite_on_off_ratio = true;
//! let mut core = Core::new(&params, 2, 2, 42)?;
//! core.program(&[0.5, -0.25, 1.0, 0.0], Layout::RowMajor)?;
//! let mut y = [0.0; 2];
//! core.mvm(&[1.0, 1.0], 1, &mut y)?;
//! assert!((y[0] - 0.25).abs() < 1e-12 && (y[1] - 1.0).abs() < 1e-12);
//! # Ok::<(), xbar::Error>(())
//! ```
//!
//! Everything else is private to the crate. The `internals` module (hidden
//! from the documentation) gives the crate's own tests, benches and examples
//! access to internal types; it is not a stable API.

#![deny(missing_docs)]

// Internal modules. Their `pub` items are visible in the crate only, except
// what the root re-exports below and what the hidden `internals` module hands
// to the crate's tests; `missing_docs` is allowed in the internal modules that
// `internals` reaches (their items are not part of the documented API).
mod aihwkit;
#[allow(missing_docs)]
mod array;
mod backend;
#[allow(missing_docs)]
mod batch;
mod circuit;
mod complex;
mod core;
mod cost;
#[allow(missing_docs)]
mod device;
mod error;
pub mod ffi;
#[allow(missing_docs)]
mod gpu;
mod mapping;
pub mod params;
mod persist;
#[allow(missing_docs)]
mod product;
mod recycle;
mod rng;
#[allow(missing_docs)]
mod storage;
mod support;
mod threads;
mod tiling;

#[doc(hidden)]
pub mod internals;

pub use crate::core::{ArrayInfo, ArrayRole, Core, Layout, Real, SpiceExport};
pub use cost::{Area, Energy, Figures, Tally};
pub use error::{Error, Result};
pub use params::Params;
pub use threads::{max_num_threads, num_threads, set_num_threads};

/// Lookup-table update models (`xbar.device.update.model = "LookupTable"`):
/// tables measured per pulse polarity, loaded from a directory or built from
/// raw pulse-train measurements, in CrossSim's table file format.
///
/// A core loads its tables itself at [`Core::new`] when
/// `xbar.device.update.lut_dir` is set; [`load`] and [`Core::set_lookup_table`]
/// share one loaded model between cores instead.
pub mod lut {
    pub use crate::device::update::lookup_table::preprocess::{Direction, Summary, Table};
    pub use crate::device::update::lookup_table::{
        format, load, load_with, pulse_trains, LookupTableModel, LutOptions,
    };
}
