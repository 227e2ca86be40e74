//! The default lookup (uniform grids, write noise on, not calibrated, the
//! unbiased draw, no freezing) over a run of cells in one vectorised pass:
//! every device's tables side by side in flat arrays, so that a vector of
//! cells gathers its means and errors whatever device each cell uses. The
//! arithmetic is that of [`super::LookupTableModel::step`] term for term, so
//! the results are the same bits; only the memory layout differs (the tables
//! are held a second time, about 12 bytes per table entry).

use super::variability::assign_keyed;
use super::LookupTableModel;
use crate::device::update::simd::clip;
use crate::params::LutDraw;
use crate::storage::Stored;

/// Every device's tables, concatenated; index 0 decreasing, 1 increasing.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Flat {
    ng: usize,
    nc: usize,
    /// Per device: `w[0] − Δw/2` (the lower edge of node 0), `Δw`, `Δc`.
    w0h: Vec<f64>,
    dw: Vec<f64>,
    dc: Vec<f64>,
    /// Per direction and device: `1/A`.
    inv: [Vec<f64>; 2],
    /// Per direction: the means (`t·NG + j`) and the single-precision errors (`t·NC·NG + k·NG + j`).
    mean: [Vec<f64>; 2],
    err: [Vec<f32>; 2],
    /// The target range's bottom and the clipping range (w units).
    lo: f64,
    clip: (f64, f64),
}

impl Flat {
    /// The flat layout of `m`, when its options and tables are those of the
    /// default lookup and every device has the same grid sizes.
    pub(super) fn new(m: &LookupTableModel) -> Option<Flat> {
        let o = &m.options;
        let t0 = m.tables.first()?;
        let (ng, nc) = (t0.w.len(), t0.cdf.len());
        let default = o.write_noise && !o.calibrated && o.draw == LutDraw::Unbiased;
        let freezes = o.freeze_outside_target && m.tables.len() > 1;
        let same = m
            .tables
            .iter()
            .all(|t| t.uniform && t.w.len() == ng && t.cdf.len() == nc);
        if !default || freezes || !same || nc < 2 {
            return None;
        }
        let per = |f: &dyn Fn(&super::preprocess::Table) -> f64| m.tables.iter().map(f).collect::<Vec<f64>>();
        let dirs = |up: bool| {
            let dir = |t: &super::preprocess::Table| if up { t.inc.clone() } else { t.dec.clone() };
            let inv: Vec<f64> = m.tables.iter().map(|t| dir(t).inv_norm).collect();
            let mean: Vec<f64> = m.tables.iter().flat_map(|t| dir(t).mean).collect();
            let err: Vec<f32> = m.tables.iter().flat_map(|t| dir(t).err32).collect();
            (inv, mean, err)
        };
        let (dinv, dmean, derr) = dirs(false);
        let (iinv, imean, ierr) = dirs(true);
        Some(Flat {
            ng,
            nc,
            w0h: per(&|t| t.w[0] - 0.5 * t.dw),
            dw: per(&|t| t.dw),
            dc: per(&|t| t.dc),
            inv: [dinv, iinv],
            mean: [dmean, imean],
            err: [derr, ierr],
            lo: m.summary.target.0,
            clip: m.summary.clip,
        })
    }

    /// The flat indices (mean, error) and the device of a cell.
    #[inline(always)]
    fn index(&self, t: usize, w: f64, u: f64) -> (usize, usize) {
        let (ng, nc) = (self.ng, self.nc);
        // The nearest node and the row ⌊u/Δc⌋, limited in floating point
        // (the same integers as limiting after the conversion).
        // SAFETY: callers pass t < the number of devices (assign_keyed's range).
        let (w0h, dw, dc) = unsafe {
            (
                *self.w0h.get_unchecked(t),
                *self.dw.get_unchecked(t),
                *self.dc.get_unchecked(t),
            )
        };
        let j = ((w - w0h) / dw).max(0.0).min((ng - 1) as f64) as usize;
        let k = (u / dc).min((nc - 2) as f64) as usize;
        (t * ng + j, t * nc * ng + k * ng + j)
    }
}

/// The binding of a [`Flat`] to a device window: `w = lo + (g − gmin)·k`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub gmin: f64,
    pub k: f64,
    pub inv_k: f64,
}

/// Writes the run `g` (cells `first..`) asked for `change`, with uniform
/// draws `uniforms` and the array's assignment hash `key`; whether any cell
/// was written. `uniforms` and `change` are as long as `g`.
#[inline(always)]
pub(super) fn run_body<S: Stored>(
    f: &Flat,
    b: Window,
    g: &mut [S],
    change: &[f64],
    uniforms: &[f64],
    key: u64,
    first: usize,
) -> bool {
    let n = g.len().min(change.len()).min(uniforms.len());
    let (g, change, uniforms) = (&mut g[..n], &change[..n], &uniforms[..n]);
    let mut any = false;
    if f.w0h.len() == 1 {
        // One device: its tables' indices straight from each cell's state.
        for j in 0..n {
            let old: f64 = g[j].into();
            let w = f.lo + (old - b.gmin) * b.k;
            let (mi, ei) = f.index(0, w, uniforms[j]);
            let c = change[j];
            g[j] = S::store(if c != 0.0 {
                respond(f, b, old, c, (0, mi, ei))
            } else {
                old
            });
            any |= c != 0.0;
        }
        return any;
    }
    for (c, g) in g.chunks_mut(CHUNK).enumerate() {
        let at = c * CHUNK;
        let end = at + g.len();
        any |= chunk(f, b, g, &change[at..end], &uniforms[at..end], key, first + at);
    }
    any
}

/// The new conductance of a cell at `old` asked for `c` (not 0), with its
/// device and flat indices `(t, mi, ei)` ([`Flat::index`]).
#[inline(always)]
fn respond(f: &Flat, b: Window, old: f64, c: f64, (t, mi, ei): (usize, usize, usize)) -> f64 {
    let (mean, err, inv) = (&f.mean, &f.err, &f.inv);
    let w = f.lo + (old - b.gmin) * b.k;
    let dw = c * b.k;
    // SAFETY: `index` keeps j < NG, k ≤ NC − 2 and t < devices, inside the flat tables.
    let (m, e, a) = unsafe {
        if dw > 0.0 {
            (
                *mean[1].get_unchecked(mi),
                *err[1].get_unchecked(ei) as f64,
                *inv[1].get_unchecked(t),
            )
        } else {
            (
                *mean[0].get_unchecked(mi),
                *err[0].get_unchecked(ei) as f64,
                *inv[0].get_unchecked(t),
            )
        }
    };
    let s = dw * a;
    let d = s * m + s.sqrt() * e;
    let d = if d.is_nan() { dw.signum() * f64::INFINITY } else { d };
    let wn = clip(w + d, f.clip.0, f.clip.1);
    b.gmin + (wn - f.lo) * b.inv_k
}

/// Cells per pass of [`run_body`] with several devices: each cell's device is
/// hashed and its table indices found in a first pass, its error entry is
/// fetched ahead, and the second pass writes it.
const CHUNK: usize = 256;

/// [`run_body`] for at most [`CHUNK`] cells of several devices.
#[inline(always)]
fn chunk<S: Stored>(
    f: &Flat,
    b: Window,
    g: &mut [S],
    change: &[f64],
    uniforms: &[f64],
    key: u64,
    first: usize,
) -> bool {
    let n = g.len().min(change.len()).min(uniforms.len()).min(CHUNK);
    let (g, change, uniforms) = (&mut g[..n], &change[..n], &uniforms[..n]);
    let devices = f.w0h.len();
    // Each cell's device and flat indices, hashed and computed once.
    let mut tab = [0usize; CHUNK];
    let mut mean_at = [0usize; CHUNK];
    let mut err_at = [0usize; CHUNK];
    for j in 0..n {
        let t = assign_keyed(key, first + j, devices);
        let w = f.lo + (g[j].into() - b.gmin) * b.k;
        let (m, e) = f.index(t, w, uniforms[j]);
        tab[j] = t;
        mean_at[j] = m;
        err_at[j] = e;
    }
    // The tables exceed the caches: fetch the chunk's error entries ahead of the pass.
    for j in 0..n {
        let up = usize::from(change[j] > 0.0);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch never faults; the pointer is into the table.
        unsafe {
            let p = f.err[up].as_ptr().wrapping_add(err_at[j]).cast::<i8>();
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = up;
    }
    let mut any = false;
    for j in 0..n {
        let (c, old) = (change[j], g[j].into());
        g[j] = S::store(if c != 0.0 {
            respond(f, b, old, c, (tab[j], mean_at[j], err_at[j]))
        } else {
            old
        });
        any |= c != 0.0;
    }
    any
}
