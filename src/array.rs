//! One physical crossbar: its programmed conductances and one ideal analog
//! read. Conductances are normalised (Gmax = 1) and kept in the matrix's own
//! orientation, `g[i][j]` for output line i and input line j of an MVM.

use crate::batch::Batch;
use crate::circuit::parasitics::{solve_relaxation, Problem, Relaxation, Wires};
use crate::device::iv::IvModel;
use crate::error::{Error, Result};
use crate::product::{self, gemm, Dense, Diff, Matrix, Sum};
use crate::storage::{Conductances, Stored};
use crate::with_stored;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};

/// Cell-operations below which a read runs on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 16;
use crate::device::cells::{Cells, ReadNoise};
use crate::device::update::{DeviceUpdate, Request};
use crate::rng::{identity, NoiseStream, Purpose, Stream};

pub use crate::product::Op;

/// A fresh [`Array::version`], never handed out before in this process.
fn next_version() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A `rows × cols` conductance matrix (row-major, in the core's storage
/// precision), its identity within the core (for its random streams) and its
/// read noise.
#[derive(Debug, Clone)]
pub struct Array {
    pub rows: usize,
    pub cols: usize,
    pub g: Conductances,
    /// Index of the array within its core (0 for arrays that are never read noisily).
    pub id: u32,
    /// Per-read conductance noise; `None` for exact reads.
    pub noise: Option<ReadNoise>,
    /// Wire resistances: reads solve the resistive network; `None` for ideal wires.
    pub wires: Option<Arc<Wires>>,
    /// CrossSim's relaxation solver state of this array (MVM, VMM), when that
    /// solver is chosen: its reduced gamma persists across calls, as in CrossSim.
    pub relaxation: Option<Arc<Mutex<[Relaxation; 2]>>>,
    /// Which state of `g` (and of the read noise) this is: a number drawn
    /// afresh whenever the conductances change ([`Array::refresh`]), so that
    /// a backend keeping copies of arrays knows when one is outdated.
    version: u64,
    /// The cells' nonlinear I-V law; `None` for ohmic cells.
    pub iv: Option<IvModel>,
    /// Batches of two or more vectors read static conductances with a GEMM
    /// (`product::gemm`); `false` (`simulation.disable_fast_matmul`) keeps
    /// the in-order one-vector kernels, whose results do not depend on the batch.
    pub gemm: bool,
    /// The difference `G − G_neg` of this array (G+ of a balanced pair) and
    /// its partner, kept for batched reads ([`Array::stored_difference`]).
    difference: DifferenceCache,
    /// Conductances newer than `g`, held by the backend that wrote them (a
    /// GPU's copy after an update ran there); `g` is then outdated until
    /// [`Array::take_newer`] brings them back. Shared, never changed, by
    /// clones of the array.
    newer: Option<Arc<dyn Newer>>,
}

/// Conductances of an array held outside it, newer than its own `g`
/// ([`Array::set_newer`]); the holder never changes them afterwards.
pub trait Newer: std::any::Any + Send + Sync + std::fmt::Debug {
    /// The `rows × cols` conductances (row-major), exactly as stored, in the
    /// array's storage precision widened to `f64`.
    fn fetch(&self) -> Result<Vec<f64>>;

    /// The per-cell read-noise σ the holder keeps with these conductances
    /// (row-major, widened to `f64`), when it keeps one; `None` when the
    /// array's σ is shared by every cell, or the holder keeps none.
    fn fetch_sigma(&self) -> Result<Option<Vec<f64>>> {
        Ok(None)
    }
}

/// A balanced pair's difference matrix as last computed, with the
/// [`Array::version`]s of both arrays (and the rounding) it was made from.
/// Built on the first batched (GEMM) read of the pair, so only cores whose
/// static reads take the GEMM hold it: one more matrix per pair, in the
/// storage precision (4 bytes per cell for float32, 8 for float64). A clone
/// of the array starts with an empty cache.
#[derive(Default)]
struct DifferenceCache(Mutex<Option<CachedDifference>>);

/// One stored difference and what it was made from.
struct CachedDifference {
    pos: u64,
    neg: u64,
    single: bool,
    g: Arc<Conductances>,
}

impl Clone for DifferenceCache {
    fn clone(&self) -> DifferenceCache {
        DifferenceCache::default()
    }
}

impl std::fmt::Debug for DifferenceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.0.lock().map(|c| c.is_some()).unwrap_or(false);
        write!(f, "DifferenceCache {{ held: {held} }}")
    }
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
    /// The read-noise stream of array `id` for vector `b` of the batch
    /// ([`identity::read_noise`]).
    pub fn stream(&self, id: u32, b: usize) -> Stream {
        self.streams(id).vector(b)
    }

    /// The read-noise streams of array `id` for every vector of this read.
    pub fn streams(&self, id: u32) -> NoiseStream {
        identity::read_noise(self.seed, id, self.slice, self.call)
    }
}

impl Array {
    /// An array holding `g` (`rows × cols`, row-major).
    pub fn new(rows: usize, cols: usize, g: Conductances) -> Array {
        debug_assert_eq!(g.len(), rows * cols);
        Array {
            rows,
            cols,
            g,
            id: 0,
            noise: None,
            wires: None,
            relaxation: None,
            version: next_version(),
            iv: None,
            gemm: true,
            difference: DifferenceCache::default(),
            newer: None,
        }
    }

    /// The state of the conductances (see the field): equal versions hold
    /// equal conductances and read noise.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Marks the conductances (or their read noise) as changed: to be called
    /// after every write of `g` or `noise`.
    pub fn refresh(&mut self) -> Result<()> {
        self.version = next_version();
        Ok(())
    }

    /// The conductances newer than `g` that a backend holds, if any.
    pub fn newer(&self) -> Option<&Arc<dyn Newer>> {
        self.newer.as_ref()
    }

    /// Records that `newer` holds this array's conductances from now on (a
    /// backend wrote them where it keeps them): `g` is outdated until
    /// [`Array::take_newer`], and the array gets a new version.
    pub fn set_newer(&mut self, newer: Arc<dyn Newer>) -> Result<()> {
        self.newer = Some(newer);
        self.refresh()
    }

    /// Makes `values` (normalised, row-major) the conductances, stored in
    /// the array's precision, whatever a backend held before.
    pub fn assign(&mut self, values: &[f64]) {
        self.newer = None;
        self.g.assign(values);
    }

    /// An error when a backend holds newer conductances than `g` (a host
    /// read would see outdated ones; `Core` fetches them first).
    fn held_here(&self) -> Result<()> {
        match self.newer {
            None => Ok(()),
            Some(_) => Err(Error::Internal(format!(
                "array {}: its conductances were read on the host while a backend holds newer ones",
                self.id
            ))),
        }
    }

    /// Brings the newer conductances a backend holds (if any) into `g`, in
    /// the storage precision (exact: they were stored in it), and the read
    /// noise's σ that follows them (`cells`' law, as after a write on the
    /// host). The version does not change: the conductances are the same state.
    pub fn take_newer(&mut self, cells: &Cells) -> Result<()> {
        let Some(newer) = self.newer.clone() else {
            return Ok(());
        };
        self.g = self.stored_from(newer.as_ref())?;
        self.newer = None;
        if self.noise.is_some() {
            self.noise = cells.read_noise(&self.g);
        }
        Ok(())
    }

    /// The newer conductances `newer` holds, in this array's storage
    /// precision (exact: they were stored in it).
    fn stored_from(&self, newer: &dyn Newer) -> Result<Conductances> {
        let values = newer.fetch()?;
        if values.len() != self.g.len() {
            return Err(Error::Internal(format!(
                "an array of {} cells got {} newer conductances",
                self.g.len(),
                values.len()
            )));
        }
        Ok(match self.g {
            Conductances::Single(_) => Conductances::Single(values.iter().map(|&v| v as f32).collect()),
            Conductances::Double(_) => Conductances::Double(values),
        })
    }

    /// The newest conductances (normalised, row-major, widened to `f64`):
    /// `g`, or those a backend holds, fetched (host code that only needs the
    /// values, such as the cost counters' factorised networks).
    pub fn conductances(&self) -> Result<Cow<'_, [f64]>> {
        match &self.newer {
            None => Ok(self.g.as_f64()),
            Some(newer) => Ok(Cow::Owned(self.stored_from(newer.as_ref())?.as_f64().into_owned())),
        }
    }

    /// This array with its newest state on the host: itself, or, when a
    /// backend holds newer conductances, a copy with them fetched into `g`
    /// and the per-cell read-noise σ that the holder keeps with them (where
    /// the read noise has one and it is not on the host), as
    /// [`Array::take_newer`] leaves it but without the cell laws at hand: a
    /// backend's fallback to a host solve. The copy has this array's
    /// version (the same state) and shares its relaxation state.
    pub fn fetched(&self) -> Result<Cow<'_, Array>> {
        let Some(newer) = &self.newer else {
            return Ok(Cow::Borrowed(self));
        };
        let mut a = self.clone();
        a.g = self.stored_from(newer.as_ref())?;
        a.newer = None;
        if let Some(n) = a
            .noise
            .as_mut()
            .filter(|n| n.uniform_sigma.is_none() && n.sigma.is_empty())
        {
            let sigma = newer.fetch_sigma()?.ok_or_else(|| {
                Error::Internal(format!(
                    "array {}: per-cell read noise whose σ is neither on the host nor held with its conductances",
                    self.id
                ))
            })?;
            if sigma.len() != a.g.len() {
                return Err(Error::Internal(format!(
                    "an array of {} cells got {} newer read-noise σ",
                    a.g.len(),
                    sigma.len()
                )));
            }
            n.sigma = sigma;
        }
        Ok(Cow::Owned(a))
    }

    /// Writes a requested change through the device update model: the cells
    /// from `first` on are asked for `scale` times `request` (normalised
    /// conductance); cells asked for no change are not written. The model
    /// draws from the stream (seed, array id, Update, call) by cell index.
    /// The read-noise σ then follows the new conductances. Returns whether any
    /// cell was written (the array then has a new [`Array::version`]).
    pub fn update(
        &mut self,
        first: usize,
        request: &Request,
        scale: f64,
        model: &dyn DeviceUpdate,
        key: &WriteKey,
        cells: &Cells,
    ) -> Result<bool> {
        self.take_newer(cells)?;
        let s = self.update_stream(key);
        let written = model.write(self.g.cells_mut(first), first, request, scale, &s);
        if written && self.noise.is_some() {
            self.noise = cells.read_noise(&self.g);
        }
        if written {
            self.refresh()?;
        }
        Ok(written)
    }

    /// The random stream of this array's write `key` (seed, array id, Update, call).
    pub fn update_stream(&self, key: &WriteKey) -> Stream {
        Stream::new(key.seed, self.id, Purpose::Update, key.call)
    }

    /// Whether a read's result does not depend on its key: no read noise and
    /// ideal wires (the relaxation solver keeps state between calls).
    pub fn key_independent(&self) -> bool {
        self.noise.is_none() && self.wires.is_none()
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
        self.held_here()?;
        if self.wires.is_some() {
            return self.circuit(op, x, key, None);
        }
        if let Some(iv) = &self.iv {
            return Ok(self.uncoupled(op, x, key, iv));
        }
        Ok(match &self.noise {
            None => self.product(op, x),
            Some(n) if n.per_output => self.per_output_noise(op, x, n, key),
            Some(n) => self.noisy_currents(op, x, n, key),
        })
    }

    /// A read through the resistive network of this array (with `neg`, the
    /// G- array of an interleaved pair sharing its output lines), solved
    /// exactly (by Newton's method for nonlinear cells). With read noise every
    /// vector sees its own conductances, so the network is solved once per vector.
    pub fn circuit(&self, op: Op, x: &Batch, key: &ReadKey, neg: Option<&Array>) -> Result<Batch> {
        self.held_here()?;
        if let Some(n) = neg {
            n.held_here()?;
        }
        let wires = self
            .wires
            .as_deref()
            .ok_or_else(|| Error::Internal("circuit read without wires".into()))?;
        let noisy = self.noise.is_some() || neg.is_some_and(|n| n.noise.is_some());
        let (rows, cols) = (self.rows, self.cols);
        let solve = |g: &[f64], gn: Option<&[f64]>, x: &Batch, relaxation: Option<&mut Relaxation>| {
            let p = Problem {
                wires,
                op,
                rows,
                cols,
                g,
                gn,
                x,
            };
            match relaxation {
                Some(r) => solve_relaxation(&p, r).map(|r| r.y),
                None => p.solve(self.iv.as_ref()),
            }
        };
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
            let gn = neg.map(|n| n.g.as_f64());
            return solve(&self.g.as_f64(), gn.as_deref(), x, Some(r));
        }
        if !noisy {
            let gn = neg.map(|n| n.g.as_f64());
            return solve(&self.g.as_f64(), gn.as_deref(), x, None);
        }
        let mut y = Batch::zeros(self.outputs(op), x.count);
        for b in 0..x.count {
            let gp = self.seen_by(key, b);
            let gn = neg.map(|n| n.seen_by(key, b));
            let xb = Batch::from_vec(x.len, 1, x.vector(b).to_vec());
            let yb = solve(&gp, gn.as_deref(), &xb, None)?;
            y.vector_mut(b).copy_from_slice(yb.vector(0));
        }
        Ok(y)
    }

    /// Every cell's conductance as vector `b` of read `key` sees it (a fresh
    /// read-noise draw, or as programmed).
    fn seen_by(&self, key: &ReadKey, b: usize) -> Vec<f64> {
        match &self.noise {
            Some(n) => {
                let mut out = vec![0.0; self.g.len()];
                with_stored!(&self.g, g => n.sample(g, 0, &key.stream(self.id, b), &mut out));
                out
            }
            None => self.g.as_f64().into_owned(),
        }
    }

    /// Nonlinear cells with ideal wires (spec §12.6): each cell carries its
    /// I-V law at its own input, `y_i = Σ_j I(G_ij, x_j)` (MVM) or
    /// `y_j = Σ_i I(G_ij, v_i)` (VMM), with per-vector read noise.
    fn uncoupled(&self, op: Op, x: &Batch, key: &ReadKey, iv: &IvModel) -> Batch {
        let mut y = Batch::zeros(self.outputs(op), x.count);
        for b in 0..x.count {
            let g = self.seen_by(key, b);
            let (xv, yv) = (x.vector(b), y.vector_mut(b));
            for (i, row) in g.chunks_exact(self.cols.max(1)).enumerate() {
                for (j, &gij) in row.iter().enumerate() {
                    match op {
                        Op::Mvm => yv[i] += iv.current(gij, xv[j]),
                        Op::Vmm => yv[j] += iv.current(gij, xv[i]),
                    }
                }
            }
        }
        y
    }

    /// Column currents for every vector of `x`: `I = G x` (MVM) or `I = x G` (VMM),
    /// in units of one fully-on cell at full input.
    pub fn product(&self, op: Op, x: &Batch) -> Batch {
        let cols = self.cols;
        if self.use_gemm(x) {
            return with_stored!(&self.g, a => self.gemm_with(op, &gemm::Source::Stored(&a[..]), x));
        }
        with_stored!(&self.g, a => self.sum_with(op, Dense { a, cols }, x, Sum::Linear))
    }

    /// Whether a read of `x` is a GEMM (see [`Array::gemm`]).
    pub fn use_gemm(&self, x: &Batch) -> bool {
        self.gemm && x.count > 1
    }

    /// The product of the matrix `a` (this array's shape) with every vector of `x` as GEMMs.
    fn gemm_with<E: gemm::GemmElem>(&self, op: Op, a: &gemm::Source<E>, x: &Batch) -> Batch {
        let mut y = Batch::zeros(self.outputs(op), x.count);
        let s = gemm::Shape {
            rows: self.rows,
            cols: self.cols,
            count: x.count,
        };
        match op {
            Op::Mvm => gemm::mvm(a, s, &x.data, &mut y.data),
            Op::Vmm => gemm::vmm(a, s, &x.data, &mut y.data),
        }
        y
    }

    /// The differences `G − G_neg` per cell as [`Array::difference_product`]
    /// reads them: rounded to single precision when `single`.
    pub fn differences(&self, neg: &Array, single: bool) -> Vec<f64> {
        let (p, n) = (self.g.as_f64(), neg.g.as_f64());
        let d = p.iter().zip(n.iter());
        if single {
            d.map(|(&a, &b)| (a as f32 - b as f32) as f64).collect()
        } else {
            d.map(|(a, b)| a - b).collect()
        }
    }

    /// The currents of this array minus those of `neg` (same shape and
    /// precision) as one product of the difference `G − G_neg`, taken per
    /// cell in single precision when `single`. A batched read multiplies the
    /// pair's stored difference matrix ([`Array::stored_difference`]).
    pub fn difference_product(&self, neg: &Array, single: bool, op: Op, x: &Batch) -> Result<Batch> {
        self.held_here()?;
        neg.held_here()?;
        let cols = self.cols;
        if self.use_gemm(x) {
            let d = self.stored_difference(neg, single)?;
            return Ok(with_stored!(&*d, a => self.gemm_with(op, &gemm::Source::Stored(&a[..]), x)));
        }
        Ok(match (&self.g, &neg.g, single) {
            (Conductances::Single(pos), Conductances::Single(neg), true) => {
                self.sum_with(op, Diff::<f32, true> { pos, neg, cols }, x, Sum::Linear)
            }
            (Conductances::Single(pos), Conductances::Single(neg), false) => {
                self.sum_with(op, Diff::<f32, false> { pos, neg, cols }, x, Sum::Linear)
            }
            (Conductances::Double(pos), Conductances::Double(neg), true) => {
                self.sum_with(op, Diff::<f64, true> { pos, neg, cols }, x, Sum::Linear)
            }
            (Conductances::Double(pos), Conductances::Double(neg), false) => {
                self.sum_with(op, Diff::<f64, false> { pos, neg, cols }, x, Sum::Linear)
            }
            _ => return Err(Error::Internal("a balanced pair stored in two precisions".into())),
        })
    }

    /// The difference `G − G_neg` as a GEMM operand, in the storage
    /// precision: the exact difference of two float32 cells rounded to `f32`
    /// (to single precision first when `single`, for double-precision
    /// storage). Computed once and kept until either array changes (a new
    /// [`Array::version`]); reads that share `&self` share the one copy (the
    /// first of them computes it while the others wait).
    pub fn stored_difference(&self, neg: &Array, single: bool) -> Result<Arc<Conductances>> {
        let mut cache = self.difference.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref() {
            if (c.pos, c.neg, c.single) == (self.version, neg.version, single) {
                return Ok(c.g.clone());
            }
        }
        // The old matrix goes before the new one is built.
        *cache = None;
        let g = Arc::new(self.difference_of(neg, single)?);
        *cache = Some(CachedDifference {
            pos: self.version,
            neg: neg.version,
            single,
            g: g.clone(),
        });
        Ok(g)
    }

    /// The difference matrix of [`Array::stored_difference`], computed (in
    /// xbar's pool when large).
    fn difference_of(&self, neg: &Array, single: bool) -> Result<Conductances> {
        fn each<T: Stored + Default>(p: &[T], n: &[T], d: impl Fn(T, T) -> T + Sync) -> Vec<T> {
            let mut out = vec![T::default(); p.len()];
            let fill = |(o, (p, n)): (&mut [T], (&[T], &[T]))| {
                o.iter_mut().zip(p.iter().zip(n)).for_each(|(o, (&p, &n))| *o = d(p, n))
            };
            const CHUNK: usize = 1 << 16;
            if p.len() >= PARALLEL_MIN_WORK {
                crate::threads::install(|| {
                    out.par_chunks_mut(CHUNK)
                        .zip(p.par_chunks(CHUNK).zip(n.par_chunks(CHUNK)))
                        .for_each(fill)
                });
            } else {
                fill((&mut out[..], (p, n)));
            }
            out
        }
        Ok(match (&self.g, &neg.g) {
            (Conductances::Single(p), Conductances::Single(n)) if single => {
                Conductances::Single(each(p, n, |p, n| p - n))
            }
            (Conductances::Single(p), Conductances::Single(n)) => {
                Conductances::Single(each(p, n, |p, n| (f64::from(p) - f64::from(n)) as f32))
            }
            (Conductances::Double(p), Conductances::Double(n)) if single => {
                Conductances::Double(each(p, n, |p, n| f64::from(p as f32 - n as f32)))
            }
            (Conductances::Double(p), Conductances::Double(n)) => Conductances::Double(each(p, n, |p, n| p - n)),
            _ => return Err(Error::Internal("a balanced pair stored in two precisions".into())),
        })
    }

    /// Currents with per-output read noise: `I_i = Σ_j G_ij x_j + sqrt(Σ_j σ_ij² x_j²)·z_i`.
    fn per_output_noise(&self, op: Op, x: &Batch, n: &ReadNoise, key: &ReadKey) -> Batch {
        let mut y = self.product(op, x);
        self.add_output_noise(op, x, &[n], key, &mut y);
        y
    }

    /// Adds to the currents `y` of a read the Gaussian noise that the per-cell
    /// read noise `noises` (of this array, or of this and its balanced partner,
    /// whose currents `y` sums) would add: output i of vector b gets
    /// `sqrt(Σ_n Σ_j σ_nij² x_j²)·z_i`, z_i the dense normal draw i of this
    /// array's stream for vector b. A law with one σ for every cell
    /// contributes `σ²·Σ_j x_j²`, the same for every output of the vector.
    pub fn add_output_noise(&self, op: Op, x: &Batch, noises: &[&ReadNoise], key: &ReadKey, y: &mut Batch) {
        let n_out = self.outputs(op);
        let mut var = Batch::zeros(n_out, x.count);
        for n in noises {
            match n.uniform_sigma {
                Some(sd) => {
                    for b in 0..x.count {
                        let v: f64 = x.vector(b).iter().map(|v| (sd * v) * (sd * v)).sum();
                        var.vector_mut(b).iter_mut().for_each(|o| *o += v);
                    }
                }
                None => {
                    let sigma = Dense {
                        a: &n.sigma[..],
                        cols: self.cols,
                    };
                    var.zip_with(&self.sum_with(op, sigma, x, Sum::Squares), |a, b| a + b)
                }
            }
        }
        let add = |(b, yb): (usize, &mut [f64])| {
            let mut z = vec![0.0; n_out];
            key.stream(self.id, b).fill_dense(0, &mut z, true);
            for ((o, z), v) in yb.iter_mut().zip(&z).zip(var.vector(b)) {
                *o += v.sqrt() * z;
            }
        };
        if n_out * x.count >= PARALLEL_MIN_WORK / 16 {
            crate::threads::install(|| y.data.par_chunks_mut(n_out.max(1)).enumerate().for_each(add));
        } else {
            y.data.chunks_mut(n_out.max(1)).enumerate().for_each(add);
        }
    }

    /// `Σ_j a_ij x_j` (or its [`Sum::Squares`] form) over this array's shape for
    /// every vector of `x`, with `a` a per-cell quantity of the array.
    fn sum_with<M: Matrix>(&self, op: Op, a: M, x: &Batch, sum: Sum) -> Batch {
        let mut y = Batch::zeros(self.outputs(op), x.count);
        match op {
            Op::Mvm => product::mvm(a, self.rows, self.cols, &x.data, x.count, sum, &mut y.data),
            Op::Vmm => product::vmm(a, self.rows, self.cols, &x.data, x.count, sum, &mut y.data),
        }
        y
    }

    /// Currents with every cell redrawn per vector (vector b of the read uses
    /// stream `key.stream(id, b)`, dense draw k for cell k, generated in place a
    /// row segment at a time). Work is split over vectors and blocks of
    /// outputs in xbar's pool; each output is summed by one thread in input
    /// order, so results do not depend on the thread count.
    fn noisy_currents(&self, op: Op, x: &Batch, noise: &ReadNoise, key: &ReadKey) -> Batch {
        debug_assert_eq!(x.len, self.inputs(op));
        // Outputs per piece of work: MVM rows are long, VMM column segments short.
        let out_block = if op == Op::Mvm { 64 } else { 256 };
        let n_out = self.outputs(op);
        let mut y = Batch::zeros(n_out, x.count);
        let chunks_per_vector = n_out.div_ceil(out_block).max(1);
        let work = |(c, out): (usize, &mut [f64])| {
            let b = c / chunks_per_vector;
            let o0 = (c % chunks_per_vector) * out_block;
            let xv = x.vector(b);
            let s = key.stream(self.id, b);
            // Cells `base..base + buf.len()` as this vector sees them.
            let seen = |base: usize, buf: &mut [f64]| {
                with_stored!(&self.g, g => noise.sample(&g[base..base + buf.len()], base, &s, buf));
            };
            match op {
                Op::Mvm => {
                    let cols = self.cols;
                    let mut buf = vec![0.0; product::ROWS * cols];
                    for (d0, o) in (0..out.len()).step_by(product::ROWS).zip(out.chunks_mut(product::ROWS)) {
                        for (r, row) in buf.chunks_mut(cols.max(1)).take(o.len()).enumerate() {
                            seen((o0 + d0 + r) * cols, row);
                        }
                        let rows: Vec<&[f64]> = buf.chunks(cols.max(1)).take(o.len()).collect();
                        o.copy_from_slice(&product::row_dots(&rows, xv)[..o.len()]);
                    }
                }
                Op::Vmm => {
                    let mut buf = vec![0.0; out.len()];
                    for (i, &v) in xv.iter().enumerate() {
                        seen(i * self.cols + o0, &mut buf);
                        for (o, g) in out.iter_mut().zip(&buf) {
                            *o += v * g;
                        }
                    }
                }
            }
        };
        let mut pieces: Vec<(usize, &mut [f64])> = Vec::with_capacity(x.count * chunks_per_vector);
        for (b, v) in y.data.chunks_mut(n_out.max(1)).enumerate() {
            for (k, piece) in v.chunks_mut(out_block).enumerate() {
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
