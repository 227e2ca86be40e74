//! Digital-to-analog converters (spec §8): the input vector, already scaled to
//! the DAC's range, is clipped and quantised; with input bit slicing it is
//! split into `slice_size`-bit slices applied one after another.

use crate::error::{Error, Result};
use crate::params::{DacModel, DacParams, InputMapping};
use crate::rounding::rint;
use crate::simd::clip;

/// A DAC ready to convert: its model, resolution and clip limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Dac {
    model: DacModel,
    bits: u32,
    signed: bool,
    slice_size: u32,
    bitslicing: bool,
    lo: f64,
    hi: f64,
    levels: f64,
}

impl Dac {
    /// Builds the DAC of one operation from its parameters and the input range.
    /// `path` is the dotted prefix (`xbar.dac.mvm`) used in messages.
    pub fn new(p: &DacParams, inputs: &InputMapping, path: &str) -> Result<Dac> {
        let percentile = inputs.percentile.is_some();
        let (imin, imax) = (inputs.min.unwrap_or(-1.0), inputs.max.unwrap_or(1.0));
        let range = imax - imin;
        let (lo, hi, levels) = match p.model {
            DacModel::Ideal => {
                if p.input_bitslicing {
                    return Err(Error::params(format!(
                        "{path}.input_bitslicing: IdealDAC cannot slice inputs; use QuantizerDAC or SignMagnitudeDAC"
                    )));
                }
                (f64::NEG_INFINITY, f64::INFINITY, 0.0)
            }
            DacModel::Quantizer => {
                let (lo, hi) = match (percentile, p.signed) {
                    (true, true) => (-1.0, 1.0),
                    (true, false) => (0.0, 1.0),
                    (false, true) => (2.0 * imin / range, 2.0 * imax / range),
                    (false, false) => (imin / range, imax / range),
                };
                if !p.signed && lo < 0.0 && p.bits > 0 {
                    return Err(Error::params(format!(
                        "{path}.signed: an unsigned QuantizerDAC needs a non-negative input range, got inputs [{imin}, {imax}]"
                    )));
                }
                if p.signed && p.input_bitslicing {
                    return Err(Error::params(format!(
                        "{path}.input_bitslicing: QuantizerDAC cannot slice signed inputs; use SignMagnitudeDAC"
                    )));
                }
                (lo, hi, 2f64.powi(p.bits as i32))
            }
            DacModel::SignMagnitude => {
                if !p.signed {
                    return Err(Error::params(format!(
                        "{path}.signed: SignMagnitudeDAC requires signed = true"
                    )));
                }
                if !percentile && imax != -imin {
                    return Err(Error::params(format!(
                        "{path}: SignMagnitudeDAC requires an input range symmetric about 0, got [{imin}, {imax}]"
                    )));
                }
                (-1.0, 1.0, 2f64.powi(p.bits as i32) - 1.0)
            }
        };
        Ok(Dac {
            model: p.model,
            bits: p.bits,
            signed: p.signed,
            slice_size: p.slice_size,
            bitslicing: p.input_bitslicing,
            lo,
            hi,
            levels,
        })
    }

    /// Whether inputs are applied bit-serially.
    pub fn bitslicing(&self) -> bool {
        self.bitslicing
    }

    /// Magnitude bits `mb` of a sliced input: `bits - 1` when signed, else `bits`.
    pub fn magnitude_bits(&self) -> u32 {
        if self.signed {
            self.bits.saturating_sub(1)
        } else {
            self.bits
        }
    }

    /// Bits per input slice.
    pub fn slice_size(&self) -> u32 {
        self.slice_size
    }

    /// Number of input slices `K = ceil(mb / slice_size)`.
    pub fn num_slices(&self) -> usize {
        self.magnitude_bits().div_ceil(self.slice_size) as usize
    }

    /// `v = src·s`, then [`Dac::convert`]: one vector's DAC outputs for
    /// inputs `src` scaled by `s` (the lengths must match).
    #[inline]
    pub fn scaled(&self, src: &[f64], s: f64, v: &mut [f64]) {
        for (e, &u) in v.iter_mut().zip(src) {
            *e = u * s;
        }
        self.convert(v);
    }

    /// Quantises in place: `u = clip(v, lo, hi)`, `q = (L - 1)/(hi - lo)`,
    /// `v = rint((u - lo)·q)/q + lo` with L levels (2^bits, or 2^bits - 1 for
    /// sign-magnitude) and round-half-even, in CrossSim's operation order.
    #[inline]
    pub fn convert(&self, v: &mut [f64]) {
        let Some((lo, hi, q)) = self.levels() else { return };
        for x in v {
            let mut u = clip(*x, lo, hi);
            u -= lo;
            u *= q;
            u = rint(u);
            u /= q;
            u += lo;
            *x = u;
        }
    }

    /// The quantiser `(lo, hi, q)` of [`Dac::convert`], `q = (L − 1)/(hi − lo)`;
    /// `None` when the DAC passes its inputs through (ideal, or 0 bits).
    pub(crate) fn levels(&self) -> Option<(f64, f64, f64)> {
        (self.model != DacModel::Ideal && self.bits != 0)
            .then(|| (self.lo, self.hi, (self.levels - 1.0) / (self.hi - self.lo)))
    }

    /// How [`Dac::slices`] cuts its inputs: `(K, 2^s, 2^mb − 1, sign-magnitude)`.
    pub(crate) fn slicing(&self) -> (usize, f64, f64, bool) {
        (
            self.num_slices(),
            2f64.powi(self.slice_size as i32),
            2f64.powi(self.magnitude_bits() as i32) - 1.0,
            self.model == DacModel::SignMagnitude,
        )
    }

    /// Splits an already quantised vector into `K` slices, least significant
    /// first. Slice k holds digit k (base 2^s) of the integer magnitude
    /// `X = rint(|v|·(2^mb - 1))`, scaled to [0, 1] by `1/(2^s - 1)` and given
    /// the sign of v (sign-magnitude; unsigned inputs are non-negative).
    pub fn slices(&self, v: &[f64]) -> Vec<Vec<f64>> {
        let (k, s, full, sign_magnitude) = self.slicing();
        let mut out = vec![vec![0.0; v.len()]; k];
        for (j, &x) in v.iter().enumerate() {
            let (mut mag, sign) = if sign_magnitude {
                (rint(x.abs() * full), signum0(x))
            } else {
                (rint(x * full), 1.0)
            };
            for slice in out.iter_mut() {
                let digit = mag.rem_euclid(s);
                slice[j] = (digit * sign) / (s - 1.0);
                mag = (mag / s).floor();
            }
        }
        out
    }
}

/// NumPy's `sign`: -1, 0 or 1.
fn signum0(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}
