//! Noise management (spec §3): the scale `s_nm` an input vector is divided by
//! before the DAC, computed per vector on the raw input; the output is
//! multiplied back by it.

use crate::params::aihwkit::NoiseManagement;

/// aihwkit's assumed largest weight of `ABS_MAX_NP_SUM` (a C++ constant).
pub const NM_ASSUMED_WMAX: f32 = 0.6;
/// The weight of a new vector in the running `AVERAGE_ABS_MAX` value (a C++ constant).
pub const NM_DECAY: f32 = 1e-3;

/// `max_j |x_j|` (0 for an empty vector).
pub fn abs_max(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// `v` capped at `thres` when `thres > 0`.
fn capped(v: f32, thres: f32) -> f32 {
    if thres > 0.0 {
        v.min(thres)
    } else {
        v
    }
}

/// The scale of `x` for a stateless type (every type but `AVERAGE_ABS_MAX`,
/// whose running value the tile keeps): NONE 1; ABS_MAX `max|x|`; MAX `max x`
/// (signed), both capped at `thres > 0`; CONSTANT `thres` (1 if 0);
/// ABS_MAX_NP_SUM [`np_sum`].
pub fn scale(nm: NoiseManagement, thres: f32, x: &[f32], step_in: f32, max_bm_res: f32, out_bound: f32) -> f32 {
    match nm {
        NoiseManagement::None => 1.0,
        NoiseManagement::AbsMax | NoiseManagement::AverageAbsMax => capped(abs_max(x), thres),
        NoiseManagement::Max => capped(x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)), thres),
        NoiseManagement::Constant => {
            if thres > 0.0 {
                thres
            } else {
                1.0
            }
        }
        NoiseManagement::AbsMaxNpSum => np_sum(x, thres, step_in, max_bm_res, out_bound),
    }
}

/// `ABS_MAX_NP_SUM`: with `a` the capped abs-max and `S = max(Σx⁺, −Σx⁻)`,
/// `max(a, min(a·max_bm_res/Δ_in, S·0.6/out_bound))`, the inner `min` only
/// when the DAC quantises (`Δ_in > 0`); an unbounded ADC counts as bound 1.
pub fn np_sum(x: &[f32], thres: f32, step_in: f32, max_bm_res: f32, out_bound: f32) -> f32 {
    let a = capped(abs_max(x), thres);
    let (pos, neg) = x.iter().fold(
        (0.0f32, 0.0f32),
        |(p, n), &v| {
            if v > 0.0 {
                (p + v, n)
            } else {
                (p, n + v)
            }
        },
    );
    let ob = if out_bound.is_finite() && out_bound > 0.0 {
        out_bound
    } else {
        1.0
    };
    let s = pos.max(-neg) * NM_ASSUMED_WMAX / ob;
    if step_in > 0.0 {
        a.max((a * max_bm_res / step_in).min(s))
    } else {
        a.max(s)
    }
}

/// The running `AVERAGE_ABS_MAX` value after vector `x`: its abs-max the
/// first time, then `(1 − 0.001)·v + 0.001·max|x|`.
pub fn average_update(running: Option<f32>, x: &[f32]) -> f32 {
    let a = abs_max(x);
    match running {
        None => a,
        Some(v) => (1.0 - NM_DECAY) * v + NM_DECAY * a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NoiseManagement::*;

    #[test]
    fn every_type_on_hand_computed_vectors() {
        let x = [0.5f32, -2.0, 1.0];
        assert_eq!(scale(None, 0.0, &x, 0.0, 0.25, 12.0), 1.0);
        assert_eq!(scale(AbsMax, 0.0, &x, 0.0, 0.25, 12.0), 2.0);
        assert_eq!(scale(AbsMax, 1.5, &x, 0.0, 0.25, 12.0), 1.5);
        assert_eq!(scale(Max, 0.0, &x, 0.0, 0.25, 12.0), 1.0);
        assert_eq!(scale(Max, 0.0, &[-1.0, -2.0], 0.0, 0.25, 12.0), -1.0);
        assert_eq!(scale(Constant, 0.0, &x, 0.0, 0.25, 12.0), 1.0);
        assert_eq!(scale(Constant, 4.0, &x, 0.0, 0.25, 12.0), 4.0);
    }

    #[test]
    fn np_sum_takes_the_larger_of_abs_max_and_the_sum_bound() {
        // Σx⁺ = 40, so S·0.6/out_bound = 24/12 = 2 > a = 1.
        let x = vec![1.0f32; 40];
        assert_eq!(np_sum(&x, 0.0, 0.0, 0.25, 12.0), 2.0);
        // With Δ_in = 0.25: a·max_bm_res/Δ_in = 1 caps it at max(1, min(1, 2)) = 1.
        assert_eq!(np_sum(&x, 0.0, 0.25, 0.25, 12.0), 1.0);
        // Negative sums count as well; an unbounded ADC counts as bound 1.
        let y = [-1.0f32, -1.0, 0.5];
        assert_eq!(np_sum(&y, 0.0, 0.0, 0.25, f32::INFINITY), 1.2);
    }

    #[test]
    fn running_average() {
        assert_eq!(average_update(Option::None, &[0.5, -2.0]), 2.0);
        assert_eq!(average_update(Some(2.0), &[1.0]), (1.0 - NM_DECAY) * 2.0 + NM_DECAY);
    }
}
