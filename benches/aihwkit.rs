//! The cost of aihwkit's tile periphery: the forward pipeline of the
//! "aihwkit-inference" preset (7-bit DAC with noise management, output
//! noise, 9-bit ADC with iterative bound management, tiles of 512 × 512)
//! against xbar's own read of the same matrix with an 8-bit sign-magnitude
//! DAC and an 8-bit quantizer ADC calibrated to ±√n (the `s_dac_adc` case of
//! `benches/static_mvm.rs`, with its programming error), at 1024², batch 256.
//!
//! `cargo test --all-targets` runs both once as a smoke test at 64², batch 8.
//!
//! Run: `cargo bench --bench aihwkit -- --warm-up-time 1 --measurement-time 3`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use xbar::{Core, Layout, Params};

/// The values of `benches/static_mvm.rs` (weights and inputs in [-1, 1]).
fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
}

/// `n` independent uniform values in `±scale` (splitmix64 of the index and `seed`).
fn uniform(n: usize, seed: u64, scale: f64) -> Vec<f64> {
    (0..n as u64)
        .map(|k| {
            let mut z = k.wrapping_add(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
        })
        .collect()
}

/// The parameters of case `name` for an `n`-input matrix.
fn config(name: &str, n: usize) -> Params {
    match name {
        "aihwkit_inference" => Params::preset("aihwkit-inference").unwrap(),
        "xbar_dac8_adc8" => {
            let range = (n as f64).sqrt();
            Params::from_json(&format!(
                r#"{{"xbar": {{
                "dac": {{"mvm": {{"model": "SignMagnitudeDAC", "bits": 8}}}},
                "adc": {{"mvm": {{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-{range}, {range}]}}}},
                "device": {{"programming_error": {{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}}}}}}}}"#
            ))
            .unwrap()
        }
        _ => unreachable!("case {name}"),
    }
}

fn bench_aihwkit(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, batch) = if full { (1024, 256) } else { (64, 8) };
    let matrices = [
        ("random", uniform(n * n, 1, 0.1), uniform(n * batch, 1 << 40, 1.0)),
        ("static_mvm", data(n * n, 0.3), data(n * batch, 1.1)),
    ];
    let mut group = c.benchmark_group("aihwkit");
    group.throughput(Throughput::Elements((n * n * batch) as u64));
    if !full {
        group.sample_size(10);
    }
    for (matrix, w, x) in &matrices {
        for name in ["xbar_dac8_adc8", "aihwkit_inference"] {
            let mut core = Core::new(&config(name, n), n, n, 7).unwrap();
            core.program(w, Layout::RowMajor).unwrap();
            let mut y = vec![0.0; n * batch];
            let id = BenchmarkId::new(name, format!("{matrix}_{n}x{n}_batch{batch}"));
            group.bench_function(id, |b| {
                b.iter(|| {
                    core.mvm(black_box(x), batch, &mut y).unwrap();
                    black_box(&y);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_aihwkit);
criterion_main!(benches);
