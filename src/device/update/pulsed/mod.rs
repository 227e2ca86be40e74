//! aihwkit's pulsed stochastic update (spec update-models.md §B): a write is
//! a number of identical pulses per cell, and each pulse moves the cell by
//! its step device's rule (§B.5), with device-to-device (per cell, fixed) and
//! cycle-to-cycle (per pulse) variation.
//!
//! * [`trains`]: pulse trains of a sample's outer product, update management
//!   and coincidences (the `per_sample` write);
//! * one file per step device: [`constant_step`], [`linear_step`],
//!   [`soft_bounds`], [`exp_step`], [`pow_step`], [`piecewise_step`].
//!
//! Units: a device's weight `w` is in its own units (aihwkit's); the nominal
//! range `[w_min, w_max]` spans the conductance window `[Gmin, 1]`:
//! `w = w_min + (G − Gmin)·k`, `k = (w_max − w_min)/(1 − Gmin)`, and requests
//! in conductance are multiplied by `k`.
//!
//! Device-to-device parameters (§B.4), a pure function of (core seed, array,
//! cell) and so fixed for the core's life (programming does not change
//! them): normals `ξ0..ξ3` of block `2·cell` of the stream (seed, array,
//! `DeviceToDevice`, 0) give
//! `b_max = w_max(1 + w_max_dtod·ξ0)`, `b_min = w_min(1 + w_min_dtod·ξ1)`,
//! gain `γ = 1 + dw_min_dtod·ξ2`, `r = up_down_dtod·ξ3` and, with
//! `β = up_down`, `Δ⁺ = |min(β, 0) + γ + r|·dw_min`,
//! `Δ⁻ = |−max(β, 0) + γ − r|·dw_min`; bounds are made consistent
//! (swapped if inverted, then `b_max = |b_max|`, `b_min = −|b_min|`).
//! Block `2·cell + 1` holds the step device's own draws.
//!
//! A cell receiving `n` pulses starts from its state clipped to
//! `[b_min, b_max]`, and after each pulse is clipped again; pulse `t` uses the
//! cycle-to-cycle factor `f = 1 + dw_min_std·ξ_t` (not made positive: a
//! pulse may move the wrong way, Part C.2), `ξ_t` = dense normal
//! `cell·S + t` of the write's stream, `S` = `desired_bl + 1` rounded up to
//! a multiple of 4 (so that a cell's draws start a Philox block).
//!
//! Writes: a `per_sample` write (one outer product) is driven by pulse trains
//! ([`trains`]; each array draws its own, so the two devices of a balanced
//! pair are independent); a `Dense` request (the `accumulate` batch mode) gives cell
//! `c` `n = ⌊|Δw|/ε + u⌋` pulses (`u` = dense uniform `c·S + desired_bl`,
//! so `E[n]·ε = |Δw|`), at most `desired_bl`, like the longest train.
//! The granularity ε is the device type's mean step (§B.1).
//!
//! Not modelled: aihwkit's hidden-weight write noise, corrupt devices,
//! diffusion, decay and reset (they act outside the update), and trains
//! longer than `desired_bl` (its `fixed_bl = false`).

pub mod constant_step;
pub mod exp_step;
pub mod linear_step;
pub mod piecewise_step;
pub mod pow_step;
pub mod soft_bounds;
pub mod trains;

use super::{CellsMut, DeviceUpdate, Draws, Request, PARALLEL_MIN_CELLS};
use crate::params::{PulsedParams, StepDevice};
use crate::rng::{dense_normal, Purpose, Stream};
use crate::storage::Stored;
use rayon::prelude::*;
use trains::{Management, MAX_BL};

/// A cell's device-to-device parameters common to every step device (device units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Step of one up (potentiating) and one down pulse, both > 0 in the mean.
    pub up: f64,
    pub down: f64,
    /// The cell's bounds `b_min <= 0 <= b_max`.
    pub w_min: f64,
    pub w_max: f64,
}

impl Cell {
    /// The parameters of `p` for unit normals `xi` (§B.4, enforce_consistency on).
    pub fn draw(p: &PulsedParams, xi: [f64; 4]) -> Cell {
        let mut hi = p.w_max * (1.0 + p.w_max_dtod * xi[0]);
        let mut lo = p.w_min * (1.0 + p.w_min_dtod * xi[1]);
        let gain = 1.0 + p.dw_min_dtod * xi[2];
        let r = p.up_down_dtod * xi[3];
        let up = (p.up_down.min(0.0) + gain + r) * p.dw_min;
        let down = (-p.up_down.max(0.0) + gain - r) * p.dw_min;
        if lo > hi {
            std::mem::swap(&mut lo, &mut hi);
        }
        Cell {
            up: up.abs(),
            down: down.abs(),
            w_min: -lo.abs(),
            w_max: hi.abs(),
        }
    }
}

/// What one pulse does to one cell: a step device (§B.5).
pub trait Step: std::fmt::Debug + Send + Sync + 'static {
    /// The device's own per-cell parameters.
    type Own: Copy;
    /// Whether [`Step::own`] uses its normal draws.
    fn draws(&self) -> bool;
    /// The cell's own parameters from its common ones and unit normals `xi`.
    fn own(&self, cell: &Cell, xi: [f64; 4]) -> Self::Own;
    /// The weight after one pulse from `w` (up: potentiating) with
    /// cycle-to-cycle factor `f`, before the clip to the cell's bounds.
    fn pulse(&self, cell: &Cell, own: &Self::Own, w: f64, up: bool, f: f64) -> f64;
    /// The weight granularity ε of the device type (§B.1), from `p`'s mean parameters.
    fn granularity(&self, p: &PulsedParams) -> f64;
}

/// A step device `S` as an update model of cells with window `[gmin, 1]`.
#[derive(Debug, Clone)]
pub struct Pulsed<S: Step> {
    step: S,
    params: PulsedParams,
    management: Management,
    eps: f64,
    gmin: f64,
    /// Device units per unit of normalised conductance.
    k: f64,
}

/// The pulsed update model `p` describes, on the window `[gmin, 1]`.
pub fn model(p: &PulsedParams, gmin: f64) -> Box<dyn DeviceUpdate> {
    match p.device {
        StepDevice::ConstantStep => Box::new(Pulsed::new(constant_step::ConstantStep, p, gmin)),
        StepDevice::LinearStep => Box::new(Pulsed::new(linear_step::LinearStep::new(p), p, gmin)),
        StepDevice::SoftBounds => Box::new(Pulsed::new(soft_bounds::soft_bounds(), p, gmin)),
        StepDevice::ExpStep => Box::new(Pulsed::new(exp_step::ExpStep::new(p), p, gmin)),
        StepDevice::PowStep => Box::new(Pulsed::new(pow_step::PowStep::new(p), p, gmin)),
        StepDevice::PiecewiseStep => Box::new(Pulsed::new(piecewise_step::PiecewiseStep::new(p), p, gmin)),
    }
}

impl<S: Step> Pulsed<S> {
    /// Device `step` with the parameters `p` on the window `[gmin, 1]`.
    pub fn new(step: S, p: &PulsedParams, gmin: f64) -> Self {
        Pulsed {
            eps: step.granularity(p),
            step,
            params: p.clone(),
            management: Management {
                desired_bl: p.desired_bl.min(MAX_BL),
                update_management: p.update_management,
                update_bl_management: p.update_bl_management,
            },
            gmin,
            k: (p.w_max - p.w_min) / (1.0 - gmin),
        }
    }

    /// The weight granularity ε (device units).
    pub fn granularity(&self) -> f64 {
        self.eps
    }

    /// Device units per unit of normalised conductance.
    pub fn units(&self) -> f64 {
        self.k
    }

    /// The step device.
    pub fn step(&self) -> &S {
        &self.step
    }

    /// The parameters the model was made from.
    pub fn params(&self) -> &PulsedParams {
        &self.params
    }

    /// The low end `Gmin` of the conductance window `[Gmin, 1]`.
    pub fn window_min(&self) -> f64 {
        self.gmin
    }

    /// The train length and its management.
    pub fn management(&self) -> &Management {
        &self.management
    }

    /// Dense draws per cell and write (whole Philox blocks): the cycle-to-cycle
    /// normal of pulse `t` of cell `c` is dense draw `c·S + t`, its rounding
    /// uniform (a `Dense` request) `c·S + desired_bl`.
    pub fn draws_per_cell(&self) -> u64 {
        self.stride()
    }

    /// Dense draws per cell and write: one normal per pulse, then a rounding
    /// uniform, padded to whole Philox blocks.
    fn stride(&self) -> u64 {
        (u64::from(self.management.desired_bl) + 1).next_multiple_of(4)
    }

    /// The common and own parameters of cell `cell` of the array of `d2d`.
    pub fn cell(&self, d2d: &Stream, cell: usize) -> (Cell, S::Own) {
        let c = Cell::draw(&self.params, d2d.normals4(2 * cell as u64));
        let xi = if self.step.draws() {
            d2d.normals4(2 * cell as u64 + 1)
        } else {
            [0.0; 4]
        };
        let own = self.step.own(&c, xi);
        (c, own)
    }

    /// `w` after one pulse (up or down) per cycle-to-cycle factor of
    /// `factors`, starting inside the cell's bounds.
    pub fn pulses(&self, cell: &Cell, own: &S::Own, w: f64, up: bool, factors: impl IntoIterator<Item = f64>) -> f64 {
        let mut w = w.clamp(cell.w_min, cell.w_max);
        for f in factors {
            w = self.step.pulse(cell, own, w, up, f).clamp(cell.w_min, cell.w_max);
        }
        w
    }

    /// Conductance `g` of cell `cell` after `n` pulses (up or down) of the
    /// write whose stream is `draws`.
    fn write_cell(&self, cell: usize, g: f64, up: bool, n: usize, draws: &Stream) -> f64 {
        let d2d = draws.sibling(Purpose::DeviceToDevice, 0);
        let (c, own) = self.cell(&d2d, cell);
        let std = self.params.dw_min_std;
        let base = cell as u64 * self.stride() / 4;
        let mut words = [0u32; 4];
        let factors = (0..n).map(|t| {
            if std == 0.0 {
                return 1.0;
            }
            if t % 4 == 0 {
                words = draws.block_at(base + (t / 4) as u64);
            }
            1.0 + std * dense_normal(words[t % 4])
        });
        let w = self.params.w_min + (g - self.gmin) * self.k;
        let w = self.pulses(&c, &own, w, up, factors);
        self.gmin + (w - self.params.w_min) / self.k
    }

    /// One sample's outer product `scale·lr·d ⊗ x` written with pulse trains.
    fn write_outer<T: Stored>(
        &self,
        g: &mut [T],
        first: usize,
        x: &[f64],
        d: &[f64],
        lambda: f64,
        draws: &Stream,
    ) -> bool {
        let amax = |v: &[f64]| v.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let Some(s) = trains::scales(lambda.abs(), self.eps, amax(x), amax(d), &self.management) else {
            return false;
        };
        let ts = draws.sibling(Purpose::PulseTrain, draws.call());
        let cols = x.len();
        let tx: Vec<u64> = (0..cols)
            .map(|j| trains::train(s.b * x[j].abs(), s.bl, &ts, j as u64))
            .collect();
        let td: Vec<u64> = (0..d.len())
            .map(|i| trains::train(s.a * d[i].abs(), s.bl, &ts, (cols + i) as u64))
            .collect();
        let row = |i: usize, row: &mut [T]| -> bool {
            if td[i] == 0 {
                return false;
            }
            let mut written = false;
            for (j, g) in row.iter_mut().enumerate() {
                let n = trains::coincidences(tx[j], td[i]);
                if n > 0 {
                    let up = lambda * d[i] * x[j] > 0.0;
                    *g = T::store(self.write_cell(first + i * cols + j, (*g).into(), up, n as usize, draws));
                    written = true;
                }
            }
            written
        };
        if g.len() < PARALLEL_MIN_CELLS {
            return g.chunks_mut(cols).enumerate().fold(false, |w, (i, r)| row(i, r) | w);
        }
        crate::threads::install(|| {
            g.par_chunks_mut(cols)
                .enumerate()
                .map(|(i, r)| row(i, r))
                .reduce(|| false, |a, b| a | b)
        })
    }
}

impl<S: Step> DeviceUpdate for Pulsed<S> {
    /// A request `dg` as `n = ⌊|dg·k|/ε + u⌋` pulses (at most `desired_bl`).
    fn respond(&self, cell: usize, g: f64, dg: f64, draws: &Draws) -> f64 {
        let draws = draws.stream;
        let mut u = [0.0];
        let bl = self.management.desired_bl;
        draws.fill_dense(cell as u64 * self.stride() + u64::from(bl), &mut u, false);
        let n = ((dg * self.k).abs() / self.eps + u[0]).floor();
        let n = n.min(f64::from(bl)) as usize;
        if n == 0 {
            return g;
        }
        self.write_cell(cell, g, dg > 0.0, n, draws)
    }

    fn write(&self, g: CellsMut<'_>, first: usize, request: &Request, scale: f64, draws: &Stream) -> bool {
        match (*request, g) {
            (Request::Outer { x, d, lr }, CellsMut::Single(g)) => {
                self.write_outer(g, first, x, d, lr * scale * self.k, draws)
            }
            (Request::Outer { x, d, lr }, CellsMut::Double(g)) => {
                self.write_outer(g, first, x, d, lr * scale * self.k, draws)
            }
            (Request::Dense(_), CellsMut::Single(g)) => super::write_cells(self, g, first, request, scale, draws),
            (Request::Dense(_), CellsMut::Double(g)) => super::write_cells(self, g, first, request, scale, draws),
        }
    }
}
