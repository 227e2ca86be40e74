//! In-situ update throughput (matrix elements per second): one rank-1 update
//! of a 1024 x 1024 balanced core (two devices per weight), for the ideal,
//! the analytic (α = 2, write noise 0.01) and the lookup-table model with a
//! table per cell (three devices: TaOx_all/1–3 from `../shared/data` when
//! present, else three synthetic 501 x 501 devices; `XBAR_BENCH_LUT_DIR`
//! names another table folder), and the pulsed model (SoftBounds with
//! aihwkit's default variations, pulse trains of up to 31 slots).
//! Run: `cargo bench --bench update`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use xbar::device::update::lookup_table::format::TableFile;
use xbar::device::update::lookup_table::pulse_trains::write_pair;
use xbar::{Core, Layout, Params};

fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|k| ((k as f64 * 0.618 + seed).sin() * 1.7).sin()).collect()
}

/// Three synthetic 501 x 501 devices in a temporary folder.
fn synthetic_set() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xbar-bench-lut-{}", std::process::id()));
    let n = 501;
    let g: Vec<f64> = (0..n).map(|j| 1e-5 + 9e-5 * j as f64 / (n - 1) as f64).collect();
    let cdf: Vec<f64> = (0..n).map(|k| k as f64 / (n - 1) as f64).collect();
    for dev in 1..=3 {
        let (mut inc, mut dec) = (Vec::new(), Vec::new());
        for c in &cdf {
            for j in 0..n {
                let x = j as f64 / (n - 1) as f64;
                inc.push(dev as f64 * 1e-6 * (1.0 - 0.6 * x) * (0.5 + c));
                dec.push(-(dev as f64) * 1e-6 * (0.4 + 0.6 * x) * (1.5 - c));
            }
        }
        let inc = TableFile {
            g: g.clone(),
            cdf: cdf.clone(),
            dg: inc,
        };
        let dec = TableFile {
            g: g.clone(),
            cdf: cdf.clone(),
            dg: dec,
        };
        write_pair(&dir.join(dev.to_string()), &inc, &dec).expect("write tables");
    }
    dir
}

fn lut_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XBAR_BENCH_LUT_DIR") {
        return PathBuf::from(d);
    }
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/lookup_tables/TaOx_all");
    if shipped.is_dir() {
        shipped
    } else {
        println!("../shared/data absent: synthetic tables");
        synthetic_set()
    }
}

fn bench_update(c: &mut Criterion) {
    let n = 1024usize;
    let w: Vec<f64> = data(n * n, 0.2).iter().map(|v| 0.5 * v).collect();
    let x = data(n, 0.5);
    let d = data(n, 0.9);
    let neg: Vec<f64> = d.iter().map(|v| -v).collect();
    let mut group = c.benchmark_group("update_1024x1024_balanced");
    group.throughput(Throughput::Elements((n * n) as u64));
    group.sample_size(10);
    let lut = format!(
        r#"{{"model": "LookupTable", "lut_dir": {:?}}}"#,
        lut_dir().display().to_string()
    );
    let models = [
        ("ideal", r#"{"model": "Ideal"}"#.to_string()),
        (
            "analytic",
            r#"{"model": "Analytic", "alpha": 2, "write_noise": 0.01}"#.to_string(),
        ),
        ("lookup_table", lut),
        (
            "pulsed_soft_bounds",
            r#"{"model": "Pulsed", "pulsed": {"device": "SoftBounds"}}"#.to_string(),
        ),
    ];
    for (name, update) in models {
        let mut p = Params::default();
        p.set_json("core.mapping.weights", r#"{"percentile": null, "min": -1, "max": 1}"#)
            .expect("weights");
        p.set_json("xbar.device.update", &update).expect("update model");
        let mut core = Core::new(&p, n, n, 1).expect("core");
        core.program(&w, Layout::RowMajor).expect("program");
        let mut flip = false;
        group.bench_function(name, |b| {
            b.iter(|| {
                flip = !flip;
                let d = if flip { &d } else { &neg };
                core.update(black_box(&x), black_box(d), 1, 0.01).expect("update")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_update);
criterion_main!(benches);
