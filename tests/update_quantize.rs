//! Quantisation of the update vectors x and d (`xbar.device.update.x_bits`,
//! `d_bits`, `stochastic_rounding`) seen through `Core::update` with the
//! ideal model, whose change is exactly `lr·q(d) ⊗ q(x)`.

use xbar::{Core, Layout, Params};

/// An ideal `rows × cols` core (exact in the window, both devices mid-range)
/// with weights 0 and the update section `update` (JSON).
fn core(rows: usize, cols: usize, update: &str) -> Core {
    let mut p = Params::default();
    // Quantised levels are checked exactly: conductances in double precision.
    p.simulation.conductance_precision = xbar::params::ConductancePrecision::Float64;
    p.set_json("core.mapping.weights", r#"{"percentile": null, "min": -1, "max": 1}"#)
        .unwrap();
    p.xbar.device.infinite_on_off_ratio = true;
    p.core.balanced.style = xbar::params::BalancedStyle::TwoSided;
    p.set_json("xbar.device.update", update).unwrap();
    let mut c = Core::new(&p, rows, cols, 9).unwrap();
    c.program(&vec![0.0; rows * cols], Layout::RowMajor).unwrap();
    c
}

fn read(c: &Core) -> Vec<f64> {
    let mut w = vec![0.0; c.rows() * c.cols()];
    c.read(&mut w, Layout::RowMajor).unwrap();
    w
}

#[test]
fn nearest_levels_are_exact() {
    // x with 3 bits: levels k·0.8/3, k = -3..3; d with 2 bits: {-0.5, 0, 0.5}.
    let x = [0.8, 0.3, -0.1, -0.45, 0.0];
    let d = [0.5, 0.2, -0.3];
    let qx = [3.0, 1.0, 0.0, -2.0, 0.0].map(|k: f64| k * 0.8 / 3.0);
    let qd = [0.5, 0.0, -0.5];
    let mut c = core(3, 5, r#"{"model": "Ideal", "x_bits": 3, "d_bits": 2}"#);
    c.update(&x, &d, 1, 0.25).unwrap();
    for (k, w) in read(&c).iter().enumerate() {
        let want = 0.25 * qd[k / 5] * qx[k % 5];
        // Rounding of the balanced read-back: a few ulps of 1.
        assert!((w - want).abs() < 1e-14, "{k}: {w} vs {want}");
    }
}

#[test]
fn stochastic_rounding_is_unbiased() {
    // 3-bit x (Δ = 1/3 of max|x| = 0.9): each element is one of its two
    // neighbouring levels, with mean x. After K = 2000 updates with d = 1 the
    // weight is lr·Σ q(x_j): its mean per update has standard error
    // Δ·sqrt(f(1-f)/K) (f the fractional position between levels, ≤ 0.0034
    // here); the bound is 5 standard errors.
    let x = [0.9, 0.2, -0.5, 0.05, -0.7];
    let k = 2000;
    let lr = 1e-4;
    let mut c = core(1, 5, r#"{"model": "Ideal", "x_bits": 3, "stochastic_rounding": true}"#);
    for _ in 0..k {
        c.update(&x, &[1.0], 1, lr).unwrap();
    }
    let step = 0.9 / 3.0;
    for (j, w) in read(&c).iter().enumerate() {
        let mean = w / (lr * k as f64);
        let t = x[j] / step;
        let f = t - t.floor();
        let se = step * (f * (1.0 - f) / k as f64).sqrt();
        assert!(
            (mean - x[j]).abs() <= 5.0 * se + 1e-9,
            "{j}: mean {mean} vs {} (se {se})",
            x[j]
        );
        // Not the nearest level for the elements between levels: rounding really was stochastic.
        if f > 0.1 && f < 0.9 {
            assert!((mean - (t.round() * step)).abs() > 10.0 * se, "{j}");
        }
    }
}
