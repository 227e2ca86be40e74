//! The element types of [`Core`](super::Core)'s real entry points: one
//! generic method per operation (`program`, `read`, `mvm`, `vmm`, `update`)
//! over [`Real`], implemented for `f32` and `f64` only.
//!
//! Every computation runs in double precision. Single-precision inputs are
//! widened exactly (`f32 → f64` loses nothing) before the double-precision
//! path runs; its outputs are rounded to the nearest `f32` once, at the end.
//! Double-precision data is used in place, without a copy.

use std::borrow::Cow;

mod sealed {
    /// Closes [`Real`](super::Real) to the two types below.
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type that [`Core`](super::Core) reads and
/// writes: `f64` (used as is) or `f32` (widened to `f64` on the way in,
/// rounded to nearest on the way out). Sealed: no other type implements it.
pub trait Real: sealed::Sealed + Copy + Send + Sync + 'static {
    /// `v` as `f64` (exact for both types).
    fn to_f64(self) -> f64;
    /// The slice as `f64` values: borrowed for `f64`, a widened copy for `f32`.
    fn widen(v: &[Self]) -> Cow<'_, [f64]>;
    /// Runs `f` on a double-precision buffer of `out.len()` values and stores
    /// what it wrote into `out` (`out` itself for `f64`; for `f32` a scratch
    /// buffer, rounded into `out` only when `f` succeeds).
    fn through_f64<E>(out: &mut [Self], f: impl FnOnce(&mut [f64]) -> Result<(), E>) -> Result<(), E>;
}

impl Real for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn widen(v: &[f64]) -> Cow<'_, [f64]> {
        Cow::Borrowed(v)
    }
    fn through_f64<E>(out: &mut [f64], f: impl FnOnce(&mut [f64]) -> Result<(), E>) -> Result<(), E> {
        f(out)
    }
}

impl Real for f32 {
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn widen(v: &[f32]) -> Cow<'_, [f64]> {
        Cow::Owned(v.iter().map(|&x| x as f64).collect())
    }
    fn through_f64<E>(out: &mut [f32], f: impl FnOnce(&mut [f64]) -> Result<(), E>) -> Result<(), E> {
        let mut wide = vec![0.0; out.len()];
        f(&mut wide)?;
        for (o, v) in out.iter_mut().zip(wide) {
            *o = v as f32;
        }
        Ok(())
    }
}
