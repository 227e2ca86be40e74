//! ADC models. Quantizer and sign-magnitude are ideal uniform quantisers;
//! ramp, SAR, pipeline and cyclic are circuit models with finite op-amp gain
//! and component mismatch. An [`Adc`] converts a batch of column currents, one
//! output line per vector entry.

pub mod cyclic;
pub mod pipeline;
pub mod quantizer;
pub mod ramp;
pub mod range;
pub mod sar;

use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::params::{AdcModel, AdcParams};
use quantizer::Quantizer;
pub use range::{adc_range, RangeContext};

/// One operation's ADC (or bank of ADCs, one per output line), with its range.
#[derive(Debug, Clone)]
pub enum Adc {
    /// No quantisation.
    Ideal,
    /// A uniform quantiser (QuantizerADC or SignMagnitudeADC).
    Uniform(Quantizer),
}

impl Adc {
    /// Builds the ADC described by `p` for the context `ctx`; `n_lines` is the
    /// number of output lines it digitises. `path` prefixes error messages.
    pub fn new(p: &AdcParams, ctx: &RangeContext, n_lines: usize, path: &str) -> Result<Adc> {
        let _ = n_lines;
        if p.model == AdcModel::Ideal || p.bits == 0 {
            return Ok(Adc::Ideal);
        }
        if p.stochastic_rounding {
            return Err(Error::unsupported(format!(
                "{path}.stochastic_rounding: stochastic rounding needs the random streams, not available in this version"
            )));
        }
        let (min, max) = adc_range(p, ctx, path)?;
        let levels = 2f64.powi(p.bits as i32);
        match p.model {
            AdcModel::Quantizer => Ok(Adc::Uniform(Quantizer::new(levels, min, max))),
            AdcModel::SignMagnitude => {
                if !p.signed {
                    return Err(Error::params(format!("{path}.signed: SignMagnitudeADC requires signed = true")));
                }
                if max != -min {
                    return Err(Error::params(format!(
                        "{path}: SignMagnitudeADC requires a range symmetric about 0, got [{min}, {max}]"
                    )));
                }
                Ok(Adc::Uniform(Quantizer::new(levels - 1.0, min, max)))
            }
            other => Err(Error::unsupported(format!(
                "{path}.model: \"{}\" is not available in this version",
                other.name()
            ))),
        }
    }

    /// Whether the ADC changes its input at all.
    pub fn is_ideal(&self) -> bool {
        matches!(self, Adc::Ideal)
    }

    /// Digitises every value of `x` in place; entry i of each vector is output line i.
    pub fn convert(&self, x: &mut Batch) {
        match self {
            Adc::Ideal => {}
            Adc::Uniform(q) => x.map(|v| q.convert(v)),
        }
    }
}
