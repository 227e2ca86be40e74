//! Parasitic circuit solvers (`xbar::internals::circuit::parasitics`), at the array level:
//! the exact solver against hand-solved circuits, an independent dense nodal
//! analysis written here in the array's own coordinates, ngspice, and
//! CrossSim's reference cases j02–j06 (with the balanced mapping and the
//! DAC of those cases reproduced here); the CrossSim-compatible relaxation
//! against the exact solver and against CrossSim's own numbers.

use ndarray::Array2;
use ndarray_npy::read_npy;
use std::path::{Path, PathBuf};
use std::process::Command;
use xbar::internals::array::{Array, Op};
use xbar::internals::batch::Batch;
use xbar::internals::circuit::parasitics::{
    netlist, parse_ngspice_currents, solve_exact, solve_relaxation, LinearSolver, Problem, Relaxation, Wires,
};
use xbar::internals::storage::Conductances;
use xbar::params::{Params, SelectedRows, VerrCriterion};
use xbar::Error;

// ---------------------------------------------------------------- helpers

/// SplitMix64, for reproducible test data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
    /// Inputs in {-1, 0, 1} (the 1-bit slices of separate-source arrays).
    fn ternary(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| (self.next() * 3.0).floor() - 1.0).collect()
    }
}

/// Normalised wires (resistances already divided by Rmin = 1 kΩ).
#[allow(clippy::too_many_arguments)]
fn wires(
    r_row: f64,
    r_col: f64,
    t_row: f64,
    t_col: f64,
    from_input: bool,
    sel: SelectedRows,
    max: (usize, usize),
) -> Wires {
    Wires {
        enable: true,
        r_row,
        r_col,
        r_row_terminal: t_row,
        r_col_terminal: t_col,
        current_from_input: from_input,
        selected_rows: sel,
        rows_max: max.0,
        cols_max: max.1,
        rmin_ohm: 1000.0,
    }
}

/// `max|got − want| / max|want|`.
fn rel_err(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs())).max(1e-300);
    got.iter().zip(want).fold(0.0f64, |a, (g, w)| a.max((g - w).abs())) / scale
}

fn inputs(op: Op, rows: usize, cols: usize) -> usize {
    match op {
        Op::Mvm => cols,
        Op::Vmm => rows,
    }
}

/// One configuration of the table-driven tests.
#[derive(Debug, Clone)]
struct Case {
    rows: usize,
    cols: usize,
    op: Op,
    interleaved: bool,
    w: Wires,
    g: Vec<f64>,
    gn: Option<Vec<f64>>,
    x: Batch,
}

impl Case {
    fn random(seed: u64, rows: usize, cols: usize, op: Op, interleaved: bool, w: Wires, batch: usize) -> Case {
        let mut rng = Rng(seed);
        let g = rng.vec(rows * cols, 0.05, 1.0);
        let gn = interleaved.then(|| rng.vec(rows * cols, 0.05, 1.0));
        let n = inputs(op, rows, cols);
        let data: Vec<f64> = if w.current_from_input {
            rng.vec(n * batch, -1.0, 1.0)
        } else {
            rng.ternary(n * batch)
        };
        Case {
            rows,
            cols,
            op,
            interleaved,
            w,
            g,
            gn,
            x: Batch::from_vec(n, batch, data),
        }
    }
    /// The case as the solvers take it.
    fn problem(&self) -> Problem<'_> {
        Problem {
            wires: &self.w,
            op: self.op,
            rows: self.rows,
            cols: self.cols,
            g: &self.g,
            gn: self.gn.as_deref(),
            x: &self.x,
        }
    }
    fn exact(&self) -> Batch {
        solve_exact(&self.problem()).unwrap()
    }
}

/// A spread of topologies and wires (all resistances > 0 unless stated).
fn table() -> Vec<Case> {
    use SelectedRows::{Bottom, Top};
    let mut cases = Vec::new();
    let mut seed = 1;
    for &op in &[Op::Mvm, Op::Vmm] {
        for &interleaved in &[false, true] {
            for &(from_input, sel, max) in &[(true, Top, (0, 0)), (false, Top, (9, 8)), (false, Bottom, (11, 10))] {
                for &(rows, cols) in &[(1, 1), (2, 3), (5, 4), (7, 7)] {
                    for &(t_row, t_col) in &[(0.0, 0.0), (3e-3, 5e-3)] {
                        let w = wires(2e-3, 1e-3, t_row, t_col, from_input, sel, max);
                        cases.push(Case::random(seed, rows, cols, op, interleaved, w, 3));
                        seed += 1;
                    }
                }
            }
        }
    }
    cases
}

// ---------------------------------------------------------------- dense reference

/// Nodal analysis with dense Gaussian elimination (partial pivoting), built
/// directly in array coordinates: an independent description of the circuit.
struct Dense {
    a: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Dense {
    fn new() -> Dense {
        Dense {
            a: Vec::new(),
            b: Vec::new(),
        }
    }
    fn node(&mut self) -> usize {
        for row in &mut self.a {
            row.push(0.0);
        }
        self.a.push(vec![0.0; self.b.len() + 1]);
        self.b.push(0.0);
        self.b.len() - 1
    }
    /// Conductance `g` between nodes `p` and `q`.
    fn wire(&mut self, p: usize, q: usize, g: f64) {
        self.a[p][p] += g;
        self.a[q][q] += g;
        self.a[p][q] -= g;
        self.a[q][p] -= g;
    }
    /// Conductance `g` from node `p` to a fixed potential `v`.
    fn fixed(&mut self, p: usize, v: f64, g: f64) {
        self.a[p][p] += g;
        self.b[p] += g * v;
    }
    /// A cell from `a` to `o` with a series source `e`: current `g (V_a + e − V_o)`.
    fn cell(&mut self, a: usize, o: usize, g: f64, e: f64) {
        self.wire(a, o, g);
        self.b[a] -= g * e;
        self.b[o] += g * e;
    }
    fn solve(mut self) -> Vec<f64> {
        let n = self.b.len();
        for k in 0..n {
            let p = (k..n)
                .max_by(|&i, &j| self.a[i][k].abs().total_cmp(&self.a[j][k].abs()))
                .unwrap();
            self.a.swap(k, p);
            self.b.swap(k, p);
            for i in k + 1..n {
                let f = self.a[i][k] / self.a[k][k];
                for j in k..n {
                    self.a[i][j] -= f * self.a[k][j];
                }
                self.b[i] -= f * self.b[k];
            }
        }
        let mut x = vec![0.0; n];
        for k in (0..n).rev() {
            let s: f64 = (k + 1..n).map(|j| self.a[k][j] * x[j]).sum();
            x[k] = (self.b[k] - s) / self.a[k][k];
        }
        x
    }
}

/// The circuit in array coordinates. Array column line i (MVM output, Rp_col)
/// runs across j and has its periphery after j = cols-1; array row line j (MVM
/// input, Rp_row) runs across i with its periphery before i = 0. MVM drives
/// rows and senses columns, VMM drives columns and senses rows, each at its
/// periphery. Separate supply lines run beside the sensed lines and start at
/// the far end; unused lines lengthen the sensed line's end segment ("top")
/// or the supply's first one ("bottom").
#[allow(clippy::needless_range_loop)] // two-dimensional node grids
fn reference(c: &Case, v: &[f64]) -> Vec<f64> {
    let (rows, cols, w) = (c.rows, c.cols, &c.w);
    let gs: Vec<&[f64]> = std::iter::once(c.g.as_slice()).chain(c.gn.as_deref()).collect();
    let sign = [1.0, -1.0];
    let sep = !w.current_from_input;
    let mut d = Dense::new();
    let grid =
        |d: &mut Dense| -> Vec<Vec<usize>> { (0..rows).map(|_| (0..cols).map(|_| d.node()).collect()).collect() };
    let pols = gs.len();
    let (out, end) = match c.op {
        Op::Mvm => {
            let un = if sep { w.rows_max.saturating_sub(cols) } else { 0 };
            let (top, bottom) = (
                un > 0 && w.selected_rows == SelectedRows::Top,
                un > 0 && w.selected_rows == SelectedRows::Bottom,
            );
            let sense = grid(&mut d);
            let end = w.r_col * if top { (un + 1) as f64 } else { 1.0 } + w.r_col_terminal;
            for row in &sense {
                for j in 0..cols - 1 {
                    d.wire(row[j], row[j + 1], 1.0 / w.r_col);
                }
                d.fixed(row[cols - 1], 0.0, 1.0 / end);
            }
            for (p, gp) in gs.iter().enumerate() {
                let src = grid(&mut d);
                for i in 0..rows {
                    for j in 0..cols {
                        if sep {
                            if j == 0 {
                                let first = w.r_row * if bottom { (un + 1) as f64 } else { 1.0 } + w.r_row_terminal;
                                d.fixed(src[i][0], 0.0, 1.0 / first);
                            } else {
                                d.wire(src[i][j - 1], src[i][j], 1.0 / w.r_row);
                            }
                            if v[j].abs() > 1e-9 {
                                d.cell(src[i][j], sense[i][j], gp[i * cols + j], sign[p] * v[j]);
                            }
                        } else {
                            if i == 0 {
                                d.fixed(src[0][j], sign[p] * v[j], 1.0 / (w.r_row + w.r_row_terminal));
                            } else {
                                d.wire(src[i - 1][j], src[i][j], 1.0 / w.r_row);
                            }
                            d.cell(src[i][j], sense[i][j], gp[i * cols + j], 0.0);
                        }
                    }
                }
            }
            ((0..rows).map(|i| sense[i][cols - 1]).collect::<Vec<_>>(), end)
        }
        Op::Vmm => {
            let un = if sep { w.cols_max.saturating_sub(rows) } else { 0 };
            let (top, bottom) = (
                un > 0 && w.selected_rows == SelectedRows::Top,
                un > 0 && w.selected_rows == SelectedRows::Bottom,
            );
            let sense = grid(&mut d);
            let end = w.r_row * if top { (un + 1) as f64 } else { 1.0 } + w.r_row_terminal;
            for j in 0..cols {
                for i in 1..rows {
                    d.wire(sense[i - 1][j], sense[i][j], 1.0 / w.r_row);
                }
                d.fixed(sense[0][j], 0.0, 1.0 / end);
            }
            for (p, gp) in gs.iter().enumerate() {
                let src = grid(&mut d);
                for i in 0..rows {
                    for j in 0..cols {
                        if sep {
                            if i == rows - 1 {
                                let first = w.r_col * if bottom { (un + 1) as f64 } else { 1.0 } + w.r_col_terminal;
                                d.fixed(src[i][j], 0.0, 1.0 / first);
                            } else {
                                d.wire(src[i][j], src[i + 1][j], 1.0 / w.r_col);
                            }
                            if v[i].abs() > 1e-9 {
                                d.cell(src[i][j], sense[i][j], gp[i * cols + j], sign[p] * v[i]);
                            }
                        } else {
                            if j == cols - 1 {
                                d.fixed(src[i][j], sign[p] * v[i], 1.0 / (w.r_col + w.r_col_terminal));
                            } else {
                                d.wire(src[i][j], src[i][j + 1], 1.0 / w.r_col);
                            }
                            d.cell(src[i][j], sense[i][j], gp[i * cols + j], 0.0);
                        }
                    }
                }
            }
            ((0..cols).map(|j| sense[0][j]).collect::<Vec<_>>(), end)
        }
    };
    let _ = pols;
    let pot = d.solve();
    out.iter().map(|&k| pot[k] / end).collect()
}

// ---------------------------------------------------------------- exact solver

#[test]
fn zero_resistance_equals_the_plain_product() {
    for mut c in table() {
        c.w = wires(
            0.0,
            0.0,
            0.0,
            0.0,
            c.w.current_from_input,
            c.w.selected_rows,
            (c.w.rows_max, c.w.cols_max),
        );
        assert!(!c.w.is_active());
        let got = c.exact();
        let mut want = Array::new(c.rows, c.cols, Conductances::Double(c.g.clone())).product(c.op, &c.x);
        if let Some(gn) = &c.gn {
            want.zip_with(
                &Array::new(c.rows, c.cols, Conductances::Double(gn.clone())).product(c.op, &c.x),
                |a, b| a - b,
            );
        }
        // Inputs are 0 or |v| > 0.05, so gating changes nothing; only the summation order differs.
        let e = rel_err(&got.data, &want.data);
        assert!(e <= 1e-14, "{c:?}: {e:e}");
    }
}

#[test]
fn one_cell_is_a_series_circuit() {
    let (g, gn, v) = (0.7, 0.3, 0.8);
    for &op in &[Op::Mvm, Op::Vmm] {
        for &from_input in &[true, false] {
            let w = wires(0.01, 0.02, 0.03, 0.04, from_input, SelectedRows::Top, (0, 0));
            // Driver (or source) end then cell then terminal end: both wires' end segments in series.
            let series = 0.01 + 0.03 + 0.02 + 0.04;
            let x = Batch::from_vec(1, 1, vec![v]);
            let (rows, cols, gn_cell) = (1, 1, [gn]);
            let single = Problem {
                wires: &w,
                op,
                rows,
                cols,
                g: &[g],
                gn: None,
                x: &x,
            };
            let y = solve_exact(&single).unwrap();
            let want = v / (1.0 / g + series);
            assert!(
                (y.data[0] - want).abs() <= 1e-15 * want,
                "{op:?} {from_input}: {} vs {want}",
                y.data[0]
            );
            // Interleaved: two branches into one output node, then the terminal segment.
            let (r_in, r_out) = match op {
                Op::Mvm => (0.04, 0.06),
                Op::Vmm => (0.06, 0.04),
            };
            let (gp_eff, gn_eff) = (1.0 / (1.0 / g + r_in), 1.0 / (1.0 / gn + r_in));
            let node = (gp_eff - gn_eff) * v / (gp_eff + gn_eff + 1.0 / r_out);
            let y = solve_exact(&Problem {
                gn: Some(&gn_cell),
                ..single
            })
            .unwrap();
            let want = node / r_out;
            assert!(
                (y.data[0] - want).abs() <= 1e-14 * want.abs(),
                "{op:?} {from_input} pair: {} vs {want}",
                y.data[0]
            );
        }
    }
}

/// 2×2 MVM with resistance on one kind of line only, solved by Cramer's rule.
#[test]
fn two_by_two_circuits_solved_by_hand() {
    let g = [0.9, 0.4, 0.2, 0.6]; // g[i][j], i = output line
    let v = [0.7, -0.5];
    let (r, t) = (0.05, 0.02);
    let cramer = |a11: f64, a12: f64, a21: f64, a22: f64, b1: f64, b2: f64| {
        let det = a11 * a22 - a12 * a21;
        ((b1 * a22 - a12 * b2) / det, (a11 * b2 - a21 * b1) / det)
    };
    // Output lines resistive: per output line, nodes at j = 0, 1; terminal after j = 1.
    let w = wires(0.0, r, 0.0, t, true, SelectedRows::Top, (0, 0));
    let x = Batch::from_vec(2, 1, v.to_vec());
    let p = Problem {
        wires: &w,
        op: Op::Mvm,
        rows: 2,
        cols: 2,
        g: &g,
        gn: None,
        x: &x,
    };
    let y = solve_exact(&p).unwrap();
    for i in 0..2 {
        let (g0, g1) = (g[2 * i], g[2 * i + 1]);
        let end = r + t;
        let (_, p1) = cramer(
            g0 + 1.0 / r,
            -1.0 / r,
            -1.0 / r,
            g1 + 1.0 / r + 1.0 / end,
            g0 * v[0],
            g1 * v[1],
        );
        let want = p1 / end;
        assert!(
            (y.data[i] - want).abs() <= 1e-14 * want.abs(),
            "output line {i}: {} vs {want}",
            y.data[i]
        );
    }
    // Input lines resistive: per input line, nodes at i = 0, 1; driver before i = 0.
    let w = wires(r, 0.0, t, 0.0, true, SelectedRows::Top, (0, 0));
    let y = solve_exact(&Problem { wires: &w, ..p }).unwrap();
    let mut want = [0.0; 2];
    for j in 0..2 {
        let (g0, g1) = (g[j], g[2 + j]);
        let end = r + t;
        let (a0, a1) = cramer(
            1.0 / end + 1.0 / r + g0,
            -1.0 / r,
            -1.0 / r,
            1.0 / r + g1,
            v[j] / end,
            0.0,
        );
        want[0] += g0 * a0;
        want[1] += g1 * a1;
    }
    assert!(rel_err(&y.data, &want) <= 1e-14, "{:?} vs {want:?}", y.data);
}

#[test]
fn matches_an_independent_dense_nodal_analysis() {
    for c in table() {
        let got = c.exact();
        for b in 0..c.x.count {
            let want = reference(&c, c.x.vector(b));
            // Both are direct solves of a well-conditioned system (κ ≈ 1e4).
            let e = rel_err(got.vector(b), &want);
            assert!(e <= 1e-11, "{c:?} vector {b}: {e:e}");
        }
    }
}

#[test]
fn lines_without_resistance_are_the_limit_of_small_resistance() {
    // r_row = 0 with a terminal resistance: lumped input lines; r_col = 0 and no
    // terminal: ideal output lines. Compared with 1e-10 of the same.
    for &op in &[Op::Mvm, Op::Vmm] {
        for &from_input in &[true, false] {
            for &interleaved in &[false, true] {
                let zero = wires(0.0, 0.0, 4e-3, 0.0, from_input, SelectedRows::Top, (0, 0));
                let tiny = wires(1e-10, 1e-10, 4e-3, 0.0, from_input, SelectedRows::Top, (0, 0));
                let mut c = Case::random(7, 6, 5, op, interleaved, zero, 2);
                let a = c.exact();
                c.w = tiny;
                let b = c.exact();
                let e = rel_err(&a.data, &b.data);
                assert!(
                    e <= 1e-7,
                    "{op:?} from_input {from_input} interleaved {interleaved}: {e:e}"
                );
            }
        }
    }
}

#[test]
fn vmm_is_the_mvm_of_the_transpose_turned_half_a_turn() {
    // VMM drives the columns from their (ADC) end and reads the rows at their
    // (driver) end: the MVM of H[a][b] = G[rows-1-b][cols-1-a] with row and
    // column wires swapped, inputs and outputs reversed.
    for c in table().into_iter().filter(|c| c.op == Op::Vmm) {
        let (rows, cols) = (c.rows, c.cols);
        let turn = |g: &[f64]| -> Vec<f64> {
            let mut h = vec![0.0; rows * cols];
            for a in 0..cols {
                for b in 0..rows {
                    h[a * rows + b] = g[(rows - 1 - b) * cols + (cols - 1 - a)];
                }
            }
            h
        };
        let mut w = c.w.clone();
        std::mem::swap(&mut w.r_row, &mut w.r_col);
        std::mem::swap(&mut w.r_row_terminal, &mut w.r_col_terminal);
        std::mem::swap(&mut w.rows_max, &mut w.cols_max);
        let mut xr = c.x.clone();
        for b in 0..xr.count {
            xr.vector_mut(b).reverse();
        }
        let h = turn(&c.g);
        let hn = c.gn.as_deref().map(turn);
        let turned = Problem {
            wires: &w,
            op: Op::Mvm,
            rows: cols,
            cols: rows,
            g: &h,
            gn: hn.as_deref(),
            x: &xr,
        };
        let mut want = solve_exact(&turned).unwrap();
        for b in 0..want.count {
            want.vector_mut(b).reverse();
        }
        let got = c.exact();
        assert!(rel_err(&got.data, &want.data) <= 1e-15, "{c:?}");
    }
}

#[test]
fn refactoring_with_new_conductances_reuses_the_analysis() {
    for c in table().into_iter().step_by(5) {
        let mut solver = LinearSolver::new(&c.w, c.op, c.rows, c.cols, c.interleaved).unwrap();
        solver.factor(&c.g, c.gn.as_deref()).unwrap();
        let first = solver.solve(&c.x).unwrap();
        assert_eq!(first.data, c.exact().data);
        // New values of the same pattern (as read noise gives every call).
        let mut rng = Rng(99);
        let g2 = rng.vec(c.g.len(), 0.0, 1.0);
        let gn2 = c.gn.as_ref().map(|g| rng.vec(g.len(), 0.0, 1.0));
        solver.factor(&g2, gn2.as_deref()).unwrap();
        let fresh = solve_exact(&Problem {
            g: &g2,
            gn: gn2.as_deref(),
            ..c.problem()
        })
        .unwrap();
        assert_eq!(solver.solve(&c.x).unwrap().data, fresh.data);
    }
}

#[test]
fn a_solver_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<LinearSolver>();
}

#[test]
fn bad_arguments_are_errors() {
    let w = wires(1e-3, 1e-3, 0.0, 0.0, true, SelectedRows::Top, (0, 0));
    let mut s = LinearSolver::new(&w, Op::Mvm, 2, 3, false).unwrap();
    assert!(matches!(s.solve(&Batch::zeros(3, 1)), Err(Error::Internal(_))));
    assert!(matches!(s.factor(&[0.5; 5], None), Err(Error::Shape(_))));
    assert!(matches!(
        s.factor(&[0.5, -0.1, 0.5, 0.5, 0.5, 0.5], None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(s.factor(&[0.5; 6], Some(&[0.5; 6])), Err(Error::Internal(_))));
    s.factor(&[0.5; 6], None).unwrap();
    assert!(matches!(s.solve(&Batch::zeros(2, 1)), Err(Error::Shape(_))));
    assert!(matches!(
        s.solve(&Batch::from_vec(3, 1, vec![0.0, f64::NAN, 0.0])),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn wires_come_from_the_parameters() {
    let mut p = Params::default();
    assert!(!Wires::from_params(&p).is_active());
    p.xbar.array.parasitics.enable = true;
    assert!(!Wires::from_params(&p).is_active());
    p.xbar.array.parasitics.rp_col_terminal = 2.0;
    p.xbar.device.rmin = 4000.0;
    let w = Wires::from_params(&p);
    assert!(w.is_active());
    assert_eq!(w.r_col_terminal, 2.0 / 4000.0);
    assert_eq!(w.rmin_ohm, 4000.0);
}

// ---------------------------------------------------------------- relaxation

fn tight() -> Relaxation {
    Relaxation {
        gamma: 1.0,
        threshold: 1e-14,
        max_iterations: 100_000,
        criterion: VerrCriterion::MaxMax,
    }
}

#[test]
fn relaxation_run_tight_agrees_with_the_exact_solver() {
    // CrossSim's relaxation places the input lines' terminal resistance (the
    // row terminal for MVM, the column terminal for VMM) differently when
    // current comes from the input lines, so those cases leave it out.
    for mut c in table() {
        if c.w.current_from_input {
            match c.op {
                Op::Mvm => c.w.r_row_terminal = 0.0,
                Op::Vmm => c.w.r_col_terminal = 0.0,
            }
        }
        let exact = c.exact();
        let mut st = tight();
        let r = solve_relaxation(&c.problem(), &mut st).unwrap();
        // Voltage error 1e-14 on unit inputs: the currents agree far below 1e-9.
        let e = rel_err(&r.y.data, &exact.data);
        assert!(e <= 1e-9, "{c:?}: {e:e} after {} iterations", r.iterations);
        assert_eq!(r.retries, 0);
    }
}

#[test]
fn relaxation_puts_the_row_terminal_on_input_line_zero() {
    let w = wires(1e-3, 1e-3, 0.05, 0.0, true, SelectedRows::Top, (0, 0));
    let c = Case::random(3, 6, 6, Op::Mvm, false, w.clone(), 1);
    let mut st = tight();
    let r = solve_relaxation(&c.problem(), &mut st).unwrap();
    assert!(
        rel_err(&r.y.data, &c.exact().data) > 1e-3,
        "the two placements should differ visibly"
    );
    // With a single input line, CrossSim's placement adds the terminal to each
    // of its segments: the exact circuit with Rp_row + Rp_row_terminal per segment.
    let one = Case::random(4, 6, 1, Op::Mvm, false, w, 2);
    let mut st = tight();
    let r = solve_relaxation(&one.problem(), &mut st).unwrap();
    let summed = wires(1e-3 + 0.05, 1e-3, 0.0, 0.0, true, SelectedRows::Top, (0, 0));
    let e = solve_exact(&Problem {
        wires: &summed,
        ..one.problem()
    })
    .unwrap();
    assert!(rel_err(&r.y.data, &e.data) <= 1e-9);
}

#[test]
fn relaxation_lowers_and_keeps_gamma_then_gives_up() {
    // Strong wires: gamma = 1 diverges; CrossSim's schedule lowers it by 2 %
    // per failed attempt and keeps the value.
    let w = wires(3e-3, 3e-3, 0.0, 0.0, true, SelectedRows::Top, (0, 0));
    let c = Case::random(11, 40, 40, Op::Mvm, false, w, 4);
    let mut st = Relaxation {
        gamma: 1.0,
        threshold: 1e-3,
        max_iterations: 100,
        criterion: VerrCriterion::MaxMax,
    };
    let r = solve_relaxation(&c.problem(), &mut st).unwrap();
    assert!(r.retries > 0);
    assert!((st.gamma - 0.98f64.powi(r.retries as i32)).abs() < 1e-12);
    let kept = st.gamma;
    let again = solve_relaxation(&c.problem(), &mut st).unwrap();
    assert_eq!((again.retries, st.gamma), (0, kept));
    // Too few iterations for any gamma: fails, and quickly.
    st = Relaxation {
        max_iterations: 3,
        ..st
    };
    st.gamma = 1.0;
    let t = std::time::Instant::now();
    let err = solve_relaxation(&c.problem(), &mut st).unwrap_err();
    assert!(matches!(&err, Error::NoConvergence(m) if m.starts_with("Parasitic MVM solver failed to converge")));
    assert!(st.gamma <= 0.01 && t.elapsed().as_secs() < 10);
    // An all-zero batch is not iterated.
    let zeros = Batch::zeros(40, 2);
    let z = solve_relaxation(
        &Problem {
            x: &zeros,
            ..c.problem()
        },
        &mut st,
    )
    .unwrap();
    assert!(z.y.data.iter().all(|&v| v == 0.0) && z.iterations == 0);
}

#[test]
fn relaxation_metrics_combine_the_batch_as_crosssim() {
    let w = wires(1e-3, 2e-3, 0.0, 0.0, true, SelectedRows::Top, (0, 0));
    let c = Case::random(5, 8, 8, Op::Mvm, true, w, 5);
    let mut iters = Vec::new();
    for &criterion in &[VerrCriterion::MaxMax, VerrCriterion::MaxMean, VerrCriterion::MaxMin] {
        let mut st = Relaxation {
            gamma: 1.0,
            threshold: 1e-6,
            max_iterations: 100,
            criterion,
        };
        let r = solve_relaxation(&c.problem(), &mut st).unwrap();
        iters.push(r.iterations);
    }
    // The mean is at most the max and the min at most the mean: fewer or equal iterations.
    assert!(iters[0] >= iters[1] && iters[1] >= iters[2], "{iters:?}");
}

// ---------------------------------------------------------------- CrossSim cases

fn case_dir(prefix: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no case {prefix}"))
}

fn npy(dir: &Path, name: &str) -> (usize, usize, Vec<f64>) {
    let a: Array2<f64> = read_npy(dir.join(name)).unwrap();
    let (r, c) = a.dim();
    (r, c, a.iter().copied().collect())
}

/// A CrossSim case reduced to the arrays: BalancedCore ONE_SIDED conductances
/// (spec §5.1, optionally rounded to float32 as CrossSim does), inputs scaled
/// by 1 (range [-1, 1], signed DAC), the SignMagnitude DAC and its 1-bit
/// slices where the case has them (§8, §5.2 B), output scale `wmax / Grange`.
/// The array solve of one input slice: `(g, gn, x, k) -> currents`.
type SliceSolve<'a> = dyn FnMut(&[f64], Option<&[f64]>, &Batch, usize) -> Batch + 'a;

struct Reduced {
    params: Params,
    rows: usize,
    cols: usize,
    w: Vec<f64>,
    x: Batch,
}

impl Reduced {
    fn load(prefix: &str) -> (Reduced, PathBuf) {
        let dir = case_dir(prefix);
        let params = Params::from_json(&std::fs::read_to_string(dir.join("params.json")).unwrap()).unwrap();
        let (rows, cols, w) = npy(&dir, "W.npy");
        let (n, batch, xt) = npy(&dir, "X.npy");
        let mut x = Batch::zeros(n, batch);
        for b in 0..batch {
            for j in 0..n {
                x.vector_mut(b)[j] = xt[j * batch + b];
            }
        }
        (
            Reduced {
                params,
                rows,
                cols,
                w,
                x,
            },
            dir,
        )
    }

    fn conductances(&self, f32_cells: bool) -> (Vec<f64>, Vec<f64>) {
        let wmax = self.w.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let (gmin, grange) = (0.1, 0.9);
        let round = |g: f64| if f32_cells { g as f32 as f64 } else { g };
        let gp = self
            .w
            .iter()
            .map(|&v| {
                round(if v / wmax >= 0.0 {
                    gmin + grange * (v / wmax)
                } else {
                    gmin
                })
            })
            .collect();
        let gn = self
            .w
            .iter()
            .map(|&v| {
                round(if v / wmax < 0.0 {
                    gmin - grange * (v / wmax)
                } else {
                    gmin
                })
            })
            .collect();
        (gp, gn)
    }

    /// `(rows × batch)` outputs, with `solve(g, gn, x, k)` the array solve of
    /// slice `k` (`gn` only for an interleaved pair).
    fn run(&self, f32_cells: bool, mut solve: impl FnMut(&[f64], Option<&[f64]>, &Batch, usize) -> Batch) -> Vec<f64> {
        let p = &self.params;
        let (gp, gn) = self.conductances(f32_cells);
        let wmax = self.w.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let s_out = ((wmax - (-wmax)) / 0.9) / (1.0 * 2.0);
        let interleaved = p.core.balanced.interleaved_posneg;
        let one = |x: &Batch, k: usize, solve: &mut SliceSolve| {
            if interleaved {
                solve(&gp, Some(&gn), x, k)
            } else {
                let mut ip = solve(&gp, None, x, 2 * k);
                ip.zip_with(&solve(&gn, None, x, 2 * k + 1), |a, b| a - b);
                ip
            }
        };
        let acc = if p.xbar.dac.mvm.input_bitslicing {
            // SignMagnitude DAC with 1-bit slices: convert, then slice |x| LSB first.
            let bits = p.xbar.dac.mvm.bits as i32;
            let q = ((2f64.powi(bits) - 1.0) - 1.0) / 2.0;
            let mut xd = self.x.clone();
            xd.map(|v| (((v.clamp(-1.0, 1.0) + 1.0) * q).round_ties_even() / q) - 1.0);
            let mb = bits - 1;
            let mut mag: Vec<f64> = xd
                .data
                .iter()
                .map(|v| (v.abs() * (2f64.powi(mb) - 1.0)).round_ties_even())
                .collect();
            let mut acc: Option<Batch> = None;
            for k in 0..mb as usize {
                let data = mag
                    .iter()
                    .zip(&xd.data)
                    .map(|(m, v)| (m % 2.0) * if *v == 0.0 { 0.0 } else { v.signum() })
                    .collect();
                mag.iter_mut().for_each(|m| *m = (*m / 2.0).floor());
                let xs = Batch::from_vec(self.x.len, self.x.count, data);
                let ik = if xs.data.iter().any(|&v| v != 0.0) {
                    one(&xs, k, &mut solve)
                } else {
                    Batch::zeros(self.rows, self.x.count)
                };
                let mut a = match acc {
                    None => ik,
                    Some(mut a) => {
                        a.zip_with(&ik, |s, t| s + t);
                        a
                    }
                };
                a.map(|v| v / 2.0);
                acc = Some(a);
            }
            let mut a = acc.unwrap();
            let f = 2f64.powi(mb) / (2f64.powi(mb) - 1.0);
            // (2^s - 1) · 2^(s·K - mb) with s = 1 and K = mb slices, then 2^mb / (2^mb - 1).
            let (s_bits, slices) = (1, mb);
            let shift = (2f64.powi(s_bits) - 1.0) * 2f64.powi(s_bits * slices - mb);
            a.map(|v| v * shift * f);
            a
        } else {
            one(&self.x, 0, &mut solve)
        };
        // Back to CrossSim's (rows × batch) layout.
        let mut y = vec![0.0; self.rows * acc.count];
        for b in 0..acc.count {
            for i in 0..self.rows {
                y[i * acc.count + b] = acc.vector(b)[i] * s_out;
            }
        }
        y
    }
}

#[test]
fn crosssim_cases_j02_to_j04_at_the_array_level() {
    for prefix in ["j02", "j03", "j04"] {
        let (case, dir) = Reduced::load(prefix);
        let wires = Wires::from_params(&case.params);
        let (rows, cols) = (case.rows, case.cols);
        // Exact circuit against CrossSim re-solved to Verr 1e-10 (float32 cells, as CrossSim).
        // The arrays and inputs of each read come from the case.
        let array = Problem {
            wires: &wires,
            op: Op::Mvm,
            rows,
            cols,
            g: &[],
            gn: None,
            x: &case.x,
        };
        let y = case.run(true, |g, gn, x, _| solve_exact(&Problem { g, gn, x, ..array }).unwrap());
        let e_tight = rel_err(&y, &npy(&dir, "Y_tight.npy").2);
        // CrossSim's own relaxation, one state per array (their solver objects).
        let mut states = vec![Relaxation::from_params(&case.params); 8];
        let relax = |f32_cells: bool, states: &mut Vec<Relaxation>| {
            case.run(f32_cells, |g, gn, x, k| {
                let st = &mut states[if gn.is_some() { 0 } else { k % 2 }];
                solve_relaxation(&Problem { g, gn, x, ..array }, st).unwrap().y
            })
        };
        let y_relax = relax(true, &mut states);
        let e_y = rel_err(&y_relax, &npy(&dir, "Y.npy").2);
        let gammas: Vec<f64> = states[..2].iter().map(|s| s.gamma).collect();
        let mut states64 = vec![Relaxation::from_params(&case.params); 8];
        let e_f64 = rel_err(&relax(false, &mut states64), &npy(&dir, "Y_f64cond.npy").2);
        eprintln!("{prefix}: exact vs Y_tight {e_tight:.2e}; relaxation vs Y {e_y:.2e}, vs Y_f64cond {e_f64:.2e}; gammas {gammas:?}");
        // Y_tight stopped at a voltage error of 1e-10: within 1e-6 of the exact circuit.
        assert!(e_tight <= 1e-6, "{prefix}: exact vs Y_tight {e_tight:e}");
        // Same algorithm, same arithmetic up to summation order.
        assert!(e_y <= 1e-9, "{prefix}: relaxation vs Y {e_y:e}");
        assert!(e_f64 <= 1e-9, "{prefix}: relaxation vs Y_f64cond {e_f64:e}");
        if prefix == "j03" {
            // case.json: final gammas of core_pos and core_neg's MVM solvers.
            assert!((gammas[0] - 0.8170728068875467).abs() < 1e-12 && (gammas[1] - 0.8681255332467198).abs() < 1e-12);
        }
    }
}

#[test]
fn crosssim_case_j06_fails_to_converge() {
    let (case, _) = Reduced::load("j06");
    let wires = Wires::from_params(&case.params);
    let (gp, _) = case.conductances(true);
    let mut st = Relaxation::from_params(&case.params);
    let t = std::time::Instant::now();
    let p = Problem {
        wires: &wires,
        op: Op::Mvm,
        rows: case.rows,
        cols: case.cols,
        g: &gp,
        gn: None,
        x: &case.x,
    };
    let err = solve_relaxation(&p, &mut st).unwrap_err();
    assert!(
        matches!(&err, Error::NoConvergence(m) if m.starts_with("Parasitic MVM solver failed to converge")),
        "{err}"
    );
    assert!(t.elapsed().as_secs() < 10);
    // The exact solver has no such limit.
    let y = solve_exact(&p).unwrap();
    assert!(y.data.iter().all(|v| v.is_finite()));
}

// ---------------------------------------------------------------- ngspice

/// Whether ngspice runs here; outside CI its absence skips the test with a message.
fn ngspice_available() -> bool {
    let found = Command::new("ngspice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("ngspice is required in CI (install the Debian package `ngspice`)");
        }
        eprintln!("SKIPPED: ngspice not found; install it (apt-get install ngspice) to check the solver against SPICE");
    }
    found
}

#[test]
fn ngspice_agrees_with_the_exact_solver() {
    if !ngspice_available() {
        return;
    }
    use SelectedRows::{Bottom, Top};
    // (rows, cols, op, interleaved, Rp_row, Rp_col, terminals, from_input, selected, max, Rmin)
    #[allow(clippy::type_complexity)]
    let table: &[(
        usize,
        usize,
        Op,
        bool,
        f64,
        f64,
        (f64, f64),
        bool,
        SelectedRows,
        (usize, usize),
        f64,
    )] = &[
        (8, 6, Op::Mvm, false, 2.0, 1.0, (5.0, 3.0), true, Top, (0, 0), 1e3),
        (12, 9, Op::Vmm, true, 1.0, 4.0, (0.0, 2.0), true, Top, (0, 0), 2e3),
        (10, 16, Op::Mvm, false, 3.0, 3.0, (1.0, 1.0), false, Top, (20, 20), 1e3),
        (
            16,
            10,
            Op::Vmm,
            true,
            5.0,
            2.0,
            (0.0, 0.0),
            false,
            Bottom,
            (24, 24),
            5e3,
        ),
        (9, 7, Op::Mvm, true, 0.0, 2.0, (10.0, 0.0), true, Top, (0, 0), 1e3),
        (7, 9, Op::Mvm, false, 1.5, 0.0, (0.0, 0.0), false, Top, (0, 0), 1e3),
        (64, 64, Op::Mvm, false, 1.0, 1.0, (2.0, 2.0), true, Top, (0, 0), 1e3),
        (64, 64, Op::Mvm, true, 10.0, 10.0, (0.0, 0.0), true, Top, (0, 0), 1e4),
        (64, 48, Op::Vmm, false, 4.0, 6.0, (1.0, 1.0), true, Top, (0, 0), 5e3),
        (48, 64, Op::Mvm, true, 2.0, 2.0, (0.0, 3.0), false, Top, (80, 80), 1e3),
    ];
    let dir = std::env::temp_dir().join(format!("xbar-ngspice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut worst = 0.0f64;
    for (k, &(rows, cols, op, interleaved, rp_row, rp_col, (t_row, t_col), from_input, sel, max, rmin)) in
        table.iter().enumerate()
    {
        let mut w = wires(
            rp_row / rmin,
            rp_col / rmin,
            t_row / rmin,
            t_col / rmin,
            from_input,
            sel,
            max,
        );
        w.rmin_ohm = rmin;
        // Two vectors per small case, one per large case (ngspice takes seconds there).
        let batch = if rows * cols > 1024 { 1 } else { 2 };
        let mut c = Case::random(100 + k as u64, rows, cols, op, interleaved, w, batch);
        if k == 2 {
            // Separate source with all active inputs equal: the single-supply form.
            c.x.map(|v| v.abs());
        }
        let y = c.exact();
        for b in 0..c.x.count {
            let x = Batch::from_vec(c.x.len, 1, c.x.vector(b).to_vec());
            let deck = netlist(&Problem { x: &x, ..c.problem() }, 0.2, None).unwrap();
            let file = dir.join(format!("case{k}_{b}.cir"));
            std::fs::write(&file, &deck).unwrap();
            let out = Command::new("ngspice").arg("-b").arg(&file).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let amps = parse_ngspice_currents(&text, y.len).unwrap_or_else(|e| panic!("case {k}: {e}\n{text}"));
            let spice: Vec<f64> = amps.iter().map(|a| a * rmin / 0.2).collect();
            let e = rel_err(&spice, y.vector(b));
            worst = worst.max(e);
            // ngspice solves the same linear circuit by sparse LU and prints 15 digits.
            assert!(e <= 1e-6, "case {k} vector {b}: {e:e}");
        }
    }
    eprintln!(
        "ngspice: worst relative difference {worst:.2e} over {} netlists",
        table.len() * 2
    );
    if std::env::var_os("XBAR_KEEP_NETLISTS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn netlist_names_and_units() {
    let w = wires(0.002, 0.001, 0.0, 0.005, true, SelectedRows::Top, (0, 0));
    let x = Batch::from_vec(2, 1, vec![1.0, -0.5]);
    let p = Problem {
        wires: &w,
        op: Op::Mvm,
        rows: 2,
        cols: 2,
        g: &[1.0, 0.5, 0.0, 0.25],
        gn: None,
        x: &x,
    };
    let deck = netlist(&p, 0.1, None).unwrap();
    // Cell of G = 0.5 at Rmin = 1 kΩ is 2 kΩ; the empty cell is left out; wire segments in ohms.
    assert!(deck.contains("RCp0_1 p0_1 o0_1 2e3"), "{deck}");
    assert!(!deck.contains("RCp1_0 "));
    assert!(deck.contains("RO0_0 o0_0 o0_1 1e0"));
    assert!(deck.contains("RT1 o1_1 t1 6e0"));
    assert!(deck.contains("VX1 x1 0 DC -5e-2"));
    assert!(
        deck.contains("VY0 t0 0 DC 0") && deck.contains("print i(vy0) i(vy1)") && deck.trim_end().ends_with(".end")
    );
    let parsed = parse_ngspice_currents("i(vy0) = 1.5e-05\ni(vy1) = -2e-06\n", 2).unwrap();
    assert_eq!(parsed, vec![1.5e-5, -2e-6]);
    assert!(parse_ngspice_currents("i(vy0) = 1\n", 2).is_err());
}

// ---------------------------------------------------------------- core export through the C API

/// Runs ngspice on `deck` and returns the currents `i(vy<k>)` (amperes).
fn run_ngspice(deck: &str, outputs: usize, name: &str) -> Vec<f64> {
    let dir = std::env::temp_dir().join(format!("xbar-ngspice-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.cir"));
    std::fs::write(&file, deck).unwrap();
    let out = Command::new("ngspice").arg("-b").arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let amps = parse_ngspice_currents(&text, outputs).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    if std::env::var_os("XBAR_KEEP_NETLISTS").is_none() {
        let _ = std::fs::remove_file(&file);
    }
    amps
}

/// xbar's own solution, from the deck's `* xbar i(vy<k>) = <A>` comment lines.
fn xbar_solution(deck: &str) -> Vec<f64> {
    deck.lines()
        .filter_map(|l| l.strip_prefix("* xbar i(vy"))
        .map(|l| l.split_once("= ").unwrap().1.trim().parse().unwrap())
        .collect()
}

/// `xbar_core_export_spice` on a core built through the C API from `params`.
fn export_through_c(params: &Params, rows: usize, cols: usize, w: &[f64], x: &[f64]) -> String {
    use std::ffi::CString;
    use xbar::ffi::xbar_status::*;
    use xbar::ffi::*;
    let json = CString::new(params.to_json()).unwrap();
    let (mut p, mut c) = (std::ptr::null_mut(), std::ptr::null_mut());
    unsafe {
        let st = xbar_params_from_json(json.as_ptr(), &mut p);
        let msg = std::ffi::CStr::from_ptr(xbar_last_error_message()).to_string_lossy();
        assert_eq!(st, XBAR_OK, "{msg}");
        let st = xbar_core_new(p, rows, cols, 7, &mut c);
        let msg = std::ffi::CStr::from_ptr(xbar_last_error_message()).to_string_lossy();
        assert_eq!(st, XBAR_OK, "{msg}");
        xbar_params_free(p);
        assert_eq!(xbar_core_program(c, w.as_ptr(), rows, cols, 0), XBAR_OK);
        let mut len = 0usize;
        // Query the size, then fill; a wrong n and a NULL len are refused first.
        let st = xbar_core_export_spice(c, x.as_ptr(), cols + 1, std::ptr::null_mut(), 0, &mut len);
        assert_eq!((st, len), (XBAR_ERR_SHAPE, 0));
        let st = xbar_core_export_spice(c, x.as_ptr(), cols, std::ptr::null_mut(), 0, std::ptr::null_mut());
        assert_eq!(st, XBAR_ERR_NULL_ARGUMENT);
        assert_eq!(
            xbar_core_export_spice(c, x.as_ptr(), cols, std::ptr::null_mut(), 0, &mut len),
            XBAR_ERR_BUFFER_TOO_SMALL
        );
        let mut buf = vec![0u8; len];
        let mut len2 = 0usize;
        let st = xbar_core_export_spice(c, x.as_ptr(), cols, buf.as_mut_ptr().cast(), len, &mut len2);
        assert_eq!((st, len2), (XBAR_OK, len));
        xbar_core_free(c);
        assert_eq!(buf.pop(), Some(0));
        String::from_utf8(buf).unwrap()
    }
}

/// Exported cores of every style and wiring, up to 64 × 64, Rp 1–10 Ω with
/// Rmin 1–10 kΩ: ngspice's currents equal xbar's to 1e-6, and for an
/// interleaved balanced core with ideal periphery the core's MVM is those
/// currents scaled back to weight units.
#[test]
fn ngspice_agrees_with_exported_cores() {
    if !ngspice_available() {
        return;
    }
    // (style json, rows, cols, Rp_row, Rp_col, terminals, from_input, Rmin, interleaved)
    #[allow(clippy::type_complexity)]
    let table: &[(&str, usize, usize, f64, f64, (f64, f64), bool, f64, bool)] = &[
        (r#""BALANCED""#, 64, 64, 1.0, 1.0, (2.0, 2.0), true, 1e3, false),
        (r#""BALANCED""#, 64, 48, 10.0, 5.0, (0.0, 0.0), true, 1e4, true),
        (r#""BALANCED""#, 40, 64, 2.0, 3.0, (1.0, 0.0), false, 2e3, true),
        (r#""OFFSET""#, 32, 24, 4.0, 2.0, (0.0, 3.0), true, 5e3, false),
        (r#""BITSLICED""#, 48, 64, 1.0, 10.0, (0.0, 0.0), true, 1e3, false),
        (r#""BALANCED""#, 16, 12, 0.0, 0.0, (0.0, 0.0), true, 1e3, false),
    ];
    let mut worst = 0.0f64;
    for (k, &(style, rows, cols, rp_row, rp_col, (t_row, t_col), from_input, rmin, interleaved)) in
        table.iter().enumerate()
    {
        let mut p = Params::default();
        p.set_json("core.style", style).unwrap();
        p.core.weight_bits = 8;
        p.core.balanced.interleaved_posneg = interleaved;
        p.xbar.device.rmin = rmin;
        p.xbar.device.rmax = 10.0 * rmin;
        p.xbar.device.vread = 0.2;
        let pp = &mut p.xbar.array.parasitics;
        pp.enable = rp_row + rp_col > 0.0;
        (pp.rp_row, pp.rp_col, pp.rp_row_terminal, pp.rp_col_terminal) = (rp_row, rp_col, t_row, t_col);
        pp.current_from_input = from_input;
        if !from_input {
            // Separate supply lines: 1-bit input slices of an 8-bit DAC.
            p.set_json(
                "xbar.dac.mvm",
                r#"{"model": "SignMagnitudeDAC", "bits": 8, "input_bitslicing": true, "slice_size": 1}"#,
            )
            .unwrap();
        }
        let mut rng = Rng(500 + k as u64);
        let w = rng.vec(rows * cols, -1.0, 1.0);
        let x = if from_input {
            rng.vec(cols, -1.0, 1.0)
        } else {
            rng.ternary(cols)
        };
        let deck = export_through_c(&p, rows, cols, &w, &x);
        let want = xbar_solution(&deck);
        assert!(want.len() >= rows, "{deck}");
        let spice = run_ngspice(&deck, want.len(), &format!("core{k}"));
        let e = rel_err(&spice, &want);
        worst = worst.max(e);
        // ngspice solves the same linear circuit by sparse LU and prints 15 digits.
        assert!(e <= 1e-6, "case {k}: {e:e}");
        if interleaved && from_input {
            // Ideal DAC and ADC, inputs in [-1, 1], weight range from the matrix
            // (wmax = max |w|): y = I·Rmin/Vread · 2·wmax/(grange·2).
            let mut core = xbar::Core::new(&p, rows, cols, 7).unwrap();
            core.program(&w, xbar::Layout::RowMajor).unwrap();
            let mut y = vec![0.0; rows];
            core.mvm(&x, 1, &mut y).unwrap();
            let grange = 1.0 - p.xbar.device.gmin_norm();
            let wmax = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let scaled: Vec<f64> = want.iter().map(|a| a * rmin / 0.2 / grange * wmax).collect();
            let e = rel_err(&y, &scaled);
            assert!(e <= 1e-12, "case {k}: MVM vs exported currents {e:e}");
        }
    }
    eprintln!(
        "ngspice vs exported cores: worst relative difference {worst:.2e} over {} netlists",
        table.len()
    );
}

// ---------------------------------------------------------------- nonlinear cells

/// Nonlinear cells in resistive networks: ngspice (behavioural sources with
/// the cubic I-V law) against xbar's Newton solve, MVM and VMM, single arrays
/// and interleaved pairs, current from the input or separate supply lines;
/// and a nonlinear interleaved core exported through the C API.
#[test]
fn ngspice_agrees_with_nonlinear_cells() {
    if !ngspice_available() {
        return;
    }
    use xbar::internals::circuit::parasitics::{solve_nonlinear, NewtonSettings};
    use xbar::internals::device::iv::IvModel;
    let milo = IvModel::RramMilo { rmin: 5e3, vread: 0.5 };
    let cubic = IvModel::Cubic { vread: 1.5 };
    // (rows, cols, op, interleaved, from_input, iv); wires 5 Ω and 3 Ω, Rmin 5 kΩ.
    let table = [
        (12, 10, Op::Mvm, false, true, milo),
        (10, 12, Op::Vmm, true, true, cubic),
        (16, 16, Op::Mvm, true, true, milo),
        (9, 11, Op::Mvm, false, false, cubic),
        (32, 24, Op::Mvm, true, true, cubic),
    ];
    let mut worst = 0.0f64;
    for (k, &(rows, cols, op, interleaved, from_input, iv)) in table.iter().enumerate() {
        let mut w = wires(1e-3, 6e-4, 4e-4, 2e-4, from_input, SelectedRows::Top, (0, 0));
        w.rmin_ohm = 5e3;
        let c = Case::random(900 + k as u64, rows, cols, op, interleaved, w, 1);
        let vread = match iv {
            IvModel::RramMilo { vread, .. } | IvModel::Cubic { vread } => vread,
        };
        let r = solve_nonlinear(&c.problem(), &iv, &NewtonSettings::default()).unwrap();
        let deck = netlist(&c.problem(), vread, Some(&iv)).unwrap();
        assert!(deck.contains(" I=(("), "{deck}");
        let amps = run_ngspice(&deck, r.y.len, &format!("nonlinear{k}"));
        let spice: Vec<f64> = amps.iter().map(|a| a * 5e3 / vread).collect();
        let e = rel_err(&spice, r.y.vector(0));
        worst = worst.max(e);
        eprintln!(
            "nonlinear case {k}: {} Newton steps, residual {:.1e}, vs ngspice {e:.1e}",
            r.iterations[0], r.residual
        );
        // Both solve the same equations to tight tolerances (ngspice: reltol 1e-12 in the deck).
        assert!(e <= 1e-6, "case {k}: {e:e}");
    }
    // A nonlinear interleaved core through the C API.
    let mut p = Params::default();
    p.set_json(
        "xbar.device",
        r#"{"Rmin": 5000, "Rmax": 20000, "Vread": 0.4, "nonlinear_IV": {"enable": true, "model": "RRAMMilo"}}"#,
    )
    .unwrap();
    p.set_json(
        "xbar.array.parasitics",
        r#"{"enable": true, "Rp_row": 4.0, "Rp_col": 2.0}"#,
    )
    .unwrap();
    p.core.balanced.interleaved_posneg = true;
    let mut rng = Rng(77);
    let (rows, cols) = (24, 20);
    let wts = rng.vec(rows * cols, -1.0, 1.0);
    let x = rng.vec(cols, -1.0, 1.0);
    let deck = export_through_c(&p, rows, cols, &wts, &x);
    let want = xbar_solution(&deck);
    let e = rel_err(&run_ngspice(&deck, rows, "nonlinear-core"), &want);
    worst = worst.max(e);
    assert!(e <= 1e-6, "nonlinear core: {e:e}");
    eprintln!("ngspice vs nonlinear cells: worst relative difference {worst:.2e}");
}

/// Conjugate gradients on the cell currents against the factorisation, on
/// every input-source topology of the table and 96 × 80 arrays with strong
/// wires and terminal resistances: the same currents to 1e-9.
#[test]
fn iterative_solver_agrees_with_the_factorisation() {
    use xbar::internals::circuit::parasitics::Method;
    let mut cases: Vec<Case> = table().into_iter().filter(|c| c.w.current_from_input).collect();
    let w = wires(5e-3, 3e-3, 1e-2, 2e-3, true, SelectedRows::Top, (0, 0));
    cases.push(Case::random(31, 96, 80, Op::Mvm, true, w.clone(), 2));
    cases.push(Case::random(32, 80, 96, Op::Vmm, false, w, 2));
    let mut worst = 0.0f64;
    for c in &cases {
        let solve = |method| {
            let mut s = LinearSolver::new(&c.w, c.op, c.rows, c.cols, c.interleaved).unwrap();
            s.set_method(method);
            s.factor(&c.g, c.gn.as_deref()).unwrap();
            s.solve(&c.x).unwrap()
        };
        let e = rel_err(&solve(Method::Iterative).data, &solve(Method::Direct).data);
        worst = worst.max(e);
        // CG stops at a relative residual of 1e-12 (condition number below 2 here).
        assert!(e <= 1e-9, "{c:?}: {e:e}");
    }
    eprintln!(
        "iterative vs direct: worst relative difference {worst:.2e} over {} cases",
        cases.len()
    );
}

/// Wires so strong that conjugate gradients would need more than their step
/// limit (1 Ω segments against 1 kΩ cells on 96 × 80): the solver falls back
/// to the factorisation and still returns the exact currents.
#[test]
fn iterative_solver_falls_back_to_the_factorisation() {
    use xbar::internals::circuit::parasitics::Method;
    let w = wires(1.0, 1.0, 0.0, 0.0, true, SelectedRows::Top, (0, 0));
    let c = Case::random(34, 96, 80, Op::Mvm, false, w, 1);
    let solve = |method| {
        let mut s = LinearSolver::new(&c.w, c.op, c.rows, c.cols, false).unwrap();
        s.set_method(method);
        s.factor(&c.g, None).unwrap();
        s.solve(&c.x).unwrap()
    };
    let e = rel_err(&solve(Method::Iterative).data, &solve(Method::Direct).data);
    assert!(e <= 1e-12, "{e:e}");
}
