//! Partitioning a matrix that exceeds one array into a grid of blocks
//! (spec §3.2). `core.rows_max` bounds the matrix columns per array (inputs
//! drive array rows) and `core.cols_max` bounds the matrix rows per array.

use crate::error::{Error, Result};
use crate::params::{Params, PartitionStrategy};

/// Half-open ranges `start..start+len` of matrix rows and columns per block.
#[derive(Debug, Clone, PartialEq)]
pub struct Tiling {
    pub row_blocks: Vec<(usize, usize)>,
    pub col_blocks: Vec<(usize, usize)>,
}

impl Tiling {
    /// The grid for an `nrow × ncol` (physical, i.e. complex-expanded) matrix.
    pub fn plan(p: &Params, nrow: usize, ncol: usize) -> Result<Tiling> {
        let c = &p.core;
        let w = &c.mapping.weights;
        let blocks_for = |n: usize, max: usize| (n - 1).checked_div(max).map_or(1, |q| q + 1);
        let ncores = blocks_for(ncol, c.rows_max) * blocks_for(nrow, c.cols_max);
        let (n_row_blocks, n_col_blocks) = if c.rows_max == 0 {
            (ncores, 1)
        } else {
            let r = ncores / blocks_for(ncol, c.rows_max);
            (r, ncores / r)
        };
        let rows = sizes(
            nrow,
            n_row_blocks,
            c.cols_max,
            &w.row_partition_priority,
            w.row_partition_strategy,
            "row",
        )?;
        let cols = sizes(
            ncol,
            n_col_blocks,
            c.rows_max,
            &w.col_partition_priority,
            w.col_partition_strategy,
            "col",
        )?;
        Ok(Tiling {
            row_blocks: bounds(&rows),
            col_blocks: bounds(&cols),
        })
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.row_blocks.len() * self.col_blocks.len()
    }
}

/// Block sizes along one dimension of length `n` split into `k` blocks of at
/// most `max` (0 = no limit). Equal blocks when k divides n; otherwise full
/// blocks of `max` and a remainder when the strategy is MAX or some priority
/// divisor d has `n mod (max/d) == 0`; otherwise (EQUAL) `round_half_even(n/k)`
/// per block and the rest in the last, which may then exceed `max` as in CrossSim.
fn sizes(
    n: usize,
    k: usize,
    max: usize,
    priority: &[f64],
    strategy: PartitionStrategy,
    what: &str,
) -> Result<Vec<usize>> {
    if n.is_multiple_of(k) {
        return Ok(vec![n / k; k]);
    }
    let divides = priority.iter().any(|&d| {
        let b = max as f64 / d;
        b != 0.0 && (n as f64).rem_euclid(b) == 0.0
    });
    let per = if divides || strategy == PartitionStrategy::Max {
        max
    } else {
        (n as f64 / k as f64).round_ties_even() as usize
    };
    let used = per * (k - 1);
    if used >= n {
        return Err(Error::params(format!(
            "core.mapping.weights.{what}_partition_strategy: splitting {n} into {k} blocks of {per} leaves the last block empty"
        )));
    }
    let mut v = vec![per; k - 1];
    v.push(n - used);
    Ok(v)
}

fn bounds(sizes: &[usize]) -> Vec<(usize, usize)> {
    let mut start = 0;
    sizes
        .iter()
        .map(|&s| {
            let b = (start, s);
            start += s;
            b
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(
        rows_max: usize,
        cols_max: usize,
        nrow: usize,
        ncol: usize,
        f: impl Fn(&mut Params),
    ) -> (Vec<usize>, Vec<usize>) {
        let mut p = Params::default();
        p.core.rows_max = rows_max;
        p.core.cols_max = cols_max;
        f(&mut p);
        let t = Tiling::plan(&p, nrow, ncol).unwrap();
        (
            t.row_blocks.iter().map(|b| b.1).collect(),
            t.col_blocks.iter().map(|b| b.1).collect(),
        )
    }

    #[test]
    fn spec_t13_block_sizes() {
        // Spec §17.1 T13: 10x9 matrix, rows_max 4, cols_max 3.
        assert_eq!(plan(4, 3, 10, 9, |_| {}), (vec![2, 2, 2, 4], vec![3, 3, 3]));
        // T13c: MAX strategy.
        let max = |p: &mut Params| {
            p.core.mapping.weights.row_partition_strategy = PartitionStrategy::Max;
            p.core.mapping.weights.col_partition_strategy = PartitionStrategy::Max;
        };
        assert_eq!(plan(4, 3, 10, 9, max), (vec![3, 3, 3, 1], vec![3, 3, 3]));
        // T13d: cols_max 4, row priority [2].
        let prio = |p: &mut Params| p.core.mapping.weights.row_partition_priority = vec![2.0];
        assert_eq!(plan(4, 4, 10, 9, prio), (vec![4, 4, 2], vec![3, 3, 3]));
    }

    #[test]
    fn unlimited_is_one_block() {
        assert_eq!(plan(0, 0, 7, 5, |_| {}), (vec![7], vec![5]));
    }
}
