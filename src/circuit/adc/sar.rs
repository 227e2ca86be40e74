//! Successive-approximation (SAR) ADC (spec §9.4, §9.6).
//!
//! Consecutive output lines share one ADC (`group_size` lines per ADC); each
//! ADC binary-searches its input against a capacitive DAC in `b` steps. All
//! ADCs share the same capacitor errors (CrossSim draws them once); only the
//! comparator offsets differ per ADC. Inputs are normalised array currents,
//! in the units of `min`/`max`.

use super::circuit::{bit, gain_from_db, np_sum, pow2, CircuitAdc, CircuitForm, Span};

/// SAR ADC with precomputed decision thresholds `T[c] = L_c - Vref/2^b`.
///
/// DAC levels for `b` bits and capacitor errors `m_j` (`j = 0..=b`), with
/// `s = c - 2^(b-1)` and `D = [s < 0]`:
/// * non-split CDAC (as the symmetric ramp): `C_j = 2^j + m_j 2^(j/2)` for
///   `j < b`, `C_b = 2^(b-1) + m_b 2^((b-1)/2)`, `t = sum_{j<b} bit(|s|, j) C_j`,
///   `L_c = (t / C_{b-1} (Vref - 2 D Vref) + Vref/2^b) / (1 + 1/(gain beta_c))`,
///   `beta_c = C_b / (C_b + t)`;
/// * split CDAC (`NH = floor(b/2)`, needs `b >= 2`): `C_n = 2^e + m_n 2^(e/2)`
///   for `n <= b-2` with `e = n` below `NH` else `n - NH`; `C_{b-1} = 1 + m_{b-1}`;
///   `cb0 = 2^NH/(2^NH - 1)`, `C_b = cb0 + m_b sqrt(cb0)`;
///   `CL = C_{b-1} + sum_{n<NH} C_n`, `CM = sum_{NH<=n<b-1} C_n`;
///   `f(v) = (lo(v) C_b + hi(v) (CL + C_b)) / ((CL + C_b)(CM + C_b) - C_b^2)`
///   with `lo(v) = sum_{n<NH} bit(v,n) C_n`, `hi(v) = sum_{NH<=n<b} bit(v,n) C_n`;
///   `t_c = f(|s|)`, `t_0 = 1`; `L_c = (t_c (Vref - 2 D Vref) + Vref/2^b) / (1 + 1/gain)`.
///
/// Conversion: `reg = 0`; for `i = 0..b`: `d = 2^(b-1-i)`,
/// `reg += d` if `u > T[d + reg] - off` (strict, so equality goes to the
/// lower code). Output `Vref (2 reg - 2^b + 1) / 2^b`.
#[derive(Debug, Clone, PartialEq)]
pub struct SarAdc {
    span: Span,
    group_size: usize,
    n_lines: usize,
    thresholds: Vec<f64>,
    offsets: Vec<f64>,
}

impl SarAdc {
    /// Builds the ADC for range `[min, max]` (normalised current units).
    ///
    /// * `bits`: resolution `b` (0 = disabled: `convert` is the identity);
    /// * `gain_db`: op-amp open-loop gain in dB (`f64::INFINITY` = ideal);
    /// * `split_cdac`: selects the level formula above;
    /// * `group_size`: consecutive output lines per ADC (> 0);
    /// * `cap_mismatch`: the `b + 1` capacitor errors `m_j`, shared by all
    ///   ADCs (spec `normal(0, sigma_capacitor, b+1)`); zeros = ideal;
    /// * `comparator_offsets`: one per ADC, i.e. `ceil(n_lines / group_size)`
    ///   values, absolute (already times `Vref`); zeros = ideal;
    /// * `n_lines`: number of output lines (`line` in `0..n_lines`).
    ///
    /// Panics on wrong lengths, `group_size == 0` or `bits > 31`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        bits: u32,
        min: f64,
        max: f64,
        gain_db: f64,
        split_cdac: bool,
        group_size: usize,
        cap_mismatch: &[f64],
        comparator_offsets: &[f64],
        n_lines: usize,
    ) -> SarAdc {
        assert!(bits <= 31, "SarAdc: bits must be <= 31");
        assert!(group_size > 0, "SarAdc: group_size must be > 0");
        let span = Span::new(bits, min, max);
        let vref = span.vref;
        let offsets = comparator_offsets.to_vec();
        let mut adc = SarAdc {
            span,
            group_size,
            n_lines,
            thresholds: Vec::new(),
            offsets,
        };
        if bits == 0 {
            return adc;
        }
        assert_eq!(
            cap_mismatch.len(),
            bits as usize + 1,
            "SarAdc: cap_mismatch needs bits+1 values"
        );
        assert_eq!(
            comparator_offsets.len(),
            n_lines.div_ceil(group_size),
            "SarAdc: one comparator offset per ADC (ceil(n_lines/group_size))"
        );
        let gain = gain_from_db(gain_db);
        let b = bits as usize;
        let m = cap_mismatch;
        let half = 1i64 << (b - 1);
        let lsb = vref / pow2(bits);
        let mut terms = vec![0.0; b];
        let levels: Vec<f64> = if !split_cdac {
            let mut caps: Vec<f64> = (0..b)
                .map(|j| pow2(j as u32) + m[j] * 2f64.powf(j as f64 / 2.0))
                .collect();
            caps.push(pow2(bits - 1) + m[b] * 2f64.powf((b - 1) as f64 / 2.0));
            let cb = caps[b];
            (0..(1i64 << b))
                .map(|c| {
                    let s = c - half;
                    for (j, t) in terms.iter_mut().enumerate() {
                        *t = bit(s.abs(), j as u32) as f64 * caps[j];
                    }
                    let t = np_sum(&terms);
                    let beta = cb / (cb + t);
                    let d = bit(s, bits - 1) as f64;
                    let level = t / caps[b - 1] * (vref - 2.0 * d * vref) + lsb;
                    level / (1.0 + 1.0 / (gain * beta))
                })
                .collect()
        } else {
            let nh = b / 2;
            let mut caps: Vec<f64> = (0..b - 1)
                .map(|n| {
                    let e = if n < nh { n } else { n - nh } as f64;
                    2f64.powf(e) + m[n] * 2f64.powf(e / 2.0)
                })
                .collect();
            caps.push(1.0 + m[b - 1]);
            let cb0 = pow2(nh as u32) / (pow2(nh as u32) - 1.0);
            let cb = cb0 + m[b] * cb0.powf(0.5);
            let cl = caps[b - 1] + np_sum(&caps[..nh]);
            let cm = np_sum(&caps[nh..b - 1]);
            let den = (cl + cb) * (cm + cb) - cb.powi(2);
            let (lo_terms, hi_terms) = terms.split_at_mut(nh);
            (0..(1i64 << b))
                .map(|c| {
                    let s = c - half;
                    let t = if c == 0 {
                        1.0
                    } else {
                        let v = s.abs();
                        for (n, t) in lo_terms.iter_mut().enumerate() {
                            *t = bit(v, n as u32) as f64 * caps[n];
                        }
                        for (k, t) in hi_terms.iter_mut().enumerate() {
                            *t = bit(v, (nh + k) as u32) as f64 * caps[nh + k];
                        }
                        (np_sum(lo_terms) * cb + np_sum(hi_terms) * (cl + cb)) / den
                    };
                    let d = bit(s, bits - 1) as f64;
                    (t * (vref - 2.0 * d * vref) + lsb) / (1.0 + 1.0 / gain)
                })
                .collect()
        };
        adc.thresholds = levels.iter().map(|l| l - lsb).collect();
        adc
    }

    /// The `2^b` thresholds `T[c] = L_c - Vref/2^b` (before comparator offset).
    #[cfg(test)]
    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }
}

impl CircuitAdc for SarAdc {
    fn span(&self) -> &Span {
        &self.span
    }

    /// Successive approximation against the thresholds, with the comparator
    /// offset of ADC `line / group_size`.
    fn device_form(&self) -> CircuitForm {
        CircuitForm {
            kind: 1,
            group: self.group_size,
            table: self.thresholds.clone(),
            offsets: self.offsets.clone(),
            monotone: false,
        }
    }

    fn code_of_clipped(&self, u: f64, line: usize) -> u32 {
        debug_assert!(line < self.n_lines, "SarAdc: line out of range");
        let off = self.offsets[line / self.group_size];
        let bits = self.span.bits;
        let mut reg = 0usize;
        for i in 0..bits {
            let d = 1usize << (bits - 1 - i);
            if u > self.thresholds[d + reg] - off {
                reg += d;
            }
        }
        reg as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::circuit::mid_rise;
    use super::super::circuit::testing::{ideal_code, t17_outputs};

    #[test]
    fn transfer_curve_ideal_infinite_gain() {
        for split in [true, false] {
            for bits in 2..=8 {
                let adc = SarAdc::new(
                    bits,
                    -3.0,
                    3.0,
                    400.0,
                    split,
                    1,
                    &vec![0.0; bits as usize + 1],
                    &[0.0],
                    1,
                );
                let n = 1u32 << bits;
                for c in 0..n {
                    let want = mid_rise(3.0, bits, c) - 3.0 / pow2(bits);
                    let got = adc.thresholds()[c as usize];
                    // Split: C_b = 2^NH/(2^NH - 1) is not dyadic, so the
                    // levels carry rounding errors (as in CrossSim).
                    let tol = if split { 1e-14 } else { 0.0 };
                    assert!(
                        (got - want).abs() <= tol,
                        "split {split} bits {bits} c {c}: {got} vs {want}"
                    );
                }
            }
            let adc = SarAdc::new(3, -3.0, 3.0, 400.0, split, 1, &[0.0; 4], &[0.0], 1);
            let mut prev = f64::NEG_INFINITY;
            for i in 0..33 {
                let u = -3.2 + 0.2 * i as f64;
                let y = adc.convert(u, 0);
                assert!(y >= prev, "monotone");
                prev = y;
                if u == 0.0 {
                    assert_eq!(y, -0.375, "equality goes to the lower code");
                } else {
                    assert_eq!(adc.code(u, 0), ideal_code(u, 3.0, 3), "u = {u}");
                }
            }
        }
    }

    #[test]
    fn t17s_default_gain() {
        for split in [true, false] {
            let adc = SarAdc::new(4, -2.0, 2.0, 100.0, split, 8, &[0.0; 5], &[0.0], 4);
            assert_eq!(
                t17_outputs(&adc),
                (vec![0.875, 0.875, -0.375], vec![-0.625, -0.375, 0.625, 1.125])
            );
        }
    }

    #[test]
    fn comparator_offset_applies_per_group() {
        // 5 lines, groups of 2 -> 3 ADCs; ADC 1 (lines 2, 3) has offset +0.2.
        let adc = SarAdc::new(3, -3.0, 3.0, 100.0, true, 2, &[0.0; 4], &[0.0, 0.2, -0.2], 5);
        assert_eq!(adc.convert(0.6, 1), 0.375);
        assert_eq!(adc.convert(0.6, 2), 1.125); // behaves as 0.8
        assert_eq!(adc.convert(0.6, 3), 1.125);
        assert_eq!(adc.convert(0.9, 4), 0.375); // behaves as 0.7
    }

    #[test]
    fn larger_msb_capacitor_shrinks_thresholds() {
        // Non-split, 4 bits, Vref 2: T[c] = t/C_3 * 2 (sign of s); with
        // m_3 > 0, C_3 > 8 and every |T[c]| with 0 < |s| < 8 shrinks (c = 0
        // has t = C_3, c = 8 has t = 0: both unchanged).
        let ideal = SarAdc::new(4, -2.0, 2.0, 400.0, false, 1, &[0.0; 5], &[0.0], 1);
        let adc = SarAdc::new(4, -2.0, 2.0, 400.0, false, 1, &[0.0, 0.0, 0.0, 0.1, 0.0], &[0.0], 1);
        for c in 0..16usize {
            let (ti, tm) = (ideal.thresholds()[c], adc.thresholds()[c]);
            if c == 0 || c == 8 {
                assert_eq!(ti, tm, "c {c}");
            } else {
                assert!(tm.abs() < ti.abs(), "c {c}");
            }
        }
        // T[11] drops from 0.75 to 6/8.28: 0.74 now rounds up.
        assert_eq!(ideal.convert(0.74, 0), 0.625);
        assert_eq!(adc.convert(0.74, 0), 0.875);
    }

    #[test]
    fn split_thresholds_match_numpy_bit_for_bit() {
        // Reference: the spec's §9.6 split-CDAC formulas evaluated with NumPy
        // 2.4 (4 bits, range [-2, 1.5], 100 dB, m ~ N(0, 0.05)).
        let f = |v: &[u64]| v.iter().map(|&b| f64::from_bits(b)).collect::<Vec<_>>();
        let m = f(&[
            0x3fb1279e08767e6c,
            0xbf9933730402ddb8,
            0xbf9fc4b0488b08df,
            0x3f9914752d2673bc,
            0x3f9245ca15aed5c3,
        ]);
        let want = f(&[
            0xbfffffec56e2b22b,
            0xbffbdd73c3a3c7e6,
            0xbff78f0d66c0065b,
            0xbff3ef13e0c45876,
            0xbfef415b07c12dd5,
            0xbfe8798f1e9b5b49,
            0xbfdfb984c9a7b062,
            0xbfd1399eb1b8f8ce,
            0xbeb4f8a7ca7d0000,
            0x3fd139943565138f,
            0x3fdfb97a4d53cb24,
            0x3fe87989e07168a9,
            0x3fef4155c9973b36,
            0x3ff3ef1141af5f26,
            0x3ff78f0ac7ab0d0c,
            0x3ffbdd71248ece97,
        ]);
        assert_eq!(
            SarAdc::new(4, -2.0, 1.5, 100.0, true, 1, &m, &[0.0], 1).thresholds(),
            want
        );
    }
}
