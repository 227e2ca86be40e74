//! One direction's periphery of an aihwkit tile in single precision (spec
//! §2–§5): its converters, noise and bound-management settings, and the
//! values drawn once when the tile is built (per-output noise spread,
//! non-linearity, voltage offsets).

use super::noise_management as nm;
use super::nonideal;
use super::quantize::Quantizer;
use super::tile::Direction;
use crate::params::aihwkit::{BoundManagement, IoParameters, MvType, NoiseManagement, WeightNoise};
use crate::rng::identity;

/// Draw kinds made once per tile ([`identity::aihwkit_tile`]); kind 3 is the
/// two-pass MAC's read asymmetry (`tile.rs`).
const FIXED_OUT_NOISE: u32 = 0;
const FIXED_NONLINEARITY: u32 = 1;
const FIXED_V_OFFSET: u32 = 2;

/// One direction's periphery in single precision, with its fixed draws.
#[derive(Debug, Clone)]
pub(super) struct Periphery {
    pub(super) perfect: bool,
    pub(super) mv: MvType,
    /// `w_read_asymmetry_dtod`.
    pub(super) read_dtod: f32,
    pub(super) nm: NoiseManagement,
    /// Forced to `None` in the backward pass, as aihwkit does.
    pub(super) bm: BoundManagement,
    pub(super) bm_negative: bool,
    pub(super) max_bm_factor: f64,
    pub(super) max_bm_res: f32,
    pub(super) nm_thres: f32,
    pub(super) dac: Quantizer,
    pub(super) adc: Quantizer,
    pub(super) inp_noise: f32,
    pub(super) inp_asymmetry: f32,
    pub(super) out_noise: f32,
    pub(super) out_asymmetry: f32,
    pub(super) out_scale: f32,
    pub(super) w_noise: f32,
    pub(super) w_noise_type: WeightNoise,
    pub(super) ir_drop: f32,
    pub(super) ir_drop_g_ratio: f32,
    /// Per-output output-noise std (`out_noise_std > 0`); empty: `out_noise` for all.
    pub(super) out_sigma: Vec<f32>,
    /// Per-output non-linearity `nl_i` and gain `nlf` (`out_nonlinearity > 0` or `r_series > 0`).
    pub(super) nonlinear: bool,
    pub(super) nl: Vec<f32>,
    pub(super) nlf: f32,
    /// Per-output voltage offsets (`v_offset_std > 0` or `r_series > 0`).
    pub(super) voffset: bool,
    pub(super) v_off: Vec<f32>,
    pub(super) r_series: f32,
    pub(super) r_series_max_total: f32,
    pub(super) v_offset_w_min: f32,
}

/// Standard normals `0..n` of a fixed-draw stream, in single precision.
pub(super) fn fixed_normals(seed: u64, tile: u32, dir: Direction, kind: u32, n: usize) -> Vec<f32> {
    let s = identity::aihwkit_tile(seed, tile, dir == Direction::Backward, kind);
    let mut buf = vec![0.0; n];
    s.fill_dense(0, &mut buf, true);
    buf.into_iter().map(|v| v as f32).collect()
}

impl Periphery {
    /// The periphery of `io` for `outputs` output lines, drawing its fixed values.
    pub(super) fn new(io: &IoParameters, dir: Direction, outputs: usize, seed: u64, tile: u32) -> Periphery {
        let f = |v: f64| v as f32;
        let adc = Quantizer::new(io.out_res, io.out_bound, io.out_sto_round);
        // An unbounded ADC counts as bound 1 where aihwkit divides by it.
        let ob = if io.out_bound > 0.0 { f(io.out_bound) } else { 1.0 };
        let out_sigma = if io.out_noise_std > 0.0 {
            let xi = fixed_normals(seed, tile, dir, FIXED_OUT_NOISE, outputs);
            xi.iter()
                .map(|x| (f(io.out_noise) * (1.0 + f(io.out_noise_std) * x)).abs())
                .collect()
        } else {
            Vec::new()
        };
        let nonlinear = io.out_nonlinearity > 0.0 || io.r_series > 0.0;
        let nl: Vec<f32> = if nonlinear {
            let xi = fixed_normals(seed, tile, dir, FIXED_NONLINEARITY, outputs);
            let base = f(io.out_nonlinearity) / ob;
            xi.iter()
                .map(|x| (base * (1.0 + f(io.out_nonlinearity_std) * x)).abs())
                .collect()
        } else {
            Vec::new()
        };
        let nlf = nonideal::nonlinearity_gain(&nl, f(io.r_series), f(io.slope_calibration), ob);
        let voffset = io.v_offset_std > 0.0 || io.r_series > 0.0;
        let v_off = if voffset {
            let xi = fixed_normals(seed, tile, dir, FIXED_V_OFFSET, outputs);
            xi.iter().map(|x| (f(io.v_offset_std) * x).max(0.0)).collect()
        } else {
            Vec::new()
        };
        Periphery {
            perfect: io.is_perfect,
            mv: io.mv_type,
            read_dtod: f(io.w_read_asymmetry_dtod),
            nm: io.noise_management,
            bm: match dir {
                Direction::Forward => io.bound_management,
                Direction::Backward => BoundManagement::None,
            },
            bm_negative: io.bm_test_negative_bound,
            max_bm_factor: io.max_bm_factor,
            max_bm_res: f(io.max_bm_res),
            nm_thres: if io.noise_management == NoiseManagement::None {
                0.0
            } else {
                f(io.nm_thres)
            },
            dac: Quantizer::new(io.inp_res, io.inp_bound, io.inp_sto_round),
            adc,
            inp_noise: f(io.inp_noise),
            inp_asymmetry: f(io.inp_asymmetry),
            out_noise: f(io.out_noise),
            out_asymmetry: f(io.out_asymmetry),
            out_scale: f(io.out_scale),
            w_noise: if io.w_noise_type == WeightNoise::None {
                0.0
            } else {
                f(io.w_noise)
            },
            w_noise_type: io.w_noise_type,
            ir_drop: f(io.ir_drop),
            ir_drop_g_ratio: f(io.ir_drop_g_ratio),
            out_sigma,
            nonlinear,
            nl,
            nlf,
            voffset,
            v_off,
            r_series: f(io.r_series),
            r_series_max_total: f(io.r_series_max_total),
            v_offset_w_min: f(io.v_offset_w_min),
        }
    }

    /// The noise-management scale of one vector (stateless types).
    pub(super) fn scale(&self, x: &[f32]) -> f32 {
        nm::scale(
            self.nm,
            self.nm_thres,
            x,
            self.dac.step,
            self.max_bm_res,
            self.adc.bound,
        )
    }

    /// Whether bound management stops after a round with reduction `red`.
    pub(super) fn bm_done(&self, flagged: bool, red: f32) -> bool {
        self.bm == BoundManagement::None
            || !flagged
            || f64::from(red) > self.max_bm_factor
            || (self.dac.step > 0.0 && red > self.max_bm_res / self.dac.step)
    }
}
