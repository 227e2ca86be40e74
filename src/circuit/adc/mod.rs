//! ADC models. Quantizer and sign-magnitude are ideal uniform quantisers;
//! ramp, SAR, pipeline and cyclic are circuit models with finite op-amp gain
//! and component mismatch. An [`Adc`] converts a batch of column currents, one
//! output line per vector entry.

pub mod circuit;
pub mod cyclic;
pub mod pipeline;
pub mod quantizer;
pub mod ramp;
pub mod range;
pub mod sar;

use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::params::{AdcModel, AdcParams};
pub use circuit::CircuitAdc;
use cyclic::{CyclicAdc, CyclicMismatch};
use pipeline::{PipelineAdc, PipelineMismatch};
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
    /// A ramp, SAR, pipeline or cyclic converter.
    Circuit(Arc<dyn CircuitAdc>),
}

impl Adc {
    /// Builds the ADC described by `p` for the context `ctx`; `n_lines` is the
    /// number of output lines it digitises. `path` prefixes error messages.
    pub fn new(p: &AdcParams, ctx: &RangeContext, n_lines: usize, path: &str) -> Result<Adc> {
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
        // Component mismatch draws come with the random streams; until then
        // the circuit models are built with ideal components.
        let group = p.group_size as usize;
        let n_adc = n_lines.div_ceil(group);
        let caps = vec![0.0; bits as usize + 1];
        match p.model {
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
                Ok(Adc::Uniform(Quantizer::new(levels - 1.0, min, max)))
            }
            AdcModel::Ramp => Ok(Adc::Circuit(Arc::new(RampAdc::new(
                bits,
                min,
                max,
                p.gain_db,
                p.symmetric_cdac,
                &caps,
                &vec![0.0; n_lines],
            )))),
            AdcModel::Sar => Ok(Adc::Circuit(Arc::new(SarAdc::new(
                bits,
                min,
                max,
                p.gain_db,
                p.split_cdac,
                group,
                &caps,
                &vec![0.0; n_adc],
                n_lines,
            )))),
            AdcModel::Pipeline => Ok(Adc::Circuit(Arc::new(PipelineAdc::new(
                bits,
                min,
                max,
                p.gain_db,
                group,
                n_lines,
                &PipelineMismatch::ideal(bits, n_adc),
            )))),
            AdcModel::Cyclic => Ok(Adc::Circuit(Arc::new(CyclicAdc::new(
                bits,
                min,
                max,
                p.gain_db,
                group,
                n_lines,
                &CyclicMismatch::ideal(n_adc),
            )))),
            AdcModel::Ideal => Ok(Adc::Ideal),
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
            Adc::Circuit(a) => {
                for b in 0..x.count {
                    for (line, v) in x.vector_mut(b).iter_mut().enumerate() {
                        *v = a.convert(*v, line);
                    }
                }
            }
        }
    }
}
