//! The device form of the pulsed step-device update
//! ([`crate::device::update::pulsed`]): `kernels/update_pulsed.cu` writes an
//! array's resident conductances with the CPU's pulse trains, coincidences,
//! device-to-device parameters and cycle-to-cycle draws, so that each cell
//! gets the bits [`Pulsed::write`](crate::device::update::DeviceUpdate::write)
//! gives it on the host. Every step law is covered: ConstantStep,
//! LinearStep, SoftBounds, ExpStep, PowStep and PiecewiseStep.
//!
//! * `Outer` (one sample's outer product `scale·lr·d ⊗ x`): the train
//!   length and probability scales ([`trains::scales`], from `max|x|`,
//!   `max|d|`) are computed here from the host copies of x and d; the
//!   trains themselves are drawn on the device (one thread per line, from
//!   the device copies) into `rows + cols` 64-bit masks, then one thread per
//!   cell gives it `popcount(train_x[j] & train_d[i])` pulses.
//! * `Dense` (per-cell changes, the accumulated batch): one thread per cell
//!   gives it `min(⌊|Δw|/ε + u⌋, desired_bl)` pulses, as `Pulsed::respond`.
//!
//! A cell's device-to-device parameters (bounds, steps, the LinearStep
//! slopes, the PowStep exponents) are a pure function of (seed, array,
//! cell): the kernel draws them from the same stream as the CPU whenever it
//! writes the cell, which costs two Philox blocks and reads no memory (a
//! cached per-cell table would be 48 bytes per cell read on each write). The
//! model's constants (nominal parameters, the law's own, the PiecewiseStep
//! nodes) are uploaded once per model and device and cached ([`constants_on`]).
//! What moves per write: x and d (or dw) are already on the device; one
//! 4-byte flag comes back.
//!
//! Agreement: bit for bit with the CPU on the emulated device, both storage
//! precisions. ExpStep and PowStep call `exp` and `pow`: the emulated device
//! uses the host's libm (the CPU's bits) but CUDA's double `exp`/`pow` may
//! differ by an ulp or two, so on a real GPU those two laws agree within a
//! few ulps per pulse (a few ulps of the storage precision after the write);
//! every other law is exact there too.
//!
//! Refused (`Ok(None)`, the host writes): a model of another family; an
//! ExpStep, PowStep or PiecewiseStep whose law is not the one its parameters
//! describe (a hand-built `Pulsed`); arrays too large for the CPU's draw
//! indices (block indices at or above 2³², where the CPU panics).

use super::device::{self, Arg, Buffer, Device, Shape};
use super::resident::Precision;
use super::update::{DeviceRequest, Target};
use crate::device::update::pulsed::constant_step::ConstantStep;
use crate::device::update::pulsed::exp_step::ExpStep;
use crate::device::update::pulsed::linear_step::LinearStep;
use crate::device::update::pulsed::piecewise_step::PiecewiseStep;
use crate::device::update::pulsed::pow_step::PowStep;
use crate::device::update::pulsed::trains::{self, Management};
use crate::device::update::pulsed::{Pulsed, Step};
use crate::device::update::DeviceUpdate;
use crate::error::{Error, Result};
use crate::rng::{Stream, MAX_INDEX};
use std::any::Any;
use std::sync::{Arc, Mutex};

/// Threads per block of every kernel (whole warps: the written flag is a warp vote).
const BLOCK: u32 = 256;

/// The step codes and constant indices of `kernels/update_pulsed.cu`
/// (`XBAR_STEP_*`, `XBAR_PULSED_*`).
const STEP_CONSTANT: f64 = 0.0;
const STEP_LINEAR: f64 = 1.0;
const STEP_EXP: f64 = 2.0;
const STEP_POW: f64 = 3.0;
const STEP_PIECEWISE: f64 = 4.0;
/// Index of the law's own constants, and of the PiecewiseStep nodes.
const LAW: usize = 16;
const NODES: usize = 24;

/// A pulsed model as the kernels take it.
#[derive(Debug, Clone, PartialEq)]
struct Model {
    /// The constants array (layout of `kernels/update_pulsed.cu`).
    values: Vec<f64>,
    management: Management,
    /// Granularity ε and device units per unit of conductance.
    eps: f64,
    k: f64,
    /// Dense draws per cell and write.
    stride: u64,
}

impl Model {
    /// The constants of `m` with step code `step`, whether its own
    /// parameters take draws, the law's constants `law` (at most 8) and the
    /// PiecewiseStep nodes `nodes`.
    fn new<S: Step>(m: &Pulsed<S>, step: f64, law: &[f64], nodes: &[f64]) -> Model {
        let p = m.params();
        let management = *m.management();
        let mut values = vec![0.0; NODES + nodes.len()];
        values[..LAW].copy_from_slice(&[
            p.w_min,
            p.w_max,
            p.w_min_dtod,
            p.w_max_dtod,
            p.dw_min,
            p.dw_min_dtod,
            p.dw_min_std,
            p.up_down,
            p.up_down_dtod,
            m.window_min(),
            m.units(),
            m.granularity(),
            f64::from(management.desired_bl),
            m.draws_per_cell() as f64,
            step,
            if m.step().draws() { 1.0 } else { 0.0 },
        ]);
        values[LAW..LAW + law.len()].copy_from_slice(law);
        values[NODES..].copy_from_slice(nodes);
        Model {
            values,
            management,
            eps: m.granularity(),
            k: m.units(),
            stride: m.draws_per_cell(),
        }
    }

    /// The device form of `model`, or `None` when it is not a pulsed model
    /// (or its law is not the one its parameters describe).
    fn of(model: &dyn DeviceUpdate) -> Option<Model> {
        let any: &dyn Any = model;
        if let Some(m) = any.downcast_ref::<Pulsed<ConstantStep>>() {
            return Some(Model::new(m, STEP_CONSTANT, &[], &[]));
        }
        if let Some(m) = any.downcast_ref::<Pulsed<LinearStep>>() {
            // LinearStep and SoftBounds: the law's fields, not the parameters.
            let l = m.step();
            let (nominal, lo, hi) = l.reference.map_or((0.0, 0.0, 0.0), |(lo, hi)| (1.0, lo, hi));
            let law = [
                l.gamma_up,
                l.gamma_down,
                l.gamma_up_dtod,
                l.gamma_down_dtod,
                nominal,
                lo,
                hi,
                if l.mult_noise { 1.0 } else { 0.0 },
            ];
            return Some(Model::new(m, STEP_LINEAR, &law, &[]));
        }
        if let Some(m) = any.downcast_ref::<Pulsed<ExpStep>>() {
            let e = &m.params().exp_step;
            let law = [e.a, e.b, e.a_up, e.a_down, e.gamma_up, e.gamma_down];
            return (*m.step() == ExpStep::new(m.params())).then(|| Model::new(m, STEP_EXP, &law, &[]));
        }
        if let Some(m) = any.downcast_ref::<Pulsed<PowStep>>() {
            let p = &m.params().pow_step;
            let law = [p.gamma, p.gamma_dtod, p.up_down, p.up_down_dtod];
            return (*m.step() == PowStep::new(m.params())).then(|| Model::new(m, STEP_POW, &law, &[]));
        }
        if let Some(m) = any.downcast_ref::<Pulsed<PiecewiseStep>>() {
            let p = &m.params().piecewise_step;
            if *m.step() != PiecewiseStep::new(m.params()) || p.up.is_empty() || p.down.is_empty() {
                return None;
            }
            let law = [p.up.len() as f64, p.down.len() as f64];
            let nodes: Vec<f64> = p.up.iter().chain(&p.down).copied().collect();
            return Some(Model::new(m, STEP_PIECEWISE, &law, &nodes));
        }
        None
    }
}

/// Constants arrays on the device, most recently used last: (device
/// address, the values' bits, the buffer). A buffer keeps its device alive,
/// so an address names one device while its entry lives.
type Cache = Vec<(usize, Vec<u64>, Arc<Buffer>)>;
static CONSTANTS: Mutex<Cache> = Mutex::new(Vec::new());
/// Most constants arrays kept: a model dropped long ago does not hold device memory.
const CACHED: usize = 16;

/// `values` on `device`, uploaded the first time and then taken from the
/// cache (keyed by the device and the values' bits: a model of other
/// parameters, or another device, gets its own copy; equal models share one).
fn constants_on(device: &Arc<dyn Device>, values: &[f64]) -> Result<Arc<Buffer>> {
    let key = Arc::as_ptr(device) as *const () as usize;
    let bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
    let mut cache = CONSTANTS
        .lock()
        .map_err(|_| Error::Internal("pulsed update constants cache poisoned".into()))?;
    if let Some(i) = cache.iter().position(|(d, b, _)| *d == key && *b == bits) {
        let hit = cache.remove(i);
        let buffer = hit.2.clone();
        cache.push(hit);
        return Ok(buffer);
    }
    let buffer = Arc::new(Buffer::upload(device, values)?);
    if cache.len() == CACHED {
        cache.remove(0);
    }
    cache.push((key, bits, buffer.clone()));
    Ok(buffer)
}

/// A launch of `n` threads in blocks of [`BLOCK`].
fn shape(n: usize) -> Result<Shape> {
    let blocks = u32::try_from(n.div_ceil(BLOCK as usize))
        .map_err(|_| Error::unsupported(format!("GPU backend: {n} threads exceed one launch")))?;
    Ok(Shape {
        grid: (blocks, 1, 1),
        block: (BLOCK, 1, 1),
    })
}

/// Whether the CPU's draw indices for cells below `end` (two device-to-device
/// blocks per cell, `stride/4` cycle-to-cycle blocks) stay below 2³².
fn indices_fit(end: usize, stride: u64) -> bool {
    let end = end as u64;
    end.checked_mul(2).is_some_and(|b| b <= MAX_INDEX) && end.checked_mul(stride).is_some_and(|d| d / 4 <= MAX_INDEX)
}

/// [`super::update::Writer`] of the pulsed family: `model`'s write of
/// `scale` times `request` into `target` with the draws of `stream`, on the
/// device; `None` when `model` is not a pulsed model this covers.
pub(crate) fn write(
    target: &Target,
    request: &DeviceRequest,
    scale: f64,
    model: &dyn DeviceUpdate,
    stream: &Stream,
) -> Result<Option<bool>> {
    let Some(m) = Model::of(model) else {
        return Ok(None);
    };
    let size = match target.precision {
        Precision::F32 => 4,
        Precision::F64 => 8,
    };
    if target.first > target.cells || target.g.bytes() < target.cells * size {
        return Err(Error::Internal(format!(
            "pulsed update on the device: cells {}.. of a buffer of {} bytes for {} cells",
            target.first,
            target.g.bytes(),
            target.cells
        )));
    }
    let room = target.cells - target.first;
    let (seed, array, purpose, call) = stream.identity();
    let dev = target.device;
    let f64_buffer = |b: &Buffer, n: usize, what: &str| {
        if b.bytes() < 8 * n {
            return Err(Error::Internal(format!(
                "pulsed update on the device: {what} holds {} bytes for {n} values",
                b.bytes()
            )));
        }
        Ok(())
    };
    let written = Buffer::zeroed(dev, 4)?;
    match *request {
        DeviceRequest::Outer {
            x,
            d,
            x_host,
            d_host,
            lr,
        } => {
            let (rows, cols) = (d_host.len(), x_host.len());
            let lambda = lr * scale * m.k;
            let amax = |v: &[f64]| v.iter().fold(0.0f64, |a, b| a.max(b.abs()));
            let Some(s) = trains::scales(lambda.abs(), m.eps, amax(x_host), amax(d_host), &m.management) else {
                return Ok(Some(false));
            };
            let cells = (rows * cols).min(room);
            if cells == 0 {
                return Ok(Some(false));
            }
            let lines = rows + cols;
            if !indices_fit(target.first + cells, m.stride) || 16 * lines as u64 > MAX_INDEX {
                return Ok(None);
            }
            f64_buffer(x, cols, "x")?;
            f64_buffer(d, rows, "d")?;
            let int = |n: usize, what: &str| {
                i32::try_from(n).map_err(|_| Error::unsupported(format!("GPU backend: {what} = {n} exceeds 2^31 - 1")))
            };
            let k = constants_on(dev, &m.values)?;
            let masks = Buffer::zeroed(dev, 8 * lines)?;
            let args = [
                Arg::Buf(x),
                Arg::Buf(d),
                Arg::Buf(&masks),
                Arg::I32(int(cols, "cols")?),
                Arg::I32(int(rows, "rows")?),
                Arg::F64(s.a),
                Arg::F64(s.b),
                Arg::I32(s.bl as i32),
                Arg::U64(seed),
                Arg::U32(array),
                Arg::U64(call),
            ];
            // SAFETY: reads cols values of x and rows of d (their lengths
            // checked above) and writes rows + cols masks (masks' length).
            unsafe { device::launch(dev.as_ref(), "xbar_pulsed_trains", shape(lines)?, &args) }?;
            let kernel = match target.precision {
                Precision::F32 => "xbar_pulsed_outer_f32",
                Precision::F64 => "xbar_pulsed_outer_f64",
            };
            let args = [
                Arg::Buf(target.g),
                Arg::Buf(&k),
                Arg::Buf(x),
                Arg::Buf(d),
                Arg::Buf(&masks),
                Arg::Buf(&written),
                Arg::U64(target.first as u64),
                Arg::U64(cells as u64),
                Arg::I32(int(cols, "cols")?),
                Arg::F64(lambda),
                Arg::U64(seed),
                Arg::U32(array),
                Arg::U32(purpose),
                Arg::U64(call),
            ];
            // SAFETY: cells first..first + cells of g (at most target.cells,
            // within its length: checked above), the model's constants (the
            // layout the kernel reads), x[j] and d[i] for i·cols + j < cells
            // (cells <= rows·cols), rows + cols masks and one flag word.
            unsafe { device::launch(dev.as_ref(), kernel, shape(cells)?, &args) }?;
        }
        DeviceRequest::Dense { dw, cells } => {
            let cells = cells.min(room);
            if cells == 0 {
                return Ok(Some(false));
            }
            if !indices_fit(target.first + cells, m.stride) {
                return Ok(None);
            }
            f64_buffer(dw, cells, "dw")?;
            let k = constants_on(dev, &m.values)?;
            let kernel = match target.precision {
                Precision::F32 => "xbar_pulsed_dense_f32",
                Precision::F64 => "xbar_pulsed_dense_f64",
            };
            let args = [
                Arg::Buf(target.g),
                Arg::Buf(&k),
                Arg::Buf(dw),
                Arg::Buf(&written),
                Arg::U64(target.first as u64),
                Arg::U64(cells as u64),
                Arg::F64(scale),
                Arg::U64(seed),
                Arg::U32(array),
                Arg::U32(purpose),
                Arg::U64(call),
            ];
            // SAFETY: cells first..first + cells of g (within its length),
            // the model's constants, cells values of dw and one flag word.
            unsafe { device::launch(dev.as_ref(), kernel, shape(cells)?, &args) }?;
        }
    }
    Ok(Some(written.download::<u32>()?[0] != 0))
}

#[cfg(test)]
mod tests {
    use super::super::emulated::test_device as device;
    use super::*;
    use crate::device::update::pulsed::model;
    use crate::device::update::{CellsMut, Request};
    use crate::params::{PulsedParams, StepDevice};
    use crate::rng::Purpose;

    const GMIN: f64 = 0.1;

    /// Parameter sets covering every step law and option: device-to-device
    /// spreads on and off, cycle-to-cycle noise on and off, the three kinds
    /// of train management, trains of 64 slots, asymmetry of either sign.
    fn parameter_sets() -> Vec<PulsedParams> {
        let base = PulsedParams::default();
        let mut sets = Vec::new();
        // ConstantStep with aihwkit's defaults (BL 31, both managements).
        sets.push(base.clone());
        // LinearStep, additive noise, nominal reference, 64 slots, update management only.
        let mut p = base.clone();
        p.device = StepDevice::LinearStep;
        p.linear_step.gamma_up = 0.5;
        p.linear_step.gamma_down = 0.3;
        p.linear_step.mult_noise = false;
        p.desired_bl = 64;
        p.update_bl_management = false;
        p.up_down = 0.2;
        sets.push(p);
        // LinearStep with the cells' own bounds as reference and multiplicative noise.
        let mut p = base.clone();
        p.device = StepDevice::LinearStep;
        p.linear_step.gamma_up = 1.2;
        p.linear_step.gamma_down = 0.7;
        p.linear_step.gamma_up_dtod = 0.2;
        p.linear_step.mean_bound_reference = false;
        p.up_down = -0.1;
        sets.push(p);
        // SoftBounds without cycle-to-cycle noise or management, short trains.
        let mut p = base.clone();
        p.device = StepDevice::SoftBounds;
        p.dw_min_std = 0.0;
        p.update_management = false;
        p.update_bl_management = false;
        p.desired_bl = 10;
        p.dw_min = 0.004;
        sets.push(p);
        // ExpStep (aihwkit's defaults), negative asymmetry.
        let mut p = base.clone();
        p.device = StepDevice::ExpStep;
        p.up_down = -0.05;
        p.up_down_dtod = 0.05;
        sets.push(p);
        // PowStep with spread exponents and asymmetry.
        let mut p = base.clone();
        p.device = StepDevice::PowStep;
        p.pow_step.gamma = 1.7;
        p.pow_step.gamma_dtod = 0.2;
        p.pow_step.up_down = 0.15;
        p.pow_step.up_down_dtod = 0.05;
        p.dw_min = 0.003;
        sets.push(p);
        // PiecewiseStep with unequal nodes, no device-to-device spread of the bounds.
        let mut p = base;
        p.device = StepDevice::PiecewiseStep;
        p.piecewise_step.up = vec![1.3, 1.0, 0.7, 0.4, 0.1];
        p.piecewise_step.down = vec![0.2, 0.6, 0.9, 1.1, 1.4];
        p.w_min_dtod = 0.0;
        p.w_max_dtod = 0.0;
        p.dw_min = 0.002;
        sets.push(p);
        sets
    }

    /// `n` values in `[-1, 1]` from a phase `a`, every seventh one 0.
    fn wave(n: usize, a: f64) -> Vec<f64> {
        (0..n)
            .map(|k| {
                if k % 7 == 3 {
                    0.0
                } else {
                    ((k as f64 * a).sin() * 3.7).sin()
                }
            })
            .collect()
    }

    /// Conductances in `[GMIN, 1]`, a few at each end of the window.
    fn conductances(n: usize) -> Vec<f64> {
        (0..n)
            .map(|k| match k % 23 {
                0 => GMIN,
                1 => 1.0,
                _ => GMIN + (1.0 - GMIN) * (0.5 + 0.5 * (k as f64 * 0.913).sin()),
            })
            .collect()
    }

    /// The host request of one case: Outer (x, d, lr) or Dense (dw).
    enum Case {
        Outer { x: Vec<f64>, d: Vec<f64>, lr: f64 },
        Dense(Vec<f64>),
    }

    /// Writes `case` into `g0` (rows × cols, from cell `first`) on the CPU
    /// and on the device in `precision`; asserts the same bits and the same
    /// written flag, and returns (cells changed, written).
    #[allow(clippy::too_many_arguments)]
    fn compare(
        dev: &Arc<dyn Device>,
        model: &dyn DeviceUpdate,
        precision: Precision,
        g0: &[f64],
        first: usize,
        case: &Case,
        scale: f64,
        stream: &Stream,
        what: &str,
    ) -> (usize, bool) {
        let request = match case {
            Case::Outer { x, d, lr } => Request::Outer { x, d, lr: *lr },
            Case::Dense(dw) => Request::Dense(dw),
        };
        // The CPU's write, in the storage precision; the device's from the same bits.
        let (host, device_g, host_written) = match precision {
            Precision::F32 => {
                let mut g: Vec<f32> = g0.iter().map(|&v| v as f32).collect();
                let gd = Buffer::upload(dev, &g).unwrap();
                let w = model.write(CellsMut::Single(&mut g[first..]), first, &request, scale, stream);
                (g.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>(), gd, w)
            }
            Precision::F64 => {
                let mut g = g0.to_vec();
                let gd = Buffer::upload(dev, &g).unwrap();
                let w = model.write(CellsMut::Double(&mut g[first..]), first, &request, scale, stream);
                (g, gd, w)
            }
        };
        let target = Target {
            device: dev,
            g: &device_g,
            precision,
            cells: g0.len(),
            first,
        };
        let written = match case {
            Case::Outer { x, d, lr } => {
                let (xd, dd) = (Buffer::upload(dev, x).unwrap(), Buffer::upload(dev, d).unwrap());
                let r = DeviceRequest::Outer {
                    x: &xd,
                    d: &dd,
                    x_host: x,
                    d_host: d,
                    lr: *lr,
                };
                write(&target, &r, scale, model, stream).unwrap()
            }
            Case::Dense(dw) => {
                let dwd = Buffer::upload(dev, dw).unwrap();
                let r = DeviceRequest::Dense {
                    dw: &dwd,
                    cells: dw.len(),
                };
                write(&target, &r, scale, model, stream).unwrap()
            }
        };
        assert_eq!(written, Some(host_written), "{what}: written flag");
        let got: Vec<f64> = match precision {
            Precision::F32 => device_g.download::<f32>().unwrap().into_iter().map(f64::from).collect(),
            Precision::F64 => device_g.download::<f64>().unwrap(),
        };
        for (c, (a, b)) in got.iter().zip(&host).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{what}: cell {c}: device {a}, CPU {b}");
        }
        let changed = host
            .iter()
            .zip(g0)
            .filter(|(a, b)| match precision {
                Precision::F32 => **a != f64::from(**b as f32),
                Precision::F64 => a != b,
            })
            .count();
        (changed, written.unwrap())
    }

    /// Every step law and option, both precisions, Outer and Dense
    /// requests, from cell 0 and from cell `cols` (an offset core's first
    /// row left alone), positive and negative scales, three calls: the
    /// device's cells are the CPU's, bit for bit, on a 37 × 70 array.
    #[test]
    fn every_step_law_writes_the_cpu_bits() {
        let Some(dev) = device() else { return };
        let (rows, cols) = (37usize, 70usize);
        let g0 = conductances(rows * cols);
        for (n, p) in parameter_sets().iter().enumerate() {
            let m = model(p, GMIN);
            let (mut changed, mut untouched) = (0, 0);
            for precision in [Precision::F32, Precision::F64] {
                for first in [0, cols] {
                    let lines = rows - first / cols;
                    for (call, scale) in [(1u64, 0.8), (2, -1.3), (7, 1.0)] {
                        let stream = Stream::new(11 + n as u64, 3, Purpose::Update, call);
                        let x = wave(cols, 0.37 + call as f64);
                        let d = wave(lines, 0.71 * call as f64);
                        let outer = Case::Outer { x, d, lr: 0.02 };
                        let dw: Vec<f64> = wave(lines * cols, 0.53 + call as f64)
                            .iter()
                            .map(|v| 0.02 * v)
                            .collect();
                        for case in [outer, Case::Dense(dw)] {
                            let what = format!("set {n} ({:?}), {precision:?}, first {first}, call {call}", p.device);
                            let (c, w) = compare(&dev, m.as_ref(), precision, &g0, first, &case, scale, &stream, &what);
                            assert!(w, "{what}: nothing written");
                            changed += c;
                            untouched += rows * cols - c;
                        }
                    }
                }
            }
            assert!(
                changed > 1000 && untouched > 1000,
                "set {n}: {changed} changed, {untouched} not"
            );
        }
    }

    /// An array of 21,000 cells (the CPU writes it in parallel parts) and
    /// cells that saturate at the window's ends: still the CPU's bits.
    #[test]
    fn a_large_array_writes_the_cpu_bits() {
        let Some(dev) = device() else { return };
        let (rows, cols) = (150usize, 140usize);
        let g0 = conductances(rows * cols);
        for (n, p) in parameter_sets().iter().enumerate() {
            let m = model(p, GMIN);
            let stream = Stream::new(5, 1 + n as u32, Purpose::Update, 4);
            let precision = if n % 2 == 0 { Precision::F32 } else { Precision::F64 };
            let outer = Case::Outer {
                x: wave(cols, 1.3),
                d: wave(rows - 1, 0.4),
                lr: 0.3,
            };
            let dw: Vec<f64> = wave((rows - 1) * cols, 0.9).iter().map(|v| 0.3 * v).collect();
            for (case, scale) in [(outer, -1.0), (Case::Dense(dw), 1.0)] {
                let what = format!("large, set {n} ({:?}), {precision:?}", p.device);
                let (changed, _) = compare(&dev, m.as_ref(), precision, &g0, cols, &case, scale, &stream, &what);
                assert!(changed > 10_000, "{what}: {changed} cells changed");
            }
        }
    }

    /// Requests that write nothing: a zero rate, all-zero inputs or
    /// changes. The flag says so and no cell moves.
    #[test]
    fn empty_requests_write_nothing() {
        let Some(dev) = device() else { return };
        let (rows, cols) = (5usize, 6usize);
        let g0 = conductances(rows * cols);
        let m = model(&PulsedParams::default(), GMIN);
        let stream = Stream::new(1, 0, Purpose::Update, 1);
        let cases = [
            (
                Case::Outer {
                    x: wave(cols, 0.3),
                    d: wave(rows, 0.2),
                    lr: 0.0,
                },
                1.0,
            ),
            (
                Case::Outer {
                    x: vec![0.0; cols],
                    d: wave(rows, 0.2),
                    lr: 0.1,
                },
                1.0,
            ),
            (Case::Dense(vec![0.0; rows * cols]), 1.0),
            (Case::Dense(wave(rows * cols, 0.3)), 0.0),
        ];
        for (k, (case, scale)) in cases.iter().enumerate() {
            for precision in [Precision::F32, Precision::F64] {
                let (changed, written) = compare(
                    &dev,
                    m.as_ref(),
                    precision,
                    &g0,
                    0,
                    case,
                    *scale,
                    &stream,
                    &format!("case {k}"),
                );
                assert_eq!((changed, written), (0, false), "case {k}");
            }
        }
    }

    /// Models of other families are left to other writers.
    #[test]
    fn other_models_are_not_this_writer() {
        let ideal = crate::device::update::ideal::Ideal { gmin: GMIN };
        assert!(Model::of(&ideal).is_none());
        for p in parameter_sets() {
            assert!(Model::of(model(&p, GMIN).as_ref()).is_some(), "{:?}", p.device);
        }
    }

    /// A model's constants are uploaded once per device: equal models share
    /// the copy, other parameters or another device get their own.
    #[test]
    fn constants_are_uploaded_once_per_model_and_device() {
        let Some(dev) = device() else { return };
        let sets = parameter_sets();
        let of = |p: &PulsedParams| Model::of(model(p, GMIN).as_ref()).unwrap().values;
        let a = constants_on(&dev, &of(&sets[1])).unwrap();
        let b = constants_on(&dev, &of(&sets[1])).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = constants_on(&dev, &of(&sets[2])).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        let other = device().unwrap();
        let d = constants_on(&other, &of(&sets[1])).unwrap();
        assert!(!Arc::ptr_eq(&a, &d) && d.is_on(other.as_ref()));
        assert!(CONSTANTS.lock().unwrap().len() <= CACHED);
        // The layout the kernels read: the PiecewiseStep nodes after the law's counts.
        let v = of(&sets[6]);
        assert_eq!((v[LAW], v[LAW + 1]), (5.0, 5.0));
        assert_eq!(&v[NODES..NODES + 5], &sets[6].piecewise_step.up[..]);
        assert_eq!(&v[NODES + 5..], &sets[6].piecewise_step.down[..]);
    }
}
