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

/// Runs the case's trials on `backend` (`simulation.backend`): a new core
/// (new programming draw) per trial for `prog`, one core read repeatedly
/// for `read`.
fn run(case: &Path, kind: &str, trials: usize, backend: &str) -> Stats {
    let mut p = Params::from_json(&std::fs::read_to_string(case.join("params.json")).unwrap()).unwrap();
    p.set_json("simulation.backend", &format!("\"{backend}\"")).unwrap();
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
    check_statistics("cpu");
}

/// The same cases and bounds on the GPU backend (single precision), where
/// one opens (a GPU, or `XBAR_GPU_EMULATE=1`); a loud skip otherwise, a
/// failure when `XBAR_REQUIRE_GPU=1` or `XBAR_GPU_EMULATE=1` asks for one.
#[test]
fn stochastic_cases_match_crosssim_statistics_on_the_gpu_backend() {
    if let Err(e) = xbar::internals::gpu::Gpu::open(0) {
        let asked = ["XBAR_REQUIRE_GPU", "XBAR_GPU_EMULATE"]
            .iter()
            .any(|v| std::env::var(v).as_deref() == Ok("1"));
        assert!(!asked, "a GPU backend was asked for but cannot open: {e}");
        eprintln!("\n!!!!!!!! SKIPPED: stochastic conformance on the GPU backend (no GPU: {e}; XBAR_GPU_EMULATE=1 runs it emulated) !!!!!!!!\n");
        return;
    }
    check_statistics("cuda");
}

/// Every case with a `stats.json` on `backend`, within the README's bounds.
fn check_statistics(backend: &str) {
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
        let s = run(case, kind, trials, backend);
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
    println!("stochastic conformance ({backend}): {pass} passed, {fail} failed");
    assert_eq!(fail, 0);
    assert!(pass > 0, "no stochastic case ran on {backend}");
}

/// Per-level conductance statistics (README: std within 3 %, mean within
/// 4·std/sqrt(count), clipping fractions within 0.01 absolute): the device
/// law of each case applied to `count` cells at each target level — the
/// programming error (or drift) for `prog` cases, one read-noise draw of the
/// programmed level for `read` cases. Both sides are samples, so the mean is
/// compared with 4 combined standard errors, 4·std·sqrt(2/count).
#[test]
fn stochastic_cases_match_crosssim_conductance_statistics() {
    use xbar::internals::device::cells::{Cells, Draws};
    use xbar::internals::rng::{Purpose, Stream};
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("stats.json").exists())
        .collect();
    cases.sort();
    let mut fail = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let r: Value = serde_json::from_str(&std::fs::read_to_string(case.join("stats.json")).unwrap()).unwrap();
        let kind = r["kind"].as_str().unwrap();
        let p = Params::from_json(&std::fs::read_to_string(case.join("params.json")).unwrap()).unwrap();
        let d = &p.xbar.device;
        let cells = Cells::new(d, d.time).unwrap();
        let gmin = d.gmin_norm();
        for (lvl, level) in r["conductance_error"]["levels"].as_array().unwrap().iter().enumerate() {
            let target = level["G_target_norm"].as_f64().unwrap();
            let count = level["count"].as_u64().unwrap() as usize;
            let mut g = vec![target; count];
            if kind == "read" {
                let noise = cells
                    .read_noise(&xbar::internals::storage::Conductances::Double(g.clone()))
                    .expect("a read case has read noise");
                let s = Stream::new(77, lvl as u32, Purpose::ReadNoise, 1);
                let programmed = g.clone();
                noise.sample(&programmed, 0, &s, &mut g);
            } else {
                cells
                    .write(
                        &mut g,
                        lvl as u32,
                        &Draws {
                            seed: 77,
                            program_call: 1,
                            time_call: 0,
                        },
                    )
                    .unwrap();
            }
            let err: Vec<f64> = g.iter().map(|x| x - target).collect();
            let (m, s) = mean_std(&err);
            let frac = |v: f64| g.iter().filter(|&&x| x == v).count() as f64 / count as f64;
            let (rm, rs) = (
                level["mean_err_norm"].as_f64().unwrap(),
                level["std_err_norm"].as_f64().unwrap(),
            );
            let std_ok = if rs == 0.0 {
                s == 0.0
            } else {
                (s / rs - 1.0).abs() <= 0.03
            };
            let mean_ok = (m - rm).abs() <= 4.0 * rs.max(s) * (2.0 / count as f64).sqrt() + 1e-15;
            let clip_ok = (frac(0.0) - level["frac_exactly_0"].as_f64().unwrap()).abs() <= 0.01
                && (frac(gmin) - level["frac_exactly_Gmin_norm"].as_f64().unwrap()).abs() <= 0.01
                && (frac(1.0) - level["frac_exactly_1"].as_f64().unwrap()).abs() <= 0.01;
            let ok = std_ok && mean_ok && clip_ok;
            if !ok {
                fail += 1;
            }
            println!(
                "{} {name} level {target}: std {s:.5} vs {rs:.5}, mean {m:+.2e} vs {rm:+.2e}, at 0 {:.4} vs {:.4}",
                if ok { "PASS" } else { "FAIL" },
                frac(0.0),
                level["frac_exactly_0"].as_f64().unwrap()
            );
        }
    }
    assert_eq!(fail, 0, "{fail} conductance levels differ from CrossSim's statistics");
}
