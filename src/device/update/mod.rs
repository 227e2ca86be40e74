//! Update models: what a device does when asked to change its conductance by
//! `ΔG` (normalised to Gmax = 1). One model per file; each maps the present
//! conductance, the requested change and its random draws to the new
//! conductance, clipped to the device window [Gmin, 1].
//!
//! Random draws: a write gives each model the write's counter-based stream
//! and the cell index `c`; a model that needs `k` draws per request uses
//! the dense draws `k·c .. k·c + k` (`Stream::fill_dense`), so results never
//! depend on thread count or on the order in which cells are written.
//!
//! A write reaches an array as a [`Request`]: per-cell changes, or one
//! sample's outer product (which a pulsed device turns into pulse trains on
//! the rows and columns, [`pulsed`]).

pub mod analytic;
pub mod ideal;
pub mod lookup_table;
pub mod pulsed;
pub mod quantize;

use crate::error::Result;
use crate::params::{UpdateModel, UpdateParams};
use crate::rng::Stream;

/// A device's response to one write request.
pub trait DeviceUpdate: std::fmt::Debug + Send + Sync {
    /// New conductance of cell `cell` (of its array) at `g`, asked to change
    /// by `dg`, drawing its randomness from `draws`.
    fn apply(&self, cell: usize, g: f64, dg: f64, draws: &Stream) -> f64;

    /// Writes `scale` times `request` into the cells `g` (cell `k` of the
    /// slice is cell `first + k` of its array); returns whether any cell was
    /// written. By default [`write_cells`].
    fn write(&self, g: &mut [f64], first: usize, request: &Request, scale: f64, draws: &Stream) -> bool {
        write_cells(self, g, first, request, scale, draws)
    }

    /// The measured tables this model writes through, if it is a lookup-table model.
    fn lookup_table(&self) -> Option<&std::sync::Arc<lookup_table::LookupTableModel>> {
        None
    }
}

/// Asks every cell with a non-zero change for it through [`DeviceUpdate::apply`]
/// (an outer product's change `scale·(lr·d_i·x_j)`); whether any cell was written.
pub fn write_cells<M: DeviceUpdate + ?Sized>(
    model: &M,
    g: &mut [f64],
    first: usize,
    request: &Request,
    scale: f64,
    draws: &Stream,
) -> bool {
    let mut written = false;
    let mut cell = |k: usize, g: &mut f64, change: f64| {
        // A request beyond the floating-point range asks for the window's edge just the same.
        let change = change.clamp(-f64::MAX, f64::MAX);
        if change != 0.0 {
            *g = model.apply(first + k, *g, change, draws);
            written = true;
        }
    };
    match *request {
        Request::Dense(dw) => {
            for (k, (g, d)) in g.iter_mut().zip(dw).enumerate() {
                cell(k, g, scale * d);
            }
        }
        Request::Outer { x, d, lr } => {
            for (i, (row, &di)) in g.chunks_mut(x.len()).zip(d).enumerate() {
                for (j, (g, &xj)) in row.iter_mut().zip(x).enumerate() {
                    cell(i * x.len() + j, g, scale * (lr * di * xj));
                }
            }
        }
    }
    written
}

/// The change one write asks of the `rows × cols` cells of an array.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// Cell (i, j) is asked for `dw[i·cols + j]` (a digitally accumulated batch).
    Dense(&'a [f64]),
    /// One sample's outer product: cell (i, j) is asked for `lr·d[i]·x[j]`
    /// (`x`: the cols input lines, `d`: the rows output lines).
    Outer { x: &'a [f64], d: &'a [f64], lr: f64 },
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
        UpdateModel::Pulsed => pulsed::model(&p.pulsed, gmin),
    })
}
