//! `update` on the device: one array's write of a training update runs on
//! its resident conductances (`gpu::resident`), with the CPU's model, request
//! and random streams, so that the device's new conductances are the bits the
//! CPU's [`DeviceUpdate::write`] gives for the same cells.
//!
//! A model family with a device form provides a [`Writer`]; [`write`] asks
//! each writer of [`WRITERS`] in turn, and `None` from all of them means the
//! model has no device form (the caller then writes on the host and uploads).

use super::device::{Buffer, Device};
use super::resident::Precision;
use crate::device::update::DeviceUpdate;
use crate::error::Result;
use crate::rng::Stream;
use std::sync::Arc;

/// The cells of one array that a write may change, on the device.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub device: &'a Arc<dyn Device>,
    /// The array's conductances, row-major, in `precision` (its storage
    /// precision: the write rounds each new value to it once, as the CPU).
    pub g: &'a Buffer,
    pub precision: Precision,
    /// Cells of the whole array (`rows × cols`).
    pub cells: usize,
    /// Index of the first cell the request addresses (cell `k` of the request
    /// is cell `first + k` of the array).
    pub first: usize,
}

/// What one write asks of the cells, on the device and on the host.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DeviceRequest<'a> {
    /// `Request::Dense`: cell `first + k` is asked for `dw[k]` (`f64`, on the device).
    Dense { dw: &'a Buffer, cells: usize },
    /// `Request::Outer`: cell `first + i·cols + j` is asked for `lr·d[i]·x[j]`;
    /// `x` (cols values) and `d` (rows values) both on the device and on the host.
    Outer {
        x: &'a Buffer,
        d: &'a Buffer,
        x_host: &'a [f64],
        d_host: &'a [f64],
        lr: f64,
    },
}

/// One model family's device form of [`DeviceUpdate::write`]: writes `scale`
/// times `request` into `target` with draws from `stream` and returns whether
/// any cell was written, or `None` when `model` is not of its family.
pub(crate) type Writer = fn(
    target: &Target,
    request: &DeviceRequest,
    scale: f64,
    model: &dyn DeviceUpdate,
    stream: &Stream,
) -> Result<Option<bool>>;

/// Every model family with a device form.
pub(crate) const WRITERS: &[Writer] = &[
    super::update_basic::write,
    super::update_pulsed::write,
    super::update_lut::write,
];

/// [`DeviceUpdate::write`] of `model` on the device, or `None` when the
/// model has no device form.
pub(crate) fn write(
    target: &Target,
    request: &DeviceRequest,
    scale: f64,
    model: &dyn DeviceUpdate,
    stream: &Stream,
) -> Result<Option<bool>> {
    for writer in WRITERS {
        if let Some(written) = writer(target, request, scale, model, stream)? {
            return Ok(Some(written));
        }
    }
    Ok(None)
}
