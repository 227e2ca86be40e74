//! The array term when wires are modelled: the power the input drivers
//! deliver, `Σ V·I`, from the exact circuit solve of every network of a block
//! (each array, or an interleaved G+/G− pair as one network), with the
//! block's programmed conductances. The networks are factorised once per
//! conductance state and operation, not per read.
//!
//! Not covered (the ideal-wire law `Σ V²·G` is used, an upper bound):
//! separate supply lines (`current_from_input = false`) and nonlinear I-V
//! cells.

use crate::array::{Array, Op};
use crate::batch::Batch;
use crate::circuit::parasitics::{LinearSolver, Method};
use crate::error::Result;
use crate::mapping::bitsliced::SliceArrays;
use crate::mapping::pair::Pair;
use crate::mapping::Mapping;
use std::sync::Arc;

/// One factorised network of a block and how its inputs relate to the block's.
#[derive(Debug, Clone)]
pub struct Net {
    solver: Arc<LinearSolver>,
    /// Leading input lines the block's inputs do not drive (0 V): a VMM's
    /// reference line.
    pad: usize,
}

/// The factorised networks of `block` for `op` (inputs of length `n_in`),
/// or `None` when its arrays have ideal wires or a network the source power
/// is not computed for (separate supply lines, nonlinear cells).
pub fn networks(block: &Mapping, op: Op, n_in: usize) -> Result<Option<Vec<Net>>> {
    let mut parts: Vec<(&Array, Option<&Array>)> = Vec::new();
    match block {
        Mapping::Balanced(m) => parts.extend(pair(m.pair())),
        Mapping::Offset(m) => parts.push((m.array(), None)),
        Mapping::BitSliced(m) => {
            for s in &m.slices {
                match s {
                    SliceArrays::Balanced(p) => parts.extend(pair(p)),
                    SliceArrays::Offset(a) => parts.push((a, None)),
                }
            }
        }
    }
    let mut nets = Vec::with_capacity(parts.len());
    for (a, neg) in parts {
        let Some(wires) = &a.wires else { return Ok(None) };
        if !wires.current_from_input || a.iv.is_some() {
            return Ok(None);
        }
        let inputs = match op {
            Op::Mvm => a.cols,
            Op::Vmm => a.rows,
        };
        let mut solver = LinearSolver::new(wires, op, a.rows, a.cols, neg.is_some())?;
        solver.set_method(Method::Direct);
        // The newest conductances (fetched where a backend holds them).
        let gn = neg.map(Array::conductances).transpose()?;
        solver.factor(&a.conductances()?, gn.as_deref())?;
        nets.push(Net {
            solver: Arc::new(solver),
            pad: inputs - n_in,
        });
    }
    Ok(Some(nets))
}

/// The networks of a pair: one when interleaved (its cells share the output lines), else two.
fn pair(p: &Pair) -> Vec<(&Array, Option<&Array>)> {
    if p.interleaved {
        vec![(&p.pos, Some(&p.neg))]
    } else {
        vec![(&p.pos, None), (&p.neg, None)]
    }
}

/// `Σ V·I` (normalised, as `Σ v²·g`) of every network for every vector of
/// each batch of `inputs` (the DAC outputs, or each input slice).
pub fn source_power(nets: &[Net], inputs: &[Batch]) -> Result<f64> {
    let mut total = 0.0;
    for x in inputs {
        for net in nets {
            let padded;
            let xs = if net.pad == 0 {
                x
            } else {
                let mut b = Batch::zeros(x.len + net.pad, x.count);
                for v in 0..x.count {
                    b.vector_mut(v)[net.pad..].copy_from_slice(x.vector(v));
                }
                padded = b;
                &padded
            };
            total += net.solver.source_power(xs)?.iter().sum::<f64>();
        }
    }
    Ok(total)
}
