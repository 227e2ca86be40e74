//! Training updates on the device for the ideal and analytic models
//! (`kernels/update.cu`), and the digitally accumulated change of a batch.
//!
//! [`write`] is the [`Writer`](super::update::Writer) of the
//! [`Ideal`] and [`Analytic`] models: one launch writes the request into the
//! array's resident conductances, one thread per four consecutive cells (the
//! four dense normals of one Philox block), and one device word says whether
//! any cell was written. Every cell gets the bits the CPU's
//! [`DeviceUpdate::write`] gives it, in both storage precisions: the kernels
//! repeat the CPU's operations in its order (compiled without contraction,
//! with `fma` where the CPU calls `mul_add`), the analytic model's exponential
//! is the CPU's own polynomial ([`crate::device::update::simd`]'s `exp`, no
//! library call) and its square roots and divisions are correctly rounded on
//! every device, so no tolerance is needed on a real GPU either.
//!
//! [`accumulate`] is the change `ΔW = lr·D_bᵀX_b` of one block of an
//! accumulated batch (`batch_mode = "accumulate"`), computed on the device
//! from x and d there, so that an accumulated write moves only x and d.

use super::device::{launch, Arg, Buffer, Device, Shape};
use super::resident::Precision;
use super::update::{DeviceRequest, Target};
use crate::device::update::analytic::Analytic;
use crate::device::update::ideal::Ideal;
use crate::device::update::DeviceUpdate;
use crate::error::{Error, Result};
use crate::rng::Stream;
use std::sync::Arc;

/// Threads per block of the write kernels (each thread writes four cells).
const BLOCK: u32 = 256;

/// The kernel and model arguments of one of this family's models.
enum Form {
    Ideal {
        gmin: f64,
    },
    /// [`Analytic::shape`] as the kernel's variant (16·lin + 4·sym + noise)
    /// and [`Analytic::constants`].
    Analytic {
        variant: i32,
        k: [f64; 9],
    },
}

impl Form {
    /// The form of `model`, or `None` when it is not of this family.
    fn of(model: &dyn DeviceUpdate) -> Option<Form> {
        let any: &dyn std::any::Any = model;
        if let Some(m) = any.downcast_ref::<Ideal>() {
            return Some(Form::Ideal { gmin: m.gmin });
        }
        let m = any.downcast_ref::<Analytic>()?;
        let (lin, sym, noise) = m.shape();
        // The CPU runs the symmetric flag only where α ≠ 0 (`by_shape`).
        let sym = sym && !lin;
        Some(Form::Analytic {
            variant: 16 * i32::from(lin) + 4 * i32::from(sym) + i32::from(noise),
            k: m.constants(),
        })
    }

    fn kernel(&self, precision: Precision) -> &'static str {
        match (self, precision) {
            (Form::Ideal { .. }, Precision::F32) => "xbar_update_ideal_f32",
            (Form::Ideal { .. }, Precision::F64) => "xbar_update_ideal_f64",
            (Form::Analytic { .. }, Precision::F32) => "xbar_update_analytic_f32",
            (Form::Analytic { .. }, Precision::F64) => "xbar_update_analytic_f64",
        }
    }
}

/// [`DeviceUpdate::write`] of an [`Ideal`] or [`Analytic`] model on the
/// device (a [`Writer`](super::update::Writer)): `scale` times `request`
/// into the cells `target.first ..` of `target.g`, with the normal draws of
/// `stream`; whether any cell was written. `None` for a model of another
/// family, and for an array whose written cells reach 2³² (the kernels count
/// cells in 32 bits; such a write stays on the host).
pub(crate) fn write(
    target: &Target,
    request: &DeviceRequest,
    scale: f64,
    model: &dyn DeviceUpdate,
    stream: &Stream,
) -> Result<Option<bool>> {
    let Some(form) = Form::of(model) else {
        return Ok(None);
    };
    let device = target.device;
    let size = match target.precision {
        Precision::F32 => 4,
        Precision::F64 => 8,
    };
    target.g.holds(target.cells, size, "update: conductances")?;
    if target.first > target.cells {
        return Err(Error::Internal(format!(
            "update: first cell {} of an array of {} cells",
            target.first, target.cells
        )));
    }
    // Cells asked for, limited to the array (DeviceUpdate::write: the cells from `first` on).
    let room = target.cells - target.first;
    let (a, b, asked, cols, outer, lr) = match *request {
        DeviceRequest::Dense { dw, cells } => {
            dw.holds(cells, 8, "update: requested changes")?;
            (dw, dw, cells, 1, false, 1.0)
        }
        DeviceRequest::Outer {
            x,
            d,
            x_host,
            d_host,
            lr,
        } => {
            x.holds(x_host.len(), 8, "update: x")?;
            d.holds(d_host.len(), 8, "update: d")?;
            (x, d, x_host.len() * d_host.len(), x_host.len(), true, lr)
        }
    };
    let n = asked.min(room);
    if n == 0 {
        return Ok(Some(false));
    }
    let end = target.first + n;
    let (Ok(first), Ok(count), Ok(cols), Ok(_)) = (
        u32::try_from(target.first),
        u32::try_from(n),
        u32::try_from(cols),
        u32::try_from(end),
    ) else {
        return Ok(None);
    };
    let groups = end.div_ceil(4) - target.first / 4;
    let blocks = u32::try_from(groups.div_ceil(BLOCK as usize))
        .map_err(|_| Error::shape(format!("update: {n} cells are too many for one launch")))?;
    let shape = Shape {
        grid: (blocks, 1, 1),
        block: (BLOCK, 1, 1),
    };
    let written = Buffer::zeroed(device, 4)?;
    let mut args = vec![
        Arg::Buf(target.g),
        Arg::Buf(a),
        Arg::Buf(b),
        Arg::Buf(&written),
        Arg::U32(first),
        Arg::U32(count),
        Arg::U32(cols),
        Arg::I32(i32::from(outer)),
        Arg::F64(lr),
        Arg::F64(scale),
    ];
    match &form {
        Form::Ideal { gmin } => args.push(Arg::F64(*gmin)),
        Form::Analytic { variant, k } => {
            let (seed, array, purpose, call) = stream.identity();
            args.push(Arg::I32(*variant));
            args.extend(k.iter().map(|&v| Arg::F64(v)));
            args.extend([Arg::U64(seed), Arg::U32(array), Arg::U32(purpose), Arg::U64(call)]);
        }
    }
    // SAFETY: the kernel writes cells first .. first + n of g (g holds
    // `cells` ≥ first + n values of the precision's size, checked above),
    // reads x[0 .. cols] and d[0 .. ceil(n / cols)] ≤ d's length (n ≤
    // cols·rows) or dw[0 .. n] (n ≤ its cells, checked above), and one word
    // of `written`; the shape covers every group of four cells once.
    unsafe { launch(device.as_ref(), form.kernel(target.precision), shape, &args)? };
    Ok(Some(written.download::<u32>()?[0] != 0))
}

/// The accumulated change of one block of an accumulated batch on the
/// device (`backend/write.rs`, `accumulate_into`):
/// `ΔW[i·nc + j] = lr · Σ_{b < batch} d[b·rows + r0 + i] · x[b·cols + c0 + j]`
/// for the `nr × nc` block at rows `r0..`, columns `c0..` of a `rows × cols`
/// array; `x` (`batch × cols`) and `d` (`batch × rows`) are on the device,
/// the change is returned there (`f64`, row-major).
///
/// Each element is summed over the samples in order, from 0, in double
/// precision with one fused multiply-add per sample (`acc = fma(d, x, acc)`),
/// then multiplied by `lr` once (a single sample: `d·(lr·x)`): the same bits
/// on every device, and the order and operations of the CPU's GEMM kernel
/// (faer's `matmul` with `lr` as its product scale: gemm's microkernel keeps
/// one accumulator per element, adds the samples in order with fused
/// multiply-adds, and scales the sum by `lr` at the end; a rank-one product
/// scales x first). So the device gives `accumulate_into`'s bits wherever
/// that kernel takes all samples in one pass: checked for blocks whose
/// 64-row groups have at least 2 rows and 2 columns, from 1 to 512 samples. Elsewhere — a 64-row group of one row or a block of one column
/// (faer's matrix-vector path sums in another order), or a batch longer
/// than gemm's depth block (about 1000 samples: the sum is taken in parts)
/// — the two agree within a few units in the last place of the sum of the
/// terms' magnitudes, not bit for bit.
#[allow(clippy::too_many_arguments)]
pub(crate) fn accumulate(
    device: &Arc<dyn Device>,
    x: &Buffer,
    d: &Buffer,
    batch: usize,
    (rows, cols): (usize, usize),
    (r0, nr): (usize, usize),
    (c0, nc): (usize, usize),
    lr: f64,
) -> Result<Buffer> {
    if r0 + nr > rows || c0 + nc > cols {
        return Err(Error::Internal(format!(
            "update: block rows {r0}..{} and columns {c0}..{} of a {rows} × {cols} array",
            r0 + nr,
            c0 + nc
        )));
    }
    let cells = nr
        .checked_mul(nc)
        .ok_or_else(|| Error::shape(format!("update: a {nr} × {nc} block overflows")))?;
    let out = Buffer::zeroed(device, cells * 8)?;
    if cells == 0 || batch == 0 {
        return Ok(out);
    }
    let samples = |n: usize, what: &str| {
        batch
            .checked_mul(n)
            .ok_or_else(|| Error::shape(format!("update: {what} of {batch} samples overflows")))
    };
    x.holds(samples(cols, "x")?, 8, "update: x")?;
    d.holds(samples(rows, "d")?, 8, "update: d")?;
    let int =
        |v: usize| i32::try_from(v).map_err(|_| Error::shape(format!("update: {v} exceeds one accumulation launch")));
    let grid_y = nr.div_ceil(32);
    if grid_y > 65_535 {
        return Err(Error::shape(format!(
            "update: {nr} rows exceed one accumulation launch"
        )));
    }
    let shape = Shape {
        grid: (
            u32::try_from(nc.div_ceil(64)).map_err(|_| Error::shape("update: too many columns"))?,
            grid_y as u32,
            1,
        ),
        block: (64, 4, 1),
    };
    let args = [
        Arg::Buf(&out),
        Arg::Buf(x),
        Arg::Buf(d),
        Arg::I32(int(batch)?),
        Arg::I32(int(rows)?),
        Arg::I32(int(cols)?),
        Arg::I32(int(r0)?),
        Arg::I32(int(nr)?),
        Arg::I32(int(c0)?),
        Arg::I32(int(nc)?),
        Arg::F64(lr),
    ];
    // SAFETY: the kernel reads x[b·cols + c0 + j] and d[b·rows + r0 + i] for
    // b < batch, j < nc, i < nr (inside the batch × cols and batch × rows
    // values checked above, as c0 + nc ≤ cols and r0 + nr ≤ rows) and writes
    // out[0 .. nr·nc]; the shape is the one it is written for.
    unsafe { launch(device.as_ref(), "xbar_accumulate", shape, &args)? };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::emulated::test_device as device;
    use super::super::update::{self, DeviceRequest, Target};
    use super::*;
    use crate::device::update::{CellsMut, Draws, Request};
    use crate::params::{UpdateModel, UpdateParams, WriteNoiseModel};
    use crate::rng::Purpose;

    /// A deterministic value in [0, 1) from `k` and `salt`.
    fn unit(k: usize, salt: u64) -> f64 {
        let w = Stream::new(0x5EED ^ salt, 3, Purpose::Update, 1).u32_at(k as u64);
        f64::from(w) / 4294967296.0
    }

    fn analytic(alpha: f64, symmetric: bool, noise: f64, law: WriteNoiseModel, gmin: f64) -> Analytic {
        let p = UpdateParams {
            model: UpdateModel::Analytic,
            alpha,
            symmetric,
            write_noise: noise,
            write_noise_model: law,
            ..UpdateParams::default()
        };
        Analytic::new(&p, gmin)
    }

    /// Every variant of the family: the ideal model and the analytic model
    /// with α = 0, exponential and logistic nonlinearity, each write-noise law.
    fn models() -> Vec<Box<dyn DeviceUpdate>> {
        use WriteNoiseModel::{Independent, Inverse, Proportional};
        vec![
            Box::new(Ideal { gmin: 0.1 }),
            Box::new(analytic(0.0, false, 0.0, Independent, 0.1)),
            Box::new(analytic(0.0, true, 0.2, Independent, 0.05)),
            Box::new(analytic(2.0, false, 0.0, Independent, 0.1)),
            Box::new(analytic(2.0, false, 0.1, Independent, 0.1)),
            Box::new(analytic(0.7, false, 0.3, Proportional, 0.2)),
            Box::new(analytic(3.0, false, 0.05, Inverse, 0.1)),
            Box::new(analytic(1.5, true, 0.0, Independent, 0.1)),
            Box::new(analytic(1.5, true, 0.1, Proportional, 0.1)),
            Box::new(analytic(0.4, true, 0.2, Inverse, 0.02)),
        ]
    }

    /// Host and device copies of one array, written with the same requests.
    struct Case {
        rows: usize,
        cols: usize,
        precision: Precision,
        first: usize,
        dense: bool,
    }

    /// Writes three calls (scales +0.8, −0.6, +1.3, each with its own stream
    /// call) of one request kind with `model` on the CPU and on the device,
    /// and checks every cell's bits and the written flag after each call.
    fn agree(dev: &Arc<dyn Device>, model: &dyn DeviceUpdate, case: &Case) {
        let Case {
            rows,
            cols,
            precision,
            first,
            dense,
        } = *case;
        let cells = rows * cols;
        let g0: Vec<f64> = (0..cells).map(|k| 0.1 + 0.9 * unit(k, 1)).collect();
        let mut g32: Vec<f32> = g0.iter().map(|&v| v as f32).collect();
        let mut g64 = g0.clone();
        let g_dev = match precision {
            Precision::F32 => Buffer::upload(dev, &g32).unwrap(),
            Precision::F64 => Buffer::upload(dev, &g64).unwrap(),
        };
        let target = Target {
            device: dev,
            g: &g_dev,
            precision,
            cells,
            first,
        };
        let (mut changed, mut kept) = (0usize, 0usize);
        for (call, scale) in [(1u64, 0.8), (2, -0.6), (3, 1.3)] {
            let stream = Stream::new(0xC0FFEE + call, 7, Purpose::Update, call);
            // Every fifth x and every seventh d are 0: those cells are not written.
            let x: Vec<f64> = (0..cols)
                .map(|j| if j % 5 == 2 { 0.0 } else { unit(j, 10 + call) - 0.5 })
                .collect();
            let d: Vec<f64> = (0..rows)
                .map(|i| if i % 7 == 3 { 0.0 } else { unit(i, 20 + call) - 0.45 })
                .collect();
            let dw: Vec<f64> = (0..cells - first)
                .map(|k| {
                    if k % 6 == 1 {
                        0.0
                    } else {
                        0.4 * (unit(k, 30 + call) - 0.5)
                    }
                })
                .collect();
            let lr = 0.35;
            let request = if dense {
                Request::Dense(&dw)
            } else {
                Request::Outer { x: &x, d: &d, lr }
            };
            let before = g64.clone();
            let want = match precision {
                Precision::F32 => model.write(CellsMut::Single(&mut g32[first..]), first, &request, scale, &stream),
                Precision::F64 => model.write(CellsMut::Double(&mut g64[first..]), first, &request, scale, &stream),
            };
            let (x_dev, d_dev, dw_dev) = (
                Buffer::upload(dev, &x).unwrap(),
                Buffer::upload(dev, &d).unwrap(),
                Buffer::upload(dev, &dw).unwrap(),
            );
            let req = if dense {
                DeviceRequest::Dense {
                    dw: &dw_dev,
                    cells: dw.len(),
                }
            } else {
                DeviceRequest::Outer {
                    x: &x_dev,
                    d: &d_dev,
                    x_host: &x,
                    d_host: &d,
                    lr,
                }
            };
            let got = update::write(&target, &req, scale, model, &stream).unwrap();
            assert_eq!(got, Some(want), "{model:?}: written flag, call {call}");
            let what = format!("{model:?}, {rows}×{cols} {precision:?}, first {first}, dense {dense}, call {call}");
            match precision {
                Precision::F32 => {
                    let back = g_dev.download::<f32>().unwrap();
                    for (k, (a, b)) in back.iter().zip(&g32).enumerate() {
                        assert_eq!(a.to_bits(), b.to_bits(), "{what}: cell {k}: device {a} CPU {b}");
                    }
                }
                Precision::F64 => {
                    let back = g_dev.download::<f64>().unwrap();
                    for (k, (a, b)) in back.iter().zip(&g64).enumerate() {
                        assert_eq!(a.to_bits(), b.to_bits(), "{what}: cell {k}: device {a} CPU {b}");
                    }
                    for (k, (a, b)) in g64.iter().zip(&before).enumerate() {
                        if a == b {
                            kept += 1;
                        } else {
                            changed += 1;
                            assert!(k >= first, "{what}: cell {k} before the first was written");
                        }
                    }
                }
            }
        }
        // The comparison is not vacuous: cells were written and others kept.
        if precision == Precision::F64 {
            assert!(changed > cells && kept > cells / 10, "{changed} changed, {kept} kept");
        }
        if first > 0 {
            // The cells before `first` (an OFFSET core's unit column) are untouched.
            match precision {
                Precision::F32 => assert!(g32[..first].iter().zip(&g0).all(|(&a, &b)| a == b as f32)),
                Precision::F64 => assert_eq!(g64[..first], g0[..first]),
            }
        }
    }

    fn agree_all(rows: usize, cols: usize, dense: bool) {
        let Some(dev) = device() else { return };
        for model in models() {
            for precision in [Precision::F32, Precision::F64] {
                for first in [0, cols] {
                    let case = Case {
                        rows,
                        cols,
                        precision,
                        first,
                        dense,
                    };
                    agree(&dev, model.as_ref(), &case);
                }
            }
        }
    }

    #[test]
    fn outer_writes_match_the_cpu_bit_for_bit() {
        agree_all(37, 70, false);
    }

    #[test]
    fn dense_writes_match_the_cpu_bit_for_bit() {
        agree_all(37, 70, true);
    }

    /// 150 × 140 = 21,000 cells: the CPU writes them in parallel parts.
    #[test]
    fn large_writes_match_the_cpu_bit_for_bit() {
        let Some(dev) = device() else { return };
        let models = [
            Box::new(Ideal { gmin: 0.1 }) as Box<dyn DeviceUpdate>,
            Box::new(analytic(2.0, false, 0.1, WriteNoiseModel::Independent, 0.1)),
            Box::new(analytic(1.5, true, 0.1, WriteNoiseModel::Inverse, 0.1)),
        ];
        for model in &models {
            for (precision, first, dense) in [
                (Precision::F32, 140, false),
                (Precision::F64, 0, true),
                (Precision::F32, 0, true),
                (Precision::F64, 140, false),
            ] {
                let case = Case {
                    rows: 150,
                    cols: 140,
                    precision,
                    first,
                    dense,
                };
                agree(&dev, model.as_ref(), &case);
            }
        }
    }

    /// A request of zeros writes nothing and says so; a model of another
    /// family is left to the other writers (`None`).
    #[test]
    fn nothing_asked_nothing_written_and_other_models_declined() {
        let Some(dev) = device() else { return };
        #[derive(Debug)]
        struct Other;
        impl DeviceUpdate for Other {
            fn respond(&self, _cell: usize, g: f64, _dg: f64, _draws: &Draws) -> f64 {
                g
            }
        }
        let g: Vec<f32> = (0..50).map(|k| 0.2 + 0.01 * k as f32).collect();
        let g_dev = Buffer::upload(&dev, &g).unwrap();
        let target = Target {
            device: &dev,
            g: &g_dev,
            precision: Precision::F32,
            cells: 50,
            first: 10,
        };
        let dw = vec![0.0; 40];
        let dw_dev = Buffer::upload(&dev, &dw).unwrap();
        let req = DeviceRequest::Dense { dw: &dw_dev, cells: 40 };
        let stream = Stream::new(1, 2, Purpose::Update, 3);
        let ideal = Ideal { gmin: 0.1 };
        assert_eq!(write(&target, &req, 1.0, &ideal, &stream).unwrap(), Some(false));
        assert_eq!(g_dev.download::<f32>().unwrap(), g);
        assert_eq!(write(&target, &req, 1.0, &Other, &stream).unwrap(), None);
        assert_eq!(update::write(&target, &req, 1.0, &Other, &stream).unwrap(), None);
        // Requests beyond the floating-point range ask for the window's edges (±f64::MAX, then the clip).
        let huge: Vec<f64> = (0..40).map(|k| if k % 2 == 0 { 1e300 } else { -1e300 }).collect();
        let huge_dev = Buffer::upload(&dev, &huge).unwrap();
        let req = DeviceRequest::Dense {
            dw: &huge_dev,
            cells: 40,
        };
        let mut cpu = g.clone();
        assert!(ideal.write(
            CellsMut::Single(&mut cpu[10..]),
            10,
            &Request::Dense(&huge),
            1e10,
            &stream
        ));
        assert_eq!(write(&target, &req, 1e10, &ideal, &stream).unwrap(), Some(true));
        assert_eq!(g_dev.download::<f32>().unwrap(), cpu);
        assert_eq!((cpu[10], cpu[11]), (1.0, 0.1));
        // A buffer shorter than the cells it is said to hold is refused.
        let short = Target { cells: 51, ..target };
        assert!(write(&short, &req, 1.0, &ideal, &stream).is_err());
    }

    /// `lr·Σ_b d·x` summed in sample order from 0, one fused multiply-add per
    /// sample; `d·(lr·x)` for one sample.
    fn in_order(
        x: &[f64],
        d: &[f64],
        batch: usize,
        (rows, cols): (usize, usize),
        (r0, nr): (usize, usize),
        (c0, nc): (usize, usize),
        lr: f64,
    ) -> Vec<f64> {
        let mut out = Vec::with_capacity(nr * nc);
        for i in 0..nr {
            for j in 0..nc {
                let mut acc = 0.0;
                for b in 0..batch {
                    acc = d[b * rows + r0 + i].mul_add(x[b * cols + c0 + j], acc);
                }
                out.push(if batch == 1 {
                    d[r0 + i] * (lr * x[c0 + j])
                } else {
                    lr * acc
                });
            }
        }
        out
    }

    /// The device's accumulated change is the in-order sum bit for bit; the
    /// CPU's GEMM (`accumulate_into`) gives the same bits where it takes the
    /// samples in one pass through its microkernel (`exact`: row groups of
    /// at least 2 rows and 2 columns, 1 to 512 samples, a CPU with fused
    /// multiply-adds), and is within 1e-13 of the sum of the terms'
    /// magnitudes everywhere (a group of one row (65 = 64 + 1 rows), one
    /// column, 1000 samples: other orders of the same terms, a few units in
    /// the last place).
    #[test]
    fn accumulated_changes_match_the_in_order_sum_and_the_cpu() {
        let Some(dev) = device() else { return };
        let fma = {
            #[cfg(target_arch = "x86_64")]
            {
                std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                false
            }
        };
        for (rows, cols, batch, (r0, nr), (c0, nc), lr, exact) in [
            (150, 70, 5, (3, 140), (10, 55), 0.3, true),
            (37, 70, 37, (0, 37), (0, 70), 1.0, true),
            (100, 130, 17, (64, 36), (64, 66), 0.01, true),
            (20, 9, 1, (0, 20), (0, 9), 2.5, true),
            (70, 37, 512, (0, 70), (0, 37), 0.05, true),
            (65, 40, 8, (0, 65), (0, 40), 0.05, false),
            (50, 1, 7, (0, 50), (0, 1), 0.05, false),
            (30, 20, 1000, (0, 30), (0, 20), 0.05, false),
        ] {
            let x: Vec<f64> = (0..batch * cols).map(|k| unit(k, 40) - 0.5).collect();
            let d: Vec<f64> = (0..batch * rows)
                .map(|k| if k % 11 == 4 { 0.0 } else { 2.0 * unit(k, 50) - 1.0 })
                .collect();
            let (x_dev, d_dev) = (Buffer::upload(&dev, &x).unwrap(), Buffer::upload(&dev, &d).unwrap());
            let got = accumulate(&dev, &x_dev, &d_dev, batch, (rows, cols), (r0, nr), (c0, nc), lr)
                .unwrap()
                .download::<f64>()
                .unwrap();
            let want = in_order(&x, &d, batch, (rows, cols), (r0, nr), (c0, nc), lr);
            assert_eq!(got.len(), nr * nc);
            for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{rows}×{cols} batch {batch}: element {k}: {a} vs {b}"
                );
            }
            let mut cpu = Vec::new();
            crate::backend::write::accumulate_into(&mut cpu, &x, &d, batch, (rows, cols), (r0, nr), (c0, nc), lr);
            for i in 0..nr {
                for j in 0..nc {
                    let mag: f64 = lr
                        * (0..batch)
                            .map(|b| (d[b * rows + r0 + i] * x[b * cols + c0 + j]).abs())
                            .sum::<f64>();
                    let (a, b) = (got[i * nc + j], cpu[i * nc + j]);
                    assert!(
                        (a - b).abs() <= 1e-13 * mag,
                        "({i}, {j}): device {a} CPU {b}, magnitude {mag}"
                    );
                    if exact && fma {
                        assert_eq!(a.to_bits(), b.to_bits(), "{rows}×{cols} batch {batch}: ({i}, {j})");
                    }
                }
            }
        }
        // No samples: a zero change of the block's size.
        let x_dev = Buffer::upload(&dev, &[0.0f64]).unwrap();
        let zero = accumulate(&dev, &x_dev, &x_dev, 0, (4, 3), (1, 2), (0, 3), 1.0).unwrap();
        assert_eq!(zero.download::<f64>().unwrap(), vec![0.0; 6]);
        // A block outside the array is refused.
        assert!(accumulate(&dev, &x_dev, &x_dev, 1, (4, 3), (3, 2), (0, 3), 1.0).is_err());
    }
}
