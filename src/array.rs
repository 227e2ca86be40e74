//! One physical crossbar: its programmed conductances and one ideal analog
//! read. Conductances are normalised (Gmax = 1) and kept in the matrix's own
//! orientation, `g[i][j]` for output line i and input line j of an MVM.

use crate::batch::Batch;
use crate::circuit::parasitics::{solve_exact, solve_relaxation, Relaxation, Wires};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::sync::{Arc, Mutex};

/// Cell-operations below which a read runs on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 16;
use crate::device::cells::{Cells, ReadNoise};
use crate::device::update::DeviceUpdate;
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
#[derive(Debug, Clone)]
pub struct Array {
    pub rows: usize,
    pub cols: usize,
    pub g: Vec<f64>,
    /// Index of the array within its core (0 for arrays that are never read noisily).
    pub id: u32,
    /// Per-read conductance noise; `None` for exact reads.
    pub noise: Option<ReadNoise>,
    /// Wire resistances: reads solve the resistive network; `None` for ideal wires.
    pub wires: Option<Arc<Wires>>,
    /// CrossSim's relaxation solver state of this array (MVM, VMM), when that
    /// solver is chosen: its reduced gamma persists across calls, as in CrossSim.
    pub relaxation: Option<Arc<Mutex<[Relaxation; 2]>>>,
}

/// Identifies one read of the arrays of a core: the core seed, the core's
/// read-call counter and the input bit slice being applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadKey {
    pub seed: u64,
    pub call: u64,
    pub slice: u32,
}

/// Identifies one write of `update`: the core seed and the write's call
/// number (update call·2^24 + sample within the batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteKey {
    pub seed: u64,
    pub call: u64,
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
            wires: None,
            relaxation: None,
        }
    }
    /// Writes a requested change through the device update model: cell
    /// `first + k` is asked to change by `scale·dg[k]` (normalised
    /// conductance); cells asked for no change are not written. The model
    /// draws from the stream (seed, array id, Update, call) by cell index.
    /// The read-noise σ then follows the new conductances. Returns whether any
    /// cell was written.
    pub fn update(
        &mut self,
        first: usize,
        dg: &[f64],
        scale: f64,
        model: &dyn DeviceUpdate,
        key: &WriteKey,
        cells: &Cells,
    ) -> bool {
        let s = Stream::new(key.seed, self.id, Purpose::Update, key.call & 0xFF_FFFF_FFFF_FFFF);
        let mut written = false;
        for (k, (g, d)) in self.g[first..].iter_mut().zip(dg).enumerate() {
            // A request beyond the floating-point range asks for the window's edge just the same.
            let request = (scale * d).clamp(-f64::MAX, f64::MAX);
            if request != 0.0 {
                *g = model.apply(first + k, *g, request, &s);
                written = true;
            }
        }
        if written && self.noise.is_some() {
            self.noise = cells.read_noise(&self.g);
        }
        written
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
    pub fn read(&self, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        if self.wires.is_some() {
            return self.circuit(op, x, key, None);
        }
        Ok(self.currents(op, x, self.noise.as_ref().map(|n| (n, key))))
    }

    /// A read through the resistive network of this array (with `neg`, the
    /// G- array of an interleaved pair sharing its output lines), solved
    /// exactly. With read noise every vector sees its own conductances, so
    /// the network is solved once per vector.
    pub fn circuit(&self, op: Op, x: &Batch, key: &ReadKey, neg: Option<&Array>) -> Result<Batch> {
        let wires = self
            .wires
            .as_deref()
            .ok_or_else(|| Error::Internal("circuit read without wires".into()))?;
        let noisy = self.noise.is_some() || neg.is_some_and(|n| n.noise.is_some());
        if let Some(state) = &self.relaxation {
            if noisy {
                return Err(Error::unsupported(
                    "simulation.parasitic_solver: \"crosssim\" does not combine with read noise; use \"exact\"",
                ));
            }
            let mut st = state
                .lock()
                .map_err(|_| Error::Internal("relaxation state poisoned".into()))?;
            let r = &mut st[usize::from(op == Op::Vmm)];
            let report = solve_relaxation(wires, op, self.rows, self.cols, &self.g, neg.map(|n| &n.g[..]), x, r)?;
            return Ok(report.y);
        }
        if !noisy {
            return solve_exact(wires, op, self.rows, self.cols, &self.g, neg.map(|n| &n.g[..]), x);
        }
        let mut y = Batch::zeros(self.outputs(op), x.count);
        let seen = |a: &Array, b: usize| -> Vec<f64> {
            match &a.noise {
                Some(n) => {
                    let mut out = vec![0.0; a.g.len()];
                    n.sample(&a.g, 0, &key.stream(a.id, b), &mut out);
                    out
                }
                None => a.g.clone(),
            }
        };
        for b in 0..x.count {
            let gp = seen(self, b);
            let gn = neg.map(|n| seen(n, b));
            let xb = Batch::from_vec(x.len, 1, x.vector(b).to_vec());
            let yb = solve_exact(wires, op, self.rows, self.cols, &gp, gn.as_deref(), &xb)?;
            y.vector_mut(b).copy_from_slice(yb.vector(0));
        }
        Ok(y)
    }

    /// Column currents for every vector of `x`: `I = G x` (MVM) or `I = x G` (VMM),
    /// in units of one fully-on cell at full input.
    pub fn product(&self, op: Op, x: &Batch) -> Batch {
        self.currents(op, x, None)
    }

    /// Outputs `o0..o0 + out.len()` of one vector `xv` with per-output read
    /// noise: `I_i = Σ_j G_ij x_j + sqrt(Σ_j σ_ij² x_j²)·z_i`, with z_i the
    /// dense normal draw i of `s`.
    fn per_output_noise(&self, op: Op, xv: &[f64], o0: usize, out: &mut [f64], n: &ReadNoise, s: &Stream) {
        let mut var = vec![0.0; out.len()];
        match op {
            Op::Mvm => {
                for (d, (o, v)) in out.iter_mut().zip(var.iter_mut()).enumerate() {
                    let base = (o0 + d) * self.cols;
                    let (g, sd) = (&self.g[base..base + self.cols], &n.sigma[base..base + self.cols]);
                    for ((g, sd), x) in g.iter().zip(sd).zip(xv) {
                        *o += g * x;
                        *v += (sd * x) * (sd * x);
                    }
                }
            }
            Op::Vmm => {
                for (i, &x) in xv.iter().enumerate() {
                    let base = i * self.cols + o0;
                    let (g, sd) = (&self.g[base..base + out.len()], &n.sigma[base..base + out.len()]);
                    for (((o, v), g), sd) in out.iter_mut().zip(var.iter_mut()).zip(g).zip(sd) {
                        *o += x * g;
                        *v += (sd * x) * (sd * x);
                    }
                }
            }
        }
        let mut z = vec![0.0; out.len()];
        s.fill_dense(o0 as u64, &mut z, true);
        for ((o, v), z) in out.iter_mut().zip(&var).zip(&z) {
            *o += v.sqrt() * z;
        }
    }

    /// Conductances of cells `base..base + len` as one read sees them: as
    /// programmed, or redrawn into `buf` with `draw`'s noise and stream.
    fn seen<'a>(
        &'a self,
        base: usize,
        len: usize,
        draw: &Option<(&ReadNoise, Stream)>,
        buf: &'a mut [f64],
    ) -> &'a [f64] {
        match draw {
            Some((n, s)) => {
                n.sample(&self.g[base..base + len], base, s, &mut buf[..len]);
                &buf[..len]
            }
            None => &self.g[base..base + len],
        }
    }

    /// Currents, with the cells redrawn per vector when `noise` is given
    /// (vector b of the read uses stream `key.stream(id, b)`, dense draw k for
    /// cell k, generated in place a row segment at a time). Work is split over
    /// vectors and blocks of `OUT_BLOCK` outputs in xbar's pool; each output
    /// is summed by one thread in input order, so results do not depend on
    /// the thread count.
    fn currents(&self, op: Op, x: &Batch, noise: Option<(&ReadNoise, &ReadKey)>) -> Batch {
        const OUT_BLOCK: usize = 64;
        debug_assert_eq!(x.len, self.inputs(op));
        let n_out = self.outputs(op);
        let mut y = Batch::zeros(n_out, x.count);
        let chunks_per_vector = n_out.div_ceil(OUT_BLOCK).max(1);
        let per_output = noise.is_some_and(|(n, _)| n.per_output);
        let work = |(c, out): (usize, &mut [f64])| {
            let b = c / chunks_per_vector;
            let o0 = (c % chunks_per_vector) * OUT_BLOCK;
            let xv = x.vector(b);
            if per_output {
                if let Some((n, key)) = noise {
                    self.per_output_noise(op, xv, o0, out, n, &key.stream(self.id, b));
                }
                return;
            }
            let draw = noise.map(|(n, key)| (n, key.stream(self.id, b)));
            let mut buf = vec![0.0; if noise.is_some() { self.cols.max(OUT_BLOCK) } else { 0 }];
            match op {
                Op::Mvm => {
                    for (d, o) in out.iter_mut().enumerate() {
                        let row = self.seen((o0 + d) * self.cols, self.cols, &draw, &mut buf);
                        *o = row.iter().zip(xv).map(|(g, x)| g * x).sum();
                    }
                }
                Op::Vmm => {
                    let len = out.len();
                    for (i, &v) in xv.iter().enumerate() {
                        let seg = self.seen(i * self.cols + o0, len, &draw, &mut buf);
                        for (o, g) in out.iter_mut().zip(seg) {
                            *o += v * g;
                        }
                    }
                }
            }
        };
        let mut pieces: Vec<(usize, &mut [f64])> = Vec::with_capacity(x.count * chunks_per_vector);
        for (b, v) in y.data.chunks_mut(n_out.max(1)).enumerate() {
            for (k, piece) in v.chunks_mut(OUT_BLOCK).enumerate() {
                pieces.push((b * chunks_per_vector + k, piece));
            }
        }
        if self.rows * self.cols * x.count >= PARALLEL_MIN_WORK {
            crate::threads::install(|| pieces.into_par_iter().for_each(work));
        } else {
            pieces.into_iter().for_each(work);
        }
        y
    }
}
