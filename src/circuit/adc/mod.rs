//! ADC models. Quantizer and sign-magnitude are ideal uniform quantisers;
//! ramp, SAR, pipeline and cyclic are circuit models with finite op-amp gain
//! and component mismatch. An [`Adc`] converts a batch of column currents, one
//! output line per vector entry.

pub mod circuit;
pub mod cyclic;
pub mod mismatch;
pub mod pipeline;
pub mod quantizer;
pub mod ramp;
pub mod range;
pub mod sar;

use crate::array::ReadKey;
use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::params::{AdcModel, AdcParams};
use crate::rng::{identity, Stream};
pub use circuit::CircuitAdc;
use cyclic::CyclicAdc;
use mismatch::Normals;
use pipeline::PipelineAdc;
use quantizer::Quantizer;
use ramp::RampAdc;
pub use range::{adc_range, RangeContext};
use sar::SarAdc;
use std::sync::Arc;

/// Largest resolution of the circuit models, which tabulate every code.
const CIRCUIT_MAX_BITS: u32 = 16;

/// One operation's ADC (or bank of ADCs, one per output line), with its range.
#[derive(Debug, Clone)]
pub enum Adc {
    /// No quantisation.
    Ideal,
    /// A uniform quantiser (QuantizerADC or SignMagnitudeADC).
    Uniform(Quantizer),
    /// A uniform quantiser with stochastic rounding; the number identifies
    /// the ADC bank in its random streams.
    Stochastic(Quantizer, u32),
    /// A ramp, SAR, pipeline or cyclic converter.
    Circuit(Arc<dyn CircuitAdc>),
}

impl Adc {
    /// Builds the ADC described by `p` for the context `ctx`; `n_lines` is the
    /// number of output lines it digitises. Component mismatch is drawn from
    /// `draws` (stream purpose AdcMismatch); `id` names the bank in the
    /// stochastic-rounding streams. `path` prefixes error messages.
    pub fn new(p: &AdcParams, ctx: &RangeContext, n_lines: usize, draws: Stream, id: u32, path: &str) -> Result<Adc> {
        if p.model == AdcModel::Ideal || p.bits == 0 {
            return Ok(Adc::Ideal);
        }
        let (min, max) = adc_range(p, ctx, path)?;
        let levels = 2f64.powi(p.bits as i32);
        let bits = p.bits;
        let circuit = matches!(
            p.model,
            AdcModel::Ramp | AdcModel::Sar | AdcModel::Pipeline | AdcModel::Cyclic
        );
        if circuit && bits > CIRCUIT_MAX_BITS {
            return Err(Error::params(format!(
                "{path}.bits: circuit ADC models take at most {CIRCUIT_MAX_BITS} bits, got {bits}"
            )));
        }
        let group = p.group_size as usize;
        let n_adc = n_lines.div_ceil(group);
        let vref = min.abs().max(max.abs());
        let mut d = Normals::new(draws);
        match p.model {
            AdcModel::Quantizer if p.stochastic_rounding => Ok(Adc::Stochastic(Quantizer::new(levels, min, max), id)),
            AdcModel::Quantizer => Ok(Adc::Uniform(Quantizer::new(levels, min, max))),
            AdcModel::SignMagnitude => {
                if !p.signed {
                    return Err(Error::params(format!(
                        "{path}.signed: SignMagnitudeADC requires signed = true"
                    )));
                }
                if max != -min {
                    return Err(Error::params(format!(
                        "{path}: SignMagnitudeADC requires a range symmetric about 0, got [{min}, {max}]"
                    )));
                }
                let q = Quantizer::new(levels - 1.0, min, max);
                Ok(if p.stochastic_rounding {
                    Adc::Stochastic(q, id)
                } else {
                    Adc::Uniform(q)
                })
            }
            AdcModel::Ramp => {
                let (caps, off) = mismatch::ramp(p, vref, n_lines, &mut d);
                let adc = RampAdc::new(bits, min, max, p.gain_db, p.symmetric_cdac, &caps, &off);
                Ok(Adc::Circuit(Arc::new(adc)))
            }
            AdcModel::Sar => {
                let (caps, off) = mismatch::sar(p, vref, n_adc, &mut d);
                let adc = SarAdc::new(bits, min, max, p.gain_db, p.split_cdac, group, &caps, &off, n_lines);
                Ok(Adc::Circuit(Arc::new(adc)))
            }
            AdcModel::Pipeline => {
                // b - 1 stages and 2b - 1 comparators (none for 0 bits).
                let b = bits as usize;
                let m = mismatch::StageMismatch::draw(
                    p,
                    vref,
                    n_adc,
                    b.saturating_sub(1),
                    (2 * b).saturating_sub(1),
                    &mut d,
                );
                Ok(Adc::Circuit(Arc::new(PipelineAdc::new(
                    bits, min, max, p.gain_db, group, n_lines, &m,
                ))))
            }
            AdcModel::Cyclic => {
                // One stage (high, low comparators) and the final comparator.
                let m = mismatch::StageMismatch::draw(p, vref, n_adc, 1, 3, &mut d);
                Ok(Adc::Circuit(Arc::new(CyclicAdc::new(
                    bits, min, max, p.gain_db, group, n_lines, &m,
                ))))
            }
            AdcModel::Ideal => Ok(Adc::Ideal),
        }
    }

    /// Digitises every value of `x` in place; entry i of each vector is output
    /// line i. `key` and `part` (0, or 1 for the G- currents of a pair
    /// digitised separately) name the conversion in the stochastic-rounding
    /// streams: element `b·len + line` of [`identity::adc_rounding`].
    pub fn convert(&self, x: &mut Batch, key: &ReadKey, part: u32) {
        match self {
            Adc::Ideal => {}
            Adc::Uniform(q) => x.map(|v| q.convert(v)),
            _ => {
                let rounding = self.rounding(key, part);
                for b in 0..x.count {
                    let k0 = b * x.len;
                    for (line, v) in x.vector_mut(b).iter_mut().enumerate() {
                        *v = self.convert_at(*v, rounding.as_ref(), k0 + line, line);
                    }
                }
            }
        }
    }

    /// The stochastic-rounding stream of the conversion `key`, `part` (see
    /// [`Adc::convert`]); `None` for converters that round deterministically.
    pub fn rounding(&self, key: &ReadKey, part: u32) -> Option<Stream> {
        match self {
            Adc::Stochastic(_, id) => Some(identity::adc_rounding(key.seed, *id, key.slice, part, key.call)),
            _ => None,
        }
    }

    /// Digitises one value `v` of output line `line`, element `k` (`b·len +
    /// line`) of the converted batch, as [`Adc::convert`] does, with the
    /// stream [`Adc::rounding`] gives for the conversion.
    #[inline]
    pub fn convert_at(&self, v: f64, rounding: Option<&Stream>, k: usize, line: usize) -> f64 {
        match self {
            Adc::Ideal => v,
            Adc::Uniform(q) => q.convert(v),
            Adc::Stochastic(q, _) => match rounding {
                Some(s) => q.convert_stochastic(v, s.uniform_at(k as u64)),
                None => q.convert(v),
            },
            Adc::Circuit(a) => a.convert(v, line),
        }
    }
}
