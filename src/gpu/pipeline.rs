//! A balanced, OFFSET or bit-sliced block's whole read on the device: the block's
//! inputs go up once, the DAC, input slicing, the products of G+ and G− (or
//! of their difference), the column current limit, the combination, the
//! ADC, the Horner accumulation of input slices with its corrections, the
//! recombination of weight slices and the scaling to weight units run there,
//! and only the outputs come back.
//!
//! Step for step this is `Balanced::run`, `Offset::run`, `BitSliced::run` and
//! `Mapping::apply` (src/mapping/),
//! with the kernels of `kernels/periphery.cu` ([`super::periphery`]) in
//! place of the host loops, so it computes the same numbers: the periphery
//! in double precision, bit for bit; the products in the resident precision
//! (as every GPU read).
//!
//! With cost counting (`xbar.cost`, the default) the DAC still runs on the
//! device: the counters need of its outputs only the array term `Σ v²·S_j`
//! per vector (`cost::counts::ArrayTerm`), which a kernel computes there from
//! the DAC outputs and the block's input-line conductance sums (`n_in`
//! doubles, uploaded with the inputs), in the CPU's order of additions; one
//! double per vector comes back with the outputs, and the rest of the count
//! follows from the read's shapes (`BlockCount::count_energies`).
//!
//! A pair read as its difference (`Pair::fast`) takes both arrays'
//! per-output read noise on that one product, on the device.
//!
//! [`block`] answers `None` for what has no device form yet, and the caller
//! then runs the host pipeline: wire resistance (whose reads the backend
//! then solves on the device, `gpu::parasitics`) and nonlinear cells.

use super::device::{Buffer, Device};
use super::periphery::{self, CircuitBank, Rounding, Slicing};
use super::resident::{Precision, Resident};
use super::select::GpuBackend;
use crate::array::{Array, Op, ReadKey};
use crate::backend::BlockRead;
use crate::batch::Batch;
use crate::circuit::adc::{Adc, CircuitAdc};
use crate::cost::counts::ArrayTerm;
use crate::device::cells::ReadNoise;
use crate::error::Result;
use crate::mapping::pair::Pair;
use crate::mapping::{Mapping, Periphery};
use crate::rng::identity;
use std::sync::{Arc, Mutex};

/// Which device copy a product reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part<'a> {
    /// One array.
    Array(&'a Array),
    /// `G+ − G−` of a pair's fast path (taken in single precision when the flag is set).
    Difference(&'a Array, &'a Array, bool),
}

/// The device copies a read uses, made or found by the backend that keeps them.
pub(crate) type Copies<'a> = dyn Fn(Part) -> Result<Arc<Resident>> + 'a;

/// Currents on the device: one value per output line, or G+ and G− apart.
enum Currents {
    One(Buffer),
    Two(Buffer, Buffer),
}

/// One read of a block on the device.
struct Read<'a> {
    dev: &'a dyn Device,
    devs: &'a Arc<dyn Device>,
    op: Op,
    copies: &'a Copies<'a>,
    /// Vectors, inputs and outputs per vector.
    count: usize,
    n_in: usize,
    n_out: usize,
    precision: Precision,
}

/// How the accumulated input slices are corrected: `input_slicing::correct`
/// on each part (bit-sliced weights), or `correct_posneg` where a balanced
/// block keeps G+ and G− apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Correction {
    Plain,
    PosNeg,
}

/// The read of `block` for `read` on `gpu`, with its outputs in weight
/// units: a balanced or OFFSET block, or a bit-sliced one of balanced or
/// offset slices; `None` when a step has no device form (see the module).
pub(crate) fn block(
    gpu: &GpuBackend,
    block: &Mapping,
    read: &mut BlockRead,
    copies: &Copies,
    banks: &Banks,
) -> Result<Option<Batch>> {
    let op = read.op;
    // Balanced pairs, or the offset weight slices of a bit-sliced block
    // (with their unit line and column current limit).
    let (pairs, offsets): (Vec<&Pair>, _) = match block {
        Mapping::Balanced(b) => (vec![&b.pair], None),
        Mapping::BitSliced(s) => match s.pairs() {
            Some(p) => (p, None),
            None => match s.offset_slices() {
                Some(o) => (Vec::new(), Some(o)),
                None => return Ok(None),
            },
        },
        Mapping::Offset(_) => (Vec::new(), None),
    };
    let plain = |a: &Array| a.wires.is_none() && a.iv.is_none();
    for pair in &pairs {
        // A pair read as its difference takes per-output noise only.
        let cell_noise = pair.arrays().any(|a| a.noise.as_ref().is_some_and(|n| !n.per_output));
        if !pair.arrays().all(plain) || (pair.fast.is_some() && cell_noise) {
            return Ok(None);
        }
    }
    if offsets
        .as_ref()
        .is_some_and(|(arrays, _, _)| !arrays.iter().all(|a| plain(a)))
    {
        return Ok(None);
    }
    // The first array read, whose outputs are the block's raw output lines.
    let first = match (block, &offsets) {
        (Mapping::Offset(o), _) if !plain(&o.array) => return Ok(None),
        (Mapping::Offset(o), _) => &o.array,
        (_, Some((arrays, _, _))) => arrays[0],
        _ => &pairs[0].pos,
    };
    // Wire resistance makes `plain` false above; its counts need the DAC
    // outputs (`source_power`), so such a count stays on the host in any case.
    if read.count.as_ref().is_some_and(|c| c.nets.is_some()) {
        return Ok(None);
    }
    let x = read.inputs();
    if x.count == 0 {
        return Ok(None);
    }
    let devs = &gpu.gpu.device;
    let per = block.periphery(op);
    let n_out = match op {
        Op::Mvm => first.rows,
        Op::Vmm => first.cols,
    };
    let r = Read {
        dev: devs.as_ref(),
        devs,
        op,
        copies,
        count: x.count,
        n_in: x.len,
        n_out,
        precision: gpu.precision,
    };
    let adcs = per
        .adcs
        .iter()
        .map(|a| DeviceAdc::new(devs, a, n_out, banks))
        .collect::<Result<Vec<_>>>()?;
    // DAC on the device; the cost counters' array term of its outputs there
    // too, one double per vector.
    let xd = Buffer::upload(devs, &x.data)?;
    let s_in = Buffer::upload(devs, read.s_in)?;
    periphery::dac(r.dev, &xd, &s_in, x.len, x.count, per.dac.levels())?;
    let energies = match &read.count {
        Some(c) => {
            let sums = Buffer::upload(devs, c.line_sums)?;
            let e = r.zeroed(x.count)?;
            periphery::dac_energy(r.dev, &xd, &sums, &e, x.len, x.count, ArrayTerm::of(&per.dac))?;
            Some(e)
        }
        None => None,
    };
    let key = read.key;
    let y = match block {
        Mapping::BitSliced(s) => {
            // bitsliced.rs's Recombination: each slice in units of the
            // range, their sum by place value, then `·(2^b_s − 1)`, `/2^B`,
            // `/((2^(B−1) − 1)/2^(B−1))` and `·grange`, each rounded as there.
            // Offset slices read without a unit line take `gmin·Σx` off each
            // slice (before `/grange`) and `2^(B−1)·Σx` off the sum (after
            // `·(2^b_s − 1)`); with one (MVM) each slice's unit line is
            // subtracted from its other lines.
            let rec = s.recombination();
            let (gmin, grange, full, top, shrink) = rec.factors();
            let m = n_out * x.count;
            let unit_line = offsets.as_ref().is_some_and(|o| o.1 && op == Op::Mvm);
            let lines = if unit_line { n_out - 1 } else { n_out };
            let ml = lines * x.count;
            let sums = match (&offsets, unit_line) {
                (Some(_), false) => {
                    let sums = r.zeroed(x.count)?;
                    periphery::vector_sums(r.dev, &xd, &sums, x.len, x.count)?;
                    Some(sums)
                }
                _ => None,
            };
            let slices = offsets.as_ref().map_or(pairs.len(), |o| o.0.len());
            let mut out: Option<Buffer> = None;
            for i in 0..slices {
                let c = match &offsets {
                    Some((arrays, unit_column, limit)) => {
                        r.sliced(per, &xd, &key, &adcs[i], Correction::Plain, &|x, k| {
                            r.offset_currents(arrays[i], x, k, *unit_column, *limit)
                        })?
                    }
                    None => r.sliced(per, &xd, &key, &adcs[i], Correction::Plain, &|x, k| {
                        r.currents(pairs[i], x, k)
                    })?,
                };
                let mut o = r.finish(c, (!per.adc_per_ibit).then_some(&adcs[i]), &key)?;
                if gmin > 0.0 {
                    if let Some(sums) = &sums {
                        periphery::subtract_sums(r.dev, &o, sums, n_out, x.count, gmin)?;
                    }
                    periphery::scale(r.dev, &o, m, 1.0, grange)?;
                }
                if unit_line {
                    let u = r.zeroed(ml)?;
                    periphery::minus_first(r.dev, &o, &u, n_out, x.count)?;
                    o = u;
                }
                match &out {
                    None => out = Some(o),
                    Some(acc) => periphery::add_scaled(r.dev, acc, &o, ml, rec.weight(i))?,
                }
            }
            let Some(out) = out else { return Ok(None) };
            periphery::scale(r.dev, &out, ml, full, 1.0)?;
            if let Some(sums) = &sums {
                periphery::subtract_sums(r.dev, &out, sums, lines, x.count, 0.5 * top)?;
            }
            periphery::scale(r.dev, &out, ml, 1.0, top)?;
            periphery::scale(r.dev, &out, ml, 1.0, shrink)?;
            if gmin > 0.0 {
                periphery::scale(r.dev, &out, ml, grange, 1.0)?;
            }
            out
        }
        Mapping::Offset(o) => {
            // offset.rs: the array's clipped currents (a VMM input leaves the
            // unit line undriven), digitised, then the unit line or the
            // offset `(g0 + wr/2)·Σx` taken off.
            let (g0, wr, unit_column, limit) = o.numbers();
            let currents = |xs: &Buffer, k: &ReadKey| r.offset_currents(first, xs, k, unit_column, limit);
            let c = r.sliced(per, &xd, &key, &adcs[0], Correction::Plain, &currents)?;
            let last = (!per.dac.bitslicing() || !per.adc_per_ibit).then_some(&adcs[0]);
            let y = r.finish(c, last, &key)?;
            if unit_column && op == Op::Mvm {
                let out = r.zeroed((n_out - 1) * x.count)?;
                periphery::minus_first(r.dev, &y, &out, n_out, x.count)?;
                out
            } else {
                let sums = r.zeroed(x.count)?;
                periphery::vector_sums(r.dev, &xd, &sums, x.len, x.count)?;
                periphery::subtract_sums(r.dev, &y, &sums, n_out, x.count, g0 + 0.5 * wr)?;
                y
            }
        }
        _ => {
            let c = r.sliced(per, &xd, &key, &adcs[0], Correction::PosNeg, &|x, k| {
                r.currents(pairs[0], x, k)
            })?;
            let last = (!per.dac.bitslicing() || !per.adc_per_ibit).then_some(&adcs[0]);
            r.finish(c, last, &key)?
        }
    };
    // A unit line's output is gone from the block's outputs.
    let len = match (block, &offsets) {
        (Mapping::Offset(o), _) if o.numbers().2 && op == Op::Mvm => n_out - 1,
        (Mapping::BitSliced(_), Some((_, true, _))) if op == Op::Mvm => n_out - 1,
        _ => n_out,
    };
    let s_out = Buffer::upload(devs, read.s_out)?;
    periphery::scale_vectors(r.dev, &y, &s_out, len, x.count)?;
    let mut out = y.download::<f64>()?;
    out.truncate(len * x.count);
    if let (Some(c), Some(e)) = (read.count.as_mut(), energies) {
        let mut e = e.download::<f64>()?;
        e.truncate(x.count);
        c.count_energies(block, op, &e, x.len, len)?;
    }
    Ok(Some(Batch::from_vec(len, x.count, out)))
}

impl Read<'_> {
    /// `n` zeroed doubles on the device.
    fn zeroed(&self, n: usize) -> Result<Buffer> {
        Buffer::zeroed(self.devs, 8 * n.max(1))
    }

    /// The currents of `pair` for the DAC outputs (or an input slice) `xd`,
    /// in input slices with their Horner accumulation and corrections when
    /// the DAC slices its inputs, each slice digitised by `adc` when the
    /// periphery has an ADC per input slice (`SlicedInputs::read`).
    fn sliced(
        &self,
        per: &Periphery,
        xd: &Buffer,
        key: &ReadKey,
        adc: &DeviceAdc,
        fix: Correction,
        currents: &dyn Fn(&Buffer, &ReadKey) -> Result<Currents>,
    ) -> Result<Currents> {
        if !per.dac.bitslicing() {
            return currents(xd, key);
        }
        let (k, base, full, sign_magnitude) = per.dac.slicing();
        let slicing = Slicing {
            base,
            full,
            sign_magnitude,
        };
        let n = self.n_in * self.count;
        let xs = self.zeroed(n)?;
        let mut acc: Option<Currents> = None;
        for i in 0..k {
            periphery::slice(self.dev, xd, &xs, n, i, slicing)?;
            let ks = ReadKey {
                slice: i as u32,
                ..*key
            };
            let mut c = currents(&xs, &ks)?;
            if per.adc_per_ibit {
                self.digitise(&mut c, adc, &ks)?;
            }
            acc = Some(self.horner(acc, c, base)?);
        }
        let acc = acc.ok_or_else(|| crate::error::Error::Internal("a sliced DAC has at least one slice".into()))?;
        let mb = per.dac.magnitude_bits() as i32;
        let s = per.dac.slice_size() as i32;
        let m = self.n_out * self.count;
        let plain = |v: &Buffer| -> Result<()> {
            periphery::scale(self.dev, v, m, 2f64.powi(s) - 1.0, 1.0)?;
            periphery::scale(self.dev, v, m, 2f64.powi(s * k as i32 - mb), 1.0)?;
            periphery::scale(self.dev, v, m, 2f64.powi(mb) / (2f64.powi(mb) - 1.0), 1.0)
        };
        let posneg = |v: &Buffer| -> Result<()> {
            let two_mb = 2f64.powi(mb);
            periphery::scale(self.dev, v, m, two_mb, two_mb - 1.0)?;
            periphery::scale(self.dev, v, m, (2f64.powi(s) - 1.0) * 2f64.powi(s * k as i32 - mb), 1.0)
        };
        match (&acc, fix) {
            (Currents::One(a), _) => plain(a)?,
            (Currents::Two(p, q), Correction::Plain) => {
                plain(p)?;
                plain(q)?;
            }
            (Currents::Two(p, q), Correction::PosNeg) => {
                posneg(p)?;
                posneg(q)?;
            }
        }
        Ok(acc)
    }

    /// Digitises with `adc` when given, then one value per line.
    fn finish(&self, mut c: Currents, adc: Option<&DeviceAdc>, key: &ReadKey) -> Result<Buffer> {
        if let Some(adc) = adc {
            self.digitise(&mut c, adc, key)?;
        }
        self.combine(c)
    }

    /// The currents of array `part` (its read noise `noise`, stream id `id`)
    /// for the `len` inputs per vector of `x` (doubles), in double precision:
    /// the inputs rounded to the resident precision, the product there.
    fn product(
        &self,
        part: Part,
        noise: Option<&ReadNoise>,
        id: u32,
        x: &Buffer,
        len: usize,
        key: &ReadKey,
    ) -> Result<Buffer> {
        self.product_with(part, noise, &[], id, x, len, key)
    }

    /// [`Read::product`] with the per-output read noise of the arrays
    /// `noisy` added to the currents in the resident precision, from the
    /// stream of `id` (`Pair::currents` of a pair read as its difference:
    /// both arrays' noise on the one product).
    #[allow(clippy::too_many_arguments)]
    fn product_with(
        &self,
        part: Part,
        noise: Option<&ReadNoise>,
        noisy: &[&Array],
        id: u32,
        x: &Buffer,
        len: usize,
        key: &ReadKey,
    ) -> Result<Buffer> {
        let n = len * self.count;
        let narrowed = match self.precision {
            Precision::F64 => None,
            Precision::F32 => {
                let t = Buffer::zeroed(self.devs, 4 * n.max(1))?;
                periphery::narrow(self.dev, x, &t, n)?;
                Some(t)
            }
        };
        let r = (self.copies)(part)?;
        let x = narrowed.as_ref().unwrap_or(x);
        let y = r.read_device(self.op, x, self.count, noise, key.streams(id))?;
        if !noisy.is_empty() {
            let copies = noisy
                .iter()
                .map(|a| (self.copies)(Part::Array(a)))
                .collect::<Result<Vec<_>>>()?;
            let noises: Vec<_> = copies
                .iter()
                .zip(noisy)
                .filter_map(|(c, a)| a.noise.as_ref().map(|n| (c.as_ref(), n)))
                .collect();
            r.add_output_noise(self.op, x, &y, self.count, &noises, key.streams(id))?;
        }
        self.wide(y)
    }

    /// The clipped currents of the offset array `a` for the DAC outputs (or
    /// an input slice) `xs` (`Offset::currents`, `BitSliced::currents`): a
    /// VMM input leaves the unit line, when there is one, undriven.
    fn offset_currents(&self, a: &Array, xs: &Buffer, k: &ReadKey, unit_column: bool, limit: f64) -> Result<Currents> {
        let y = if unit_column && self.op == Op::Vmm {
            let z = self.zeroed((self.n_in + 1) * self.count)?;
            periphery::leading_zero(self.dev, xs, &z, self.n_in, self.count)?;
            self.product(Part::Array(a), a.noise.as_ref(), a.id, &z, self.n_in + 1, k)?
        } else {
            self.product(Part::Array(a), a.noise.as_ref(), a.id, xs, self.n_in, k)?
        };
        if limit > 0.0 {
            periphery::clip(self.dev, &y, self.n_out * self.count, -limit, limit)?;
        }
        Ok(Currents::One(y))
    }

    /// The currents of `pair` for the DAC outputs `xd` (doubles): `Pair::currents`.
    fn currents(&self, pair: &Pair, xd: &Buffer, key: &ReadKey) -> Result<Currents> {
        let (pos, neg, len) = (&pair.pos, &pair.neg, self.n_in);
        if let Some(f) = &pair.fast {
            // A pair read as its difference has at most per-output noise.
            let noisy: Vec<&Array> = pair.arrays().filter(|a| a.noise.is_some()).collect();
            let part = Part::Difference(pos, neg, f.single);
            let y = self.product_with(part, None, &noisy, pos.id, xd, len, key)?;
            return Ok(Currents::One(y));
        }
        let read = |a: &Array| self.product(Part::Array(a), a.noise.as_ref(), a.id, xd, len, key);
        let (p, n) = (read(pos)?, read(neg)?);
        let m = self.n_out * self.count;
        let limit = pair.icol_max;
        let clip = |b: &Buffer| {
            if limit > 0.0 {
                periphery::clip(self.dev, b, m, -limit, limit)
            } else {
                Ok(())
            }
        };
        if pair.interleaved {
            periphery::subtract(self.dev, &p, &n, m)?;
            clip(&p)?;
            return Ok(Currents::One(p));
        }
        clip(&p)?;
        clip(&n)?;
        if pair.subtract {
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
    Circuit(Arc<CircuitBank>),
}

impl DeviceAdc {
    /// The device form of `adc`, for `lines` output lines.
    fn new(dev: &Arc<dyn Device>, adc: &Adc, lines: usize, banks: &Banks) -> Result<DeviceAdc> {
        Ok(match adc {
            Adc::Ideal => DeviceAdc::Ideal,
            Adc::Uniform(q) => DeviceAdc::Levels(q.levels(), None),
            Adc::Stochastic(q, id) => DeviceAdc::Levels(q.levels(), Some(*id)),
            Adc::Circuit(a) => DeviceAdc::Circuit(banks.get(dev, a, lines)?),
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

/// The circuit ADC tables a backend keeps on its device: one bank per
/// converter (and line count), uploaded at its first read, so that later
/// reads move only their inputs and outputs. A bank whose converter no
/// block holds any more is dropped at the next upload.
#[derive(Debug, Default)]
pub(crate) struct Banks(Mutex<Vec<Kept>>);

/// A converter, the output lines its bank was built for, and the bank.
type Kept = (Arc<dyn CircuitAdc>, usize, Arc<CircuitBank>);

impl Banks {
    /// The bank of `adc` for `lines` output lines on `dev`.
    fn get(&self, dev: &Arc<dyn Device>, adc: &Arc<dyn CircuitAdc>, lines: usize) -> Result<Arc<CircuitBank>> {
        let mut banks = self
            .0
            .lock()
            .map_err(|_| crate::error::Error::Internal("GPU ADC tables poisoned".into()))?;
        let same = |a: &Arc<dyn CircuitAdc>| std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(adc));
        if let Some((_, _, b)) = banks.iter().find(|(a, l, _)| same(a) && *l == lines) {
            return Ok(b.clone());
        }
        banks.retain(|(a, _, _)| Arc::strong_count(a) > 1);
        let b = Arc::new(CircuitBank::upload(dev, adc.as_ref(), lines)?);
        banks.push((adc.clone(), lines, b.clone()));
        Ok(b)
    }
}
