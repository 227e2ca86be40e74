//! What counting the cost of reads costs: the same MVM with
//! `xbar.cost.enable` true and false, for
//! - `ideal`: a balanced 512 × 512 core, ideal converters (the cheapest read,
//!   so the largest relative overhead), batch 1 and 64;
//! - `isaac`: ISAAC's dataflow on 128 × 128 (8 offset weight slices, 16
//!   one-bit input slices, an 8-bit ADC per input bit), batch 1 and 16.
//!
//! Before the criterion groups, a quick timing (best of 25 rounds) prints,
//! per case, the time of counting alone (`Core::cost_replay`: the read's
//! input scaling, DAC and counting without the array read, less the same
//! without counting) as a share of the uncounted MVM, the counted and
//! uncounted MVMs, and the energy per vector at batch 1 and at the larger
//! batch (equal for ISAAC's fixed laws: energy is linear in the batch).
//! The counted/uncounted pair differs by a few per cent either way on a
//! shared machine; the counting-alone share is the stable measure.
//!
//! Run: `cargo bench --bench cost -- --warm-up-time 1 --measurement-time 3`.
//! `cargo test --all-targets` runs it once, unoptimised, as a smoke test.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Instant;
use xbar::{Core, Layout, Params};

fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
}

/// (name, parameters, size, batches)
fn cases() -> Vec<(&'static str, Params, usize, [usize; 2])> {
    let mut isaac = Params::preset("ISAAC").unwrap();
    for (k, v) in [
        ("core.offset.style", "\"DIGITAL_OFFSET\""),
        ("core.mapping.inputs.mvm", r#"{"min": 0.0, "max": 1.0}"#),
        (
            "xbar.dac.mvm",
            r#"{"model": "QuantizerDAC", "bits": 16, "signed": false, "input_bitslicing": true, "slice_size": 1}"#,
        ),
        ("xbar.adc.mvm", r#"{"model": "QuantizerADC", "bits": 8}"#),
    ] {
        isaac.set_json(k, v).unwrap();
    }
    let mut ideal = Params::default();
    ideal.set_json("xbar.cost.array.law", "\"cells\"").unwrap();
    vec![("ideal", ideal, 512, [1, 64]), ("isaac", isaac, 128, [1, 16])]
}

fn core(p: &Params, n: usize, enable: bool) -> Core {
    let mut p = p.clone();
    p.xbar.cost.enable = enable;
    let mut c = Core::new(&p, n, n, 1).unwrap();
    c.program(&data(n * n, 0.3), Layout::RowMajor).unwrap();
    c
}

fn inputs(n: usize, batch: usize) -> Vec<f64> {
    data(n * batch, 1.1).iter().map(|v| v.abs()).collect()
}

/// Rounds of the quick timing: the machine may be shared, so the best of
/// many (one in an unoptimised smoke run).
const ROUNDS: usize = if cfg!(debug_assertions) { 1 } else { 25 };

/// Best time (s) per call of `reps` calls of `f`, over [`ROUNDS`] rounds.
fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t = f64::MAX;
    for _ in 0..ROUNDS {
        let s = Instant::now();
        for _ in 0..reps {
            f();
        }
        t = t.min(s.elapsed().as_secs_f64() / reps as f64);
    }
    t
}

/// The counting's share of an MVM: the time of counting alone (a replay of
/// the read's input scaling, DAC and counting, less the same replay without
/// counting: `Core::cost_replay`) over that of the uncounted MVM, and the
/// counted against the uncounted MVM (noisier: two full reads). Energy per
/// vector at both batches.
fn summary() {
    for (name, p, n, batches) in cases() {
        let (mut on, mut off) = (core(&p, n, true), core(&p, n, false));
        let mut per_vector = Vec::new();
        for batch in batches {
            let x = inputs(n, batch);
            let mut y = vec![0.0; n * batch];
            let reps = if cfg!(debug_assertions) {
                1
            } else {
                (256 / batch).max(4)
            };
            let t_off = best(reps, || off.mvm(&x, batch, &mut y).unwrap());
            let t_replay = best(reps, || {
                black_box(on.cost_replay(&x, batch, true).unwrap());
            });
            let t_dac = best(reps, || {
                black_box(on.cost_replay(&x, batch, false).unwrap());
            });
            let t_count = (t_replay - t_dac).max(0.0);
            let t_on = best(reps, || on.mvm(&x, batch, &mut y).unwrap());
            on.reset_cost();
            on.mvm(&x, batch, &mut y).unwrap();
            let e = on.cost_energy().0.total / batch as f64;
            per_vector.push(e);
            println!(
                "cost {name} {n}x{n} batch {batch}: MVM uncounted {:.3} ms, counted {:.3} ms; counting alone {:.4} ms = {:.2} % of the MVM; {:.4e} J per vector",
                t_off * 1e3,
                t_on * 1e3,
                t_count * 1e3,
                t_count / t_off * 100.0,
                e
            );
        }
        // The inputs differ between the two batches; the ideal case's array
        // term depends on them, ISAAC's fixed laws do not.
        if name == "isaac" {
            assert!((per_vector[0] - per_vector[1]).abs() <= 1e-12 * per_vector[0]);
        }
    }
}

fn bench(c: &mut Criterion) {
    summary();
    let mut g = c.benchmark_group("cost");
    for (name, p, n, batches) in cases() {
        for batch in batches {
            let x = inputs(n, batch);
            let mut y = vec![0.0; n * batch];
            for enable in [true, false] {
                let mut core = core(&p, n, enable);
                let id = format!(
                    "{name}_{n}_batch{batch}_{}",
                    if enable { "counted" } else { "uncounted" }
                );
                g.bench_function(BenchmarkId::from_parameter(id), |b| {
                    b.iter(|| core.mvm(black_box(&x), batch, &mut y).unwrap())
                });
            }
            let mut core = core(&p, n, true);
            for count in [true, false] {
                let id = format!(
                    "{name}_{n}_batch{batch}_{}",
                    if count { "replay_counted" } else { "replay_dac_only" }
                );
                g.bench_function(BenchmarkId::from_parameter(id), |b| {
                    b.iter(|| core.cost_replay(black_box(&x), batch, count).unwrap())
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
