//! The ADC input range (spec §9.2), in normalised column-current units
//! (Σ_j G_ij·x_j with G in units of Gmax and x in the DAC range).

use crate::error::{Error, Result};
use crate::params::{AdcParams, AdcRangeOption, BitSliceStyle};

/// What the range rules need to know about the core and the operation.
#[derive(Debug, Clone, Copy)]
pub struct RangeContext {
    /// Inputs of the operation (array rows driven).
    pub n: usize,
    /// The operation's DAC is signed.
    pub signed_input: bool,
    /// The operation's DAC resolution (0 = unquantised).
    pub dac_bits: u32,
    /// `core.weight_bits` (sizes the GRANULAR range of non-sliced cores).
    pub weight_bits: u32,
    /// A BALANCED core that subtracts currents in the array (signed currents).
    pub balanced_subtract: bool,
    /// For bit-sliced cores: slice index, bits per slice and slice style.
    pub slice: Option<(usize, u32, BitSliceStyle)>,
}

fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

impl RangeContext {
    /// The input-resolution correction `2^(b-1)/(2^(b-1) - 1)` (signed) or
    /// `2^b/(2^b - 1)` (unsigned) for a b-bit DAC; 1 for an unquantised DAC
    /// (CrossSim computes -1 there and inverts the range: see
    /// docs/crosssim-differences.md).
    fn input_correction(&self) -> f64 {
        let b = self.dac_bits as i32;
        match (self.dac_bits, self.signed_input) {
            (0, _) => 1.0,
            (_, true) if b == 1 => 1.0,
            (_, true) => pow2(b - 1) / (pow2(b - 1) - 1.0),
            (_, false) => pow2(b) / (pow2(b) - 1.0),
        }
    }
}

/// `(min, max)` of the ADC described by `p` for the context `c`. `path` is the
/// dotted parameter prefix used in error messages.
pub fn adc_range(p: &AdcParams, c: &RangeContext, path: &str) -> Result<(f64, f64)> {
    let bits = p.bits as i32;
    let n = c.n as f64;
    let corr = c.input_correction();
    let signed = c.signed_input || c.balanced_subtract;
    let range = match (p.adc_range_option, c.slice) {
        (AdcRangeOption::Calibrated, slice) => {
            return p.calibrated_range.pair(slice.map(|s| s.0)).ok_or_else(|| {
                let which = slice.map(|s| format!(" for weight slice {}", s.0)).unwrap_or_default();
                Error::params(format!(
                    "{path}.calibrated_range: a CALIBRATED {}-bit ADC needs a [min, max] pair{which}, got {}",
                    p.bits,
                    serde_json::to_string(&p.calibrated_range).unwrap_or_default()
                ))
            });
        }
        (AdcRangeOption::Max, None) => (if signed { -n } else { 0.0 }, n),
        (AdcRangeOption::Granular, None) => {
            let ymin = 1.0 / pow2(c.weight_bits as i32);
            if signed {
                let m = ymin * (pow2(bits - 1) - 1.0) * corr;
                (-m, m)
            } else {
                (0.0, ymin * (pow2(bits) - 1.0) * corr)
            }
        }
        (AdcRangeOption::Max, Some((_, bs, BitSliceStyle::Offset))) => {
            let mut y = pow2(n.log2().round_ties_even() as i32);
            y *= pow2(bs as i32) / (pow2(bs as i32) - 1.0);
            if c.signed_input {
                y *= (pow2(bits) - 2.0) / pow2(bits);
                y *= corr;
                (-y, y)
            } else {
                y *= (pow2(bits) - 1.0) / pow2(bits);
                y *= corr;
                (0.0, y)
            }
        }
        (AdcRangeOption::Max, Some((_, _, BitSliceStyle::Balanced))) => (-n, n),
        (AdcRangeOption::Granular, Some((_, bs, style))) => {
            let mut y = 1.0 / (pow2(bs as i32) - 1.0);
            y *= corr;
            if c.signed_input || style == BitSliceStyle::Balanced {
                let m = y * (pow2(bits - 1) - 1.0);
                (-m, m)
            } else {
                (0.0, y * (pow2(bits) - 1.0))
            }
        }
    };
    Ok(range)
}
