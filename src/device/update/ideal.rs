//! The ideal update: `G' = clip(G + ΔG, Gmin, 1)`, the reference for tests.

use super::{CellsMut, DeviceUpdate, Draws, Run};
use crate::simd::{clip, multiversion};
use crate::storage::Stored;

/// Exact linear update within the device window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ideal {
    pub gmin: f64,
}

impl DeviceUpdate for Ideal {
    #[inline(always)]
    fn respond(&self, _cell: usize, g: f64, dg: f64, _draws: &Draws) -> f64 {
        (g + dg).clamp(self.gmin, 1.0)
    }

    /// One vectorised pass: cells asked for 0 keep their value.
    fn respond_run(&self, g: CellsMut<'_>, run: &Run) -> bool {
        match g {
            CellsMut::Single(g) => ideal_run(g, run.change, self.gmin),
            CellsMut::Double(g) => ideal_run(g, run.change, self.gmin),
        }
    }
}

#[inline(always)]
fn ideal_body<S: Stored>(g: &mut [S], change: &[f64], gmin: f64) -> bool {
    let mut any = false;
    let n = g.len().min(change.len());
    let (g, change) = (&mut g[..n], &change[..n]);
    for j in 0..n {
        let (g, c) = (&mut g[j], change[j]);
        let old: f64 = (*g).into();
        let new = clip(old + c, gmin, 1.0);
        let written = c != 0.0;
        *g = S::store(if written { new } else { old });
        any |= written;
    }
    any
}

multiversion! {
    fn ideal_run<S: Stored>(g: &mut [S], change: &[f64], gmin: f64) -> bool = ideal_body;
}
