//! Nonlinear I-V cells (`xbar.device.nonlinear_IV`, spec §11.9–11.10, §12.6):
//! without wire resistance each cell carries its own I-V law (closed forms
//! through the whole core); with wires, Newton's method converges in a few
//! steps, reduces to the linear solver for ohmic cells, and reports failure
//! instead of looping. (ngspice checks are in tests/parasitics.rs.)

use xbar::internals::array::Op;
use xbar::internals::batch::Batch;
use xbar::internals::circuit::parasitics::{solve_exact, solve_nonlinear, NewtonSettings, Problem, Wires};
use xbar::internals::device::iv::IvModel;
use xbar::params::SelectedRows;
use xbar::{Core, Error, Layout, Params};

const R: usize = 12;
const C: usize = 16;

fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            2.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 1.0
        })
        .collect()
}

fn rel(a: &[f64], b: &[f64]) -> f64 {
    let s = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max) / s
}

fn core(p: &Params, w: &[f64]) -> Core {
    let mut c = Core::new(p, R, C, 1).unwrap();
    c.program(w, Layout::RowMajor).unwrap();
    c
}

/// CubicDevice, balanced core, ideal periphery and wires: `G+ − G− ∝ w`, so
/// `y = W (x − Vread²·x³/4)` and `y = (v − Vread²·v³/4) W`.
#[test]
fn cubic_device_without_wires_is_closed_form() {
    let mut p = Params::default();
    p.set_json(
        "xbar.device",
        r#"{"Vread": 1.5, "nonlinear_IV": {"enable": true, "model": "CubicDevice"}}"#,
    )
    .unwrap();
    let (w, x, v) = (values(R * C, 1), values(3 * C, 2), values(3 * R, 3));
    let mut c = core(&p, &w);
    let f = |u: f64| u - 0.25 * 1.5 * 1.5 * u * u * u;
    let (mut y, mut yv) = (vec![0.0; 3 * R], vec![0.0; 3 * C]);
    c.mvm(&x, 3, &mut y).unwrap();
    c.vmm(&v, 3, &mut yv).unwrap();
    let want: Vec<f64> = (0..3 * R)
        .map(|k| (0..C).map(|j| w[(k % R) * C + j] * f(x[(k / R) * C + j])).sum())
        .collect();
    let want_v: Vec<f64> = (0..3 * C)
        .map(|k| (0..R).map(|i| f(v[(k / C) * R + i]) * w[i * C + k % C]).sum())
        .collect();
    // Conductances are single precision (about 6e-8 each) over 16 cells per output.
    assert!(rel(&y, &want) <= 1e-5, "{}", rel(&y, &want));
    assert!(rel(&yv, &want_v) <= 1e-5, "{}", rel(&yv, &want_v));
    // The nonlinearity is visible: the linear product differs by far more.
    let lin: Vec<f64> = (0..3 * R)
        .map(|k| (0..C).map(|j| w[(k % R) * C + j] * x[(k / R) * C + j]).sum())
        .collect();
    assert!(rel(&lin, &want) > 0.05);
}

/// RRAMMilo, balanced core without wires, against Milo's law in physical units:
/// `I = G V + NL2(G) V² + NL3(G) V³` per cell, G in siemens, V in volts.
#[test]
fn rram_milo_without_wires_follows_the_physical_law() {
    let (rmin, rmax, vread) = (5000.0, 20000.0, 0.5);
    let mut p = Params::default();
    p.set_json(
        "xbar.device",
        r#"{"Rmin": 5000, "Rmax": 20000, "Vread": 0.5, "nonlinear_IV": {"enable": true, "model": "RRAMMilo"}}"#,
    )
    .unwrap();
    let (w, x) = (values(R * C, 4), values(C, 5));
    let mut c = core(&p, &w);
    let mut y = vec![0.0; R];
    c.mvm(&x, 1, &mut y).unwrap();
    // One-sided balanced mapping with wmax = max|w|, conductances in single precision.
    let wmax = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (gmin, grange) = (rmin / rmax, 1.0 - rmin / rmax);
    let amps = |g: f64, x: f64| {
        let gs = g / rmin;
        let l = gs.log10();
        let nl2 = 1.388e-4 * l.powi(3) + 1.541e-3 * l.powi(2) + 5.711e-3 * l + 7.063e-3;
        let nl3 = 8.8710e-5 * l.powi(2) + 6.7919e-4 * l + 1.2968e-3;
        let v = x * vread;
        gs * v + nl2 * v * v + nl3 * v * v * v
    };
    let want: Vec<f64> = (0..R)
        .map(|i| {
            (0..C)
                .map(|j| {
                    let m = w[i * C + j] / wmax;
                    let gp = (gmin + grange * m.max(0.0)) as f32 as f64;
                    let gn = (gmin + grange * (-m).max(0.0)) as f32 as f64;
                    amps(gp, x[j]) - amps(gn, x[j])
                })
                .sum::<f64>()
                // amperes → units of Gmax·Vread, then to weights: wmax/grange.
                * rmin
                / vread
                * wmax
                / grange
        })
        .collect();
    // Summation order and the log10 of single-precision conductances only.
    assert!(rel(&y, &want) <= 1e-12, "{}", rel(&y, &want));
}

fn wires(r: f64, from_input: bool) -> Wires {
    Wires {
        enable: true,
        r_row: r,
        r_col: 0.6 * r,
        r_row_terminal: 0.5 * r,
        r_col_terminal: 0.0,
        current_from_input: from_input,
        selected_rows: SelectedRows::Top,
        rows_max: 0,
        cols_max: 0,
        rmin_ohm: 5000.0,
    }
}

/// Newton's method: a few steps to a 1e-12 residual; ohmic cells (CubicDevice
/// at Vread 0) give the linear solver's answer in one step; a step limit too
/// small is `NoConvergence`, not a hang.
#[test]
fn newton_converges_and_reports() {
    let (m, n) = (24, 20);
    let g: Vec<f64> = values(m * n, 6).iter().map(|v| 0.3 + 0.35 * (v + 1.0)).collect();
    let gn: Vec<f64> = values(m * n, 7).iter().map(|v| 0.3 + 0.35 * (v + 1.0)).collect();
    let x = Batch::from_vec(n, 4, values(4 * n, 8));
    let settings = NewtonSettings::default();
    for (from_input, interleaved) in [(true, false), (true, true), (false, false)] {
        let w = wires(2e-3, from_input);
        let xs = if from_input {
            x.clone()
        } else {
            Batch::from_vec(n, 4, x.data.iter().map(|v| v.signum()).collect())
        };
        let p = Problem {
            wires: &w,
            op: Op::Mvm,
            rows: m,
            cols: n,
            g: &g,
            gn: interleaved.then_some(&gn[..]),
            x: &xs,
        };
        for iv in [
            IvModel::Cubic { vread: 1.8 },
            IvModel::RramMilo { rmin: 5e3, vread: 0.5 },
        ] {
            let r = solve_nonlinear(&p, &iv, &settings).unwrap();
            let most = *r.iterations.iter().max().unwrap();
            eprintln!(
                "{iv:?} from_input {from_input} interleaved {interleaved}: steps {:?}, residual {:.1e}",
                r.iterations, r.residual
            );
            assert!(
                most <= 10 && r.residual <= settings.tolerance,
                "{:?} {}",
                r.iterations,
                r.residual
            );
            // Far from the linear answer with this nonlinearity.
            let lin = solve_exact(&p).unwrap();
            assert!(rel(&r.y.data, &lin.data) > 1e-3);
            let one = NewtonSettings {
                max_iterations: 1,
                ..settings
            };
            let err = solve_nonlinear(&p, &iv, &one).unwrap_err();
            assert!(matches!(err, Error::NoConvergence(_)), "{err}");
        }
        // Ohmic: one Newton step is the linear solve (VMM of the n × m array: n inputs).
        let ohmic = IvModel::Cubic { vread: 0.0 };
        let vmm = Problem {
            op: Op::Vmm,
            rows: n,
            cols: m,
            ..p
        };
        let r = solve_nonlinear(&vmm, &ohmic, &settings).unwrap();
        let lin = solve_exact(&vmm).unwrap();
        assert!(rel(&r.y.data, &lin.data) <= 1e-12, "{}", rel(&r.y.data, &lin.data));
        assert!(r.iterations.iter().all(|&k| k == 1), "{:?}", r.iterations);
    }
}

/// Nonlinear cells through the core with wires and read noise: reproducible
/// per seed; CrossSim's relaxation solver and models without an I-V law are refused.
#[test]
fn core_with_wires_and_nonlinear_cells() {
    let mut p = Params::default();
    p.set_json(
        "xbar.device",
        r#"{"Vread": 1.0, "nonlinear_IV": {"enable": true, "model": "CubicDevice"}}"#,
    )
    .unwrap();
    p.set_json(
        "xbar.array.parasitics",
        r#"{"enable": true, "Rp_row": 1.0, "Rp_col": 1.0}"#,
    )
    .unwrap();
    p.set_json(
        "xbar.device.read_noise",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}"#,
    )
    .unwrap();
    let (w, x) = (values(R * C, 9), values(2 * C, 10));
    let run = |p: &Params| {
        let mut y = vec![0.0; 2 * R];
        core(p, &w).mvm(&x, 2, &mut y).unwrap();
        y
    };
    let y = run(&p);
    assert_eq!(y, run(&p));
    let mut ideal = p.clone();
    ideal.xbar.array.parasitics.enable = false;
    let e = rel(&y, &run(&ideal));
    // 1 Ω per segment against 1 kΩ cells on 12 x 16: a few percent of IR drop, plus noise.
    assert!(e > 1e-3 && e < 0.2, "{e}");
    let mut q = p.clone();
    q.set_json("simulation.parasitic_solver", r#""crosssim""#).unwrap();
    assert!(matches!(Core::new(&q, R, C, 1), Err(Error::Unsupported(_))));
    let mut q = Params::default();
    q.set_json("xbar.device.nonlinear_IV", r#"{"enable": true, "model": "PCMJoshi"}"#)
        .unwrap();
    assert!(matches!(Core::new(&q, R, C, 1), Err(Error::Params(_))));
    q.set_json("xbar.device.nonlinear_IV.model", r#""CubicDevice""#)
        .unwrap();
    q.xbar.device.vread = 2.5;
    assert!(matches!(Core::new(&q, R, C, 1), Err(Error::Params(_))));
}
