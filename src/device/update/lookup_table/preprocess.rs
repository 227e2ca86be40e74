//! Preprocessing of loaded tables (spec update-models.md §A.5, and §A.7 for a
//! set of devices): the normalisation to `w = G/Gmax`, the state-dependent
//! means, the direction normalisers ("average pulse") and the error tables.
//!
//! * `Gmax = G_lo + (G_hi − G_lo)·gmax_relative`, `Gmin` likewise, with
//!   `[G_lo, G_hi]` the table's grid ends (one device) or the ends over all
//!   tables (a set); target range `[Gmin/Gmax, 1]`, clipping range
//!   `[G_lo/Gmax, G_hi/Gmax]`.
//! * Means with left-Riemann weights `p_k = CDF[k+1] − CDF[k]` (the last row
//!   gets none): `m[j] = Σ_{k<NC−1} p_k·ΔG[k][j]/Gmax`.
//! * Normaliser `A = mean of m[j]` over columns `[i0, i1)`: one device: `i0`
//!   the node nearest `Gmin/Gmax`, `i1` the node nearest 1, plus one unless it
//!   is the last; a set: each device over its own columns `[0, NG−1)`.
//! * Errors `E[k][j] = ΔG[k][j]/Gmax − m[j]`, all rows.

use super::format::TableFile;
use crate::error::{Error, Result};

/// One pulse polarity of one device, in w units.
#[derive(Debug, Clone, PartialEq)]
pub struct Direction {
    /// `m[j]`, the mean change per pulse at node j.
    pub mean: Vec<f64>,
    /// `E[k][j]` row-major (NC × NG): quantile minus mean.
    pub err: Vec<f64>,
    /// `err` in single precision: what the nearest-node lookup reads (half the
    /// memory traffic of its random row accesses; the noise keeps 7 digits).
    pub(super) err32: Vec<f32>,
    /// `A`, the average pulse (> 0 increasing, < 0 decreasing).
    pub norm: f64,
    /// `1/A`.
    pub inv_norm: f64,
    /// Per column, the mean of the bilinearly interpolated error over u ∈ [0, 1)
    /// (trapezoid weights); subtracted by the interpolating lookup so that the
    /// sampled noise has mean zero (0 on grids sampled by rows).
    pub bias: Vec<f64>,
}

impl Direction {
    /// The error table in single precision (what the nearest-node lookup of
    /// the default draw reads).
    pub(crate) fn err32(&self) -> &[f32] {
        &self.err32
    }
}

/// One device's two directions on a common grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// State grid `w = G/Gmax`, NG values.
    pub w: Vec<f64>,
    /// CDF grid, NC values.
    pub cdf: Vec<f64>,
    /// The increasing-pulse (SET) direction.
    pub inc: Direction,
    /// The decreasing-pulse (RESET) direction.
    pub dec: Direction,
    /// Both grids uniform (to 1e-4 of their step): nearest-node lookup.
    pub uniform: bool,
    /// Mean state step and mean CDF step.
    pub dw: f64,
    /// Mean CDF step (see `dw`).
    pub dc: f64,
    /// The columns `[i0, i1)` averaged for the normalisers.
    pub avg_cols: (usize, usize),
}

impl Table {
    /// Whether every derived value is a finite number (the changes of a
    /// table may be finite yet overflow in the means or in single precision).
    pub fn is_finite(&self) -> bool {
        let all = |v: &[f64]| v.iter().all(|x| x.is_finite());
        [&self.inc, &self.dec].iter().all(|d| {
            all(&d.mean)
                && all(&d.err)
                && all(&d.bias)
                && d.err32.iter().all(|x| x.is_finite())
                && d.norm.is_finite()
                && d.inv_norm.is_finite()
        })
    }
}

/// Normalisation constants of a loaded model (siemens and w units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Lowest and highest tabulated conductance (S) (`Gmin_clip`, `Gmax_clip`).
    pub g_lo: f64,
    /// Highest tabulated conductance (S) (see `g_lo`).
    pub g_hi: f64,
    /// The conductance taken as 1 and the bottom of the target range (S).
    pub gmax: f64,
    /// The bottom of the target range (S) (see `gmax`).
    pub gmin: f64,
    /// `[Gmin/Gmax, 1]`: the range weights are mapped onto.
    pub target: (f64, f64),
    /// `[G_lo/Gmax, G_hi/Gmax]`: states are clipped to it after every update.
    pub clip: (f64, f64),
}

impl Summary {
    fn new(g_lo: f64, g_hi: f64, rel: (f64, f64)) -> Summary {
        let gmax = g_lo + (g_hi - g_lo) * rel.1;
        let gmin = g_lo + (g_hi - g_lo) * rel.0;
        Summary {
            g_lo,
            g_hi,
            gmax,
            gmin,
            target: (gmin / gmax, 1.0),
            clip: (g_lo / gmax, g_hi / gmax),
        }
    }
}

fn nearly_uniform(v: &[f64]) -> bool {
    let d: Vec<f64> = v.windows(2).map(|p| p[1] - p[0]).collect();
    let max = d.iter().copied().fold(f64::MIN, f64::max);
    let min = d.iter().copied().fold(f64::MAX, f64::min);
    max - min < max / 1e4
}

fn mean_step(v: &[f64]) -> f64 {
    (v[v.len() - 1] - v[0]) / (v.len() - 1) as f64
}

/// Index of the first node nearest `x` (numpy's argmin of |v − x|).
fn nearest(v: &[f64], x: f64) -> usize {
    let mut best = 0;
    for (i, &y) in v.iter().enumerate() {
        if (y - x).abs() < (v[best] - x).abs() {
            best = i;
        }
    }
    best
}

fn direction(t: &TableFile, gmax: f64, cols: (usize, usize)) -> Direction {
    let (ng, nc) = (t.ng(), t.nc());
    let mut mean = vec![0.0; ng];
    for k in 0..nc - 1 {
        let p = t.cdf[k + 1] - t.cdf[k];
        for (m, &d) in mean.iter_mut().zip(&t.dg[k * ng..(k + 1) * ng]) {
            *m += p * d / gmax;
        }
    }
    let err: Vec<f64> = t.dg.iter().enumerate().map(|(i, &d)| d / gmax - mean[i % ng]).collect();
    let mut bias = vec![0.0; ng];
    for k in 0..nc - 1 {
        let p = t.cdf[k + 1] - t.cdf[k];
        for (j, b) in bias.iter_mut().enumerate() {
            *b += 0.5 * p * (err[k * ng + j] + err[(k + 1) * ng + j]);
        }
    }
    let norm = mean[cols.0..cols.1].iter().sum::<f64>() / (cols.1 - cols.0) as f64;
    Direction {
        mean,
        err32: err.iter().map(|&e| e as f32).collect(),
        err,
        norm,
        inv_norm: 1.0 / norm,
        bias,
    }
}

/// Requires the two files of a device to share their G and CDF grids (to 1e-9
/// relative). CrossSim only objects when every element differs (§A.12 fix).
fn same_grids(inc: &TableFile, dec: &TableFile, names: (&str, &str)) -> Result<()> {
    for (what, a, b) in [("G", &inc.g, &dec.g), ("CDF", &inc.cdf, &dec.cdf)] {
        let scale = a.iter().chain(b.iter()).fold(0.0f64, |m, v| m.max(v.abs()));
        let differ = a.len() != b.len() || a.iter().zip(b.iter()).any(|(x, y)| (x - y).abs() > 1e-9 * scale);
        if differ {
            return Err(Error::Parse(format!(
                "{} and {}: the {what} grids differ (the two files of a device must share their grids)",
                names.0, names.1
            )));
        }
    }
    Ok(())
}

fn check_signs(t: &Table, names: (&str, &str)) -> Result<()> {
    if t.inc.norm.is_nan() || t.inc.norm <= 0.0 {
        return Err(Error::Parse(format!(
            "{}: wrong sign: the average increasing pulse is {} (must be > 0; are the files swapped?)",
            names.0, t.inc.norm
        )));
    }
    if t.dec.norm.is_nan() || t.dec.norm >= 0.0 {
        return Err(Error::Parse(format!(
            "{}: wrong sign: the average decreasing pulse is {} (must be < 0; are the files swapped?)",
            names.1, t.dec.norm
        )));
    }
    Ok(())
}

fn table(inc: &TableFile, dec: &TableFile, gmax: f64, cols: Option<(usize, usize)>, s: &Summary) -> Table {
    let w: Vec<f64> = inc.g.iter().map(|g| g / gmax).collect();
    let ng = w.len();
    let cols = cols.unwrap_or_else(|| {
        let i0 = nearest(&w, s.target.0);
        let mut i1 = nearest(&w, 1.0);
        if i1 < ng - 1 {
            i1 += 1;
        }
        (i0, i1.max(i0 + 1))
    });
    let uniform = nearly_uniform(&inc.cdf) && nearly_uniform(&w);
    let mut t = Table {
        dw: mean_step(&w),
        dc: mean_step(&inc.cdf),
        inc: direction(inc, gmax, cols),
        dec: direction(dec, gmax, cols),
        w,
        cdf: inc.cdf.clone(),
        uniform,
        avg_cols: cols,
    };
    if uniform {
        // Rows are sampled with the same weights as the mean: no bias to remove.
        t.inc.bias.iter_mut().for_each(|b| *b = 0.0);
        t.dec.bias.iter_mut().for_each(|b| *b = 0.0);
    }
    t
}

/// One device (§A.5): `rel = (gmin_relative, gmax_relative)`; `names` name
/// the increasing and decreasing files in errors.
pub fn single(inc: &TableFile, dec: &TableFile, names: (&str, &str), rel: (f64, f64)) -> Result<(Table, Summary)> {
    same_grids(inc, dec, names)?;
    let s = Summary::new(inc.g[0], inc.g[inc.ng() - 1], rel);
    let t = table(inc, dec, s.gmax, None, &s);
    check_signs(&t, names)?;
    Ok((t, s))
}

/// A set of devices (§A.7): common normalisation over all tables, each
/// device's normaliser over its own full range.
pub fn multi(
    pairs: &[(TableFile, TableFile)],
    names: &[(String, String)],
    rel: (f64, f64),
) -> Result<(Vec<Table>, Summary)> {
    let g_lo = pairs.iter().map(|p| p.0.g[0]).fold(f64::INFINITY, f64::min);
    let g_hi = pairs
        .iter()
        .map(|p| p.0.g[p.0.ng() - 1])
        .fold(f64::NEG_INFINITY, f64::max);
    let s = Summary::new(g_lo, g_hi, rel);
    let mut tables = Vec::with_capacity(pairs.len());
    for ((inc, dec), (ni, nd)) in pairs.iter().zip(names) {
        let n = (ni.as_str(), nd.as_str());
        same_grids(inc, dec, n)?;
        let t = table(inc, dec, s.gmax, Some((0, inc.ng() - 1)), &s);
        check_signs(&t, n)?;
        tables.push(t);
    }
    Ok((tables, s))
}
