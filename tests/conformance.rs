//! Conformance with CrossSim 3.2: runs every case folder of the reference set
//! (`tests/conformance/`, or the folder named by `XBAR_CONFORMANCE_DIR`) and
//! compares MVM, VMM and read-back with the tolerances of the set's README.
//! A case whose parameters need a model this version refuses with
//! `Error::Unsupported` is reported as skipped, never as passed.

use ndarray::{Array2, Ix2};
use ndarray_npy::read_npy;
use num_complex::{Complex32, Complex64};
use serde_json::Value;
use std::path::{Path, PathBuf};
use xbar::params::{CoreStyle, Params};
use xbar::{Core, Error, Layout};

/// Unquantised outputs: CrossSim's own float32 rounding of balanced
/// conductances is replicated, so only summation order differs (README: 1e-12).
const TOL_EXACT: f64 = 1e-12;
/// Quantised outputs: all elements within 1e-9 relative, except that well
/// under 1 % may sit one LSB away where the ADC input lies on a rounding tie
/// (README, "Recommended tolerances").
const TOL_QUANT: f64 = 1e-9;
const MAX_TIE_FRACTION: f64 = 0.01;
/// Parasitic cases, exact solver against CrossSim's solution converged to
/// 1e-10 (README, "any other circuit solver").
const TOL_CIRCUIT: f64 = 1e-6;

/// `max|got - want| / max|want|` within `tol`.
fn compare_within(what: &str, got: &[f64], want: &[f64], tol: f64) -> Result<String, String> {
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
    let max = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / scale)
        .fold(0.0, f64::max);
    if max <= tol {
        Ok(format!("{what} max rel err {max:.1e}"))
    } else {
        Err(format!("{what}: max rel err {max:.3e} > {tol:e}"))
    }
}

enum Outcome {
    Pass(String),
    Skip(String),
    Fail(String),
}

fn dir() -> PathBuf {
    std::env::var_os("XBAR_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance"))
}

/// The `descr` of a .npy file's header (e.g. `<f8`, `<c16`).
fn descr(case: &Path, name: &str) -> String {
    let f = std::fs::read(case.join(name)).unwrap();
    let head = String::from_utf8_lossy(&f[..f.len().min(128)]).to_string();
    let start = head.find("'descr': '").map(|i| i + 10).unwrap_or(0);
    head[start..].chars().take_while(|&c| c != '\'').collect()
}

fn is_complex(case: &Path, name: &str) -> bool {
    descr(case, name).starts_with("<c")
}

/// A 2-D array as (rows, cols, interleaved values): 1 value per element for
/// real files, (re, im) pairs for complex ones.
fn load(case: &Path, name: &str) -> (usize, usize, Vec<f64>) {
    let path = case.join(name);
    if descr(case, name) == "<c8" {
        // CrossSim returns a complex64 read-back for balanced complex cores.
        let a: Array2<Complex32> = read_npy(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (r, c) = a.dim();
        (r, c, a.iter().flat_map(|z| [z.re as f64, z.im as f64]).collect())
    } else if is_complex(case, name) {
        let a: Array2<Complex64> = read_npy(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (r, c) = a.dim();
        (r, c, a.iter().flat_map(|z| [z.re, z.im]).collect())
    } else {
        let a: ndarray::Array<f64, Ix2> = read_npy(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (r, c) = a.dim();
        (r, c, a.iter().copied().collect())
    }
}

/// Transposes a (rows × cols) array of `k`-value elements.
fn transpose(r: usize, c: usize, k: usize, v: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(v.len());
    for j in 0..c {
        for i in 0..r {
            out.extend_from_slice(&v[(i * c + j) * k..(i * c + j) * k + k]);
        }
    }
    out
}

/// Compares `got` with `want`; returns a description or the failure.
fn compare(what: &str, got: &[f64], want: &[f64], quantised: bool) -> Result<String, String> {
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
    let errs: Vec<f64> = got.iter().zip(want).map(|(g, w)| (g - w).abs() / scale).collect();
    let max = errs.iter().cloned().fold(0.0, f64::max);
    if !quantised {
        return if max <= TOL_EXACT {
            Ok(format!("{what} max rel err {max:.1e}"))
        } else {
            Err(format!("{what}: max rel err {max:.3e} > {TOL_EXACT:e}"))
        };
    }
    let ties = errs.iter().filter(|&&e| e > TOL_QUANT).count();
    let frac = ties as f64 / errs.len() as f64;
    if frac <= MAX_TIE_FRACTION {
        Ok(format!(
            "{what} {ties}/{} at a rounding tie (max rel err {max:.1e})",
            errs.len()
        ))
    } else {
        Err(format!(
            "{what}: {ties}/{} elements differ by more than {TOL_QUANT:e} (max rel {max:.3e})",
            errs.len()
        ))
    }
}

/// CrossSim deviations xbar corrects (docs/crosssim-differences.md): the factor
/// by which xbar's correct output differs from CrossSim's reference.
fn correction(p: &Params) -> f64 {
    // Spec §16 item 3: CrossSim's OffsetCore scales outputs by
    // (2^cb - 2)/(2^cb - 1) when cell_bits > 0; xbar does not.
    let cb = p.xbar.device.cell_bits;
    if p.core.style == CoreStyle::Offset && cb > 0 {
        let l = 2f64.powi(cb as i32);
        return (l - 1.0) / (l - 2.0);
    }
    1.0
}

/// A case's CrossSim parameters, with conductances kept in double precision
/// (`simulation.conductance_precision = "float64"`) as CrossSim keeps them: the
/// cases compare with CrossSim's own numbers to 1e-12 and at ADC rounding ties.
fn crosssim_params(text: &str) -> xbar::Result<Params> {
    let mut p = Params::from_json(text)?;
    p.simulation.conductance_precision = xbar::params::ConductancePrecision::Float64;
    Ok(p)
}

fn run_det(case: &Path, params_file: &str, y_file: &str) -> Outcome {
    let text = std::fs::read_to_string(case.join(params_file)).unwrap();
    let p = match crosssim_params(&text) {
        Ok(p) => p,
        Err(e) => return Outcome::Fail(format!("params: {e}")),
    };
    let (rows, cols, w) = load(case, "W.npy");
    let complex = is_complex(case, "W.npy");
    let k = if complex { 2 } else { 1 };
    let mut core = match Core::new(&p, rows, cols, 1) {
        Ok(c) => c,
        Err(Error::Unsupported(m)) => return Outcome::Skip(m),
        Err(e) => return Outcome::Fail(format!("Core::new: {e}")),
    };
    let programmed = if complex {
        core.program_complex(&w, Layout::RowMajor)
    } else {
        core.program(&w, Layout::RowMajor)
    };
    if let Err(e) = programmed {
        return Outcome::Fail(format!("program: {e}"));
    }
    let fix = correction(&p);
    let mut notes = Vec::new();
    // MVM: X is (cols, batch), one input per column.
    let (xc, batch, x) = load(case, "X.npy");
    assert_eq!(xc, cols);
    let xt = transpose(xc, batch, k, &x);
    let mut y = vec![0.0; k * batch * rows];
    let r = if complex {
        core.mvm_complex(&xt, batch, &mut y)
    } else {
        core.mvm(&xt, batch, &mut y)
    };
    if let Err(e) = r {
        return Outcome::Fail(format!("mvm: {e}"));
    }
    // An exact circuit solver is compared with the tightly converged CrossSim
    // solution (README: 1e-6; CrossSim's own stops at a 1e-3 voltage error).
    let tight = y_file == "Y.npy" && case.join("Y_tight.npy").exists();
    let (_, _, yref) = load(case, if tight { "Y_tight.npy" } else { y_file });
    // Y is (rows, batch); ours is batch x rows.
    let want: Vec<f64> = transpose(rows, batch, k, &yref).iter().map(|v| v * fix).collect();
    let quant = p.xbar.adc.mvm.bits > 0 && p.xbar.adc.mvm.model.name() != "IdealADC";
    let result = if tight {
        compare_within("Y (vs Y_tight)", &y, &want, TOL_CIRCUIT)
    } else {
        compare("Y", &y, &want, quant)
    };
    match result {
        Ok(s) => notes.push(s),
        Err(s) => return Outcome::Fail(s),
    }
    // VMM: XV is (batch_v, rows), one input per row.
    if case.join("XV.npy").exists() && params_file == "params.json" {
        let (bv, _, xv) = load(case, "XV.npy");
        let mut yv = vec![0.0; k * bv * cols];
        let r = if complex {
            core.vmm_complex(&xv, bv, &mut yv)
        } else {
            core.vmm(&xv, bv, &mut yv)
        };
        if let Err(e) = r {
            return Outcome::Fail(format!("vmm: {e}"));
        }
        let (_, _, yvref) = load(case, "YV.npy");
        let want: Vec<f64> = yvref.iter().map(|v| v * fix).collect();
        let quant = p.xbar.adc.vmm.bits > 0 && p.xbar.adc.vmm.model.name() != "IdealADC";
        match compare("YV", &yv, &want, quant) {
            Ok(s) => notes.push(s),
            Err(s) => return Outcome::Fail(s),
        }
    }
    if case.join("Wprog.npy").exists() {
        let mut wp = vec![0.0; k * rows * cols];
        let r = if complex {
            core.read_complex(&mut wp, Layout::RowMajor)
        } else {
            core.read(&mut wp, Layout::RowMajor)
        };
        if let Err(e) = r {
            return Outcome::Fail(format!("read: {e}"));
        }
        let (_, _, wref) = load(case, "Wprog.npy");
        match compare("Wprog", &wp, &wref, false) {
            Ok(s) => notes.push(s),
            Err(s) => return Outcome::Fail(s),
        }
    }
    Outcome::Pass(notes.join("; "))
}

/// A parasitic case with CrossSim's own iterative solver
/// (`simulation.parasitic_solver = "crosssim"`): `Y.npy` within 1e-9 (README:
/// "solver that copies CrossSim's iteration").
fn run_crosssim_solver(case: &Path) -> Outcome {
    let text = std::fs::read_to_string(case.join("params.json")).unwrap();
    let mut p = crosssim_params(&text).unwrap();
    p.simulation.parasitic_solver = xbar::params::ParasiticSolver::CrossSim;
    let (rows, cols, w) = load(case, "W.npy");
    let mut core = Core::new(&p, rows, cols, 1).unwrap();
    core.program(&w, Layout::RowMajor).unwrap();
    let (xc, batch, x) = load(case, "X.npy");
    let mut y = vec![0.0; batch * rows];
    if let Err(e) = core.mvm(&transpose(xc, batch, 1, &x), batch, &mut y) {
        return Outcome::Fail(format!("mvm: {e}"));
    }
    let (_, _, yref) = load(case, "Y.npy");
    match compare_within("Y", &y, &transpose(rows, batch, 1, &yref), 1e-9) {
        Ok(s) => Outcome::Pass(s),
        Err(s) => Outcome::Fail(s),
    }
}

fn run_error(case: &Path) -> Outcome {
    let text = std::fs::read_to_string(case.join("params.json")).unwrap();
    let mut p = match crosssim_params(&text) {
        Ok(p) => p,
        Err(e) => return Outcome::Pass(format!("refused at parameters: {e}")),
    };
    // CrossSim's failures are those of its own iterative circuit solver: they
    // are reproduced in its compatible mode (the exact solver has none).
    p.simulation.parasitic_solver = xbar::params::ParasiticSolver::CrossSim;
    let (rows, cols, w) = load(case, "W.npy");
    let mut core = match Core::new(&p, rows, cols, 1) {
        Ok(c) => c,
        Err(Error::Unsupported(m)) => return Outcome::Skip(m),
        Err(e) => return Outcome::Pass(format!("refused: {e}")),
    };
    if let Err(e) = core.program(&w, Layout::RowMajor) {
        return Outcome::Pass(format!("refused at program: {e}"));
    }
    let (xc, batch, x) = load(case, "X.npy");
    let mut y = vec![0.0; batch * rows];
    match core.mvm(&transpose(xc, batch, 1, &x), batch, &mut y) {
        Err(e @ Error::NoConvergence(_)) => Outcome::Pass(format!("refused at mvm: {e}")),
        Err(e) => Outcome::Fail(format!("failed at mvm, but not with NoConvergence: {e}")),
        Ok(()) => Outcome::Fail("expected an error, got outputs".into()),
    }
}

#[test]
fn conformance_cases() {
    let root = dir();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no case folders in {}", root.display());
    let (mut pass, mut skip, mut fail) = (0, 0, 0);
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let meta: Value = serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
        let runs: Vec<(&str, Outcome)> = match meta["kind"].as_str().unwrap_or("") {
            "det" if case.join("Y_tight.npy").exists() => vec![
                ("det", run_det(case, "params.json", "Y.npy")),
                ("crosssim solver", run_crosssim_solver(case)),
            ],
            "det" => vec![("det", run_det(case, "params.json", "Y.npy"))],
            "error" => vec![("error", run_error(case))],
            // Stochastic cases: their noise-free twin is deterministic; their
            // statistics are compared in tests/conformance_stats.rs.
            _ => vec![("ideal twin", run_det(case, "params_ideal.json", "Y_ideal.npy"))],
        };
        for (what, o) in runs {
            match o {
                Outcome::Pass(s) => {
                    pass += 1;
                    println!("PASS {name} [{what}]: {s}");
                }
                Outcome::Skip(s) => {
                    skip += 1;
                    println!("SKIP {name} [{what}]: {s}");
                }
                Outcome::Fail(s) => {
                    fail += 1;
                    println!("FAIL {name} [{what}]: {s}");
                }
            }
        }
    }
    println!("conformance: {pass} passed, {fail} failed, {skip} skipped");
    assert_eq!(fail, 0, "{fail} conformance checks failed (see above)");
}
