//! Parameters: the CrossSim 3.2 tree with its defaults, JSON in and out,
//! validation with messages naming the dotted path, dotted-path get/set and
//! named presets.
//!
//! JSON rules (shared by `from_json` and `set_json`): a document is merged
//! onto a full tree, so absent keys keep their values; objects merge key by
//! key and a `null` section means "unchanged" (CrossSim: defaults). In a
//! paired section (`core.mapping.inputs`, `xbar.adc`, `xbar.dac`) whose
//! `_match` is true, giving only `mvm` (or only `vmm`) gives the same values
//! to both, and giving both with different values is an error.

mod adc_json;
pub mod aihwkit;
mod converters;
mod cost;
mod enums;
mod json;
mod path;
mod presets;
mod pulsed;
mod simulation;
mod tree;
mod validate;

pub use converters::*;
pub use cost::{
    AdcCost, AdcTiming, ArrayCost, ArrayLaw, ConverterLaw, CostLibrary, CostParams, DacCost, EventCost, ShiftAddCost,
};
pub use enums::*;
pub use pulsed::*;
pub use simulation::*;
pub use tree::*;

use crate::error::{Error, Result};
use serde_json::Value;

impl Params {
    /// Parses xbar or CrossSim 3.x JSON; absent keys keep their defaults; the
    /// result is validated. A `core.mapping.weights` object that is given
    /// starts from CrossSim's dataclass defaults (clipping false, min -1,
    /// max 1, percentile null) rather than from the top-level defaults.
    /// Malformed text is `Error::Parse`; unknown keys, wrong types and
    /// failed rules are `Error::Params` naming the dotted path.
    ///
    /// ```
    /// use xbar::params::CoreStyle;
    /// use xbar::{Error, Params};
    ///
    /// let p = Params::from_json(r#"{"core": {"style": "OFFSET", "rows_max": 256}}"#)?;
    /// assert_eq!(p.core.style, CoreStyle::Offset);
    /// assert_eq!(p.core.rows_max, 256);
    /// // One value by its dotted path, as JSON text.
    /// assert_eq!(p.get_json("core.rows_max")?, "256");
    /// // Unknown keys are refused, naming the path.
    /// assert!(matches!(Params::from_json(r#"{"core": {"rows": 2}}"#), Err(Error::Params(_))));
    /// // A shipped preset, changed field by field.
    /// let mut isaac = Params::preset("ISAAC")?;
    /// isaac.set_json("xbar.adc.mvm.bits", "6")?;
    /// assert!(Params::preset_names().contains(&"PRIME"));
    /// # Ok::<(), xbar::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Params> {
        let patch: Value = serde_json::from_str(text).map_err(|e| Error::Parse(format!("parameters JSON: {e}")))?;
        if !patch.is_object() {
            return Err(Error::params(format!("(root): expected a JSON object, got {patch}")));
        }
        let mut base = json::to_value(&Params::default())?;
        if json::lookup(&patch, "core.mapping.weights").is_some_and(Value::is_object) {
            let w = serde_json::to_value(WeightMapping::dataclass_defaults())
                .map_err(|e| Error::Internal(format!("weight mapping to JSON: {e}")))?;
            base["core"]["mapping"]["weights"] = w;
        }
        json::apply(base, patch)
    }

    /// The whole tree as pretty-printed JSON (CrossSim's layout and 4-space
    /// indent, enums as integers, plus xbar's `simulation.backend`).
    pub fn to_json(&self) -> String {
        json::pretty(self)
    }

    /// JSON text of the value at a dotted path, e.g. `"xbar.adc.mvm.bits"`
    /// or a section such as `"xbar.adc.mvm"`; the empty path is the whole
    /// tree. An unknown path is an error naming the allowed keys there.
    pub fn get_json(&self, path: &str) -> Result<String> {
        let keys = path::split(path)?;
        let root = json::to_value(self)?;
        Ok(json::pretty(path::navigate(&root, &keys)?))
    }

    /// Sets the value at a dotted path from JSON text (`"8"`, `"\"SarADC\""`,
    /// or an object merged onto a section), then validates; on any error the
    /// parameters are unchanged. With `_match` true, setting under `.mvm`
    /// sets the same under `.vmm` and vice versa. Switching an ADC model
    /// drops the old model's circuit keys and gives the new ones defaults.
    /// Malformed JSON text is `Error::Parse`.
    pub fn set_json(&mut self, path: &str, json_value: &str) -> Result<()> {
        let value: Value = serde_json::from_str(json_value)
            .map_err(|e| Error::Parse(format!("{}: malformed JSON value: {e}", json::show(path))))?;
        let keys = path::split(path)?;
        let base = json::to_value(self)?;
        path::check_settable(&base, &keys)?;
        *self = json::apply(base, path::nest(&keys, value))?;
        Ok(())
    }

    /// A shipped preset by name: "default", "ISAAC", "ISAAC-SarADC", "PRIME",
    /// "SONOS-TCAS" (the values of CrossSim's configs of those names), and
    /// "aihwkit-inference", "aihwkit-hwa" (aihwkit's tile periphery, `aihwkit`).
    pub fn preset(name: &str) -> Result<Params> {
        presets::load(name)
    }

    /// The names `preset` accepts.
    pub fn preset_names() -> &'static [&'static str] {
        &presets::NAMES
    }

    /// Checks every value and the cross-field rules; the error names the dotted path.
    pub fn validate(&self) -> Result<()> {
        validate::validate(self)
    }
}
