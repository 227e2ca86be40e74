//! In-situ training of a small MLP (64-32-10, the digits example's network
//! and data) on xbar cores, with each update model: every minibatch runs
//! forward through the cores (MVM), the errors back through the second core
//! (VMM), and both cores receive the outer-product update `W += lr Σ d ⊗ x`
//! through the device update model, one write per sample. Printed: the test
//! accuracy after each epoch for floating-point training (the reference,
//! same initial weights and minibatch order) and for the ideal, analytic,
//! lookup-table and pulsed SoftBounds devices.
//!
//! The ideal model must reach the floating-point accuracy: the example fails
//! (exit status 1) when its final accuracy is more than `MARGIN` percentage
//! points below.
//!
//! The lookup-table row needs nothing beside the repository: at start-up the
//! example simulates pulse trains of a soft-bounds device (see [`pulse_trains`])
//! and turns them into a table with xbar's own table builder (the Rust side
//! of `xbar_lut_from_pulse_trains`), written to a temporary folder and loaded
//! like measured tables. CrossSim's measured TaOx tables give one more row when
//! present (`../shared/data/lookup_tables/TaOx_all`, three devices assigned per
//! cell, or the folder `XBAR_TAOX_DIR` names); without them that row is
//! skipped with a message.
//!
//! Run: `cargo run --release --example train [-- --epochs N]` (default 8).

// The digits example's modules, shared rather than copied (their other items serve that example).
#[allow(dead_code)]
#[path = "digits/analog.rs"]
mod analog;
#[path = "digits/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "digits/insitu.rs"]
mod insitu;
#[allow(dead_code)]
#[path = "digits/mlp.rs"]
mod mlp;
#[path = "digits/random.rs"]
mod random;

use analog::Analog;
use mlp::{Dense, Mlp};
use random::Rng;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use xbar::lut::pulse_trains::{self, PulseTrainOptions};
use xbar::Params;

/// Largest shortfall of the ideal model's final accuracy below floating
/// point (percentage points): a few test images of 450, the effect of the
/// weight clip at ±1 and of single-precision conductances.
const MARGIN: f64 = 1.5;

/// Where the measured TaOx lookup tables are looked for: `XBAR_TAOX_DIR`, or
/// `../shared/data/lookup_tables/TaOx_all` beside the repository.
fn taox_dir() -> PathBuf {
    std::env::var_os("XBAR_TAOX_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/lookup_tables/TaOx_all"))
}

/// Pulse trains of a simulated soft-bounds device, the input of a lookup
/// table: `(set, reset)`, each a list of ramps, a ramp being the conductance
/// (S) after each of a run of identical pulses. Every pulse moves the
/// conductance by a step proportional to its distance from the bound it
/// approaches, with cycle-to-cycle noise:
///
/// - SET (potentiation): `G ← G + α_set · (G_max − G) · (1 + σ ξ)`
/// - RESET (depression): `G ← G − α_reset · (G − G_min) · (1 + σ ξ)`
///
/// with `ξ ~ N(0, 1)` drawn per pulse, `G_min` = 10 µS, `G_max` = 50 µS,
/// `α_set` = 0.02, `α_reset` = 0.03 (depression is steeper: an asymmetric
/// device), `σ` = 0.3, 16 ramps of 300 pulses each way, each ramp starting at
/// its bound. A step is thus 0.8 µS (2 % of the range) near the far bound and
/// shrinks towards the near one: the nonlinearity that makes in-situ training
/// on such devices lose accuracy.
fn soft_bounds_pulse_trains(seed: u64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    const G_MIN: f64 = 10e-6;
    const G_MAX: f64 = 50e-6;
    const A_SET: f64 = 0.02;
    const A_RESET: f64 = 0.03;
    const SIGMA: f64 = 0.3;
    const RAMPS: usize = 16;
    const PULSES: usize = 300;
    let mut rng = Rng::new(seed);
    // Standard normal from two uniforms (Box-Muller; 1 - u is in (0, 1]).
    let mut normal = move || {
        let (u, v) = (1.0 - rng.uniform(), rng.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let mut ramp = |start: f64, step: &dyn Fn(f64) -> f64| {
        let mut g = start;
        let mut r = vec![g];
        for _ in 0..PULSES {
            g = (g + step(g) * (1.0 + SIGMA * normal())).clamp(G_MIN, G_MAX);
            r.push(g);
        }
        r
    };
    let set = (0..RAMPS).map(|_| ramp(G_MIN, &|g| A_SET * (G_MAX - g))).collect();
    let reset = (0..RAMPS).map(|_| ramp(G_MAX, &|g| -A_RESET * (g - G_MIN))).collect();
    (set, reset)
}

/// Builds the soft-bounds device's table into `dir` (CrossSim 2's format,
/// `dG_increasing.txt` / `dG_decreasing.txt`, the builder's default 501 × 501 grid).
fn generated_table(dir: &Path) -> xbar::Result<()> {
    let (set, reset) = soft_bounds_pulse_trains(5);
    let (inc, dec) = pulse_trains::build(&set, &reset, &PulseTrainOptions::default())?;
    pulse_trains::write_pair(dir, &inc, &dec)
}

/// `init` programmed on two cores with the update section `update`: weights
/// in [-w_range, w_range] (clipped), TWO_SIDED balanced pairs (both devices of
/// a weight mid-range, so that each can move both ways), ideal periphery.
fn cores(init: &Mlp<Dense>, s: &insitu::Settings, update: &str) -> xbar::Result<Mlp<Analog>> {
    let mut p = Params::default();
    p.set_json("xbar.device.update", update)?;
    p.set_json("core.balanced.style", r#""TWO_SIDED""#)?;
    p.set_json(
        "core.mapping.weights",
        &format!(
            r#"{{"clipping": true, "min": {}, "max": {}, "percentile": null}}"#,
            -s.w_range, s.w_range
        ),
    )?;
    insitu::program(init, &p, s.seed)
}

fn epochs() -> Result<usize, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(8),
        [flag, n] if flag == "--epochs" => n.parse().map_err(|e| format!("--epochs {n}: {e}")),
        _ => Err("usage: train [--epochs N]".into()),
    }
}

fn run() -> Result<bool, String> {
    let start = Instant::now();
    let s = insitu::Settings {
        epochs: epochs()?,
        batch: 16,
        lr: 0.1,
        w_range: 1.0,
        seed: 11,
    };
    let (train, test) = data::split(&data::load()?, 0.25, 2024);
    let mut rng = Rng::new(7);
    let init = Mlp {
        l1: Dense::init(32, data::PIXELS, &mut rng),
        b1: vec![0.0; 32],
        l2: Dense::init(data::CLASSES, 32, &mut rng),
        b2: vec![0.0; data::CLASSES],
    };
    println!(
        "64-32-10 MLP on the digits ({} training / {} test images), batch {}, lr {} / (1 + epoch/4); test accuracy (%) per epoch",
        train.len(),
        test.len(),
        s.batch,
        s.lr
    );
    let mut variants: Vec<(&str, Option<String>)> = vec![
        ("float64", None),
        ("Ideal", Some(r#"{"model": "Ideal"}"#.into())),
        (
            "Analytic (alpha 1, write noise 0.01)",
            Some(r#"{"model": "Analytic", "alpha": 1.0, "write_noise": 0.01}"#.into()),
        ),
    ];
    // The generated table lives in a temporary folder for the length of the run.
    let lut_dir = std::env::temp_dir().join(format!("xbar-train-lut-{}", std::process::id()));
    let t = Instant::now();
    generated_table(&lut_dir).map_err(|e| format!("building the soft-bounds table: {e}"))?;
    println!(
        "LookupTable soft-bounds: table built from simulated pulse trains in {:.1} s ({})",
        t.elapsed().as_secs_f64(),
        lut_dir.display()
    );
    variants.push((
        "LookupTable soft-bounds (generated)",
        Some(format!(
            r#"{{"model": "LookupTable", "lut_dir": {:?}}}"#,
            lut_dir.display().to_string()
        )),
    ));
    match Some(taox_dir()).filter(|d| d.is_dir()) {
        Some(dir) => variants.push((
            "LookupTable TaOx",
            Some(format!(
                r#"{{"model": "LookupTable", "lut_dir": {:?}}}"#,
                dir.display().to_string()
            )),
        )),
        None => println!(
            "LookupTable TaOx: skipped (no measured tables at {}; optional, set XBAR_TAOX_DIR)",
            taox_dir().display()
        ),
    }
    variants.push((
        "Pulsed SoftBounds",
        Some(r#"{"model": "Pulsed", "pulsed": {"device": "SoftBounds"}}"#.into()),
    ));
    let result = train_all(&variants, &init, &train, &test, &s);
    // The table was only needed while the cores were made.
    let _ = std::fs::remove_dir_all(&lut_dir);
    let finals = result?;
    let (float, ideal) = (finals[0], finals[1]);
    let ok = ideal >= float - MARGIN;
    println!(
        "ideal model {ideal:.1} % vs floating point {float:.1} %: {} (margin {MARGIN} points); {:.1} s in all",
        if ok { "reached" } else { "NOT reached" },
        start.elapsed().as_secs_f64()
    );
    Ok(ok)
}

/// Trains a copy of `init` with each update model of `variants` (None: floating
/// point), printing each accuracy curve; returns the final accuracies (%).
fn train_all(
    variants: &[(&str, Option<String>)],
    init: &Mlp<Dense>,
    train: &data::Set,
    test: &data::Set,
    s: &insitu::Settings,
) -> Result<Vec<f64>, String> {
    let mut finals = Vec::new();
    for (name, update) in variants {
        let t = Instant::now();
        let curve = match update {
            None => {
                let float = Mlp {
                    l1: init.l1.clone(),
                    b1: init.b1.clone(),
                    l2: init.l2.clone(),
                    b2: init.b2.clone(),
                };
                insitu::train_curve(float, train, test, s, &mut || {})
            }
            Some(u) => cores(init, s, u).and_then(|net| insitu::train_curve(net, train, test, s, &mut || {})),
        }
        .map_err(|e| format!("{name}: {e}"))?;
        let line: Vec<String> = curve.iter().map(|a| format!("{a:5.1}")).collect();
        println!("{name:<38} {}   ({:.1} s)", line.join(" "), t.elapsed().as_secs_f64());
        finals.push(*curve.last().unwrap_or(&0.0));
    }
    Ok(finals)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("train: {e}");
            ExitCode::FAILURE
        }
    }
}
