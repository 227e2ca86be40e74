//! The analog non-idealities of one read (spec §5), in the normalised
//! domain: `u` is the prepared (DAC) input of one vector, `n` its length,
//! `y` the ideal product `W u`.

/// IR drop's weighting of input `j` of `n`: `1 − (1 − j/n)²` (0 for the first input).
#[inline]
pub fn ir_drop_weight(j: usize, n: usize) -> f32 {
    let t = 1.0 - j as f32 / n as f32;
    1.0 - t * t
}

/// IR drop of one output: with `abs_sum = Σ_j |W_ij||u_j|` and
/// `weighted = Σ_j W_ij·u_j·ir_drop_weight(j)`, `a = (n/g_ratio)·abs_sum`,
/// `c = 0.05a³ − 0.2a² + 0.5a`, the output loses `ir_drop·c·weighted`.
#[inline]
pub fn ir_drop(y: f32, abs_sum: f32, weighted: f32, n: usize, ir_drop: f32, g_ratio: f32) -> f32 {
    let a = n as f32 / g_ratio * abs_sum;
    let c = 0.05 * a * a * a - 0.2 * a * a + 0.5 * a;
    y - ir_drop * c * weighted
}

/// Voltage offset `v ≥ 0` of an output and series resistance `r`: with no
/// reference line (`w_min = 0`) `(1 − v)·y/(1 + min(r|y|, r_max))`; otherwise, with
/// `y_ref = −w_min·Σ_j u_j` (`u_sum`),
/// `(1 − v)(y + y_ref)/(1 + r|y + y_ref|) − (1 + v)·y_ref/(1 + r|y_ref|)`.
#[inline]
pub fn v_offset(y: f32, v: f32, r: f32, r_max: f32, w_min: f32, u_sum: f32) -> f32 {
    if w_min == 0.0 {
        (1.0 - v) * y / (1.0 + (r * y.abs()).min(r_max))
    } else {
        let y_ref = -w_min * u_sum;
        let t = y + y_ref;
        (1.0 - v) * t / (1.0 + r * t.abs()) - (1.0 + v) * y_ref / (1.0 + r * y_ref.abs())
    }
}

/// The output non-linearity `nlf·y/(1 + |nl·y|)`.
#[inline]
pub fn nonlinearity(y: f32, nl: f32, nlf: f32) -> f32 {
    nlf * y / (1.0 + (nl * y).abs())
}

/// The gain `nlf` of the non-linearity: 1, or with `slope_calibration > 0`
/// `f²` for `f = 1 + (mean nl + r_series)·slope_calibration·out_bound`.
pub fn nonlinearity_gain(nl: &[f32], r_series: f32, slope_calibration: f32, out_bound: f32) -> f32 {
    if slope_calibration <= 0.0 || nl.is_empty() {
        return 1.0;
    }
    let mean = nl.iter().sum::<f32>() / nl.len() as f32;
    let f = 1.0 + (mean + r_series) * slope_calibration * out_bound;
    f * f
}

/// A negative value times `1 − asymmetry`.
#[inline]
pub fn asymmetry(v: f32, asymmetry: f32) -> f32 {
    if v < 0.0 {
        (1.0 - asymmetry) * v
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ir_drop_on_hand_computed_values() {
        assert_eq!(ir_drop_weight(0, 4), 0.0);
        assert_eq!(ir_drop_weight(2, 4), 0.75);
        // a = 4/2·1 = 2: c = 0.4 − 0.8 + 1 = 0.6; y − 0.5·0.6·2 = 1 − 0.6.
        let y = ir_drop(1.0, 1.0, 2.0, 4, 0.5, 2.0);
        assert!((y - 0.4).abs() < 1e-6, "{y}");
    }

    #[test]
    fn v_offset_and_series_resistance() {
        assert_eq!(v_offset(2.0, 0.5, 0.0, 1e20, 0.0, 0.0), 1.0);
        assert_eq!(v_offset(2.0, 0.0, 0.5, 1e20, 0.0, 0.0), 1.0);
        assert_eq!(v_offset(2.0, 0.0, 0.5, 0.25, 0.0, 0.0), 1.6);
        // Reference line: w_min = −1, Σu = 1: y_ref = 1; (0.5·3)/(1) − 1.5·1/1 = 0 with r = 0.
        assert_eq!(v_offset(2.0, 0.5, 0.0, 1e20, -1.0, 1.0), 0.0);
        // r = 1, v = 0: 3/4 − 1/2.
        assert_eq!(v_offset(2.0, 0.0, 1.0, 1e20, -1.0, 1.0), 0.25);
    }

    #[test]
    fn nonlinearity_and_its_calibration() {
        assert_eq!(nonlinearity(2.0, 0.5, 1.0), 1.0);
        assert_eq!(nonlinearity(-2.0, 0.5, 1.0), -1.0);
        // mean nl 0.25, r_series 0, slope 0.5, bound 8: f = 2, nlf = 4.
        assert_eq!(nonlinearity_gain(&[0.125, 0.375], 0.0, 0.5, 8.0), 4.0);
        assert_eq!(nonlinearity_gain(&[0.125, 0.375], 0.0, 0.0, 8.0), 1.0);
        assert_eq!(asymmetry(-2.0, 0.25), -1.5);
        assert_eq!(asymmetry(2.0, 0.25), 2.0);
    }
}
