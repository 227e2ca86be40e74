//! The in-situ update `W += lr·Σ_b d_b ⊗ x_b` through the device update models.

use xbar::{Core, Error, Layout, Params};

const ROWS: usize = 6;
const COLS: usize = 8;

fn w0() -> Vec<f64> {
    (0..ROWS * COLS).map(|k| ((k * 5 % 9) as f64 - 4.0) / 8.0).collect()
}

fn params(style: &str, update: &str) -> Params {
    let mut p = Params::default();
    // Exact update arithmetic is checked to 1e-12: conductances in double precision.
    p.simulation.conductance_precision = xbar::params::ConductancePrecision::Float64;
    p.set_json("core.style", &format!("\"{style}\"")).unwrap();
    // A fixed weight range so that the mapping does not depend on the data.
    p.set_json("core.mapping.weights", r#"{"percentile": null, "min": -1, "max": 1}"#)
        .unwrap();
    p.set_json("xbar.device.update", update).unwrap();
    p
}

fn read(c: &Core) -> Vec<f64> {
    let mut r = vec![0.0; ROWS * COLS];
    c.read(&mut r, Layout::RowMajor).unwrap();
    r
}

fn sample(batch: usize) -> (Vec<f64>, Vec<f64>) {
    let x = (0..batch * COLS).map(|k| ((k * 7 % 5) as f64 - 2.0) / 4.0).collect();
    let d = (0..batch * ROWS).map(|k| ((k * 3 % 7) as f64 - 3.0) / 6.0).collect();
    (x, d)
}

fn expected(w: &[f64], x: &[f64], d: &[f64], batch: usize, lr: f64) -> Vec<f64> {
    let mut out = w.to_vec();
    for b in 0..batch {
        for i in 0..ROWS {
            for j in 0..COLS {
                out[i * COLS + j] += lr * d[b * ROWS + i] * x[b * COLS + j];
            }
        }
    }
    out
}

/// The ideal model applies ΔW exactly (up to rounding: 1e-12), on balanced and
/// offset cores, per sample or accumulated.
#[test]
fn ideal_update_reproduces_the_outer_product() {
    for style in ["BALANCED", "OFFSET"] {
        for mode in ["per_sample", "accumulate"] {
            let mut p = params(style, &format!(r#"{{"model": "Ideal", "batch_mode": "{mode}"}}"#));
            // Dyadic weights on an infinite on/off ratio are exact in single precision;
            // TWO_SIDED keeps both devices mid-range, so neither clips at Gmin
            // (a ONE_SIDED device at Gmin cannot move lower: a real limit).
            p.xbar.device.infinite_on_off_ratio = true;
            p.core.balanced.style = xbar::params::BalancedStyle::TwoSided;
            let mut c = Core::new(&p, ROWS, COLS, 1).unwrap();
            c.program(&w0(), Layout::RowMajor).unwrap();
            let before = read(&c);
            let (x, d) = sample(3);
            c.update(&x, &d, 3, 0.05).unwrap();
            let want = expected(&before, &x, &d, 3, 0.05);
            for (g, w) in read(&c).iter().zip(&want) {
                assert!((g - w).abs() < 1e-12, "{style} {mode}: {g} vs {w}");
            }
            // The MVM sees the new weights.
            let xv: Vec<f64> = (0..COLS).map(|j| (j as f64 - 3.0) / 4.0).collect();
            let mut y = vec![0.0; ROWS];
            c.mvm(&xv, 1, &mut y).unwrap();
            for i in 0..ROWS {
                let e: f64 = (0..COLS).map(|j| want[i * COLS + j] * xv[j]).sum();
                assert!((y[i] - e).abs() < 1e-9, "{style} {mode}: y {} vs {e}", y[i]);
            }
        }
    }
}

/// Weights saturate at the edges of the conductance window.
#[test]
fn updates_clip_at_the_window() {
    let p = params("BALANCED", r#"{"model": "Ideal"}"#);
    let mut c = Core::new(&p, ROWS, COLS, 1).unwrap();
    c.program(&w0(), Layout::RowMajor).unwrap();
    let x = vec![1.0; COLS];
    let d = vec![1.0; ROWS];
    c.update(&x, &d, 1, 10.0).unwrap();
    assert!(read(&c).iter().all(|&w| (w - 1.0).abs() < 1e-12), "{:?}", read(&c));
}

/// CrossSim 2's asymmetric nonlinearity: equal and opposite requests do not
/// cancel, and alternating ± updates drift every weight toward the symmetry
/// point where potentiation and depression steps are equal.
#[test]
fn asymmetric_nonlinearity_drifts_toward_the_symmetry_point() {
    let p = params("OFFSET", r#"{"model": "Analytic", "alpha": 3.0}"#);
    let mut c = Core::new(&p, 1, 2, 1).unwrap();
    c.program(&[0.9, -0.9], Layout::RowMajor).unwrap();
    for _ in 0..400 {
        c.update(&[1.0, 1.0], &[1.0], 1, 0.02).unwrap();
        c.update(&[1.0, 1.0], &[-1.0], 1, 0.02).unwrap();
    }
    let mut r = vec![0.0f64; 2];
    c.read(&mut r, Layout::RowMajor).unwrap();
    // Both start far apart and end at the same fixed point.
    assert!((r[0] - r[1]).abs() < 0.02, "{r:?}");
}

/// Write noise: the spread of the applied change grows as sqrt(|Δ|).
#[test]
fn write_noise_scales_with_the_step() {
    let spread = |lr: f64| {
        let n = 64;
        let p = params("OFFSET", r#"{"model": "Analytic", "write_noise": 0.05}"#);
        let mut c = Core::new(&p, n, n, 3).unwrap();
        c.program(&vec![0.0; n * n], Layout::RowMajor).unwrap();
        let mut before = vec![0.0; n * n];
        c.read(&mut before, Layout::RowMajor).unwrap();
        c.update(&vec![1.0; n], &vec![1.0; n], 1, lr).unwrap();
        let mut after = vec![0.0; n * n];
        c.read(&mut after, Layout::RowMajor).unwrap();
        let dw: Vec<f64> = after.iter().zip(&before).map(|(a, b)| a - b - lr).collect();
        (dw.iter().map(|v| v * v).sum::<f64>() / dw.len() as f64).sqrt()
    };
    // 4096 samples per step size: the ratio of two sample stds is within 5 %
    // of sqrt(4) = 2 with overwhelming probability (each has 1.1 % rel. s.e.).
    let ratio = spread(0.08) / spread(0.02);
    assert!((ratio - 2.0).abs() < 0.1, "ratio {ratio}");
}

#[test]
fn bad_updates_are_refused_and_leave_the_core_unchanged() {
    let p = params("BALANCED", r#"{"model": "Ideal"}"#);
    let mut c = Core::new(&p, ROWS, COLS, 1).unwrap();
    let (x, d) = sample(1);
    assert!(matches!(c.update(&x, &d, 1, 0.1), Err(Error::NotProgrammed(_))));
    c.program(&w0(), Layout::RowMajor).unwrap();
    let before = read(&c);
    assert!(matches!(c.update(&x, &d, 1, -0.1), Err(Error::InvalidArgument(_))));
    assert!(matches!(c.update(&x, &d, 1, f64::NAN), Err(Error::InvalidArgument(_))));
    assert!(matches!(c.update(&x[..3], &d, 1, 0.1), Err(Error::Shape(_))));
    assert_eq!(read(&c), before);
    let mut b = params("BITSLICED", r#"{"model": "Ideal"}"#);
    b.core.weight_bits = 8;
    let mut c = Core::new(&b, ROWS, COLS, 1).unwrap();
    c.program(&w0(), Layout::RowMajor).unwrap();
    assert!(matches!(c.update(&x, &d, 1, 0.1), Err(Error::Unsupported(_))));
}

/// Updates work after drift: `set_time` then `update`, and `set_time` after an
/// update starts from the updated weights.
#[test]
fn update_and_drift_compose() {
    let mut p = params("BALANCED", r#"{"model": "Ideal"}"#);
    p.xbar.device.infinite_on_off_ratio = true;
    p.set_json("xbar.device.drift_error", r#"{"enable": true, "model": "PCMLike"}"#)
        .unwrap();
    let mut c = Core::new(&p, ROWS, COLS, 1).unwrap();
    c.program(&w0(), Layout::RowMajor).unwrap();
    c.set_time(3600.0).unwrap();
    let (x, d) = sample(2);
    c.update(&x, &d, 2, 0.01).unwrap();
    let updated = read(&c);
    c.set_time(0.0).unwrap();
    let re = read(&c);
    // Re-derived from the updated weights: close to them (programming noise of PCMLike applies).
    let max_diff = updated.iter().zip(&re).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(max_diff < 0.2, "{max_diff}");
}

/// Writes run in parallel by rows (per sample) or chunks of cells
/// (accumulated batches), with each part's write-noise draws made in one pass:
/// the result is the same, bit for bit, at any thread count.
#[test]
fn noisy_writes_are_bit_identical_at_any_thread_count() {
    // 160 x 150 cells: above the size from which a write runs in parallel.
    let (rows, cols) = (160, 150);
    let run = |threads: usize, mode: &str, batch: usize| {
        xbar::set_num_threads(threads);
        let p = params(
            "BALANCED",
            &format!(r#"{{"model": "Analytic", "alpha": 2, "write_noise": 0.05, "batch_mode": "{mode}"}}"#),
        );
        let mut c = Core::new(&p, rows, cols, 9).unwrap();
        let w: Vec<f64> = (0..rows * cols).map(|k| ((k * 7 % 17) as f64 - 8.0) / 10.0).collect();
        c.program(&w, Layout::RowMajor).unwrap();
        let x: Vec<f64> = (0..batch * cols).map(|k| ((k * 5 % 13) as f64 - 6.0) / 6.0).collect();
        let d: Vec<f64> = (0..batch * rows).map(|k| ((k * 3 % 11) as f64 - 5.0) / 5.0).collect();
        for _ in 0..3 {
            c.update(&x, &d, batch, 0.05).unwrap();
        }
        let mut r = vec![0.0; rows * cols];
        c.read(&mut r, Layout::RowMajor).unwrap();
        (w, r)
    };
    for (mode, batch) in [("per_sample", 1), ("accumulate", 4)] {
        let (w, one) = run(1, mode, batch);
        let (_, three) = run(3, mode, batch);
        xbar::set_num_threads(0);
        let moved = one.iter().zip(&w).filter(|(a, b)| a != b).count();
        assert!(moved > rows * cols / 2, "{mode}: only {moved} weights moved");
        assert!(
            one.iter().zip(&three).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{mode}: 1 and 3 threads differ"
        );
    }
}

/// `devices` small synthetic devices (41 × 41 uniform tables), one per cell.
fn synthetic_lut(
    devices: usize,
    options: &xbar::lut::LutOptions,
) -> xbar::internals::device::update::lookup_table::LutUpdate {
    use xbar::internals::device::update::lookup_table::{format::TableFile, LookupTableModel};
    let n = 41;
    let g: Vec<f64> = (0..n).map(|j| 1e-5 + 9e-5 * j as f64 / (n - 1) as f64).collect();
    let cdf: Vec<f64> = (0..n).map(|k| k as f64 / (n - 1) as f64).collect();
    let mut pairs = Vec::new();
    let mut names = Vec::new();
    for dev in 1..=devices {
        let (mut inc, mut dec) = (Vec::new(), Vec::new());
        for c in &cdf {
            for j in 0..n {
                let x = j as f64 / (n - 1) as f64;
                inc.push(dev as f64 * 1e-6 * (1.0 - 0.6 * x) * (0.5 + c * c));
                dec.push(-(dev as f64) * 1e-6 * (0.4 + 0.6 * x) * (1.5 - c));
            }
        }
        let file = |dg| TableFile {
            g: g.clone(),
            cdf: cdf.clone(),
            dg,
        };
        pairs.push((file(inc), file(dec)));
        names.push((format!("inc{dev}"), format!("dec{dev}")));
    }
    let m = LookupTableModel::from_tables(&pairs, &names, options).unwrap();
    std::sync::Arc::new(m).bind(0.1, 5)
}

/// A whole write (each model's vectorised pass over runs of cells, in place
/// in single or double precision) gives, bit for bit, what one `respond` per
/// cell gives (computed in f64, then stored in the array's precision), for
/// every analytic variant, the ideal model and lookup tables; cells asked for
/// nothing keep their value.
#[test]
fn vectorised_writes_equal_one_cell_at_a_time() {
    use xbar::internals::device::update::{model, CellsMut, DeviceUpdate, Request};
    use xbar::internals::rng::{Purpose, Stream};
    use xbar::params::UpdateParams;
    let (rows, cols) = (37, 300);
    let x: Vec<f64> = (0..cols)
        .map(|j| {
            if j % 11 == 0 {
                0.0
            } else {
                ((j * 7 % 23) as f64 - 11.0) / 9.0
            }
        })
        .collect();
    let d: Vec<f64> = (0..rows).map(|i| ((i * 5 % 19) as f64 - 9.0) / 7.0).collect();
    let g0: Vec<f64> = (0..rows * cols)
        .map(|k| 0.1 + 0.9 * ((k * 13 % 101) as f64 / 100.0))
        .collect();
    let mut models: Vec<(String, Box<dyn DeviceUpdate>)> = Vec::new();
    let mut specs = vec![r#"{"model": "Ideal"}"#.to_string()];
    for (alpha, sym) in [(0.0, false), (2.0, false), (1.5, true)] {
        for noise in ["G_INDEPENDENT", "G_PROPORTIONAL", "G_INVERSE"] {
            for sigma in [0.0, 0.05] {
                specs.push(format!(
                    r#"{{"model": "Analytic", "alpha": {alpha}, "symmetric": {sym}, "write_noise": {sigma}, "write_noise_model": "{noise}"}}"#
                ));
            }
        }
    }
    for spec in specs {
        let p: UpdateParams = serde_json::from_str(&spec).unwrap();
        models.push((spec, model(&p, 0.1, 5).unwrap()));
    }
    // The default lookup (one device or several: the flat vectorised pass)
    // and the other options (the general pass).
    use xbar::lut::LutOptions;
    let lut_options = [
        LutOptions::default(),
        LutOptions {
            calibrated: true,
            ..LutOptions::default()
        },
        LutOptions {
            draw: xbar::params::LutDraw::CrossSim2,
            ..LutOptions::default()
        },
        LutOptions {
            freeze_outside_target: true,
            ..LutOptions::default()
        },
    ];
    for (k, o) in lut_options.iter().enumerate() {
        for devices in [1, 3] {
            models.push((
                format!("lookup tables {k}, {devices} devices"),
                Box::new(synthetic_lut(devices, o)),
            ));
        }
    }
    for (name, m) in &models {
        let s = Stream::new(5, 3, Purpose::Update, 9);
        let (scale, lr) = (0.7, 0.05);
        let request = Request::Outer { x: &x, d: &d, lr };
        // One respond per cell from the stored value; the result stored again.
        let one_by_one = |store: fn(f64) -> f64| -> Vec<f64> {
            (0..rows * cols)
                .map(|k| {
                    let dg = scale * (lr * d[k / cols] * x[k % cols]);
                    let g = store(g0[k]);
                    if dg == 0.0 {
                        g
                    } else {
                        store(m.apply(k, g, dg, &s))
                    }
                })
                .collect()
        };
        let mut g64 = g0.clone();
        assert!(m.write(CellsMut::Double(&mut g64), 0, &request, scale, &s));
        let want = one_by_one(|v| v);
        for (k, (a, b)) in g64.iter().zip(&want).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{name} f64 cell {k}: {a} vs {b}");
        }
        let mut g32: Vec<f32> = g0.iter().map(|&v| v as f32).collect();
        assert!(m.write(CellsMut::Single(&mut g32), 0, &request, scale, &s));
        let want = one_by_one(|v| v as f32 as f64);
        for (k, (a, b)) in g32.iter().zip(&want).enumerate() {
            assert_eq!(*a as f64, *b, "{name} f32 cell {k}");
        }
        let moved = g64.iter().zip(&g0).filter(|(a, b)| a != b).count();
        assert!(moved > rows * cols / 2, "{name}: only {moved} cells moved");
    }
}
