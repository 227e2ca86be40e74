//! Conductance-level physics of one cell population: the conductance window
//! and its levels, and the error laws of each device model (one file per model).

pub mod cells;
pub mod conductance;
pub mod generic;
pub mod iv;
pub mod law;
pub mod pcm_joshi;
pub mod pcm_like;
pub mod rram_milo;
pub mod rram_wan;
pub mod sonos;
pub mod update;
pub mod us_window;
