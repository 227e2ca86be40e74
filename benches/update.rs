//! In-situ update times side by side with CrossSim 2.0: one update of a
//! 1024 x 1024 balanced two-sided core (two devices per weight, Gmin/Gmax =
//! 0.1, learning rate 0.01), per case:
//!
//! * `ideal`: the linear update, one outer product (rank 1);
//! * `ideal_batch16`: the linear update, a batch of 16 accumulated (one
//!   GEMM) and written once (`batch_mode = "accumulate"`);
//! * `analytic`: α = 2 (asymmetric), write noise 0.01;
//! * `lut1`: one lookup table (`TaOx_all/1`), write noise on;
//! * `lut3`: three tables assigned per cell (`TaOx_all/1`–`3`);
//! * `pulsed`: aihwkit's SoftBounds device with its default variations,
//!   pulse trains of up to 31 slots (xbar only).
//!
//! Tables come from `../shared/data/lookup_tables/TaOx_all` when present,
//! else three synthetic 501 x 501 devices; `XBAR_BENCH_LUT_DIR` names
//! another folder of numbered devices.
//!
//! Timing runs under criterion: per case a group `update/<case>` with
//! `xbar_1_thread`, `xbar_2_threads` and, when `CROSSSIM2_PATH` names an
//! unpacked CrossSim v2.0, `crosssim2` (`benches/crosssim/time_crosssim2.py
//! --serve`, NumPy on one thread, started with `CROSSSIM2_PYTHON`, default
//! `python3`), one after the other on the same matrix and vectors. Each
//! sample runs `iters` updates (d and −d alternately); after criterion's own
//! report the bench prints the side-by-side table: per case the median over
//! samples of the time per update, and the ratio CrossSim / xbar on 2 threads.
//! Warm-up 1 s and measurement 3 s by default (`--warm-up-time`,
//! `--measurement-time` change them), 10 samples.
//!
//! Run: `cargo bench --bench update [-- FILTER]` (e.g. `-- lut1`).

use criterion::{Criterion, SamplingMode};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use xbar::lut::format::TableFile;
use xbar::lut::pulse_trains::write_pair;
use xbar::{Core, Layout, Params};

/// Matrix size (small in unoptimised smoke runs, `cargo test --benches`).
const N: usize = if cfg!(debug_assertions) { 64 } else { 1024 };
const LR: f64 = 0.01;
const BATCH: usize = 16;

/// `sin(1.7 sin(0.618 k + seed))` (also time_crosssim2.py's `data`).
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
        let file = |dg| TableFile {
            g: g.clone(),
            cdf: cdf.clone(),
            dg,
        };
        write_pair(&dir.join(dev.to_string()), &file(inc), &file(dec)).expect("write tables");
    }
    dir
}

/// The folder of numbered devices (`1`, `2`, `3`, …).
fn lut_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XBAR_BENCH_LUT_DIR") {
        return PathBuf::from(d);
    }
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/lookup_tables/TaOx_all");
    if shipped.is_dir() {
        shipped
    } else {
        eprintln!("../shared/data absent: synthetic tables");
        synthetic_set()
    }
}

/// A folder holding links to devices 1, 2 and 3 of `all`.
fn three_devices(all: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xbar-bench-lut3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    for dev in ["1", "2", "3"] {
        let link = dir.join(dev);
        if !link.exists() {
            std::os::unix::fs::symlink(all.join(dev), &link).expect("link a device");
        }
    }
    dir
}

/// One case: an xbar core and its update inputs (batch × cols, batch × rows).
struct Case {
    core: Core,
    x: Vec<f64>,
    d: Vec<f64>,
    batch: usize,
    flip: bool,
}

impl Case {
    fn new(update: &str, batch: usize) -> Case {
        let mut p = Params::default();
        p.set_json("core.mapping.weights", r#"{"percentile": null, "min": -1, "max": 1}"#)
            .expect("weights");
        p.set_json("core.balanced.style", r#""TWO_SIDED""#).expect("style");
        p.set_json("xbar.device.update", update).expect("update model");
        let mut core = Core::new(&p, N, N, 1).expect("core");
        let w: Vec<f64> = data(N * N, 0.2).iter().map(|v| 0.5 * v).collect();
        core.program(&w, Layout::RowMajor).expect("program");
        let (x, d) = if batch == 1 {
            (data(N, 0.5), data(N, 0.9))
        } else {
            let rows = |s: f64| (0..batch).flat_map(|b| data(N, s + 0.1 * b as f64)).collect();
            (rows(0.5), rows(0.9))
        };
        Case {
            core,
            x,
            d,
            batch,
            flip: false,
        }
    }

    /// `iters` updates (d and −d alternately): their total time.
    fn run(&mut self, iters: u64) -> Duration {
        let neg: Vec<f64> = self.d.iter().map(|v| -v).collect();
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            self.flip = !self.flip;
            let d = if self.flip { &self.d } else { &neg };
            let t0 = Instant::now();
            self.core.update(&self.x, d, self.batch, LR).expect("update");
            total += t0.elapsed();
        }
        total
    }
}

/// CrossSim 2.0 behind time_crosssim2.py --serve.
struct CrossSim2 {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Drop for CrossSim2 {
    /// Closes the script's input (it then ends) and waits for it.
    fn drop(&mut self) {
        self.input.take();
        let _ = self.child.wait();
    }
}

impl CrossSim2 {
    fn start(lut_dir: &Path) -> Option<CrossSim2> {
        let root = std::env::var_os("CROSSSIM2_PATH")?;
        let python = std::env::var_os("CROSSSIM2_PYTHON").unwrap_or_else(|| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/crosssim/time_crosssim2.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg("--serve")
            .env("CROSSSIM2_PATH", root)
            .env("LUT_DIR", lut_dir)
            .env("OMP_NUM_THREADS", "1")
            .env("OPENBLAS_NUM_THREADS", "1")
            .env("MKL_NUM_THREADS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start time_crosssim2.py");
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().expect("piped stdout"));
        Some(CrossSim2 { child, input, output })
    }

    /// One timed update of `case`, in milliseconds.
    fn once(&mut self, case: &str) -> f64 {
        let input = self.input.as_mut().expect("piped stdin");
        writeln!(input, "{case}").expect("write to time_crosssim2.py");
        let mut line = String::new();
        self.output.read_line(&mut line).expect("read from time_crosssim2.py");
        line.trim()
            .parse()
            .unwrap_or_else(|_| panic!("time_crosssim2.py answered {line:?} for {case}"))
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Criterion's samples per benchmark; in flat sampling mode the last
/// `SAMPLE_SIZE` calls of a routine are its measurement (earlier ones warm up).
const SAMPLE_SIZE: usize = 10;

/// Milliseconds per update of every call (warm-up included), by (case, column): 0 CrossSim
/// 2.0, 1 xbar on 1 thread, 2 xbar on 2 threads.
static SAMPLES: Mutex<BTreeMap<(usize, usize), Vec<f64>>> = Mutex::new(BTreeMap::new());

/// Records one sample of `iters` updates taking `total`, and returns it to criterion.
fn record(case: usize, column: usize, iters: u64, total: Duration) -> Duration {
    let ms = total.as_secs_f64() * 1e3 / iters.max(1) as f64;
    SAMPLES
        .lock()
        .expect("samples")
        .entry((case, column))
        .or_default()
        .push(ms);
    total
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(SAMPLE_SIZE)
        .configure_from_args();
    let all = lut_dir();
    let one = format!(
        r#"{{"model": "LookupTable", "lut_dir": {:?}}}"#,
        all.join("1").display().to_string()
    );
    let three = format!(
        r#"{{"model": "LookupTable", "lut_dir": {:?}}}"#,
        three_devices(&all).display().to_string()
    );
    let specs: Vec<(&str, &str, String, usize, bool)> = vec![
        ("ideal", "linear (ideal)", r#"{"model": "Ideal"}"#.into(), 1, true),
        (
            "ideal_batch16",
            "linear, batch of 16 accumulated",
            r#"{"model": "Ideal", "batch_mode": "accumulate"}"#.into(),
            BATCH,
            true,
        ),
        (
            "analytic",
            "analytic, α = 2, write noise 0.01",
            r#"{"model": "Analytic", "alpha": 2, "write_noise": 0.01}"#.into(),
            1,
            true,
        ),
        ("lut1", "one lookup table (TaOx), noise on", one, 1, true),
        ("lut3", "three tables assigned per cell", three, 1, true),
        (
            "pulsed",
            "pulsed SoftBounds (aihwkit defaults)",
            r#"{"model": "Pulsed", "pulsed": {"device": "SoftBounds"}}"#.into(),
            1,
            false,
        ),
    ];
    let mut crosssim = if cfg!(debug_assertions) {
        None
    } else {
        CrossSim2::start(&all)
    };
    if crosssim.is_none() {
        eprintln!("CROSSSIM2_PATH not set (or an unoptimised build): xbar only");
    }
    let mut labels = Vec::new();
    for (k, (name, label, update, batch, cs)) in specs.into_iter().enumerate() {
        let mut case = Case::new(&update, batch);
        labels.push(label);
        let mut group = c.benchmark_group(format!("update/{name}"));
        group.sampling_mode(SamplingMode::Flat);
        if let (Some(cs2), true) = (crosssim.as_mut(), cs) {
            group.bench_function("crosssim2", |b| {
                b.iter_custom(|iters| {
                    let ms: f64 = (0..iters).map(|_| cs2.once(name)).sum();
                    record(k, 0, iters, Duration::from_secs_f64(ms / 1e3))
                })
            });
        }
        for (column, threads, id) in [(1, 1, "xbar_1_thread"), (2, 2, "xbar_2_threads")] {
            group.bench_function(id, |b| {
                xbar::set_num_threads(threads);
                b.iter_custom(|iters| record(k, column, iters, case.run(iters)))
            });
        }
        group.finish();
    }
    c.final_summary();
    let mut samples = SAMPLES.lock().expect("samples");
    if samples.is_empty() {
        return;
    }
    println!("| update model | CrossSim 2.0 | xbar 1 thread | xbar 2 threads | ratio (2 threads) |");
    println!("| --- | --- | --- | --- | --- |");
    for (k, label) in labels.iter().enumerate() {
        let mut cell = |column: usize| {
            samples.get_mut(&(k, column)).map(|v| {
                let measured = v.len().saturating_sub(SAMPLE_SIZE);
                median(&mut v[measured..])
            })
        };
        let (cs, one, two) = (cell(0), cell(1), cell(2));
        if one.is_none() && two.is_none() {
            continue;
        }
        let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.2} ms"));
        let ratio = match (cs, two) {
            (Some(c), Some(t)) => format!("{:.1}×", c / t),
            _ => "–".to_string(),
        };
        println!("| {label} | {} | {} | {} | {ratio} |", ms(cs), ms(one), ms(two));
    }
}
