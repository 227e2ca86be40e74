//! Reproducibility across thread counts: the same seed, parameters and call
//! sequence give bit-identical results with 1, 2 and 8 threads in xbar's pool,
//! for noisy reads (per-cell draws) and for static ones (GEMM blocks).
//! (One test in this binary: the thread count is process-wide.)

use xbar::{set_num_threads, Core, Layout, Params};

/// A `rows × cols` matrix, `batch` MVM inputs and `batch` VMM inputs.
fn data(rows: usize, cols: usize, batch: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let w = (0..rows * cols)
        .map(|k| ((k * 7919 % 101) as f64 - 50.0) / 50.0)
        .collect();
    let x = (0..batch * cols)
        .map(|k| ((k * 31 % 23) as f64 - 11.0) / 11.0)
        .collect();
    let v = (0..batch * rows).map(|k| ((k * 17 % 19) as f64 - 9.0) / 9.0).collect();
    (w, x, v)
}

fn run() -> Vec<f64> {
    let mut p = Params::default();
    for (k, v) in [
        (
            "xbar.device.read_noise",
            r#"{"enable": true, "model": "NormalProportionalDevice", "magnitude": 0.05}"#,
        ),
        (
            "xbar.device.programming_error",
            r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.02}"#,
        ),
        (
            "xbar.adc.mvm",
            r#"{"model": "QuantizerADC", "bits": 6, "calibrated_range": [-40, 40], "stochastic_rounding": true}"#,
        ),
        ("xbar.dac.mvm", r#"{"model": "SignMagnitudeDAC", "bits": 6}"#),
        ("core.rows_max", "96"),
    ] {
        p.set_json(k, v).unwrap();
    }
    let (rows, cols, batch) = (150, 200, 12);
    let (w, x, v) = data(rows, cols, batch);
    let mut c = Core::new(&p, rows, cols, 2024).unwrap();
    c.program(&w, Layout::RowMajor).unwrap();
    let mut out = Vec::new();
    for _ in 0..3 {
        let mut y = vec![0.0; batch * rows];
        c.mvm(&x, batch, &mut y).unwrap();
        out.extend(y);
        let mut yv = vec![0.0; batch * cols];
        c.vmm(&v, batch, &mut yv).unwrap();
        out.extend(yv);
    }
    out
}

/// Batched reads of static matrices (GEMMs over blocks of 256 outputs) in
/// both storage precisions, balanced and bit-sliced, large enough to run in
/// parallel (several blocks, over 2^18 multiply-adds).
fn run_static() -> Vec<f64> {
    let (rows, cols, batch) = (300, 260, 16);
    let (w, x, v) = data(rows, cols, batch);
    let mut out = Vec::new();
    for (style, precision) in [
        ("BALANCED", "float32"),
        ("BALANCED", "float64"),
        ("BITSLICED", "float32"),
    ] {
        let mut p = Params::default();
        p.set_json("core.style", &format!("\"{style}\"")).unwrap();
        p.set_json("core.weight_bits", "8").unwrap();
        p.set_json("simulation.conductance_precision", &format!("\"{precision}\""))
            .unwrap();
        p.set_json(
            "xbar.device.programming_error",
            r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.02}"#,
        )
        .unwrap();
        let mut c = Core::new(&p, rows, cols, 7).unwrap();
        c.program(&w, Layout::RowMajor).unwrap();
        let mut y = vec![0.0; batch * rows];
        c.mvm(&x, batch, &mut y).unwrap();
        out.extend(y);
        let mut yv = vec![0.0; batch * cols];
        c.vmm(&v, batch, &mut yv).unwrap();
        out.extend(yv);
    }
    out
}

#[test]
fn noisy_results_do_not_depend_on_the_thread_count() {
    set_num_threads(1);
    let one = run();
    let one_static = run_static();
    for n in [2, 8] {
        set_num_threads(n);
        let many = run_static();
        assert!(
            one_static.iter().zip(&many).all(|(a, b)| a.to_bits() == b.to_bits()),
            "static reads: {n} threads differ from 1 thread"
        );
        let many = run();
        assert!(
            one.iter().zip(&many).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{n} threads differ from 1 thread"
        );
    }
    set_num_threads(0);
}
