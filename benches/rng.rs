//! The dense random draws behind per-cell read noise and the updates:
//! `Stream::fill_dense` of 2²⁰ standard normals and of 2²⁰ uniforms, one
//! thread (the vector form this CPU has: AVX-512, AVX2 or portable).
//!
//! A noisy balanced MVM draws two normals per weight and vector, so this
//! rate bounds the per-cell read-noise configurations of `benches/mvm.rs`.
//!
//! Run: `cargo bench --bench rng`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use xbar::internals::rng::{Purpose, Stream};

fn dense(c: &mut Criterion) {
    // Unoptimised smoke runs (`cargo test --all-targets`) draw fewer.
    let n = if cfg!(debug_assertions) { 1 << 12 } else { 1 << 20 };
    let stream = Stream::new(7, 1, Purpose::ReadNoise, 3);
    let mut out = vec![0.0; n];
    let mut group = c.benchmark_group("fill_dense");
    group.throughput(Throughput::Elements(n as u64));
    for (name, normal) in [("normal", true), ("uniform", false)] {
        group.bench_function(name, |b| b.iter(|| stream.fill_dense(0, black_box(&mut out), normal)));
    }
    group.finish();
}

criterion_group!(benches, dense);
criterion_main!(benches);
