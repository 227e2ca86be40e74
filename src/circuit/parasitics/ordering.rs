//! Fill-reducing elimination orders for the sparse Cholesky factorisation.
//!
//! With current from the input and resistive input and output lines, the
//! network is a two-layer grid: input-line node `(i, j)` is linked to
//! `(i±1, j)`, output-line node `(i, j)` to `(i, j±1)`, and the two through the
//! cell. Geometric nested dissection cuts the `m × n` cell grid in halves,
//! orders both halves first (recursively) and the cut last:
//!
//! * a cut across the input lines at `i = k` removes the input-line nodes
//!   `(k, ·)` (all polarities); output line `k` is then a chain of its own, which
//!   is ordered just before the cut;
//! * a cut across the output lines at `j = k` removes the output-line nodes
//!   `(·, k)`; input line `k` (each polarity) is then a chain of its own.
//!
//! The cut with the smaller separator is taken. On a 1024 × 1024 array this
//! gives about 30% fewer factor entries (101 M against 143 M) and a third of
//! the numeric factorisation time of the approximate minimum degree order
//! (faer's default). Separate-source ladders and single-line
//! systems are banded in their natural numbering; lumped lines (a line with no
//! resistance between cells but one at its end) use minimum degree.

use super::network::Network;
use super::wires::LineKind;

/// Which elimination order the factorisation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// The node numbering itself (banded).
    Natural,
    /// Geometric nested dissection of the cell grid.
    NestedDissection,
    /// Approximate minimum degree.
    MinimumDegree,
}

impl Order {
    /// The order suited to `net`.
    pub fn for_network(net: &Network) -> Order {
        if net.frame.separate_source {
            return Order::Natural;
        }
        match (net.out_kind, net.in_kind) {
            (LineKind::Chain, LineKind::Chain) => Order::NestedDissection,
            (LineKind::Lumped, _) | (_, LineKind::Lumped) => Order::MinimumDegree,
            _ => Order::Natural,
        }
    }
}

/// Blocks with at most this many cells are ordered row by row.
const LEAF_CELLS: usize = 16;

/// Nested-dissection order of an input-source network whose lines are all
/// chains: `order[k]` is the node eliminated `k`-th.
pub(crate) fn nested_dissection(net: &Network) -> Vec<usize> {
    let mut order = Vec::with_capacity(net.nodes);
    dissect(net, 0, net.frame.m, 0, net.frame.n, &mut order);
    debug_assert_eq!(order.len(), net.nodes);
    order
}

fn dissect(net: &Network, i0: usize, i1: usize, j0: usize, j1: usize, order: &mut Vec<usize>) {
    let (di, dj) = (i1 - i0, j1 - j0);
    if di == 0 || dj == 0 {
        return;
    }
    let pols = net.pols;
    if di * dj <= LEAF_CELLS {
        for i in i0..i1 {
            for j in j0..j1 {
                order.extend((0..pols).map(|p| net.in_node(p, i, j) as usize));
                order.push(net.out_node(i, j) as usize);
            }
        }
        return;
    }
    // A cut across the input lines costs `pols·dj` nodes, one across the output lines `di`.
    if pols * dj <= di && di > 1 || dj == 1 {
        let k = i0 + di / 2;
        dissect(net, i0, k, j0, j1, order);
        dissect(net, k + 1, i1, j0, j1, order);
        order.extend((j0..j1).map(|j| net.out_node(k, j) as usize));
        for j in j0..j1 {
            order.extend((0..pols).map(|p| net.in_node(p, k, j) as usize));
        }
    } else {
        let k = j0 + dj / 2;
        dissect(net, i0, i1, j0, k, order);
        dissect(net, i0, i1, k + 1, j1, order);
        for p in 0..pols {
            order.extend((i0..i1).map(|i| net.in_node(p, i, k) as usize));
        }
        order.extend((i0..i1).map(|i| net.out_node(i, k) as usize));
    }
}
