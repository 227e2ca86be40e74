//! In-situ training: the network is trained from its random initial weights
//! on the cores themselves. Each minibatch runs forward through the cores
//! (MVM), the output errors run back through the second core (VMM), and
//! both cores receive the outer-product update `W += lr Σ d ⊗ x` (d = minus
//! the backpropagated errors) through the device's analytic update model,
//! one parallel write per sample. The same network trained in floating
//! point from the same initial weights, with the same minibatch order, is
//! the reference.

use super::analog::Analog;
use super::data::Set;
use super::mlp::{Dense, Mlp};
use super::random::Rng;
use xbar::{Core, Error, Layout, Params};

/// One way of training: a name and the `xbar.device.update` section (None: floating point).
pub struct Variant {
    pub name: &'static str,
    pub update: Option<&'static str>,
}

/// The variants of the table: floating point, then the analytic model
/// without and with device non-idealities.
pub const VARIANTS: [Variant; 4] = [
    Variant {
        name: "float64",
        update: None,
    },
    Variant {
        name: "Analytic, linear",
        update: Some(r#"{"model": "Analytic"}"#),
    },
    Variant {
        name: "Analytic, alpha = 3",
        update: Some(r#"{"model": "Analytic", "alpha": 3.0}"#),
    },
    Variant {
        name: "Analytic, write noise 0.05",
        update: Some(r#"{"model": "Analytic", "write_noise": 0.05}"#),
    },
];

/// Test accuracy (%) after each epoch, per variant; a variant that could not run has its reason.
pub struct Curve {
    pub name: &'static str,
    pub update: Option<&'static str>,
    pub accuracy: Result<Vec<f64>, Outcome>,
}

pub enum Outcome {
    /// The update model or the update operation is not available: the message says why.
    Unavailable(String),
    Failed(String),
}

pub struct Settings {
    pub epochs: usize,
    pub batch: usize,
    /// Learning rate of the first epoch; epoch e (from 0) uses `lr / (1 + e/4)`.
    pub lr: f64,
    /// Weights in [-w_range, w_range] map onto the conductance range.
    pub w_range: f64,
    pub seed: u64,
}

fn classify(e: Error) -> Outcome {
    match e {
        Error::Unsupported(m) | Error::BackendUnavailable(m) => Outcome::Unavailable(m),
        // A version of xbar without update models does not know the parameter path.
        Error::Params(m) if m.contains("xbar.device.update") => Outcome::Unavailable(m),
        other => Outcome::Failed(other.to_string()),
    }
}

/// The parameters of both cores: xbar's defaults with a fixed weight range
/// (training moves weights, so the range cannot follow max |W|) and the
/// update model `update`.
fn params(s: &Settings, update: &str) -> xbar::Result<Params> {
    let mut p = Params::default();
    p.set_json("xbar.device.update", update)?;
    p.set_json(
        "core.mapping.weights",
        &format!(
            r#"{{"clipping": true, "min": {}, "max": {}, "percentile": null}}"#,
            -s.w_range, s.w_range
        ),
    )?;
    Ok(p)
}

/// The analog network: `init`'s weights programmed on two cores.
fn analog(init: &Mlp<Dense>, s: &Settings, update: &str) -> xbar::Result<Mlp<Analog>> {
    program(init, &params(s, update)?, s.seed)
}

/// `init`'s weights programmed on two cores with parameters `p` (seeds
/// `2·seed` and `2·seed + 1`); the biases stay digital.
pub fn program(init: &Mlp<Dense>, p: &Params, seed: u64) -> xbar::Result<Mlp<Analog>> {
    let core = |d: &Dense, seed: u64| -> xbar::Result<Analog> {
        let mut core = Core::new(p, d.rows, d.cols, seed)?;
        core.program(&d.w, Layout::RowMajor)?;
        Ok(Analog { core })
    };
    Ok(Mlp {
        l1: core(&init.l1, 2 * seed)?,
        b1: init.b1.clone(),
        l2: core(&init.l2, 2 * seed + 1)?,
        b2: init.b2.clone(),
    })
}

/// Trains `net` for `s.epochs` epochs; the test accuracy after each.
pub fn train_curve<L: super::mlp::Layer>(
    mut net: Mlp<L>,
    train: &Set,
    test: &Set,
    s: &Settings,
    tick: &mut dyn FnMut(),
) -> xbar::Result<Vec<f64>> {
    let mut order = Rng::new(s.seed);
    let mut acc = Vec::with_capacity(s.epochs);
    for epoch in 0..s.epochs {
        net.epoch(train, s.batch, s.lr / (1.0 + epoch as f64 / 4.0), &mut order)?;
        acc.push(net.accuracy(test)?);
        tick();
    }
    Ok(acc)
}

/// Trains every variant of `VARIANTS` from `init`, calling `tick` after each epoch.
pub fn run(init: &Mlp<Dense>, train: &Set, test: &Set, s: &Settings, tick: &mut dyn FnMut()) -> Vec<Curve> {
    VARIANTS
        .iter()
        .map(|v| {
            let accuracy = match v.update {
                None => {
                    let float = Mlp {
                        l1: init.l1.clone(),
                        b1: init.b1.clone(),
                        l2: init.l2.clone(),
                        b2: init.b2.clone(),
                    };
                    train_curve(float, train, test, s, tick).map_err(|e| Outcome::Failed(e.to_string()))
                }
                Some(update) => analog(init, s, update)
                    .and_then(|net| train_curve(net, train, test, s, tick))
                    .map_err(classify),
            };
            Curve {
                name: v.name,
                update: v.update,
                accuracy,
            }
        })
        .collect()
}
