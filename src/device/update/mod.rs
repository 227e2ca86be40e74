//! Update models: what a device does when asked to change its conductance by
//! `ΔG` (normalised to Gmax = 1). One model per file; each maps the present
//! conductance, the requested change and its random draws to the new
//! conductance, clipped to the device window [Gmin, 1].
//!
//! Random draws: a write gives each model the write's counter-based stream
//! and the cell index `c`; a model that needs `k` draws per request uses
//! the dense draws `k·c .. k·c + k` (`Stream::fill_dense`), so results never
//! depend on thread count or on the order in which cells are written.

pub mod analytic;
pub mod ideal;
pub mod lookup_table;

use crate::error::Result;
use crate::params::{UpdateModel, UpdateParams};
use crate::rng::Stream;

/// A device's response to one write request.
pub trait DeviceUpdate: std::fmt::Debug + Send + Sync {
    /// New conductance of cell `cell` (of its array) at `g`, asked to change
    /// by `dg`, drawing its randomness from `draws`.
    fn apply(&self, cell: usize, g: f64, dg: f64, draws: &Stream) -> f64;
    /// The measured tables this model writes through, if it is a lookup-table model.
    fn lookup_table(&self) -> Option<&std::sync::Arc<lookup_table::LookupTableModel>> {
        None
    }
}

/// The update model `p` describes for a device window starting at `gmin`;
/// `seed` (the core's) keys the assignment of lookup tables to cells. Loads
/// the lookup tables of the LookupTable model (`Error::Io`/`Error::Parse`
/// naming the file).
pub fn model(p: &UpdateParams, gmin: f64, seed: u64) -> Result<Box<dyn DeviceUpdate>> {
    Ok(match p.model {
        UpdateModel::Ideal => Box::new(ideal::Ideal { gmin }),
        UpdateModel::Analytic => Box::new(analytic::Analytic::new(p, gmin)),
        UpdateModel::LookupTable => Box::new(lookup_table::from_params(p, gmin, seed)?),
    })
}
