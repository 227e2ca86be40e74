//! Value ranges mapped onto the hardware: the weight range (fixed, or from a
//! percentile of the matrix) and per-vector input ranges (spec §3.5, §4).

/// `(-X, X)` with `X = percentile·max|data|` for percentile ≥ 1, else
/// `X = max(|P(100p)|, |P(100 - 100p)|)` with NumPy's linear-interpolation
/// percentile P. A zero X becomes `(-ε, ε)` with ε = 2^-52.
pub fn percentile_limits(data: &[f64], percentile: f64) -> (f64, f64) {
    let x = if percentile >= 1.0 {
        data.iter().fold(0.0f64, |m, v| m.max(v.abs())) * percentile
    } else {
        let mut sorted = data.to_vec();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let a = linear_percentile(&sorted, 100.0 * percentile);
        let b = linear_percentile(&sorted, 100.0 - 100.0 * percentile);
        a.abs().max(b.abs())
    };
    if x == 0.0 {
        (-f64::EPSILON, f64::EPSILON)
    } else {
        (-x, x)
    }
}

/// NumPy's default ("linear") percentile `q` (0..=100) of sorted data.
fn linear_percentile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let idx = (n - 1) as f64 * q / 100.0;
    let lo = idx.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let t = idx - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_and_percentile() {
        let w = [
            0.75, -0.5, 0.25, 0.0, 1.0, 0.125, -0.375, -1.0, -0.25, 0.5, 0.625, 0.875,
        ];
        assert_eq!(percentile_limits(&w, 1.0), (-1.0, 1.0));
        // Spec §17.1 T14c: percentile 0.5 gives the limit 0.1875.
        assert_eq!(percentile_limits(&w, 0.5), (-0.1875, 0.1875));
        assert_eq!(percentile_limits(&[0.0, 0.0], 1.0), (-f64::EPSILON, f64::EPSILON));
    }
}
