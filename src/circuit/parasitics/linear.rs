//! The exact solver: nodal analysis of the whole array, one sparse Cholesky
//! factorisation (faer, supernodal) per conductance state, every vector of a
//! batch solved against it, each solution residual-checked.
//!
//! Cost model: the symbolic analysis (ordering, elimination tree, supernodes)
//! depends only on the array's shape and wires and is done once, in
//! [`LinearSolver::new`]; [`LinearSolver::factor`] is the numeric
//! factorisation, to be redone whenever the conductances change (read noise);
//! [`LinearSolver::solve`] costs two triangular solves per vector.
//!
//! Input-source networks of at least 64 × 64 cells, whose factor fills in
//! heavily (about 50 entries per node at 1024 × 1024), are solved instead by
//! conjugate gradients on the cell currents (`pcg.rs`), each vector to a
//! relative residual of 1e-12 checked on the true residual, with the
//! factorisation as the fallback (see [`Method`]).

use super::network::Network;
use super::ordering::{nested_dissection, Order};
use super::pcg::CellCg;
use super::problem::Problem;
use super::wires::{Frame, Wires};
use crate::array::Op;
use crate::batch::Batch;
use crate::error::{Error, Result};
use faer::dyn_stack::{GlobalPodBuffer, PodStack};
use faer::sparse::linalg::cholesky::{
    factorize_symbolic_cholesky, CholeskySymbolicParams, LltRef, LltRegularization, SymbolicCholesky, SymmetricOrdering,
};
use faer::sparse::{FaerError, SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, Parallelism, Side};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A solution is refined once (one step of iterative refinement) when its
/// relative residual `‖b − K d‖∞ / (‖K‖∞ ‖d‖∞ + ‖b‖∞)` exceeds this; Cholesky
/// alone normally gives about 1e-17.
const REFINE_ABOVE: f64 = 1e-14;
/// A solution whose relative residual still exceeds this is an error.
pub const RESIDUAL_LIMIT: f64 = 1e-9;
/// Inputs with `|v|` at or below this switch a separate-source cell off (CrossSim's test).
pub const ACTIVE_INPUT: f64 = 1e-9;
/// Right-hand sides held at once: about this many values (64 MB).
const RHS_BLOCK_VALUES: usize = 8 << 20;
/// Input-source networks with at least this many cells are solved by
/// conjugate gradients on the cell currents ([`Method::Auto`]).
const ITERATIVE_MIN_CELLS: usize = 64 * 64;
/// Conjugate gradients stop at a relative residual (of the scaled cell-current
/// system, checked on the true residual) of this.
pub(crate) const ITERATIVE_TOLERANCE: f64 = 1e-12;
/// ... or give way to the factorisation after this many steps (very strong
/// wires: the iteration count grows as the square root of the IR drop).
pub(crate) const ITERATIVE_MAX_STEPS: usize = 300;

/// How [`LinearSolver`] solves the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Conjugate gradients for input-source networks of at least 64 × 64
    /// cells, the sparse Cholesky factorisation otherwise.
    Auto,
    /// Always the sparse Cholesky factorisation.
    Direct,
    /// Conjugate gradients on the cell currents wherever the network allows
    /// it (current from the input); the factorisation elsewhere and as the
    /// fallback when they do not converge.
    Iterative,
}

/// The exact circuit solver of one read direction of one array (or of one
/// interleaved pair); see the module documentation of `parasitics`.
pub struct LinearSolver {
    pub(super) net: Network,
    /// The symbolic factorisation, analysed when first needed (see [`Self::symbolic`]).
    symbolic: OnceLock<Result<Option<SymbolicCholesky<usize>>>>,
    /// Frame-ordered conductances, `pols × m × n`.
    pub(super) cells: Vec<f64>,
    /// `K` and its Cholesky factor for the current conductances (input-source
    /// networks without conjugate gradients; with them, assembled on fallback).
    values: Vec<f64>,
    factor_values: Vec<f64>,
    factored: bool,
    /// The iterative solver, where the network allows it and the method asks for it.
    pcg: Option<CellCg>,
    method: Method,
}

impl std::fmt::Debug for LinearSolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearSolver")
            .field("op", &self.net.frame.op)
            .field("rows", &self.net.frame.rows)
            .field("cols", &self.net.frame.cols)
            .field("interleaved", &(self.net.pols == 2))
            .field("nodes", &self.net.nodes)
            .field(
                "factor_entries",
                &self
                    .symbolic
                    .get()
                    .map(|s| s.as_ref().map(|s| s.as_ref().map_or(0, |s| s.len_values()))),
            )
            .finish()
    }
}

fn faer_error(e: FaerError) -> Error {
    match e {
        FaerError::OutOfMemory => Error::OutOfMemory("parasitic circuit factorisation: out of memory".into()),
        _ => Error::Unsupported("parasitic circuit: too many nodes for the sparse solver".into()),
    }
}

impl LinearSolver {
    /// The solver for `op` on a `rows × cols` array (or an interleaved pair of
    /// them) with `wires`: builds the network (its symbolic factorisation
    /// follows when the factorisation is first needed). Call
    /// [`factor`](Self::factor) before solving.
    pub fn new(wires: &Wires, op: Op, rows: usize, cols: usize, interleaved: bool) -> Result<LinearSolver> {
        let frame = Frame::new(wires, op, rows, cols);
        let net = Network::new(frame, if interleaved { 2 } else { 1 });
        Ok(LinearSolver {
            net,
            symbolic: OnceLock::new(),
            cells: Vec::new(),
            values: Vec::new(),
            factor_values: Vec::new(),
            factored: false,
            pcg: None,
            method: Method::Auto,
        })
        .map(|mut s| {
            s.set_method(Method::Auto);
            s
        })
    }

    /// The symbolic factorisation (ordering, elimination tree, supernodes),
    /// analysed on first use; `None` when every line is ideal (no unknowns).
    pub(super) fn symbolic(&self) -> Result<Option<&SymbolicCholesky<usize>>> {
        let analysed = self.symbolic.get_or_init(|| {
            let net = &self.net;
            if net.nodes == 0 {
                return Ok(None);
            }
            let n = net.nodes;
            let pattern = SymbolicSparseColMatRef::new_checked(n, n, &net.col_ptr, None, &net.row_idx);
            let params = CholeskySymbolicParams::default();
            let symbolic = match Order::for_network(net) {
                Order::Natural => {
                    factorize_symbolic_cholesky(pattern, Side::Upper, SymmetricOrdering::Identity, params)
                }
                Order::MinimumDegree => {
                    factorize_symbolic_cholesky(pattern, Side::Upper, SymmetricOrdering::Amd, params)
                }
                Order::NestedDissection => {
                    let fwd = nested_dissection(net);
                    let mut inv = vec![0usize; n];
                    for (k, &node) in fwd.iter().enumerate() {
                        inv[node] = k;
                    }
                    let perm = faer::perm::PermRef::new_checked(&fwd, &inv, n);
                    factorize_symbolic_cholesky(pattern, Side::Upper, SymmetricOrdering::Custom(perm), params)
                }
            };
            symbolic.map(Some).map_err(faer_error)
        });
        analysed.as_ref().map(Option::as_ref).map_err(Clone::clone)
    }

    /// Unknown node potentials of the network.
    pub fn nodes(&self) -> usize {
        self.net.nodes
    }

    /// Stored entries of the Cholesky factor (memory: 8 bytes each; analyses
    /// the network if that was not needed yet).
    pub fn factor_entries(&self) -> Result<usize> {
        Ok(self.symbolic()?.map_or(0, |s| s.len_values()))
    }

    /// Sets the conductances (`g`, and `gn` for an interleaved pair; each
    /// `rows × cols`, row-major, in units of Gmax, ≥ 0) and factorises the
    /// network numerically, reusing the symbolic analysis. Call again
    /// whenever the conductances change.
    pub fn factor(&mut self, g: &[f64], gn: Option<&[f64]>) -> Result<()> {
        self.set_cells(g, gn)?;
        if let Some(pcg) = &mut self.pcg {
            // The nodal matrix and its factorisation wait until the iteration fails.
            pcg.set_cells(&self.cells);
        } else if !self.net.frame.separate_source {
            let mut values = std::mem::take(&mut self.values);
            self.net.assemble(&self.cells, None, &mut values);
            self.values = values;
            let mut l = std::mem::take(&mut self.factor_values);
            l.clear();
            self.numeric(&self.values, &mut l)?;
            self.factor_values = l;
        }
        self.factored = true;
        Ok(())
    }

    /// Chooses how later factorisations and solves are done (default
    /// [`Method::Auto`]); call before [`factor`](Self::factor).
    pub fn set_method(&mut self, method: Method) {
        self.method = method;
        let eligible = !self.net.frame.separate_source && self.net.nodes > 0;
        let big = self.net.frame.m * self.net.frame.n >= ITERATIVE_MIN_CELLS;
        let wanted = eligible
            && match method {
                Method::Auto => big,
                Method::Direct => false,
                Method::Iterative => true,
            };
        match (wanted, self.pcg.is_some()) {
            (true, false) => self.pcg = Some(CellCg::new(&self.net.frame, self.net.pols)),
            (false, true) => self.pcg = None,
            _ => {}
        }
        self.factored = false;
    }

    /// Checks the conductances and stores them in frame order (no factorisation).
    pub(super) fn set_cells(&mut self, g: &[f64], gn: Option<&[f64]>) -> Result<()> {
        let f = &self.net.frame;
        let size = f.rows * f.cols;
        if gn.is_some() != (self.net.pols == 2) {
            return Err(Error::Internal(format!(
                "parasitic solver built for {} arrays, given {}",
                self.net.pols,
                1 + gn.is_some() as usize
            )));
        }
        self.cells.clear();
        for arr in std::iter::once(g).chain(gn) {
            if arr.len() != size {
                return Err(Error::shape(format!(
                    "parasitic solver: {} conductances given for a {}×{} array",
                    arr.len(),
                    f.rows,
                    f.cols
                )));
            }
            if let Some(bad) = arr.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(Error::InvalidArgument(format!(
                    "parasitic solver: conductance {bad} (must be finite and >= 0)"
                )));
            }
            self.cells.extend(f.cells(arr));
        }
        self.factored = false;
        Ok(())
    }

    /// Numeric Cholesky factorisation of `values` into `l`.
    pub(super) fn numeric(&self, values: &[f64], l: &mut Vec<f64>) -> Result<()> {
        let Some(symbolic) = self.symbolic()? else {
            return Ok(());
        };
        let n = self.net.nodes;
        l.resize(symbolic.len_values(), 0.0);
        let req = symbolic
            .factorize_numeric_llt_req::<f64>(Parallelism::None)
            .map_err(|_| overflow())?;
        let mut mem = GlobalPodBuffer::try_new(req).map_err(|_| oom())?;
        let pattern = SymbolicSparseColMatRef::new_checked(n, n, &self.net.col_ptr, None, &self.net.row_idx);
        let k = SparseColMatRef::<usize, f64>::new(pattern, values);
        symbolic
            .factorize_numeric_llt::<f64>(
                l,
                k,
                Side::Upper,
                LltRegularization::default(),
                Parallelism::None,
                PodStack::new(&mut mem),
            )
            .map_err(|e| {
                Error::Internal(format!(
                    "parasitic circuit matrix not positive definite (minor {})",
                    e.non_positive_definite_minor
                ))
            })?;
        Ok(())
    }

    /// Output-line currents for every vector of `x` (inputs of the read, in
    /// normalised volts): a batch of `outputs(op)` currents per vector, in units
    /// of one cell at Gmax and input 1 with ideal wires.
    ///
    /// With separate supply lines the cells of inputs with `|v| ≤ 1e-9` are
    /// switched off, so the conductances depend on the input: the network is
    /// factorised once per distinct on/off pattern of the batch (cheap: the
    /// output lines are independent ladders).
    pub fn solve(&self, x: &Batch) -> Result<Batch> {
        let f = &self.net.frame;
        if !self.factored {
            return Err(Error::Internal("parasitic solver: solve before factor".into()));
        }
        if x.len != f.n {
            return Err(Error::shape(format!(
                "parasitic solver: input vectors of length {} for {} input lines",
                x.len, f.n
            )));
        }
        if let Some(bad) = x.data.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument(format!("parasitic solver: input {bad}")));
        }
        // Frame-ordered inputs.
        let v: Vec<Vec<f64>> = (0..x.count)
            .map(|b| {
                let xb = x.vector(b);
                (0..f.n).map(|j| xb[f.input(j)]).collect()
            })
            .collect();
        let mut y_frame = vec![vec![0.0; f.m]; x.count];
        if f.separate_source {
            let mut groups: HashMap<Vec<bool>, Vec<usize>> = HashMap::new();
            for (b, vb) in v.iter().enumerate() {
                groups
                    .entry(vb.iter().map(|e| e.abs() > ACTIVE_INPUT).collect())
                    .or_default()
                    .push(b);
            }
            let mut values = Vec::new();
            let mut l = Vec::new();
            for (active, members) in groups {
                self.net.assemble(&self.cells, Some(&active), &mut values);
                self.numeric(&values, &mut l)?;
                let act = Some(active.as_slice());
                let mut out = |b: usize, d: &[f64]| self.net.outputs(&self.cells, act, &v[b], d, &mut y_frame[b]);
                self.solve_group(&values, &l, act, &v, &members, &mut out)?;
            }
        } else {
            let members: Vec<usize> = (0..x.count).collect();
            let done = match &self.pcg {
                Some(pcg) => self.solve_iterative(pcg, &v, &mut y_frame)?,
                None => false,
            };
            if !done {
                let mut out = |b: usize, d: &[f64]| self.net.outputs(&self.cells, None, &v[b], d, &mut y_frame[b]);
                self.solve_factored(&v, &members, &mut out)?;
            }
        }
        let mut y = Batch::zeros(f.m, x.count);
        for (b, yf) in y_frame.iter().enumerate() {
            let yb = y.vector_mut(b);
            for (i, &val) in yf.iter().enumerate() {
                yb[f.output(i)] = val;
            }
        }
        Ok(y)
    }

    /// Solves the vectors `members` of `v` (an input-source network) by the
    /// factorisation: the one kept by `factor`, or, where conjugate
    /// gradients are used, one assembled now.
    fn solve_factored(&self, v: &[Vec<f64>], members: &[usize], emit: &mut dyn FnMut(usize, &[f64])) -> Result<()> {
        if self.pcg.is_some() {
            let (mut values, mut l) = (Vec::new(), Vec::new());
            self.net.assemble(&self.cells, None, &mut values);
            self.numeric(&values, &mut l)?;
            self.solve_group(&values, &l, None, v, members, emit)
        } else {
            self.solve_group(&self.values, &self.factor_values, None, v, members, emit)
        }
    }

    /// Power the input drivers deliver for every vector of `x` (inputs of
    /// the read, normalised volts): `Σ V·I` over the drivers, in units of one
    /// cell at Gmax under input 1 (multiply by `Vread²/Rmin` for watts). Every
    /// driver's current leaves through the cells of its line, so this is
    /// `Σ e·I` over the cells from the exact solution. Networks with separate
    /// supply lines (their supplies, not the inputs, deliver the power) are
    /// `Error::Unsupported`.
    pub fn source_power(&self, x: &Batch) -> Result<Vec<f64>> {
        let f = &self.net.frame;
        if f.separate_source {
            return Err(Error::unsupported(
                "parasitic solver: the source power of separate supply lines is not computed",
            ));
        }
        if !self.factored {
            return Err(Error::Internal("parasitic solver: source_power before factor".into()));
        }
        if x.len != f.n {
            return Err(Error::shape(format!(
                "parasitic solver: input vectors of length {} for {} input lines",
                x.len, f.n
            )));
        }
        let v: Vec<Vec<f64>> = (0..x.count)
            .map(|b| {
                let xb = x.vector(b);
                (0..f.n).map(|j| xb[f.input(j)]).collect()
            })
            .collect();
        let members: Vec<usize> = (0..x.count).collect();
        let mut p = vec![0.0; x.count];
        let mut power = |b: usize, d: &[f64]| p[b] = self.net.source_power(&self.cells, None, &v[b], d);
        self.solve_factored(&v, &members, &mut power)?;
        Ok(p)
    }

    /// Solves every vector of `v` by conjugate gradients on the cell
    /// currents (in xbar's pool, one vector per task); `false` (nothing
    /// written) when one of them does not converge, so that the caller
    /// factorises instead.
    fn solve_iterative(&self, cg: &CellCg, v: &[Vec<f64>], y: &mut [Vec<f64>]) -> Result<bool> {
        use rayon::prelude::*;
        let solved: Vec<Option<Vec<f64>>> = crate::threads::install(|| {
            v.par_iter()
                .map(|vb| cg.solve(vb, ITERATIVE_TOLERANCE, ITERATIVE_MAX_STEPS).map(|(yb, _)| yb))
                .collect()
        });
        if solved.iter().any(Option::is_none) {
            return Ok(false);
        }
        for (o, yb) in y.iter_mut().zip(solved.into_iter().flatten()) {
            *o = yb;
        }
        Ok(true)
    }

    /// Solves the vectors `members` of `v` against the factor `l` of `values`
    /// and gives each vector's node drops to `emit(vector, drops)`.
    fn solve_group(
        &self,
        values: &[f64],
        l: &[f64],
        active: Option<&[bool]>,
        v: &[Vec<f64>],
        members: &[usize],
        emit: &mut dyn FnMut(usize, &[f64]),
    ) -> Result<()> {
        let n = self.net.nodes;
        let Some(symbolic) = self.symbolic()? else {
            for &b in members {
                emit(b, &[]);
            }
            return Ok(());
        };
        let llt = LltRef::<usize, f64>::new(symbolic, l);
        let block = (RHS_BLOCK_VALUES / n).clamp(1, 64).min(members.len());
        let req = symbolic.solve_in_place_req::<f64>(block).map_err(|_| overflow())?;
        let mut mem = GlobalPodBuffer::try_new(req).map_err(|_| oom())?;
        let mut b = vec![0.0; n * block];
        let mut d = vec![0.0; n * block];
        let mut r = vec![0.0; n];
        let k_norm = self.net.norm_inf(values);
        for chunk in members.chunks(block) {
            let k = chunk.len();
            for (c, &vb) in chunk.iter().enumerate() {
                self.net.rhs(&self.cells, active, &v[vb], &mut b[c * n..(c + 1) * n]);
            }
            d[..k * n].copy_from_slice(&b[..k * n]);
            self.triangular_solves(&llt, &mut d[..k * n], k, &mut mem);
            // Residual check, with one step of iterative refinement if needed.
            let mut worst = 0.0f64;
            let mut refine = false;
            for c in 0..k {
                let rel =
                    self.relative_residual(values, k_norm, &d[c * n..(c + 1) * n], &b[c * n..(c + 1) * n], &mut r);
                refine |= rel > REFINE_ABOVE;
                worst = worst.max(rel);
            }
            if refine {
                let mut corr = vec![0.0; k * n];
                for c in 0..k {
                    let span = c * n..(c + 1) * n;
                    self.net
                        .residual(values, &d[span.clone()], &b[span.clone()], &mut corr[span]);
                }
                self.triangular_solves(&llt, &mut corr, k, &mut mem);
                for (di, ci) in d[..k * n].iter_mut().zip(&corr) {
                    *di += ci;
                }
                worst = 0.0;
                for c in 0..k {
                    let rel =
                        self.relative_residual(values, k_norm, &d[c * n..(c + 1) * n], &b[c * n..(c + 1) * n], &mut r);
                    worst = worst.max(rel);
                }
            }
            if worst > RESIDUAL_LIMIT {
                return Err(Error::NoConvergence(format!(
                    "exact parasitic circuit solve: relative residual {worst:.3e} exceeds {RESIDUAL_LIMIT:.0e}"
                )));
            }
            for (c, &vb) in chunk.iter().enumerate() {
                emit(vb, &d[c * n..(c + 1) * n]);
            }
        }
        Ok(())
    }

    /// `K d = rhs` in place for the `k` columns of `rhs`.
    pub(super) fn triangular_solves(
        &self,
        llt: &LltRef<'_, usize, f64>,
        rhs: &mut [f64],
        k: usize,
        mem: &mut GlobalPodBuffer,
    ) {
        let n = self.net.nodes;
        let mat = faer::mat::from_column_major_slice_mut::<f64, usize, usize>(rhs, n, k);
        llt.solve_in_place_with_conj(Conj::No, mat, Parallelism::None, PodStack::new(mem));
    }

    /// The relative residual `‖b − K d‖∞ / (‖K‖∞ ‖d‖∞ + ‖b‖∞)` (the normwise
    /// backward error; 0 when `b = 0` and `d = 0`), with `k_norm = ‖K‖∞`.
    fn relative_residual(&self, values: &[f64], k_norm: f64, d: &[f64], b: &[f64], r: &mut [f64]) -> f64 {
        self.net.residual(values, d, b, r);
        let norm = |v: &[f64]| v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        let rn = norm(r);
        if rn == 0.0 {
            0.0
        } else if !rn.is_finite() {
            f64::INFINITY
        } else {
            rn / (k_norm * norm(d) + norm(b))
        }
    }
}

pub(super) fn overflow() -> Error {
    Error::Unsupported("parasitic circuit: workspace size overflows".into())
}

pub(super) fn oom() -> Error {
    Error::OutOfMemory("parasitic circuit solve: out of memory".into())
}

/// One-shot exact solve of the read `p`: builds, factorises and solves (see
/// [`LinearSolver`]); output-line currents for every vector of `p.x`.
pub fn solve_exact(p: &Problem) -> Result<Batch> {
    p.frame("exact solver")?;
    let mut solver = LinearSolver::new(p.wires, p.op, p.rows, p.cols, p.gn.is_some())?;
    solver.factor(p.g, p.gn)?;
    solver.solve(p.x)
}
