//! The table of experiments: each is a change to the layer parameters (and
//! possibly a time after programming), evaluated on the test set with one
//! core seed, or with several when the experiment is stochastic.

use super::analog::{base_params, deploy, LayerInfo};
use super::data::Set;
use super::mlp::{Dense, Mlp};
use indicatif::ProgressBar;
use xbar::{Error, Params};

type Setup = Box<dyn Fn(&mut Params, &LayerInfo) -> xbar::Result<()>>;

/// One row of the table.
pub struct Experiment {
    /// Table group: "analog", "ADC", "DAC", "read noise", "device", "drift", "parasitics".
    pub group: &'static str,
    pub label: String,
    /// The swept quantity (CSV column `parameter`) and its value, for the CSV and the plot.
    pub parameter: &'static str,
    pub value: Option<f64>,
    /// Whether the outcome depends on the core seed (then it is repeated over seeds).
    pub stochastic: bool,
    /// Seconds after programming at which the network is evaluated (`Core::set_time`).
    pub time: Option<f64>,
    pub setup: Setup,
}

/// Accuracy over the runs of one experiment, or why it could not run.
pub enum Outcome {
    Done {
        mean: f64,
        std: f64,
        runs: usize,
        /// Energy per inference (J; both layers' MVMs, mean over the runs)
        /// from the cores' cost reports (`xbar.cost`).
        energy: f64,
    },
    /// This build or configuration cannot simulate it (`Unsupported`, `BackendUnavailable`).
    Unavailable(String),
    Failed(String),
}

impl Outcome {
    fn from_error(e: Error) -> Outcome {
        match e {
            Error::Unsupported(m) | Error::BackendUnavailable(m) => Outcome::Unavailable(m),
            other => Outcome::Failed(other.to_string()),
        }
    }
}

fn exp(
    group: &'static str,
    label: impl Into<String>,
    parameter: &'static str,
    value: Option<f64>,
    stochastic: bool,
    setup: impl Fn(&mut Params, &LayerInfo) -> xbar::Result<()> + 'static,
) -> Experiment {
    Experiment {
        group,
        label: label.into(),
        parameter,
        value,
        stochastic,
        time: None,
        setup: Box::new(setup),
    }
}

/// Sets one device error model (`read_noise`, `programming_error`, `drift_error`).
fn device_error(p: &mut Params, which: &str, model: &str, magnitude: f64) -> xbar::Result<()> {
    p.set_json(
        &format!("xbar.device.{which}"),
        &format!(r#"{{"enable": true, "model": "{model}", "magnitude": {magnitude}}}"#),
    )
}

/// The sizes of the sweeps of one preset.
pub struct Sweeps {
    pub adc_bits: Vec<u32>,
    pub dac_bits: Vec<u32>,
    /// σ of NormalProportionalDevice read noise (relative to G).
    pub proportional: Vec<f64>,
    /// σ of NormalIndependentDevice read noise (units of Gmax).
    pub independent: Vec<f64>,
    /// Wire resistances (Ω) next to Rmin = 1 kΩ cells.
    pub wire_ohms: Vec<f64>,
}

/// Every experiment of the table, in print order.
pub fn all(s: &Sweeps) -> Vec<Experiment> {
    let mut v = vec![exp("analog", "ideal DAC, ADC and devices", "", None, false, |_, _| {
        Ok(())
    })];
    for &bits in &s.adc_bits {
        v.push(exp(
            "ADC",
            format!("QuantizerADC {bits} bits, calibrated range"),
            "adc_bits",
            Some(bits as f64),
            false,
            move |p, info| {
                let r = info.adc_range(p);
                p.set_json(
                    "xbar.adc.mvm",
                    &format!(
                        r#"{{"model": "QuantizerADC", "bits": {bits}, "calibrated_range": [{}, {r}]}}"#,
                        -r
                    ),
                )
            },
        ));
    }
    for &bits in &s.dac_bits {
        v.push(exp(
            "DAC",
            format!("QuantizerDAC {bits} bits, unsigned"),
            "dac_bits",
            Some(bits as f64),
            false,
            move |p, _| {
                p.set_json(
                    "xbar.dac.mvm",
                    &format!(r#"{{"model": "QuantizerDAC", "bits": {bits}}}"#),
                )
            },
        ));
    }
    for &sigma in &s.proportional {
        v.push(exp(
            "read noise",
            format!("NormalProportionalDevice σ = {sigma}"),
            "read_noise_proportional",
            Some(sigma),
            true,
            move |p, _| device_error(p, "read_noise", "NormalProportionalDevice", sigma),
        ));
    }
    for &sigma in &s.independent {
        v.push(exp(
            "read noise",
            format!("NormalIndependentDevice σ = {sigma} Gmax"),
            "read_noise_independent",
            Some(sigma),
            true,
            move |p, _| device_error(p, "read_noise", "NormalIndependentDevice", sigma),
        ));
    }
    v.push(exp(
        "device",
        "SONOS (SONOS-TCAS cells: 7 bits, programming error, read noise)",
        "device",
        None,
        true,
        |p, _| {
            let sonos = Params::preset("SONOS-TCAS")?;
            p.set_json("xbar.device", &sonos.get_json("xbar.device")?)?;
            device_error(p, "read_noise", "SONOS", 0.0)
        },
    ));
    v.push(exp(
        "device",
        "PCM, Joshi et al. (Rmin 40 kΩ, Rmax 4 MΩ, programming error)",
        "device",
        None,
        true,
        |p, _| {
            p.set_json("xbar.device", r#"{"Rmin": 40e3, "Rmax": 4e6}"#)?;
            device_error(p, "programming_error", "PCMJoshi", 0.0)
        },
    ));
    v.push(exp(
        "device",
        "RRAM, Wan et al. (Rmin 25.5 kΩ, Rmax 1 MΩ, programming error)",
        "device",
        None,
        true,
        |p, _| {
            p.set_json("xbar.device", r#"{"Rmin": 25.5e3, "Rmax": 1e6}"#)?;
            device_error(p, "programming_error", "RRAMWan", 0.0)
        },
    ));
    v.push(exp(
        "device",
        "RRAM, Milo et al. (Rmin 4.5 kΩ, Rmax 20 kΩ, programming error)",
        "device",
        None,
        true,
        |p, _| {
            p.set_json("xbar.device", r#"{"Rmin": 4.5e3, "Rmax": 20e3}"#)?;
            device_error(p, "programming_error", "RRAMMilo", 0.0)
        },
    ));
    let pcm_like = |p: &mut Params, compensate: bool| -> xbar::Result<()> {
        p.set_json("xbar.device.infinite_on_off_ratio", "true")?;
        p.set_json(
            "xbar.device.drift_compensation",
            if compensate { "true" } else { "false" },
        )?;
        device_error(p, "drift_error", "PCMLike", 0.0)
    };
    v.push(exp(
        "device",
        "PCMLike (aihwkit PCM: programming noise, read at programming)",
        "device",
        None,
        true,
        move |p, _| pcm_like(p, false),
    ));
    let day = 86400.0;
    for compensate in [false, true] {
        for (name, t) in [("1 s", 1.0), ("1 day", day), ("1 year", 365.25 * day)] {
            let how = if compensate { "with" } else { "without" };
            let mut e = exp(
                "drift",
                format!("PCMLike after {name}, {how} drift compensation"),
                if compensate {
                    "drift_seconds_compensated"
                } else {
                    "drift_seconds"
                },
                Some(t),
                true,
                move |p, _| pcm_like(p, compensate),
            );
            e.time = Some(t);
            v.push(e);
        }
    }
    for &ohms in &s.wire_ohms {
        v.push(exp(
            "parasitics",
            format!("wire resistance {ohms} Ω per segment (Rmin 1 kΩ)"),
            "wire_ohms",
            Some(ohms),
            false,
            move |p, _| {
                p.set_json(
                    "xbar.array.parasitics",
                    &format!(r#"{{"enable": true, "Rp_row": {ohms}, "Rp_col": {ohms}}}"#),
                )
            },
        ));
    }
    v
}

/// Runs one experiment: deploys `net` with the experiment's parameters once
/// per seed (or once), moves the cores to the experiment's time, and
/// measures the test accuracy.
pub fn run(
    e: &Experiment,
    net: &Mlp<Dense>,
    infos: &[LayerInfo; 2],
    test: &Set,
    seeds: usize,
    bar: &ProgressBar,
) -> Outcome {
    let runs = if e.stochastic { seeds } else { 1 };
    let params = |info: &LayerInfo| -> xbar::Result<Params> {
        let mut p = base_params(info)?;
        (e.setup)(&mut p, info)?;
        Ok(p)
    };
    let mut acc = Vec::with_capacity(runs);
    let mut energy = 0.0;
    for seed in 0..runs as u64 {
        let one = || -> xbar::Result<(f64, f64)> {
            let mut analog = deploy(net, infos, seed, &params)?;
            if let Some(t) = e.time {
                analog.l1.core.set_time(t)?;
                analog.l2.core.set_time(t)?;
            }
            // Count only the test set's reads (not drift compensation's reference reads).
            analog.l1.core.reset_cost();
            analog.l2.core.reset_cost();
            let a = analog.accuracy(test)?;
            let joules = analog.l1.core.cost_energy().1.total + analog.l2.core.cost_energy().1.total;
            Ok((a, joules / test.len() as f64))
        };
        match one() {
            Ok((a, j)) => {
                acc.push(a);
                energy += j / runs as f64;
            }
            Err(err) => {
                bar.inc((runs as u64).saturating_sub(seed));
                return Outcome::from_error(err);
            }
        }
        bar.inc(1);
    }
    let mean = acc.iter().sum::<f64>() / runs as f64;
    let var = acc.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (runs.max(2) - 1) as f64;
    Outcome::Done {
        mean,
        std: if runs > 1 { var.sqrt() } else { 0.0 },
        runs,
        energy,
    }
}
