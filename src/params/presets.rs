//! The shipped presets: the values of CrossSim 3.2's `simulator/configs/*.json`
//! (sandialabs/cross-sim), written out in xbar's full layout (every key, enums
//! as integers, `calibrated_range: null` written as `[]`), and xbar's aihwkit
//! presets (only the keys that differ from the defaults): "aihwkit-inference"
//! (`InferenceRPUConfig`: its forward and backward periphery, PCM noise model
//! and global drift compensation) and "aihwkit-hwa" (`StandardHWATrainingPreset`'s
//! forward periphery and weight mapping, with the same PCM model).

use super::tree::Params;
use crate::error::{Error, Result};

/// Preset names, in the order `preset_names` lists them.
pub(crate) const NAMES: [&str; 7] = [
    "default",
    "ISAAC",
    "ISAAC-SarADC",
    "PRIME",
    "SONOS-TCAS",
    "aihwkit-inference",
    "aihwkit-hwa",
];

/// The JSON text of each preset, in the order of `NAMES`.
const TEXTS: [&str; 7] = [
    include_str!("presets/default.json"),
    include_str!("presets/ISAAC.json"),
    include_str!("presets/ISAAC-SarADC.json"),
    include_str!("presets/PRIME.json"),
    include_str!("presets/SONOS-TCAS.json"),
    include_str!("presets/aihwkit-inference.json"),
    include_str!("presets/aihwkit-hwa.json"),
];

/// The preset called `name` (case-sensitive, as CrossSim's config names).
pub(crate) fn load(name: &str) -> Result<Params> {
    match NAMES.iter().position(|n| *n == name) {
        Some(i) => Params::from_json(TEXTS[i]),
        None => Err(Error::params(format!(
            "preset \"{name}\": unknown preset (valid: {})",
            NAMES.join(", ")
        ))),
    }
}
