//! Bit-serial inputs (spec §5.2 B): each input slice is read separately and the
//! results are accumulated Horner-style, least significant slice first,
//! dividing by 2^s after every slice; correction factors then restore the
//! product with the quantised input.

use super::currents::Currents;
use crate::array::ReadKey;
use crate::batch::Batch;
use crate::circuit::adc::Adc;
use crate::circuit::dac::Dac;
use crate::error::{Error, Result};

/// A batch of DAC outputs cut into input bit slices, and how to undo the
/// slicing: the one input-slicing path of every mapping (balanced, offset and
/// each weight slice of a bit-sliced block).
pub struct SlicedInputs {
    /// `slices[k]` holds slice k of every vector.
    slices: Vec<Batch>,
    /// Bits per slice `s`.
    size: u32,
    /// Magnitude bits `mb` of the DAC.
    magnitude_bits: u32,
}

impl SlicedInputs {
    /// The slices of the DAC outputs `xd` of `dac` (a DAC with input bit slicing).
    pub fn new(dac: &Dac, xd: &Batch) -> SlicedInputs {
        SlicedInputs {
            slices: slice_batch(dac, xd),
            size: dac.slice_size(),
            magnitude_bits: dac.magnitude_bits(),
        }
    }

    /// Reads every slice through `read` (all slices as one batch when
    /// `batched`: the read does not depend on its key), digitises each slice's
    /// currents with `per_ibit` when the periphery has an ADC per input bit,
    /// and accumulates them Horner-style ([`horner`]).
    pub fn read(
        &self,
        key: ReadKey,
        batched: bool,
        per_ibit: Option<&Adc>,
        read: impl Fn(&Batch, &ReadKey) -> Result<Currents>,
    ) -> Result<Currents> {
        let reads = slice_currents(&self.slices, key, batched, read)?;
        horner(
            self.size,
            reads.into_iter().enumerate().map(|(i, mut c)| {
                if let Some(adc) = per_ibit {
                    c.digitise(adc, &slice_key(key, i));
                }
                c
            }),
        )
    }

    /// The corrections of accumulated currents ([`correct`]).
    pub fn correct(&self, acc: &mut Batch) {
        correct(acc, self.size, self.slices.len(), self.magnitude_bits);
    }

    /// The corrections in the order of separately digitised G+ and G−
    /// currents ([`correct_posneg`]).
    pub fn correct_posneg(&self, acc: &mut Batch) {
        correct_posneg(acc, self.size, self.slices.len(), self.magnitude_bits);
    }
}

/// The sliced form of a batch of DAC outputs: `slices[k]` holds slice k of every vector.
pub(crate) fn slice_batch(dac: &Dac, xd: &Batch) -> Vec<Batch> {
    let k = dac.num_slices();
    let mut out: Vec<Batch> = (0..k).map(|_| Batch::zeros(xd.len, xd.count)).collect();
    for b in 0..xd.count {
        for (slice, values) in out.iter_mut().zip(dac.slices(xd.vector(b))) {
            slice.vector_mut(b).copy_from_slice(&values);
        }
    }
    out
}

/// The currents of every input slice: `read(slices[k], key of slice k)`. When
/// `batched` (the read does not depend on its key: no read noise, no wires),
/// all slices go through the arrays as one batch, so that each conductance is
/// fetched once for all of them; the results are the same bits either way.
fn slice_currents(
    slices: &[Batch],
    key: ReadKey,
    batched: bool,
    read: impl Fn(&Batch, &ReadKey) -> Result<Currents>,
) -> Result<Vec<Currents>> {
    if !batched || slices.len() < 2 {
        return (0..slices.len())
            .map(|k| read(&slices[k], &slice_key(key, k)))
            .collect();
    }
    let count = slices[0].count;
    let all = read(&Batch::concat(slices), &key)?;
    let split = |b: Batch| b.split(count);
    Ok(match all {
        Currents::One(a) => split(a).into_iter().map(Currents::One).collect(),
        Currents::Two(p, n) => split(p)
            .into_iter()
            .zip(split(n))
            .map(|(p, n)| Currents::Two(p, n))
            .collect(),
    })
}

/// The key of input slice `k` of the read `key`.
fn slice_key(key: ReadKey, k: usize) -> ReadKey {
    ReadKey { slice: k as u32, ..key }
}

/// `acc_0 = r_0 / 2^s`, `acc_k = (acc_{k-1} + r_k) / 2^s` over the slice results `r_k`.
fn horner(slice_size: u32, reads: impl IntoIterator<Item = Currents>) -> Result<Currents> {
    let shift = 2f64.powi(slice_size as i32);
    let mut acc: Option<Currents> = None;
    for r in reads {
        let mut a = match acc {
            None => r,
            Some(mut a) => {
                a.add(&r);
                a
            }
        };
        a.each(|b| b.map(|v| v / shift));
        acc = Some(a);
    }
    acc.ok_or_else(|| Error::Internal("a sliced DAC has at least one slice".into()))
}

/// The three corrections after Horner accumulation, in CrossSim's order:
/// `·(2^s - 1)`, `·2^(s·K - mb)`, `·2^mb/(2^mb - 1)`.
fn correct(acc: &mut Batch, slice_size: u32, num_slices: usize, mb: u32) {
    let s = slice_size as i32;
    let a = 2f64.powi(s) - 1.0;
    let b = 2f64.powi(s * num_slices as i32 - mb as i32);
    let c = 2f64.powi(mb as i32) / (2f64.powi(mb as i32) - 1.0);
    acc.map(|v| v * a);
    acc.map(|v| v * b);
    acc.map(|v| v * c);
}

/// The corrections in the order CrossSim's balanced core uses when G+ and G-
/// are digitised separately: `(v·2^mb)/(2^mb - 1)`, then `·((2^s - 1)·2^(s·K - mb))`.
fn correct_posneg(acc: &mut Batch, slice_size: u32, num_slices: usize, mb: u32) {
    let s = slice_size as i32;
    let m = 2f64.powi(mb as i32);
    let f = (2f64.powi(s) - 1.0) * 2f64.powi(s * num_slices as i32 - mb as i32);
    acc.map(|v| (v * m) / (m - 1.0));
    acc.map(|v| v * f);
}
