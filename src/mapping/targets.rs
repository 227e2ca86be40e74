//! The target conductances of an array as a function of its block's weights:
//! one [`TargetMap`] per array (G+ or G− of a balanced block, an OFFSET
//! block's array, or one weight slice of a bit-sliced block), plain numbers
//! that say how every cell's target follows from one weight.
//!
//! The host forms an array's targets with [`TargetMap::targets`]; a backend
//! that keeps its arrays on a device forms them there from the block's
//! weights, uploaded once per block ([`BlockWeights`]), with its own copy of
//! the same per-cell formulas (`kernels/mapping.cu`: each function here has
//! its namesake there, `xbar_mapping_*`, with the same arguments in the same
//! order and the same operations in the same order, so that both give the
//! same bits).
//!
//! Every target is built in double precision from its weight, then
//! quantised to the window's `cell_bits` levels ([`Window::quantize`]); a
//! balanced block's targets are first rounded to single precision and
//! quantised in single precision ([`Window::quantize_f32`]), as CrossSim does
//! on its float32 balanced cores.

use crate::device::conductance::Window;
use crate::error::{Error, Result};
use crate::rounding::rint;
use std::any::Any;
use std::sync::OnceLock;

/// How the cells of one array follow from its block's weights, with the
/// window its targets are quantised in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetMap {
    /// The conductance window (normalised, Gmax = 1) and its `cell_bits`.
    pub window: Window,
    /// The rule of each cell.
    pub rule: Rule,
}

/// The rule that turns a weight into a target conductance (spec §5–§7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// G+ (`positive`) or G− of a balanced block ([`balanced_target`]).
    Balanced {
        positive: bool,
        two_sided: bool,
        /// The one-sided dead zone `2^-(cell_bits+1)` (0 without cell_bits).
        r: f64,
        wmax: f64,
    },
    /// The array of an OFFSET block ([`offset_target`]), with a first line of
    /// zero-weight cells when `unit_column`.
    Offset {
        wmax: f64,
        wr: f64,
        g0: f64,
        unit_column: bool,
    },
    /// One weight slice of a bit-sliced block ([`slice_target`]).
    Slice(Slice),
}

/// Weight slice `index` of `slices` of a bit-sliced block of `bits`-bit
/// weights, `slice_bits` bits per slice: one array of an offset slice (with
/// its unit line when `unit_column`), or G+ (`positive`) or G− of a
/// balanced one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slice {
    pub index: u32,
    pub slices: u32,
    pub bits: u32,
    pub slice_bits: u32,
    pub balanced: bool,
    pub positive: bool,
    pub unit_column: bool,
    pub wmax: f64,
}

impl Slice {
    /// The digit base `2^b_s`.
    pub fn base(&self) -> f64 {
        2f64.powi(self.slice_bits as i32)
    }
    /// The largest digit `2^b_s − 1`.
    pub fn full(&self) -> f64 {
        self.base() - 1.0
    }
    /// `2^(B−1)`: the offset of offset slices.
    pub fn half(&self) -> f64 {
        2f64.powi(self.bits as i32 - 1)
    }
    /// `2^B`.
    pub fn top(&self) -> f64 {
        2f64.powi(self.bits as i32)
    }
    /// `(2^(B−1) − 1)/2^(B−1)`: the largest level short of the top.
    pub fn shrink(&self) -> f64 {
        let half = self.half();
        (half - 1.0) / half
    }
}

/// The target of G+ (`positive`) or G− for weight `x`, with `m = x/wmax`:
/// TWO_SIDED `G± = gmin + grange·(1 ± m)/2`; ONE_SIDED `G+ = gmin + grange·m`
/// where `m ≥ r` else gmin, `G− = gmin − grange·m` where `m < −r` else gmin
/// (spec §5; normalised conductance).
#[inline]
pub fn balanced_target(x: f64, positive: bool, two_sided: bool, r: f64, wmax: f64, gmin: f64, grange: f64) -> f64 {
    let m = x / wmax;
    match (two_sided, positive) {
        (true, true) => gmin + (grange * (1.0 + m)) / 2.0,
        (true, false) => gmin + (grange * (1.0 - m)) / 2.0,
        (false, true) if m >= r => gmin + grange * m,
        (false, false) if m < -r => gmin - grange * m,
        (false, _) => gmin,
    }
}

/// The OFFSET target of level `m ∈ [−½, ½]`: `wr·(m + ½) + g0` (spec §6).
#[inline]
pub fn offset_level(m: f64, wr: f64, g0: f64) -> f64 {
    wr * (m + 0.5) + g0
}

/// The OFFSET target of weight `x`: [`offset_level`] of `x/(2·wmax)`.
#[inline]
pub fn offset_target(x: f64, wmax: f64, wr: f64, g0: f64) -> f64 {
    offset_level(x / (2.0 * wmax), wr, g0)
}

/// Digit `index` (least significant first) of `slices` base-`base` digits
/// of the integer `q ≥ 0`; the last digit takes every remaining bit.
#[inline]
pub fn slice_digit(mut q: f64, index: u32, slices: u32, base: f64) -> f64 {
    for i in 0..slices {
        if i + 1 == slices {
            return q;
        }
        let s = q.rem_euclid(base);
        if i == index {
            return s;
        }
        q = (q - s) / base;
    }
    q
}

/// A slice's conductance of level `t ∈ [0, 1]`: `gmin + t·grange` when
/// gmin > 0, else `t`.
#[inline]
pub fn slice_conductance(t: f64, gmin: f64, grange: f64) -> f64 {
    if gmin > 0.0 {
        gmin + t * grange
    } else {
        t
    }
}

/// The target of weight `x` in slice `index` (spec §7): the weight
/// quantised to B bits, `Q = rint(x/(2·wmax)·2^B·(2^(B−1) − 1)/2^(B−1))`
/// (plus `2^(B−1)` for offset slices), digit `index` of `|Q|` with Q's sign
/// over `2^b_s − 1` as the level `T`, then [`slice_conductance`] of `T` for
/// an offset slice, of `|T|` on G+ where `T ≥ 0` and on G− where `T < 0`
/// (0 on the other) for a balanced one.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn slice_target(
    x: f64,
    index: u32,
    slices: u32,
    balanced: bool,
    positive: bool,
    wmax: f64,
    top: f64,
    shrink: f64,
    half: f64,
    base: f64,
    full: f64,
    gmin: f64,
    grange: f64,
) -> f64 {
    let mut q = x / (2.0 * wmax);
    q *= top;
    q *= shrink;
    if !balanced {
        q += half;
    }
    let q = rint(q);
    let sign = if q < 0.0 { -1.0 } else { 1.0 };
    let t = slice_digit(q.abs(), index, slices, base) * sign / full;
    let t = match (balanced, positive) {
        (false, _) => t,
        (true, true) if t >= 0.0 => t.abs(),
        (true, false) if t < 0.0 => t.abs(),
        (true, _) => 0.0,
    };
    slice_conductance(t, gmin, grange)
}

impl TargetMap {
    /// G+ (`positive`) or G− of a balanced block.
    pub fn balanced(window: Window, positive: bool, two_sided: bool, wmax: f64) -> TargetMap {
        let r = if window.cell_bits > 0 {
            2f64.powi(-(window.cell_bits as i32 + 1))
        } else {
            0.0
        };
        TargetMap {
            window,
            rule: Rule::Balanced {
                positive,
                two_sided,
                r,
                wmax,
            },
        }
    }

    /// Lines of reference cells above the weights' rows (the unit line of
    /// UNIT_COLUMN offset arrays): 0 or 1.
    pub fn unit_rows(&self) -> usize {
        match self.rule {
            Rule::Offset { unit_column, .. } => usize::from(unit_column),
            Rule::Slice(s) => usize::from(s.unit_column && !s.balanced),
            Rule::Balanced { .. } => 0,
        }
    }

    /// Whether the targets are rounded to single precision and quantised in
    /// single precision (balanced blocks).
    pub fn single(&self) -> bool {
        matches!(self.rule, Rule::Balanced { .. })
    }

    /// The target of a cell holding weight `x`, before any rounding or
    /// quantisation.
    pub fn target(&self, x: f64) -> f64 {
        let w = self.window;
        match self.rule {
            Rule::Balanced {
                positive,
                two_sided,
                r,
                wmax,
            } => balanced_target(x, positive, two_sided, r, wmax, w.gmin, w.grange),
            Rule::Offset { wmax, wr, g0, .. } => offset_target(x, wmax, wr, g0),
            Rule::Slice(s) => slice_target(
                x,
                s.index,
                s.slices,
                s.balanced,
                s.positive,
                s.wmax,
                s.top(),
                s.shrink(),
                s.half(),
                s.base(),
                s.full(),
                w.gmin,
                w.grange,
            ),
        }
    }

    /// The target of the unit line's cells (before quantisation), if the
    /// array has one: that of zero weight, `offset_level(0)`, or for an
    /// offset slice the level of digit `index` of `2^(B−1)`.
    pub fn unit_target(&self) -> Option<f64> {
        if self.unit_rows() == 0 {
            return None;
        }
        let w = self.window;
        match self.rule {
            Rule::Offset { wr, g0, .. } => Some(offset_level(0.0, wr, g0)),
            Rule::Slice(s) => {
                let d = slice_digit(s.half(), s.index, s.slices, s.base());
                Some(slice_conductance(d / s.full(), w.gmin, w.grange))
            }
            Rule::Balanced { .. } => None,
        }
    }

    /// The quantised targets of the whole array for its block's weights `w`
    /// (row-major, `cols` per row): the unit line first, if any, then one
    /// target per weight.
    pub fn targets(&self, w: &[f64], cols: usize) -> Vec<f64> {
        let unit = self.unit_target().map(|u| std::iter::repeat_n(u, cols));
        let all = unit.into_iter().flatten().chain(w.iter().map(|&x| self.target(x)));
        if self.single() {
            let mut g: Vec<f32> = all.map(|t| t as f32).collect();
            self.window.quantize_f32(&mut g);
            g.into_iter().map(f64::from).collect()
        } else {
            let mut g: Vec<f64> = all.collect();
            self.window.quantize(&mut g);
            g
        }
    }
}

/// The weights of one block (row-major, already clipped), and the copy a
/// backend made of them where it programs arrays: made on the first array
/// the backend programs from them, and kept for the block's other arrays,
/// so that they go to a device once per block. The copy is opaque here.
pub struct BlockWeights<'a> {
    values: &'a [f64],
    copy: OnceLock<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for BlockWeights<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockWeights")
            .field("weights", &self.values.len())
            .field("copied", &self.copy.get().is_some())
            .finish()
    }
}

impl<'a> BlockWeights<'a> {
    /// The block's weights `values`, not copied anywhere yet.
    pub fn new(values: &'a [f64]) -> BlockWeights<'a> {
        BlockWeights {
            values,
            copy: OnceLock::new(),
        }
    }

    /// The weights.
    pub fn values(&self) -> &'a [f64] {
        self.values
    }

    /// The backend's copy of the weights: the one made before, or `make`'s
    /// (made at most once per block). An error when the copy held is of
    /// another type than `T` (two backends programming one block).
    pub fn copy<T: Any + Send + Sync>(&self, make: impl FnOnce(&[f64]) -> Result<T>) -> Result<&T> {
        if self.copy.get().is_none() {
            let made: Box<dyn Any + Send + Sync> = Box::new(make(self.values)?);
            let _ = self.copy.set(made);
        }
        self.copy
            .get()
            .and_then(|c| c.downcast_ref::<T>())
            .ok_or_else(|| Error::Internal("a block's weights copied by two backends".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_reassemble() {
        for q in 0..512 {
            let back: f64 = (0..3)
                .map(|i| slice_digit(q as f64, i, 3, 8.0) * 8f64.powi(i as i32))
                .sum();
            assert_eq!(back, q as f64);
        }
        // The top digit takes the remaining bits (9-bit value, 2 slices of 4 bits).
        assert_eq!(slice_digit(256.0, 0, 2, 16.0), 0.0);
        assert_eq!(slice_digit(256.0, 1, 2, 16.0), 16.0);
        assert_eq!(slice_digit(5.0, 0, 1, 16.0), 5.0);
    }

    #[test]
    fn unit_lines_and_single_precision() {
        let window = Window {
            gmin: 0.1,
            grange: 0.9,
            cell_bits: 0,
        };
        let offset = TargetMap {
            window,
            rule: Rule::Offset {
                wmax: 2.0,
                wr: 0.9,
                g0: 0.1,
                unit_column: true,
            },
        };
        let g = offset.targets(&[-2.0, 2.0, 0.0, 1.0], 2);
        assert_eq!(g, vec![0.55, 0.55, 0.1, 1.0, 0.55, 0.9 * 0.75 + 0.1]);
        let pos = TargetMap::balanced(window, true, true, 1.0);
        let g = pos.targets(&[0.3], 1);
        assert_eq!(g, vec![f64::from((0.1 + (0.9 * 1.3) / 2.0) as f32)]);
        assert_eq!(pos.unit_rows(), 0);
        assert!(pos.single() && !offset.single());
    }

    #[test]
    fn a_copy_is_made_once() {
        let w = [1.0, 2.0];
        let b = BlockWeights::new(&w);
        let mut made = 0;
        for _ in 0..3 {
            let c = b
                .copy(|v| {
                    made += 1;
                    Ok(v.iter().sum::<f64>())
                })
                .unwrap();
            assert_eq!(*c, 3.0);
        }
        assert_eq!(made, 1);
        assert!(b.copy(|_| Ok(1u8)).is_err());
        assert!(BlockWeights::new(&w)
            .copy::<u8>(|_| Err(Error::Internal("no".into())))
            .is_err());
    }
}
