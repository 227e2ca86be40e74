//! The converters of the parameter tree (`xbar.adc` and `xbar.dac`), record
//! for record as CrossSim 3.2's, with their defaults next to each declaration.
//! Units as in the rest of the tree: ADC inputs are column currents in units
//! of one fully-on cell at full input.

use super::enums::*;
use serde::{Deserialize, Serialize};

/// An ADC calibrated range: one [min, max] pair, or one pair per weight slice
/// (bit-sliced cores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CalibratedRange {
    /// `[min, max]` of the ADC input.
    Pair(Vec<f64>),
    /// One `[min, max]` per weight slice.
    PerSlice(Vec<Vec<f64>>),
}

impl Default for CalibratedRange {
    fn default() -> Self {
        CalibratedRange::Pair(Vec::new())
    }
}

impl CalibratedRange {
    /// The [min, max] pair for weight slice `slice` (`None` for a plain pair).
    pub fn pair(&self, slice: Option<usize>) -> Option<(f64, f64)> {
        let v: &[f64] = match (self, slice) {
            (CalibratedRange::Pair(v), _) => v,
            (CalibratedRange::PerSlice(v), Some(i)) => v.get(i)?,
            (CalibratedRange::PerSlice(v), None) => v.first()?,
        };
        match v {
            [lo, hi] => Some((*lo, *hi)),
            _ => None,
        }
    }
}

/// `xbar.adc.{mvm,vmm}`. Fields after `adc_range_option` belong to the
/// circuit ADC models and appear in JSON only for the models that use them
/// (Ramp: gain_db, sigma_capacitor, sigma_comparator, symmetric_cdac; Sar:
/// gain_db, sigma_capacitor, sigma_comparator, split_cdac, group_size;
/// Pipeline and Cyclic: gain_db, sigma_C1, sigma_C2, sigma_Cpar,
/// sigma_comparator, group_size).
#[derive(Debug, Clone, PartialEq)]
pub struct AdcParams {
    /// `xbar.adc.{mvm,vmm}.model`: The converter: none, an ideal uniform quantiser, a
    /// sign-magnitude quantiser (zero representable, symmetric range), or one of four circuit
    /// models with component mismatch and finite op-amp gain. Switching the model drops the old
    /// model's circuit keys and gives the new model's keys their defaults. Default: `"IdealADC"`;
    /// IdealADC, QuantizerADC, SignMagnitudeADC, RampADC, SarADC, PipelineADC, CyclicADC.
    pub model: AdcModel,
    /// Resolution; 0 = no quantisation.
    pub bits: u32,
    /// `xbar.adc.{mvm,vmm}.signed`: Whether the converter handles negative inputs (a
    /// SignMagnitudeADC requires it; no effect on QuantizerADC). Default: `true`; SignMagnitudeADC
    /// needs true.
    pub signed: bool,
    /// `xbar.adc.{mvm,vmm}.stochastic_rounding`: QuantizerADC and SignMagnitudeADC round up or down
    /// at random, with probabilities proportional to the distance to each level (unbiased), instead
    /// of to the nearest level. Default: `false`.
    pub stochastic_rounding: bool,
    /// Digitise every input bit slice separately.
    pub adc_per_ibit: bool,
    /// `xbar.adc.{mvm,vmm}.calibrated_range`: The input range of a CALIBRATED ADC, in
    /// column-current units. Required when `bits > 0` with CALIBRATED. Unit: cell currents.
    /// Default: `[]`; `[min, max]` with min < max, or one pair per weight slice.
    pub calibrated_range: CalibratedRange,
    /// `xbar.adc.{mvm,vmm}.adc_range_option`: How the range is chosen: `calibrated_range`; the
    /// largest possible current (MAX: `[-n, n]` for n inputs, `[0, n]` when neither the inputs are
    /// signed nor G- is subtracted in analog); or one level per least significant product
    /// (GRANULAR, needs `adc_per_ibit`). Default: `1` (CALIBRATED); 1 CALIBRATED, 2 MAX, 3
    /// GRANULAR.
    pub adc_range_option: AdcRangeOption,
    /// Op-amp open-loop gain (dB).
    pub gain_db: f64,
    /// Relative std of a unit capacitor.
    pub sigma_capacitor: f64,
    /// Comparator offset std, relative to Vref.
    pub sigma_comparator: f64,
    /// `xbar.adc.{mvm,vmm}.symmetric_cdac`: RampADC only: sign-magnitude (symmetric) capacitive DAC
    /// rather than a plain binary one. Default: `true`.
    pub symmetric_cdac: bool,
    /// `xbar.adc.{mvm,vmm}.split_cdac`: SarADC only: split (bridge-capacitor) capacitive DAC.
    /// Default: `true`.
    pub split_cdac: bool,
    /// Consecutive outputs sharing one ADC.
    pub group_size: u32,
    /// Std of each stage's capacitor C1 of a pipeline or cyclic ADC (nominal 1, so relative).
    pub sigma_c1: f64,
    /// Std of each stage's capacitor C2 (nominal 1, so relative).
    pub sigma_c2: f64,
    /// Std of each stage's parasitic capacitance (nominal 0; in units of the nominal C1).
    pub sigma_cpar: f64,
}

impl Default for AdcParams {
    fn default() -> Self {
        AdcParams {
            model: AdcModel::Ideal,
            bits: 0,
            signed: true,
            stochastic_rounding: false,
            adc_per_ibit: false,
            calibrated_range: CalibratedRange::default(),
            adc_range_option: AdcRangeOption::Calibrated,
            gain_db: 100.0,
            sigma_capacitor: 0.0,
            sigma_comparator: 0.0,
            symmetric_cdac: true,
            split_cdac: true,
            group_size: 8,
            sigma_c1: 0.0,
            sigma_c2: 0.0,
            sigma_cpar: 0.0,
        }
    }
}

/// `xbar.dac.{mvm,vmm}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DacParams {
    /// `xbar.dac.{mvm,vmm}.model`: The converter: none; a uniform quantiser with `2^bits` levels
    /// over the input range (a signed one has no zero level); or a sign-magnitude one with
    /// `2^bits - 1` levels including zero (needs a symmetric input range). Default: `"IdealDAC"`; IdealDAC,
    /// QuantizerDAC, SignMagnitudeDAC.
    pub model: DacModel,
    /// Resolution; 0 = no quantisation.
    pub bits: u32,
    /// Apply the input bit-serially, `slice_size` bits at a time.
    pub input_bitslicing: bool,
    /// `xbar.dac.{mvm,vmm}.signed`: Whether inputs may be negative: a signed DAC spans [-1, 1], an
    /// unsigned one [0, 1] (then the input range must not include negative values). Default:
    /// `true`.
    pub signed: bool,
    /// `xbar.dac.{mvm,vmm}.slice_size`: Bits per input slice with `input_bitslicing`. Unit: bits.
    /// Default: `1`; ≥ 1.
    pub slice_size: u32,
}

impl Default for DacParams {
    fn default() -> Self {
        DacParams {
            model: DacModel::Ideal,
            bits: 0,
            input_bitslicing: false,
            signed: true,
            slice_size: 1,
        }
    }
}
