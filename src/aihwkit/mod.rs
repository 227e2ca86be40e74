//! aihwkit's analog-tile periphery (`aihwkit.enable`; spec
//! aihwkit-forward-io.md): in place of CrossSim's DAC/ADC path, MVM runs the
//! forward IO pipeline of aihwkit's CPU tile and VMM its backward one.
//!
//! The weights are the core's stored weights as [`crate::Core::read`] returns
//! them (programming error and drift of xbar's device models included), in the
//! units they were programmed in, single precision; aihwkit's mapping splits
//! them into tiles ([`mapping`]), each with its own noise and bound
//! management, and the tiles' outputs are summed in double precision.
//!
//! One forward read of one vector `x` by one tile ([`tile`]), all in `f32`:
//!
//! ```text
//! s ← NM(x)                                   (noise_management.rs)
//! zero output if NM ≠ NONE, s ≤ 0 and inp_noise = 0
//! red = 1, 2, 4, … (bound management rounds):
//!     c = 1/s (NM ≠ NONE, s > 0), divided by red (BM ≠ NONE)
//!     u_j = clip(q_in(c·x_j)) + inp_noise·ξ, negative u_j × (1 − inp_asymmetry)
//!     y = W u − IR drop; voltage offset / r_series; + weight noise
//!     y_i = nonlinearity, asymmetry, + σ_i·ξ, q_out, flag if |y_i| > out_bound, clip
//! until no flag or red > max_bm_factor or red > max_bm_res/Δ_in
//! return y·out_scale/c
//! ```
//!
//! The backward pass is the same on `Wᵀ` with `aihwkit.backward`, without
//! bound management, its output zero when `s ≤ 0`.

pub mod mapping;
pub mod noise_management;
pub mod nonideal;
mod periphery;
pub mod quantize;
pub mod tile;

use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::params::aihwkit::AihwkitParams;
use crate::params::Params;
use crate::product::Op;
use crate::rng::identity;
use tile::{Direction, ReadDraws, Tile};

/// Refuses a parameter set with `aihwkit.enable` that asks for what the
/// aihwkit path cannot honour (xbar's per-read effects, which it does not
/// apply), and a matrix with more tiles than streams can name.
pub fn check(p: &Params, rows: usize, cols: usize) -> Result<()> {
    if !p.aihwkit.enable {
        return Ok(());
    }
    let d = &p.xbar.device;
    let ignored = [
        (d.read_noise.enable, "xbar.device.read_noise: per-read conductance noise is not applied on the aihwkit path; use aihwkit.forward.w_noise"),
        (p.xbar.array.parasitics.enable, "xbar.array.parasitics: wire parasitics are not simulated on the aihwkit path; use aihwkit.forward.ir_drop"),
        (d.nonlinear_iv.enable, "xbar.device.nonlinear_IV: nonlinear I-V cells are not simulated on the aihwkit path; use aihwkit.forward.out_nonlinearity"),
        (p.xbar.array.icol_max > 0.0, "xbar.array.Icol_max: the column-current limit is not applied on the aihwkit path; use aihwkit.forward.out_bound"),
    ];
    if let Some((_, msg)) = ignored.iter().find(|(on, _)| *on) {
        return Err(Error::unsupported(*msg));
    }
    let m = &p.aihwkit.mapping;
    let n = mapping::split(rows, m.max_output_size).len() * mapping::split(cols, m.max_input_size).len();
    if n > identity::MAX_AIHWKIT_TILES {
        return Err(Error::shape(format!(
            "a {rows} x {cols} matrix split into {n} aihwkit tiles: at most {} have random streams of their own; \
             raise aihwkit.mapping.max_input_size or max_output_size",
            identity::MAX_AIHWKIT_TILES
        )));
    }
    Ok(())
}

/// The tiles of one core's matrix.
#[derive(Debug, Clone)]
pub struct Tiles {
    rows: usize,
    cols: usize,
    seed: u64,
    /// The core state the weights were read at (programming, time and update calls).
    generation: (u64, u64, u64),
    row_parts: Vec<(usize, usize)>,
    col_parts: Vec<(usize, usize)>,
    /// Row-major over the grid of parts.
    tiles: Vec<Tile>,
    /// Each tile's output scales (one per output row).
    scales: Vec<Vec<f32>>,
}

impl Tiles {
    /// The tiles of the `rows × cols` matrix `w` (row-major, weight units),
    /// read from a core at state `generation`; their fixed draws come from `seed`.
    pub fn new(
        p: &AihwkitParams,
        w: &[f64],
        rows: usize,
        cols: usize,
        seed: u64,
        generation: (u64, u64, u64),
    ) -> Tiles {
        let row_parts = mapping::split(rows, p.mapping.max_output_size);
        let col_parts = mapping::split(cols, p.mapping.max_input_size);
        let mut tiles = Vec::with_capacity(row_parts.len() * col_parts.len());
        let mut scales = Vec::with_capacity(tiles.capacity());
        for &(r0, nr) in &row_parts {
            for &(c0, nc) in &col_parts {
                let mut t = Vec::with_capacity(nr * nc);
                for i in r0..r0 + nr {
                    t.extend(w[i * cols + c0..i * cols + c0 + nc].iter().map(|&v| v as f32));
                }
                let s = mapping::scales(&p.mapping, &t, nr, nc);
                for (row, &si) in t.chunks_mut(nc).zip(&s) {
                    row.iter_mut().for_each(|v| *v /= si);
                }
                tiles.push(Tile::new(tiles.len() as u32, t, nr, nc, &p.forward, &p.backward, seed));
                scales.push(s);
            }
        }
        Tiles {
            rows,
            cols,
            seed,
            generation,
            row_parts,
            col_parts,
            tiles,
            scales,
        }
    }

    /// The core state the weights were read at.
    pub fn generation(&self) -> (u64, u64, u64) {
        self.generation
    }

    /// Bytes of the tiles' weights (and `|W|` where kept).
    pub fn state_bytes(&self) -> usize {
        self.tiles.iter().map(Tile::state_bytes).sum()
    }

    /// `(row start, rows, col start, cols)` of every tile, row-major.
    pub fn layout(&self) -> Vec<(usize, usize, usize, usize)> {
        self.row_parts
            .iter()
            .flat_map(|&(r0, nr)| self.col_parts.iter().map(move |&(c0, nc)| (r0, nr, c0, nc)))
            .collect()
    }

    /// MVM (forward pipeline) or VMM (backward pipeline) of the batch `x`
    /// as read call `call`: every tile reads its part of each vector; the
    /// parts' outputs, times the tiles' scales, are summed.
    pub fn apply(&mut self, op: Op, x: &Batch, call: u64) -> Batch {
        let (nout, dir) = match op {
            Op::Mvm => (self.rows, Direction::Forward),
            Op::Vmm => (self.cols, Direction::Backward),
        };
        let draws = ReadDraws { seed: self.seed, call };
        let mut y = Batch::zeros(nout, x.count);
        for (k, (r0, nr, c0, nc)) in self.layout().into_iter().enumerate() {
            let scales = &self.scales[k];
            let (in0, nin, out0, nt) = match dir {
                Direction::Forward => (c0, nc, r0, nr),
                Direction::Backward => (r0, nr, c0, nc),
            };
            let mut xs: Vec<f32> = Vec::with_capacity(nin * x.count);
            for b in 0..x.count {
                xs.extend(x.vector(b)[in0..in0 + nin].iter().map(|&v| v as f32));
            }
            if dir == Direction::Backward {
                // d ← d·scales: Wᵀd = (W/s)ᵀ(s·d).
                for xb in xs.chunks_mut(nin) {
                    xb.iter_mut().zip(scales).for_each(|(v, s)| *v *= s);
                }
            }
            let yt = self.tiles[k].read(dir, &xs, x.count, draws);
            for b in 0..x.count {
                let out = &mut y.vector_mut(b)[out0..out0 + nt];
                let part = &yt[b * nt..(b + 1) * nt];
                match dir {
                    Direction::Forward => {
                        for ((o, &v), &s) in out.iter_mut().zip(part).zip(scales) {
                            *o += f64::from(v * s);
                        }
                    }
                    Direction::Backward => {
                        for (o, &v) in out.iter_mut().zip(part) {
                            *o += f64::from(v);
                        }
                    }
                }
            }
        }
        y
    }
}

/// aihwkit's gradient mask (spec §6, autograd backward): `d_i ← 0` where
/// the forward output `y_i` of the same vector reached the ADC bound,
/// `|y_i| ≥ 0.999·out_scale·out_bound` (outputs after noise-management
/// rescaling, so it also fires on unclipped outputs when `s_nm > 1`). xbar's
/// VMM does not know which MVM it follows, so a caller who trains applies it
/// to `d` before the VMM. No mask when `out_bound ≤ 0`.
pub fn gradient_mask(io: &crate::params::aihwkit::IoParameters, y_forward: &[f64], d: &mut [f64]) {
    if io.out_bound <= 0.0 {
        return;
    }
    let limit = 0.999 * io.out_scale * io.out_bound;
    for (di, yi) in d.iter_mut().zip(y_forward) {
        if yi.abs() >= limit {
            *di = 0.0;
        }
    }
}
