//! Enumerated parameter values. In JSON each is accepted either as CrossSim's
//! integer value or as its NAME (CrossSim writes integers; xbar writes them back
//! the same way so that files round-trip through both programs).

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Declares an enum stored as an integer in JSON and also accepted as a name.
macro_rules! int_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $(#[doc = concat!("`", $text, "` (", stringify!($value), " in JSON).\n")] $(#[$vmeta])* $variant = $value),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// CrossSim's integer value.
            pub fn value(self) -> i64 { self as i64 }
            /// CrossSim's NAME.
            pub fn name(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            /// The variant with this integer value.
            pub fn from_value(v: i64) -> Option<Self> { match v { $($value => Some($name::$variant),)+ _ => None } }
            /// The variant with this NAME (case-sensitive, as CrossSim).
            pub fn from_name(s: &str) -> Option<Self> { match s { $($text => Some($name::$variant),)+ _ => None } }
            /// "1 (NAME), 2 (NAME)": the allowed values, for error messages.
            pub fn allowed() -> String {
                let v: Vec<String> = Self::ALL.iter().map(|e| format!("{} ({})", e.value(), e.name())).collect();
                v.join(", ")
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_i64(self.value()) }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        write!(f, "one of {}", $name::allowed())
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        $name::from_value(v).ok_or_else(|| E::custom(format!("expected one of {}, got {}", $name::allowed(), v)))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        if v.fract() == 0.0 && v.abs() < 1e9 { self.visit_i64(v as i64) }
                        else { Err(E::custom(format!("expected one of {}, got {}", $name::allowed(), v))) }
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::from_name(v).ok_or_else(|| E::custom(format!("expected one of {}, got \"{}\"", $name::allowed(), v)))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

/// Declares an enum stored as a string in JSON (CrossSim's class names).
macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $(#[doc = concat!("`\"", $text, "\"` in JSON.\n")] $(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The name written in JSON.
            pub fn name(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            /// The variant with this name.
            pub fn from_name(s: &str) -> Option<Self> { match s { $($text => Some($name::$variant),)+ _ => None } }
            /// "\"A\", \"B\"": the allowed names, for error messages.
            pub fn allowed() -> String {
                let v: Vec<String> = Self::ALL.iter().map(|e| format!("\"{}\"", e.name())).collect();
                v.join(", ")
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.name()) }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        write!(f, "one of {}", $name::allowed())
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::from_name(v).ok_or_else(|| E::custom(format!("expected one of {}, got \"{}\"", $name::allowed(), v)))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

int_enum!(
    /// How signed weights are stored on arrays (`core.style`).
    CoreStyle { Balanced = 1 => "BALANCED", BitSliced = 2 => "BITSLICED", Offset = 3 => "OFFSET" }
);
int_enum!(
    /// `core.balanced.style`.
    BalancedStyle { OneSided = 1 => "ONE_SIDED", TwoSided = 2 => "TWO_SIDED" }
);
int_enum!(
    /// `core.bit_sliced.style`: how each weight slice stores a sign.
    BitSliceStyle { Balanced = 1 => "BALANCED", Offset = 3 => "OFFSET" }
);
int_enum!(
    /// `core.offset.style`: how the zero-point offset is removed.
    OffsetStyle { DigitalOffset = 1 => "DIGITAL_OFFSET", UnitColumnSubtraction = 2 => "UNIT_COLUMN_SUBTRACTION" }
);
int_enum!(
    /// `core.mapping.weights.{row,col}_partition_strategy`.
    PartitionStrategy { Max = 1 => "MAX", Equal = 2 => "EQUAL" }
);
int_enum!(
    /// `core.output_dtype`: the element type outputs are rounded to.
    OutputDtype {
        Native = 1 => "NATIVE", Matrix = 2 => "MATRIX", Input = 3 => "INPUT",
        Float16 = 4 => "FLOAT16", Float32 = 5 => "FLOAT32", Float64 = 6 => "FLOAT64",
    }
);
int_enum!(
    /// `xbar.adc.*.adc_range_option`: how the ADC's input range is chosen.
    AdcRangeOption { Calibrated = 1 => "CALIBRATED", Max = 2 => "MAX", Granular = 3 => "GRANULAR" }
);

str_enum!(
    /// `xbar.dac.*.model`.
    DacModel { Ideal => "IdealDAC", Quantizer => "QuantizerDAC", SignMagnitude => "SignMagnitudeDAC" }
);
str_enum!(
    /// `xbar.adc.*.model`.
    AdcModel {
        Ideal => "IdealADC", Quantizer => "QuantizerADC", SignMagnitude => "SignMagnitudeADC",
        Ramp => "RampADC", Sar => "SarADC", Pipeline => "PipelineADC", Cyclic => "CyclicADC",
    }
);
str_enum!(
    /// `xbar.device.{read_noise,programming_error,drift_error,nonlinear_IV}.model`.
    DeviceModel {
        Ideal => "IdealDevice",
        NormalIndependent => "NormalIndependentDevice",
        NormalProportional => "NormalProportionalDevice",
        NormalInverseProportional => "NormalInverseProportionalDevice",
        UniformIndependent => "UniformIndependentDevice",
        UniformProportional => "UniformProportionalDevice",
        UniformInverseProportional => "UniformInverseProportionalDevice",
        PcmJoshi => "PCMJoshi",
        RramMilo => "RRAMMilo",
        RramWan => "RRAMWan",
        Sonos => "SONOS",
        Cubic => "CubicDevice",
        /// xbar: aihwkit's PCM inference model (programming noise, drift with
        /// per-device exponent, accumulated 1/f read noise); time in seconds.
        PcmLike => "PCMLike",
    }
);
str_enum!(
    /// `simulation.Verr_matmul_criterion`: how the parasitic solver's batch-wide
    /// stopping test reduces per-vector errors.
    VerrCriterion { MaxMax => "max_max", MaxMean => "max_mean", MaxMin => "max_min" }
);
str_enum!(
    /// `xbar.array.parasitics.selected_rows`.
    SelectedRows { Top => "top", Bottom => "bottom" }
);
str_enum!(
    /// `xbar.device.read_noise_sampling` (xbar): how Gaussian read noise is drawn.
    NoiseSampling {
        /// A fresh draw for every cell and input vector (CrossSim's way; the reference).
        Cell => "cell",
        /// One draw per output line with the exact variance `Σ_j σ_ij² x_j²` of the
        /// per-cell sum: equal in distribution when no noisy conductance reaches a clip bound.
        Output => "output",
    }
);
str_enum!(
    /// `xbar.device.pcm_pair` (xbar): how a balanced pair of PCMLike devices drifts.
    PcmPair {
        /// G+ and G- drift as two physical devices, each from its own programmed state.
        Physical => "physical",
        /// aihwkit's way: the net programmed conductance `G+ − G-`, rescaled so that
        /// its largest magnitude is the full range, drifts as one device on its side of the pair.
        Aihwkit => "aihwkit",
    }
);
str_enum!(
    /// `xbar.device.update.model` (xbar): how a requested conductance change is applied.
    UpdateModel {
        /// Exactly, then clipped to [Gmin, Gmax].
        Ideal => "Ideal",
        /// CrossSim 2's analytic model: exponential or logistic nonlinearity and write noise.
        Analytic => "Analytic",
        /// CrossSim 2's measured lookup tables (`lut_dir`), spec update-models.md §A.2–A.8.
        LookupTable => "LookupTable",
        /// aihwkit's pulsed stochastic update with a step device (`pulsed`), spec update-models.md §B.
        Pulsed => "Pulsed",
    }
);
str_enum!(
    /// `xbar.device.update.pulsed.device` (xbar): what one pulse does to one cell (spec update-models.md §B.5).
    StepDevice {
        /// A constant step `dw_min` per pulse.
        ConstantStep => "ConstantStep",
        /// A step that changes linearly with the weight (`linear_step`).
        LinearStep => "LinearStep",
        /// A step shrinking linearly to zero at each cell's own bound.
        SoftBounds => "SoftBounds",
        /// An exponential step law (`exp_step`).
        ExpStep => "ExpStep",
        /// A power-law step towards each bound (`pow_step`).
        PowStep => "PowStep",
        /// A step interpolated between nodes over the weight range (`piecewise_step`).
        PiecewiseStep => "PiecewiseStep",
    }
);
str_enum!(
    /// `xbar.device.update.write_noise_model` (xbar): how write noise scales.
    WriteNoiseModel {
        Independent => "G_INDEPENDENT",
        Proportional => "G_PROPORTIONAL",
        Inverse => "G_INVERSE",
    }
);
str_enum!(
    /// `xbar.device.update.lut_draw` (xbar): how the LookupTable model turns its
    /// uniform draw into an error-table row.
    LutDraw {
        /// Rows drawn with the weights the means were taken with (noise of mean
        /// zero); uniform tables read a single-precision copy of the error table.
        Unbiased => "unbiased",
        /// CrossSim 2.0's choice: the nearest row (end rows half weight, the last
        /// row included) on uniform tables, the bilinear value without its mean
        /// removed on non-uniform ones; the error table in double precision.
        CrossSim2 => "crosssim2",
    }
);
str_enum!(
    /// `xbar.device.update.batch_mode` (xbar): how a batch of samples is written.
    BatchMode {
        /// One parallel outer-product write per sample (the hardware way).
        PerSample => "per_sample",
        /// The batch's outer products summed digitally, then one write.
        Accumulate => "accumulate",
    }
);
str_enum!(
    /// `simulation.parasitic_solver` (xbar): how wire-resistance networks are solved.
    ParasiticSolver {
        /// Exact nodal analysis (sparse Cholesky), residual-checked.
        Exact => "exact",
        /// CrossSim's iterative relaxation (its update rule, gamma schedule and stopping test).
        CrossSim => "crosssim",
    }
);
str_enum!(
    /// `simulation.backend`: where the hot loops run.
    Backend { Auto => "auto", Cpu => "cpu", Cuda => "cuda" }
);
str_enum!(
    /// `simulation.conductance_precision` (xbar): the number type conductances are stored in on the CPU.
    ConductancePrecision { Float32 => "float32", Float64 => "float64" }
);
str_enum!(
    /// `simulation.gpu_precision` (xbar): the number type of conductances and products on the GPU.
    GpuPrecision { Float32 => "float32", Float64 => "float64" }
);
