//! CrossSim 2's lookup-table (LUT) update model (spec update-models.md §A.2–A.8):
//! measured per-pulse conductance-change distributions, one table per pulse
//! polarity and device.
//!
//! * [`format`](mod@format): the CrossSim table file format, read and written.
//! * [`preprocess`]: normalisation, means, normalisers, error tables.
//! * [`lookup`]: the per-request update `Δ = s·m(w) + √s·E(u, w)`, `s = dw/A`.
//! * [`variability`]: several devices, one assigned per cell.
//! * [`pulse_trains`]: a table built from raw pulse-train measurements.
//!
//! Use: [`load`] a directory (one device, or several for device-to-device
//! variability), then either select `xbar.device.update.model = "LookupTable"`
//! with `xbar.device.update.lut_dir` (the core loads the tables once, at
//! `Core::new`), or bind a loaded model to a device window with
//! [`LookupTableModel::bind`].
//!
//! Units: the tables' `w = G/Gmax` (Gmax from `gmax_relative`) has target
//! range `[Gmin/Gmax, 1]` ([`LookupTableModel::target`]); a core's
//! normalised conductance window `[gmin, 1]` (`Rmin/Rmax`) is mapped affinely
//! onto it (the identity when `Rmin/Rmax` equals the table's `Gmin/Gmax`).
//! States are clipped at the table edges ([`LookupTableModel::clip`]), which
//! lie outside the target range, as in CrossSim.

mod flat;
pub mod format;
pub mod lookup;
pub mod preprocess;
pub mod pulse_trains;
pub mod variability;

use super::{CellsMut, DenseDraw, DeviceUpdate, Draws, Run};
use crate::error::{Error, Result};
use crate::params::{LutDraw, UpdateParams};
use crate::rng::Stream;
use crate::simd::{clip, multiversion};
use crate::storage::Stored;
use format::TableFile;
use preprocess::{Summary, Table};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How loaded tables are normalised and applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LutOptions {
    /// Bottom and top of the target range as fractions of the tabulated
    /// conductance range (CrossSim's `Gmin_relative`, `Gmax_relative`;
    /// defaults 0.1 and 0.9, those of its training driver).
    pub gmin_relative: f64,
    /// Top of the target range (see `gmin_relative`).
    pub gmax_relative: f64,
    /// Draw cycle-to-cycle write noise from the tables (default true;
    /// CrossSim's `disable_writenoise` = false).
    pub write_noise: bool,
    /// Calibrated update: the mean change is the request exactly, the noise
    /// stays state dependent (CrossSim's `disable_nonlinearity`; default false).
    pub calibrated: bool,
    /// CrossSim's multi-table rule that leaves cells outside the target range
    /// unchanged for good (§A.12 item 3). Default false: xbar updates them.
    pub freeze_outside_target: bool,
    /// How a uniform draw picks the error-table row ([`lookup`]; default
    /// [`LutDraw::Unbiased`]).
    pub draw: LutDraw,
}

impl Default for LutOptions {
    fn default() -> Self {
        LutOptions {
            gmin_relative: 0.1,
            gmax_relative: 0.9,
            write_noise: true,
            calibrated: false,
            freeze_outside_target: false,
            draw: LutDraw::Unbiased,
        }
    }
}

impl LutOptions {
    /// The options `xbar.device.update` selects (`lut_gmin_relative`,
    /// `lut_gmax_relative`, `lut_write_noise`, `lut_calibrated`,
    /// `lut_freeze_outside_target`, `lut_draw`).
    pub fn from_params(p: &UpdateParams) -> LutOptions {
        LutOptions {
            gmin_relative: p.lut_gmin_relative,
            gmax_relative: p.lut_gmax_relative,
            write_noise: p.lut_write_noise,
            calibrated: p.lut_calibrated,
            freeze_outside_target: p.lut_freeze_outside_target,
            draw: p.lut_draw,
        }
    }

    fn check(&self) -> Result<()> {
        let (lo, hi) = (self.gmin_relative, self.gmax_relative);
        if !(lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo < hi) {
            return Err(Error::params(format!(
                "lookup table: need 0 <= gmin_relative < gmax_relative, got {lo} and {hi}"
            )));
        }
        Ok(())
    }
}

/// Loaded, preprocessed tables of one device or a set of devices.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupTableModel {
    tables: Vec<Table>,
    summary: Summary,
    options: LutOptions,
    sources: Vec<(PathBuf, PathBuf)>,
    /// The parsed (increasing, decreasing) files the tables were built from.
    files: Vec<(TableFile, TableFile)>,
}

/// Loads the tables under `dir` with default options ([`LutOptions`]):
/// `dir` holds `dG_increasing.txt` and `dG_decreasing.txt` (one device,
/// §A.5), numbered pairs `dG_increasing{N}.txt`/`dG_decreasing{N}.txt`, or
/// subfolders holding such pairs (a set of devices, §A.7: common
/// normalisation, each device normalised over its own range, one device per
/// cell). Errors: [`Error::Io`] (missing or unreadable files, naming the
/// path), [`Error::Parse`] (malformed files, naming file and line; grids of a
/// pair that differ; an average pulse of the wrong sign).
pub fn load(dir: &Path) -> Result<LookupTableModel> {
    load_with(dir, &LutOptions::default())
}

/// [`load`] with explicit options.
pub fn load_with(dir: &Path, options: &LutOptions) -> Result<LookupTableModel> {
    options.check()?;
    let sources = variability::find_pairs(dir)?;
    let files = sources
        .iter()
        .map(|(i, d)| Ok((format::read(i)?, format::read(d)?)))
        .collect::<Result<Vec<_>>>()?;
    let names: Vec<(String, String)> = sources
        .iter()
        .map(|(i, d)| (i.display().to_string(), d.display().to_string()))
        .collect();
    let mut m = LookupTableModel::from_tables(&files, &names, options)?;
    m.sources = sources;
    Ok(m)
}

impl LookupTableModel {
    /// A model from parsed (increasing, decreasing) pairs: one pair is one
    /// device (§A.5), several a set (§A.7). `names` name the files in errors.
    pub fn from_tables(
        pairs: &[(TableFile, TableFile)],
        names: &[(String, String)],
        options: &LutOptions,
    ) -> Result<Self> {
        options.check()?;
        let rel = (options.gmin_relative, options.gmax_relative);
        let (tables, summary) = match pairs.len() {
            0 => return Err(Error::InvalidArgument("lookup table: no tables".into())),
            1 => {
                let (t, s) = preprocess::single(&pairs[0].0, &pairs[0].1, (&names[0].0, &names[0].1), rel)?;
                (vec![t], s)
            }
            _ => preprocess::multi(pairs, names, rel)?,
        };
        for (t, (inc, dec)) in tables.iter().zip(names) {
            if !t.is_finite() {
                return Err(Error::Parse(format!(
                    "lookup table {inc} / {dec}: the changes are too large: their means or spreads overflow"
                )));
            }
        }
        Ok(LookupTableModel {
            tables,
            summary,
            options: *options,
            sources: Vec::new(),
            files: pairs.to_vec(),
        })
    }

    /// The preprocessed tables, one per device.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }
    /// Normalisation constants.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }
    /// The options the model was loaded with.
    pub fn options(&self) -> &LutOptions {
        &self.options
    }
    /// The parsed files the model was built from, (increasing, decreasing)
    /// per device: [`LookupTableModel::from_tables`] of them with
    /// [`LookupTableModel::options`] rebuilds this model.
    pub fn files(&self) -> &[(TableFile, TableFile)] {
        &self.files
    }
    /// The files read by [`load`], in device order.
    pub fn sources(&self) -> &[(PathBuf, PathBuf)] {
        &self.sources
    }
    /// Target range `[Gmin/Gmax, 1]` (w units).
    pub fn target(&self) -> (f64, f64) {
        self.summary.target
    }
    /// Clipping range: the table edges (w units).
    pub fn clip(&self) -> (f64, f64) {
        self.summary.clip
    }
    /// The device (table index) of cell `cell` of array `array` (its crossbar
    /// id) under assignment seed `seed`.
    pub fn table_of(&self, seed: u64, array: u32, cell: usize) -> usize {
        variability::assign(seed, array, cell, self.tables.len())
    }

    /// New state (w units, clipped to the table edges) of a device using
    /// table `table` at `w`, asked to change by `dw`, with uniform draw `u`
    /// (ignored without write noise).
    #[inline(always)]
    pub fn step(&self, table: usize, w: f64, dw: f64, u: f64) -> f64 {
        let (lo, hi) = self.summary.target;
        if self.options.freeze_outside_target && self.tables.len() > 1 && !(lo <= w && w <= hi) {
            return w;
        }
        let u = self.options.write_noise.then_some(u);
        let d = self.tables[table].response(w, dw, u, self.options.calibrated, self.options.draw);
        // A request so large that `s·m + √s·E` is inf − inf drives the device
        // to the edge it asks for, as any request beyond the range does.
        let d = if d.is_nan() { dw.signum() * f64::INFINITY } else { d };
        clip(w + d, self.summary.clip.0, self.summary.clip.1)
    }

    /// This model as the update model of devices with normalised window
    /// `[gmin, 1]`; `seed` keys the assignment of tables to cells.
    pub fn bind(self: Arc<Self>, gmin: f64, seed: u64) -> LutUpdate {
        let (lo, hi) = self.summary.target;
        let k = (hi - lo) / (1.0 - gmin);
        LutUpdate {
            seed,
            gmin,
            k,
            inv_k: 1.0 / k,
            flat: flat::Flat::new(&self).map(Arc::new),
            model: self,
            assigned: Arc::default(),
        }
    }
}

/// A [`LookupTableModel`] bound to a device window and an assignment seed:
/// conductance `g ∈ [gmin, 1]` ↔ `w = lo + (g − gmin)·k`, `k = (1 − lo)/(1 − gmin)`.
/// One uniform draw per request: dense draw `cell` of the write's stream.
#[derive(Debug, Clone)]
pub struct LutUpdate {
    model: Arc<LookupTableModel>,
    seed: u64,
    gmin: f64,
    k: f64,
    inv_k: f64,
    /// The tables side by side for the vectorised default lookup, when it applies.
    flat: Option<Arc<flat::Flat>>,
    /// The device of every cell of each array written so far (one byte per
    /// cell, [`variability::assign_keyed`] computed once), by array key, when
    /// there are 2 to 256 devices.
    assigned: Arc<std::sync::Mutex<Vec<Assigned>>>,
}

/// One array's kept assignment: its key ([`variability::array_key`]) and
/// the device of each of its cells.
type Assigned = (u64, Arc<[u8]>);

impl LutUpdate {
    /// The bound model.
    pub fn model(&self) -> &LookupTableModel {
        &self.model
    }

    /// The window's binding `(gmin, k, 1/k)`: `w = lo + (g − gmin)·k` and
    /// back `g = gmin + (w − lo)·(1/k)` (what a device form of the write needs).
    pub(crate) fn window(&self) -> (f64, f64, f64) {
        (self.gmin, self.k, self.inv_k)
    }

    /// New conductance of a cell using table `t` at `g`, asked for `dg`, with uniform draw `u`.
    #[inline(always)]
    fn cell(&self, t: usize, g: f64, dg: f64, u: f64) -> f64 {
        let lo = self.model.summary.target.0;
        let w = lo + (g - self.gmin) * self.k;
        let wn = self.model.step(t, w, dg * self.k, u);
        self.gmin + (wn - lo) * self.inv_k
    }
}

#[inline(always)]
fn lut_body<S: Stored>(m: &LutUpdate, g: &mut [S], run: &Run) -> bool {
    let n = g.len().min(run.change.len());
    let (g, change) = (&mut g[..n], &run.change[..n]);
    let uniforms = if run.dense.len() >= n { &run.dense[..n] } else { &[][..] };
    let tables = m.model.tables.len();
    // First pass: fetch every cell's error-table entry (random rows of tables
    // larger than the caches), so that the second pass finds them cached.
    let draw = m.model.options.draw;
    let lo = m.model.summary.target.0;
    if uniforms.len() == n {
        for j in 0..n {
            let c = change[j];
            if c != 0.0 {
                let t = variability::assign_keyed(run.key, run.first + j, tables);
                let w = lo + (g[j].into() - m.gmin) * m.k;
                m.model.tables[t].prefetch(c > 0.0, w, uniforms[j], draw);
            }
        }
    }
    let mut any = false;
    for j in 0..n {
        let c = change[j];
        if c != 0.0 {
            let t = variability::assign_keyed(run.key, run.first + j, tables);
            let u = uniforms.get(j).copied().unwrap_or(0.0);
            g[j] = S::store(m.cell(t, g[j].into(), c, u));
            any = true;
        }
    }
    any
}

multiversion! {
    fn lut_run<S: Stored>(m: &LutUpdate, g: &mut [S], run: &Run) -> bool = lut_body;
}

#[inline(always)]
fn flat_body<S: Stored>(f: &flat::Flat, m: &LutUpdate, g: &mut [S], run: &Run, s: &mut flat::Scratch) -> bool {
    let window = flat::Window {
        gmin: m.gmin,
        k: m.k,
        inv_k: m.inv_k,
    };
    let devices = if f.devices() == 1 {
        flat::Devices::One
    } else if run.devices.len() == g.len() {
        flat::Devices::Assigned(run.devices)
    } else {
        flat::Devices::Hashed {
            key: run.key,
            first: run.first,
        }
    };
    flat::run_body(f, window, g, run.change, run.dense, devices, s)
}

multiversion! {
    fn flat_run<S: Stored>(f: &flat::Flat, m: &LutUpdate, g: &mut [S], run: &Run, s: &mut flat::Scratch) -> bool = flat_body;
}

impl DeviceUpdate for LutUpdate {
    /// One uniform per request when the tables' write noise is on.
    fn dense_draw(&self) -> Option<DenseDraw> {
        self.model.options.write_noise.then_some(DenseDraw::Uniform)
    }

    /// The assignment hash of the written array ([`variability::array_key`]).
    fn array_key(&self, stream: &Stream) -> u64 {
        variability::array_key(self.seed, stream.array())
    }

    #[inline(always)]
    fn respond(&self, cell: usize, g: f64, dg: f64, draws: &Draws) -> f64 {
        let t = variability::assign_keyed(draws.key, cell, self.model.tables.len());
        self.cell(t, g, dg, draws.dense)
    }

    /// With 2 to 256 devices, the device of each of the array's first
    /// `cells` cells, hashed once per array and kept (1 byte per cell).
    fn cell_devices(&self, stream: &Stream, cells: usize) -> Option<Arc<[u8]>> {
        let devices = self.model.tables.len();
        if !(2..=256).contains(&devices) {
            return None;
        }
        let key = self.array_key(stream);
        let mut kept = self.assigned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, a)) = kept.iter().find(|(k, a)| *k == key && a.len() >= cells) {
            return Some(a.clone());
        }
        let a: Arc<[u8]> = (0..cells)
            .map(|c| variability::assign_keyed(key, c, devices) as u8)
            .collect();
        kept.retain(|(k, _)| *k != key);
        kept.push((key, a.clone()));
        Some(a)
    }

    /// One pass over the run, the cell's table from the array's hash.
    fn respond_run(&self, g: CellsMut<'_>, run: &Run) -> bool {
        let n = match &g {
            CellsMut::Single(g) => g.len(),
            CellsMut::Double(g) => g.len(),
        };
        match (&self.flat, g) {
            (Some(f), CellsMut::Single(g)) if run.dense.len() == n && run.change.len() == n => {
                flat::with_scratch(|s| flat_run(f, self, g, run, s))
            }
            (Some(f), CellsMut::Double(g)) if run.dense.len() == n && run.change.len() == n => {
                flat::with_scratch(|s| flat_run(f, self, g, run, s))
            }
            (_, CellsMut::Single(g)) => lut_run(self, g, run),
            (_, CellsMut::Double(g)) => lut_run(self, g, run),
        }
    }

    fn lookup_table(&self) -> Option<&Arc<LookupTableModel>> {
        Some(&self.model)
    }
}

/// The update model `xbar.device.update` selects when `model = "LookupTable"`.
pub fn from_params(p: &UpdateParams, gmin: f64, seed: u64) -> Result<LutUpdate> {
    let dir = p
        .lut_dir
        .as_deref()
        .ok_or_else(|| Error::params("xbar.device.update.lut_dir: required by the LookupTable model"))?;
    let m = load_with(Path::new(dir), &LutOptions::from_params(p))?;
    Ok(Arc::new(m).bind(gmin, seed))
}
