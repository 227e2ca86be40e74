//! CrossSim's relaxation solver (spec §12.2–12.5), for users who want
//! CrossSim's numbers, including its stopping rule and its quirks.
//!
//! Unknowns are the cell voltages `dV` (one `m × n` matrix per vector and
//! polarity, in the frame of `wires`). One iteration, for cell currents
//! `I = G ∘ dV`:
//!
//! * output line `i`: `S_out[i][k] = Σ_{l≤k} I[i][l]` (all polarities),
//!   `V_out[i][j] = Σ_{k≥j} R_out[k] · S_out[i][k]`;
//! * input line `j` (current from the input): `S_in[i'][j] = Σ_{k≥i'} I[k][j]`,
//!   `V_in[i][j] = Σ_{i'≤i} R_in[j] · S_in[i'][j]`;
//!   supply line `i` (separate source): `S_sup[i][k] = Σ_{l≥k} I[i][l]`,
//!   `V_in[i][j] = Σ_{k≤j} R_in[k] · S_sup[i][k]`;
//! * `E = dV0 − (V_out + V_in) − dV`, with `dV0 = ±v_j`;
//! * `Verr` = a metric of `|E|` over the batch (below); stop when `Verr < th`;
//!   otherwise `dV += γ E` and iterate, evaluating at most `Niters_max` times.
//!
//! All vectors of a batch iterate together, so a vector's result depends on
//! its batch-mates, as in CrossSim. Metric, per vector `max|E|` (interleaved:
//! `½(max|E+| + max|E−|)`, each maximum taken over the whole batch for
//! `max_max`): `max_max` the largest, `max_mean` the mean, `max_min` the
//! smallest. If the loop ends above the threshold (or a value is not finite)
//! the solve is retried from the start with `γ ← 0.98 γ`; once `γ ≤ 0.01` it
//! fails with "Parasitic MVM solver failed to converge". The reduced `γ` is
//! kept in the caller's [`Relaxation`] for later calls, as CrossSim keeps it on
//! its solver object (one per array and direction).
//!
//! Resistances are CrossSim's: with current from the input, the row terminal
//! resistance is added to **every** segment of input line 0 (CrossSim's
//! placement, reproduced here only; the exact solver puts it at each line's
//! driver); the column terminal closes every output line. With separate
//! supply lines both terminal resistances sit at each line's end, and unused
//! array lines lengthen the end segment selected by `selected_rows`.

use super::linear::ACTIVE_INPUT;
use super::problem::Problem;
use super::wires::Frame;
use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::params::{Params, SelectedRows, VerrCriterion};

/// Settings and persistent state of CrossSim's relaxation solver for one
/// array and direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaxation {
    /// Relaxation factor (`simulation.relaxation_gamma`); lowered by failed solves and kept.
    pub gamma: f64,
    /// Stopping threshold on the voltage error (`simulation.Verr_th_mvm`).
    pub threshold: f64,
    /// Most error evaluations per attempt (`simulation.Niters_max_parasitics`).
    pub max_iterations: u32,
    /// How per-vector errors combine over a batch (`simulation.Verr_matmul_criterion`).
    pub criterion: VerrCriterion,
}

/// What a relaxation solve did.
#[derive(Debug, Clone, PartialEq)]
pub struct RelaxationReport {
    /// Output-line currents, `outputs(op)` per vector.
    pub y: Batch,
    /// Error evaluations of the successful attempt.
    pub iterations: u32,
    /// Failed attempts before it (each lowered `gamma` by 2%).
    pub retries: u32,
    /// The final metric value.
    pub verr: f64,
}

impl Relaxation {
    /// The settings of `params.simulation`.
    pub fn from_params(params: &Params) -> Relaxation {
        let s = &params.simulation;
        Relaxation {
            gamma: s.relaxation_gamma,
            threshold: s.verr_th_mvm,
            max_iterations: s.niters_max_parasitics,
            criterion: s.verr_matmul_criterion,
        }
    }
}

/// CrossSim's resistance profiles of one frame.
struct Profiles {
    /// Input-source: per input line `j` (constant along the line);
    /// separate source: per supply segment `k`.
    r_in: Vec<f64>,
    /// Per output segment `k` (`k = n-1` is the terminal segment).
    r_out: Vec<f64>,
}

impl Profiles {
    fn crosssim(f: &Frame) -> Profiles {
        let mut r_out = vec![f.r_out; f.n];
        let mut r_in = vec![f.r_in; f.n];
        if f.n == 0 {
            return Profiles { r_in, r_out };
        }
        if f.separate_source {
            if f.unused > 0 {
                let extra = (f.unused + 1) as f64;
                match f.selected_rows {
                    SelectedRows::Top => r_out[f.n - 1] = f.r_out * extra,
                    SelectedRows::Bottom => r_in[0] = f.r_in * extra,
                }
            }
            r_in[0] += f.t_in;
        } else {
            // CrossSim's placement: every segment of input line 0.
            r_in[0] += f.t_in;
        }
        r_out[f.n - 1] += f.t_out;
        Profiles { r_in, r_out }
    }
}

/// Solves the read `p` (every vector of `p.x`) by CrossSim's relaxation,
/// lowering and keeping `state.gamma` as CrossSim does. An all-zero batch
/// returns zeros without iterating. Fails with `Error::NoConvergence` once
/// `gamma` falls to 0.01.
pub fn solve_relaxation(p: &Problem, state: &mut Relaxation) -> Result<RelaxationReport> {
    let f = p.frame("relaxation solver")?;
    let x = p.x;
    let mut cells = vec![f.cells(p.g)];
    if let Some(gn) = p.gn {
        cells.push(f.cells(gn));
    }
    let v: Vec<Vec<f64>> = (0..x.count)
        .map(|b| (0..f.n).map(|j| x.vector(b)[f.input(j)]).collect())
        .collect();
    if x.data.iter().all(|&e| e == 0.0) {
        return Ok(RelaxationReport {
            y: Batch::zeros(f.m, x.count),
            iterations: 0,
            retries: 0,
            verr: 0.0,
        });
    }
    let profiles = Profiles::crosssim(&f);
    let mut retries = 0;
    loop {
        if let Some((y_frame, iterations, verr)) = attempt(&f, &profiles, &cells, &v, state) {
            let mut y = Batch::zeros(f.m, x.count);
            for (b, yf) in y_frame.iter().enumerate() {
                for (i, &val) in yf.iter().enumerate() {
                    y.vector_mut(b)[f.output(i)] = val;
                }
            }
            return Ok(RelaxationReport {
                y,
                iterations,
                retries,
                verr,
            });
        }
        retries += 1;
        state.gamma *= 0.98;
        if state.gamma <= 1e-2 {
            return Err(Error::NoConvergence(format!(
                "Parasitic MVM solver failed to converge (relaxation factor lowered to {:.5} after {} attempts \
                 of {} iterations, Verr_th_mvm = {:e})",
                state.gamma, retries, state.max_iterations, state.threshold
            )));
        }
    }
}

/// One attempt at the current `gamma`: the frame outputs, the number of error
/// evaluations and the final metric, or `None` if it did not converge.
fn attempt(
    f: &Frame,
    pr: &Profiles,
    cells: &[Vec<f64>],
    v: &[Vec<f64>],
    st: &Relaxation,
) -> Option<(Vec<Vec<f64>>, u32, f64)> {
    let (m, n, pols) = (f.m, f.n, cells.len());
    let mn = m * n;
    let sign = |p: usize| if p == 0 { 1.0 } else { -1.0 };
    // Effective conductances per vector (separate source: inputs switch cells).
    let gate = |b: usize, p: usize| -> Vec<f64> {
        let mut c = cells[p].clone();
        if f.separate_source {
            for row in c.chunks_mut(n.max(1)) {
                for (cij, vj) in row.iter_mut().zip(&v[b]) {
                    *cij *= if vj.abs() > ACTIVE_INPUT { 1.0 } else { 0.0 };
                }
            }
        }
        c
    };
    let geff: Vec<Vec<Vec<f64>>> = (0..v.len()).map(|b| (0..pols).map(|p| gate(b, p)).collect()).collect();
    // dV per vector and polarity, starting at dV0.
    let mut dv: Vec<Vec<Vec<f64>>> = (0..v.len())
        .map(|b| {
            (0..pols)
                .map(|p| {
                    let mut d = Vec::with_capacity(mn);
                    for _ in 0..m {
                        d.extend(v[b].iter().map(|&e| sign(p) * e));
                    }
                    d
                })
                .collect()
        })
        .collect();
    let mut err = dv.clone();
    let mut s_col = vec![0.0; mn];
    let mut v_in = vec![0.0; mn];
    let mut acc = vec![0.0; n];
    let mut y = vec![vec![0.0; m]; v.len()];
    let mut verr = f64::INFINITY;
    let mut evaluations = 0u32;
    let mut converged = false;
    while evaluations < st.max_iterations {
        // Per-vector maxima of |E| for each polarity.
        let mut maxima = Vec::with_capacity(v.len());
        for b in 0..v.len() {
            // Output-line partial sums, all polarities together.
            for (k, s) in s_col.iter_mut().enumerate() {
                *s = (0..pols).map(|p| geff[b][p][k] * dv[b][p][k]).sum();
            }
            for i in 0..m {
                let row = &mut s_col[i * n..(i + 1) * n];
                for j in 1..n {
                    row[j] += row[j - 1];
                }
                y[b][i] = row.last().copied().unwrap_or(0.0);
            }
            let mut mx = [0.0f64; 2];
            for p in 0..pols {
                let (g, d) = (&geff[b][p], &dv[b][p]);
                input_drops(f, pr, g, d, &mut v_in, &mut acc);
                let e = &mut err[b][p];
                for i in 0..m {
                    // V_out by a reverse cumulative sum along the output line.
                    let mut vout = 0.0;
                    for j in (0..n).rev() {
                        let k = i * n + j;
                        vout += pr.r_out[j] * s_col[k];
                        let vpar = vout + v_in[k];
                        let ek = (sign(p) * v[b][j] - vpar) - d[k];
                        e[k] = ek;
                        mx[p] = mx[p].max(ek.abs());
                        if ek.is_nan() {
                            mx[p] = f64::NAN;
                        }
                    }
                }
            }
            maxima.push(mx);
        }
        evaluations += 1;
        verr = metric(&maxima, pols, st.criterion);
        // CrossSim stops below the threshold (at it exactly it also reports
        // success, with one more update of the voltages; not reproduced).
        if verr <= st.threshold {
            converged = true;
            break;
        }
        if verr.is_nan() {
            // CrossSim's NaN check fails the attempt.
            break;
        }
        for b in 0..v.len() {
            for p in 0..pols {
                for (d, e) in dv[b][p].iter_mut().zip(&err[b][p]) {
                    *d += st.gamma * e;
                }
            }
        }
    }
    let finite = y.iter().flatten().all(|e| e.is_finite());
    (converged && finite).then_some((y, evaluations, verr))
}

/// Voltage drops along the input (or supply) lines of one polarity.
fn input_drops(f: &Frame, pr: &Profiles, g: &[f64], d: &[f64], v_in: &mut [f64], acc: &mut [f64]) {
    let (m, n) = (f.m, f.n);
    if f.separate_source {
        for i in 0..m {
            // S_sup by a reverse cumulative sum, then V_in forward.
            let row = i * n..(i + 1) * n;
            let (gi, di, vi) = (&g[row.clone()], &d[row.clone()], &mut v_in[row]);
            let mut s = 0.0;
            for j in (0..n).rev() {
                s += gi[j] * di[j];
                vi[j] = s;
            }
            let mut vsum = 0.0;
            for (vj, r) in vi.iter_mut().zip(&pr.r_in) {
                vsum += r * *vj;
                *vj = vsum;
            }
        }
    } else {
        // S_in from the far end (i = m-1) towards the driver, then V_in forward.
        acc.fill(0.0);
        for i in (0..m).rev() {
            let row = i * n..(i + 1) * n;
            for ((a, vi), (gk, dk)) in acc
                .iter_mut()
                .zip(&mut v_in[row.clone()])
                .zip(g[row.clone()].iter().zip(&d[row]))
            {
                *a += gk * dk;
                *vi = *a;
            }
        }
        acc.fill(0.0);
        for i in 0..m {
            for ((a, vi), r) in acc.iter_mut().zip(&mut v_in[i * n..(i + 1) * n]).zip(&pr.r_in) {
                *a += r * *vi;
                *vi = *a;
            }
        }
    }
}

/// CrossSim's convergence metric from the per-vector maxima of `|E±|`.
fn metric(maxima: &[[f64; 2]], pols: usize, criterion: VerrCriterion) -> f64 {
    if maxima.iter().flatten().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let per_vector = |mx: &[f64; 2]| if pols == 2 { 0.5 * (mx[0] + mx[1]) } else { mx[0] };
    match criterion {
        VerrCriterion::MaxMax => {
            if pols == 2 {
                let p = maxima.iter().fold(0.0f64, |a, mx| a.max(mx[0]));
                let q = maxima.iter().fold(0.0f64, |a, mx| a.max(mx[1]));
                0.5 * (p + q)
            } else {
                maxima.iter().fold(0.0f64, |a, mx| a.max(mx[0]))
            }
        }
        VerrCriterion::MaxMean => maxima.iter().map(per_vector).sum::<f64>() / maxima.len() as f64,
        VerrCriterion::MaxMin => maxima.iter().map(per_vector).fold(f64::INFINITY, f64::min),
    }
}
