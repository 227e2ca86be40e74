//! The lookup-table update model ([`LutUpdate`]) on the device: [`write`],
//! the [`Writer`](super::update::Writer) of its family, runs
//! `kernels/update_lut.cu` on an array's resident conductances, one thread
//! per four neighbouring cells the request addresses (the four uniform draws
//! of one Philox block).
//!
//! Every option of the model is covered: one table or several (each cell's
//! table from the model's kept per-array assignment, one byte per cell, or
//! hashed on the device beyond 256 tables), uniform grids (nearest node) and
//! non-uniform ones (bilinear), write noise on or off, the calibrated mode,
//! both row draws ([`LutDraw`]) and the freezing of cells outside the target
//! range. Each new conductance is the CPU's bits ([`DeviceUpdate::write`] on
//! the same cells, with the same stream): the kernel repeats the CPU's
//! operations in its order with IEEE additions, multiplications, divisions
//! and square roots only (no library function), so this holds on a real GPU
//! too, not only on the emulated device.
//!
//! Device memory: the tables of a model are uploaded once per model and
//! device, and an array's table assignment (one byte per cell) once per
//! assignment the model keeps; both are cached here and released on the
//! next write after the model (or its assignment) has been dropped. A write
//! moves up only its request (already on the device) and down one word,
//! whether any cell was written.

use super::device::{self, Arg, Buffer, Device, Shape};
use super::resident::Precision;
use super::update::{DeviceRequest, Target};
use crate::device::update::lookup_table::{LookupTableModel, LutUpdate};
use crate::device::update::DeviceUpdate;
use crate::error::{Error, Result};
use crate::params::LutDraw;
use crate::rng::Stream;
use std::sync::{Arc, Mutex, Weak};

/// Threads per block (a multiple of the warp size: the kernel's warps vote).
const BLOCK: u32 = 256;

/// Doubles per table in the constants buffer (`XBAR_LUT_CONSTS`).
const CONSTS: usize = 5;
/// Words per table in the index buffer (`XBAR_LUT_INDICES`).
const INDICES: usize = 11;

/// Mode bits of the kernel (`XBAR_LUT_*` in kernels/update_lut.cu).
const OUTER: u32 = 1;
const BYTES: u32 = 2;
const NOISE: u32 = 4;
const CALIBRATED: u32 = 8;
const CROSSSIM2: u32 = 16;
const FREEZE: u32 = 32;

/// A model's tables on one device (layout in kernels/update_lut.cu).
#[derive(Debug)]
struct Tables {
    tconst: Buffer,
    tidx: Buffer,
    data64: Buffer,
    data32: Buffer,
}

impl Tables {
    /// Uploads the tables of `m` to `device`, each array once, only those
    /// the model's options make the kernel read.
    fn upload(device: &Arc<dyn Device>, m: &LookupTableModel) -> Result<Tables> {
        let o = m.options();
        let mut consts = Vec::with_capacity(CONSTS * m.tables().len());
        let mut idx: Vec<u64> = Vec::with_capacity(INDICES * m.tables().len());
        let (mut data64, mut data32) = (Vec::<f64>::new(), Vec::<f32>::new());
        fn put<T: Copy>(data: &mut Vec<T>, v: &[T]) -> u64 {
            let at = data.len() as u64;
            data.extend_from_slice(v);
            at
        }
        for t in m.tables() {
            consts.extend_from_slice(&[t.w[0] - 0.5 * t.dw, t.dw, t.dc, t.dec.inv_norm, t.inc.inv_norm]);
            let (w, cdf, bias) = if t.uniform {
                (0, 0, [0, 0])
            } else {
                (
                    put(&mut data64, &t.w),
                    put(&mut data64, &t.cdf),
                    [put(&mut data64, &t.dec.bias), put(&mut data64, &t.inc.bias)],
                )
            };
            let mean = [put(&mut data64, &t.dec.mean), put(&mut data64, &t.inc.mean)];
            let err = match (o.write_noise, t.uniform && o.draw == LutDraw::Unbiased) {
                (false, _) => [0, 0],
                (true, true) => [put(&mut data32, t.dec.err32()), put(&mut data32, t.inc.err32())],
                (true, false) => [put(&mut data64, &t.dec.err), put(&mut data64, &t.inc.err)],
            };
            idx.extend_from_slice(&[
                t.w.len() as u64,
                t.cdf.len() as u64,
                u64::from(t.uniform),
                w,
                cdf,
                mean[0],
                mean[1],
                err[0],
                err[1],
                bias[0],
                bias[1],
            ]);
        }
        // No empty allocation: a placeholder value where a kind of data is unused.
        data64.push(0.0);
        data32.push(0.0);
        Ok(Tables {
            tconst: Buffer::upload(device, &consts)?,
            tidx: Buffer::upload(device, &idx)?,
            data64: Buffer::upload(device, &data64)?,
            data32: Buffer::upload(device, &data32)?,
        })
    }
}

/// The device copies made so far: of each model's tables, and of each kept
/// table assignment, by the host object they copy (held weakly: a copy goes
/// at the first look-up after its object has been dropped).
#[derive(Debug, Default)]
struct Cache {
    tables: Vec<(Weak<LookupTableModel>, Arc<Tables>)>,
    devices: Vec<(Weak<[u8]>, Arc<Buffer>)>,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    tables: Vec::new(),
    devices: Vec::new(),
});

fn cache() -> Result<std::sync::MutexGuard<'static, Cache>> {
    CACHE
        .lock()
        .map_err(|_| Error::Internal("lookup-table device cache poisoned".into()))
}

/// The tables of `model` on `device`, uploaded on first use.
fn tables_on(device: &Arc<dyn Device>, model: &Arc<LookupTableModel>) -> Result<Arc<Tables>> {
    let mut c = cache()?;
    c.tables.retain(|(m, _)| m.strong_count() > 0);
    let found = c
        .tables
        .iter()
        .find(|(m, t)| std::ptr::eq(m.as_ptr(), Arc::as_ptr(model)) && t.tconst.is_on(device.as_ref()));
    if let Some((_, t)) = found {
        return Ok(t.clone());
    }
    let t = Arc::new(Tables::upload(device, model)?);
    c.tables.push((Arc::downgrade(model), t.clone()));
    Ok(t)
}

/// The table assignment `bytes` (kept by the model) on `device`, uploaded on first use.
fn bytes_on(device: &Arc<dyn Device>, bytes: &Arc<[u8]>) -> Result<Arc<Buffer>> {
    let mut c = cache()?;
    c.devices.retain(|(b, _)| b.strong_count() > 0);
    let found = c
        .devices
        .iter()
        .find(|(b, buf)| std::ptr::addr_eq(b.as_ptr(), Arc::as_ptr(bytes)) && buf.is_on(device.as_ref()));
    if let Some((_, buf)) = found {
        return Ok(buf.clone());
    }
    let buf = Arc::new(Buffer::upload(device, &bytes[..])?);
    c.devices.push((Arc::downgrade(bytes), buf.clone()));
    Ok(buf)
}

/// [`DeviceUpdate::write`] of a [`LutUpdate`] on the device (the contract of
/// [`super::update::Writer`]): `None` for any other model, for tables with
/// fewer than two grid points (which the CPU's lookup cannot read either), and
/// for cells at index 2³⁴ or beyond (whose draws the CPU's streams do not index).
pub(crate) fn write(
    target: &Target,
    request: &DeviceRequest,
    scale: f64,
    model: &dyn DeviceUpdate,
    stream: &Stream,
) -> Result<Option<bool>> {
    let Some(lut) = (model as &dyn std::any::Any).downcast_ref::<LutUpdate>() else {
        return Ok(None);
    };
    let Some(m) = lut.lookup_table() else {
        return Ok(None);
    };
    if m.tables().iter().any(|t| t.w.len() < 2 || t.cdf.len() < 2) {
        return Ok(None);
    }
    let (cells, cols, mut mode) = match *request {
        DeviceRequest::Dense { cells, .. } => (cells, 0, 0),
        DeviceRequest::Outer { x_host, d_host, .. } => (x_host.len() * d_host.len(), x_host.len(), OUTER),
    };
    let n = cells.min(target.cells.saturating_sub(target.first));
    if n == 0 {
        return Ok(Some(false));
    }
    // One thread per group of four cells 4g .. 4g + 3 that holds a cell of
    // the request; g indexes a Philox block (32 bits, as on the CPU).
    let last = (target.first + n - 1) / 4;
    if last > u32::MAX as usize {
        return Ok(None);
    }
    let groups = last - target.first / 4 + 1;
    let blocks = u32::try_from(groups.div_ceil(BLOCK as usize))
        .ok()
        .filter(|&b| b < 1 << 31)
        .ok_or_else(|| Error::shape(format!("{n} cells are too many for one launch")))?;
    let (item, kernel) = match target.precision {
        Precision::F32 => (4, "xbar_lut_write_f32"),
        Precision::F64 => (8, "xbar_lut_write_f64"),
    };
    // The buffers the kernel indexes must hold what it reads.
    let short = |what: &str, b: &Buffer, need: usize| {
        (b.bytes() < need).then(|| {
            Error::Internal(format!(
                "lookup-table write: {what} holds {} bytes, needs {need}",
                b.bytes()
            ))
        })
    };
    let checks = match *request {
        DeviceRequest::Dense { dw, .. } => vec![short("dw", dw, 8 * n)],
        DeviceRequest::Outer { x, d, .. } => vec![short("x", x, 8 * cols), short("d", d, 8 * n.div_ceil(cols))],
    };
    if let Some(e) = checks
        .into_iter()
        .chain([short("g", target.g, item * (target.first + n))])
        .flatten()
        .next()
    {
        return Err(e);
    }
    let device = target.device;
    let tables = tables_on(device, m)?;
    let assigned = match lut.cell_devices(stream, target.first + n) {
        Some(bytes) if bytes.len() >= target.first + n => {
            mode |= BYTES;
            Some(bytes_on(device, &bytes)?)
        }
        _ => None,
    };
    let o = m.options();
    let count = m.tables().len();
    for (on, bit) in [
        (o.write_noise, NOISE),
        (o.calibrated, CALIBRATED),
        (o.draw == LutDraw::CrossSim2, CROSSSIM2),
        (o.freeze_outside_target && count > 1, FREEZE),
    ] {
        if on {
            mode |= bit;
        }
    }
    let (gmin, k, inv_k) = lut.window();
    let ((lo, hi), (clip_lo, clip_hi)) = (m.target(), m.clip());
    let (seed, array, purpose, call) = stream.identity();
    let written = Buffer::zeroed(device, 4)?;
    // Unused pointers (dense: x, d; outer: dw; no kept assignment) get a buffer the kernel does not read.
    let spare = &tables.tidx;
    let (dw, x, d, lr) = match *request {
        DeviceRequest::Dense { dw, .. } => (dw, spare, spare, 0.0),
        DeviceRequest::Outer { x, d, lr, .. } => (spare, x, d, lr),
    };
    let args = [
        Arg::Buf(target.g),
        Arg::Buf(dw),
        Arg::Buf(x),
        Arg::Buf(d),
        Arg::U64(n as u64),
        Arg::U64(target.first as u64),
        Arg::U64(cols as u64),
        Arg::F64(lr),
        Arg::F64(scale),
        Arg::Buf(&tables.tconst),
        Arg::Buf(&tables.tidx),
        Arg::Buf(&tables.data64),
        Arg::Buf(&tables.data32),
        Arg::Buf(assigned.as_deref().unwrap_or(spare)),
        Arg::I32(i32::try_from(count).map_err(|_| Error::shape(format!("{count} lookup tables")))?),
        Arg::U32(mode),
        Arg::U64(lut.array_key(stream)),
        Arg::F64(gmin),
        Arg::F64(k),
        Arg::F64(inv_k),
        Arg::F64(lo),
        Arg::F64(hi),
        Arg::F64(clip_lo),
        Arg::F64(clip_hi),
        Arg::U64(seed),
        Arg::U32(array),
        Arg::U32(purpose),
        Arg::U64(call),
        Arg::Buf(&written),
    ];
    let shape = Shape {
        grid: (blocks, 1, 1),
        block: (BLOCK, 1, 1),
    };
    // SAFETY: the kernel reads dw[0..n] (dense) or x[0..cols] and
    // d[0..⌈n/cols⌉] (outer), and reads and writes g[first..first + n]
    // (checked above); the tables and the assignment (first + n bytes when
    // used) are as uploaded, with the offsets and sizes in tidx; `written`
    // holds one word.
    unsafe { device::launch(device.as_ref(), kernel, shape, &args)? };
    Ok(Some(written.download::<u32>()?[0] != 0))
}

#[cfg(test)]
mod tests {
    use super::super::emulated::test_device;
    use super::*;
    use crate::device::update::ideal::Ideal;
    use crate::device::update::lookup_table::format::TableFile;
    use crate::device::update::lookup_table::LutOptions;
    use crate::device::update::Request;
    use crate::rng::Purpose;
    use crate::storage::Stored;

    /// Synthetic tables of `devices` devices: `ng × nc` (plus `dev % 3` more
    /// conductance points when `vary` is set), on uniform grids or on
    /// non-uniform ones (powers of the uniform grids), each device with its
    /// own conductance range and pulse sizes; changes grow with the CDF
    /// non-linearly so that each row draw gives a different change.
    fn tables(devices: usize, (ng, nc): (usize, usize), uniform: bool, vary: bool) -> Vec<(TableFile, TableFile)> {
        (1..=devices)
            .map(|dev| {
                let ng = if vary { ng + dev % 3 } else { ng };
                let spread =
                    |j: usize, n: usize, p: f64| (j as f64 / (n - 1) as f64).powf(if uniform { 1.0 } else { p });
                let lo = 1e-5 * (1.0 + 0.05 * (dev % 4) as f64);
                let g: Vec<f64> = (0..ng).map(|j| lo + 9e-5 * spread(j, ng, 1.6)).collect();
                let cdf: Vec<f64> = (0..nc).map(|k| spread(k, nc, 1.3)).collect();
                let size = 1e-6 * (1.0 + 0.15 * dev as f64);
                let f = |sign: f64, a: f64| TableFile {
                    g: g.clone(),
                    cdf: cdf.clone(),
                    dg: (0..nc * ng)
                        .map(|i| {
                            let (k, j) = (i / ng, i % ng);
                            let c = cdf[k];
                            sign * size * (a + j as f64 / ng as f64) * (0.3 + c * c * 1.7)
                        })
                        .collect(),
                };
                // The increasing pulses' mean has the wrong sign on the lowest
                // tenth of the range (the calibrated mode's fallback there).
                (f(1.0, -0.1), f(-1.0, 0.7))
            })
            .collect()
    }

    fn model(devices: usize, grid: (usize, usize), uniform: bool, vary: bool, o: &LutOptions) -> Arc<LookupTableModel> {
        let pairs = tables(devices, grid, uniform, vary);
        let names: Vec<(String, String)> = (0..devices).map(|d| (format!("inc{d}"), format!("dec{d}"))).collect();
        let m = LookupTableModel::from_tables(&pairs, &names, o).unwrap();
        assert!(m.tables().iter().all(|t| t.uniform == uniform));
        assert!(m.tables().iter().all(|t| t.inc.mean[0] < 0.0 && t.inc.norm > 0.0));
        Arc::new(m)
    }

    /// How one comparison writes: storage precision, request kind, first cell.
    #[derive(Debug, Clone, Copy)]
    struct Case {
        double: bool,
        outer: bool,
        offset: bool,
    }

    const CASES: [Case; 8] = {
        let mut c = [Case {
            double: false,
            outer: false,
            offset: false,
        }; 8];
        let mut i = 0;
        while i < 8 {
            c[i] = Case {
                double: i & 1 != 0,
                outer: i & 2 != 0,
                offset: i & 4 != 0,
            };
            i += 1;
        }
        c
    };

    /// A value of each cell: mostly in the window `[gmin, 1]`, some below
    /// or above it (outside the target range: frozen when the model says so),
    /// some beyond the clipping range too.
    fn start(cells: usize, gmin: f64) -> Vec<f64> {
        (0..cells)
            .map(|c| match c % 17 {
                3 => gmin - 0.07,
                7 => gmin - 0.2,
                11 => 1.04,
                14 => 1.15,
                _ => gmin + (1.0 - gmin) * ((c * 13 % 101) as f64 / 100.0),
            })
            .collect()
    }

    /// Request values with zeros among them (cells left as they are).
    fn values(n: usize, salt: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                if (i + salt).is_multiple_of(7) {
                    0.0
                } else {
                    ((i * 37 + salt * 11) % 53) as f64 / 26.0 - 1.0
                }
            })
            .collect()
    }

    /// Writes `calls` (call number, scale, learning rate) one after the other
    /// into a `rows × cols` request at cell `cols` (offset) or 0 of an array
    /// with 5 more cells, on the device and with the CPU's `write`; every
    /// cell's bits and every written flag must agree. Returns how many cells
    /// changed (so a caller can check the comparison was not vacuous).
    fn compare_as<S: Stored + bytemuck::Pod>(
        dev: &Arc<dyn Device>,
        lut: &LutUpdate,
        case: Case,
        (rows, cols): (usize, usize),
        calls: &[(u64, f64, f64)],
        what: &str,
    ) -> usize {
        let first = if case.offset { cols } else { 0 };
        let cells = first + rows * cols + 5;
        let gmin = lut.window().0;
        let mut host: Vec<S> = start(cells, gmin).into_iter().map(S::store).collect();
        let g0 = host.clone();
        let g = Buffer::upload(dev, &host).unwrap();
        let precision = if case.double { Precision::F64 } else { Precision::F32 };
        for (i, &(call, scale, lr)) in calls.iter().enumerate() {
            let stream = Stream::new(29, 7, Purpose::Update, call);
            let (x, d) = (values(cols, i), values(rows, i + 3));
            let dw: Vec<f64> = values(rows * cols, i + 5).iter().map(|v| lr * v).collect();
            let (xb, db, dwb) = (
                Buffer::upload(dev, &x).unwrap(),
                Buffer::upload(dev, &d).unwrap(),
                Buffer::upload(dev, &dw).unwrap(),
            );
            let (request, on_device) = if case.outer {
                (
                    Request::Outer { x: &x, d: &d, lr },
                    DeviceRequest::Outer {
                        x: &xb,
                        d: &db,
                        x_host: &x,
                        d_host: &d,
                        lr,
                    },
                )
            } else {
                (
                    Request::Dense(&dw),
                    DeviceRequest::Dense {
                        dw: &dwb,
                        cells: rows * cols,
                    },
                )
            };
            let want = lut.write(S::cells(&mut host[first..]), first, &request, scale, &stream);
            let target = Target {
                device: dev,
                g: &g,
                precision,
                cells,
                first,
            };
            let got = write(&target, &on_device, scale, lut, &stream).unwrap();
            assert_eq!(got, Some(want), "{what} {case:?} call {call}: written");
            let after = g.download::<S>().unwrap();
            for (c, (a, b)) in after.iter().zip(&host).enumerate() {
                let (a, b): (f64, f64) = ((*a).into(), (*b).into());
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{what} {case:?} call {call}: cell {c}: {a} vs {b}"
                );
            }
        }
        host.iter()
            .zip(&g0)
            .filter(|(a, b)| Into::<f64>::into(**a) != Into::<f64>::into(**b))
            .count()
    }

    fn compare(dev: &Arc<dyn Device>, lut: &LutUpdate, case: Case, shape: (usize, usize), what: &str) -> usize {
        // Three calls: a positive and a negative scale (the two halves of a
        // balanced pair), a larger one that reaches the clipping range; then
        // a call that asks nothing (no cell written).
        let calls = [(3, 1.0, 0.04), (4, -1.0, 0.07), (9, 1.0, 0.6), (10, 0.0, 0.1)];
        let changed = if case.double {
            compare_as::<f64>(dev, lut, case, shape, &calls, what)
        } else {
            compare_as::<f32>(dev, lut, case, shape, &calls, what)
        };
        assert!(
            changed > shape.0 * shape.1 / 2,
            "{what} {case:?}: only {changed} cells changed"
        );
        changed
    }

    /// The default model (uniform grids: the vectorised CPU path; the
    /// unbiased draw from single-precision errors) with 1, 3 and 11 tables,
    /// on both grids, in every precision, request and offset.
    #[test]
    fn default_lookup_writes_the_cpus_bits() {
        let Some(dev) = test_device() else { return };
        for uniform in [true, false] {
            for devices in [1, 3, 11] {
                let m = model(devices, (31, 21), uniform, false, &LutOptions::default());
                let lut = m.bind(0.1, 11);
                for case in CASES {
                    compare(
                        &dev,
                        &lut,
                        case,
                        (37, 70),
                        &format!("{devices} tables, uniform {uniform}"),
                    );
                }
            }
        }
    }

    /// Every other option: no write noise, the calibrated mode, CrossSim 2's
    /// row draw, frozen cells outside the target range, another target range
    /// and window, tables of different sizes; each with 1, 3 and 11 tables on
    /// both grids, two cases each (all eight cases over the set).
    #[test]
    fn every_option_writes_the_cpus_bits() {
        let Some(dev) = test_device() else { return };
        let base = LutOptions::default();
        let options = [
            (
                "no write noise",
                LutOptions {
                    write_noise: false,
                    ..base
                },
                false,
                0.1,
            ),
            (
                "calibrated",
                LutOptions {
                    calibrated: true,
                    ..base
                },
                false,
                0.1,
            ),
            (
                "crosssim2 draw",
                LutOptions {
                    draw: LutDraw::CrossSim2,
                    ..base
                },
                false,
                0.1,
            ),
            (
                "frozen",
                LutOptions {
                    freeze_outside_target: true,
                    ..base
                },
                false,
                0.1,
            ),
            (
                "calibrated crosssim2 without noise",
                LutOptions {
                    calibrated: true,
                    draw: LutDraw::CrossSim2,
                    write_noise: false,
                    ..base
                },
                false,
                0.1,
            ),
            (
                "other range and window",
                LutOptions {
                    gmin_relative: 0.2,
                    gmax_relative: 0.8,
                    ..base
                },
                false,
                0.25,
            ),
            ("sizes differ", base, true, 0.1),
        ];
        let mut at = 0;
        for (name, o, vary, gmin) in options {
            for uniform in [true, false] {
                for devices in [1, 3, 11] {
                    let lut = model(devices, (31, 21), uniform, vary, &o).bind(gmin, 5);
                    for _ in 0..2 {
                        let what = format!("{name}, {devices} tables, uniform {uniform}");
                        compare(&dev, &lut, CASES[at % 8], (37, 70), &what);
                        at += 1;
                    }
                }
            }
        }
    }

    /// Arrays of over 20,000 cells, which the CPU writes in parallel parts.
    #[test]
    fn large_arrays_write_the_cpus_bits() {
        let Some(dev) = test_device() else { return };
        for devices in [1, 11] {
            let lut = model(devices, (31, 21), true, false, &LutOptions::default()).bind(0.1, 3);
            for case in [CASES[2 | 4], CASES[1 | 4]] {
                compare(&dev, &lut, case, (150, 139), &format!("{devices} tables, 150 × 139"));
            }
        }
    }

    /// Tables built from raw pulse-train ramps (`pulse_trains::build`, soft-bounds
    /// ramps with a fixed spread), loaded as a model like measured ones.
    #[test]
    fn tables_from_pulse_trains_write_the_cpus_bits() {
        use crate::device::update::lookup_table::pulse_trains::{build, PulseTrainOptions};
        let Some(dev) = test_device() else { return };
        let (lo, hi) = (1e-6, 1e-5);
        let ramp = |start: f64, up: bool, seed: usize| {
            let mut g = start;
            let mut r = vec![g];
            for k in 0..120 {
                let spread = 1.0 + 0.3 * (((seed * 31 + k * 17) % 23) as f64 / 11.0 - 1.0);
                let step = if up { 0.03 * (hi - g) } else { -0.04 * (g - lo) };
                g = (g + step * spread).clamp(lo, hi);
                r.push(g);
            }
            r
        };
        let set: Vec<Vec<f64>> = (0..6).map(|s| ramp(lo, true, s)).collect();
        let reset: Vec<Vec<f64>> = (0..6).map(|s| ramp(hi, false, s)).collect();
        let o = PulseTrainOptions {
            n_g: 41,
            n_cdf: 33,
            ..PulseTrainOptions::default()
        };
        let pair = build(&set, &reset, &o).unwrap();
        let names = [("set".to_string(), "reset".to_string())];
        let m = LookupTableModel::from_tables(&[pair], &names, &LutOptions::default()).unwrap();
        let lut = Arc::new(m).bind(0.1, 2);
        for case in [CASES[2], CASES[1 | 4]] {
            compare(&dev, &lut, case, (37, 70), "pulse-train tables");
        }
    }

    /// More than 256 tables: no kept assignment, each cell's table hashed on the device.
    #[test]
    fn many_tables_are_hashed_on_the_device() {
        let Some(dev) = test_device() else { return };
        let lut = model(300, (6, 5), true, false, &LutOptions::default()).bind(0.1, 8);
        assert!(lut.cell_devices(&Stream::new(1, 7, Purpose::Update, 0), 10).is_none());
        for case in [CASES[2], CASES[1 | 4]] {
            compare(&dev, &lut, case, (37, 70), "300 tables");
        }
    }

    /// A model's tables and an array's assignment go to the device once:
    /// a second write uploads nothing and downloads one word; copies of a
    /// dropped model are released.
    #[test]
    fn tables_are_uploaded_once_and_released_with_their_model() {
        let Some(dev) = test_device() else { return };
        let m = model(3, (31, 21), true, false, &LutOptions::default());
        let weak = Arc::downgrade(&m);
        let lut = m.bind(0.1, 4);
        let (rows, cols) = (9, 13);
        let g = Buffer::upload(&dev, &start(rows * cols, 0.1)).unwrap();
        let dw = Buffer::upload(&dev, &values(rows * cols, 1)).unwrap();
        let target = Target {
            device: &dev,
            g: &g,
            precision: Precision::F64,
            cells: rows * cols,
            first: 0,
        };
        let request = DeviceRequest::Dense {
            dw: &dw,
            cells: rows * cols,
        };
        let moved = |call| {
            let before = device::traffic();
            let stream = Stream::new(2, 1, Purpose::Update, call);
            assert_eq!(write(&target, &request, 0.01, &lut, &stream).unwrap(), Some(true));
            let after = device::traffic();
            (after.0 - before.0, after.1 - before.1)
        };
        let (up, down) = moved(0);
        // Constants, indices, means and errors of 3 tables, and 117 device bytes.
        assert!(up > 3 * 2 * 31 * 21 * 4 + 117, "first write moved {up} bytes up");
        assert_eq!(down, 4);
        assert_eq!(moved(1), (0, 4), "a second write moves the flag only");
        let cached = |c: &Cache| c.tables.iter().any(|(w, _)| std::ptr::eq(w.as_ptr(), weak.as_ptr()));
        assert!(cached(&cache().unwrap()));
        drop(lut);
        assert_eq!(weak.strong_count(), 0);
        // The next look-up (another model's write) releases the copy.
        let other = model(1, (5, 4), true, false, &LutOptions::default()).bind(0.1, 4);
        let stream = Stream::new(2, 1, Purpose::Update, 2);
        write(&target, &request, 0.01, &other, &stream).unwrap();
        assert!(!cached(&cache().unwrap()));
    }

    /// Other model families are not written here; an empty request writes nothing.
    #[test]
    fn other_models_and_empty_requests() {
        let Some(dev) = test_device() else { return };
        let g = Buffer::upload(&dev, &[0.5f32; 8]).unwrap();
        let dw = Buffer::upload(&dev, &[0.1f64; 8]).unwrap();
        let target = Target {
            device: &dev,
            g: &g,
            precision: Precision::F32,
            cells: 8,
            first: 0,
        };
        let request = DeviceRequest::Dense { dw: &dw, cells: 8 };
        let stream = Stream::new(2, 1, Purpose::Update, 0);
        assert_eq!(
            write(&target, &request, 1.0, &Ideal { gmin: 0.1 }, &stream).unwrap(),
            None
        );
        let lut = model(1, (5, 4), true, false, &LutOptions::default()).bind(0.1, 4);
        let past = Target { first: 8, ..target };
        assert_eq!(write(&past, &request, 1.0, &lut, &stream).unwrap(), Some(false));
        let short = DeviceRequest::Dense { dw: &dw, cells: 8 };
        let small = Buffer::upload(&dev, &[0.5f32; 4]).unwrap();
        let e = write(&Target { g: &small, ..target }, &short, 1.0, &lut, &stream).unwrap_err();
        assert!(e.to_string().contains("g holds 16 bytes, needs 32"), "{e}");
        assert_eq!(g.download::<f32>().unwrap(), vec![0.5; 8]);
    }
}
