//! The main job: a small neural network on real data, in floating point and
//! on simulated analog hardware.
//!
//! 1. Loads the UCI optical-digits images (8 x 8 pixels, 1,797 images, shipped
//!    in `examples/data/`) and splits them 75 % / 25 % into training and test sets.
//! 2. Trains a 64-32-10 perceptron (ReLU, softmax) in floating point.
//! 3. Programs both weight matrices onto xbar cores and measures the test
//!    accuracy with ideal periphery, ADC and DAC resolutions, read noise,
//!    device models (SONOS, PCM, RRAM), PCM drift over time with and without
//!    drift compensation, and wire resistance. Stochastic rows are repeated
//!    over core seeds (mean ± standard deviation). Each row also prints the
//!    energy per inference of both layers' reads from the cores' cost reports
//!    (`xbar.cost`: ISAAC's 32 nm components, the arrays costed by their
//!    cells' dissipation, both converters by Walden's law).
//! 4. Trains the network in situ on the cores (forward MVM, backward VMM,
//!    outer-product updates through the analytic update model) and prints the
//!    accuracy per epoch next to floating-point training from the same start.
//! 5. Writes `digits.csv` (every number) and `digits.png` (one panel per
//!    result group: converters, read noise, devices, drift with and without
//!    compensation, wires, accuracy against energy per inference, in-situ
//!    training curves; a caption naming the data,
//!    the network, the preset, the seeds and the error bars) into the output folder.
//!
//! Run: `cargo run --release --example digits [-- --quick | --full] [--out DIR]`
//! (default output folder: `target/digits/`).

mod analog;
mod data;
mod experiments;
mod insitu;
mod mlp;
mod plot;
mod random;

use analog::LayerInfo;
use experiments::{Experiment, Outcome, Sweeps};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlp::{Dense, Layer, Mlp};
use random::Rng;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// How much of everything to run.
struct Preset {
    name: &'static str,
    /// Core seeds per stochastic experiment.
    seeds: usize,
    float_epochs: usize,
    insitu_epochs: usize,
    sweeps: Sweeps,
}

fn preset(name: &str) -> Preset {
    match name {
        "quick" => Preset {
            name: "quick",
            seeds: 2,
            float_epochs: 60,
            insitu_epochs: 2,
            sweeps: Sweeps {
                adc_bits: vec![4, 6, 8],
                dac_bits: vec![4, 6, 8],
                proportional: vec![0.05, 0.2],
                independent: vec![0.02, 0.1],
                wire_ohms: vec![1.0],
            },
        },
        "full" => Preset {
            name: "full",
            seeds: 50,
            float_epochs: 60,
            insitu_epochs: 30,
            sweeps: Sweeps {
                adc_bits: (2..=10).collect(),
                dac_bits: (1..=10).collect(),
                proportional: vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5],
                independent: vec![0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3],
                wire_ohms: vec![0.1, 0.3, 1.0, 3.0],
            },
        },
        _ => Preset {
            name: "default",
            seeds: 10,
            float_epochs: 60,
            insitu_epochs: 15,
            sweeps: Sweeps {
                adc_bits: (4..=8).collect(),
                dac_bits: (4..=8).collect(),
                proportional: vec![0.02, 0.05, 0.1, 0.2, 0.3],
                independent: vec![0.01, 0.02, 0.05, 0.1, 0.2],
                wire_ohms: vec![0.1, 1.0],
            },
        },
    }
}

const USAGE: &str = "usage: digits [--quick | --full] [--out DIR]
  --quick    fewer settings, 2 seeds, 2 in-situ epochs (seconds)
  --full     wider sweeps, 50 seeds, 30 in-situ epochs (under a minute)
  --out DIR  folder for digits.csv and digits.png (default target/digits)";

struct Args {
    preset: Preset,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut name = "default";
    let mut out = PathBuf::from("target/digits");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => name = "quick",
            "--full" => name = "full",
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a folder")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        preset: preset(name),
        out,
    })
}

/// One line of the CSV file.
struct CsvRow {
    group: String,
    setting: String,
    parameter: String,
    value: Option<f64>,
    runs: usize,
    mean: Option<f64>,
    std: Option<f64>,
    status: String,
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn csv(rows: &[CsvRow]) -> String {
    let num = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
    let mut s = String::from("group,setting,parameter,value,runs,accuracy_mean,accuracy_std,status\n");
    for r in rows {
        s += &format!(
            "{},{},{},{},{},{},{},{}\n",
            quote(&r.group),
            quote(&r.setting),
            r.parameter,
            num(r.value),
            r.runs,
            num(r.mean),
            num(r.std),
            quote(&r.status)
        );
    }
    s
}

/// Largest value of a slice (0 for an empty one).
fn max(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().fold(0.0, f64::max)
}

/// What each layer's periphery must cover, from the floating-point network on the training set.
fn calibrate(net: &mut Mlp<Dense>, train: &data::Set) -> [LayerInfo; 2] {
    let n = train.len();
    let mut y1: Vec<f64> = vec![0.0; n * net.hidden()];
    let _ = net.l1.forward(&train.x, n, &mut y1);
    let pass = net.forward(&train.x, n).expect("floating-point layers cannot fail");
    let mut y2: Vec<f64> = vec![0.0; n * data::CLASSES];
    let _ = net.l2.forward(&pass.hidden, n, &mut y2);
    [
        LayerInfo {
            index: 0,
            x_max: max(train.x.iter().copied()),
            y_max: max(y1.iter().map(|v| v.abs())),
            w_max: net.l1.max_abs(),
        },
        LayerInfo {
            index: 1,
            x_max: max(pass.hidden.iter().copied()),
            y_max: max(y2.iter().map(|v| v.abs())),
            w_max: net.l2.max_abs(),
        },
    ]
}

fn progress(len: u64) -> ProgressBar {
    if !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stdout());
    if let Ok(style) = ProgressStyle::with_template("  [{elapsed_precise}] {bar:32} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("digits: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(if e.is_empty() { 0 } else { 2 });
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("digits: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let p = &args.preset;
    let start = Instant::now();
    let all = data::load()?;
    let (train, test) = data::split(&all, 0.25, 2024);

    // ---- floating-point training
    let mut rng = Rng::new(7);
    let hidden = 32;
    let init = Mlp {
        l1: Dense::init(hidden, data::PIXELS, &mut rng),
        b1: vec![0.0; hidden],
        l2: Dense::init(data::CLASSES, hidden, &mut rng),
        b2: vec![0.0; data::CLASSES],
    };
    let mut net = Mlp {
        l1: init.l1.clone(),
        b1: init.b1.clone(),
        l2: init.l2.clone(),
        b2: init.b2.clone(),
    };
    let (batch, lr) = (16, 0.05);
    let mut order = Rng::new(11);
    for _ in 0..p.float_epochs {
        net.epoch(&train, batch, lr, &mut order).map_err(|e| e.to_string())?;
    }
    let float_acc = net.accuracy(&test).map_err(|e| e.to_string())?;
    let t_float = start.elapsed().as_secs_f64();
    let infos = calibrate(&mut net, &train);

    println!(
        "xbar {} — digits: a 64-{hidden}-10 perceptron on the UCI optical digits ({} training / {} test images)",
        env!("CARGO_PKG_VERSION"),
        train.len(),
        test.len()
    );
    println!(
        "preset \"{}\": {} core seeds per stochastic row (mean ± std); biases and ReLU in digital",
        p.name, p.seeds
    );
    println!();
    let header = format!(
        "{:<12} {:<70} {:>4}  {:<18} {}",
        "group", "setting", "runs", "test accuracy (%)", "energy/inference"
    );
    println!("{header}");
    println!("{}", "-".repeat(header.chars().count() + 4));
    let line =
        |group: &str, setting: &str, runs: &str, acc: &str| format!("{group:<12} {setting:<70} {runs:>4}  {acc}");
    println!(
        "{}",
        line(
            "software",
            &format!("float64, {} epochs of SGD", p.float_epochs),
            "1",
            &format!("{float_acc:.2}")
        )
    );

    let mut rows = vec![CsvRow {
        group: "software".into(),
        setting: "float64".into(),
        parameter: String::new(),
        value: None,
        runs: 1,
        mean: Some(float_acc),
        std: None,
        status: "ok".into(),
    }];

    // ---- analog inference
    let experiments = experiments::all(&p.sweeps);
    let total: usize = experiments.iter().map(|e| if e.stochastic { p.seeds } else { 1 }).sum();
    let bar = progress(total as u64);
    let t_analog = Instant::now();
    let mut done: Vec<(&Experiment, Outcome)> = Vec::new();
    for e in &experiments {
        bar.set_message(e.label.clone());
        let outcome = experiments::run(e, &net, &infos, &test, p.seeds, &bar);
        let (runs, acc, status) = match &outcome {
            Outcome::Done {
                mean,
                std,
                runs,
                energy,
            } => {
                let acc = if *runs > 1 {
                    format!("{mean:.2} ± {std:.2}")
                } else {
                    format!("{mean:.2}")
                };
                let acc = format!("{acc:<18} {:.3} nJ", energy * 1e9);
                (runs.to_string(), acc, "ok".to_string())
            }
            Outcome::Unavailable(m) => ("-".into(), format!("unavailable: {m}"), format!("unavailable: {m}")),
            Outcome::Failed(m) => ("-".into(), format!("error: {m}"), format!("error: {m}")),
        };
        bar.suspend(|| println!("{}", line(e.group, &e.label, &runs, &acc)));
        let (mean, std, n) = match &outcome {
            Outcome::Done { mean, std, runs, .. } => (Some(*mean), Some(*std), *runs),
            _ => (None, None, 0),
        };
        rows.push(CsvRow {
            group: e.group.into(),
            setting: e.label.clone(),
            parameter: e.parameter.into(),
            value: e.value,
            runs: n,
            mean,
            std,
            status,
        });
        done.push((e, outcome));
    }
    bar.finish_and_clear();
    let t_analog = t_analog.elapsed().as_secs_f64();

    // ---- in-situ training
    let t_insitu = Instant::now();
    println!();
    let settings = insitu::Settings {
        epochs: p.insitu_epochs,
        batch,
        lr: 0.1,
        w_range: 1.0,
        seed: 11,
    };
    let bar = progress((settings.epochs * insitu::VARIANTS.len()) as u64);
    bar.set_message("in-situ training");
    let curves = insitu::run(&init, &train, &test, &settings, &mut || bar.inc(1));
    bar.finish_and_clear();
    println!(
        "in-situ training from the initial weights: forward MVM, backward VMM, one outer-product write per sample"
    );
    println!(
        "(xbar.device.update; weights in [-{w}, {w}] on the conductance range; batch {batch}, lr {lr} / (1 + epoch/4)); test accuracy (%)",
        w = settings.w_range,
        lr = settings.lr
    );
    print!("{:>6}", "epoch");
    for c in &curves {
        print!("  {:>26}", c.name);
    }
    println!();
    for epoch in 0..settings.epochs {
        print!("{:>6}", epoch + 1);
        for c in &curves {
            match &c.accuracy {
                Ok(a) => print!("  {:>26.2}", a[epoch]),
                Err(_) => print!("  {:>26}", "-"),
            }
        }
        println!();
    }
    for c in &curves {
        let setting = match c.update {
            Some(u) => format!("{}: xbar.device.update = {u}", c.name),
            None => c.name.to_string(),
        };
        match &c.accuracy {
            Ok(a) => {
                for (epoch, acc) in a.iter().enumerate() {
                    rows.push(CsvRow {
                        group: "in-situ training".into(),
                        setting: setting.clone(),
                        parameter: "epoch".into(),
                        value: Some((epoch + 1) as f64),
                        runs: 1,
                        mean: Some(*acc),
                        std: None,
                        status: "ok".into(),
                    });
                }
            }
            Err(o) => {
                let status = match o {
                    insitu::Outcome::Unavailable(m) => format!("unavailable: {m}"),
                    insitu::Outcome::Failed(m) => format!("error: {m}"),
                };
                println!("in-situ training ({}): {status}", c.name);
                rows.push(CsvRow {
                    group: "in-situ training".into(),
                    setting,
                    parameter: "epoch".into(),
                    value: None,
                    runs: 0,
                    mean: None,
                    std: None,
                    status,
                });
            }
        }
    }
    let t_insitu = t_insitu.elapsed().as_secs_f64();

    // ---- files
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let csv_path = args.out.join("digits.csv");
    std::fs::write(&csv_path, csv(&rows)).map_err(|e| format!("{}: {e}", csv_path.display()))?;
    let png_path = args.out.join("digits.png");
    let figure = figure(
        p,
        &done,
        &curves,
        float_acc,
        (train.len(), test.len(), hidden),
        &settings,
    );
    std::fs::write(&png_path, plot::png(&figure)?).map_err(|e| format!("{}: {e}", png_path.display()))?;

    println!();
    println!("wrote {} and {}", csv_path.display(), png_path.display());
    println!(
        "time: {:.1} s (data and float training {:.1} s, analog inference {:.1} s, in-situ training {:.1} s)",
        start.elapsed().as_secs_f64(),
        t_float,
        t_analog,
        t_insitu
    );
    Ok(())
}

/// The figure of the run: one panel per result group, with the caption.
fn figure(
    p: &Preset,
    done: &[(&Experiment, Outcome)],
    insitu_curves: &[insitu::Curve],
    float: f64,
    (n_train, n_test, hidden): (usize, usize, usize),
    s: &insitu::Settings,
) -> plot::Figure {
    use plot::{Curve, Panel, XAxis};
    // The (x, mean, std) points of the experiments `pick` selects, x from `x`.
    let points = |pick: &dyn Fn(&Experiment) -> bool, x: &dyn Fn(usize, &Experiment) -> Option<f64>| {
        done.iter()
            .filter(|(e, _)| pick(e))
            .enumerate()
            .filter_map(|(i, (e, o))| match o {
                Outcome::Done { mean, std, .. } => Some((x(i, e)?, *mean, *std)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let by = |parameter: &'static str, name: &str| Curve {
        name: name.to_string(),
        points: points(&|e| e.parameter == parameter, &|_, e| e.value),
    };
    // Why a group has no points: the first unavailable or failed outcome.
    let note = |pick: &dyn Fn(&Experiment) -> bool| {
        done.iter()
            .filter(|(e, _)| pick(e))
            .find_map(|(_, o)| match o {
                Outcome::Unavailable(m) => Some(format!("unavailable: {m}")),
                Outcome::Failed(m) => Some(format!("error: {m}")),
                Outcome::Done { .. } => None,
            })
            .unwrap_or_else(|| "no settings in this preset".into())
    };
    let devices = |e: &Experiment| e.group == "analog" || e.group == "device";
    // "RRAM, Wan et al. (Rmin ...)" -> "RRAM Wan"; the ideal row -> "ideal".
    let short = |e: &Experiment| {
        if e.group == "analog" {
            return "ideal".to_string();
        }
        let head = e.label.split(" (").next().unwrap_or(&e.label);
        head.replace(" et al.", "").replace(", ", " ")
    };
    let names: Vec<String> = done.iter().filter(|(e, _)| devices(e)).map(|(e, _)| short(e)).collect();
    let wire_ohms = |e: &Experiment| e.parameter == "wire_ohms";
    // Accuracy against energy per inference (nJ) of the experiments `pick` selects.
    // Points in order of energy.
    let by_energy = |pick: &dyn Fn(&Experiment) -> bool, name: &str| {
        let mut points: Vec<(f64, f64, f64)> = done
            .iter()
            .filter(|(e, _)| pick(e))
            .filter_map(|(_, o)| match o {
                Outcome::Done { mean, std, energy, .. } if *energy > 0.0 => Some((energy * 1e9, *mean, *std)),
                _ => None,
            })
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        Curve {
            name: name.to_string(),
            points,
        }
    };
    let panels = vec![
        Panel {
            title: "Converters: ADC and DAC resolution".into(),
            x_desc: "bits".into(),
            x: XAxis::Linear { dodge: 0.08 },
            curves: vec![
                by("adc_bits", "ADC (QuantizerADC)"),
                by("dac_bits", "DAC (QuantizerDAC)"),
            ],
            empty_note: note(&|e| e.parameter.ends_with("_bits")),
        },
        Panel {
            title: "Read noise".into(),
            x_desc: "read-noise σ (log scale)".into(),
            x: XAxis::Log { dodge: 1.05 },
            curves: vec![
                by("read_noise_proportional", "NormalProportionalDevice (σ relative to G)"),
                by("read_noise_independent", "NormalIndependentDevice (σ in units of Gmax)"),
            ],
            empty_note: note(&|e| e.parameter.starts_with("read_noise")),
        },
        Panel {
            title: "Devices (programming error, read noise)".into(),
            x_desc: "device model".into(),
            x: XAxis::Categories(names),
            curves: vec![Curve {
                name: "mean and standard deviation over seeds".into(),
                points: points(&devices, &|i, _| Some(i as f64)),
            }],
            empty_note: note(&devices),
        },
        Panel {
            title: "PCM drift (PCMLike), with and without compensation".into(),
            x_desc: "time after programming (log scale)".into(),
            x: XAxis::Log { dodge: 1.4 },
            curves: vec![
                by("drift_seconds", "without drift compensation"),
                by("drift_seconds_compensated", "with global drift compensation"),
            ],
            empty_note: note(&|e| e.group == "drift"),
        },
        Panel {
            title: "Wire resistance (cells: Rmin 1 kohm)".into(),
            x_desc: "wire resistance per segment, ohm (log scale)".into(),
            x: XAxis::Log { dodge: 1.05 },
            curves: vec![by("wire_ohms", "row and column wires")],
            empty_note: note(&wire_ohms),
        },
        Panel {
            title: "Accuracy against energy per inference (ISAAC 32 nm components)".into(),
            x_desc: "energy per inference, nJ (log scale; cells t*sum V^2 G, Walden converters)".into(),
            x: XAxis::Log { dodge: 1.0 },
            curves: vec![
                by_energy(&|e| e.parameter == "adc_bits", "ADC bits (2^b per conversion)"),
                by_energy(&|e| e.parameter == "dac_bits", "DAC bits"),
                by_energy(&|e| e.group == "device", "device models (their Rmin, Rmax)"),
            ],
            empty_note: "no converter or device settings in this preset".into(),
        },
        Panel {
            title: "In-situ training on the cores".into(),
            x_desc: "epoch".into(),
            x: XAxis::Linear { dodge: 0.04 },
            curves: insitu_curves
                .iter()
                .map(|c| Curve {
                    name: c.name.to_string(),
                    points: match &c.accuracy {
                        Ok(a) => a.iter().enumerate().map(|(i, &v)| ((i + 1) as f64, v, 0.0)).collect(),
                        Err(_) => Vec::new(),
                    },
                })
                .collect(),
            empty_note: "in-situ training unavailable".into(),
        },
    ];
    plot::Figure {
        caption: [
            format!(
                "Data: UCI optical digits, {n_train} training / {n_test} test images of 8 x 8 pixels. Network: 64-{hidden}-10 \
                 perceptron (ReLU, softmax), float64 SGD for {} epochs.",
                p.float_epochs
            ),
            format!(
                "Preset \"{}\": {} core seeds per stochastic point; error bars: one standard deviation over the seeds \
                 (none: deterministic). Dashed: floating point.",
                p.name, p.seeds
            ),
            format!(
                "Deployed on xbar cores with biases and ReLU in digital. In situ: {} epochs from the same initial \
                 weights, batch {}, one outer-product write per sample.",
                s.epochs, s.batch
            ),
        ],
        float,
        panels,
    }
}
