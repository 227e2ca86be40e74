//! One physical crossbar: its programmed conductances and one ideal analog
//! read. Conductances are normalised (Gmax = 1) and kept in the matrix's own
//! orientation, `g[i][j]` for output line i and input line j of an MVM.

use crate::batch::Batch;
use crate::device::cells::ReadNoise;
use crate::rng::{Purpose, Stream};

/// Which product an array read computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `y_i = Σ_j G_ij x_j` (inputs drive the array rows).
    Mvm,
    /// `y_j = Σ_i v_i G_ij` (the transpose direction).
    Vmm,
}

/// A `rows × cols` conductance matrix (row-major), its identity within the
/// core (for its random streams) and its read noise.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub rows: usize,
    pub cols: usize,
    pub g: Vec<f64>,
    /// Index of the array within its core (0 for arrays that are never read noisily).
    pub id: u32,
    /// Per-read conductance noise; `None` for exact reads.
    pub noise: Option<ReadNoise>,
}

/// Identifies one read of the arrays of a core: the core seed, the core's
/// read-call counter and the input bit slice being applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadKey {
    pub seed: u64,
    pub call: u64,
    pub slice: u32,
}

impl ReadKey {
    /// The read-noise stream of array `id` for vector `b` of the batch:
    /// array field `id·2^8 + slice`, call field `call·2^24 + b` (call counters
    /// below 2^32, batches below 2^24 vectors and 256 input slices keep
    /// streams distinct).
    pub fn stream(&self, id: u32, b: usize) -> Stream {
        let array = (id << 8) | (self.slice & 0xFF);
        let call = ((self.call & 0xFFFF_FFFF) << 24) | (b as u64 & 0xFF_FFFF);
        Stream::new(self.seed, array, Purpose::ReadNoise, call)
    }
}

impl Array {
    /// An array holding `g` (`rows × cols`, row-major).
    pub fn new(rows: usize, cols: usize, g: Vec<f64>) -> Array {
        debug_assert_eq!(g.len(), rows * cols);
        Array {
            rows,
            cols,
            g,
            id: 0,
            noise: None,
        }
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
    /// One analog read: column currents for every vector of `x`, with a fresh
    /// read-noise draw of every cell for every vector (`key` names the read).
    pub fn read(&self, op: Op, x: &Batch, key: &ReadKey) -> Batch {
        let Some(noise) = &self.noise else {
            return self.product(op, x);
        };
        let mut y = Batch::zeros(self.outputs(op), x.count);
        for b in 0..x.count {
            let s = key.stream(self.id, b);
            let xv = x.vector(b);
            let yv = y.vector_mut(b);
            let cell = |k: usize| noise.sample(self.g[k], k, &s);
            match op {
                Op::Mvm => {
                    for (i, out) in yv.iter_mut().enumerate() {
                        let base = i * self.cols;
                        *out = xv.iter().enumerate().map(|(j, x)| cell(base + j) * x).sum();
                    }
                }
                Op::Vmm => {
                    for (i, &v) in xv.iter().enumerate() {
                        let base = i * self.cols;
                        for (j, out) in yv.iter_mut().enumerate() {
                            *out += v * cell(base + j);
                        }
                    }
                }
            }
        }
        y
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
