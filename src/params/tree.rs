//! The parameter tree: CrossSim 3.2's `CrossSimParameters`, record for record,
//! with its defaults next to each declaration, plus xbar's own additions
//! (marked "xbar:"). Field names are CrossSim's, so a CrossSim JSON file is read
//! as it is. Units: resistances in ohms, voltages in volts, conductances
//! normalised to Gmax = 1/Rmin, currents in units of one fully-on cell at full
//! input, time in the device model's unit (days for SONOS).

use super::converters::{AdcParams, DacParams};
use super::enums::*;
use super::simulation::SimulationParams;
use serde::{Deserialize, Serialize};

/// The whole parameter set of a core.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `core`: how the matrix is laid out on arrays ([`CoreParams`]).
    pub core: CoreParams,
    /// `simulation`: numerical and execution settings ([`SimulationParams`]).
    pub simulation: SimulationParams,
    /// `xbar`: the physical array and its periphery ([`XbarParams`]).
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
    /// `_match`: keep `mvm` and `vmm` equal (default `true`).
    #[serde(rename = "_match")]
    pub match_: bool,
    /// The settings for MVM (`y = W x`).
    pub mvm: T,
    /// The settings for VMM (`y = v W`).
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
    /// `core.complex_matrix`: The matrix is complex: it is stored as the real block matrix `[[Re W,
    /// -Im W], [Im W, Re W]]`. Default: `false`.
    pub complex_matrix: bool,
    /// `core.complex_input`: Inputs are complex (the same expansion, so a real matrix takes complex
    /// vectors). Default: `false`.
    pub complex_input: bool,
    /// `core.output_dtype`: Element type of the results: FLOAT32 rounds every output to single
    /// precision; NATIVE, MATRIX, INPUT and FLOAT64 give double precision; FLOAT16 is refused
    /// (`XBAR_ERR_UNSUPPORTED`). Default: `1` (NATIVE); 1 NATIVE, 2 MATRIX, 3 INPUT, 4 FLOAT16, 5
    /// FLOAT32, 6 FLOAT64.
    pub output_dtype: OutputDtype,
    /// `core.balanced`: see [`BalancedParams`].
    pub balanced: BalancedParams,
    /// `core.bit_sliced`: see [`BitSlicedParams`].
    pub bit_sliced: BitSlicedParams,
    /// `core.offset`: see [`OffsetParams`].
    pub offset: OffsetParams,
    /// `core.mapping`: see [`MappingParams`].
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
    /// `core.balanced.style`: ONE_SIDED: a positive weight raises G+ from Gmin and leaves G- at
    /// Gmin (and vice versa). TWO_SIDED: both cells move symmetrically about the middle of the
    /// range. Default: `1` (ONE_SIDED); 1 ONE_SIDED, 2 TWO_SIDED.
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
    /// `core.bit_sliced.style`: How each weight slice stores its sign. Default: `1` (BALANCED); 1
    /// BALANCED, 3 OFFSET.
    pub style: BitSliceStyle,
    /// `core.bit_sliced.num_slices`: Number of slices a weight is split into; each slice holds
    /// `weight_bits / num_slices` bits (rounded up). Default: `2`; ≥ 1.
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
    /// `core.offset.style`: How the zero-point offset of an OFFSET core is removed: computed
    /// digitally from the inputs, or measured on an extra all-zero-weight output line. Default: `1`
    /// (DIGITAL_OFFSET); 1 DIGITAL_OFFSET, 2 UNIT_COLUMN_SUBTRACTION.
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
    /// `core.mapping.weights`: see [`WeightMapping`].
    pub weights: WeightMapping,
    /// `core.mapping.inputs`: see [`Paired`].
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
    /// `core.mapping.weights.min`: Lower end of the weight range (with `max`, instead of
    /// `percentile`). Unit: weight units. Default: `null`; null with `percentile`; else < max.
    pub min: Option<f64>,
    /// `core.mapping.weights.max`: Upper end of the weight range. Unit: weight units. Default:
    /// `null`; null with `percentile`; else > min.
    pub max: Option<f64>,
    /// `core.mapping.weights.percentile`: Range from the matrix itself: `±percentile·max. Default:
    /// `1.0`; > 0, or null with min and max.
    pub percentile: Option<f64>,
    /// Divisors d of cols_max: if the matrix rows divide evenly into blocks of cols_max/d, use full blocks.
    pub row_partition_priority: Vec<f64>,
    /// `core.mapping.weights.col_partition_priority`: The same for matrix columns and `rows_max`.
    /// Default: `[]`; each > 0.
    pub col_partition_priority: Vec<f64>,
    /// `core.mapping.weights.row_partition_strategy`: How matrix rows are split when they do not
    /// fit one array: full arrays and a remainder (MAX), or blocks of equal size (EQUAL, rounded
    /// half to even as CrossSim does). Default: `2` (EQUAL); 1 MAX, 2 EQUAL.
    pub row_partition_strategy: PartitionStrategy,
    /// `core.mapping.weights.col_partition_strategy`: The same for matrix columns. Default: `2`
    /// (EQUAL); 1 MAX, 2 EQUAL.
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
    /// `core.mapping.inputs.{mvm,vmm}.min`: Input value mapped onto the lowest DAC level. Unit:
    /// input units. Default: `-1.0`; null with `percentile`; else < max.
    pub min: Option<f64>,
    /// `core.mapping.inputs.{mvm,vmm}.max`: Input value mapped onto the highest DAC level. Unit:
    /// input units. Default: `1.0`; null with `percentile`; else > min.
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
    /// `xbar.device.update.pulsed.device`: What one pulse does: a constant step; a step linear in
    /// the weight (`linear_step`); a step shrinking to zero at each cell's own bound; an
    /// exponential law (`exp_step`); a power law towards the bounds (`pow_step`); factors
    /// interpolated between nodes (`piecewise_step`). Default: `"ConstantStep"`; "ConstantStep",
    /// "LinearStep", "SoftBounds", "ExpStep", "PowStep", "PiecewiseStep".
    pub device: DeviceParams,
    /// `xbar.array`: see [`ArrayParams`].
    pub array: ArrayParams,
    /// `xbar.adc`: see [`Paired`].
    pub adc: Paired<AdcParams>,
    /// `xbar.dac`: see [`Paired`].
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
    /// `xbar.device.read_noise`: see [`WeightError`].
    pub read_noise: WeightError,
    /// `xbar.device.programming_error`: see [`WeightError`].
    pub programming_error: WeightError,
    /// `xbar.device.drift_error`: see [`WeightError`].
    pub drift_error: WeightError,
    /// `xbar.device.nonlinear_IV`: see [`WeightError`].
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
    /// `xbar.device.update.model`: Ideal: the requested conductance change exactly, clipped to
    /// [Gmin, Gmax]. Analytic: CrossSim 2's analytic device model (nonlinearity, then write noise,
    /// then the clip). LookupTable: CrossSim 2's measured lookup tables of the conductance change
    /// per pulse (`lut_dir`). Pulsed: aihwkit's stochastic pulse trains and step devices (`pulsed`,
    /// below). Default: `"Ideal"`; "Ideal", "Analytic", "LookupTable", "Pulsed".
    pub model: UpdateModel,
    /// Nonlinearity α (0 = linear).
    pub alpha: f64,
    /// Logistic (symmetric) rather than exponential (asymmetric) nonlinearity.
    pub symmetric: bool,
    /// Write-noise scale σ_wn (0 = none).
    pub write_noise: f64,
    /// `xbar.device.update.write_noise_model`: How the write noise depends on the present
    /// conductance. Default: `"G_INDEPENDENT"`; "G_INDEPENDENT", "G_PROPORTIONAL", "G_INVERSE".
    pub write_noise_model: WriteNoiseModel,
    /// `xbar.device.update.batch_mode`: per_sample: each sample of a batch is one parallel
    /// outer-product write (the hardware way); accumulate: the batch's outer products are summed
    /// digitally and written once. Default: `"per_sample"`; "per_sample", "accumulate".
    pub batch_mode: BatchMode,
    /// LookupTable model: the folder of CrossSim 2 tables (`dG_increasing.txt`
    /// and `dG_decreasing.txt`, numbered pairs, or subfolders of them for a set
    /// of devices, one assigned per cell); loaded once by `Core::new`.
    pub lut_dir: Option<String>,
    /// LookupTable model: bottom and top of the target range as fractions of
    /// the tabulated conductance range (CrossSim's `Gmin_relative`, `Gmax_relative`).
    pub lut_gmin_relative: f64,
    /// `xbar.device.update.lut_gmax_relative`: LookupTable only: the top of that window. Unit:
    /// fraction. Default: `0.9`; > `lut_gmin_relative`.
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
    /// `xbar.device.update.d_bits`: The same for each error vector d. Unit: bits. Default: `0`; 0 =
    /// off, or 2 to 32.
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
    /// Whether this error is simulated (default `false`).
    pub enable: bool,
    /// The error law ([`DeviceModel`]; default `Ideal`).
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
    /// `xbar.array.parasitics`: see [`ParasiticParams`].
    pub parasitics: ParasiticParams,
}

/// `xbar.array.parasitics`: wire resistances (ohm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParasiticParams {
    /// `xbar.array.parasitics.enable`: Simulate the resistance of the row and column wires (IR
    /// drop) with a circuit solve of every read. Default: `false`.
    pub enable: bool,
    /// `xbar.array.parasitics.Rp_row`: Resistance of one input-line segment between neighbouring
    /// cells. Unit: Ω. Default: `0.0`; ≥ 0.
    #[serde(rename = "Rp_row")]
    pub rp_row: f64,
    /// `xbar.array.parasitics.Rp_col`: Resistance of one output-line segment between neighbouring
    /// cells. Unit: Ω. Default: `0.0`; ≥ 0.
    #[serde(rename = "Rp_col")]
    pub rp_col: f64,
    /// `xbar.array.parasitics.Rp_row_terminal`: Extra resistance between the input driver and the
    /// first cell. Unit: Ω. Default: `0.0`; ≥ 0.
    #[serde(rename = "Rp_row_terminal")]
    pub rp_row_terminal: f64,
    /// `xbar.array.parasitics.Rp_col_terminal`: Extra resistance between the last cell and the
    /// output (ADC) terminal. Unit: Ω. Default: `0.0`; ≥ 0.
    #[serde(rename = "Rp_col_terminal")]
    pub rp_col_terminal: f64,
    /// `xbar.array.parasitics.current_from_input`: true: the cell current is supplied by the input
    /// line; false: by a separate supply line parallel to the output line, with inputs applied as
    /// on/off gates (needs `xbar.dac.mvm.input_bitslicing` with `slice_size` 1). Default: `true`;
    /// false needs 1-bit input slices.
    pub current_from_input: bool,
    /// `xbar.array.parasitics.selected_rows`: With a separate supply line and fewer inputs than the
    /// array has rows: whether the used rows sit at the top or the bottom (which sets the length of
    /// the unused wire). Default: `"top"`; "top", "bottom".
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
