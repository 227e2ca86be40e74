//! Statistical conformance with CrossSim 3.2's stochastic reference cases
//! (kinds `prog` and `read` of `tests/conformance/`, or `XBAR_CONFORMANCE_DIR`):
//! xbar draws different random numbers than CrossSim, so distributions are
//! compared, with the tolerances of the reference set's README:
//! std of the normalised output error and the mean per-trial std within 5 %,
//! the mean within 0.1 std.

use ndarray::{Array2, Ix2};
use ndarray_npy::read_npy;
use serde_json::Value;
use std::path::{Path, PathBuf};
use xbar::{Core, Layout, Params};

/// README: std and per-trial std of the normalised output error within 5 %.
const STD_TOL: f64 = 0.05;
/// README: mean within 0.1 × std (the biased cases have non-zero means).
const MEAN_TOL: f64 = 0.1;

fn dir() -> PathBuf {
    std::env::var_os("XBAR_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance"))
}

fn load(case: &Path, name: &str) -> (usize, usize, Vec<f64>) {
    let a: Array2<f64> = read_npy::<_, ndarray::Array<f64, Ix2>>(case.join(name)).unwrap();
    let (r, c) = a.dim();
    (r, c, a.iter().copied().collect())
}

fn transpose(r: usize, c: usize, v: &[f64]) -> Vec<f64> {
    (0..c).flat_map(|j| (0..r).map(move |i| v[i * c + j])).collect()
}

struct Stats {
    mean: f64,
    std: f64,
    per_trial_std: f64,
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (m, (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt())
}

/// Runs the case's trials: a new core (new programming draw) per trial for
/// `prog`, one core read repeatedly for `read`.
fn run(case: &Path, kind: &str, trials: usize) -> Stats {
    let p = Params::from_json(&std::fs::read_to_string(case.join("params.json")).unwrap()).unwrap();
    let (rows, cols, w) = load(case, "W.npy");
    let (_, batch, x) = load(case, "X.npy");
    let xt = transpose(cols, batch, &x);
    let (_, _, yi) = load(case, "Y_ideal.npy");
    let ideal = transpose(rows, batch, &yi);
    let range = ideal.iter().cloned().fold(f64::MIN, f64::max) - ideal.iter().cloned().fold(f64::MAX, f64::min);
    let mut all = Vec::with_capacity(trials * ideal.len());
    let mut stds = Vec::with_capacity(trials);
    let mut core = Core::new(&p, rows, cols, 1000).unwrap();
    core.program(&w, Layout::RowMajor).unwrap();
    for t in 0..trials {
        if kind == "prog" {
            core = Core::new(&p, rows, cols, t as u64).unwrap();
            core.program(&w, Layout::RowMajor).unwrap();
        }
        let mut y = vec![0.0; batch * rows];
        core.mvm(&xt, batch, &mut y).unwrap();
        let e: Vec<f64> = y.iter().zip(&ideal).map(|(a, b)| (a - b) / range).collect();
        stds.push(mean_std(&e).1);
        all.extend(e);
    }
    let (mean, std) = mean_std(&all);
    Stats {
        mean,
        std,
        per_trial_std: stds.iter().sum::<f64>() / trials as f64,
    }
}

#[test]
fn stochastic_cases_match_crosssim_statistics() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("stats.json").exists())
        .collect();
    cases.sort();
    let (mut pass, mut fail) = (0, 0);
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let r: Value = serde_json::from_str(&std::fs::read_to_string(case.join("stats.json")).unwrap()).unwrap();
        let kind = r["kind"].as_str().unwrap();
        let trials = r["trials"].as_u64().unwrap() as usize;
        let e = &r["normalised_output_error"];
        let (rmean, rstd, rpts) = (
            e["mean"].as_f64().unwrap(),
            e["std"].as_f64().unwrap(),
            r["per_trial_std"]["mean"].as_f64().unwrap(),
        );
        let s = run(case, kind, trials);
        let ok = (s.std / rstd - 1.0).abs() <= STD_TOL
            && (s.per_trial_std / rpts - 1.0).abs() <= STD_TOL
            && (s.mean - rmean).abs() <= MEAN_TOL * rstd;
        println!(
            "{} {name} [{kind}]: std {:.5} vs {:.5} ({:+.1} %), per-trial std {:.5} vs {:.5} ({:+.1} %), mean {:+.2e} vs {:+.2e} ({:.3} std)",
            if ok { "PASS" } else { "FAIL" },
            s.std,
            rstd,
            100.0 * (s.std / rstd - 1.0),
            s.per_trial_std,
            rpts,
            100.0 * (s.per_trial_std / rpts - 1.0),
            s.mean,
            rmean,
            (s.mean - rmean).abs() / rstd
        );
        if ok {
            pass += 1
        } else {
            fail += 1
        }
    }
    println!("stochastic conformance: {pass} passed, {fail} failed");
    assert_eq!(fail, 0);
}
