//! Batched MVM of static matrices (no per-cell read noise): the workload of a
//! layer's vectors, a convolution's windows, or a sweep over inputs, where a
//! batch is one GEMM (`src/product/gemm.rs`).
//!
//! Configurations (balanced cores unless named; conductances in float32):
//! - `s_ideal`: ideal devices and converters;
//! - `s_dac_adc`: 8-bit sign-magnitude DAC, 8-bit quantizer ADC calibrated to
//!   ±√n, programming error (generic normal, 0.01);
//! - `s_bitsliced`: the same with 8-bit weights in 4 balanced slices, an 8-bit
//!   ADC per slice with range MAX.
//!
//! Sizes 1024² and 4096², batches 1, 64, 256 and 1024. Each configuration is
//! timed as xbar runs it (`gemm`: batches of two or more vectors as GEMMs)
//! and, at 1024², with `simulation.disable_fast_matmul = true` (`in_order`:
//! the one-vector kernels, summing every output in input order), the path
//! every batch took before the GEMM. `benches/crosssim/static_rounds.sh` runs
//! this bench and CrossSim's timing of the same cases in alternating rounds.
//!
//! `cargo test --all-targets` runs every benchmark once as a smoke test,
//! unoptimised, at 64² and batches 1 and 8.
//!
//! Run: `cargo bench --bench static_mvm` (all, about ten minutes) or a filter
//! such as `cargo bench --bench static_mvm -- 1024x1024_batch256`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::cell::OnceCell;
use std::hint::black_box;
use xbar::{Core, Layout, Params};

fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
}

/// The parameters of configuration `name` for an `n`-input array.
fn config(name: &str, n: usize, in_order: bool) -> Params {
    let range = (n as f64).sqrt();
    let json = match name {
        "s_ideal" => "{}".to_string(),
        "s_dac_adc" => format!(
            r#"{{"xbar": {{
                "dac": {{"mvm": {{"model": "SignMagnitudeDAC", "bits": 8}}, "vmm": {{"model": "SignMagnitudeDAC", "bits": 8}}}},
                "adc": {{"mvm": {{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-{range}, {range}]}},
                         "vmm": {{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-{range}, {range}]}}}},
                "device": {{"programming_error": {{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}}}}}}}}"#
        ),
        "s_bitsliced" => r#"{"core": {"style": "BITSLICED", "weight_bits": 8, "bit_sliced": {"num_slices": 4}},
            "xbar": {
                "dac": {"mvm": {"model": "SignMagnitudeDAC", "bits": 8}, "vmm": {"model": "SignMagnitudeDAC", "bits": 8}},
                "adc": {"mvm": {"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"},
                        "vmm": {"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"}},
                "device": {"programming_error": {"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}}}}"#
            .to_string(),
        _ => unreachable!("configuration {name}"),
    };
    let mut p = Params::from_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    p.simulation.disable_fast_matmul = in_order;
    p
}

/// `full` when run by `cargo bench` (which passes `--bench`), else the smoke-test sizes.
fn sizes<T>(full: T, smoke: T) -> T {
    if std::env::args().any(|a| a == "--bench") {
        full
    } else {
        smoke
    }
}

const CONFIGS: [&str; 3] = ["s_ideal", "s_dac_adc", "s_bitsliced"];

fn bench_static(c: &mut Criterion) {
    let cases = sizes(
        vec![
            (1024usize, 1usize),
            (1024, 64),
            (1024, 256),
            (1024, 1024),
            (4096, 1),
            (4096, 64),
            (4096, 256),
            (4096, 1024),
        ],
        vec![(64, 1), (64, 8)],
    );
    for (n, batch) in cases {
        // Made on first use, so that filtered-out groups cost nothing.
        let (w, x) = (OnceCell::new(), OnceCell::new());
        let mut group = c.benchmark_group(format!("{n}x{n}_batch{batch}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements((n * n * batch) as u64));
        for name in CONFIGS {
            let paths: &[(&str, bool)] = if batch > 1 && n <= 1024 {
                &[("gemm", false), ("in_order", true)]
            } else {
                &[("gemm", false)]
            };
            for &(path, in_order) in paths {
                // Programmed at the case's first call, so that filtered-out
                // cases cost nothing, and only then: criterion calls the
                // routine once per sample, and every sample times reads of
                // the same programmed core (as CrossSim's timing reads one
                // core after a first call), not a first read after
                // programming (which builds the pairs' stored differences).
                // The outputs' buffer is kept too (a new one would fault its
                // pages in during the sample's first read).
                let mut state = None;
                group.bench_function(BenchmarkId::new(path, name), |b| {
                    let x = x.get_or_init(|| data(n * batch, 0.7));
                    let (core, y) = state.get_or_insert_with(|| {
                        let w = w.get_or_init(|| data(n * n, 0.1));
                        let mut core = Core::new(&config(name, n, in_order), n, n, 1).expect("core");
                        core.program(w, Layout::RowMajor).expect("program");
                        (core, vec![0.0; n * batch])
                    });
                    b.iter(|| core.mvm(black_box(x), batch, y).expect("mvm"))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, bench_static);
criterion_main!(benches);
