//! xbar: analog in-memory computing on resistive crossbar arrays.
//!
//! A [`Core`] holds one matrix programmed onto simulated crossbar arrays and
//! multiplies vectors through them with the non-idealities its [`Params`]
//! describe. The C ABI over the same objects lives in [`ffi`].

pub mod aihwkit;
pub mod array;
pub mod backend;
pub mod batch;
pub mod circuit;
pub mod complex;
pub mod core;
pub mod device;
pub mod error;
pub mod ffi;
pub mod gpu;
pub mod mapping;
pub mod params;
pub mod persist;
pub mod product;
pub(crate) mod recycle;
pub mod rng;
pub mod storage;
pub mod support;
pub mod threads;
pub mod tiling;

pub use crate::core::{Core, Layout};
pub use error::{Error, Result};
pub use params::Params;
