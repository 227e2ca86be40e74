//! xbar: analog in-memory computing on resistive crossbar arrays.
//!
//! A [`Core`] holds one matrix programmed onto simulated crossbar arrays and
//! multiplies vectors through them with the non-idealities its [`Params`]
//! describe. The C ABI over the same objects lives in [`ffi`].

pub mod circuit;
pub mod core;
pub mod error;
pub mod params;

pub use error::{Error, Result};
pub use params::Params;
pub use crate::core::{Core, Layout};
