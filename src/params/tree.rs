//! The parameter tree: CrossSim 3.2's `CrossSimParameters`, record for record,
//! with its defaults next to each declaration, plus xbar's own additions
//! (marked "xbar:"). Field names are CrossSim's, so a CrossSim JSON file is read
//! as it is. Units: resistances in ohms, voltages in volts, conductances
//! normalised to Gmax = 1/Rmin, currents in units of one fully-on cell at full
//! input, time in the device model's unit (days for SONOS).

use super::enums::*;
use super::simulation::SimulationParams;
use serde::{Deserialize, Serialize};

/// The whole parameter set of a core.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub core: CoreParams,
    pub simulation: SimulationParams,
    pub xbar: XbarParams,
    /// xbar: aihwkit's analog-tile periphery (`aihwkit.enable`), in place of CrossSim's.
    #[serde(default)]
    pub aihwkit: super::aihwkit::AihwkitParams,
}

/// A pair of parameter sets, one for MVM and one for VMM. With `_match` true
/// (the default) the two are kept equal: setting a field of `mvm` sets it in
/// `vmm` too, as in CrossSim where both names refer to one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Paired<T> {
    #[serde(rename = "_match")]
    pub match_: bool,
    pub mvm: T,
    pub vmm: T,
}

impl<T: Clone> Paired<T> {
    /// A matched pair of two copies of `v`.
    pub fn matched(v: T) -> Self {
        Paired {
            match_: true,
            mvm: v.clone(),
            vmm: v,
        }
    }
}

// ---------------------------------------------------------------- core

/// `core`: how the matrix is laid out on arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreParams {
    /// BALANCED (two arrays, G+ and G-), BITSLICED or OFFSET.
    pub style: CoreStyle,
    /// Most matrix columns (MVM inputs = array rows) per array; 0 = no limit.
    pub rows_max: usize,
    /// Most matrix rows (MVM outputs = array columns) per array; 0 = no limit.
    pub cols_max: usize,
    /// Weight resolution of bit-sliced cores (also sizes the GRANULAR ADC range).
    pub weight_bits: u32,
    pub complex_matrix: bool,
    pub complex_input: bool,
    pub output_dtype: OutputDtype,
    pub balanced: BalancedParams,
    pub bit_sliced: BitSlicedParams,
    pub offset: OffsetParams,
    pub mapping: MappingParams,
}

impl Default for CoreParams {
    fn default() -> Self {
        CoreParams {
            style: CoreStyle::Balanced,
            rows_max: 0,
            cols_max: 0,
            weight_bits: 0,
            complex_matrix: false,
            complex_input: false,
            output_dtype: OutputDtype::Native,
            balanced: BalancedParams::default(),
            bit_sliced: BitSlicedParams::default(),
            offset: OffsetParams::default(),
            mapping: MappingParams::default(),
        }
    }
}

/// `core.balanced`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalancedParams {
    pub style: BalancedStyle,
    /// G+ and G- cells side by side on one column (currents combine on the wire).
    pub interleaved_posneg: bool,
    /// Subtract G- current from G+ current in analog (one ADC) rather than digitise both.
    pub subtract_current_in_xbar: bool,
}

impl Default for BalancedParams {
    fn default() -> Self {
        BalancedParams {
            style: BalancedStyle::OneSided,
            interleaved_posneg: false,
            subtract_current_in_xbar: true,
        }
    }
}

/// `core.bit_sliced`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitSlicedParams {
    pub style: BitSliceStyle,
    pub num_slices: u32,
}

impl Default for BitSlicedParams {
    fn default() -> Self {
        BitSlicedParams {
            style: BitSliceStyle::Balanced,
            num_slices: 2,
        }
    }
}

/// `core.offset`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetParams {
    pub style: OffsetStyle,
}

impl Default for OffsetParams {
    fn default() -> Self {
        OffsetParams {
            style: OffsetStyle::DigitalOffset,
        }
    }
}

/// `core.mapping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingParams {
    pub weights: WeightMapping,
    pub inputs: Paired<InputMapping>,
}

impl Default for MappingParams {
    fn default() -> Self {
        MappingParams {
            weights: WeightMapping::default(),
            inputs: Paired::matched(InputMapping::default()),
        }
    }
}

/// `core.mapping.weights`: the weight range mapped onto the conductance range,
/// and how a large matrix is split over arrays.
///
/// Either `percentile` is set (range = ±percentile·max|W| for percentile ≥ 1,
/// else the symmetric percentile of W) and min/max are null, or min and max are
/// set and percentile is null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightMapping {
    /// Clip W to [min, max] before programming.
    pub clipping: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub percentile: Option<f64>,
    /// Divisors d of cols_max: if the matrix rows divide evenly into blocks of cols_max/d, use full blocks.
    pub row_partition_priority: Vec<f64>,
    pub col_partition_priority: Vec<f64>,
    pub row_partition_strategy: PartitionStrategy,
    pub col_partition_strategy: PartitionStrategy,
}

impl WeightMapping {
    /// CrossSim's dataclass defaults, used for keys missing from a
    /// `core.mapping.weights` object that is given explicitly.
    pub fn dataclass_defaults() -> Self {
        WeightMapping {
            clipping: false,
            min: Some(-1.0),
            max: Some(1.0),
            percentile: None,
            ..Self::default()
        }
    }
}

impl Default for WeightMapping {
    /// The defaults of a parameter set built with no arguments: the range
    /// follows max|W| and W is clipped to it.
    fn default() -> Self {
        WeightMapping {
            clipping: true,
            min: None,
            max: None,
            percentile: Some(1.0),
            row_partition_priority: Vec::new(),
            col_partition_priority: Vec::new(),
            row_partition_strategy: PartitionStrategy::Equal,
            col_partition_strategy: PartitionStrategy::Equal,
        }
    }
}

/// `core.mapping.inputs.{mvm,vmm}`: the input range mapped onto the DAC range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputMapping {
    /// Kept for CrossSim compatibility; inputs are clipped only by quantising DACs.
    pub clipping: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// If set, the range is computed from each input vector (see docs).
    pub percentile: Option<f64>,
}

impl Default for InputMapping {
    fn default() -> Self {
        InputMapping {
            clipping: false,
            min: Some(-1.0),
            max: Some(1.0),
            percentile: None,
        }
    }
}

// ---------------------------------------------------------------- xbar

/// `xbar`: the physical array and its periphery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XbarParams {
    pub device: DeviceParams,
    pub array: ArrayParams,
    pub adc: Paired<AdcParams>,
    pub dac: Paired<DacParams>,
    /// xbar: the component library of the cost model (energy, latency, area).
    #[serde(default)]
    pub cost: super::cost::CostParams,
}

impl Default for XbarParams {
    fn default() -> Self {
        XbarParams {
            device: DeviceParams::default(),
            array: ArrayParams::default(),
            adc: Paired::matched(AdcParams::default()),
            dac: Paired::matched(DacParams::default()),
            cost: super::cost::CostParams::default(),
        }
    }
}

/// `xbar.device`: one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceParams {
    /// Conductance levels 2^cell_bits between Gmin and Gmax; 0 = continuous.
    pub cell_bits: u32,
    /// Lowest resistance (ohm); Gmax = 1/Rmin is the unit of conductance.
    #[serde(rename = "Rmin")]
    pub rmin: f64,
    /// Highest resistance (ohm); Gmin/Gmax = Rmin/Rmax.
    #[serde(rename = "Rmax")]
    pub rmax: f64,
    /// Read voltage (V).
    #[serde(rename = "Vread")]
    pub vread: f64,
    /// Time since programming, in the drift model's unit.
    pub time: f64,
    /// Gmin = 0 exactly.
    pub infinite_on_off_ratio: bool,
    /// Clip noisy conductances to [Gmin, Gmax] rather than [0, inf).
    pub clip_conductance: bool,
    pub read_noise: WeightError,
    pub programming_error: WeightError,
    pub drift_error: WeightError,
    #[serde(rename = "nonlinear_IV")]
    pub nonlinear_iv: WeightError,
    /// xbar: global drift compensation (aihwkit's): outputs are rescaled by the
    /// ratio of reference reads at programming and after `set_time`.
    #[serde(default)]
    pub drift_compensation: bool,
    /// xbar: "cell" (a draw per cell and vector, the default) or "output" (one
    /// draw per output line with the same variance; Normal models only).
    #[serde(default = "default_noise_sampling")]
    pub read_noise_sampling: NoiseSampling,
    /// xbar: "physical" (G+ and G- of a balanced PCMLike pair drift separately,
    /// the default) or "aihwkit" (the net programmed conductance drifts, as aihwkit).
    #[serde(default = "default_pcm_pair")]
    pub pcm_pair: PcmPair,
    /// xbar: the in-situ update (`Core::update`) model.
    #[serde(default)]
    pub update: UpdateParams,
}

/// `xbar.device.update` (xbar): how `update` writes a requested change
/// `ΔW = lr·Σ_b d_b ⊗ x_b` into the devices (CrossSim 2's analytic model, spec
/// update-models.md §A.9). Conductances in units of Gmax.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpdateParams {
    pub model: UpdateModel,
    /// Nonlinearity α (0 = linear).
    pub alpha: f64,
    /// Logistic (symmetric) rather than exponential (asymmetric) nonlinearity.
    pub symmetric: bool,
    /// Write-noise scale σ_wn (0 = none).
    pub write_noise: f64,
    pub write_noise_model: WriteNoiseModel,
    pub batch_mode: BatchMode,
    /// LookupTable model: the folder of CrossSim 2 tables (`dG_increasing.txt`
    /// and `dG_decreasing.txt`, numbered pairs, or subfolders of them for a set
    /// of devices, one assigned per cell); loaded once by `Core::new`.
    pub lut_dir: Option<String>,
    /// LookupTable model: bottom and top of the target range as fractions of
    /// the tabulated conductance range (CrossSim's `Gmin_relative`, `Gmax_relative`).
    pub lut_gmin_relative: f64,
    pub lut_gmax_relative: f64,
    /// LookupTable model: draw cycle-to-cycle write noise from the tables
    /// (CrossSim's `disable_writenoise` = false).
    pub lut_write_noise: bool,
    /// LookupTable model: calibrated update, the mean change is the request
    /// exactly, the noise stays state dependent (CrossSim's `disable_nonlinearity`).
    pub lut_calibrated: bool,
    /// LookupTable model with several devices: cells outside the target range
    /// are never changed again (CrossSim 2.0's multi-table rule).
    pub lut_freeze_outside_target: bool,
    /// LookupTable model: how a uniform draw picks the error-table row.
    pub lut_draw: LutDraw,
    /// Pulsed model: pulse trains and the step device (spec update-models.md §B).
    pub pulsed: super::pulsed::PulsedParams,
    /// Bits of x and of d before the update (sign included; 0 = unquantised):
    /// `2^bits - 1` levels spread over `±max|v|` of each vector.
    pub x_bits: u32,
    pub d_bits: u32,
    /// Round x and d to a neighbouring level at random (unbiased) rather than to the nearest.
    pub stochastic_rounding: bool,
}

impl Default for UpdateParams {
    fn default() -> Self {
        UpdateParams {
            model: UpdateModel::Ideal,
            alpha: 0.0,
            symmetric: false,
            write_noise: 0.0,
            write_noise_model: WriteNoiseModel::Independent,
            batch_mode: BatchMode::PerSample,
            lut_dir: None,
            lut_gmin_relative: 0.1,
            lut_gmax_relative: 0.9,
            lut_write_noise: true,
            lut_calibrated: false,
            lut_freeze_outside_target: false,
            lut_draw: LutDraw::Unbiased,
            pulsed: super::pulsed::PulsedParams::default(),
            x_bits: 0,
            d_bits: 0,
            stochastic_rounding: false,
        }
    }
}

fn default_noise_sampling() -> NoiseSampling {
    NoiseSampling::Cell
}

fn default_pcm_pair() -> PcmPair {
    PcmPair::Physical
}

impl Default for DeviceParams {
    fn default() -> Self {
        DeviceParams {
            cell_bits: 0,
            rmin: 1000.0,
            rmax: 10000.0,
            vread: 0.1,
            time: 0.0,
            infinite_on_off_ratio: false,
            clip_conductance: false,
            read_noise: WeightError::default(),
            programming_error: WeightError::default(),
            drift_error: WeightError::default(),
            nonlinear_iv: WeightError::default(),
            drift_compensation: false,
            read_noise_sampling: NoiseSampling::Cell,
            pcm_pair: PcmPair::Physical,
            update: UpdateParams::default(),
        }
    }
}

impl DeviceParams {
    /// Gmin in units of Gmax: Rmin/Rmax, or exactly 0 with an infinite on/off ratio.
    pub fn gmin_norm(&self) -> f64 {
        if self.infinite_on_off_ratio {
            0.0
        } else {
            self.rmin / self.rmax
        }
    }
}

/// One error model of a device (`read_noise`, `programming_error`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightError {
    pub enable: bool,
    pub model: DeviceModel,
    /// Model-specific size (std or width for the generic models).
    pub magnitude: f64,
}

impl Default for WeightError {
    fn default() -> Self {
        WeightError {
            enable: false,
            model: DeviceModel::Ideal,
            magnitude: 0.0,
        }
    }
}

/// `xbar.array`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ArrayParams {
    /// Column current limit (units of one fully-on cell at full input); 0 = none.
    #[serde(rename = "Icol_max")]
    pub icol_max: f64,
    pub parasitics: ParasiticParams,
}

/// `xbar.array.parasitics`: wire resistances (ohm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParasiticParams {
    pub enable: bool,
    #[serde(rename = "Rp_row")]
    pub rp_row: f64,
    #[serde(rename = "Rp_col")]
    pub rp_col: f64,
    #[serde(rename = "Rp_row_terminal")]
    pub rp_row_terminal: f64,
    #[serde(rename = "Rp_col_terminal")]
    pub rp_col_terminal: f64,
    pub current_from_input: bool,
    pub selected_rows: SelectedRows,
}

impl Default for ParasiticParams {
    fn default() -> Self {
        ParasiticParams {
            enable: false,
            rp_row: 0.0,
            rp_col: 0.0,
            rp_row_terminal: 0.0,
            rp_col_terminal: 0.0,
            current_from_input: true,
            selected_rows: SelectedRows::Top,
        }
    }
}

/// An ADC calibrated range: one [min, max] pair, or one pair per weight slice
/// (bit-sliced cores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CalibratedRange {
    Pair(Vec<f64>),
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
    pub model: AdcModel,
    /// Resolution; 0 = no quantisation.
    pub bits: u32,
    pub signed: bool,
    pub stochastic_rounding: bool,
    /// Digitise every input bit slice separately.
    pub adc_per_ibit: bool,
    pub calibrated_range: CalibratedRange,
    pub adc_range_option: AdcRangeOption,
    /// Op-amp open-loop gain (dB).
    pub gain_db: f64,
    /// Relative std of a unit capacitor.
    pub sigma_capacitor: f64,
    /// Comparator offset std, relative to Vref.
    pub sigma_comparator: f64,
    pub symmetric_cdac: bool,
    pub split_cdac: bool,
    /// Consecutive outputs sharing one ADC.
    pub group_size: u32,
    pub sigma_c1: f64,
    pub sigma_c2: f64,
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
    pub model: DacModel,
    /// Resolution; 0 = no quantisation.
    pub bits: u32,
    /// Apply the input bit-serially, `slice_size` bits at a time.
    pub input_bitslicing: bool,
    pub signed: bool,
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
