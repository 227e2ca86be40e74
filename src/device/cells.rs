//! The cell population of one core: which error law applies when the arrays
//! are written (programming error, or drift to the core's time) and on every
//! read (read noise), following CrossSim's write pipeline (spec §11.2):
//!
//! * at time 0: the programming-error model if it is not IdealDevice (and is
//!   enabled), otherwise the drift model at t = 0 (if enabled);
//! * at time t ≠ 0: the drift model at t (if enabled) — a drift model includes
//!   the programming error;
//! * after an enabled step, the clip of spec §11.4.
//!
//! Random draws come from counter-based streams keyed by the core seed, the
//! array, the purpose and the write's call counter, element = cell index, so
//! the programmed state never depends on thread count.

use super::generic::{Generic, Scaling};
use super::law::{Clip, Dist, ErrorLaw};
use super::pcm_joshi::PcmJoshi;
use super::pcm_like;
use super::rram_milo::RramMilo;
use super::rram_wan::RramWan;
use super::sonos::{SonosRead, SonosWrite};
use crate::error::{Error, Result};
use crate::params::{DeviceModel, DeviceParams, NoiseSampling, PcmPair};
use crate::rng::{identity, Purpose, Stream};
use crate::storage::{Conductances, Stored};
use std::sync::Arc;

/// The generic law named by `model`, if it is one.
fn generic(model: DeviceModel, magnitude: f64) -> Option<Generic> {
    use DeviceModel::*;
    let (dist, scaling) = match model {
        NormalIndependent => (Dist::Normal, Scaling::Independent),
        NormalProportional => (Dist::Normal, Scaling::Proportional),
        NormalInverseProportional => (Dist::Normal, Scaling::InverseProportional),
        UniformIndependent => (Dist::Uniform, Scaling::Independent),
        UniformProportional => (Dist::Uniform, Scaling::Proportional),
        UniformInverseProportional => (Dist::Uniform, Scaling::InverseProportional),
        _ => return None,
    };
    Some(Generic {
        dist,
        scaling,
        magnitude,
    })
}

/// What happens to conductances when an array is written.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// Written exactly.
    Exact,
    /// `G' = clip(shift(G) + σ(G)·e)`.
    Law(Arc<dyn ErrorLaw>),
    /// aihwkit's PCM model; `drift` holds the time in seconds if the drift
    /// model is active (programming noise alone otherwise). With `net_pair`
    /// (aihwkit's pair mode, only while drifting) an array keeps its targets
    /// here and the core drifts each balanced pair with [`Cells::drift_net_pair`].
    PcmLike { drift: Option<f64>, net_pair: bool },
}

/// The error laws of a core's cells at its current time.
#[derive(Debug, Clone)]
pub struct Cells {
    write: Write,
    read: Option<Arc<dyn ErrorLaw>>,
    clip: Clip,
    per_output: bool,
    /// Gmin in units of Gmax.
    gmin: f64,
}

/// One write or read of one array: where its random numbers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draws {
    pub seed: u64,
    /// Counter of `program` calls of the core.
    pub program_call: u64,
    /// Counter of `set_time` calls of the core.
    pub time_call: u64,
}

fn draw(dist: Dist, s: &Stream, i: u64) -> f64 {
    match dist {
        Dist::Normal => s.normal_at(i),
        Dist::Uniform => s.uniform_at(i) - 0.5,
    }
}

impl Cells {
    /// The cell models of device `d` at `time` (the drift model's unit: days
    /// for SONOS, seconds for PCMLike). Models used in a role they cannot
    /// play, and devices outside a model's calibrated range, are errors.
    pub fn new(d: &DeviceParams, time: f64) -> Result<Cells> {
        let p = "xbar.device";
        let prog = &d.programming_error;
        let drift = &d.drift_error;
        let write_law = |model: DeviceModel, magnitude: f64, t: f64, path: &str| -> Result<Write> {
            Ok(match model {
                DeviceModel::Ideal => Write::Exact,
                DeviceModel::Sonos => Write::Law(Arc::new(SonosWrite::new(d, t, path)?)),
                DeviceModel::PcmJoshi => Write::Law(Arc::new(PcmJoshi::new(d, path)?)),
                DeviceModel::RramWan => Write::Law(Arc::new(RramWan::new(d, path)?)),
                DeviceModel::RramMilo => Write::Law(Arc::new(RramMilo::new(d, path)?)),
                DeviceModel::PcmLike => Write::PcmLike {
                    drift: None,
                    net_pair: false,
                },
                DeviceModel::Cubic => {
                    return Err(Error::params(format!(
                        "{path}.model: CubicDevice only models I-V nonlinearity, not write errors"
                    )))
                }
                generic_model => match generic(generic_model, magnitude) {
                    Some(g) => Write::Law(Arc::new(g)),
                    None => Write::Exact,
                },
            })
        };
        if drift.enable
            && !matches!(
                drift.model,
                DeviceModel::Ideal | DeviceModel::Sonos | DeviceModel::PcmLike
            )
        {
            return Err(Error::params(format!(
                "{p}.drift_error.model: \"{}\" does not model drift; use \"SONOS\" or \"PCMLike\"",
                drift.model.name()
            )));
        }
        let write = if time == 0.0 {
            if prog.model != DeviceModel::Ideal {
                if prog.enable {
                    write_law(prog.model, prog.magnitude, 0.0, &format!("{p}.programming_error"))?
                } else {
                    Write::Exact
                }
            } else if drift.enable {
                write_law(drift.model, drift.magnitude, 0.0, &format!("{p}.drift_error"))?
            } else {
                Write::Exact
            }
        } else if drift.enable {
            match write_law(drift.model, drift.magnitude, time, &format!("{p}.drift_error"))? {
                Write::PcmLike { .. } => Write::PcmLike {
                    drift: Some(time),
                    net_pair: d.pcm_pair == PcmPair::Aihwkit,
                },
                w => w,
            }
        } else {
            Write::Exact
        };
        let rn = &d.read_noise;
        let read: Option<Arc<dyn ErrorLaw>> = if !rn.enable {
            None
        } else if let Some(g) = generic(rn.model, rn.magnitude) {
            Some(Arc::new(g))
        } else {
            match rn.model {
                DeviceModel::Ideal => None,
                DeviceModel::Sonos => Some(Arc::new(SonosRead::new(d, &format!("{p}.read_noise"))?)),
                other => {
                    return Err(Error::params(format!(
                        "{p}.read_noise.model: \"{}\" has no read-noise model; use a generic model or \"SONOS\"",
                        other.name()
                    )))
                }
            }
        };
        let per_output = d.read_noise_sampling == NoiseSampling::Output;
        if per_output && read.as_ref().is_some_and(|l| l.dist() != Dist::Normal) {
            return Err(Error::params(format!(
                "{p}.read_noise_sampling: \"output\" sampling needs a Normal read-noise model, got \"{}\"",
                rn.model.name()
            )));
        }
        let clip = if d.clip_conductance {
            Clip {
                lo: d.gmin_norm(),
                hi: 1.0,
            }
        } else {
            Clip {
                lo: 0.0,
                hi: f64::INFINITY,
            }
        };
        Ok(Cells {
            write,
            read,
            clip,
            per_output,
            gmin: d.gmin_norm(),
        })
    }

    /// What a write does to the arrays (the device form of [`Cells::write`] reads it).
    pub(crate) fn write_mode(&self) -> &Write {
        &self.write
    }

    /// The read-noise law, if reads are noisy.
    pub(crate) fn read_law(&self) -> Option<&dyn ErrorLaw> {
        self.read.as_deref()
    }

    /// The clip after every enabled error step.
    pub(crate) fn clip(&self) -> Clip {
        self.clip
    }

    /// Whether writes change the target conductances.
    pub fn writes_exactly(&self) -> bool {
        matches!(self.write, Write::Exact)
    }

    /// Whether balanced pairs drift as aihwkit's net conductance
    /// (`xbar.device.pcm_pair = "aihwkit"` with PCMLike drift at a time after
    /// programming): then [`Cells::write`] leaves the targets in place and the
    /// core finishes each pair with [`Cells::drift_net_pair`].
    pub fn drifts_net_pairs(&self) -> bool {
        matches!(self.write, Write::PcmLike { net_pair: true, .. })
    }

    /// Whether reads are noisy.
    pub fn noisy_reads(&self) -> bool {
        self.read.is_some()
    }

    /// Whether read noise, if any, is drawn per output (so that a read is the
    /// exact product of the programmed conductances plus Gaussian output noise).
    pub fn output_noise_only(&self) -> bool {
        self.read.is_none() || self.per_output
    }

    /// Writes target conductances `g` (already quantised) into array `array`,
    /// in place: the programmed (or drifted) state.
    pub fn write(&self, g: &mut [f64], array: u32, draws: &Draws) -> Result<()> {
        let prog = Stream::new(draws.seed, array, Purpose::ProgrammingError, draws.program_call);
        match &self.write {
            Write::Exact => {}
            Write::Law(law) => {
                let dist = law.dist();
                for (i, x) in g.iter_mut().enumerate() {
                    let e = draw(dist, &prog, i as u64);
                    *x = self.clip.apply(law.shift(*x) + law.sigma(*x) * e);
                }
            }
            Write::PcmLike { net_pair: true, .. } => {}
            Write::PcmLike { drift, .. } => {
                let nu = Stream::new(draws.seed, array, Purpose::Drift, draws.program_call);
                let call = identity::subcall(draws.program_call, draws.time_call);
                let read = Stream::new(draws.seed, array, Purpose::DriftReadNoise, call);
                for (i, x) in g.iter_mut().enumerate() {
                    let k = i as u64;
                    let mut v = pcm_like::program(*x, prog.normal_at(k));
                    if let Some(t) = drift {
                        v = pcm_like::at_time(v, pcm_like::drift_exponent(*x, nu.normal_at(k)), *t, read.normal_at(k));
                    }
                    *x = self.clip.apply(v);
                }
            }
        }
        Ok(())
    }

    /// aihwkit's PCM pair at the drift time: `gp` and `gn` hold the target
    /// conductances of a balanced pair's G+ and G- arrays (`ids`) and receive
    /// their drifted state. Each device is programmed and given its drift
    /// exponent from its target exactly as in the physical mode (the same
    /// draws), `P± = program(T±)`, `ν± = ν(T±)`. The net programmed
    /// conductance `n = P+ − P-` is then re-converted as aihwkit does with a
    /// fresh scale `k = (1 − Gmin)/max(max|n|, 1e-7)` (the largest net becomes
    /// the full range): `G+' = Gmin + k·max(n, 0)`, `G-' = Gmin + k·max(−n, 0)`;
    /// each drifts with its own exponent and 1/f read noise,
    /// `D± = at_time(G±', ν±, t)`, and is scaled back,
    /// `G± = clip(Gmin + (D± − Gmin)/k)`, so that `G+ − G- = (D+ − D-)/k`.
    /// Without `drifts_net_pairs` the arrays are left as they are.
    pub fn drift_net_pair(&self, gp: &mut [f64], gn: &mut [f64], ids: (u32, u32), draws: &Draws) {
        let Write::PcmLike {
            drift: Some(t),
            net_pair: true,
        } = self.write
        else {
            return;
        };
        let call = identity::subcall(draws.program_call, draws.time_call);
        let streams = |id| {
            (
                Stream::new(draws.seed, id, Purpose::ProgrammingError, draws.program_call),
                Stream::new(draws.seed, id, Purpose::Drift, draws.program_call),
                Stream::new(draws.seed, id, Purpose::DriftReadNoise, call),
            )
        };
        let (pos, neg) = (streams(ids.0), streams(ids.1));
        let net: Vec<f64> = gp
            .iter()
            .zip(gn.iter())
            .enumerate()
            .map(|(i, (&tp, &tn))| {
                let k = i as u64;
                pcm_like::program(tp, pos.0.normal_at(k)) - pcm_like::program(tn, neg.0.normal_at(k))
            })
            .collect();
        let range = 1.0 - self.gmin;
        let scale = range / net.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-7);
        let gmin = self.gmin;
        let side = |target: f64, n: f64, s: &(Stream, Stream, Stream), k: u64| {
            let g = gmin + scale * n.max(0.0);
            let nu = pcm_like::drift_exponent(target, s.1.normal_at(k));
            self.clip
                .apply(gmin + (pcm_like::at_time(g, nu, t, s.2.normal_at(k)) - gmin) / scale)
        };
        for (i, ((p, q), &n)) in gp.iter_mut().zip(gn.iter_mut()).zip(&net).enumerate() {
            let k = i as u64;
            *p = side(*p, n, &pos, k);
            *q = side(*q, -n, &neg, k);
        }
    }

    /// The read noise of cells programmed to `g`: per-cell σ, the draw
    /// distribution and the clip; `None` for noiseless reads.
    pub fn read_noise(&self, g: &Conductances) -> Option<ReadNoise> {
        let law = self.read.as_ref()?;
        let (uniform_sigma, sigma) = crate::with_stored!(g, v => sigmas(law.as_ref(), v));
        Some(ReadNoise {
            sigma,
            uniform_sigma,
            dist: law.dist(),
            clip: self.clip,
            per_output: self.per_output,
        })
    }
}

/// The σ of every cell of `g` under `law`: `(Some(σ), [])` when all are equal.
fn sigmas<T: Stored>(law: &dyn ErrorLaw, g: &[T]) -> (Option<f64>, Vec<f64>) {
    let first = g.first().map(|&x| law.sigma(x.into()));
    let uniform = first.filter(|&f| g.iter().all(|&x| law.sigma(x.into()) == f));
    match uniform {
        Some(_) => (uniform, Vec::new()),
        None => (None, g.iter().map(|&x| law.sigma(x.into())).collect()),
    }
}

/// Read noise of one programmed array: on each read every cell is
/// `clip(G + σ·e)` with a fresh draw e — or, with `per_output`, each output
/// current gets one normal draw with the variance `Σ σ_ij² x_j²` of that sum
/// (exact in distribution when no noisy conductance would be clipped).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadNoise {
    /// σ of every cell; empty when `uniform_sigma` holds it.
    pub sigma: Vec<f64>,
    /// The σ shared by every cell, when all cells have the same one (the
    /// conductance-independent laws): then no per-cell σ is stored.
    pub uniform_sigma: Option<f64>,
    pub dist: Dist,
    pub clip: Clip,
    pub per_output: bool,
}

impl ReadNoise {
    /// Noisy conductances of cells `start..start + g.len()` (programmed values
    /// `g`) into `out`: `clip(G + σ·e)` with `e` the dense draws `start..` of `s`.
    /// The draws are turned into conductances a few dozen at a time, as the
    /// generator makes them ([`Stream::fill_dense_then`]).
    pub fn sample<T: Stored>(&self, g: &[T], start: usize, s: &Stream, out: &mut [f64]) {
        let shift = if self.dist == Dist::Uniform { -0.5 } else { 0.0 };
        let normal = self.dist == Dist::Normal;
        match self.uniform_sigma {
            Some(sd) => s.fill_dense_then(start as u64, out, normal, |at, part| {
                let cells = &g[at..at + part.len()];
                for (o, &g) in part.iter_mut().zip(cells) {
                    *o = self.clip.apply(g.into() + sd * (*o + shift));
                }
            }),
            None => {
                let sigma = &self.sigma[start..start + g.len()];
                s.fill_dense_then(start as u64, out, normal, |at, part| {
                    let n = part.len();
                    let cells = g[at..at + n].iter().zip(&sigma[at..at + n]);
                    for (o, (&g, &sd)) in part.iter_mut().zip(cells) {
                        *o = self.clip.apply(g.into() + sd * (*o + shift));
                    }
                })
            }
        }
    }
}
