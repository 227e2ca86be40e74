//! MVM on the GPU backend (`simulation.backend = "cuda"`): the table that
//! `scripts/gpu-check.sh` prints on a machine with a GPU.
//!
//! Configurations (balanced cores, conductances in float32 on the device):
//! - `g_ideal`: ideal devices and converters (at batches above 1 the
//!   products are the device's GEMM kernel, `xbar_gemm_*`: each conductance
//!   is read once per 64 vectors, so its GB/s can exceed the card's);
//! - `g_noisy`: per-cell read noise (generic normal, 0.05), 8-bit
//!   sign-magnitude DAC, 8-bit quantizer ADC calibrated to ±√n;
//! - `g_slices`: 8-bit weights in 4 balanced slices with an 8-bit ADC per
//!   slice (range MAX), 8-bit DAC.
//!
//! Sizes 1024², 4096², 8192² at batches 1, 64, 1024. Criterion's throughput
//! is the conductance bytes a read streams (`rows·cols·4` per vector and
//! array: the noisy kernels re-read every cell for each vector), so its GB/s
//! divided by the card's memory bandwidth is the fraction of peak that
//! scripts/gpu-check.sh reports. Updates (`{n}x{n}_update`: per model, one
//! sample, and an accumulated batch of 64) go through `Core::update`, so
//! they time whichever path the backend takes (docs/gpu.md).
//! - `g_parasitic`: wire resistance (1 Ω segments and terminals, Rmin 1 kΩ)
//!   solved on the device by conjugate gradients, 256² at batch 16 and 1024²
//!   at batch 1, ideal converters: timed per call (its traffic depends on
//!   the steps, so no bandwidth figure).
//!
//! Without a GPU the bench prints one SKIPPED line and times nothing; with
//! `XBAR_GPU_EMULATE=1` it runs the smoke sizes only (64², batches 1 and 8)
//! on the emulated device. `cargo test --all-targets` runs it once as a
//! smoke test.
//!
//! Run (on a GPU machine): `cargo bench --bench gpu`, or a filter such as
//! `cargo bench --bench gpu -- 8192x8192_batch1`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use xbar::{Core, Layout, Params};

#[path = "../tests/support/lut_tables.rs"]
mod lut_tables;

fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
}

/// The parameters of configuration `name` for an `n`-input array, on the GPU.
fn config(name: &str, n: usize) -> Params {
    let range = (n as f64).sqrt();
    let converters = format!(
        r#""dac": {{"mvm": {{"model": "SignMagnitudeDAC", "bits": 8}}, "vmm": {{"model": "SignMagnitudeDAC", "bits": 8}}}},
           "adc": {{"mvm": {{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-{range}, {range}]}},
                    "vmm": {{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-{range}, {range}]}}}}"#
    );
    let json = match name {
        "g_ideal" => "{}".to_string(),
        "g_noisy" => format!(
            r#"{{"xbar": {{{converters},
                "device": {{"read_noise": {{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.05}}}}}}}}"#
        ),
        "g_slices" => r#"{"core": {"style": "BITSLICED", "weight_bits": 8, "bit_sliced": {"num_slices": 4}},
            "xbar": {
                "dac": {"mvm": {"model": "SignMagnitudeDAC", "bits": 8}, "vmm": {"model": "SignMagnitudeDAC", "bits": 8}},
                "adc": {"mvm": {"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"},
                        "vmm": {"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"}}}}"#
            .to_string(),
        _ => unreachable!("configuration {name}"),
    };
    let mut p = Params::from_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    p.set_json("simulation.backend", "\"cuda\"").expect("backend");
    p
}

/// Arrays a read of configuration `name` streams per vector.
fn arrays(name: &str) -> u64 {
    match name {
        "g_slices" => 8,
        _ => 2,
    }
}

fn bench_gpu(c: &mut Criterion) {
    let gpu = match xbar::internals::gpu::Gpu::open(0) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("\n!!!!!!!! SKIPPED: GPU benchmarks (no GPU: {e}) !!!!!!!!\n");
            return;
        }
    };
    let full = std::env::args().any(|a| a == "--bench") && !gpu.emulated;
    eprintln!("GPU: {} ({})", gpu.name, gpu.arch);
    let cases: Vec<(usize, usize)> = if full {
        [1024, 4096, 8192]
            .iter()
            .flat_map(|&n| [1, 64, 1024].map(|b| (n, b)))
            .collect()
    } else {
        vec![(64, 1), (64, 8)]
    };
    for (n, batch) in cases {
        let w = data(n * n, 0.1);
        let x = data(n * batch, 0.7);
        let mut group = c.benchmark_group(format!("{n}x{n}_batch{batch}"));
        group.sample_size(10);
        for name in ["g_ideal", "g_noisy", "g_slices"] {
            group.throughput(Throughput::Bytes((n * n * 4 * batch) as u64 * arrays(name)));
            group.bench_function(BenchmarkId::new("cuda", name), |b| {
                let mut core = Core::new(&config(name, n), n, n, 1).expect("core");
                core.program(&w, Layout::RowMajor).expect("program");
                let mut y = vec![0.0; n * batch];
                b.iter(|| core.mvm(black_box(&x), batch, &mut y).expect("mvm"))
            });
        }
        group.finish();
    }
    // Updates: each write runs on the device where the model has a device
    // form (gpu::update: the arrays are read and written there, x and d go
    // up); timed per model at 1024² (rank-1), on the GPU core.
    let n = if full { 1024 } else { 64 };
    let mut group = c.benchmark_group(format!("{n}x{n}_update"));
    group.sample_size(10);
    group.throughput(Throughput::Bytes((n * n * 4 * 2) as u64));
    for model in ["Ideal", "Analytic", "Pulsed"] {
        group.bench_function(BenchmarkId::new("cuda", model), |b| {
            let mut p = config("g_ideal", n);
            p.set_json("xbar.device.update.model", &format!("\"{model}\""))
                .expect("model");
            let mut core = Core::new(&p, n, n, 1).expect("core");
            core.program(&data(n * n, 0.1), Layout::RowMajor).expect("program");
            let (x, d) = (data(n, 0.3), data(n, 0.9));
            b.iter(|| core.update(black_box(&x), &d, 1, 1e-3).expect("update"))
        });
    }
    // Accumulated batches (`batch_mode = "accumulate"`): the batch's change
    // lr·DᵀX summed digitally, then one write per array; per call of 64
    // samples (8 on the smoke sizes), the same conductance bytes as above.
    let samples = if full { 64 } else { 8 };
    for model in ["Ideal", "Analytic"] {
        group.bench_function(
            BenchmarkId::new("cuda", format!("{model}_accumulate_batch{samples}")),
            |b| {
                let mut p = config("g_ideal", n);
                p.set_json("xbar.device.update.model", &format!("\"{model}\""))
                    .expect("model");
                p.set_json("xbar.device.update.batch_mode", "\"accumulate\"")
                    .expect("batch mode");
                let mut core = Core::new(&p, n, n, 1).expect("core");
                core.program(&data(n * n, 0.1), Layout::RowMajor).expect("program");
                let (x, d) = (data(n * samples, 0.3), data(n * samples, 0.9));
                b.iter(|| core.update(black_box(&x), &d, samples, 1e-3).expect("update"))
            },
        );
    }
    group.finish();
    // Parasitics: wire resistance solved on the device by conjugate
    // gradients (src/gpu/parasitics.rs), ideal converters; timed per call.
    let cases: &[(usize, usize)] = if full { &[(256, 16), (1024, 1)] } else { &[(32, 2)] };
    for &(n, batch) in cases {
        let mut group = c.benchmark_group(format!("{n}x{n}_parasitics_batch{batch}"));
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("cuda", "g_parasitic"), |b| {
            let mut core = Core::new(&parasitic(n), n, n, 1).expect("core");
            core.program(&data(n * n, 0.1), Layout::RowMajor).expect("program");
            let x = data(n * batch, 0.7);
            let mut y = vec![0.0; n * batch];
            b.iter(|| core.mvm(black_box(&x), batch, &mut y).expect("mvm"))
        });
        group.finish();
    }
    // The lookup-table update model (rank-1, per call): one device, and a set
    // of three assigned one per cell, from synthetic tables of 501 × 501
    // points (the size of CrossSim's measured ones; 51 × 51 on the smoke
    // sizes) written to a temporary folder.
    let n = if full { 1024 } else { 64 };
    let dir = lut_tables::lut_tables("bench-gpu", if full { 501 } else { 51 }, 1e-7);
    let mut group = c.benchmark_group(format!("{n}x{n}_update_lut"));
    group.sample_size(10);
    group.throughput(Throughput::Bytes((n * n * 4 * 2) as u64));
    for (name, tables) in [("LookupTable", dir.join("1")), ("LookupTable_3_devices", dir.clone())] {
        group.bench_function(BenchmarkId::new("cuda", name), |b| {
            let mut p = config("g_ideal", n);
            let update = format!(
                r#"{{"model": "LookupTable", "lut_dir": {:?}}}"#,
                tables.display().to_string()
            );
            p.set_json("xbar.device.update", &update).expect("model");
            let mut core = Core::new(&p, n, n, 1).expect("core");
            core.program(&data(n * n, 0.1), Layout::RowMajor).expect("program");
            let (x, d) = (data(n, 0.3), data(n, 0.9));
            b.iter(|| core.update(black_box(&x), &d, 1, 1e-3).expect("update"))
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Configuration `g_parasitic`: ideal devices and converters, 1 Ω per wire
/// segment of rows and columns and 1 Ω terminals (Rmin = 1 kΩ: 1e-3 of a
/// fully-on cell each), input-source arrays, the exact solver.
fn parasitic(n: usize) -> Params {
    let mut p = config("g_ideal", n);
    p.set_json(
        "xbar.array.parasitics",
        r#"{"enable": true, "Rp_row": 1.0, "Rp_col": 1.0, "Rp_row_terminal": 1.0, "Rp_col_terminal": 1.0}"#,
    )
    .expect("parasitics");
    p
}

criterion_group!(benches, bench_gpu);
criterion_main!(benches);
