//! Batched reads of static matrices run as GEMMs (`src/product/gemm.rs`);
//! `simulation.disable_fast_matmul = true` keeps the in-order one-vector
//! kernels. The two agree to the rounding of their sums:
//! - float64 conductances: within 1e-13 of the scale `Σ_j |w_ij x_j|` of each
//!   output (two orders of summation of ≤ 300 double-precision terms differ by
//!   at most ~300·2⁻⁵³ ≈ 3e-14 of that scale);
//! - float32 conductances (the GEMM sums in single precision): within 2e-5 of
//!   that scale (≤ 300 terms at 2⁻²⁴ ≈ 6e-8 each: 1.8e-5 in the worst case);
//! - behind an ADC: the same level, or one level apart where the unquantised
//!   value sits at a boundary, in under 1 % of the outputs;
//! - a batch of one vector never uses the GEMM: bit for bit.

use xbar::{Core, Layout, Params};

const ROWS: usize = 300;
const COLS: usize = 260;
const BATCH: usize = 24;

fn weights() -> Vec<f64> {
    (0..ROWS * COLS)
        .map(|k| ((k * 7919 % 101) as f64 - 50.0) / 50.0)
        .collect()
}

fn inputs(n: usize, count: usize) -> Vec<f64> {
    (0..n * count).map(|k| ((k * 31 % 23) as f64 - 11.0) / 11.0).collect()
}

/// Outputs of an MVM and a VMM of the batch, and the scale `Σ|w x|` of each.
fn run(settings: &[(&str, &str)], in_order: bool, batch: usize) -> (Vec<f64>, Vec<f64>) {
    let mut p = Params::default();
    for (k, v) in settings {
        p.set_json(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    p.set_json(
        "simulation.disable_fast_matmul",
        if in_order { "true" } else { "false" },
    )
    .unwrap();
    let mut c = Core::new(&p, ROWS, COLS, 11).unwrap();
    let w = weights();
    c.program(&w, Layout::RowMajor).unwrap();
    let (x, v) = (inputs(COLS, batch), inputs(ROWS, batch));
    let mut y = vec![0.0; batch * ROWS];
    c.mvm(&x, batch, &mut y).unwrap();
    let mut yv = vec![0.0; batch * COLS];
    c.vmm(&v, batch, &mut yv).unwrap();
    let mut scale = Vec::new();
    for b in 0..batch {
        for i in 0..ROWS {
            scale.push(
                (0..COLS)
                    .map(|j| (w[i * COLS + j] * x[b * COLS + j]).abs())
                    .sum::<f64>(),
            );
        }
    }
    for b in 0..batch {
        for j in 0..COLS {
            scale.push(
                (0..ROWS)
                    .map(|i| (w[i * COLS + j] * v[b * ROWS + i]).abs())
                    .sum::<f64>(),
            );
        }
    }
    y.extend(yv);
    (y, scale)
}

fn assert_close(settings: &[(&str, &str)], tol: f64) {
    let (gemm, scale) = run(settings, false, BATCH);
    let (ordered, _) = run(settings, true, BATCH);
    let worst = gemm
        .iter()
        .zip(&ordered)
        .zip(&scale)
        .map(|((a, b), s)| (a - b).abs() / s.max(1e-300))
        .fold(0.0, f64::max);
    assert!(worst <= tol, "{settings:?}: GEMM vs in-order {worst:e} > {tol:e}");
    // The two paths sum in different orders: some bits differ (the GEMM ran).
    assert!(gemm != ordered, "{settings:?}: the batched read did not run as a GEMM");
}

const F64: (&str, &str) = ("simulation.conductance_precision", "\"float64\"");
const PROG: (&str, &str) = (
    "xbar.device.programming_error",
    r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.02}"#,
);

#[test]
fn float64_gemm_matches_the_in_order_sums() {
    for style in ["\"BALANCED\"", "\"OFFSET\"", "\"BITSLICED\""] {
        assert_close(&[F64, PROG, ("core.style", style), ("core.weight_bits", "8")], 1e-13);
    }
    // Tiled over 2 x 3 arrays, fast balanced path off (G+ and G- read separately).
    assert_close(
        &[
            F64,
            ("core.rows_max", "128"),
            ("core.cols_max", "100"),
            ("simulation.disable_fast_balanced", "true"),
        ],
        1e-13,
    );
}

#[test]
fn float32_gemm_matches_the_in_order_sums() {
    for style in ["\"BALANCED\"", "\"OFFSET\""] {
        assert_close(&[PROG, ("core.style", style)], 2e-5);
    }
}

#[test]
fn quantised_outputs_move_at_most_one_level_rarely() {
    let settings = [
        PROG,
        ("xbar.dac.mvm", r#"{"model": "SignMagnitudeDAC", "bits": 8}"#),
        ("xbar.dac.vmm", r#"{"model": "SignMagnitudeDAC", "bits": 8}"#),
        (
            "xbar.adc.mvm",
            r#"{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-17, 17]}"#,
        ),
        (
            "xbar.adc.vmm",
            r#"{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-17, 17]}"#,
        ),
    ];
    let (gemm, _) = run(&settings, false, BATCH);
    let (ordered, _) = run(&settings, true, BATCH);
    // One ADC level in output units: the smallest gap between the distinct
    // output magnitudes (thousands of outputs populate neighbouring levels).
    let mut levels: Vec<f64> = ordered.iter().map(|v| v.abs()).filter(|&v| v > 0.0).collect();
    levels.sort_by(f64::total_cmp);
    let step = levels
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&d| d > 1e-9)
        .fold(f64::MAX, f64::min);
    let differ: Vec<f64> = gemm
        .iter()
        .zip(&ordered)
        .map(|(a, b)| (a - b).abs())
        .filter(|&d| d > 0.0)
        .collect();
    assert!(
        differ.len() * 100 < gemm.len(),
        "{} of {} outputs changed level",
        differ.len(),
        gemm.len()
    );
    assert!(
        differ.iter().all(|&d| d <= step * 1.001),
        "a change of more than one level {differ:?} (step {step})"
    );
}

#[test]
fn one_vector_reads_keep_the_in_order_kernels() {
    for settings in [
        vec![PROG],
        vec![F64, PROG, ("core.style", "\"BITSLICED\""), ("core.weight_bits", "8")],
    ] {
        let (a, _) = run(&settings, false, 1);
        let (b, _) = run(&settings, true, 1);
        assert!(
            a.iter().zip(&b).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{settings:?}"
        );
    }
}
