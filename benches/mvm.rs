//! MVM throughput (matrix elements × vectors per second): a 256 x 256 matrix,
//! batch 16, ideal and with an 8-bit DAC + 8-bit ADC; and the cost of read
//! noise (generic normal, 0.01, a fresh draw per cell and vector) on a
//! 1024 x 1024 matrix, batch 64, against the same MVM without noise.
//! Run: `cargo bench --bench mvm`; compare two commits with
//! `cargo bench --bench mvm -- --save-baseline a` then `-- --baseline a`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use xbar::{Core, Layout, Params};

fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
}

fn bench_mvm(c: &mut Criterion) {
    let (n, batch) = (256usize, 16usize);
    let w = data(n * n, 0.1);
    let x = data(n * batch, 0.7);
    let mut group = c.benchmark_group("mvm_256x256_batch16");
    group.throughput(Throughput::Elements((n * n * batch) as u64));
    let quantised = r#"{"xbar": {"dac": {"mvm": {"model": "SignMagnitudeDAC", "bits": 8}},
        "adc": {"mvm": {"model": "QuantizerADC", "bits": 8, "calibrated_range": [-16, 16]}}}}"#;
    for (name, json) in [("ideal", "{}"), ("dac8_adc8", quantised)] {
        let p = Params::from_json(json).expect("parameters");
        let mut core = Core::new(&p, n, n, 1).expect("core");
        core.program(&w, Layout::RowMajor).expect("program");
        let mut y = vec![0.0; n * batch];
        group.bench_function(name, |b| {
            b.iter(|| core.mvm(black_box(&x), batch, &mut y).expect("mvm"))
        });
    }
    group.finish();
}

fn bench_read_noise(c: &mut Criterion) {
    let (n, batch) = (1024usize, 64usize);
    let w = data(n * n, 0.3);
    let x = data(n * batch, 0.9);
    let mut group = c.benchmark_group("read_noise_1024x1024_batch64");
    group.sample_size(10);
    group.throughput(Throughput::Elements((n * n * batch) as u64));
    let noisy = r#"{"xbar": {"device": {"read_noise": {"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}}}}"#;
    let per_output = r#"{"xbar": {"device": {"read_noise_sampling": "output",
        "read_noise": {"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}}}}"#;
    for (name, json) in [
        ("noiseless", "{}"),
        ("read_noise", noisy),
        ("read_noise_per_output", per_output),
    ] {
        let p = Params::from_json(json).expect("parameters");
        let mut core = Core::new(&p, n, n, 1).expect("core");
        core.program(&w, Layout::RowMajor).expect("program");
        let mut y = vec![0.0; n * batch];
        group.bench_function(name, |b| {
            b.iter(|| core.mvm(black_box(&x), batch, &mut y).expect("mvm"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_mvm, bench_read_noise);
criterion_main!(benches);
