//! Conductances of one array in the precision the core keeps them
//! (`simulation.conductance_precision`): single precision by default, one
//! `f32` (4 bytes) per physical cell, or double precision on request.
//!
//! Values are computed in `f64` everywhere and rounded to the nearest `f32`
//! when stored in single precision (relative step 2⁻²⁴ ≈ 6·10⁻⁸, far below any
//! device's programming precision). Products read them back exactly.

use crate::device::update::CellsMut;
use crate::params::ConductancePrecision;
use std::borrow::Cow;

/// A row-major conductance matrix in one precision.
#[derive(Debug, Clone, PartialEq)]
pub enum Conductances {
    Single(Vec<f32>),
    Double(Vec<f64>),
}

/// An element type conductances are stored in.
pub trait Stored: Copy + Send + Sync + Into<f64> + 'static + crate::product::WideElem {
    /// The nearest stored value to `v`.
    fn store(v: f64) -> Self;
    /// `g` as the cells of a write.
    fn cells(g: &mut [Self]) -> CellsMut<'_>;
}

impl Stored for f32 {
    #[inline(always)]
    fn store(v: f64) -> f32 {
        v as f32
    }
    fn cells(g: &mut [f32]) -> CellsMut<'_> {
        CellsMut::Single(g)
    }
}

impl Stored for f64 {
    #[inline(always)]
    fn store(v: f64) -> f64 {
        v
    }
    fn cells(g: &mut [f64]) -> CellsMut<'_> {
        CellsMut::Double(g)
    }
}

/// Calls `$body` with `$v` bound to the stored slice, whatever its type
/// (crate-internal: `crate::with_stored!`).
macro_rules! with_stored {
    ($c:expr, $v:ident => $body:expr) => {
        match $c {
            $crate::storage::Conductances::Single($v) => $body,
            $crate::storage::Conductances::Double($v) => $body,
        }
    };
}
pub(crate) use with_stored;

impl Conductances {
    /// `n` zero conductances in `precision` (zeroed pages, not touched).
    pub fn zeros(n: usize, precision: ConductancePrecision) -> Conductances {
        match precision {
            ConductancePrecision::Float32 => Conductances::Single(vec![0.0; n]),
            ConductancePrecision::Float64 => Conductances::Double(vec![0.0; n]),
        }
    }

    /// `values` stored in `precision` (rounded to nearest for single).
    pub fn new(values: Vec<f64>, precision: ConductancePrecision) -> Conductances {
        match precision {
            ConductancePrecision::Float32 => Conductances::Single(values.iter().map(|&v| v as f32).collect()),
            ConductancePrecision::Float64 => Conductances::Double(values),
        }
    }

    /// The precision the values are stored in.
    pub fn precision(&self) -> ConductancePrecision {
        match self {
            Conductances::Single(_) => ConductancePrecision::Float32,
            Conductances::Double(_) => ConductancePrecision::Float64,
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        with_stored!(self, v => v.len())
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every cell as `f64`: borrowed in double precision, converted in single.
    pub fn as_f64(&self) -> Cow<'_, [f64]> {
        match self {
            Conductances::Single(v) => Cow::Owned(v.iter().map(|&x| x as f64).collect()),
            Conductances::Double(v) => Cow::Borrowed(v),
        }
    }

    /// Replaces every cell by `values` (same length), kept in this precision.
    pub fn assign(&mut self, values: &[f64]) {
        debug_assert_eq!(values.len(), self.len());
        with_stored!(self, v => v.iter_mut().zip(values).for_each(|(o, &x)| *o = Stored::store(x)))
    }

    /// The cells from `first` on, writable in place in their own precision
    /// (an update writes each cell once, rounding to nearest in single precision).
    pub fn cells_mut(&mut self, first: usize) -> CellsMut<'_> {
        match self {
            Conductances::Single(v) => CellsMut::Single(&mut v[first..]),
            Conductances::Double(v) => CellsMut::Double(&mut v[first..]),
        }
    }

    /// Bytes held per cell.
    pub fn cell_bytes(&self) -> usize {
        match self {
            Conductances::Single(_) => 4,
            Conductances::Double(_) => 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_precision_rounds_to_nearest_and_modifies_in_place() {
        let v = vec![0.1, 1.0 / 3.0, 0.75];
        let mut c = Conductances::new(v.clone(), ConductancePrecision::Float32);
        assert_eq!(c.cell_bytes(), 4);
        let stored = c.as_f64().into_owned();
        for (s, &x) in stored.iter().zip(&v) {
            assert_eq!(*s, x as f32 as f64);
        }
        if let CellsMut::Single(g) = c.cells_mut(1) {
            g[0] = f32::store(g[0] as f64 + 0.25);
        }
        let after = c.as_f64();
        assert_eq!(after[1], (((1.0f64 / 3.0) as f32 as f64) + 0.25) as f32 as f64);
        assert_eq!(after[0], 0.1f32 as f64);
        let d = Conductances::new(v.clone(), ConductancePrecision::Float64);
        assert_eq!(d.as_f64().as_ref(), &v[..]);
        assert!(matches!(d.as_f64(), Cow::Borrowed(_)));
    }
}
