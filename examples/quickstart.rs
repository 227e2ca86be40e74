//! Programs a 256 x 256 matrix on crossbar arrays configured from a CrossSim
//! preset and prints, for several DAC and ADC resolutions, the MVM error
//! against the exact product: `max |y - W x| / max |W x|` over a batch of 64
//! input vectors.
//!
//! With ideal DAC and ADC ("ideal / ideal") the error left is float32
//! arithmetic, not an error of the converters. Conductances are stored as
//! float32 (a balanced core rounds every conductance, and the difference
//! G+ − G− it reads, to single precision, relative step 6e-8, as CrossSim's
//! float32 cores do): that alone gives about 3e-8, the second row, whose
//! sums run in double precision (`simulation.disable_fast_matmul = true`). By
//! default a batch is read as one single-precision GEMM (inputs and sums in
//! float32, relative error about √cols · 6e-8), which gives the first row's
//! 8e-7.
//!
//! Run: `cargo run --release --example quickstart [PRESET]` (default: "default").

use xbar::{Core, Layout, Params};

/// Deterministic test data in [-1, 1] (a smooth, non-periodic pattern).
fn pattern(i: usize, j: usize, seed: f64) -> f64 {
    ((i as f64 * 0.731 + j as f64 * 1.377 + seed).sin() * 1.9).sin()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let preset = std::env::args().nth(1).unwrap_or_else(|| "default".to_string());
    let (rows, cols, batch) = (256, 256, 64);
    let w: Vec<f64> = (0..rows * cols).map(|k| pattern(k / cols, k % cols, 0.3)).collect();
    let x: Vec<f64> = (0..batch * cols).map(|k| pattern(k / cols, k % cols, 2.1)).collect();
    let mut exact = vec![0.0; batch * rows];
    for b in 0..batch {
        for i in 0..rows {
            exact[b * rows + i] = (0..cols).map(|j| w[i * cols + j] * x[b * cols + j]).sum();
        }
    }
    let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));

    println!(
        "xbar {} — preset \"{preset}\", {rows} x {cols} matrix, batch {batch}",
        env!("CARGO_PKG_VERSION")
    );
    println!("{:<10} {:<10} {:>22}", "DAC bits", "ADC bits", "max rel. MVM error");
    // (DAC bits, ADC bits, sums in double precision); 0 bits: an ideal converter.
    let settings = [
        (0, 0, false),
        (0, 0, true),
        (8, 0, false),
        (0, 8, false),
        (8, 8, false),
        (6, 6, false),
        (4, 4, false),
    ];
    for (dac_bits, adc_bits, double_sums) in settings {
        let mut p = Params::preset(&preset)?;
        p.set_json("simulation.disable_fast_matmul", &double_sums.to_string())?;
        p.set_json(
            "xbar.dac.mvm",
            &format!(r#"{{"model": "SignMagnitudeDAC", "bits": {dac_bits}}}"#),
        )?;
        // ADC range in column-current units (Σ G·x, G in units of Gmax): the
        // largest exact output bounds the largest current, so the error below
        // is resolution, not clipping.
        p.set_json(
            "xbar.adc.mvm",
            &format!(
                r#"{{"model": "QuantizerADC", "bits": {adc_bits}, "adc_range_option": "CALIBRATED", "calibrated_range": [{}, {}]}}"#,
                -scale,
                scale
            ),
        )?;
        let mut core = Core::new(&p, rows, cols, 1)?;
        core.program(&w, Layout::RowMajor)?;
        let mut y = vec![0.0; batch * rows];
        core.mvm(&x, batch, &mut y)?;
        let err = y.iter().zip(&exact).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / scale;
        let show = |b: u32| if b == 0 { "ideal".to_string() } else { b.to_string() };
        let note = match (dac_bits, adc_bits, double_sums) {
            (0, 0, false) => "  float32 conductances and single-precision GEMM sums, no converter error",
            (0, 0, true) => "  float32 conductances alone (sums in double precision: disable_fast_matmul)",
            _ => "",
        };
        println!("{:<10} {:<10} {:>22.3e}{note}", show(dac_bits), show(adc_bits), err);
    }
    Ok(())
}
