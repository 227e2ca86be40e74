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
use crate::storage::Stored;
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
    /// The model's key of the written array, [`DeviceUpdate::array_key`] of
    /// `stream` (computed once per write, not once per cell).
    pub key: u64,
}

/// The cells of one array a write changes, in the precision they are stored
/// in (`simulation.conductance_precision`). Each written cell is read as
/// `f64`, given its new value and stored back once, rounded to nearest in
/// single precision: no copy of the array in another precision is made.
#[derive(Debug)]
pub enum CellsMut<'a> {
    Single(&'a mut [f32]),
    Double(&'a mut [f64]),
}

/// A device's response to one write request.
pub trait DeviceUpdate: std::any::Any + std::fmt::Debug + Send + Sync {
    /// The dense draw [`respond`](Self::respond) uses for each cell, if any.
    /// [`write_cells`] draws these a whole row at a time.
    fn dense_draw(&self) -> Option<DenseDraw> {
        None
    }

    /// A value the model derives once per write from the array's stream
    /// and reads back as [`Draws::key`] in every [`respond`](Self::respond)
    /// of that write (the lookup-table model: its per-array assignment hash).
    fn array_key(&self, _stream: &Stream) -> u64 {
        0
    }

    /// Which of the model's devices (measured tables) each of the first
    /// `cells` cells of the array written with `stream` uses, one byte per
    /// cell, when the model assigns several and keeps the assignment (the
    /// lookup-table model: [`lookup_table::LutUpdate`]); [`write_cells`]
    /// hands each run its part as [`Run::devices`].
    fn cell_devices(&self, _stream: &Stream, _cells: usize) -> Option<std::sync::Arc<[u8]>> {
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
                key: self.array_key(stream),
            },
        )
    }

    /// Writes the run of cells `g` (cell `k` of the slice is cell
    /// `run.first + k` of its array) with their requested changes
    /// `run.change` (0: left as it is); whether any cell was written. By
    /// default [`respond_each`] (one [`respond`](Self::respond) per changed
    /// cell); a model may compute the same bits in vectorised passes.
    fn respond_run(&self, g: CellsMut<'_>, run: &Run) -> bool {
        match g {
            CellsMut::Single(g) => respond_each(self, g, run),
            CellsMut::Double(g) => respond_each(self, g, run),
        }
    }

    /// Writes `scale` times `request` into the cells `g` (cell `k` of the
    /// slice is cell `first + k` of its array), in their storage precision;
    /// returns whether any cell was written. By default [`write_cells`].
    fn write(&self, g: CellsMut<'_>, first: usize, request: &Request, scale: f64, draws: &Stream) -> bool {
        match g {
            CellsMut::Single(g) => write_cells(self, g, first, request, scale, draws),
            CellsMut::Double(g) => write_cells(self, g, first, request, scale, draws),
        }
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

/// A run of consecutive cells of one array and what one write asks of them.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// Index (in its array) of the run's first cell.
    pub first: usize,
    /// Requested change of each cell (normalised conductance; finite; 0:
    /// the cell is not written).
    pub change: &'a [f64],
    /// The dense draw of each cell ([`DeviceUpdate::dense_draw`]; empty when
    /// the model takes none).
    pub dense: &'a [f64],
    /// The write's stream.
    pub stream: &'a Stream,
    /// [`DeviceUpdate::array_key`] of `stream`.
    pub key: u64,
    /// The device of each cell of the run ([`DeviceUpdate::cell_devices`];
    /// empty when the model keeps none).
    pub devices: &'a [u8],
}

impl Run<'_> {
    /// [`Draws`] of cell `j` of the run.
    #[inline(always)]
    pub fn draws(&self, j: usize) -> Draws<'_> {
        Draws {
            stream: self.stream,
            dense: self.dense.get(j).copied().unwrap_or(0.0),
            key: self.key,
        }
    }
}

/// [`DeviceUpdate::respond`] for every cell of `run` asked for a change,
/// storing each result once in the cell's precision; whether any was written.
pub fn respond_each<M: DeviceUpdate + ?Sized, S: Stored>(model: &M, g: &mut [S], run: &Run) -> bool {
    let mut written = false;
    for (j, (g, &c)) in g.iter_mut().zip(run.change).enumerate() {
        if c != 0.0 {
            *g = S::store(model.respond(run.first + j, (*g).into(), c, &run.draws(j)));
            written = true;
        }
    }
    written
}

/// Asks every cell with a non-zero change for it (an outer product's change
/// `scale·(lr·d_i·x_j)`, or `scale·dw` of a dense request, limited to ±`f64::MAX`)
/// through [`DeviceUpdate::respond_run`]; whether any cell was written.
/// Whole rows (outer products; at least 1024 cells) or chunks of 4096 cells
/// (dense requests) are written in parallel, each with its requested changes
/// and its dense draws made in one pass; every cell's result depends only on
/// its own index, so not on the thread count. Each written cell is stored
/// once, in place, in the precision `S` of its array.
pub fn write_cells<M: DeviceUpdate + ?Sized, S: Stored>(
    model: &M,
    g: &mut [S],
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
    let key = model.array_key(stream);
    let devices = model.cell_devices(stream, first + n);
    let devices = devices.as_deref().unwrap_or(&[]);
    // Writes the cells `k0..k0 + g.len()` of the slice. The part's requested changes and dense draws go to `buf`, the running
    // thread's scratch: every value used is written first.
    let part_with = |buf: &mut Vec<f64>, k0: usize, g: &mut [S]| -> bool {
        let len = g.len();
        let need = if kind.is_some() { 2 * len } else { len };
        if buf.len() < need {
            buf.resize(need, 0.0);
        }
        let (change, dense) = buf[..need].split_at_mut(len);
        if let Some(kind) = kind {
            stream.fill_dense((first + k0) as u64, dense, kind == DenseDraw::Normal);
        }
        match *request {
            Request::Dense(dw) => changes_dense(change, &dw[k0..k0 + len], scale),
            Request::Outer { x, d, lr } => {
                // A part holds whole rows: it starts at row k0 / cols.
                let cols = x.len();
                for (row, &di) in change.chunks_mut(cols).zip(&d[k0 / cols..]) {
                    changes_outer(row, x, lr * di, scale);
                }
            }
        }
        let run = Run {
            first: first + k0,
            change,
            dense,
            stream,
            key,
            devices: devices.get(first + k0..first + k0 + len).unwrap_or(&[]),
        };
        model.respond_run(S::cells(g), &run)
    };
    let part = |k0: usize, g: &mut [S]| -> bool { SCRATCH.with_borrow_mut(|buf| part_with(buf, k0, g)) };
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

thread_local! {
    /// Each thread's buffer for the requested changes and dense draws of the
    /// parts it writes (16 bytes per cell of the largest part, a few
    /// kilobytes), kept between writes: no allocation and no zeroing per part.
    static SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A request beyond the floating-point range asks for the window's edge just the same.
#[inline(always)]
fn limit(c: f64) -> f64 {
    c.clamp(-f64::MAX, f64::MAX)
}

#[inline(always)]
fn changes_dense_body(out: &mut [f64], dw: &[f64], scale: f64) {
    for (o, &w) in out.iter_mut().zip(dw) {
        *o = limit(scale * w);
    }
}

/// `scale·(ld·x_j)` of one row (`ld = lr·d_i`, the product `scale·(lr·d_i·x_j)` left to right).
#[inline(always)]
fn changes_outer_body(out: &mut [f64], x: &[f64], ld: f64, scale: f64) {
    for (o, &xj) in out.iter_mut().zip(x) {
        *o = limit(scale * (ld * xj));
    }
}

crate::simd::multiversion! {
    fn changes_dense<>(out: &mut [f64], dw: &[f64], scale: f64) -> () = changes_dense_body;
}
crate::simd::multiversion! {
    fn changes_outer<>(out: &mut [f64], x: &[f64], ld: f64, scale: f64) -> () = changes_outer_body;
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
