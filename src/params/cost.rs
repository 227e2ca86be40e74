//! `xbar.cost` (xbar): the component library that turns the events of a
//! core's reads (converter conversions, sample-and-holds, shift-and-adds,
//! digital subtractions, array reads) into energy, latency and area.
//!
//! Every figure is optional: a figure left `null` takes the value of the
//! library named by `library` (`"isaac-32nm"`, the default: Shafiee et al.,
//! ISCA 2016; `"none"`: 0, or `false` for switches). The laws and the
//! figures of the ISAAC library are documented in docs/models.md, "Cost model".
//! Units: joules, seconds, hertz, square metres, decibels.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Where figures left `null` come from (`xbar.cost.library`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CostLibrary {
    /// The component figures of ISAAC (Shafiee et al., ISCA 2016, Table 2), 32 nm.
    #[serde(rename = "isaac-32nm")]
    Isaac32nm,
    /// No library: every figure left null is 0 (switches false).
    #[serde(rename = "none")]
    None,
}

/// The energy law of a converter (`xbar.cost.adc.law`, `xbar.cost.dac.law`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConverterLaw {
    /// `energy_j` per conversion, whatever the resolution.
    Fixed,
    /// Walden: `fom_j · 2^ENOB` per conversion.
    Walden,
    /// Schreier: `10^((6.02·ENOB + 1.76 − fom_db)/10) / 2` per conversion
    /// (from `FOM_S = SNDR + 10·log10(f_s/(2·P))` at the Nyquist bandwidth).
    Schreier,
}

/// The conversion time law of an ADC (`xbar.cost.adc.timing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdcTiming {
    /// `latency_s` per conversion.
    Fixed,
    /// Successive approximation: `(b + 1)/clock_hz`.
    Sar,
    /// Flash: `1/clock_hz`.
    Flash,
    /// Single-slope ramp: `2^b/clock_hz`.
    Ramp,
}

/// The energy law of an array read (`xbar.cost.array.law`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArrayLaw {
    /// The energy the cells dissipate: `t_read · Σ V²·G` over the actual
    /// input voltages and programmed conductances.
    Cells,
    /// `read_energy_j` per array read (one input slice applied to one array).
    Fixed,
}

/// `xbar.cost`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostParams {
    /// Count the events of every read (false: reads are not counted and the
    /// report stays at zero).
    pub enable: bool,
    /// Source of the figures left null.
    pub library: CostLibrary,
    /// All arrays of a core (weight slices, G+ and G−, every tile) are read at
    /// once (true) or one after another (false).
    pub arrays_concurrent: Option<bool>,
    /// The array read of the next input slice overlaps the conversions of the
    /// current one (a step takes the longer of the two, not their sum).
    pub pipelined: Option<bool>,
    /// `xbar.cost.array`: see [`ArrayCost`].
    pub array: ArrayCost,
    /// `xbar.cost.adc`: see [`AdcCost`].
    pub adc: AdcCost,
    /// `xbar.cost.dac`: see [`DacCost`].
    pub dac: DacCost,
    /// `xbar.cost.sample_hold`: see [`EventCost`].
    pub sample_hold: EventCost,
    /// `xbar.cost.shift_add`: see [`ShiftAddCost`].
    pub shift_add: ShiftAddCost,
    /// Digital subtractions (offset removal, `ADC(I+) − ADC(I−)`, reference lines).
    pub subtract: EventCost,
}

impl Default for CostParams {
    fn default() -> Self {
        CostParams {
            enable: true,
            library: CostLibrary::Isaac32nm,
            arrays_concurrent: None,
            pipelined: None,
            array: ArrayCost::default(),
            adc: AdcCost::default(),
            dac: DacCost::default(),
            sample_hold: EventCost::default(),
            shift_add: ShiftAddCost::default(),
            subtract: EventCost::default(),
        }
    }
}

/// `xbar.cost.array`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ArrayCost {
    /// `xbar.cost.array.law`: Array energy: the cells' dissipation `t_read·Σ V²·G` for the actual
    /// inputs and conductances, or `read_energy_j` per array read. Default: `null`; "cells",
    /// "fixed"; null = library ("fixed").
    pub law: Option<ArrayLaw>,
    /// Energy of one array read (J), the `fixed` law.
    pub read_energy_j: Option<f64>,
    /// Read pulse width `t_read` (s): the voltage is applied this long.
    pub read_time_s: Option<f64>,
    /// Area of one cell (m²).
    pub cell_area_m2: Option<f64>,
}

/// `xbar.cost.adc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AdcCost {
    /// `xbar.cost.adc.law`: Energy per conversion: `energy_j`; `fom_j·2^ENOB`; `10^((6.02·ENOB +
    /// 1.76 − fom_db)/10)/2`. Default: `null`; "fixed", "walden", "schreier"; null = library
    /// ("walden").
    pub law: Option<ConverterLaw>,
    /// Energy per conversion (J), the `fixed` law.
    pub energy_j: Option<f64>,
    /// Walden figure of merit (J per conversion step).
    pub fom_j: Option<f64>,
    /// Schreier figure of merit (dB).
    pub fom_db: Option<f64>,
    /// Effective number of bits of the laws; null: the converter's bits.
    pub enob: Option<f64>,
    /// `xbar.cost.adc.timing`: Time per conversion: `latency_s`; `(b + 1)/clock_hz`; `1/clock_hz`;
    /// `2^b/clock_hz`. Default: `null`; "fixed", "sar", "flash", "ramp"; null = library ("sar").
    pub timing: Option<AdcTiming>,
    /// Clock of the `sar`, `flash` and `ramp` timing laws (Hz).
    pub clock_hz: Option<f64>,
    /// Time per conversion (s), the `fixed` timing law.
    pub latency_s: Option<f64>,
    /// Area of one ADC (m²).
    pub area_m2: Option<f64>,
    /// Output lines of one array sharing one ADC (≥ 1).
    pub columns_per_adc: Option<u32>,
}

/// `xbar.cost.dac`: one driver per input line of each array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DacCost {
    /// `xbar.cost.dac.law`: Energy per conversion, as for the ADC; the bits of a conversion are
    /// `slice_size` with input bit slicing. Default: `null`; "fixed", "walden", "schreier"; null =
    /// library ("fixed").
    pub law: Option<ConverterLaw>,
    /// Energy per conversion (J), the `fixed` law.
    pub energy_j: Option<f64>,
    /// Walden figure of merit (J per conversion step).
    pub fom_j: Option<f64>,
    /// Schreier figure of merit (dB).
    pub fom_db: Option<f64>,
    /// Effective number of bits of the laws; null: the bits of each conversion.
    pub enob: Option<f64>,
    /// Settling time added to every array read step (s).
    pub latency_s: Option<f64>,
    /// Area of one DAC (m²).
    pub area_m2: Option<f64>,
}

/// A component with a fixed energy per event (`xbar.cost.sample_hold`, `xbar.cost.subtract`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EventCost {
    /// Energy per event (J).
    pub energy_j: Option<f64>,
    /// Area of one unit (m²): one sample-and-hold per output line of each array.
    pub area_m2: Option<f64>,
}

/// `xbar.cost.shift_add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ShiftAddCost {
    /// Energy per shift-and-add operation (J).
    pub energy_j: Option<f64>,
    /// Area of one shift-and-add unit (m²).
    pub area_m2: Option<f64>,
    /// Arrays served by one unit (≥ 1).
    pub arrays_per_unit: Option<u32>,
}

/// Checks every figure that is given: finite and ≥ 0, a positive clock,
/// counts ≥ 1, ENOB in (0, 32].
pub(crate) fn validate(c: &CostParams) -> Result<()> {
    let figures: [(&str, Option<f64>); 17] = [
        ("array.read_energy_j", c.array.read_energy_j),
        ("array.read_time_s", c.array.read_time_s),
        ("array.cell_area_m2", c.array.cell_area_m2),
        ("adc.energy_j", c.adc.energy_j),
        ("adc.fom_j", c.adc.fom_j),
        ("adc.latency_s", c.adc.latency_s),
        ("adc.area_m2", c.adc.area_m2),
        ("dac.energy_j", c.dac.energy_j),
        ("dac.fom_j", c.dac.fom_j),
        ("dac.latency_s", c.dac.latency_s),
        ("dac.area_m2", c.dac.area_m2),
        ("sample_hold.energy_j", c.sample_hold.energy_j),
        ("sample_hold.area_m2", c.sample_hold.area_m2),
        ("shift_add.energy_j", c.shift_add.energy_j),
        ("shift_add.area_m2", c.shift_add.area_m2),
        ("subtract.energy_j", c.subtract.energy_j),
        ("subtract.area_m2", c.subtract.area_m2),
    ];
    for (path, v) in figures {
        if let Some(x) = v {
            if !(x.is_finite() && x >= 0.0) {
                return Err(Error::params(format!(
                    "xbar.cost.{path}: expected a finite number >= 0, got {x}"
                )));
            }
        }
    }
    for (path, v) in [("adc.fom_db", c.adc.fom_db), ("dac.fom_db", c.dac.fom_db)] {
        if let Some(x) = v {
            if !x.is_finite() {
                return Err(Error::params(format!(
                    "xbar.cost.{path}: expected a finite number, got {x}"
                )));
            }
        }
    }
    if let Some(f) = c.adc.clock_hz {
        if !(f.is_finite() && f > 0.0) {
            return Err(Error::params(format!(
                "xbar.cost.adc.clock_hz: expected a finite number > 0, got {f}"
            )));
        }
    }
    for (path, v) in [("adc.enob", c.adc.enob), ("dac.enob", c.dac.enob)] {
        if let Some(x) = v {
            if !(x.is_finite() && x > 0.0 && x <= 32.0) {
                return Err(Error::params(format!(
                    "xbar.cost.{path}: expected 0 < ENOB <= 32, got {x}"
                )));
            }
        }
    }
    for (path, v) in [
        ("adc.columns_per_adc", c.adc.columns_per_adc),
        ("shift_add.arrays_per_unit", c.shift_add.arrays_per_unit),
    ] {
        if v == Some(0) {
            return Err(Error::params(format!(
                "xbar.cost.{path}: expected an integer >= 1, got 0"
            )));
        }
    }
    Ok(())
}
