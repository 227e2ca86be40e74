//! A lookup table built from raw pulse-train measurements (spec
//! update-models.md §A.2), so users can bring their own device data.
//!
//! Input: `set.csv` (potentiating ramps) and `reset.csv` (depressing ramps);
//! each column is one ramp, the conductance (S) measured after each of a run
//! of identical pulses (an optional header line of column names; shorter
//! columns end with empty fields). With `read_voltage` set, values are
//! currents (A) and are divided by it.
//!
//! 1. Common range: `G_lo = max(min set, min reset)`, `G_hi = min(max set, max reset)`.
//! 2. `nbins` nodes equally spaced on `[G_lo, G_hi]`. Per ramp, each change
//!    `ΔG = G[i+1] − G[i]` belongs to the midpoint of its two states; the
//!    ramp's changes (sorted by midpoint) are interpolated linearly onto every
//!    node inside the ramp's span of midpoints (no extrapolation).
//! 3. Per node the collected changes are sorted; the k-th of n has CDF
//!    `(k + ½)/n`.
//! 4. The first two and the last node are dropped; the rest are resampled
//!    onto `n_g` uniform G points × `n_cdf` uniform CDF points on [0, 1]:
//!    linear in CDF within each node (held constant beyond the first and last
//!    sample), then linear in G between nodes. (CrossSim interpolates the
//!    scattered (G, CDF) points on a triangulation; on these node-aligned
//!    points both are piecewise linear and agree up to the choice of triangles.)

use super::format::{self, TableFile};
use crate::error::{Error, Result};
use std::path::Path;

/// Table-generation settings (CrossSim's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PulseTrainOptions {
    /// Conductance nodes the changes are binned onto (50).
    pub nbins: usize,
    /// Output conductance points (501).
    pub n_g: usize,
    /// Output CDF points (501).
    pub n_cdf: usize,
    /// Read voltage (V) when the files hold currents; None: conductances.
    pub read_voltage: Option<f64>,
}

impl Default for PulseTrainOptions {
    fn default() -> Self {
        PulseTrainOptions {
            nbins: 50,
            n_g: 501,
            n_cdf: 501,
            read_voltage: None,
        }
    }
}

/// The ramps (columns) of a pulse-train CSV file.
pub fn read_ramps(path: &Path) -> Result<Vec<Vec<f64>>> {
    parse_ramps(&format::read_text(path)?, &path.display().to_string())
}

/// [`read_ramps`] on text; `name` names it in errors.
pub fn parse_ramps(text: &str, name: &str) -> Result<Vec<Vec<f64>>> {
    let mut ramps: Vec<Vec<f64>> = Vec::new();
    let mut ended: Vec<bool> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if i == 0 && fields.iter().any(|f| !f.is_empty() && f.parse::<f64>().is_err()) {
            continue; // a header of column names
        }
        if ramps.len() < fields.len() {
            ramps.resize(fields.len(), Vec::new());
            ended.resize(fields.len(), false);
        }
        for (c, f) in fields.iter().enumerate() {
            if f.is_empty() {
                ended[c] = true;
                continue;
            }
            let v: f64 = f
                .parse()
                .map_err(|_| Error::Parse(format!("{name}:{}: column {} is not a number: {f:?}", i + 1, c + 1)))?;
            if !v.is_finite() || v <= 0.0 {
                return Err(Error::Parse(format!(
                    "{name}:{}: column {} is {v} (conductances must be finite and > 0)",
                    i + 1,
                    c + 1
                )));
            }
            if ended[c] {
                return Err(Error::Parse(format!(
                    "{name}:{}: column {} continues after an empty field",
                    i + 1,
                    c + 1
                )));
            }
            ramps[c].push(v);
        }
    }
    ramps.retain(|r| r.len() >= 2);
    if ramps.is_empty() {
        return Err(Error::Parse(format!("{name}: no ramp with at least two values")));
    }
    Ok(ramps)
}

/// Linear interpolation on sorted `xs` (np.interp inside the span).
fn interp(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let i = xs.partition_point(|&v| v <= x).clamp(1, xs.len() - 1) - 1;
    let dx = xs[i + 1] - xs[i];
    if dx <= 0.0 {
        return ys[i];
    }
    ys[i] + (x - xs[i]) / dx * (ys[i + 1] - ys[i])
}

/// Per node, the sorted changes of all ramps (steps 2–3).
fn bin(ramps: &[Vec<f64>], nodes: &[f64]) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new(); nodes.len()];
    for r in ramps {
        let mut pts: Vec<(f64, f64)> = r.windows(2).map(|p| (0.5 * (p[0] + p[1]), p[1] - p[0])).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (xs, ys): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
        if xs.len() < 2 {
            continue;
        }
        let (lo, hi) = (xs[0], xs[xs.len() - 1]);
        for (b, &g) in nodes.iter().enumerate() {
            if lo <= g && g <= hi {
                out[b].push(interp(&xs, &ys, g));
            }
        }
    }
    for v in &mut out {
        v.sort_by(f64::total_cmp);
    }
    out
}

/// The CDF-`c` quantile of a node's sorted changes, linear between the
/// `(k + ½)/n` points and constant beyond them.
fn quantile(v: &[f64], c: f64) -> f64 {
    let n = v.len() as f64;
    let x = c * n - 0.5;
    if x <= 0.0 {
        return v[0];
    }
    let i = x.floor() as usize;
    if i + 1 >= v.len() {
        return v[v.len() - 1];
    }
    v[i] + (x - i as f64) * (v[i + 1] - v[i])
}

/// Steps 4: the table of one polarity on the output grids.
fn resample(nodes: &[f64], per_node: &[Vec<f64>], g: &[f64], cdf: &[f64], what: &str) -> Result<TableFile> {
    let kept: Vec<(f64, &Vec<f64>)> = nodes[2..nodes.len() - 1]
        .iter()
        .zip(&per_node[2..nodes.len() - 1])
        .filter(|(_, v)| !v.is_empty())
        .map(|(&x, v)| (x, v))
        .collect();
    if kept.len() < 2 {
        return Err(Error::InvalidArgument(format!(
            "pulse trains ({what}): fewer than two conductance bins hold data"
        )));
    }
    let xs: Vec<f64> = kept.iter().map(|p| p.0).collect();
    let (nc, ng) = (cdf.len(), g.len());
    let mut dg = vec![0.0; nc * ng];
    for (k, &c) in cdf.iter().enumerate() {
        let col: Vec<f64> = kept.iter().map(|p| quantile(p.1, c)).collect();
        for (j, &gj) in g.iter().enumerate() {
            let gj = gj.clamp(xs[0], xs[xs.len() - 1]);
            dg[k * ng + j] = interp(&xs, &col, gj);
        }
    }
    Ok(TableFile {
        g: g.to_vec(),
        cdf: cdf.to_vec(),
        dg,
    })
}

fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| a + (b - a) * i as f64 / (n - 1) as f64).collect()
}

/// The (increasing, decreasing) tables of the ramps `set` and `reset`.
pub fn build(set: &[Vec<f64>], reset: &[Vec<f64>], o: &PulseTrainOptions) -> Result<(TableFile, TableFile)> {
    if o.nbins < 5 || o.n_g < 2 || o.n_cdf < 2 {
        return Err(Error::InvalidArgument(format!(
            "pulse trains: need nbins >= 5, n_g >= 2, n_cdf >= 2, got {}, {}, {}",
            o.nbins, o.n_g, o.n_cdf
        )));
    }
    let scale = match o.read_voltage {
        Some(v) if v.is_finite() && v > 0.0 => 1.0 / v,
        Some(v) => {
            return Err(Error::InvalidArgument(format!(
                "pulse trains: read voltage {v} must be > 0"
            )))
        }
        None => 1.0,
    };
    let conv = |r: &[Vec<f64>]| -> Vec<Vec<f64>> { r.iter().map(|c| c.iter().map(|v| v * scale).collect()).collect() };
    let (set, reset) = (conv(set), conv(reset));
    let range = |r: &[Vec<f64>]| {
        r.iter()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)))
    };
    let (s, r) = (range(&set), range(&reset));
    let (lo, hi) = (s.0.max(r.0), s.1.min(r.1));
    if lo >= hi {
        return Err(Error::InvalidArgument(format!(
            "pulse trains: the set and reset ramps share no conductance range ({lo} .. {hi})"
        )));
    }
    let nodes = linspace(lo, hi, o.nbins);
    let g = linspace(nodes[2], nodes[o.nbins - 2], o.n_g);
    let cdf = linspace(0.0, 1.0, o.n_cdf);
    let inc = resample(&nodes, &bin(&set, &nodes), &g, &cdf, "set")?;
    let dec = resample(&nodes, &bin(&reset, &nodes), &g, &cdf, "reset")?;
    Ok((inc, dec))
}

/// [`build`] from the files `set` and `reset`.
pub fn from_files(set: &Path, reset: &Path, o: &PulseTrainOptions) -> Result<(TableFile, TableFile)> {
    build(&read_ramps(set)?, &read_ramps(reset)?, o)
}

/// Writes a device's tables into `dir` as `dG_increasing.txt` and
/// `dG_decreasing.txt` (creating `dir`), ready for [`super::load`].
pub fn write_pair(dir: &Path, inc: &TableFile, dec: &TableFile) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
    format::write(&dir.join("dG_increasing.txt"), inc)?;
    format::write(&dir.join("dG_decreasing.txt"), dec)
}
