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
//! and still converge, more slowly, when `λ > 1`. Output line `i` carries
//! `Σ_{p,j} I_p[i,j]`.
//!
//! # One product with `S` in one sweep
//!
//! The solver is bound by memory traffic, so a product `S t` reads `t` once,
//! output line by output line, and each step of conjugate gradients is one
//! pass over its vectors `y`, `r`, `p` and `√G` (see [`CellCg::solve`] and
//! [`Residual`]). The input lines' drops need no second pass down the lines:
//! with `c_i = Σ_{s≤i} R_s` (driver to cell `i`),
//!
//! `drop_p[i,j] = Σ_t c_min(i,t) t_p[t,j] = Σ_{t≤i} c_t t_p[t,j] + c_i (T_p[j] − Σ_{t≤i} t_p[t,j])`,
//!
//! where the column totals `T_p[j] = Σ_t t_p[t,j]` are known before the sweep
//! (conjugate gradients carry them along with their vectors). The output
//! lines' potentials are two running sums along each line, latency-bound
//! chains, so [`LANES`] output lines run them side by side. Every sum runs in
//! a fixed order, so results do not depend on the thread count.

use super::wires::Frame;

/// Output lines whose running sums run side by side in one product with `S`
/// (independent chains, one SIMD lane each).
const LANES: usize = 8;

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
    /// Input-line resistance from the driver to cell `i`, `c_i = Σ_{s≤i} R_s`.
    c_in: Vec<f64>,
    /// `√G` per frame cell.
    sqrt_g: Vec<f64>,
}

/// One row of a sweep: `t` to be written (`Load`) or `S t` to be read (`Store`).
enum Row<'a> {
    Load(&'a mut [f64]),
    Store(&'a [f64]),
}

/// Scratch of the products with `S`.
struct Sweep {
    /// `t` of the lines in flight, `pols × LANES × n`.
    rows: Vec<f64>,
    /// Output-line sums of the lines in flight, lane-interleaved (`[j·LANES + l]`).
    lanes: Vec<f64>,
    /// Per polarity and input line, `Σ_{t≤i} t_p[t,j]` and `Σ_{t≤i} c_t t_p[t,j]`.
    above: Vec<f64>,
    above_c: Vec<f64>,
    /// One row of `S t`.
    out: Vec<f64>,
}

/// `Σ a_k b_k` accumulated in [`LANES`] interleaved partial sums (summed in
/// lane order at the end): vectorised, and in a fixed order.
#[derive(Default)]
struct Dot([f64; LANES]);

impl Dot {
    fn add(&mut self, a: &[f64], b: &[f64]) {
        let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let (ar, br) = (ac.remainder(), bc.remainder());
        for (x, y) in ac.zip(bc) {
            for l in 0..LANES {
                self.0[l] += x[l] * y[l];
            }
        }
        for (l, (x, y)) in ar.iter().zip(br).enumerate() {
            self.0[l] += x * y;
        }
    }

    fn total(&self) -> f64 {
        self.0.iter().sum()
    }
}

/// Statistics of a residual `r`, gathered row by row in sweep order (rows
/// in order, polarities in order within each): `r·r`, the column totals
/// `T_p[j]` of `u = G^½ r`, and `r·A r = r·r + u·S u`, where `u·S u` is the
/// power the currents `u` dissipate in the wires,
///
/// `u·S u = Σ_{i,k} R_k P_{i,k}² + Σ_{p,j,s} R_s (T_p[j] − A_{p,s}[j])²`,
///
/// `P_{i,k} = Σ_{l≤k} Σ_p u_p[i,l]` (output-line segment currents) and
/// `A_{p,s}[j] = Σ_{t<s} u_p[t,j]` (what input-line segment `s` no longer
/// carries); the second sum is `Σ_{p,j} (c_{m−1} T² − 2T Σ_s R_s A_s + Σ_s R_s A_s²)`,
/// so nothing waits for the totals.
struct Residual {
    rr: Dot,
    /// Per polarity and input line: `A` (the totals `T` at the end), `Σ_s R_s A_s`, `Σ_s R_s A_s²`.
    above: Vec<f64>,
    above_r: Vec<f64>,
    above_r2: Vec<f64>,
    /// Output-line currents of the lines in flight, lane-interleaved (`[j·LANES + l]`).
    lanes: Vec<f64>,
    /// `Σ R_k P_k²` per lane.
    out_power: [f64; LANES],
}

impl Residual {
    fn new(cg: &CellCg) -> Residual {
        Residual {
            rr: Dot::default(),
            above: vec![0.0; cg.pols * cg.n],
            above_r: vec![0.0; cg.pols * cg.n],
            above_r2: vec![0.0; cg.pols * cg.n],
            lanes: vec![0.0; LANES * cg.n],
            out_power: [0.0; LANES],
        }
    }

    /// Adds frame row `k` (`p·m·n + i·n`) of `r`.
    fn add(&mut self, cg: &CellCg, k: usize, r: &[f64]) {
        let (m, n) = (cg.m, cg.n);
        let (p, i) = (k / (m * n), k % (m * n) / n);
        self.rr.add(r, r);
        let r_s = cg.r_in[i];
        let span = p * n..(p + 1) * n;
        let (a, ar, ar2) = (
            &mut self.above[span.clone()],
            &mut self.above_r[span.clone()],
            &mut self.above_r2[span],
        );
        let l = i % LANES;
        let lanes = self.lanes[l..].iter_mut().step_by(LANES);
        for (((((aj, arj), ar2j), lane), rj), gj) in
            a.iter_mut().zip(ar).zip(ar2).zip(lanes).zip(r).zip(&cg.sqrt_g[k..])
        {
            let u = gj * rj;
            *arj += r_s * *aj;
            *ar2j += r_s * *aj * *aj;
            *aj += u;
            *lane += u;
        }
        if p + 1 == cg.pols && (l + 1 == LANES || i + 1 == m) {
            let mut acc = [0.0; LANES];
            for (chunk, r_k) in self.lanes.chunks_exact_mut(LANES).zip(&cg.r_out) {
                for ((a, c), e) in acc.iter_mut().zip(chunk.iter_mut()).zip(&mut self.out_power) {
                    *a += *c;
                    *e += r_k * *a * *a;
                    *c = 0.0;
                }
            }
        }
    }

    /// `(r·r, r·A r, T)`.
    fn finish(self, cg: &CellCg) -> (f64, f64, Vec<f64>) {
        let c_all = cg.c_in.last().copied().unwrap_or(0.0);
        let in_power: f64 = (self.above.iter().zip(&self.above_r).zip(&self.above_r2))
            .map(|((t, ar), ar2)| c_all * t * t - 2.0 * t * ar + ar2)
            .sum();
        let rr = self.rr.total();
        (rr, rr + Dot(self.out_power).total() + in_power, self.above)
    }
}

impl CellCg {
    /// The operator of an input-source `frame` with `pols` cells per crossing.
    pub fn new(frame: &Frame, pols: usize) -> CellCg {
        let (m, n) = (frame.m, frame.n);
        let r_out = (0..n)
            .map(|k| if k + 1 < n { frame.r_out } else { frame.r_out_end })
            .collect();
        let r_in: Vec<f64> = (0..m)
            .map(|s| if s == 0 { frame.r_in_end } else { frame.r_in })
            .collect();
        let c_in = r_in
            .iter()
            .scan(0.0, |c, r| {
                *c += r;
                Some(*c)
            })
            .collect();
        CellCg {
            m,
            n,
            pols,
            r_out,
            r_in,
            c_in,
            sqrt_g: Vec::new(),
        }
    }

    /// Takes the frame-ordered conductances.
    pub fn set_cells(&mut self, cells: &[f64]) {
        self.sqrt_g.clear();
        self.sqrt_g.extend(cells.iter().map(|g| g.sqrt()));
    }

    fn scratch(&self) -> Sweep {
        let n = self.n;
        Sweep {
            rows: vec![0.0; self.pols * LANES * n],
            lanes: vec![0.0; LANES * n],
            above: vec![0.0; self.pols * n],
            above_c: vec![0.0; self.pols * n],
            out: vec![0.0; n],
        }
    }

    /// The column totals `T_p[j] = Σ_i √G_p[i,j] v_p[i,j]`.
    fn totals(&self, v: &[f64]) -> Vec<f64> {
        let (m, n) = (self.m, self.n);
        let mut t = vec![0.0; self.pols * n];
        for (k, (vr, sr)) in v.chunks_exact(n).zip(self.sqrt_g.chunks_exact(n)).enumerate() {
            for ((tj, vj), sj) in t[k / m * n..][..n].iter_mut().zip(vr).zip(sr) {
                *tj += sj * vj;
            }
        }
        t
    }

    /// One product `S t` in one sweep over the output lines (module
    /// documentation), given the column totals `totals[p·n + j] = T_p[j]`.
    /// `row(k, Row::Load(t))` writes the frame row starting at `k`
    /// (`p·m·n + i·n`) of `t`, for [`LANES`] lines at a time; then
    /// `row(k, Row::Store(s))` receives those rows of `S t`, in order of `i`,
    /// polarities in order within each.
    fn sweep(&self, totals: &[f64], sw: &mut Sweep, mut row: impl FnMut(usize, Row<'_>)) {
        let (m, n, mn) = (self.m, self.n, self.m * self.n);
        sw.above.fill(0.0);
        sw.above_c.fill(0.0);
        for i0 in (0..m).step_by(LANES) {
            let lines = LANES.min(m - i0);
            // The lines' currents, summed over polarities into the lanes.
            sw.lanes.fill(0.0);
            for p in 0..self.pols {
                for l in 0..lines {
                    let t = &mut sw.rows[(p * LANES + l) * n..][..n];
                    row(p * mn + (i0 + l) * n, Row::Load(t));
                    for (lane, tj) in sw.lanes[l..].iter_mut().step_by(LANES).zip(t.iter()) {
                        *lane += tj;
                    }
                }
            }
            // Segment k carries Σ_{l≤k} t (prefix), the line sits at Σ_{k≥j} R_k·(that) (suffix).
            let mut acc = [0.0; LANES];
            for chunk in sw.lanes.chunks_exact_mut(LANES) {
                for (a, c) in acc.iter_mut().zip(chunk) {
                    *a += *c;
                    *c = *a;
                }
            }
            let mut pot = [0.0; LANES];
            for (chunk, r) in sw.lanes.chunks_exact_mut(LANES).zip(&self.r_out).rev() {
                for (u, c) in pot.iter_mut().zip(chunk) {
                    *u += r * *c;
                    *c = *u;
                }
            }
            // The input lines' drops, line by line down the array.
            for l in 0..lines {
                let c = self.c_in[i0 + l];
                for p in 0..self.pols {
                    let t = &sw.rows[(p * LANES + l) * n..][..n];
                    let span = p * n..(p + 1) * n;
                    let (above, above_c, tot) = (
                        &mut sw.above[span.clone()],
                        &mut sw.above_c[span.clone()],
                        &totals[span],
                    );
                    for (j, o) in sw.out.iter_mut().enumerate() {
                        above[j] += t[j];
                        above_c[j] += c * t[j];
                        *o = sw.lanes[j * LANES + l] + above_c[j] + c * (tot[j] - above[j]);
                    }
                    row(p * mn + (i0 + l) * n, Row::Store(&sw.out));
                }
            }
        }
    }

    /// Output-line currents (frame order, `m`) for the input voltages `v`
    /// (frame order, one per input line; cells of polarity `p` see
    /// `e = ±v_j`), by conjugate gradients from zero until the relative
    /// residual `‖b − A y‖₂/‖b‖₂` is at most `tol`. When the recurrence
    /// residual gets there, the true residual is computed and, if it is still
    /// above `tol`, the iteration restarts from it. `None` when that takes
    /// more than `max_steps`. Returns the currents `Σ_{p,j} √G y` (summed
    /// with the true residual) and the steps.
    ///
    /// Each step is one pass over the vectors: the sweep that forms the search
    /// direction `p ← r + β p` and `q = A p` also applies `y += α p`,
    /// `r −= α q`, since `α = r·r / p·A p` is known beforehand from the
    /// statistics of the previous residual ([`Residual`]):
    /// `p'·A p' = r'·A r' + 2β r'·A p + β² p·A p` for `p' = r' + β p`.
    pub fn solve(&self, v: &[f64], tol: f64, max_steps: usize) -> Option<(Vec<f64>, usize)> {
        let (m, n) = (self.m, self.n);
        let mn = m * n;
        let len = self.pols * mn;
        let sg = &self.sqrt_g;
        // b = G^½ e, frame row k.
        let b_row = |k: usize| {
            let sign = if k < mn { 1.0 } else { -1.0 };
            sg[k..k + n].iter().zip(v).map(move |(s, x)| s * (sign * x))
        };
        let mut sw = self.scratch();
        let mut r = vec![0.0; len];
        let mut stats = Residual::new(self);
        for i in 0..m {
            for p in 0..self.pols {
                let k = p * mn + i * n;
                for (rj, bj) in r[k..k + n].iter_mut().zip(b_row(k)) {
                    *rj = bj;
                }
                stats.add(self, k, &r[k..k + n]);
            }
        }
        let (mut rr, mut r_ar, mut t_r) = stats.finish(self);
        let b_norm = rr.sqrt();
        let mut y = vec![0.0; len];
        let mut outputs = vec![0.0; m];
        let mut steps = 0;
        if b_norm > 0.0 {
            let limit = tol * b_norm;
            let mut p = vec![0.0; len];
            let mut q_row = vec![0.0; n];
            // Column totals of G^½ p.
            let mut t_p = vec![0.0; t_r.len()];
            loop {
                let (mut beta, mut p_ap) = (0.0, r_ar);
                while rr.sqrt() > limit {
                    if steps == max_steps {
                        return None;
                    }
                    steps += 1;
                    let alpha = rr / p_ap;
                    for (tp, tr) in t_p.iter_mut().zip(&t_r) {
                        *tp = tr + beta * *tp;
                    }
                    // p ← r + β p, q = A p = p + G^½ S G^½ p, y += α p, r −= α q.
                    let (mut pq, mut rq) = (Dot::default(), Dot::default());
                    let mut stats = Residual::new(self);
                    self.sweep(&t_p, &mut sw, |k, row| match row {
                        Row::Load(t) => {
                            for (((tj, pj), rj), sj) in t.iter_mut().zip(&mut p[k..k + n]).zip(&r[k..]).zip(&sg[k..]) {
                                *pj = rj + beta * *pj;
                                *tj = sj * *pj;
                            }
                        }
                        Row::Store(s) => {
                            let (pk, rk, yk) = (&p[k..k + n], &mut r[k..k + n], &mut y[k..k + n]);
                            for (((qj, pj), sj), gj) in q_row.iter_mut().zip(pk).zip(s).zip(&sg[k..]) {
                                *qj = pj + gj * sj;
                            }
                            for (((yj, rj), pj), qj) in yk.iter_mut().zip(rk.iter_mut()).zip(pk).zip(&q_row) {
                                *yj += alpha * pj;
                                *rj -= alpha * qj;
                            }
                            pq.add(pk, &q_row);
                            rq.add(rk, &q_row);
                            stats.add(self, k, rk);
                        }
                    });
                    let rr_new;
                    (rr_new, r_ar, t_r) = stats.finish(self);
                    beta = rr_new / rr;
                    rr = rr_new;
                    p_ap = r_ar + 2.0 * beta * rq.total() + beta * beta * pq.total();
                }
                if rr.is_nan() {
                    return None;
                }
                // The recurrence residual drifts from the true one: r ← b − A y.
                let t_y = self.totals(&y);
                let mut stats = Residual::new(self);
                outputs.fill(0.0);
                self.sweep(&t_y, &mut sw, |k, row| match row {
                    Row::Load(t) => {
                        for ((tj, yj), sj) in t.iter_mut().zip(&y[k..k + n]).zip(&sg[k..]) {
                            *tj = sj * yj;
                        }
                    }
                    Row::Store(s) => {
                        let (rk, yk, gk) = (&mut r[k..k + n], &y[k..k + n], &sg[k..k + n]);
                        for ((((rj, bj), yj), sj), gj) in rk.iter_mut().zip(b_row(k)).zip(yk).zip(s).zip(gk) {
                            *rj = bj - (yj + gj * sj);
                        }
                        stats.add(self, k, rk);
                        let mut current = Dot::default();
                        current.add(gk, yk);
                        outputs[k % mn / n] += current.total();
                    }
                });
                (rr, r_ar, t_r) = stats.finish(self);
                if rr.is_nan() {
                    return None;
                }
                if rr.sqrt() <= limit {
                    break;
                }
            }
        }
        Some((outputs, steps))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::array::Op;
    use crate::circuit::parasitics::Wires;
    use crate::params::SelectedRows;

    /// Deterministic values in `[lo, hi)`.
    pub(crate) fn values(count: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
        let mut s = seed;
        (0..count)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
            })
            .collect()
    }

    /// An interleaved pair, 13 output lines (a partial group of lanes) of 11
    /// cells, with terminal resistances at both ends, `scale` times 1 % of a
    /// cell's resistance per segment.
    fn operator(scale: f64) -> CellCg {
        let wires = Wires {
            enable: true,
            r_row: 0.03 * scale,
            r_col: 0.02 * scale,
            r_row_terminal: 0.05 * scale,
            r_col_terminal: 0.07 * scale,
            current_from_input: true,
            selected_rows: SelectedRows::Top,
            rows_max: 0,
            cols_max: 0,
            rmin_ohm: 1e3,
        };
        let mut cg = CellCg::new(&Frame::new(&wires, Op::Mvm, 13, 11), 2);
        cg.set_cells(&values(2 * 13 * 11, 1, 0.0, 1.0));
        cg
    }

    fn product(a: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
        a.iter()
            .map(|row| row.iter().zip(x).map(|(u, v)| u * v).sum())
            .collect()
    }

    /// `S` entry by entry (module documentation): cells on one output line
    /// share `Σ_{k≥max(j,j')} R_k`, cells on one input line `c_min(i,i')`.
    fn dense_s(cg: &CellCg) -> Vec<Vec<f64>> {
        let (n, mn) = (cg.n, cg.m * cg.n);
        let to_ground = |j: usize| cg.r_out[j..].iter().sum::<f64>();
        let from_driver = |i: usize| cg.c_in[i];
        let len = cg.pols * mn;
        let cell = |k: usize| (k / mn, k % mn / n, k % n);
        (0..len)
            .map(|a| {
                (0..len)
                    .map(|b| {
                        let ((pa, ia, ja), (pb, ib, jb)) = (cell(a), cell(b));
                        let mut s = 0.0;
                        if ia == ib {
                            s += to_ground(ja.max(jb));
                        }
                        if pa == pb && ja == jb {
                            s += from_driver(ia.min(ib));
                        }
                        s
                    })
                    .collect()
            })
            .collect()
    }

    /// The one-sweep product and the residual statistics against `S` built
    /// entry by entry: equal to rounding (1e-13 relative on sums of ~300 terms).
    #[test]
    fn one_sweep_matches_the_transfer_resistance() {
        let cg = operator(1.0);
        let s = dense_s(&cg);
        let len = s.len();
        let t = values(len, 2, -1.0, 1.0);
        let want = product(&s, &t);
        let mut totals = vec![0.0; cg.pols * cg.n];
        for (k, tk) in t.iter().enumerate() {
            totals[k / (cg.m * cg.n) * cg.n + k % cg.n] += tk;
        }
        let mut got = vec![0.0; len];
        let mut sw = cg.scratch();
        let n = cg.n;
        cg.sweep(&totals, &mut sw, |k, row| match row {
            Row::Load(dst) => dst.copy_from_slice(&t[k..k + n]),
            Row::Store(src) => got[k..k + n].copy_from_slice(src),
        });
        let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-13 * scale, "S t: {g} against {w}");
        }

        // r·A r = r·r + u·S u with u = √G r, and the totals of u.
        let r = values(len, 3, -1.0, 1.0);
        let u: Vec<f64> = r.iter().zip(&cg.sqrt_g).map(|(a, b)| a * b).collect();
        let su = product(&s, &u);
        let rr: f64 = r.iter().map(|a| a * a).sum();
        let want_rar = rr + u.iter().zip(&su).map(|(a, b)| a * b).sum::<f64>();
        let mut stats = Residual::new(&cg);
        for i in 0..cg.m {
            for p in 0..cg.pols {
                let k = p * cg.m * n + i * n;
                stats.add(&cg, k, &r[k..k + n]);
            }
        }
        let (got_rr, got_rar, got_totals) = stats.finish(&cg);
        assert!((got_rr - rr).abs() <= 1e-13 * rr);
        assert!(
            (got_rar - want_rar).abs() <= 1e-13 * want_rar,
            "{got_rar} against {want_rar}"
        );
        assert_eq!(got_totals, cg.totals(&r));
    }

    /// The solve, with weak wires (λ ≈ 0.33) and strong ones (λ ≈ 3.3): as many
    /// steps at most as the conjugate-gradient bound allows,
    /// `‖r_k‖ ≤ 2√κ ρ^k ‖b‖` with `ρ = (√κ − 1)/(√κ + 1)`, `κ = 1 + λ` (so
    /// `α` and `β` from the residual statistics are right), and the output
    /// currents of the dense system `(1 + G^½ S G^½) y = G^½ e` solved by
    /// Gaussian elimination, to 1e-10.
    #[test]
    fn solves_within_the_conjugate_gradient_bound() {
        for scale in [0.1, 1.0] {
            let cg = operator(scale);
            let s = dense_s(&cg);
            let len = s.len();
            let sg = &cg.sqrt_g;
            let mut a: Vec<Vec<f64>> = (0..len)
                .map(|r| (0..len).map(|c| sg[r] * s[r][c] * sg[c]).collect())
                .collect();
            // λ by power iteration on G^½ S G^½ (positive semi-definite).
            let mut x = vec![1.0 / (len as f64).sqrt(); len];
            let mut lambda = 0.0;
            for _ in 0..500 {
                let ax = product(&a, &x);
                lambda = ax.iter().map(|v| v * v).sum::<f64>().sqrt();
                x = ax.iter().map(|v| v / lambda).collect();
            }
            let kappa = 1.0 + lambda * (1.0 + 1e-6);
            let rho = (kappa.sqrt() - 1.0) / (kappa.sqrt() + 1.0);
            let bound = ((2.0 * kappa.sqrt() / 1e-12).ln() / (1.0 / rho).ln()).ceil() as usize;
            let v = values(cg.n, 4, -1.0, 1.0);
            let (y, steps) = cg.solve(&v, 1e-12, 100).unwrap();
            assert!(
                steps <= bound,
                "scale {scale}: {steps} steps, bound {bound} (λ = {lambda})"
            );

            // Dense solve (Gaussian elimination; SPD, no pivoting needed).
            let mn = cg.m * cg.n;
            let mut b: Vec<f64> = (0..len)
                .map(|k| sg[k] * if k < mn { 1.0 } else { -1.0 } * v[k % cg.n])
                .collect();
            for (r, row) in a.iter_mut().enumerate() {
                row[r] += 1.0;
            }
            for c in 0..len {
                let (upper, lower) = a.split_at_mut(c + 1);
                let pivot = &upper[c];
                for (r, row) in lower.iter_mut().enumerate() {
                    let f = row[c] / pivot[c];
                    for (x, p) in row[c..].iter_mut().zip(&pivot[c..]) {
                        *x -= f * p;
                    }
                    b[c + 1 + r] -= f * b[c];
                }
            }
            let mut z = vec![0.0; len];
            for r in (0..len).rev() {
                let tail: f64 = (r + 1..len).map(|k| a[r][k] * z[k]).sum();
                z[r] = (b[r] - tail) / a[r][r];
            }
            let scale_y = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (row, got) in y.iter().enumerate() {
                let want: f64 = (0..cg.pols)
                    .flat_map(|p| (0..cg.n).map(move |j| p * mn + row * cg.n + j))
                    .map(|k| sg[k] * z[k])
                    .sum();
                assert!(
                    (got - want).abs() <= 1e-10 * scale_y,
                    "scale {scale}, output {row}: {got} against {want}"
                );
            }
        }
    }
}
