//! Component figures: `xbar.cost` with every null figure filled from its
//! library, and the `"isaac-32nm"` library itself.
//!
//! ISAAC (Shafiee et al., "ISAAC: A Convolutional Neural Network Accelerator
//! with In-Situ Analog Arithmetic in Crossbars", ISCA 2016, Table 2) gives,
//! per in-situ multiply-accumulate unit (IMA) at 32 nm and a 100 ns cycle:
//! 8 ADCs (8 bits, 1.28 GS/s) 16 mW and 0.0096 mm²; 8 × 128 1-bit DACs 4 mW
//! and 0.00017 mm²; 8 × 128 sample-and-holds 10 µW and 0.00004 mm²; 8 arrays
//! of 128 × 128 2-bit cells 2.4 mW and 0.0002 mm²; 4 shift-and-add units
//! 0.2 mW and 0.00024 mm². Per-event figures follow from the events of one
//! cycle: every array applies one 1-bit input slice to its 128 rows (one
//! conversion per DAC, one read per array) and its ADC converts its 128
//! columns (one sample-and-hold, one conversion and one shift-and-add per
//! column). Nothing here is a fitted constant of another tool.

use crate::params::{AdcTiming, ArrayLaw, ConverterLaw, CostLibrary, CostParams};

/// ISAAC's cycle (s).
pub const ISAAC_CYCLE_S: f64 = 100e-9;
/// Arrays, rows and columns of one ISAAC IMA.
const ISAAC_ARRAYS: f64 = 8.0;
const ISAAC_LINES: f64 = 128.0;
/// One mm² in m².
const MM2: f64 = 1e-6;

/// Published power (W) and area (mm²) of each part of one IMA: the ADCs.
pub const ISAAC_ADC_W: f64 = 16e-3;
/// ISAAC, one IMA: power (W) of the DACs.
pub const ISAAC_DAC_W: f64 = 4e-3;
/// ISAAC, one IMA: power (W) of the sample-and-holds.
pub const ISAAC_SH_W: f64 = 10e-6;
/// ISAAC, one IMA: power (W) of the arrays.
pub const ISAAC_ARRAY_W: f64 = 2.4e-3;
/// ISAAC, one IMA: power (W) of the shift-and-add units.
pub const ISAAC_SA_W: f64 = 0.2e-3;
/// ISAAC, one IMA: area (mm²) of the ADCs.
pub const ISAAC_ADC_MM2: f64 = 0.0096;
/// ISAAC, one IMA: area (mm²) of the DACs.
pub const ISAAC_DAC_MM2: f64 = 0.00017;
/// ISAAC, one IMA: area (mm²) of the sample-and-holds.
pub const ISAAC_SH_MM2: f64 = 0.00004;
/// ISAAC, one IMA: area (mm²) of the arrays.
pub const ISAAC_ARRAY_MM2: f64 = 0.0002;
/// ISAAC, one IMA: area (mm²) of the shift-and-add units.
pub const ISAAC_SA_MM2: f64 = 0.00024;

/// Every figure of the cost model, resolved (no nulls).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    /// `xbar.cost.arrays_concurrent`, resolved: All arrays of a core (weight slices, G+ and G−, tiles) are read at once (latency of the slowest) or one after another (sum).
    pub arrays_concurrent: bool,
    /// `xbar.cost.pipelined`, resolved: The array read of the next input slice overlaps the conversions of the current one.
    pub pipelined: bool,
    /// `xbar.cost.array.law`, resolved: Array energy: the cells' dissipation `t_read·Σ V²·G` for the actual inputs and conductances, or `read_energy_j` per array read.
    pub array_law: ArrayLaw,
    /// `xbar.cost.array.read_energy_j` (J), resolved: Energy of one array read (one input slice on one array), the "fixed" law.
    pub array_read_energy_j: f64,
    /// `xbar.cost.array.read_time_s` (s), resolved: Read pulse width `t_read`. A normalised input of 1 is `xbar.device.Vread` volts, a normalised conductance of 1 is 1/`Rmin` siemens.
    pub read_time_s: f64,
    /// `xbar.cost.array.cell_area_m2` (m²), resolved: Area of one cell.
    pub cell_area_m2: f64,
    /// `xbar.cost.adc.law`, resolved: Energy per conversion: `energy_j`; `fom_j·2^ENOB`; `10^((6.02·ENOB + 1.76 − fom_db)/10)/2`.
    pub adc_law: ConverterLaw,
    /// `xbar.cost.adc.energy_j` (J), resolved: Energy per conversion, the "fixed" law.
    pub adc_energy_j: f64,
    /// `xbar.cost.adc.fom_j` (J), resolved: Walden figure of merit (energy per conversion step).
    pub adc_fom_j: f64,
    /// `xbar.cost.adc.fom_db` (dB), resolved: Schreier figure of merit.
    pub adc_fom_db: f64,
    /// `xbar.cost.adc.enob` (bits), resolved: Effective number of bits of the laws.
    pub adc_enob: Option<f64>,
    /// `xbar.cost.adc.timing`, resolved: Time per conversion: `latency_s`; `(b + 1)/clock_hz`; `1/clock_hz`; `2^b/clock_hz`.
    pub adc_timing: AdcTiming,
    /// `xbar.cost.adc.clock_hz` (Hz), resolved: Clock of the timing laws.
    pub adc_clock_hz: f64,
    /// `xbar.cost.adc.latency_s` (s), resolved: Time per conversion, the "fixed" timing law.
    pub adc_latency_s: f64,
    /// `xbar.cost.adc.area_m2` (m²), resolved: Area of one ADC.
    pub adc_area_m2: f64,
    /// `xbar.cost.adc.columns_per_adc`, resolved: Output lines of one array sharing one ADC.
    pub columns_per_adc: u32,
    /// `xbar.cost.dac.law`, resolved: Energy per conversion, as for the ADC; the bits of a conversion are `slice_size` with input bit slicing.
    pub dac_law: ConverterLaw,
    /// `xbar.cost.dac.energy_j` (J), resolved: Energy per conversion, the "fixed" law.
    pub dac_energy_j: f64,
    /// `xbar.cost.dac.fom_j` (J), resolved: Walden figure of merit.
    pub dac_fom_j: f64,
    /// `xbar.cost.dac.fom_db` (dB), resolved: Schreier figure of merit.
    pub dac_fom_db: f64,
    /// `xbar.cost.dac.enob` (bits), resolved: Effective number of bits of the laws.
    pub dac_enob: Option<f64>,
    /// `xbar.cost.dac.latency_s` (s), resolved: Settling time added to every read step.
    pub dac_latency_s: f64,
    /// `xbar.cost.dac.area_m2` (m²), resolved: Area of one DAC (one per input line of each array).
    pub dac_area_m2: f64,
    /// `xbar.cost.sample_hold.energy_j` (J), resolved: Energy per sample (one per ADC conversion).
    pub sample_hold_energy_j: f64,
    /// `xbar.cost.sample_hold.area_m2` (m²), resolved: Area of one sample-and-hold (one per output line of each array).
    pub sample_hold_area_m2: f64,
    /// `xbar.cost.shift_add.energy_j` (J), resolved: Energy per shift-and-add operation.
    pub shift_add_energy_j: f64,
    /// `xbar.cost.shift_add.area_m2` (m²), resolved: Area of one shift-and-add unit.
    pub shift_add_area_m2: f64,
    /// `xbar.cost.shift_add.arrays_per_unit`, resolved: Arrays served by one shift-and-add unit.
    pub arrays_per_unit: u32,
    /// `xbar.cost.subtract.energy_j` (J), resolved: Energy per digital subtraction (offset removal, `ADC(I+) − ADC(I−)`, reference line).
    pub subtract_energy_j: f64,
    /// `xbar.cost.subtract.area_m2` (m²), resolved: Area of the subtractor of a block that subtracts.
    pub subtract_area_m2: f64,
}

/// Schreier figure of merit (dB) of a converter spending `e` joules per
/// conversion at `enob` bits: `6.02·ENOB + 1.76 + 10·log10(1/(2·e))`.
pub fn schreier_fom_db(e: f64, enob: f64) -> f64 {
    6.02 * enob + 1.76 + 10.0 * (1.0 / (2.0 * e)).log10()
}

impl Figures {
    /// The `"isaac-32nm"` library (see the module text for the derivation).
    pub fn isaac_32nm() -> Figures {
        let adc_e = ISAAC_ADC_W * ISAAC_CYCLE_S / (ISAAC_ARRAYS * ISAAC_LINES);
        let dac_e = ISAAC_DAC_W * ISAAC_CYCLE_S / (ISAAC_ARRAYS * ISAAC_LINES);
        let sa_e = ISAAC_SA_W * ISAAC_CYCLE_S / (ISAAC_ARRAYS * ISAAC_LINES);
        Figures {
            arrays_concurrent: true,
            pipelined: true,
            array_law: ArrayLaw::Fixed,
            array_read_energy_j: ISAAC_ARRAY_W * ISAAC_CYCLE_S / ISAAC_ARRAYS,
            read_time_s: ISAAC_CYCLE_S,
            cell_area_m2: ISAAC_ARRAY_MM2 * MM2 / (ISAAC_ARRAYS * ISAAC_LINES * ISAAC_LINES),
            adc_law: ConverterLaw::Walden,
            adc_energy_j: adc_e,
            adc_fom_j: adc_e / 256.0,
            adc_fom_db: schreier_fom_db(adc_e, 8.0),
            adc_enob: None,
            // 1.28 GS/s for a SAR of 8 bits: 9 clock periods per conversion.
            adc_timing: AdcTiming::Sar,
            adc_clock_hz: 1.28e9 * 9.0,
            adc_latency_s: 1.0 / 1.28e9,
            adc_area_m2: ISAAC_ADC_MM2 * MM2 / ISAAC_ARRAYS,
            columns_per_adc: 128,
            dac_law: ConverterLaw::Fixed,
            dac_energy_j: dac_e,
            dac_fom_j: dac_e / 2.0,
            dac_fom_db: schreier_fom_db(dac_e, 1.0),
            dac_enob: None,
            dac_latency_s: 0.0,
            dac_area_m2: ISAAC_DAC_MM2 * MM2 / (ISAAC_ARRAYS * ISAAC_LINES),
            sample_hold_energy_j: ISAAC_SH_W * ISAAC_CYCLE_S / (ISAAC_ARRAYS * ISAAC_LINES),
            sample_hold_area_m2: ISAAC_SH_MM2 * MM2 / (ISAAC_ARRAYS * ISAAC_LINES),
            shift_add_energy_j: sa_e,
            shift_add_area_m2: ISAAC_SA_MM2 * MM2 / 4.0,
            arrays_per_unit: 2,
            // ISAAC lists no subtractor; an adder operation like a shift-and-add.
            subtract_energy_j: sa_e,
            subtract_area_m2: 0.0,
        }
    }

    /// The `"none"` library: every figure 0, switches off, fixed laws.
    pub fn none() -> Figures {
        Figures {
            arrays_concurrent: false,
            pipelined: false,
            array_law: ArrayLaw::Cells,
            array_read_energy_j: 0.0,
            read_time_s: 0.0,
            cell_area_m2: 0.0,
            adc_law: ConverterLaw::Fixed,
            adc_energy_j: 0.0,
            adc_fom_j: 0.0,
            adc_fom_db: 0.0,
            adc_enob: None,
            adc_timing: AdcTiming::Fixed,
            adc_clock_hz: 1.0,
            adc_latency_s: 0.0,
            adc_area_m2: 0.0,
            columns_per_adc: 1,
            dac_law: ConverterLaw::Fixed,
            dac_energy_j: 0.0,
            dac_fom_j: 0.0,
            dac_fom_db: 0.0,
            dac_enob: None,
            dac_latency_s: 0.0,
            dac_area_m2: 0.0,
            sample_hold_energy_j: 0.0,
            sample_hold_area_m2: 0.0,
            shift_add_energy_j: 0.0,
            shift_add_area_m2: 0.0,
            arrays_per_unit: 1,
            subtract_energy_j: 0.0,
            subtract_area_m2: 0.0,
        }
    }

    /// `xbar.cost` with its nulls filled from its library.
    pub fn resolve(c: &CostParams) -> Figures {
        let l = match c.library {
            CostLibrary::Isaac32nm => Figures::isaac_32nm(),
            CostLibrary::None => Figures::none(),
        };
        Figures {
            arrays_concurrent: c.arrays_concurrent.unwrap_or(l.arrays_concurrent),
            pipelined: c.pipelined.unwrap_or(l.pipelined),
            array_law: c.array.law.unwrap_or(l.array_law),
            array_read_energy_j: c.array.read_energy_j.unwrap_or(l.array_read_energy_j),
            read_time_s: c.array.read_time_s.unwrap_or(l.read_time_s),
            cell_area_m2: c.array.cell_area_m2.unwrap_or(l.cell_area_m2),
            adc_law: c.adc.law.unwrap_or(l.adc_law),
            adc_energy_j: c.adc.energy_j.unwrap_or(l.adc_energy_j),
            adc_fom_j: c.adc.fom_j.unwrap_or(l.adc_fom_j),
            adc_fom_db: c.adc.fom_db.unwrap_or(l.adc_fom_db),
            adc_enob: c.adc.enob.or(l.adc_enob),
            adc_timing: c.adc.timing.unwrap_or(l.adc_timing),
            adc_clock_hz: c.adc.clock_hz.unwrap_or(l.adc_clock_hz),
            adc_latency_s: c.adc.latency_s.unwrap_or(l.adc_latency_s),
            adc_area_m2: c.adc.area_m2.unwrap_or(l.adc_area_m2),
            columns_per_adc: c.adc.columns_per_adc.unwrap_or(l.columns_per_adc),
            dac_law: c.dac.law.unwrap_or(l.dac_law),
            dac_energy_j: c.dac.energy_j.unwrap_or(l.dac_energy_j),
            dac_fom_j: c.dac.fom_j.unwrap_or(l.dac_fom_j),
            dac_fom_db: c.dac.fom_db.unwrap_or(l.dac_fom_db),
            dac_enob: c.dac.enob.or(l.dac_enob),
            dac_latency_s: c.dac.latency_s.unwrap_or(l.dac_latency_s),
            dac_area_m2: c.dac.area_m2.unwrap_or(l.dac_area_m2),
            sample_hold_energy_j: c.sample_hold.energy_j.unwrap_or(l.sample_hold_energy_j),
            sample_hold_area_m2: c.sample_hold.area_m2.unwrap_or(l.sample_hold_area_m2),
            shift_add_energy_j: c.shift_add.energy_j.unwrap_or(l.shift_add_energy_j),
            shift_add_area_m2: c.shift_add.area_m2.unwrap_or(l.shift_add_area_m2),
            arrays_per_unit: c.shift_add.arrays_per_unit.unwrap_or(l.arrays_per_unit),
            subtract_energy_j: c.subtract.energy_j.unwrap_or(l.subtract_energy_j),
            subtract_area_m2: c.subtract.area_m2.unwrap_or(l.subtract_area_m2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isaac_per_event_figures() {
        let f = Figures::isaac_32nm();
        // 16 mW · 100 ns / 1024 conversions = 1.5625 pJ; Walden at 8 bits gives it back.
        assert!((f.adc_energy_j - 1.5625e-12).abs() < 1e-24);
        assert!((f.adc_fom_j * 256.0 - 1.5625e-12).abs() < 1e-24);
        assert!((f.array_read_energy_j - 30e-12).abs() < 1e-24);
        // 1.28 GS/s: 128 conversions fill one 100 ns cycle.
        let t = 9.0 / f.adc_clock_hz;
        assert!((128.0 * t - 100e-9).abs() < 1e-18);
    }

    #[test]
    fn nulls_take_the_library_and_given_figures_win() {
        let mut c = CostParams::default();
        assert_eq!(Figures::resolve(&c), Figures::isaac_32nm());
        c.adc.energy_j = Some(1e-12);
        c.library = CostLibrary::None;
        let f = Figures::resolve(&c);
        assert_eq!(f.adc_energy_j, 1e-12);
        assert_eq!(f.dac_energy_j, 0.0);
    }
}
