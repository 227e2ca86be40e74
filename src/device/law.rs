//! The common form of every conductance error in xbar's device models:
//! `G' = shift(G) + σ(G)·e`, where `e` is a standard normal draw (or a
//! centred uniform one, `U - 1/2`, for the Uniform* generic models) and the
//! result is then clipped by the device (spec §11.4). Programming error, drift
//! and read noise of every model are laws of this form, so one loop applies
//! them all and the per-cell σ can be tabulated once per programmed state.

/// The distribution of the unit draw `e`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// `e ~ N(0, 1)`.
    Normal,
    /// `e = U - 1/2` with `U ~ U[0, 1)` (width 1).
    Uniform,
}

/// One conductance error law of a device model.
pub trait ErrorLaw: std::fmt::Debug + Send + Sync + std::any::Any {
    /// The distribution of the unit draw.
    fn dist(&self) -> Dist {
        Dist::Normal
    }
    /// The deterministic part: the conductance the cell moves to before the
    /// random error (identity except for drift).
    fn shift(&self, g: f64) -> f64 {
        g
    }
    /// The scale σ(G) of the random error, in normalised conductance units.
    fn sigma(&self, g: f64) -> f64;
}

/// Clip applied after every enabled error step (spec §11.4): `[gmin, 1]`
/// with `clip_conductance`, else `[0, ∞)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clip {
    pub lo: f64,
    pub hi: f64,
}

impl Clip {
    /// Clips `g`.
    #[inline]
    pub fn apply(&self, g: f64) -> f64 {
        g.clamp(self.lo, self.hi)
    }
}
