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
use rayon::prelude::*;

/// The dense draw a model takes for each written cell: draw `cell` of the
/// write's stream (`Stream::fill_dense`), a standard normal or a uniform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenseDraw {
    Normal,
    Uniform,
}

/// What a model draws from when it writes one cell: the write's stream and,
/// when the model takes one ([`DeviceUpdate::dense_draw`]), the cell's dense draw.
#[derive(Debug, Clone, Copy)]
pub struct Draws<'a> {
    pub stream: &'a Stream,
    /// Dense draw `cell` of `stream` (0 when the model takes none).
    pub dense: f64,
}

/// A device's response to one write request.
pub trait DeviceUpdate: std::fmt::Debug + Send + Sync {
    /// The dense draw [`respond`](Self::respond) uses for each cell, if any.
    /// [`write_cells`] draws these a whole row at a time.
    fn dense_draw(&self) -> Option<DenseDraw> {
        None
    }

    /// New conductance of cell `cell` (of its array) at `g`, asked to change
    /// by `dg`, with its randomness from `draws`.
    fn respond(&self, cell: usize, g: f64, dg: f64, draws: &Draws) -> f64;

    /// [`respond`](Self::respond) for one cell, drawing its dense draw from `stream`.
    fn apply(&self, cell: usize, g: f64, dg: f64, stream: &Stream) -> f64 {
        let mut dense = [0.0];
        if let Some(kind) = self.dense_draw() {
            stream.fill_dense(cell as u64, &mut dense, kind == DenseDraw::Normal);
        }
        self.respond(
            cell,
            g,
            dg,
            &Draws {
                stream,
                dense: dense[0],
            },
        )
    }

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

/// Cells per task of a [`Request::Dense`] write.
const DENSE_CHUNK: usize = 4096;
/// Fewest cells per task of an outer-product write (whole rows).
const ROW_PART_CELLS: usize = 1024;
/// Below this many cells a write runs on the calling thread.
pub(crate) const PARALLEL_MIN_CELLS: usize = 1 << 14;

/// Asks every cell with a non-zero change for it through [`DeviceUpdate::respond`]
/// (an outer product's change `scale·(lr·d_i·x_j)`); whether any cell was written.
/// Whole rows (outer products; at least 1024 cells) or chunks of 4096 cells (dense requests) are written
/// in parallel, each with its dense draws made in one pass; every cell's
/// result depends only on its own index, so not on the thread count.
pub fn write_cells<M: DeviceUpdate + ?Sized>(
    model: &M,
    g: &mut [f64],
    first: usize,
    request: &Request,
    scale: f64,
    stream: &Stream,
) -> bool {
    // Cells per part, and cells asked for.
    let (chunk, cells) = match *request {
        Request::Dense(dw) => (DENSE_CHUNK, dw.len()),
        // Whole rows, at least ROW_PART_CELLS cells when rows are short.
        Request::Outer { x, d, .. } => {
            let cols = x.len().max(1);
            (cols * ROW_PART_CELLS.div_ceil(cols), x.len() * d.len())
        }
    };
    let n = cells.min(g.len());
    let g = &mut g[..n];
    let kind = model.dense_draw();
    // Writes the cells `k0..k0 + g.len()` of the slice.
    let part = |k0: usize, g: &mut [f64]| -> bool {
        let mut dense = vec![0.0; if kind.is_some() { g.len() } else { 0 }];
        if let Some(kind) = kind {
            stream.fill_dense((first + k0) as u64, &mut dense, kind == DenseDraw::Normal);
        }
        let mut written = false;
        let mut cell = |j: usize, g: &mut f64, change: f64| {
            // A request beyond the floating-point range asks for the window's edge just the same.
            let change = change.clamp(-f64::MAX, f64::MAX);
            if change != 0.0 {
                let draws = Draws {
                    stream,
                    dense: dense.get(j).copied().unwrap_or(0.0),
                };
                *g = model.respond(first + k0 + j, *g, change, &draws);
                written = true;
            }
        };
        match *request {
            Request::Dense(dw) => {
                for (j, (g, &w)) in g.iter_mut().zip(&dw[k0..]).enumerate() {
                    cell(j, g, scale * w);
                }
            }
            Request::Outer { x, d, lr } => {
                // A part holds whole rows: it starts at row k0 / cols.
                let cols = x.len();
                for (r, (row, &di)) in g.chunks_mut(cols).zip(&d[k0 / cols..]).enumerate() {
                    for (j, (g, &xj)) in row.iter_mut().zip(x).enumerate() {
                        cell(r * cols + j, g, scale * (lr * di * xj));
                    }
                }
            }
        }
        written
    };
    if g.len() < PARALLEL_MIN_CELLS {
        return g
            .chunks_mut(chunk)
            .enumerate()
            .fold(false, |w, (c, p)| part(c * chunk, p) | w);
    }
    crate::threads::install(|| {
        g.par_chunks_mut(chunk)
            .enumerate()
            .map(|(c, p)| part(c * chunk, p))
            .reduce(|| false, |a, b| a | b)
    })
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
