//! Nonlinear cells in the resistive network: Newton's method around the exact
//! linear solver.
//!
//! With cell currents `I_c = f_c(u_c)` (see [`IvModel`]; `u_c = e_c + d_a − d_o`
//! is the voltage across cell `c` in the deviation variables of `network.rs`),
//! Kirchhoff's current law is `F(d) = K_w d + Σ_c f_c(u_c)·(δ_a − δ_o) = 0`,
//! `K_w` being the wire part of the nodal matrix. Its Jacobian
//! `J = K_w + Σ_c f_c'(u_c)·(δ_a − δ_o)(δ_a − δ_o)ᵀ` has the pattern of the
//! linear `K` (each cell's slope in place of its conductance), so every
//! iteration reuses the symbolic Cholesky analysis and only refactorises
//! numerically. Where cells have negative slopes (CubicDevice above
//! `V = 2/√3` volts) the wires usually keep `J` positive definite; when they
//! do not, the slopes are floored at `SLOPE_FLOOR·g` for that step (the fixed
//! point is unchanged, convergence merely slower). Each step is damped by
//! halving until `‖F‖∞` decreases.
//!
//! Iteration starts from ideal wires (`d = 0`) and stops when the relative
//! residual `‖F‖∞ / (‖K_w‖∞‖d‖∞ + max_c |I_c|)` is at most the tolerance, or
//! fails with `Error::NoConvergence` after the iteration limit (never loops
//! without bound).

use super::linear::{oom, overflow, LinearSolver, ACTIVE_INPUT, RESIDUAL_LIMIT};
use super::network::{Network, NONE};
use super::problem::Problem;
use crate::batch::Batch;
use crate::device::iv::{cubic, cubic_slope, IvModel};
use crate::error::{Error, Result};
use faer::dyn_stack::GlobalPodBuffer;
use faer::sparse::linalg::cholesky::LltRef;

/// Jacobian slopes are at least this fraction of the cell's conductance.
const SLOPE_FLOOR: f64 = 0.05;
/// Step halvings tried before a step is taken as it is.
const MAX_HALVINGS: usize = 30;

/// When Newton's method stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonSettings {
    /// Most Newton steps per input vector.
    pub max_iterations: usize,
    /// Relative KCL residual at which a solution is accepted.
    pub tolerance: f64,
}

impl Default for NewtonSettings {
    /// 50 steps, tolerance 1e-12 (quadratic convergence reaches it in a few
    /// steps for CrossSim's devices).
    fn default() -> Self {
        NewtonSettings {
            max_iterations: 50,
            tolerance: 1e-12,
        }
    }
}

/// The outputs of a nonlinear solve and how it converged.
#[derive(Debug, Clone)]
pub struct NewtonReport {
    /// Output-line currents per vector (normalised, as [`LinearSolver::solve`]).
    pub y: Batch,
    /// Newton steps taken for each vector.
    pub iterations: Vec<usize>,
    /// Worst final relative KCL residual over the vectors.
    pub residual: f64,
}

/// Solves the read `p` with cells following `iv`, for every vector of `p.x`.
/// Without any wire resistance the cells are uncoupled and each current is
/// its I-V law at the input voltage.
pub fn solve_nonlinear(p: &Problem, iv: &IvModel, settings: &NewtonSettings) -> Result<NewtonReport> {
    let f = p.frame("nonlinear circuit solve")?;
    let x = p.x;
    let mut lin = LinearSolver::new(p.wires, p.op, p.rows, p.cols, p.gn.is_some())?;
    lin.set_cells(p.g, p.gn)?;
    if let Some(bad) = x.data.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!("nonlinear circuit solve: input {bad}")));
    }
    let coef: Vec<(f64, f64)> = lin.cells.iter().map(|&c| iv.coefficients(c)).collect();
    let mut newton = Newton {
        lin: &lin,
        coef: &coef,
        settings,
        values: Vec::new(),
        factor: Vec::new(),
    };
    let mut y = Batch::zeros(f.m, x.count);
    let mut iterations = Vec::with_capacity(x.count);
    let mut residual = 0.0f64;
    for b in 0..x.count {
        let xb = x.vector(b);
        let v: Vec<f64> = (0..f.n).map(|j| xb[f.input(j)]).collect();
        let active: Option<Vec<bool>> = f
            .separate_source
            .then(|| v.iter().map(|e| e.abs() > ACTIVE_INPUT).collect());
        let (d, it, rel) = newton.solve(active.as_deref(), &v)?;
        iterations.push(it);
        residual = residual.max(rel);
        let mut yf = vec![0.0; f.m];
        newton.cells(active.as_deref(), &v, &d, |c, i, _| yf[(c / f.n) % f.m] += i);
        let yb = y.vector_mut(b);
        for (i, val) in yf.into_iter().enumerate() {
            yb[f.output(i)] = val;
        }
    }
    Ok(NewtonReport {
        y,
        iterations,
        residual,
    })
}

/// Newton's method on one network with fixed cells.
struct Newton<'a> {
    lin: &'a LinearSolver,
    /// `(a2, a3)` of every frame cell.
    coef: &'a [(f64, f64)],
    settings: &'a NewtonSettings,
    values: Vec<f64>,
    factor: Vec<f64>,
}

impl Newton<'_> {
    fn net(&self) -> &Network {
        &self.lin.net
    }

    /// Calls `f(cell, current, slope)` for every switched-on cell at drops `d`.
    fn cells(&self, active: Option<&[bool]>, v: &[f64], d: &[f64], mut f: impl FnMut(usize, f64, f64)) {
        let net = self.net();
        let n = net.frame.n;
        let at = |node: u32| if node == NONE { 0.0 } else { d[node as usize] };
        net.each_cell(&self.lin.cells, active, |c, g, sign| {
            let u = sign * v[c % n] + at(net.cell_in[c]) - at(net.cell_out[c]);
            let (a2, a3) = self.coef[c];
            f(c, cubic(g, a2, a3, u), cubic_slope(g, a2, a3, u));
        });
    }

    /// `F(d)` into `r`; returns `(‖F‖∞, relative residual)`.
    fn kcl(&self, active: Option<&[bool]>, v: &[f64], d: &[f64], r: &mut [f64]) -> (f64, f64) {
        let net = self.net();
        let wires = net.wire_values();
        net.residual(wires, d, &vec![0.0; d.len()], r);
        r.iter_mut().for_each(|e| *e = -*e);
        let mut largest = 0.0f64;
        self.cells(active, v, d, |c, i, _| {
            let (a, o) = (net.cell_in[c], net.cell_out[c]);
            if a != NONE {
                r[a as usize] += i;
            }
            if o != NONE {
                r[o as usize] -= i;
            }
            largest = largest.max(i.abs());
        });
        let norm = |x: &[f64]| x.iter().fold(0.0f64, |m, e| m.max(e.abs()));
        let (rn, scale) = (norm(r), net.norm_inf(wires) * norm(d) + largest);
        let rel = if rn == 0.0 {
            0.0
        } else if scale > 0.0 && rn.is_finite() {
            rn / scale
        } else {
            f64::INFINITY
        };
        (rn, rel)
    }

    /// Drops `d` solving `F(d) = 0` for frame inputs `v`, with the steps taken
    /// and the final relative residual.
    fn solve(&mut self, active: Option<&[bool]>, v: &[f64]) -> Result<(Vec<f64>, usize, f64)> {
        let nodes = self.net().nodes;
        let mut d = vec![0.0; nodes];
        let Some(symbolic) = self.lin.symbolic()? else {
            return Ok((d, 0, 0.0));
        };
        let (mut r, mut trial, mut rt) = (vec![0.0; nodes], vec![0.0; nodes], vec![0.0; nodes]);
        let (mut norm, mut rel) = self.kcl(active, v, &d, &mut r);
        let req = symbolic.solve_in_place_req::<f64>(1).map_err(|_| overflow())?;
        let mut mem = GlobalPodBuffer::try_new(req).map_err(|_| oom())?;
        let mut slope = vec![0.0; self.lin.cells.len()];
        for it in 0..self.settings.max_iterations {
            if rel <= self.settings.tolerance {
                return Ok((d, it, rel));
            }
            // Jacobian at d: the cells' slopes in place of their conductances;
            // slopes floored if the exact Jacobian is not positive definite.
            let mut values = std::mem::take(&mut self.values);
            let mut factor = std::mem::take(&mut self.factor);
            let mut floored = false;
            loop {
                slope.fill(0.0);
                self.cells(active, v, &d, |c, _, s| {
                    slope[c] = if floored {
                        s.max(SLOPE_FLOOR * self.lin.cells[c])
                    } else {
                        s
                    }
                });
                self.net().assemble(&slope, active, &mut values);
                match self.lin.numeric(&values, &mut factor) {
                    Ok(()) => break,
                    Err(_) if !floored => floored = true,
                    Err(e) => return Err(e),
                }
            }
            let mut step = r.clone();
            self.lin.triangular_solves(
                &LltRef::<usize, f64>::new(symbolic, &factor[..]),
                &mut step,
                1,
                &mut mem,
            );
            self.values = values;
            self.factor = factor;
            // Damped step d − t·step, halving t until ‖F‖∞ decreases.
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..=MAX_HALVINGS {
                for ((o, di), si) in trial.iter_mut().zip(&d).zip(&step) {
                    *o = di - t * si;
                }
                let (n_t, rel_t) = self.kcl(active, v, &trial, &mut rt);
                if n_t < (1.0 - 1e-4 * t) * norm {
                    (norm, rel) = (n_t, rel_t);
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            if !accepted {
                // No decrease: at the rounding floor (accept) or stuck (fail).
                if rel <= RESIDUAL_LIMIT {
                    return Ok((d, it, rel));
                }
                return Err(Error::NoConvergence(format!(
                    "nonlinear circuit solve: no Newton step reduces the KCL residual (relative {rel:.3e}) after {it} steps"
                )));
            }
            std::mem::swap(&mut d, &mut trial);
            std::mem::swap(&mut r, &mut rt);
        }
        if rel <= self.settings.tolerance {
            return Ok((d, self.settings.max_iterations, rel));
        }
        Err(Error::NoConvergence(format!(
            "nonlinear circuit solve: relative KCL residual {rel:.3e} after {} Newton steps (tolerance {:.0e})",
            self.settings.max_iterations, self.settings.tolerance
        )))
    }
}
