//! A balanced block's whole read on the device: the block's inputs go up
//! once, the DAC, input slicing, the products of G+ and G− (or of their
//! difference), the column current limit, the combination, the ADC, the
//! Horner accumulation of input slices with its corrections and the scaling
//! to weight units run there, and only the outputs come back.
//!
//! Step for step this is `Balanced::run` and `Mapping::apply` (src/mapping/),
//! with the kernels of `kernels/periphery.cu` ([`super::periphery`]) in
//! place of the host loops, so it computes the same numbers: the periphery
//! in double precision, bit for bit; the products in the resident precision
//! (as every GPU read).
//!
//! With cost counting (`xbar.cost`) the DAC runs on the host, whose outputs
//! the counters need, and those go up in place of the inputs.
//!
//! [`balanced`] answers `None` for what has no device form yet, and the
//! caller then runs the host pipeline: per-output read noise, wire
//! resistance and nonlinear cells.

use super::device::{Buffer, Device};
use super::periphery::{self, CircuitBank, Rounding, Slicing};
use super::resident::{Precision, Resident};
use super::select::GpuBackend;
use crate::array::{Array, Op, ReadKey};
use crate::backend::BlockRead;
use crate::batch::Batch;
use crate::circuit::adc::Adc;
use crate::error::Result;
use crate::mapping::balanced::Balanced;
use crate::mapping::pair::Pair;
use crate::mapping::Mapping;
use crate::rng::identity;
use std::sync::Arc;

/// Which device copy a product reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Pos,
    Neg,
    /// `G+ − G−` of the fast balanced path.
    Difference,
}

/// The device copies a read uses, made or found by the backend that keeps them.
pub(crate) type Copies<'a> = dyn Fn(Part) -> Result<Arc<Resident>> + 'a;

/// Currents on the device: one value per output line, or G+ and G− apart.
enum Currents {
    One(Buffer),
    Two(Buffer, Buffer),
}

/// One read of a balanced block on the device.
struct Read<'a> {
    dev: &'a dyn Device,
    devs: &'a Arc<dyn Device>,
    pair: &'a Pair,
    op: Op,
    copies: &'a Copies<'a>,
    /// Vectors, inputs and outputs per vector.
    count: usize,
    n_in: usize,
    n_out: usize,
    precision: Precision,
}

/// The read of balanced block `b` for `read` on `gpu`, with its outputs in
/// weight units; `None` when a step has no device form (see the module).
pub(crate) fn balanced(
    gpu: &GpuBackend,
    block: &Mapping,
    b: &Balanced,
    read: &mut BlockRead,
    copies: &Copies,
) -> Result<Option<Batch>> {
    let pair = &b.pair;
    let plain = |a: &Array| a.wires.is_none() && a.iv.is_none();
    let noisy = pair.arrays().any(|a| a.noise.is_some());
    let per_output = pair.arrays().any(|a| a.noise.as_ref().is_some_and(|n| n.per_output));
    if !pair.arrays().all(plain) || per_output || (pair.fast.is_some() && noisy) {
        return Ok(None);
    }
    let x = read.inputs();
    if x.count == 0 {
        return Ok(None);
    }
    let devs = &gpu.gpu.device;
    let op = read.op;
    let per = b.periphery(op);
    let n_out = match op {
        Op::Mvm => pair.pos.rows,
        Op::Vmm => pair.pos.cols,
    };
    let r = Read {
        dev: devs.as_ref(),
        devs,
        pair,
        op,
        copies,
        count: x.count,
        n_in: x.len,
        n_out,
        precision: gpu.precision,
    };
    let adc = DeviceAdc::new(devs, &per.adcs[0], n_out)?;
    // DAC: on the device, or on the host when the cost counters need its outputs.
    let counted = match read.count {
        Some(_) => Some(block.dac_outputs(op, &x, read.s_in)),
        None => None,
    };
    let xd = match &counted {
        Some(xd) => Buffer::upload(devs, &xd.data)?,
        None => {
            let xd = Buffer::upload(devs, &x.data)?;
            let s_in = Buffer::upload(devs, read.s_in)?;
            periphery::dac(r.dev, &xd, &s_in, x.len, x.count, per.dac.levels())?;
            xd
        }
    };
    let key = read.key;
    let y = if !per.dac.bitslicing() {
        let mut c = r.currents(&xd, &key)?;
        r.digitise(&mut c, &adc, &key)?;
        r.combine(c)?
    } else {
        let (k, base, full, sign_magnitude) = per.dac.slicing();
        let slicing = Slicing {
            base,
            full,
            sign_magnitude,
        };
        let n = x.len * x.count;
        let shift = base;
        let mut acc: Option<Currents> = None;
        let xs = r.zeroed(n)?;
        for i in 0..k {
            periphery::slice(r.dev, &xd, &xs, n, i, slicing)?;
            let ks = ReadKey { slice: i as u32, ..key };
            let mut c = r.currents(&xs, &ks)?;
            if per.adc_per_ibit {
                r.digitise(&mut c, &adc, &ks)?;
            }
            acc = Some(r.horner(acc, c, shift)?);
        }
        let Some(acc) = acc else { return Ok(None) };
        let mb = per.dac.magnitude_bits() as i32;
        let s = per.dac.slice_size() as i32;
        let m = r.n_out * r.count;
        match acc {
            Currents::One(a) => {
                periphery::scale(r.dev, &a, m, 2f64.powi(s) - 1.0, 1.0)?;
                periphery::scale(r.dev, &a, m, 2f64.powi(s * k as i32 - mb), 1.0)?;
                periphery::scale(r.dev, &a, m, 2f64.powi(mb) / (2f64.powi(mb) - 1.0), 1.0)?;
                let mut c = Currents::One(a);
                if !per.adc_per_ibit {
                    r.digitise(&mut c, &adc, &key)?;
                }
                r.combine(c)?
            }
            Currents::Two(p, q) => {
                let (two_mb, f) = (2f64.powi(mb), (2f64.powi(s) - 1.0) * 2f64.powi(s * k as i32 - mb));
                for v in [&p, &q] {
                    periphery::scale(r.dev, v, m, two_mb, two_mb - 1.0)?;
                    periphery::scale(r.dev, v, m, f, 1.0)?;
                }
                let mut c = Currents::Two(p, q);
                if !per.adc_per_ibit {
                    r.digitise(&mut c, &adc, &key)?;
                }
                r.combine(c)?
            }
        }
    };
    let s_out = Buffer::upload(devs, read.s_out)?;
    periphery::scale_vectors(r.dev, &y, &s_out, n_out, x.count)?;
    let mut out = y.download::<f64>()?;
    out.truncate(n_out * x.count);
    if let (Some(c), Some(xd)) = (read.count.as_mut(), &counted) {
        c.count(block, op, xd, n_out)?;
    }
    Ok(Some(Batch::from_vec(n_out, x.count, out)))
}

impl Read<'_> {
    /// `n` zeroed doubles on the device.
    fn zeroed(&self, n: usize) -> Result<Buffer> {
        Buffer::zeroed(self.devs, 8 * n.max(1))
    }

    /// The currents of the DAC outputs `xd` (doubles): `Pair::currents`.
    fn currents(&self, xd: &Buffer, key: &ReadKey) -> Result<Currents> {
        let n_x = self.n_in * self.count;
        let xt = match self.precision {
            Precision::F64 => None,
            Precision::F32 => {
                let t = Buffer::zeroed(self.devs, 4 * n_x.max(1))?;
                periphery::narrow(self.dev, xd, &t, n_x)?;
                Some(t)
            }
        };
        let xt = xt.as_ref().unwrap_or(xd);
        let (pos, neg) = (&self.pair.pos, &self.pair.neg);
        if self.pair.fast.is_some() {
            let r = (self.copies)(Part::Difference)?;
            return Ok(Currents::One(self.wide(r.read_device(
                self.op,
                xt,
                self.count,
                None,
                key.streams(pos.id),
            )?)?));
        }
        let read = |part, a: &Array| -> Result<Buffer> {
            let r = (self.copies)(part)?;
            self.wide(r.read_device(self.op, xt, self.count, a.noise.as_ref(), key.streams(a.id))?)
        };
        let (p, n) = (read(Part::Pos, pos)?, read(Part::Neg, neg)?);
        let m = self.n_out * self.count;
        let limit = self.pair.icol_max;
        let clip = |b: &Buffer| {
            if limit > 0.0 {
                periphery::clip(self.dev, b, m, -limit, limit)
            } else {
                Ok(())
            }
        };
        if self.pair.interleaved {
            periphery::subtract(self.dev, &p, &n, m)?;
            clip(&p)?;
            return Ok(Currents::One(p));
        }
        clip(&p)?;
        clip(&n)?;
        if self.pair.subtract {
            periphery::subtract(self.dev, &p, &n, m)?;
            Ok(Currents::One(p))
        } else {
            Ok(Currents::Two(p, n))
        }
    }

    /// A product's currents in double precision.
    fn wide(&self, y: Buffer) -> Result<Buffer> {
        match self.precision {
            Precision::F64 => Ok(y),
            Precision::F32 => {
                let m = self.n_out * self.count;
                let w = self.zeroed(m)?;
                periphery::widen(self.dev, &y, &w, m)?;
                Ok(w)
            }
        }
    }

    /// Digitises each part (`Currents::digitise`: G+ as part 0, G− as part 1).
    fn digitise(&self, c: &mut Currents, adc: &DeviceAdc, key: &ReadKey) -> Result<()> {
        match c {
            Currents::One(a) => adc.convert(self, a, key, 0),
            Currents::Two(p, n) => {
                adc.convert(self, p, key, 0)?;
                adc.convert(self, n, key, 1)
            }
        }
    }

    /// One value per line (`Currents::combine`).
    fn combine(&self, c: Currents) -> Result<Buffer> {
        match c {
            Currents::One(a) => Ok(a),
            Currents::Two(p, n) => {
                periphery::subtract(self.dev, &p, &n, self.n_out * self.count)?;
                Ok(p)
            }
        }
    }

    /// One Horner step (`input_slicing::horner`): `(acc + r)/shift`, or `r/shift` first.
    fn horner(&self, acc: Option<Currents>, r: Currents, shift: f64) -> Result<Currents> {
        let m = self.n_out * self.count;
        let step = |a: &Buffer, r: &Buffer, first| periphery::horner_step(self.dev, a, r, m, shift, first);
        Ok(match (acc, r) {
            (None, Currents::One(r)) => {
                step(&r, &r, true)?;
                Currents::One(r)
            }
            (None, Currents::Two(p, n)) => {
                step(&p, &p, true)?;
                step(&n, &n, true)?;
                Currents::Two(p, n)
            }
            (Some(Currents::One(a)), Currents::One(r)) => {
                step(&a, &r, false)?;
                Currents::One(a)
            }
            (Some(Currents::Two(a, b)), Currents::Two(p, n)) => {
                step(&a, &p, false)?;
                step(&b, &n, false)?;
                Currents::Two(a, b)
            }
            _ => {
                return Err(crate::error::Error::Internal(
                    "input slices of one block gave currents of two forms".into(),
                ))
            }
        })
    }
}

/// An ADC as the device runs it.
enum DeviceAdc {
    Ideal,
    /// A uniform quantiser; with the converter's number for stochastic rounding.
    Levels(periphery::Levels, Option<u32>),
    Circuit(CircuitBank),
}

impl DeviceAdc {
    /// The device form of `adc`, for `lines` output lines.
    fn new(dev: &Arc<dyn Device>, adc: &Adc, lines: usize) -> Result<DeviceAdc> {
        Ok(match adc {
            Adc::Ideal => DeviceAdc::Ideal,
            Adc::Uniform(q) => DeviceAdc::Levels(q.levels(), None),
            Adc::Stochastic(q, id) => DeviceAdc::Levels(q.levels(), Some(*id)),
            Adc::Circuit(a) => DeviceAdc::Circuit(CircuitBank::upload(dev, a.as_ref(), lines)?),
        })
    }

    /// Digitises the currents `y` of read `key` in place (`Adc::convert`).
    fn convert(&self, r: &Read, y: &Buffer, key: &ReadKey, part: u32) -> Result<()> {
        let m = r.n_out * r.count;
        match self {
            DeviceAdc::Ideal => Ok(()),
            DeviceAdc::Levels(levels, None) => periphery::adc(r.dev, y, m, *levels, None),
            DeviceAdc::Levels(levels, Some(id)) => {
                let s = identity::adc_rounding(key.seed, *id, key.slice, part, key.call);
                let rounding = Rounding {
                    seed: key.seed,
                    field: s.array(),
                    call: key.call,
                };
                periphery::adc(r.dev, y, m, *levels, Some(rounding))
            }
            DeviceAdc::Circuit(bank) => bank.convert(r.dev, y, r.n_out, r.count),
        }
    }
}
