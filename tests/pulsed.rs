//! The pulsed stochastic update (spec update-models.md §B): every step device
//! against its closed-form trajectory, pulse-train coincidence statistics,
//! the mean applied change against the request, bounds, and bit-identity
//! across thread counts.

use xbar::internals::device::update::pulsed::exp_step::ExpStep;
use xbar::internals::device::update::pulsed::linear_step::LinearStep;
use xbar::internals::device::update::pulsed::piecewise_step::PiecewiseStep;
use xbar::internals::device::update::pulsed::pow_step::PowStep;
use xbar::internals::device::update::pulsed::{
    constant_step::ConstantStep, soft_bounds::soft_bounds, trains, Pulsed, Step,
};
use xbar::internals::rng::{Purpose, Stream};
use xbar::params::PulsedParams;
use xbar::{Core, Layout, Params};

/// Default parameters without any variation: every cell is the nominal device.
fn quiet() -> PulsedParams {
    let mut p = PulsedParams {
        dw_min_dtod: 0.0,
        dw_min_std: 0.0,
        w_min_dtod: 0.0,
        w_max_dtod: 0.0,
        up_down_dtod: 0.0,
        ..PulsedParams::default()
    };
    p.linear_step.gamma_up_dtod = 0.0;
    p.linear_step.gamma_down_dtod = 0.0;
    p.pow_step.gamma_dtod = 0.0;
    p
}

/// The states after 0..=n noiseless pulses (up or down) from `w0`.
fn trajectory<S: Step>(step: S, p: &PulsedParams, w0: f64, up: bool, n: usize) -> Vec<f64> {
    let m = Pulsed::new(step, p, 0.1);
    let (cell, own) = m.cell(&Stream::new(1, 0, Purpose::DeviceToDevice, 0), 0);
    let mut w = vec![w0];
    for _ in 0..n {
        let last = *w.last().unwrap();
        w.push(m.pulses(&cell, &own, last, up, [1.0]));
    }
    w
}

/// Compares a trajectory with its closed form. Tolerance 1e-12: a few
/// thousand rounding errors of about 1e-16 on weights of order 1.
fn check(name: &str, got: &[f64], want: impl Fn(f64) -> f64) {
    for (n, &w) in got.iter().enumerate() {
        let e = want(n as f64);
        assert!((w - e).abs() < 1e-12, "{name}: after {n} pulses {w}, expected {e}");
    }
}

#[test]
fn constant_step_moves_by_dw_min_until_the_bound() {
    let p = quiet();
    let up = trajectory(ConstantStep, &p, -0.5, true, 1500);
    check("ConstantStep up", &up, |n| (-0.5 + 0.001 * n).min(0.6));
    // up_down = 0.2 shrinks down steps to 0.8·dw_min and leaves up steps at dw_min (Part C.3).
    let p = PulsedParams {
        up_down: 0.2,
        ..quiet()
    };
    let down = trajectory(ConstantStep, &p, 0.5, false, 1500);
    check("ConstantStep down, up_down 0.2", &down, |n| {
        (0.5 - 0.0008 * n).max(-0.6)
    });
    let up = trajectory(ConstantStep, &p, 0.0, true, 10);
    check("ConstantStep up, up_down 0.2", &up, |n| 0.001 * n);
}

#[test]
fn linear_step_approaches_w_max_over_gamma_geometrically() {
    // s± = -γ·dw_min/w_ref±: w_n = w* + (w0 - w*)(1 + s)^n, w* = w_max/γ up
    // and w* = w_min/γ down (γ = 2: ±0.3, inside the bounds).
    let mut p = quiet();
    p.linear_step.gamma_up = 2.0;
    p.linear_step.gamma_down = 2.0;
    let s = 2.0 * 0.001 / 0.6;
    let up = trajectory(LinearStep::new(&p), &p, -0.5, true, 3000);
    check("LinearStep up", &up, |n| 0.3 + (-0.5 - 0.3) * f64::powf(1.0 - s, n));
    let down = trajectory(LinearStep::new(&p), &p, 0.5, false, 3000);
    check("LinearStep down", &down, |n| -0.3 + (0.5 + 0.3) * f64::powf(1.0 - s, n));
}

#[test]
fn soft_bounds_approach_each_bound_geometrically() {
    // up: w_n = b_max + (w0 - b_max)(1 - dw_min/b_max)^n; down mirrored at b_min.
    let p = quiet();
    let up = trajectory(soft_bounds(), &p, -0.5, true, 4000);
    check("SoftBounds up", &up, |n| {
        0.6 + (-0.5 - 0.6) * f64::powf(1.0 - 0.001 / 0.6, n)
    });
    let down = trajectory(soft_bounds(), &p, 0.5, false, 4000);
    check("SoftBounds down", &down, |n| {
        -0.6 + (0.5 + 0.6) * f64::powf(1.0 - 0.001 / 0.6, n)
    });
}

#[test]
fn pow_step_with_gamma_one_is_geometric_and_squares_with_gamma_two() {
    // γ = 1: w_n = b_max - (b_max - w0)(1 - dw_min/range)^n (up), range = 1.2.
    let mut p = quiet();
    let up = trajectory(PowStep::new(&p), &p, -0.5, true, 3000);
    check("PowStep up", &up, |n| {
        0.6 - (0.6 + 0.5) * f64::powf(1.0 - 0.001 / 1.2, n)
    });
    let down = trajectory(PowStep::new(&p), &p, 0.5, false, 3000);
    check("PowStep down", &down, |n| {
        -0.6 + (0.5 + 0.6) * f64::powf(1.0 - 0.001 / 1.2, n)
    });
    p.pow_step.gamma = 2.0;
    let one = trajectory(PowStep::new(&p), &p, 0.0, true, 1);
    check("PowStep γ=2, one pulse", &one, |n| n * 0.001 * 0.25);
    let m = Pulsed::new(PowStep::new(&p), &p, 0.1);
    assert!((m.granularity() - 0.00025).abs() < 1e-15, "ε = dw_min·0.5^γ");
}

#[test]
fn piecewise_step_interpolates_its_nodes() {
    // Factors 1 at b_min and 0.5 at b_max: with u = w - b_min and range R,
    // u_n = 2R + (u0 - 2R)(1 - dw_min/(2R))^n (up) while u_n < R.
    let mut p = quiet();
    p.piecewise_step.up = vec![1.0, 0.5];
    p.piecewise_step.down = vec![1.0, 0.5];
    let r = 1.2;
    let up = trajectory(PiecewiseStep::new(&p), &p, -0.6, true, 1000);
    check("PiecewiseStep up", &up, |n| {
        -0.6 + 2.0 * r * (1.0 - f64::powf(1.0 - 0.001 / (2.0 * r), n))
    });
    // Down steps: factor 1 - 0.5·u/R, i.e. 0.75 at the middle node of the range.
    let down = trajectory(PiecewiseStep::new(&p), &p, 0.0, false, 1);
    check("PiecewiseStep down, one pulse", &down, |n| -n * 0.001 * 0.75);
    p.piecewise_step.up = vec![2.0, 0.3, 1.0];
    let m = Pulsed::new(PiecewiseStep::new(&p), &p, 0.1);
    assert!((m.granularity() - 0.0003).abs() < 1e-15, "ε = dw_min·up[len/2]");
}

#[test]
fn exp_step_follows_its_law_to_the_fixed_point() {
    // z = 2a·w/range + b; a step is dw_min·max(0, 1 - A_up e^{γ_up z}). With
    // A_up = 0.01 the up steps vanish at z* = ln(1/A_up)/γ_up, inside the bounds.
    let mut p = quiet();
    p.exp_step.a_up = 0.01;
    let e = p.exp_step.clone();
    let z = |w: f64| 2.0 * e.a * w / 1.2 + e.b;
    let w_star = ((1.0 / e.a_up).ln() / e.gamma_up - e.b) * 1.2 / (2.0 * e.a);
    let up = trajectory(ExpStep::new(&p), &p, -0.5, true, 8000);
    for k in 0..up.len() - 1 {
        let want = up[k] + 0.001 * (1.0 - e.a_up * (e.gamma_up * z(up[k])).exp()).max(0.0);
        assert!((up[k + 1] - want).abs() < 1e-15, "ExpStep step {k}");
        assert!(up[k + 1] >= up[k] && up[k + 1] <= w_star + 1e-12);
    }
    // Near w* the step is ≈ dw_min·γ_up·2a/range·(w* - w): 8000 pulses leave e^-40.
    assert!((up[8000] - w_star).abs() < 1e-9, "{} vs {w_star}", up[8000]);
    // Default parameters: down steps vanish below w_min, so the trajectory ends at the bound.
    let p = quiet();
    let down = trajectory(ExpStep::new(&p), &p, 0.5, false, 20000);
    assert_eq!(*down.last().unwrap(), -0.6);
    // aihwkit's granularity for the defaults (spec Part C.4): 0.00098342.
    let m = Pulsed::new(ExpStep::new(&p), &p, 0.1);
    assert!((m.granularity() - 0.00098342).abs() < 5e-9, "{}", m.granularity());
}

#[test]
fn noisy_pulses_stay_within_each_cells_bounds() {
    // Default variations (30 % bounds and steps, 30 % cycle-to-cycle) with a
    // large step, so that every cell hits both of its bounds many times.
    let p = PulsedParams {
        dw_min: 0.05,
        ..PulsedParams::default()
    };
    let d2d = Stream::new(7, 3, Purpose::DeviceToDevice, 0);
    let noise = Stream::new(7, 3, Purpose::Update, 1);
    let m = Pulsed::new(soft_bounds(), &p, 0.1);
    let mut f = vec![0.0; 400];
    for cell in 0..200 {
        let (c, own) = m.cell(&d2d, cell);
        assert!(c.w_min <= 0.0 && 0.0 <= c.w_max && c.up >= 0.0 && c.down >= 0.0);
        noise.fill_dense(400 * cell as u64, &mut f, true);
        let mut w = 0.0;
        for (k, xi) in f.iter().enumerate() {
            w = m.pulses(&c, &own, w, (k / 50) % 2 == 0, [1.0 + 0.3 * xi]);
            assert!(
                c.w_min <= w && w <= c.w_max,
                "cell {cell}: {w} outside [{}, {}]",
                c.w_min,
                c.w_max
            );
        }
    }
}

#[test]
fn coincidences_are_binomial_with_p_x_times_p_d() {
    // n ~ Binomial(BL, p_x·p_d) for distinct lines: mean 31·0.18 = 5.58,
    // std 2.14 per pair; 20,000 pairs give a standard error of 0.015 on the
    // mean and of about 1 % on the variance. Bounds at 5 standard errors.
    let (bl, px, pd, pairs) = (31u32, 0.3, 0.6, 20_000u64);
    let s = Stream::new(11, 0, Purpose::PulseTrain, 1);
    let counts: Vec<f64> = (0..pairs)
        .map(|l| trains::coincidences(trains::train(px, bl, &s, l), trains::train(pd, bl, &s, pairs + l)) as f64)
        .collect();
    let q = px * pd;
    let mean = counts.iter().sum::<f64>() / pairs as f64;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (pairs - 1) as f64;
    let (m0, v0) = (bl as f64 * q, bl as f64 * q * (1.0 - q));
    assert!(
        (mean - m0).abs() < 5.0 * (v0 / pairs as f64).sqrt(),
        "mean {mean} vs {m0}"
    );
    assert!((var / v0 - 1.0).abs() < 0.05, "variance {var} vs {v0}");
    // Each line fires with its probability: 31·20,000 slots, std 0.0005.
    let fired: u32 = (0..pairs).map(|l| trains::train(px, bl, &s, l).count_ones()).sum();
    assert!((fired as f64 / (bl as u64 * pairs) as f64 - px).abs() < 0.003);
}

#[test]
fn update_management_gives_expected_pulses_of_lambda_x_d_over_eps() {
    // With the scales of update management, E[n_ij] = BL·A|d_i|·B|x_j| = λ|x_j||d_i|/ε.
    let m = trains::Management {
        desired_bl: 31,
        update_management: true,
        update_bl_management: true,
    };
    let (lambda, eps) = (0.004, 0.001);
    let x = [1.0, -0.5, 0.25];
    let d = [0.8, 0.1];
    let s = trains::scales(lambda, eps, 1.0, 0.8, &m).unwrap();
    for &xj in &x {
        for &di in &d {
            let expect = lambda * f64::abs(xj) * f64::abs(di) / eps;
            let got = s.bl as f64 * (s.a * f64::abs(di)) * (s.b * f64::abs(xj));
            assert!((got - expect).abs() < 1e-12, "{got} vs {expect}");
        }
    }
}

/// A balanced `n × n` core with the pulsed model `pulsed` (JSON), weights 0.
/// TWO_SIDED keeps both devices of a zero weight mid-range (ONE_SIDED would
/// put them at Gmin, where a cell whose own bound lies above the nominal one
/// jumps to it at its first pulse).
fn core(n: usize, pulsed: &str, mode: &str, seed: u64) -> Core {
    let mut p = Params::default();
    p.core.balanced.style = xbar::params::BalancedStyle::TwoSided;
    p.set_json("core.mapping.weights", r#"{"percentile": null, "min": -1, "max": 1}"#)
        .unwrap();
    let u = format!(r#"{{"model": "Pulsed", "batch_mode": "{mode}", "pulsed": {pulsed}}}"#);
    p.set_json("xbar.device.update", &u).unwrap();
    let mut c = Core::new(&p, n, n, seed).unwrap();
    c.program(&vec![0.0; n * n], Layout::RowMajor).unwrap();
    c
}

fn read(c: &Core) -> Vec<f64> {
    let mut w = vec![0.0; c.rows() * c.cols()];
    c.read(&mut w, Layout::RowMajor).unwrap();
    w
}

#[test]
fn mean_applied_change_equals_the_request() {
    // 32 x 32 ConstantStep cells with all default variations; the largest
    // element asks for 10 pulses per device (lr = 1/60: a weight change w
    // is 0.6·w device units, ε = 0.001). For each of 30 cores the ratio of
    // applied to requested total change; the mean ratio must be 1 within 4
    // standard errors (a false alarm about 1 in 16,000), and the spread
    // small enough (< 0.1) for that to mean something.
    let n = 32;
    let v: Vec<f64> = (0..n).map(|k| 0.3 + 0.7 * k as f64 / (n - 1) as f64).collect();
    let lr = 1.0 / 60.0;
    let requested: f64 = v.iter().map(|d| v.iter().map(|x| lr * d * x).sum::<f64>()).sum();
    let cases = [
        ("update management", "per_sample", r#"{"device": "ConstantStep"}"#),
        (
            "no management",
            "per_sample",
            r#"{"device": "ConstantStep", "update_management": false, "update_bl_management": false}"#,
        ),
        ("accumulated batch", "accumulate", r#"{"device": "ConstantStep"}"#),
    ];
    for (name, mode, pulsed) in cases {
        let ratios: Vec<f64> = (0..30)
            .map(|seed| {
                let mut c = core(n, pulsed, mode, seed);
                // The accumulated case writes a batch of two half-size samples.
                let (x, d, b, l) = if mode == "accumulate" {
                    (
                        [v.clone(), v.clone()].concat(),
                        [v.clone(), v.clone()].concat(),
                        2,
                        lr / 2.0,
                    )
                } else {
                    (v.clone(), v.clone(), 1, lr)
                };
                c.update(&x, &d, b, l).unwrap();
                read(&c).iter().sum::<f64>() / requested
            })
            .collect();
        let m = ratios.iter().sum::<f64>() / 30.0;
        let sd = (ratios.iter().map(|r| (r - m).powi(2)).sum::<f64>() / 29.0).sqrt();
        assert!(sd < 0.1 && sd > 0.0, "{name}: spread {sd}");
        assert!(
            (m - 1.0).abs() < 4.0 * sd / 30f64.sqrt(),
            "{name}: mean ratio {m} ± {sd}"
        );
    }
}

#[test]
fn weights_saturate_at_the_nominal_bounds() {
    // Without bound variation, the devices stop at [w_min, w_max], i.e. at the
    // conductance window: weights saturate at ±1 (the weight range) and never beyond.
    let pulsed = r#"{"device": "SoftBounds", "w_min_dtod": 0, "w_max_dtod": 0, "dw_min": 0.05}"#;
    let mut c = core(8, pulsed, "per_sample", 3);
    let x: Vec<f64> = (0..8).map(|j| if j % 2 == 0 { 1.0 } else { -1.0 }).collect();
    for _ in 0..400 {
        c.update(&x, &[1.0; 8], 1, 1.0).unwrap();
    }
    for (k, w) in read(&c).iter().enumerate() {
        let target = x[k % 8];
        assert!(w.abs() <= 1.0 + 1e-12, "{k}: {w}");
        assert!((w - target).abs() < 1e-3, "{k}: {w} not saturated at {target}");
    }
}

#[test]
fn pulsed_writes_are_bit_identical_at_any_thread_count() {
    // 200 x 200 cells: above the size from which a write runs in parallel.
    let run = |threads: usize| {
        xbar::set_num_threads(threads);
        let mut c = core(200, r#"{"device": "SoftBounds"}"#, "per_sample", 5);
        let x: Vec<f64> = (0..200).map(|k| ((k * 7 % 13) as f64 - 6.0) / 6.0).collect();
        let d: Vec<f64> = (0..200).map(|k| ((k * 5 % 11) as f64 - 5.0) / 5.0).collect();
        c.update(&x, &d, 1, 0.05).unwrap();
        read(&c)
    };
    let one = run(1);
    let three = run(3);
    xbar::set_num_threads(0);
    assert!(one.iter().any(|&w| w != 0.0));
    assert!(one.iter().zip(&three).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn bad_parameters_name_their_path() {
    let cases = [
        (r#"{"desired_bl": 65}"#, "xbar.device.update.pulsed.desired_bl"),
        (r#"{"dw_min": 0}"#, "xbar.device.update.pulsed.dw_min"),
        (r#"{"w_min": 0.1}"#, "xbar.device.update.pulsed.w_min"),
        (r#"{"dw_min_std": -1}"#, "xbar.device.update.pulsed.dw_min_std"),
        (
            r#"{"piecewise_step": {"up": [1, 2], "down": [1]}}"#,
            "xbar.device.update.pulsed.piecewise_step",
        ),
    ];
    for (json, path) in cases {
        let mut p = Params::default();
        let e = p.set_json("xbar.device.update.pulsed", json).unwrap_err();
        assert!(matches!(e, xbar::Error::Params(_)), "{json}: {e}");
        assert!(e.to_string().contains(path), "{json}: {e}");
    }
}

#[test]
fn device_to_device_draws_have_the_given_spreads() {
    // 20,000 cells of the default device: steps dw_min·|1 + 0.3ξ ± 0.01ξ'|
    // (mean dw_min, std dw_min·sqrt(0.3² + 0.01²)), bounds ±0.6·|1 + 0.3ξ|
    // (std 0.18). Standard errors: 0.2 % of the mean, 0.5 % of a std;
    // bounds at 5 of them (the |·| changes a std by less than 1e-4).
    let p = PulsedParams::default();
    let m = Pulsed::new(ConstantStep, &p, 0.1);
    let d2d = Stream::new(3, 130, Purpose::DeviceToDevice, 0);
    let cells: Vec<_> = (0..20_000).map(|c| m.cell(&d2d, c).0).collect();
    let stats = |v: Vec<f64>| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        (
            mean,
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
        )
    };
    let step_sd = 0.001 * (0.3f64.powi(2) + 0.01f64.powi(2)).sqrt();
    for (name, v, mean, sd) in [
        ("up", cells.iter().map(|c| c.up).collect::<Vec<_>>(), 0.001, step_sd),
        ("down", cells.iter().map(|c| c.down).collect(), 0.001, step_sd),
        ("w_max", cells.iter().map(|c| c.w_max).collect(), 0.6, 0.18),
        ("w_min", cells.iter().map(|c| c.w_min).collect(), -0.6, 0.18),
    ] {
        let (m, s) = stats(v);
        assert!(
            (m - mean).abs() < 5.0 * sd / 20_000f64.sqrt(),
            "{name}: mean {m} vs {mean}"
        );
        assert!((s / sd - 1.0).abs() < 0.025, "{name}: std {s} vs {sd}");
    }
    // Fixed per cell: the same parameters at every write.
    assert_eq!(m.cell(&d2d, 17).0, cells[17]);
}
