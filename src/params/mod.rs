//! Parameters: the CrossSim 3.2 tree with its defaults, JSON in and out,
//! validation with messages naming the dotted path, dotted-path get/set and
//! named presets.

pub mod enums;
pub mod tree;
mod adc_json;

pub use enums::*;
pub use tree::*;
