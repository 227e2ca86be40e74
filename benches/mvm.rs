//! MVM / VMM throughput, in matrix elements × vectors per second, and the cost
//! of programming.
//!
//! Configurations (1024 x 1024 with batch 1 and 256; 4096 x 4096 with batch 1
//! and 64):
//! - `a_ideal`: balanced core, ideal devices and converters;
//! - `b_noisy`: balanced, 8-bit sign-magnitude DAC, 8-bit quantizer ADC calibrated
//!   to ±√n, programming error and read noise (generic normal, 0.01, a fresh
//!   draw per cell and vector);
//! - `b_noisy_per_output`: as `b_noisy` with the read noise drawn per output
//!   (`xbar.device.read_noise_sampling = "output"`, exact in distribution here);
//! - `c_bitsliced`: 8-bit weights in 4 slices, an 8-bit ADC per slice;
//! - `d_input_slicing`: 8-bit DAC applied one bit at a time, an 8-bit ADC per input bit.
//!
//! Conductances are stored in single precision (the default). The batch-1
//! groups also time `stream_f32_conductances`: one pass over the 2n² f32
//! conductances of a balanced core (G+ and G-), the memory traffic of one MVM
//! at the least. At 1024² they (8 MB) stay in the last-level cache between
//! iterations; at 4096² (128 MB) they come from main memory.
//!
//! `read_noise_1024x1024_batch64` compares the noiseless MVM with per-cell and
//! per-output read-noise sampling. `program` times programming 1024² and 4096².
//! With the 4096² noisy batch-64 MVM the bench prints the core's per-cell
//! state (`Core::state_bytes`) and the process's resident memory before and
//! at its peak during the MVMs.
//!
//! `cargo test --all-targets` runs every benchmark once as a smoke test,
//! unoptimised: there the sizes shrink to 64–128 (see [`sizes`]).
//!
//! Run: `cargo bench --bench mvm` (all, several minutes) or a filter such as
//! `cargo bench --bench mvm -- 1024x1024_batch1`. Compare two commits with
//! `-- --save-baseline a` on the first and `-- --baseline a` on the second.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use xbar::{Core, Layout, Params};

fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
}

/// The parameters of configuration `name` for an `n`-input array.
fn config(name: &str, n: usize) -> Params {
    let range = (n as f64).sqrt();
    let sampling = if name == "b_noisy" { "cell" } else { "output" };
    let json = match name {
        "a_ideal" => "{}".to_string(),
        "b_noisy" | "b_noisy_per_output" => format!(
            r#"{{"xbar": {{
                "dac": {{"mvm": {{"model": "SignMagnitudeDAC", "bits": 8}}, "vmm": {{"model": "SignMagnitudeDAC", "bits": 8}}}},
                "adc": {{"mvm": {{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-{range}, {range}]}},
                         "vmm": {{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-{range}, {range}]}}}},
                "device": {{
                    "read_noise_sampling": "{sampling}",
                    "programming_error": {{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}},
                    "read_noise": {{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}}}}}}}}"#
        ),
        "c_bitsliced" => r#"{"core": {"style": "BITSLICED", "weight_bits": 8, "bit_sliced": {"num_slices": 4}},
            "xbar": {"adc": {"mvm": {"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"},
                             "vmm": {"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"}}}}"#
            .to_string(),
        "d_input_slicing" => r#"{"xbar": {
            "dac": {"mvm": {"model": "SignMagnitudeDAC", "bits": 8, "input_bitslicing": true},
                    "vmm": {"model": "SignMagnitudeDAC", "bits": 8, "input_bitslicing": true}},
            "adc": {"mvm": {"model": "QuantizerADC", "bits": 8, "adc_per_ibit": true, "adc_range_option": "MAX"},
                    "vmm": {"model": "QuantizerADC", "bits": 8, "adc_per_ibit": true, "adc_range_option": "MAX"}}}}"#
            .to_string(),
        _ => unreachable!("configuration {name}"),
    };
    Params::from_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `full` when run by `cargo bench` (which passes `--bench`), else the smoke-test sizes.
fn sizes<T>(full: T, smoke: T) -> T {
    if std::env::args().any(|a| a == "--bench") {
        full
    } else {
        smoke
    }
}

const CONFIGS: [&str; 5] = [
    "a_ideal",
    "b_noisy",
    "b_noisy_per_output",
    "c_bitsliced",
    "d_input_slicing",
];

fn bench_products(c: &mut Criterion) {
    for (n, batch) in sizes(
        [(1024usize, 1usize), (1024, 256), (4096, 1), (4096, 64)],
        [(64, 1), (64, 16), (128, 1), (128, 4)],
    ) {
        let w = data(n * n, 0.1);
        let x = data(n * batch, 0.7);
        let mut group = c.benchmark_group(format!("{n}x{n}_batch{batch}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements((n * n * batch) as u64));
        for name in CONFIGS {
            let mut core = Core::new(&config(name, n), n, n, 1).expect("core");
            core.program(&w, Layout::RowMajor).expect("program");
            let mut y = vec![0.0; n * batch];
            let report_memory = std::cell::Cell::new(n == 4096 && batch == 64 && name == "b_noisy");
            group.bench_function(BenchmarkId::new("mvm", name), |b| {
                // The resident-memory peak is reset first, so that it covers the
                // MVMs only (not programming or earlier benchmarks).
                let before = report_memory.get().then(reset_peak_rss);
                b.iter(|| core.mvm(black_box(&x), batch, &mut y).expect("mvm"));
                // Here, so that it is printed only when this benchmark ran (filters skip it).
                if let (true, Some(before)) = (report_memory.replace(false), before) {
                    let peak = rss_kib("VmHWM");
                    eprintln!(
                        "4096² noisy batch-64 MVM: the core holds {} MiB of per-cell state ({} bytes per \
                         weight); resident {} MiB before the MVMs (the bench's own f64 matrix included), \
                         peak {} MiB during them (+{} MiB)",
                        core.state_bytes() >> 20,
                        core.state_bytes() / (n * n),
                        before >> 10,
                        peak >> 10,
                        peak.saturating_sub(before) >> 10
                    );
                }
            });
            group.bench_function(BenchmarkId::new("vmm", name), |b| {
                b.iter(|| core.vmm(black_box(&x), batch, &mut y).expect("vmm"))
            });
        }
        if batch == 1 {
            // The reference of the batch-1 target: reading the 2n² f32 conductances
            // of the balanced core once (summed in xbar's pool, split as the MVM
            // splits its rows).
            let g: Vec<f32> = w.iter().chain(&w).map(|&v| v as f32).collect();
            group.bench_function("stream_f32_conductances", |b| b.iter(|| stream_sum(black_box(&g), n)));
        }
        group.finish();
    }
}

/// Σ of `g` in 16 interleaved partial sums (so the loop runs at memory speed,
/// not at the latency of one addition), one block of 64 rows of `n` values
/// per task in xbar's pool.
fn stream_sum(g: &[f32], n: usize) -> f32 {
    use rayon::prelude::*;
    let block = |c: &[f32]| {
        let mut acc = [0f32; 16];
        for v in c.chunks_exact(16) {
            for (a, x) in acc.iter_mut().zip(v) {
                *a += x;
            }
        }
        acc.iter().sum::<f32>()
    };
    xbar::internals::threads::install(|| g.par_chunks(64 * n).map(block).sum())
}

/// A memory figure of this process from `/proc/self/status` (`VmRSS`,
/// `VmHWM`), in KiB (0 where Linux does not report it).
fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Resets the peak resident set size (`VmHWM`) to the current one (Linux:
/// `5` written to `/proc/self/clear_refs`) and returns it, in KiB.
fn reset_peak_rss() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    rss_kib("VmRSS")
}

fn bench_program(c: &mut Criterion) {
    let mut group = c.benchmark_group("program");
    group.sample_size(10);
    for n in sizes([1024usize, 4096], [64, 128]) {
        let w = data(n * n, 0.3);
        let p = config("a_ideal", n);
        group.throughput(Throughput::Elements((n * n) as u64));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let mut core = Core::new(&p, n, n, 1).expect("core");
                core.program(black_box(&w), Layout::RowMajor).expect("program");
                core
            })
        });
    }
    group.finish();
}

fn bench_read_noise(c: &mut Criterion) {
    let (n, batch) = sizes((1024usize, 64usize), (64, 4));
    let w = data(n * n, 0.3);
    let x = data(n * batch, 0.9);
    let mut group = c.benchmark_group(format!("read_noise_{n}x{n}_batch{batch}"));
    group.sample_size(10);
    group.throughput(Throughput::Elements((n * n * batch) as u64));
    let noise = r#""read_noise": {"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}"#;
    for (name, json) in [
        ("noiseless", "{}".to_string()),
        ("per_cell", format!(r#"{{"xbar": {{"device": {{{noise}}}}}}}"#)),
        (
            "per_output",
            format!(r#"{{"xbar": {{"device": {{"read_noise_sampling": "output", {noise}}}}}}}"#),
        ),
    ] {
        let p = Params::from_json(&json).expect("parameters");
        let mut core = Core::new(&p, n, n, 1).expect("core");
        core.program(&w, Layout::RowMajor).expect("program");
        let mut y = vec![0.0; n * batch];
        group.bench_function(name, |b| {
            b.iter(|| core.mvm(black_box(&x), batch, &mut y).expect("mvm"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_read_noise, bench_program, bench_products);
criterion_main!(benches);
