//! Periphery: DACs and ADCs.

pub mod adc;
pub mod dac;
pub mod parasitics;
