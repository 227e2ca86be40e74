//! Conjugate gradients on the cell currents, for input-source networks
//! (current from the input lines), where the sparse Cholesky factor of the
//! nodal matrix fills in heavily on large arrays.
//!
//! # The cell-current formulation
//!
//! With cell currents `I` (frame order, `pols × m × n`), the voltage across
//! cell `c` is its ideal voltage `e_c` (`±v_j`) minus the IR drops the
//! currents cause along its input line and its output line: `u = e − S I`.
//! `S` is the transfer resistance of the wires: for output line `i`, segment
//! `k` (after cell `k`; `k = n−1` is the terminal segment) carries
//! `Σ_{l≤k} Σ_p I_p[i,l]` through `R_k`, and the line sits at
//! `V_out[i,j] = Σ_{k≥j} R_k·(that sum)` above ground; for input line `j` of
//! polarity `p`, segment `s` (`s = 0` from the driver) carries
//! `Σ_{t≥s} I_p[t,j]` through `R_s`, and the drop from the driver to cell `i`
//! is `Σ_{s≤i} R_s·(that sum)`. `S` is symmetric positive semi-definite (a
//! resistive network's transfer resistance), and with `I = G u`:
//!
//! `(1 + G^½ S G^½) y = G^½ e`,  `I = G^½ y`,
//!
//! a symmetric positive definite system whose eigenvalues lie in
//! `[1, 1 + λ]`, `λ` being the largest eigenvalue of `G^½ S G^½` — the same
//! number that decides whether CrossSim's relaxation converges (it needs
//! `λ < 1` at gamma 1). Conjugate gradients need about
//! `ln(1/tol) / ln((√(1+λ)+1)/(√(1+λ)−1))` steps (12 for `λ = 0.5` at 1e-12)
//! and still converge, more slowly, when `λ > 1`. One product with `S` is four
//! running sums over the cells, the work of one relaxation step. Output line
//! `i` carries `Σ_{p,j} I_p[i,j]`. Sums run in a fixed order, so results do
//! not depend on the thread count.

use super::wires::Frame;

/// The operator of one network and its current conductances.
#[derive(Debug, Clone)]
pub(crate) struct CellCg {
    m: usize,
    n: usize,
    pols: usize,
    /// Output-line segment resistances `R_k`, `k = 0..n` (the last to the terminal).
    r_out: Vec<f64>,
    /// Input-line segment resistances `R_s`, `s = 0..m` (the first from the driver).
    r_in: Vec<f64>,
    /// `√G` per frame cell.
    sqrt_g: Vec<f64>,
}

impl CellCg {
    /// The operator of an input-source `frame` with `pols` cells per crossing.
    pub fn new(frame: &Frame, pols: usize) -> CellCg {
        let (m, n) = (frame.m, frame.n);
        let r_out = (0..n)
            .map(|k| if k + 1 < n { frame.r_out } else { frame.r_out_end })
            .collect();
        let r_in = (0..m)
            .map(|s| if s == 0 { frame.r_in_end } else { frame.r_in })
            .collect();
        CellCg {
            m,
            n,
            pols,
            r_out,
            r_in,
            sqrt_g: Vec::new(),
        }
    }

    /// Takes the frame-ordered conductances.
    pub fn set_cells(&mut self, cells: &[f64]) {
        self.sqrt_g = cells.iter().map(|g| g.sqrt()).collect();
    }

    /// `out = S i` for cell currents `i`; `line` is scratch of `m·n` values.
    fn transfer(&self, i: &[f64], out: &mut [f64], line: &mut [f64]) {
        let (m, n) = (self.m, self.n);
        let mn = m * n;
        // Output lines: the current summed over polarities, then both running sums.
        line.copy_from_slice(&i[..mn]);
        for p in 1..self.pols {
            for (a, b) in line.iter_mut().zip(&i[p * mn..(p + 1) * mn]) {
                *a += b;
            }
        }
        for row in line.chunks_exact_mut(n) {
            let mut acc = 0.0;
            for v in row.iter_mut() {
                acc += *v;
                *v = acc;
            }
            let mut pot = 0.0;
            for (v, r) in row.iter_mut().zip(&self.r_out).rev() {
                pot += r * *v;
                *v = pot;
            }
        }
        // Input lines, per polarity: suffix sums down each line (row by row),
        // then the drops from the driver, added to the output-line potentials.
        let mut acc = vec![0.0; n];
        let mut drop = vec![0.0; n];
        for p in 0..self.pols {
            let (ip, op) = (&i[p * mn..(p + 1) * mn], &mut out[p * mn..(p + 1) * mn]);
            acc.fill(0.0);
            for r in (0..m).rev() {
                let span = r * n..(r + 1) * n;
                for ((a, x), o) in acc.iter_mut().zip(&ip[span.clone()]).zip(&mut op[span]) {
                    *a += x;
                    *o = *a;
                }
            }
            drop.fill(0.0);
            for (r, &res) in self.r_in.iter().enumerate() {
                let span = r * n..(r + 1) * n;
                for ((d, o), l) in drop.iter_mut().zip(&mut op[span.clone()]).zip(&line[span]) {
                    *d += res * *o;
                    *o = *d + l;
                }
            }
        }
    }

    /// `q = (1 + G^½ S G^½) y`; `t` and `line` are scratch.
    fn apply(&self, y: &[f64], q: &mut [f64], t: &mut [f64], line: &mut [f64]) {
        for ((tk, yk), s) in t.iter_mut().zip(y).zip(&self.sqrt_g) {
            *tk = s * yk;
        }
        self.transfer(t, q, line);
        for ((qk, yk), s) in q.iter_mut().zip(y).zip(&self.sqrt_g) {
            *qk = yk + s * *qk;
        }
    }

    /// Cell currents for ideal cell voltages `e` (frame order), by conjugate
    /// gradients from zero until the relative residual `‖b − A y‖₂/‖b‖₂` is at
    /// most `tol` (checked on the true residual at the end); `None` when that
    /// takes more than `max_steps`. Returns the currents and the steps.
    pub fn solve(&self, e: &[f64], tol: f64, max_steps: usize) -> Option<(Vec<f64>, usize)> {
        let len = e.len();
        let mut line = vec![0.0; self.m * self.n];
        let mut t = vec![0.0; len];
        let b: Vec<f64> = e.iter().zip(&self.sqrt_g).map(|(x, s)| s * x).collect();
        let b_norm = dot(&b, &b).sqrt();
        let mut y = vec![0.0; len];
        let mut steps = 0;
        if b_norm > 0.0 {
            let mut r = b.clone();
            let mut p = r.clone();
            let mut q = vec![0.0; len];
            let mut rr = dot(&r, &r);
            // The recurrence residual drifts from the true one; stop a little below `tol`.
            while rr.sqrt() > 0.1 * tol * b_norm {
                if steps == max_steps {
                    return None;
                }
                steps += 1;
                self.apply(&p, &mut q, &mut t, &mut line);
                let alpha = rr / dot(&p, &q);
                for ((yk, rk), (pk, qk)) in y.iter_mut().zip(r.iter_mut()).zip(p.iter().zip(&q)) {
                    *yk += alpha * pk;
                    *rk -= alpha * qk;
                }
                let rr_new = dot(&r, &r);
                let beta = rr_new / rr;
                rr = rr_new;
                for (pk, rk) in p.iter_mut().zip(&r) {
                    *pk = rk + beta * *pk;
                }
            }
            // The true residual.
            let mut ay = vec![0.0; len];
            self.apply(&y, &mut ay, &mut t, &mut line);
            let res: f64 = b
                .iter()
                .zip(&ay)
                .map(|(bk, ak)| (bk - ak) * (bk - ak))
                .sum::<f64>()
                .sqrt();
            if res.is_nan() || res > tol * b_norm {
                return None;
            }
        }
        let currents = y.iter().zip(&self.sqrt_g).map(|(yk, s)| s * yk).collect();
        Some((currents, steps))
    }

    /// Output-line currents (frame order) of cell currents `i`.
    pub fn outputs(&self, i: &[f64], y: &mut [f64]) {
        let mn = self.m * self.n;
        y[..self.m].fill(0.0);
        for p in 0..self.pols {
            for (yo, row) in y.iter_mut().zip(i[p * mn..(p + 1) * mn].chunks_exact(self.n.max(1))) {
                *yo += row.iter().sum::<f64>();
            }
        }
    }
}

/// `Σ a_k b_k` in index order.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
