//! The user-facing [`Core`]: one matrix programmed onto simulated crossbar
//! arrays (tiled when it exceeds one array), with program / read / mvm / vmm.

use crate::error::{Error, Result};
use crate::params::Params;

/// Memory order of a matrix passed to [`Core::program`] or [`Core::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Element (i, j) at `i * cols + j` (C, NumPy).
    RowMajor,
    /// Element (i, j) at `i + j * rows` (Fortran, Julia, MATLAB).
    ColMajor,
}

/// One simulated matrix: `rows × cols` weights on one or more arrays.
/// MVM computes `y = W x` (x has `cols` entries, y has `rows`); VMM computes
/// `y = v W` (v has `rows` entries, y has `cols`).
#[derive(Debug, Clone)]
pub struct Core {
    params: Params,
    rows: usize,
    cols: usize,
    seed: u64,
}

impl Core {
    /// A core for a `rows × cols` matrix. Checks that every requested model is
    /// available; nothing is programmed yet.
    pub fn new(params: &Params, rows: usize, cols: usize, seed: u64) -> Result<Core> {
        Ok(Core { params: params.clone(), rows, cols, seed })
    }
    /// Matrix rows (MVM outputs).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Matrix columns (MVM inputs).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The core's own copy of its parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }
    /// The seed the core was created with.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Whether `program` has succeeded on this core.
    pub fn is_programmed(&self) -> bool {
        false
    }
    /// Programs `w` (`rows × cols` in `layout`). A real matrix; for complex cores see `program_complex`.
    pub fn program(&mut self, _w: &[f64], _layout: Layout) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// As [`Core::program`] with single-precision weights.
    pub fn program_f32(&mut self, _w: &[f32], _layout: Layout) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// Programs a complex matrix given as interleaved (re, im) pairs, `2·rows·cols` values.
    pub fn program_complex(&mut self, _w: &[f64], _layout: Layout) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// Writes the effective weights as stored now (`rows × cols` in `layout`) into `out`.
    pub fn read(&self, _out: &mut [f64], _layout: Layout) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// As [`Core::read`] in single precision.
    pub fn read_f32(&self, _out: &mut [f32], _layout: Layout) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// Complex read-back, interleaved (re, im), `2·rows·cols` values.
    pub fn read_complex(&self, _out: &mut [f64], _layout: Layout) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// `y[b,:] = W x[b,:]`: x is `batch × cols`, y is `batch × rows`, row-major.
    pub fn mvm(&mut self, _x: &[f64], _batch: usize, _y: &mut [f64]) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// As [`Core::mvm`] in single precision (computed in double precision).
    pub fn mvm_f32(&mut self, _x: &[f32], _batch: usize, _y: &mut [f32]) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// Complex MVM; x and y interleaved (re, im): `2·batch·cols` and `2·batch·rows` values.
    pub fn mvm_complex(&mut self, _x: &[f64], _batch: usize, _y: &mut [f64]) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// `y[b,:] = v[b,:] W`: v is `batch × rows`, y is `batch × cols`, row-major.
    pub fn vmm(&mut self, _v: &[f64], _batch: usize, _y: &mut [f64]) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// As [`Core::vmm`] in single precision.
    pub fn vmm_f32(&mut self, _v: &[f32], _batch: usize, _y: &mut [f32]) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// Complex VMM, interleaved (re, im).
    pub fn vmm_complex(&mut self, _v: &[f64], _batch: usize, _y: &mut [f64]) -> Result<()> {
        Err(Error::Internal("not yet".into()))
    }
    /// `W += lr · Σ_b d[b] ⊗ x[b]` through the device update model.
    /// x is `batch × cols`, d is `batch × rows`.
    pub fn update(&mut self, _x: &[f64], _d: &[f64], _batch: usize, _lr: f64) -> Result<()> {
        Err(Error::unsupported(
            "update: device update models are not available in this version of xbar",
        ))
    }
    /// As [`Core::update`] in single precision.
    pub fn update_f32(&mut self, _x: &[f32], _d: &[f32], _batch: usize, _lr: f32) -> Result<()> {
        Err(Error::unsupported(
            "update: device update models are not available in this version of xbar",
        ))
    }
    /// Moves the programmed arrays to their drifted state `seconds` after programming.
    pub fn set_time(&mut self, _seconds: f64) -> Result<()> {
        Err(Error::unsupported("set_time: drift models are not available in this version of xbar"))
    }
}
