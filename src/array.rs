//! One physical crossbar: its programmed conductances and one ideal analog
//! read. Conductances are normalised (Gmax = 1) and kept in the matrix's own
//! orientation, `g[i][j]` for output line i and input line j of an MVM.

use crate::batch::Batch;

/// Which product an array read computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `y_i = Σ_j G_ij x_j` (inputs drive the array rows).
    Mvm,
    /// `y_j = Σ_i v_i G_ij` (the transpose direction).
    Vmm,
}

/// A `rows × cols` conductance matrix (row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub rows: usize,
    pub cols: usize,
    pub g: Vec<f64>,
}

impl Array {
    /// An array holding `g` (`rows × cols`, row-major).
    pub fn new(rows: usize, cols: usize, g: Vec<f64>) -> Array {
        debug_assert_eq!(g.len(), rows * cols);
        Array { rows, cols, g }
    }
    /// Number of inputs of `op` (cols for MVM, rows for VMM).
    pub fn inputs(&self, op: Op) -> usize {
        match op {
            Op::Mvm => self.cols,
            Op::Vmm => self.rows,
        }
    }
    /// Number of outputs of `op`.
    pub fn outputs(&self, op: Op) -> usize {
        match op {
            Op::Mvm => self.rows,
            Op::Vmm => self.cols,
        }
    }
    /// Column currents for every vector of `x`: `I = G x` (MVM) or `I = x G` (VMM),
    /// in units of one fully-on cell at full input.
    pub fn product(&self, op: Op, x: &Batch) -> Batch {
        debug_assert_eq!(x.len, self.inputs(op));
        let mut y = Batch::zeros(self.outputs(op), x.count);
        for b in 0..x.count {
            let xv = x.vector(b);
            let yv = y.vector_mut(b);
            match op {
                Op::Mvm => {
                    for (i, out) in yv.iter_mut().enumerate() {
                        let row = &self.g[i * self.cols..(i + 1) * self.cols];
                        *out = row.iter().zip(xv).map(|(g, x)| g * x).sum();
                    }
                }
                Op::Vmm => {
                    for (i, &v) in xv.iter().enumerate() {
                        let row = &self.g[i * self.cols..(i + 1) * self.cols];
                        for (out, g) in yv.iter_mut().zip(row) {
                            *out += v * g;
                        }
                    }
                }
            }
        }
        y
    }
}
