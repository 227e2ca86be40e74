//! Ramp ADC (spec §9.4, §9.5).
//!
//! One capacitive DAC, shared by every output line, sweeps through all
//! `2^b` levels; each line has its own comparator. The code is the level
//! nearest to the (offset-shifted) input. Capacitor mismatch distorts the
//! levels and the finite op-amp gain shrinks each level towards zero.
//!
//! Inputs are normalised array currents, in the same units as `min`/`max`
//! (spec §9.2).

use super::circuit::{bit, gain_from_db, np_sum, pow2, CircuitAdc, CircuitForm, Span};

/// Ramp ADC with precomputed, gain-shrunk DAC levels `L_c` (spec §9.5).
///
/// Levels, for `b` bits and mismatch values `m_j` (`j = 0..=b`):
/// * symmetric CDAC: `C_j = 2^j + m_j 2^(j/2)` for `j < b`,
///   `C_b = 2^(b-1) + m_b 2^((b-1)/2)`; with `s = c - 2^(b-1)`,
///   `t = sum_{j<b} bit(|s|, j) C_j`, `D = [s < 0]`:
///   `L_c = t / C_{b-1} (Vref - 2 D Vref) + Vref / 2^b`;
/// * non-symmetric: `C_j = 2^j + m_j 2^(j/2)` for `j = 0..=b`,
///   `t = sum_{j<b} bit(c, j) C_j`, `L_c = t / C_b 2 Vref - Vref (2^b-1)/2^b`;
/// * then `L_c /= 1 + 1/(gain beta_c)` with `beta_c = C_b / (C_b + t)`.
///
/// `code(u)` is the first `c` minimising `|(L_c - u) - off_line|` (ties go to
/// the lower code). With ideal parts and infinite gain this is the ideal
/// mid-rise quantiser; its output is `Vref (2c - 2^b + 1) / 2^b`.
#[derive(Debug, Clone, PartialEq)]
pub struct RampAdc {
    span: Span,
    levels: Vec<f64>,
    /// Levels non-decreasing: a binary search finds the nearest one.
    monotone: bool,
    offsets: Vec<f64>,
}

impl RampAdc {
    /// Builds the ADC for range `[min, max]` (normalised current units).
    ///
    /// * `bits`: resolution `b` (0 = disabled: `convert` is the identity);
    /// * `gain_db`: op-amp open-loop gain in dB (`f64::INFINITY` = ideal);
    /// * `symmetric_cdac`: selects the level formula above;
    /// * `cap_mismatch`: the `b + 1` relative capacitor errors `m_j` (spec
    ///   draws `normal(0, sigma_capacitor, b+1)`); zeros = ideal;
    /// * `comparator_offsets`: one per output line, absolute (already times
    ///   `Vref`, spec `normal(0, sigma_comparator Vref, n_out)`); zeros = ideal.
    ///
    /// Panics if `cap_mismatch.len() != bits + 1` (when `bits > 0`) or
    /// `bits > 31`.
    pub fn new(
        bits: u32,
        min: f64,
        max: f64,
        gain_db: f64,
        symmetric_cdac: bool,
        cap_mismatch: &[f64],
        comparator_offsets: &[f64],
    ) -> RampAdc {
        assert!(bits <= 31, "RampAdc: bits must be <= 31");
        let span = Span::new(bits, min, max);
        let vref = span.vref;
        let offsets = comparator_offsets.to_vec();
        if bits == 0 {
            return RampAdc {
                span,
                levels: Vec::new(),
                monotone: true,
                offsets,
            };
        }
        assert_eq!(
            cap_mismatch.len(),
            bits as usize + 1,
            "RampAdc: cap_mismatch needs bits+1 values"
        );
        let b = bits as usize;
        let m = cap_mismatch;
        let gain = gain_from_db(gain_db);
        let caps: Vec<f64> = (0..=b)
            .map(|j| {
                let e = if symmetric_cdac && j == b { b - 1 } else { j };
                pow2(e as u32) + m[j] * 2f64.powf(e as f64 / 2.0)
            })
            .collect();
        let cb = caps[b];
        let mut terms = vec![0.0; b];
        let half = 1i64 << (b - 1);
        let levels: Vec<f64> = (0..(1i64 << b))
            .map(|c| {
                let (digits, s) = if symmetric_cdac {
                    ((c - half).abs(), c - half)
                } else {
                    (c, 0)
                };
                for (j, t) in terms.iter_mut().enumerate() {
                    *t = bit(digits, j as u32) as f64 * caps[j];
                }
                let t = np_sum(&terms);
                let beta = cb / (cb + t);
                let level = if symmetric_cdac {
                    let d = bit(s, bits - 1) as f64;
                    t / caps[b - 1] * (vref - 2.0 * d * vref) + vref / pow2(bits)
                } else {
                    t / cb * 2.0 * vref - vref * (pow2(bits) - 1.0) / pow2(bits)
                };
                level / (1.0 + 1.0 / (gain * beta))
            })
            .collect();
        let monotone = levels.windows(2).all(|w| w[0] <= w[1]);
        RampAdc {
            span,
            levels,
            monotone,
            offsets,
        }
    }

    /// The `2^b` gain-shrunk DAC levels `L_c`.
    #[cfg(test)]
    pub fn levels(&self) -> &[f64] {
        &self.levels
    }
}

impl CircuitAdc for RampAdc {
    fn span(&self) -> &Span {
        &self.span
    }

    fn device_form(&self) -> CircuitForm {
        CircuitForm {
            kind: 2,
            group: 1,
            table: self.levels.clone(),
            offsets: self.offsets.clone(),
            monotone: self.monotone,
        }
    }

    /// The level nearest to `u` after the comparator offset of `line`
    /// (panics if `line` has no offset).
    fn code_of_clipped(&self, u: f64, line: usize) -> u32 {
        let off = self.offsets[line];
        let lv = &self.levels;
        let d = |c: usize| ((lv[c] - u) - off).abs();
        let n = lv.len();
        let mut best = if self.monotone {
            // d_c = (L_c - u) - off is non-decreasing: the nearest level sits
            // at the sign change.
            let k = lv.partition_point(|&l| (l - u) - off < 0.0);
            if k == 0 {
                0
            } else if k == n || d(k - 1) <= d(k) {
                k - 1
            } else {
                k
            }
        } else {
            let mut best = 0;
            let mut bd = d(0);
            for c in 1..n {
                let dc = d(c);
                if bd.is_nan() {
                    break;
                }
                if dc < bd || dc.is_nan() {
                    best = c;
                    bd = dc;
                }
            }
            best
        };
        // First index among equal distances (argmin semantics).
        while self.monotone && best > 0 && d(best - 1) == d(best) {
            best -= 1;
        }
        best as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) use super::super::circuit::testing::ideal_code;
    use super::super::circuit::{clip, testing::t17_outputs};

    /// The 33-point ramp in [-3.2, 3.2] of the spec's transfer-curve check.
    pub(crate) fn ramp33() -> Vec<f64> {
        (0..33).map(|i| -3.2 + 0.2 * i as f64).collect()
    }

    #[test]
    fn np_sum_matches_numpy_order() {
        let big = 1e16;
        let v = |n: usize| {
            std::iter::once(big)
                .chain(std::iter::repeat_n(1.0, n))
                .collect::<Vec<_>>()
        };
        assert_eq!(np_sum(&v(3)) - big, 0.0);
        assert_eq!(np_sum(&[1.0, 1.0, 1.0, big]) - big, 4.0);
        assert_eq!(np_sum(&v(8)) - big, 8.0);
        assert_eq!(np_sum(&v(17)) - big, 16.0);
        assert_eq!(np_sum(&[]), 0.0);
    }

    #[test]
    fn transfer_curve_ideal_infinite_gain() {
        for sym in [true, false] {
            let adc = RampAdc::new(3, -3.0, 3.0, 400.0, sym, &[0.0; 4], &[0.0]);
            let want = [-2.625, -1.875, -1.125, -0.375, 0.375, 1.125, 1.875, 2.625];
            assert_eq!(adc.levels(), want);
            let mut prev = f64::NEG_INFINITY;
            for u in ramp33() {
                let y = adc.convert(u, 0);
                assert!(y >= prev, "monotone");
                prev = y;
                if u == 0.0 {
                    assert_eq!(y, -0.375, "exact tie goes to the lower code");
                } else {
                    assert_eq!(adc.code(u, 0), ideal_code(u, 3.0, 3), "u = {u}");
                }
            }
        }
    }

    #[test]
    fn t17r_default_gain() {
        let adc = RampAdc::new(4, -2.0, 2.0, 100.0, true, &[0.0; 5], &[0.0; 4]);
        assert_eq!(
            t17_outputs(&adc),
            (vec![0.875, 0.875, -0.375], vec![-0.625, -0.375, 0.625, 1.125])
        );
        let asym = RampAdc::new(4, -2.0, 2.0, 100.0, false, &[0.0; 5], &[0.0]);
        assert_eq!(asym.convert(-0.25, 0), -0.375);
        assert_eq!(asym.convert(0.75, 0), 0.875);
    }

    #[test]
    fn comparator_offset_shifts_transition_on_its_line_only() {
        let adc = RampAdc::new(3, -3.0, 3.0, 100.0, true, &[0.0; 4], &[0.0, 0.2, -0.2]);
        assert_eq!(adc.convert(0.6, 0), 0.375);
        assert_eq!(adc.convert(0.6, 1), 1.125); // behaves as 0.8
        assert_eq!(adc.convert(0.9, 2), 0.375); // behaves as 0.7
    }

    #[test]
    fn larger_top_capacitor_lowers_levels() {
        // Non-symmetric: C_b = 8 + m_b 2^1.5 > 8 shrinks t/C_b, so every
        // level except L_0 drops and inputs just below a transition round up.
        let adc = RampAdc::new(
            3,
            -3.0,
            3.0,
            400.0,
            false,
            &[0.0, 0.0, 0.0, 0.5 / 2f64.powf(1.5)],
            &[0.0],
        );
        let ideal = RampAdc::new(3, -3.0, 3.0, 400.0, false, &[0.0; 4], &[0.0]);
        for c in 1..8 {
            assert!(adc.levels()[c] < ideal.levels()[c]);
        }
        assert_eq!(ideal.convert(0.7, 0), 0.375);
        assert_eq!(adc.convert(0.7, 0), 1.125);
    }

    #[test]
    fn non_monotone_levels_use_first_nearest() {
        // A huge mismatch on C_1 makes the levels non-monotone; the linear
        // scan must agree with a brute-force argmin.
        let adc = RampAdc::new(3, -3.0, 3.0, 100.0, false, &[0.0, 3.0, 0.0, 0.0], &[0.05]);
        assert!(!adc.monotone);
        for u in ramp33() {
            let uc = clip(u, -3.0, 3.0);
            let ds: Vec<f64> = adc.levels().iter().map(|l| ((l - uc) - 0.05).abs()).collect();
            let mn = ds.iter().cloned().fold(f64::INFINITY, f64::min);
            let first = ds.iter().position(|&d| d == mn).unwrap() as u32;
            assert_eq!(adc.code(u, 0), first);
        }
    }

    #[test]
    fn mismatched_levels_match_numpy_bit_for_bit() {
        // Reference: the spec's §9.5 formulas evaluated with NumPy 2.4
        // (3 bits, symmetric, range [-2, 1.5], 100 dB, m ~ N(0, 0.05)).
        let f = |v: &[u64]| v.iter().map(|&b| f64::from_bits(b)).collect::<Vec<_>>();
        let m = f(&[
            0xbfa6cc952a279a68,
            0xbf974775fe8d4542,
            0xbfa962dad84a4327,
            0x3f68a28389f38e51,
        ]);
        let want = f(&[
            0xbffbffdbc8478486,
            0xbff3fb1182a95443,
            0xbfe8491ffb467583,
            0xbfceb4497ffa7408,
            0x3fcfffeb07583583,
            0x3fe7ad056370431c,
            0x3ff424882c2e3f09,
            0x3ffbfb087117ec51,
        ]);
        assert_eq!(RampAdc::new(3, -2.0, 1.5, 100.0, true, &m, &[0.0]).levels(), want);
    }

    #[test]
    fn bits_zero_is_identity() {
        let adc = RampAdc::new(0, -1.0, 1.0, 100.0, true, &[], &[]);
        assert_eq!(adc.convert(5.5, 3), 5.5);
    }
}
