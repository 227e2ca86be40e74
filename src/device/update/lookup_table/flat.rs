//! The default lookup (uniform grids, write noise on, not calibrated, the
//! unbiased draw, no freezing) over a run of cells in vectorised passes:
//! every device's tables side by side in flat arrays, so that a vector of
//! cells finds its means and errors whatever device each cell uses. The
//! arithmetic is that of [`super::LookupTableModel::step`] term for term, so
//! the results are the same bits; only the memory layout differs (the tables
//! are held a second time, about 12 bytes per table entry).
//!
//! A run is written [`CHUNK`] cells at a time in three passes: (1) each
//! cell's device, node, CDF row and direction become two flat indices (a
//! vector pass); (2) the table entries at those indices are read by plain
//! loads, one cell after the other, a loop so short that the processor keeps
//! dozens of its random reads in flight (the error tables, about 1 MB per
//! direction and device, do not fit the second-level cache); (3) the new
//! conductances (a vector pass).

use super::LookupTableModel;
use crate::params::LutDraw;
use crate::simd::clip;
use crate::storage::Stored;

/// Every device's tables, concatenated; direction 0 decreasing, 1 increasing.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Flat {
    ng: usize,
    nc: usize,
    devices: usize,
    /// Per device `t` (at most 256, each array indexed by a byte): `w[0] −
    /// Δw/2` (the lower edge of node 0), `Δw`, `Δc`, and `1/A` of the
    /// decreasing and the increasing direction.
    w0h: Box<[f64; 256]>,
    dw: Box<[f64; 256]>,
    dc: Box<[f64; 256]>,
    inv: [Box<[f64; 256]>; 2],
    /// Means at `d·T·NG + t·NG + j`.
    mean: Vec<f64>,
    /// Single-precision errors at `d·T·NC·NG + t·NC·NG + k·NG + j`.
    err: Vec<f32>,
    /// The target range's bottom and the clipping range (w units).
    lo: f64,
    clip: (f64, f64),
}

impl Flat {
    /// The flat layout of `m`, when its options and tables are those of the
    /// default lookup, every device has the same grid sizes and every flat
    /// index fits 32 bits.
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
        let fits = m.tables.len() <= 256
            && (2 * m.tables.len())
                .checked_mul(nc * ng)
                .is_some_and(|n| n <= u32::MAX as usize);
        if !default || freezes || !same || !fits || nc < 2 {
            return None;
        }
        let per = |f: &dyn Fn(&super::preprocess::Table) -> f64| {
            let mut v = Box::new([0.0; 256]);
            for (v, t) in v.iter_mut().zip(&m.tables) {
                *v = f(t);
            }
            v
        };
        let dirs = [false, true];
        fn dir(t: &super::preprocess::Table, up: bool) -> &super::preprocess::Direction {
            if up {
                &t.inc
            } else {
                &t.dec
            }
        }
        let mean = dirs
            .iter()
            .flat_map(|&up| m.tables.iter().flat_map(move |t| dir(t, up).mean.iter().copied()))
            .collect();
        let err = dirs
            .iter()
            .flat_map(|&up| m.tables.iter().flat_map(move |t| dir(t, up).err32.iter().copied()))
            .collect();
        Some(Flat {
            ng,
            nc,
            devices: m.tables.len(),
            w0h: per(&|t| t.w[0] - 0.5 * t.dw),
            dw: per(&|t| t.dw),
            dc: per(&|t| t.dc),
            inv: [per(&|t| t.dec.inv_norm), per(&|t| t.inc.inv_norm)],
            mean,
            err,
            lo: m.summary.target.0,
            clip: m.summary.clip,
        })
    }

    /// The number of devices.
    pub(super) fn devices(&self) -> usize {
        self.devices
    }
}

/// The binding of a [`Flat`] to a device window: `w = lo + (g − gmin)·k`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub gmin: f64,
    pub k: f64,
    pub inv_k: f64,
}

/// Which device each cell of a run uses.
#[derive(Debug, Clone, Copy)]
pub(super) enum Devices<'a> {
    /// One device.
    One,
    /// Per cell of the run, its device (one byte each).
    Assigned(&'a [u8]),
    /// Hashed from the array's key and the cell index (`assign_keyed`).
    Hashed { key: u64, first: usize },
}

/// Cells per pass of [`run_body`]: its scratch (indices, entries) stays in
/// the first-level cache.
const CHUNK: usize = 256;

/// Most devices whose constants a vector pass picks by comparisons
/// ([`chunk`]); beyond this, they are read cell by cell.
const SELECT: usize = 8;

/// The passes' working arrays, one chunk's worth, kept per thread (zeroing
/// them for every chunk took a few per cent of a write); every value used is
/// written first.
pub(super) struct Scratch {
    mean_at: [u32; CHUNK],
    err_at: [u32; CHUNK],
    inv_a: [f64; CHUNK],
    mean: [f64; CHUNK],
    err: [f32; CHUNK],
    /// Per cell: its device's `w0h`, `Δw`, `Δc`, `1/A` decreasing and increasing
    /// (only with more than [`SELECT`] devices).
    per: [[f64; CHUNK]; 5],
}

thread_local! {
    /// Each thread's [`Scratch`] (about 16 kB), kept between runs.
    static SCRATCH: std::cell::RefCell<Scratch> = const {
        std::cell::RefCell::new(Scratch {
            mean_at: [0; CHUNK],
            err_at: [0; CHUNK],
            inv_a: [0.0; CHUNK],
            mean: [0.0; CHUNK],
            err: [0.0; CHUNK],
            per: [[0.0; CHUNK]; 5],
        })
    };
}

/// `body` with the running thread's [`Scratch`] (borrowed outside the
/// vectorised kernels, whose closures would not inherit their instruction sets).
pub(super) fn with_scratch<R>(body: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with_borrow_mut(body)
}

/// Writes the run `g` asked for `change`, with uniform draws `uniforms`, its
/// cells' devices from `devices`, the passes' arrays in `s`; whether any cell
/// was written. `uniforms` and `change` (and an assignment) are as long as `g`.
#[inline(always)]
pub(super) fn run_body<S: Stored>(
    f: &Flat,
    b: Window,
    g: &mut [S],
    change: &[f64],
    uniforms: &[f64],
    devices: Devices,
    s: &mut Scratch,
) -> bool {
    let n = g.len().min(change.len()).min(uniforms.len());
    let few = f.devices <= SELECT;
    let mut any = false;
    for at in (0..n).step_by(CHUNK) {
        let end = (at + CHUNK).min(n);
        let (g, change, uniforms) = (&mut g[at..end], &change[at..end], &uniforms[at..end]);
        any |= match devices {
            Devices::One => chunk::<S, ONE>(f, b, g, change, uniforms, &[], s),
            Devices::Assigned(t) if few => chunk::<S, FEW>(f, b, g, change, uniforms, &t[at..end], s),
            Devices::Assigned(t) => chunk::<S, MANY>(f, b, g, change, uniforms, &t[at..end], s),
            Devices::Hashed { key, first } => {
                let mut tab = [0u8; CHUNK];
                for (j, t) in tab[..end - at].iter_mut().enumerate() {
                    *t = super::variability::assign_keyed(key, first + at + j, f.devices) as u8;
                }
                let tab = &tab[..end - at];
                if few {
                    chunk::<S, FEW>(f, b, g, change, uniforms, tab, s)
                } else {
                    chunk::<S, MANY>(f, b, g, change, uniforms, tab, s)
                }
            }
        };
    }
    any
}

/// [`chunk`]'s ways of finding each cell's device constants: one device; at
/// most [`SELECT`] devices, picked by comparisons in the vector pass; more,
/// read cell by cell before it.
const ONE: u8 = 0;
const FEW: u8 = 1;
const MANY: u8 = 2;

/// At most [`CHUNK`] cells of a run, in the three passes of the module docs;
/// `WAY` ([`ONE`], [`FEW`], [`MANY`]): cell `j` uses device `tab[j]` (device 0 with `ONE`).
#[inline(always)]
fn chunk<S: Stored, const WAY: u8>(
    f: &Flat,
    b: Window,
    g: &mut [S],
    change: &[f64],
    uniforms: &[f64],
    tab: &[u8],
    s: &mut Scratch,
) -> bool {
    let n = g.len().min(change.len()).min(uniforms.len()).min(CHUNK);
    let (g, change, uniforms) = (&mut g[..n], &change[..n], &uniforms[..n]);
    let tab = if WAY == ONE { &[][..] } else { &tab[..n] };
    let (ng, nc, devices) = (f.ng, f.nc, f.devices);
    let (top_j, top_k) = ((ng - 1) as f64, (nc - 2) as f64);
    // Pass 1: flat indices of each cell's mean and error, and its 1/A,
    // computed in floating point (integers below 2^32, exact) so that the
    // pass vectorises.
    let (mean_at, err_at, inv_a) = (&mut s.mean_at[..n], &mut s.err_at[..n], &mut s.inv_a[..n]);
    let (ngf, ncf, devf) = (ng as f64, nc as f64, devices as f64);
    // The first SELECT devices' constants (w0h, Δw, Δc, 1/A down, 1/A up), zero past the last device.
    let mut sel = [[0f64; 5]; SELECT];
    for (t, c) in sel.iter_mut().enumerate().take(devices) {
        *c = [f.w0h[t], f.dw[t], f.dc[t], f.inv[0][t], f.inv[1][t]];
    }
    // Many devices: each cell's device constants, read one by one (a byte
    // indexes the 256-entry arrays: no bounds check).
    if WAY == MANY {
        let [pw, pd, pc, p0, p1] = &mut s.per;
        for (j, &t) in tab.iter().enumerate() {
            let t = usize::from(t);
            (pw[j], pd[j], pc[j]) = (f.w0h[t], f.dw[t], f.dc[t]);
            (p0[j], p1[j]) = (f.inv[0][t], f.inv[1][t]);
        }
    }
    let per = &s.per;
    for j in 0..n {
        let t = if WAY == ONE { 0 } else { tab[j] };
        let [w0h, dw, dc, inv0, inv1] = match WAY {
            ONE => sel[0],
            FEW => {
                // Device t's constants by comparisons (t < devices ≤ SELECT).
                let mut c = sel[0];
                for (d, cd) in sel.iter().enumerate().skip(1) {
                    if usize::from(t) == d {
                        c = *cd;
                    }
                }
                c
            }
            _ => [per[0][j], per[1][j], per[2][j], per[3][j], per[4][j]],
        };
        let old: f64 = g[j].into();
        let w = f.lo + (old - b.gmin) * b.k;
        let up = change[j] * b.k > 0.0;
        // The nearest node and the row ⌊u/Δc⌋, limited in floating point
        // (the same integers as limiting after the conversion).
        let node = ((w - w0h) / dw).max(0.0).min(top_j).trunc();
        let row = (uniforms[j] / dc).min(top_k).trunc();
        let dt = if up { devf } else { 0.0 } + f64::from(t);
        mean_at[j] = index(dt * ngf + node);
        err_at[j] = index((dt * ncf + row) * ngf + node);
        inv_a[j] = if up { inv1 } else { inv0 };
    }
    // Pass 2: the entries, read one by one.
    let (mean, err) = (&mut s.mean[..n], &mut s.err[..n]);
    loads(f, mean_at, err_at, mean, err);
    // Pass 3: the new conductances, as `LookupTableModel::step` computes them.
    let mut any = false;
    for j in 0..n {
        let (c, old) = (change[j], g[j].into());
        let w = f.lo + (old - b.gmin) * b.k;
        let dw = c * b.k;
        let s = dw * inv_a[j];
        let d = s * mean[j] + s.sqrt() * err[j] as f64;
        let d = if d.is_nan() { dw.signum() * f64::INFINITY } else { d };
        let wn = clip(w + d, f.clip.0, f.clip.1);
        let new = b.gmin + (wn - f.lo) * b.inv_k;
        g[j] = S::store(if c != 0.0 { new } else { old });
        any |= c != 0.0;
    }
    any
}

/// `v as u32` for an integer `0 ≤ v < 2^32`: the low bits of `v + 2^52`
/// (a conversion that vectorises, where `as` saturates lane by lane).
#[inline(always)]
fn index(v: f64) -> u32 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    (v + TWO_52).to_bits() as u32
}

/// `mean[j] = f.mean[mean_at[j]]`, `err[j] = f.err[err_at[j]]`: plain loads
/// (not vector gathers, which are slower on some processors and keep fewer
/// reads in flight), compiled for the build's baseline instruction set.
#[inline(never)]
fn loads(f: &Flat, mean_at: &[u32], err_at: &[u32], mean: &mut [f64], err: &mut [f32]) {
    for (((m, e), &mi), &ei) in mean.iter_mut().zip(err.iter_mut()).zip(mean_at).zip(err_at) {
        *m = f.mean[mi as usize];
        *e = f.err[ei as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::super::{format::TableFile, LookupTableModel, LutOptions};
    use crate::device::update::{CellsMut, DenseDraw, DeviceUpdate, Run};
    use crate::rng::{Purpose, Stream};
    use std::sync::Arc;

    /// A run written with each cell's device from the kept bytes, hashed per
    /// cell, or one cell at a time (`respond`) gives the same bits, and the
    /// kept bytes are the hashed assignment: with 3 devices (constants picked
    /// by comparisons) and with 11 (read cell by cell).
    #[test]
    fn kept_and_hashed_devices_write_the_same_bits() {
        for devices in [3, super::SELECT + 3] {
            kept_and_hashed_with(devices);
        }
    }

    fn kept_and_hashed_with(devices: usize) {
        let (ng, nc) = (31, 21);
        let g: Vec<f64> = (0..ng).map(|j| 1e-5 + 9e-5 * j as f64 / (ng - 1) as f64).collect();
        let cdf: Vec<f64> = (0..nc).map(|k| k as f64 / (nc - 1) as f64).collect();
        let pairs: Vec<(TableFile, TableFile)> = (1..=devices)
            .map(|dev| {
                let f = |sign: f64, a: f64| TableFile {
                    g: g.clone(),
                    cdf: cdf.clone(),
                    dg: (0..nc * ng)
                        .map(|i| sign * dev as f64 * 1e-6 * (a + (i % ng) as f64 / ng as f64) * (0.5 + cdf[i / ng]))
                        .collect(),
                };
                (f(1.0, 0.4), f(-1.0, 0.7))
            })
            .collect();
        let names: Vec<(String, String)> = (1..=devices).map(|d| (format!("inc{d}"), format!("dec{d}"))).collect();
        let m = LookupTableModel::from_tables(&pairs, &names, &LutOptions::default()).unwrap();
        let lut = Arc::new(m).bind(0.1, 11);
        let s = Stream::new(11, 4, Purpose::Update, 2);
        let n = 700;
        let change: Vec<f64> = (0..n)
            .map(|k| {
                if k % 9 == 0 {
                    0.0
                } else {
                    ((k * 7 % 23) as f64 - 11.0) * 1e-3
                }
            })
            .collect();
        let mut dense = vec![0.0; n];
        assert_eq!(lut.dense_draw(), Some(DenseDraw::Uniform));
        s.fill_dense(0, &mut dense, false);
        let g0: Vec<f32> = (0..n).map(|k| 0.1 + 0.9 * ((k * 13 % 101) as f32 / 100.0)).collect();
        let kept = lut.cell_devices(&s, n).unwrap();
        let key = lut.array_key(&s);
        for (c, &t) in kept.iter().enumerate() {
            assert_eq!(usize::from(t), lut.model().table_of(11, 4, c));
        }
        let write = |devices: &[u8]| {
            let mut g = g0.clone();
            let run = Run {
                first: 0,
                change: &change,
                dense: &dense,
                stream: &s,
                key,
                devices,
            };
            assert!(lut.respond_run(CellsMut::Single(&mut g), &run));
            g
        };
        let (with_kept, hashed) = (write(&kept), write(&[]));
        for k in 0..n {
            let want = if change[k] == 0.0 {
                g0[k]
            } else {
                lut.apply(k, g0[k].into(), change[k], &s) as f32
            };
            assert_eq!(with_kept[k].to_bits(), want.to_bits(), "cell {k}");
            assert_eq!(hashed[k].to_bits(), want.to_bits(), "cell {k}");
        }
        assert!(with_kept.iter().zip(&g0).filter(|(a, b)| a != b).count() > n / 2);
    }
}
