//! ADC models. Quantizer and sign-magnitude are ideal uniform quantisers;
//! ramp, SAR, pipeline and cyclic are circuit models with finite op-amp gain
//! (and, later, component mismatch).

pub mod cyclic;
pub mod pipeline;
pub mod ramp;
pub mod sar;
