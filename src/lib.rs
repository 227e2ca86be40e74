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
//! * The cost report types ([`Tally`], [`Converter`], [`Energy`], [`Area`], [`Figures`])
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
//! let mut y = [0.0f64; 2];
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
mod rounding;
mod simd;
#[allow(missing_docs)]
mod storage;
mod support;
mod threads;
mod tiling;

#[doc(hidden)]
pub mod internals;

pub use crate::core::{ArrayInfo, ArrayRole, Core, Layout, Real, SpiceExport};
pub use cost::{Area, Converter, Energy, Figures, Tally};
pub use error::{Error, Result};
pub use params::Params;
pub use threads::{max_num_threads, num_threads, set_num_threads};

// The crate-internal macro, at the root where its users name it.
pub(crate) use storage::with_stored;

/// Lookup-table update models (`xbar.device.update.model = "LookupTable"`):
/// tables measured per pulse polarity, loaded from a directory or built from
/// raw pulse-train measurements, in CrossSim's table file format.
///
/// A core loads its tables itself at [`Core::new`] when
/// `xbar.device.update.lut_dir` is set; [`load`](crate::lut::load) and [`Core::set_lookup_table`]
/// share one loaded model between cores instead.
///
/// ```
/// use std::sync::Arc;
/// use xbar::lut::{self, pulse_trains};
/// use xbar::{Core, Layout, Params};
///
/// // Measured conductance ramps (S) of 8 SET and 8 RESET pulse trains of a
/// // soft-bounds device, here computed with a fixed pseudo-random spread.
/// let (g_min, g_max) = (1e-6, 1e-5);
/// let ramp = |start: f64, up: bool, seed: usize| {
///     let mut g = start;
///     let mut r = vec![g];
///     for k in 0..200 {
///         let spread = 1.0 + 0.3 * (((seed * 31 + k * 17) % 23) as f64 / 11.0 - 1.0);
///         let step = if up { 0.02 * (g_max - g) } else { -0.03 * (g - g_min) };
///         g = (g + step * spread).clamp(g_min, g_max);
///         r.push(g);
///     }
///     r
/// };
/// let set: Vec<Vec<f64>> = (0..8).map(|s| ramp(g_min, true, s)).collect();
/// let reset: Vec<Vec<f64>> = (0..8).map(|s| ramp(g_max, false, s)).collect();
/// let (inc, dec) = pulse_trains::build(&set, &reset, &pulse_trains::PulseTrainOptions::default())?;
///
/// // Written in CrossSim's format and loaded again.
/// let dir = std::env::temp_dir().join(format!("xbar-doc-lut-{}", std::process::id()));
/// pulse_trains::write_pair(&dir, &inc, &dec)?;
/// let model = Arc::new(lut::load(&dir)?);
///
/// // A core whose updates go through the table.
/// let mut p = Params::default();
/// let spec = format!(r#"{{"model": "LookupTable", "lut_dir": {:?}}}"#, dir.display().to_string());
/// p.set_json("xbar.device.update", &spec)?;
/// let mut core = Core::new(&p, 1, 1, 3)?; // loads the tables from lut_dir
/// core.set_lookup_table(model); // or shares one loaded model between cores
/// std::fs::remove_dir_all(&dir).ok();
/// core.program(&[0.0], Layout::RowMajor)?;
/// core.update(&[1.0], &[1.0], 1, 0.1)?;
/// let mut w = [0.0];
/// core.read(&mut w, Layout::RowMajor)?;
/// assert!(w[0] > 0.0, "a positive update raises the weight: {w:?}");
/// # Ok::<(), xbar::Error>(())
/// ```
pub mod lut {
    pub use crate::device::update::lookup_table::preprocess::{Direction, Summary, Table};
    pub use crate::device::update::lookup_table::{
        format, load, load_with, pulse_trains, LookupTableModel, LutOptions,
    };
}
