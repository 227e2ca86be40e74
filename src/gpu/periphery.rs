//! The periphery of a read on the device (`kernels/periphery.cu`): the DAC,
//! input bit slices, the cost counters' array term of the DAC outputs, the
//! uniform and stochastic quantiser ADCs, the Horner
//! accumulation of slices, the combination of G+ and G− currents and the
//! scaling back to weight units, on batches held in device memory in double
//! precision. Each launcher checks every buffer's length against the sizes it
//! passes, so these safe functions cannot make a kernel index past an
//! allocation; each kernel computes what its CPU counterpart computes, bit
//! for bit (tested against them on the emulated device).

use super::device::{launch, Arg, Buffer, Device, Shape};
use crate::circuit::adc::circuit::{CircuitForm, Span};
use crate::circuit::adc::CircuitAdc;
use crate::cost::counts::ArrayTerm;
use crate::error::{Error, Result};
use std::sync::Arc;

/// Threads per block of the element-wise kernels.
const BLOCK: u32 = 256;

/// One thread per element for `n` elements.
fn shape(n: usize) -> Result<Shape> {
    let blocks = u32::try_from(n.div_ceil(BLOCK as usize))
        .map_err(|_| Error::shape(format!("{n} values are too many for one launch")))?;
    Ok(Shape {
        grid: (blocks.max(1), 1, 1),
        block: (BLOCK, 1, 1),
    })
}

/// A vector length as the kernels' `int`.
fn int(v: usize, what: &str) -> Result<i32> {
    i32::try_from(v).map_err(|_| Error::shape(format!("{what} {v} exceeds 2^31 - 1")))
}

/// Launches element-wise kernel `name` over `n` elements.
///
/// # Safety
/// Every buffer among `args` must hold the `n` (or, where the kernel says,
/// more) elements the kernel indexes.
unsafe fn run(dev: &dyn Device, name: &str, n: usize, args: &[Arg]) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    // SAFETY: the caller's promise on the buffers; the shape covers n elements
    // and every kernel returns for e >= n.
    unsafe { launch(dev, name, shape(n)?, args) }
}

/// A quantiser's `(lo, hi, q)`: `L` levels on `[lo, hi]`, `q = (L − 1)/(hi − lo)`.
pub(crate) type Levels = (f64, f64, f64);

/// The DAC of `count` vectors of `len` values in `x` (double): each value of
/// vector b times `scale[b]`, then quantised with `levels` when given
/// (`Mapping::dac_outputs`).
pub(crate) fn dac(
    dev: &dyn Device,
    x: &Buffer,
    scale: &Buffer,
    len: usize,
    count: usize,
    levels: Option<Levels>,
) -> Result<()> {
    let n = len * count;
    x.holds(n, 8, "dac: inputs")?;
    scale.holds(count, 8, "dac: scales")?;
    let (lo, hi, q) = levels.unwrap_or((0.0, 0.0, 0.0));
    let args = [
        Arg::Buf(x),
        Arg::Buf(scale),
        Arg::U64(n as u64),
        Arg::I32(int(len.max(1), "dac: vector length")?),
        Arg::I32(i32::from(levels.is_some())),
        Arg::F64(lo),
        Arg::F64(hi),
        Arg::F64(q),
    ];
    // SAFETY: x holds n values and scale one per vector (checked above).
    unsafe { run(dev, "xbar_dac_convert", n, &args) }
}

/// How a DAC cuts its outputs into input bit slices: base `2^s`, magnitudes
/// `rint(|v|·full)` with `full = 2^mb − 1`, signed (sign-magnitude) or not.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slicing {
    pub base: f64,
    pub full: f64,
    pub sign_magnitude: bool,
}

/// Input slice `k` (least significant first) of the `n` quantised DAC
/// outputs `xd`, written to `out` (`Dac::slices`).
pub(crate) fn slice(dev: &dyn Device, xd: &Buffer, out: &Buffer, n: usize, k: usize, s: Slicing) -> Result<()> {
    xd.holds(n, 8, "dac slice: inputs")?;
    out.holds(n, 8, "dac slice: outputs")?;
    let args = [
        Arg::Buf(xd),
        Arg::Buf(out),
        Arg::U64(n as u64),
        Arg::I32(int(k, "dac slice: index")?),
        Arg::F64(s.base),
        Arg::F64(s.full),
        Arg::I32(i32::from(s.sign_magnitude)),
    ];
    // SAFETY: xd and out hold n values (checked above).
    unsafe { run(dev, "xbar_dac_slice", n, &args) }
}

/// The cost counters' array term of each of `count` vectors of `len` DAC
/// outputs `xd` against the conductance sums `sums` of the `len` input lines,
/// into `out` (one double per vector): [`ArrayTerm::vector`] bit for bit,
/// eight threads per vector in its order of additions.
pub(crate) fn dac_energy(
    dev: &dyn Device,
    xd: &Buffer,
    sums: &Buffer,
    out: &Buffer,
    len: usize,
    count: usize,
    form: ArrayTerm,
) -> Result<()> {
    xd.holds(len * count, 8, "dac energy: outputs")?;
    sums.holds(len, 8, "dac energy: line sums")?;
    out.holds(count, 8, "dac energy: energies")?;
    let threads = count
        .checked_mul(8)
        .ok_or_else(|| Error::shape(format!("dac energy: {count} vectors are too many")))?;
    let (sliced, full, size, digits, sign_magnitude, top2) = match form {
        ArrayTerm::Squares => (false, 0.0, 0, 0, false, 1.0),
        ArrayTerm::Slices {
            full,
            size,
            count,
            sign_magnitude,
            top2,
        } => (true, full, size, count, sign_magnitude, top2),
    };
    let args = [
        Arg::Buf(xd),
        Arg::Buf(sums),
        Arg::Buf(out),
        Arg::I32(int(len, "dac energy: vector length")?),
        Arg::I32(int(count, "dac energy: vectors")?),
        Arg::I32(i32::from(sliced)),
        Arg::F64(full),
        Arg::I32(int(size as usize, "dac energy: slice size")?),
        Arg::I32(int(digits, "dac energy: slices")?),
        Arg::I32(i32::from(sign_magnitude)),
        Arg::F64(top2),
    ];
    // SAFETY: xd holds len·count values, sums len and out count (checked
    // above); the launch's blocks of 256 threads are whole warps and groups
    // of eight, as the kernel needs.
    unsafe { run(dev, "xbar_dac_energy", threads, &args) }
}

/// The stream of stochastic ADC rounding: the core seed, the stream's array
/// field (`identity::adc_rounding`) and the read call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rounding {
    pub seed: u64,
    pub field: u32,
    pub call: u64,
}

/// Quantises the `n` values of `y` in place: round half to even, or
/// stochastic rounding with element k's uniform of `rounding`
/// (`Adc::convert` for `Uniform` and `Stochastic`).
pub(crate) fn adc(dev: &dyn Device, y: &Buffer, n: usize, levels: Levels, rounding: Option<Rounding>) -> Result<()> {
    y.holds(n, 8, "adc: values")?;
    if rounding.is_some() && n as u64 > u64::from(u32::MAX) + 1 {
        return Err(Error::shape(format!("adc: {n} stochastic roundings exceed 2^32")));
    }
    let (lo, hi, q) = levels;
    match rounding {
        // SAFETY: y holds n values (checked above).
        None => unsafe {
            run(
                dev,
                "xbar_adc_uniform",
                n,
                &[Arg::Buf(y), Arg::U64(n as u64), Arg::F64(lo), Arg::F64(hi), Arg::F64(q)],
            )
        },
        // SAFETY: y holds n values (checked above).
        Some(r) => unsafe {
            run(
                dev,
                "xbar_adc_stochastic",
                n,
                &[
                    Arg::Buf(y),
                    Arg::U64(n as u64),
                    Arg::F64(lo),
                    Arg::F64(hi),
                    Arg::F64(q),
                    Arg::U64(r.seed),
                    Arg::U32(r.field),
                    Arg::U64(r.call),
                ],
            )
        },
    }
}

/// A circuit ADC bank (SAR, ramp, pipeline or cyclic) with its tables on the
/// device, for batches of at most `lines` output lines per vector.
#[derive(Debug)]
pub(crate) struct CircuitBank {
    form: CircuitForm,
    span: Span,
    lines: usize,
    table: Buffer,
    offsets: Buffer,
}

impl CircuitBank {
    /// Uploads the tables of `adc`, built for `lines` output lines; checks
    /// that they are as long as the kernel indexes them.
    pub(crate) fn upload(dev: &Arc<dyn Device>, adc: &dyn CircuitAdc, lines: usize) -> Result<CircuitBank> {
        let form = adc.device_form();
        let span = *adc.span();
        let b = span.bits as usize;
        if b > 0 {
            let converters = lines.div_ceil(form.group.max(1));
            let (table, offsets) = match form.kind {
                1 | 2 => (1usize << b, if form.kind == 1 { converters } else { lines }),
                _ => (converters * 5 * (b - 1), converters),
            };
            if form.group == 0 || form.table.len() < table || form.offsets.len() < offsets {
                return Err(Error::Internal(format!(
                    "circuit ADC of kind {}: tables of {} and {} values for {lines} lines",
                    form.kind,
                    form.table.len(),
                    form.offsets.len()
                )));
            }
        }
        // Empty tables still get one value, so that the buffers exist.
        let or_one = |v: &[f64]| if v.is_empty() { vec![0.0] } else { v.to_vec() };
        Ok(CircuitBank {
            table: Buffer::upload(dev, &or_one(&form.table))?,
            offsets: Buffer::upload(dev, &or_one(&form.offsets))?,
            form,
            span,
            lines,
        })
    }

    /// Converts `count` vectors of `len` output lines in `y` in place
    /// (`Adc::convert` for a circuit ADC).
    pub(crate) fn convert(&self, dev: &dyn Device, y: &Buffer, len: usize, count: usize) -> Result<()> {
        if len > self.lines {
            return Err(Error::Internal(format!(
                "circuit ADC built for {} lines converts vectors of {len}",
                self.lines
            )));
        }
        let n = len * count;
        y.holds(n, 8, "circuit adc: values")?;
        let args = [
            Arg::Buf(y),
            Arg::U64(n as u64),
            Arg::I32(int(len.max(1), "circuit adc: vector length")?),
            Arg::I32(self.form.kind),
            Arg::I32(self.span.bits as i32),
            Arg::F64(self.span.min),
            Arg::F64(self.span.max),
            Arg::F64(self.span.vref),
            Arg::I32(int(self.form.group, "circuit adc: group")?),
            Arg::Buf(&self.table),
            Arg::Buf(&self.offsets),
            Arg::I32(i32::from(self.form.monotone)),
        ];
        // SAFETY: y holds n values (checked above); the tables hold what the
        // kernel indexes for `lines` ≥ len lines (checked in `upload`).
        unsafe { run(dev, "xbar_adc_circuit", n, &args) }
    }
}

/// One Horner step over input slices: `acc = (first ? r : acc + r)/shift`.
pub(crate) fn horner_step(dev: &dyn Device, acc: &Buffer, r: &Buffer, n: usize, shift: f64, first: bool) -> Result<()> {
    acc.holds(n, 8, "horner: accumulator")?;
    r.holds(n, 8, "horner: slice")?;
    let args = [
        Arg::Buf(acc),
        Arg::Buf(r),
        Arg::U64(n as u64),
        Arg::F64(shift),
        Arg::I32(i32::from(first)),
    ];
    // SAFETY: both hold n values (checked above).
    unsafe { run(dev, "xbar_horner_step", n, &args) }
}

/// `pos −= neg` over `n` values (`Currents::combine`).
pub(crate) fn subtract(dev: &dyn Device, pos: &Buffer, neg: &Buffer, n: usize) -> Result<()> {
    pos.holds(n, 8, "subtract: G+ currents")?;
    neg.holds(n, 8, "subtract: G- currents")?;
    // SAFETY: both hold n values (checked above).
    unsafe {
        run(
            dev,
            "xbar_subtract",
            n,
            &[Arg::Buf(pos), Arg::Buf(neg), Arg::U64(n as u64)],
        )
    }
}

/// Clips the `n` values of `y` to `[lo, hi]` (NaN passes through).
pub(crate) fn clip(dev: &dyn Device, y: &Buffer, n: usize, lo: f64, hi: f64) -> Result<()> {
    y.holds(n, 8, "clip: values")?;
    // SAFETY: y holds n values (checked above).
    unsafe {
        run(
            dev,
            "xbar_clip",
            n,
            &[Arg::Buf(y), Arg::U64(n as u64), Arg::F64(lo), Arg::F64(hi)],
        )
    }
}

/// `v ← v·m` (`d = 1`) or `v ← (v·m)/d` for the `n` values of `y`.
pub(crate) fn scale(dev: &dyn Device, y: &Buffer, n: usize, m: f64, d: f64) -> Result<()> {
    y.holds(n, 8, "scale: values")?;
    // SAFETY: y holds n values (checked above).
    unsafe {
        run(
            dev,
            "xbar_scale",
            n,
            &[Arg::Buf(y), Arg::U64(n as u64), Arg::F64(m), Arg::F64(d)],
        )
    }
}

/// `a ← a + f·b` over `n` values (the sum of weight slices).
pub(crate) fn add_scaled(dev: &dyn Device, a: &Buffer, b: &Buffer, n: usize, f: f64) -> Result<()> {
    a.holds(n, 8, "add: sum")?;
    b.holds(n, 8, "add: term")?;
    // SAFETY: both hold n values (checked above).
    unsafe {
        run(
            dev,
            "xbar_add_scaled",
            n,
            &[Arg::Buf(a), Arg::Buf(b), Arg::U64(n as u64), Arg::F64(f)],
        )
    }
}

/// The sum of each of `count` vectors of `len` values of `x` into `sums`
/// (`Batch::sums`).
pub(crate) fn vector_sums(dev: &dyn Device, x: &Buffer, sums: &Buffer, len: usize, count: usize) -> Result<()> {
    x.holds(len * count, 8, "sums: values")?;
    sums.holds(count, 8, "sums: sums")?;
    let args = [
        Arg::Buf(x),
        Arg::Buf(sums),
        Arg::I32(int(len, "sums: vector length")?),
        Arg::I32(int(count, "sums: vectors")?),
    ];
    // SAFETY: x holds len·count values and sums count (checked above); one
    // thread per vector.
    unsafe { run(dev, "xbar_vector_sums", count, &args) }
}

/// `v ← v − f·sums[b]` for every value of vector b of `y` (`Batch::subtract_per_vector`).
pub(crate) fn subtract_sums(
    dev: &dyn Device,
    y: &Buffer,
    sums: &Buffer,
    len: usize,
    count: usize,
    f: f64,
) -> Result<()> {
    let n = len * count;
    y.holds(n, 8, "subtract sums: values")?;
    sums.holds(count, 8, "subtract sums: sums")?;
    let args = [
        Arg::Buf(y),
        Arg::Buf(sums),
        Arg::U64(n as u64),
        Arg::I32(int(len.max(1), "subtract sums: vector length")?),
        Arg::F64(f),
    ];
    // SAFETY: y holds n values and sums one per vector (checked above).
    unsafe { run(dev, "xbar_subtract_sums", n, &args) }
}

/// Each of `count` vectors of `len ≥ 1` values of `y` less its first, without
/// it, into `out` (`len − 1` per vector, `Batch::minus_first`).
pub(crate) fn minus_first(dev: &dyn Device, y: &Buffer, out: &Buffer, len: usize, count: usize) -> Result<()> {
    let n = len.saturating_sub(1) * count;
    y.holds(len * count, 8, "minus first: values")?;
    out.holds(n, 8, "minus first: outputs")?;
    let args = [
        Arg::Buf(y),
        Arg::Buf(out),
        Arg::U64(n as u64),
        Arg::I32(int(len, "minus first: length")?),
    ];
    // SAFETY: y holds len·count values and out (len − 1)·count (checked above).
    unsafe { run(dev, "xbar_minus_first", n, &args) }
}

/// Each of `count` vectors of `len` values of `x` with a 0 before it, into
/// `out` (`len + 1` per vector, `Batch::with_leading_zero`).
pub(crate) fn leading_zero(dev: &dyn Device, x: &Buffer, out: &Buffer, len: usize, count: usize) -> Result<()> {
    let n = (len + 1) * count;
    x.holds(len * count, 8, "leading zero: values")?;
    out.holds(n, 8, "leading zero: outputs")?;
    let args = [
        Arg::Buf(x),
        Arg::Buf(out),
        Arg::U64(n as u64),
        Arg::I32(int(len, "leading zero: length")?),
    ];
    // SAFETY: x holds len·count values and out (len + 1)·count (checked above).
    unsafe { run(dev, "xbar_leading_zero", n, &args) }
}

/// Every value of vector b (of `count` vectors of `len`) times `f[b]`.
pub(crate) fn scale_vectors(dev: &dyn Device, y: &Buffer, f: &Buffer, len: usize, count: usize) -> Result<()> {
    let n = len * count;
    y.holds(n, 8, "scale: values")?;
    f.holds(count, 8, "scale: factors")?;
    let args = [
        Arg::Buf(y),
        Arg::Buf(f),
        Arg::U64(n as u64),
        Arg::I32(int(len.max(1), "scale: vector length")?),
    ];
    // SAFETY: y holds n values and f one per vector (checked above).
    unsafe { run(dev, "xbar_scale_vectors", n, &args) }
}

/// `n` single-precision values of `from` widened into the doubles of `to`.
pub(crate) fn widen(dev: &dyn Device, from: &Buffer, to: &Buffer, n: usize) -> Result<()> {
    from.holds(n, 4, "widen: floats")?;
    to.holds(n, 8, "widen: doubles")?;
    // SAFETY: from holds n floats and to n doubles (checked above).
    unsafe {
        run(
            dev,
            "xbar_widen_f32",
            n,
            &[Arg::Buf(from), Arg::Buf(to), Arg::U64(n as u64)],
        )
    }
}

/// `n` doubles of `from` rounded into the single-precision values of `to`.
pub(crate) fn narrow(dev: &dyn Device, from: &Buffer, to: &Buffer, n: usize) -> Result<()> {
    from.holds(n, 8, "narrow: doubles")?;
    to.holds(n, 4, "narrow: floats")?;
    // SAFETY: from holds n doubles and to n floats (checked above).
    unsafe {
        run(
            dev,
            "xbar_narrow_f32",
            n,
            &[Arg::Buf(from), Arg::Buf(to), Arg::U64(n as u64)],
        )
    }
}

#[cfg(test)]
mod tests {
    //! Each kernel against its CPU counterpart on the emulated device, bit
    //! for bit, on values that include rounding ties, both ends of the range,
    //! values outside it, signed zeros and NaN.
    use super::super::emulated::test_device as device;
    use super::*;
    use crate::circuit::adc::quantizer::Quantizer;
    use crate::circuit::dac::Dac;
    use crate::params::{DacModel, DacParams, InputMapping};
    use crate::rng::identity;

    /// `n` values spread over [-1.5, 1.5] with the awkward ones first.
    fn values(n: usize) -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            1.0 / 3.0,
            2.0 / 7.0,
            f64::NAN,
        ];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        while v.len() < n {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            v.push(3.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 1.5);
        }
        v.truncate(n);
        v
    }

    /// Bitwise equality (NaN equal to NaN of the same bits).
    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    fn dacs() -> Vec<Dac> {
        let mut out = Vec::new();
        for (model, signed, slicing) in [
            (DacModel::Quantizer, true, false),
            (DacModel::Quantizer, false, true),
            (DacModel::SignMagnitude, true, true),
            (DacModel::Ideal, true, false),
        ] {
            for bits in [1, 4, 8] {
                let p = DacParams {
                    model,
                    bits,
                    signed,
                    input_bitslicing: slicing,
                    slice_size: if bits >= 4 { 2 } else { 1 },
                };
                let inputs = InputMapping {
                    min: Some(if signed { -1.0 } else { 0.0 }),
                    max: Some(1.0),
                    ..InputMapping::default()
                };
                out.push(Dac::new(&p, &inputs, "xbar.dac.mvm").unwrap());
            }
        }
        out
    }

    #[test]
    fn dac_matches_the_cpu() {
        let Some(dev) = device() else { return };
        let (len, count) = (37, 5);
        let scale: Vec<f64> = (0..count).map(|b| 0.5 + 0.25 * b as f64).collect();
        let x = values(len * count);
        for dac in dacs() {
            let mut want = x.clone();
            for (b, v) in want.chunks_mut(len).enumerate() {
                v.iter_mut().for_each(|e| *e *= scale[b]);
                dac.convert(v);
            }
            let xb = Buffer::upload(&dev, &x).unwrap();
            let sb = Buffer::upload(&dev, &scale).unwrap();
            super::dac(dev.as_ref(), &xb, &sb, len, count, dac.levels()).unwrap();
            assert!(same(&xb.download::<f64>().unwrap(), &want), "{dac:?}");
        }
    }

    #[test]
    fn slices_match_the_cpu() {
        let Some(dev) = device() else { return };
        for dac in dacs().into_iter().filter(|d| d.bitslicing()) {
            // Quantised inputs in the DAC's range, as slicing sees them.
            let mut x: Vec<f64> = values(200).into_iter().filter(|v| !v.is_nan()).collect();
            x.iter_mut().for_each(|v| *v = v.clamp(-1.0, 1.0));
            if dac.levels().is_some_and(|(lo, _, _)| lo >= 0.0) {
                x.iter_mut().for_each(|v| *v = v.abs());
            }
            dac.convert(&mut x);
            let (_, base, full, sign_magnitude) = dac.slicing();
            let s = Slicing {
                base,
                full,
                sign_magnitude,
            };
            let xb = Buffer::upload(&dev, &x).unwrap();
            for (k, want) in dac.slices(&x).iter().enumerate() {
                let out = Buffer::zeroed(&dev, 8 * x.len()).unwrap();
                slice(dev.as_ref(), &xb, &out, x.len(), k, s).unwrap();
                assert!(same(&out.download::<f64>().unwrap(), want), "slice {k} of {dac:?}");
            }
        }
    }

    /// The array term of the cost counters, per vector, on lengths that are
    /// and are not whole chunks of eight (1, 7, 8, 9, 1031) and on 33
    /// vectors (groups of eight threads across two blocks of 256): the CPU's
    /// bits for plain and sliced DACs, and within 1e-12 of a plain
    /// left-to-right sum (the eight partial sums reorder the additions of
    /// non-negative terms: a relative error of a few ulps per addition).
    #[test]
    fn dac_energies_match_the_cpu() {
        use crate::batch::Batch;
        use crate::cost::counts::{vector_energies, weighted_squares, ArrayTerm};
        let Some(dev) = device() else { return };
        let mut forms = 0;
        for dac in dacs() {
            for (len, count) in [(1, 3), (7, 2), (8, 33), (9, 4), (1031, 3)] {
                let mut x = values(len * count + 1)[1..].to_vec();
                if dac.bitslicing() && dac.levels().is_some_and(|(lo, _, _)| lo >= 0.0) {
                    x.iter_mut().for_each(|v| *v = v.abs());
                }
                for v in x.chunks_mut(len) {
                    dac.convert(v);
                }
                // Conductance sums: non-negative, a zero among them, no NaN.
                let sums: Vec<f64> = values(len + 5)[5..]
                    .iter()
                    .map(|v| if v.is_nan() { 0.0 } else { 4.0 * v.abs() })
                    .collect();
                let xd = Batch::from_vec(len, count, x.clone());
                let want = vector_energies(&dac, &xd, &sums);
                let form = ArrayTerm::of(&dac);
                let (xb, sb) = (Buffer::upload(&dev, &x).unwrap(), Buffer::upload(&dev, &sums).unwrap());
                let out = Buffer::zeroed(&dev, 8 * count).unwrap();
                dac_energy(dev.as_ref(), &xb, &sb, &out, len, count, form).unwrap();
                let got = out.download::<f64>().unwrap();
                assert!(same(&got, &want), "{dac:?}, {len} x {count}: {got:?} vs {want:?}");
                for (b, &e) in got.iter().enumerate() {
                    let v = xd.vector(b);
                    if v.iter().any(|x| x.is_nan()) {
                        continue; // NaN inputs: the bits above, no plain sum
                    }
                    let plain: f64 = match form {
                        ArrayTerm::Squares => {
                            assert_eq!(e.to_bits(), weighted_squares(v, &sums).to_bits(), "{dac:?}");
                            v.iter().zip(&sums).map(|(a, g)| a * a * g).sum()
                        }
                        ArrayTerm::Slices { .. } => {
                            let slices = dac.slices(v);
                            let per_line = |j: usize| slices.iter().map(|s| s[j] * s[j]).sum::<f64>();
                            (0..len).map(|j| per_line(j) * sums[j]).sum::<f64>()
                        }
                    };
                    assert!(
                        (e - plain).abs() <= 1e-12 * plain.abs(),
                        "{dac:?}, vector {b}: {e} vs {plain}"
                    );
                }
            }
            forms += usize::from(matches!(ArrayTerm::of(&dac), ArrayTerm::Slices { .. }));
        }
        assert!(forms >= 2, "sliced DACs are exercised");
        // A line sum short of the vector length is refused.
        let (xb, sb) = (
            Buffer::upload(&dev, &[0.5; 12]).unwrap(),
            Buffer::upload(&dev, &[1.0; 5]).unwrap(),
        );
        let out = Buffer::zeroed(&dev, 16).unwrap();
        let e = dac_energy(dev.as_ref(), &xb, &sb, &out, 6, 2, ArrayTerm::Squares).unwrap_err();
        assert!(e.to_string().contains("line sums"), "{e}");
    }

    #[test]
    fn adcs_match_the_cpu() {
        let Some(dev) = device() else { return };
        let x = values(999);
        for (levels, min, max) in [(256.0, -1.0, 1.0), (255.0, -0.75, 0.75), (8.0, 0.0, 1.25)] {
            let q = Quantizer::new(levels, min, max);
            let want: Vec<f64> = x.iter().map(|&v| q.convert(v)).collect();
            let y = Buffer::upload(&dev, &x).unwrap();
            adc(dev.as_ref(), &y, x.len(), q.levels(), None).unwrap();
            assert!(
                same(&y.download::<f64>().unwrap(), &want),
                "uniform {levels} on [{min}, {max}]"
            );
            // Stochastic rounding: bank 3, slice 2, the G- part, call 41.
            let (seed, call) = (0xC0FFEE, 41);
            let stream = identity::adc_rounding(seed, 3, 2, 1, call);
            let want: Vec<f64> = x
                .iter()
                .enumerate()
                .map(|(k, &v)| q.convert_stochastic(v, stream.uniform_at(k as u64)))
                .collect();
            let y = Buffer::upload(&dev, &x).unwrap();
            let r = Rounding {
                seed,
                field: stream.array(),
                call,
            };
            adc(dev.as_ref(), &y, x.len(), q.levels(), Some(r)).unwrap();
            assert!(same(&y.download::<f64>().unwrap(), &want), "stochastic {levels}");
        }
    }

    #[test]
    fn circuit_adcs_match_the_cpu() {
        use crate::circuit::adc::{cyclic::CyclicAdc, mismatch::StageMismatch, pipeline::PipelineAdc};
        use crate::circuit::adc::{ramp::RampAdc, sar::SarAdc};
        let Some(dev) = device() else { return };
        let (len, count, group, bits) = (10usize, 7, 3usize, 5u32);
        let converters = len.div_ceil(group);
        // Inputs past both ends of the range; mismatch as spec draws would make it.
        let x: Vec<f64> = values(len * count).iter().map(|v| 0.8 * v).collect();
        let noise = |n: usize, sd: f64, skip: usize| -> Vec<f64> {
            values(n + skip + 11)[skip + 11..].iter().map(|v| sd * v).collect()
        };
        let stages = |n: usize, sd: f64| {
            let mut m = StageMismatch::ideal(converters, n);
            m.offsets = noise(m.offsets.len(), 0.02, 1);
            m.c1.iter_mut()
                .zip(noise(converters * n, sd, 2))
                .for_each(|(c, e)| *c += e);
            m.c2.iter_mut()
                .zip(noise(converters * n, sd, 3))
                .for_each(|(c, e)| *c += e);
            m.cpar = noise(converters * n, sd, 4).iter().map(|v| v.abs()).collect();
            m
        };
        let caps = noise(bits as usize + 1, 0.05, 5);
        let adcs: Vec<Box<dyn CircuitAdc>> = vec![
            Box::new(SarAdc::new(
                bits,
                -0.7,
                0.9,
                60.0,
                false,
                group,
                &caps,
                &noise(converters, 0.01, 6),
                len,
            )),
            Box::new(SarAdc::new(
                bits,
                -1.0,
                1.0,
                f64::INFINITY,
                true,
                group,
                &caps,
                &noise(converters, 0.01, 7),
                len,
            )),
            Box::new(RampAdc::new(bits, -1.0, 1.0, 40.0, true, &caps, &noise(len, 0.01, 8))),
            // Large capacitor errors: levels out of order (the linear search).
            Box::new(RampAdc::new(
                bits,
                -1.0,
                1.0,
                40.0,
                false,
                &noise(bits as usize + 1, 0.4, 9),
                &noise(len, 0.01, 10),
            )),
            Box::new(PipelineAdc::new(
                bits,
                -1.0,
                1.0,
                50.0,
                group,
                len,
                &stages(bits as usize - 1, 0.05),
            )),
            Box::new(CyclicAdc::new(bits, -0.6, 0.6, 50.0, group, len, &stages(1, 0.05))),
        ];
        let mut nonmonotone = 0;
        for adc in &adcs {
            let form = adc.device_form();
            nonmonotone += usize::from(form.kind == 2 && !form.monotone);
            let want: Vec<f64> = x.iter().enumerate().map(|(e, &v)| adc.convert(v, e % len)).collect();
            let bank = CircuitBank::upload(&dev, adc.as_ref(), len).unwrap();
            let y = Buffer::upload(&dev, &x).unwrap();
            bank.convert(dev.as_ref(), &y, len, count).unwrap();
            assert!(same(&y.download::<f64>().unwrap(), &want), "{adc:?}");
        }
        assert_eq!(nonmonotone, 1, "the out-of-order ramp case is exercised");
        // A bank built for fewer lines refuses longer vectors.
        let bank = CircuitBank::upload(&dev, adcs[0].as_ref(), 4).unwrap();
        let y = Buffer::upload(&dev, &x).unwrap();
        assert!(bank.convert(dev.as_ref(), &y, len, count).is_err());
    }

    #[test]
    fn recombination_steps_match_the_cpu() {
        let Some(dev) = device() else { return };
        let (len, count) = (13, 3);
        let n = len * count;
        let (a, b, c) = (values(n), values(2 * n)[n..].to_vec(), values(3 * n)[2 * n..].to_vec());
        // Horner over three slices of base 4: ((a/4 + b)/4 + c)/4.
        let want: Vec<f64> = (0..n).map(|e| ((a[e] / 4.0 + b[e]) / 4.0 + c[e]) / 4.0).collect();
        let acc = Buffer::zeroed(&dev, 8 * n).unwrap();
        for (k, r) in [&a, &b, &c].into_iter().enumerate() {
            let rb = Buffer::upload(&dev, r).unwrap();
            horner_step(dev.as_ref(), &acc, &rb, n, 4.0, k == 0).unwrap();
        }
        assert!(same(&acc.download::<f64>().unwrap(), &want));
        // G+ − G−, then a factor per vector.
        let f = [0.5, -3.0, 1.0 / 3.0];
        let want: Vec<f64> = (0..n).map(|e| (a[e] - b[e]) * f[e / len]).collect();
        let (p, m, fb) = (
            Buffer::upload(&dev, &a).unwrap(),
            Buffer::upload(&dev, &b).unwrap(),
            Buffer::upload(&dev, &f).unwrap(),
        );
        subtract(dev.as_ref(), &p, &m, n).unwrap();
        scale_vectors(dev.as_ref(), &p, &fb, len, count).unwrap();
        let want: Vec<f64> = want.iter().zip(&c).map(|(&w, &t)| w + 0.25 * t).collect();
        let cb = Buffer::upload(&dev, &c).unwrap();
        add_scaled(dev.as_ref(), &p, &cb, n, 0.25).unwrap();
        assert!(same(&p.download::<f64>().unwrap(), &want));
        // Vector sums, an offset per vector, the first line taken off, a zero line added.
        let xb = crate::batch::Batch::from_vec(len, count, a.clone());
        let sums_want = xb.sums();
        let mut off = xb.clone();
        off.subtract_per_vector(&sums_want, 0.75);
        let (ab, sb) = (
            Buffer::upload(&dev, &a).unwrap(),
            Buffer::zeroed(&dev, 8 * count).unwrap(),
        );
        vector_sums(dev.as_ref(), &ab, &sb, len, count).unwrap();
        assert!(same(&sb.download::<f64>().unwrap(), &sums_want));
        subtract_sums(dev.as_ref(), &ab, &sb, len, count, 0.75).unwrap();
        assert!(same(&ab.download::<f64>().unwrap(), &off.data));
        let mf = Buffer::zeroed(&dev, 8 * (len - 1) * count).unwrap();
        minus_first(dev.as_ref(), &ab, &mf, len, count).unwrap();
        assert!(same(&mf.download::<f64>().unwrap(), &off.minus_first().data));
        let lz = Buffer::zeroed(&dev, 8 * (len + 1) * count).unwrap();
        leading_zero(dev.as_ref(), &ab, &lz, len, count).unwrap();
        assert!(same(&lz.download::<f64>().unwrap(), &off.with_leading_zero().data));
        // Clipping (NaN kept) and factors, plain and with a divisor.
        let v = values(n);
        let want: Vec<f64> = v.iter().map(|&x| ((x.clamp(-0.5, 0.5) * 3.0) * 7.0) / 5.0).collect();
        let vb = Buffer::upload(&dev, &v).unwrap();
        clip(dev.as_ref(), &vb, n, -0.5, 0.5).unwrap();
        scale(dev.as_ref(), &vb, n, 3.0, 1.0).unwrap();
        scale(dev.as_ref(), &vb, n, 7.0, 5.0).unwrap();
        assert!(same(&vb.download::<f64>().unwrap(), &want));
        // Single precision and back.
        let narrowed = Buffer::zeroed(&dev, 4 * n).unwrap();
        narrow(dev.as_ref(), &vb, &narrowed, n).unwrap();
        let wide = Buffer::zeroed(&dev, 8 * n).unwrap();
        widen(dev.as_ref(), &narrowed, &wide, n).unwrap();
        let want: Vec<f64> = want.iter().map(|&v| v as f32 as f64).collect();
        assert!(same(&wide.download::<f64>().unwrap(), &want));
    }

    #[test]
    fn short_buffers_are_refused() {
        let Some(dev) = device() else { return };
        let small = Buffer::zeroed(&dev, 8 * 4).unwrap();
        let scale = Buffer::zeroed(&dev, 8).unwrap();
        let e = super::dac(dev.as_ref(), &small, &scale, 5, 1, None).unwrap_err();
        assert!(e.to_string().contains("cannot hold 5 values"), "{e}");
        let e = super::dac(dev.as_ref(), &small, &scale, 2, 2, None).unwrap_err();
        assert!(e.to_string().contains("dac: scales"), "{e}");
        let e = subtract(dev.as_ref(), &small, &scale, 4).unwrap_err();
        assert!(e.to_string().contains("G- currents"), "{e}");
        let e = widen(dev.as_ref(), &small, &small, 5).unwrap_err();
        assert!(e.to_string().contains("widen"), "{e}");
    }
}
