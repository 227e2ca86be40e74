//! Pipeline ADC with 1.5-bit stages (spec §9.4, §9.7).
//!
//! Consecutive output lines share one ADC (`group_size` lines per ADC). Each
//! of the first `b - 1` stages compares the residue with `+-Vref/4`, emits a
//! redundant digit and passes on the amplified residue; a last comparator
//! against 0 gives the LSB. Capacitor errors and finite gain distort the
//! residue amplification; comparator offsets move the thresholds. Inputs are
//! normalised array currents, in the units of `min`/`max`.

use super::circuit::{gain_from_db, CircuitAdc, CircuitForm, Span};
use super::mismatch::StageMismatch;

/// One residue stage with its thresholds and precomputed coefficients.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stage {
    /// `Vh + off_high`.
    hi_th: f64,
    /// `Vl + off_low`.
    lo_th: f64,
    /// `1 + gamma`, `gamma = C2 / C1`.
    one_plus_gamma: f64,
    gamma: f64,
    /// `1 + 1/(gain beta)`, `beta = C1 / (C1 + C2 + Cpar)`.
    den: f64,
}

impl Stage {
    fn new(vref: f64, gain: f64, off_hi: f64, off_lo: f64, c1: f64, c2: f64, cpar: f64) -> Stage {
        let beta = c1 / (c1 + c2 + cpar);
        let gamma = c2 / c1;
        Stage {
            hi_th: vref / 4.0 + off_hi,
            lo_th: -vref / 4.0 + off_lo,
            one_plus_gamma: 1.0 + gamma,
            gamma,
            den: 1.0 + 1.0 / (gain * beta),
        }
    }

    /// One stage: returns `(hi, mid, next residue)`. Strict comparisons: a
    /// residue exactly on a threshold gives neither `hi` nor `mid`.
    #[inline]
    fn step(&self, v: f64, vref: f64) -> (bool, bool, f64) {
        let hi = v > self.hi_th;
        let lo = v < self.lo_th;
        let mid = v < self.hi_th && v > self.lo_th;
        let c = lo as u8 as f64 - hi as u8 as f64;
        (hi, mid, (self.one_plus_gamma * v + c * vref * self.gamma) / self.den)
    }
}

/// Pipeline ADC (spec §9.7). For stage `n = 0..b-1`:
/// `hi = V > Vh + off_2n`, `mid = Vl + off_2n+1 < V < Vh + off_2n`,
/// `lo = V < Vl + off_2n+1` with `Vh = Vref/4 = -Vl`;
/// `code += hi 2^(b-1-n) + mid 2^(b-2-n)`;
/// `V <- ((1 + gamma_n) V + (lo - hi) Vref gamma_n) / (1 + 1/(gain beta_n))`.
/// Last: `code += V > off_2(b-1)`. Output `Vref (2 code - 2^b + 1) / 2^b`.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineAdc {
    span: Span,
    group_size: usize,
    n_lines: usize,
    /// `n_adc x (b - 1)` stages, row-major.
    stages: Vec<Stage>,
    /// `n_adc` final-comparator thresholds.
    final_th: Vec<f64>,
}

impl PipelineAdc {
    /// Builds the ADC for range `[min, max]` (normalised current units).
    ///
    /// * `bits`: resolution `b` (0 = disabled: `convert` is the identity);
    /// * `gain_db`: op-amp open-loop gain in dB (`f64::INFINITY` = ideal);
    /// * `group_size`: consecutive output lines per ADC (> 0);
    /// * `n_lines`: number of output lines (`line` in `0..n_lines`);
    /// * `mismatch`: per-ADC component values of `b - 1` stages ([`StageMismatch`]).
    ///
    /// Panics on wrong sizes, `group_size == 0` or `bits > 31`.
    pub fn new(
        bits: u32,
        min: f64,
        max: f64,
        gain_db: f64,
        group_size: usize,
        n_lines: usize,
        mismatch: &StageMismatch,
    ) -> PipelineAdc {
        assert!(bits <= 31, "PipelineAdc: bits must be <= 31");
        assert!(group_size > 0, "PipelineAdc: group_size must be > 0");
        let span = Span::new(bits, min, max);
        let vref = span.vref;
        let mut adc = PipelineAdc {
            span,
            group_size,
            n_lines,
            stages: Vec::new(),
            final_th: Vec::new(),
        };
        if bits == 0 {
            return adc;
        }
        let n_adc = n_lines.div_ceil(group_size);
        let (ns, no) = (bits as usize - 1, 2 * bits as usize - 1);
        let m = mismatch;
        m.check("PipelineAdc", n_adc, ns);
        let gain = gain_from_db(gain_db);
        for a in 0..n_adc {
            let off = &m.offsets[a * no..(a + 1) * no];
            for n in 0..ns {
                let k = a * ns + n;
                adc.stages.push(Stage::new(
                    vref,
                    gain,
                    off[2 * n],
                    off[2 * n + 1],
                    m.c1[k],
                    m.c2[k],
                    m.cpar[k],
                ));
            }
            adc.final_th.push(off[2 * ns]);
        }
        adc
    }
}

impl CircuitAdc for PipelineAdc {
    fn span(&self) -> &Span {
        &self.span
    }

    /// The `b - 1` stages of ADC `line / group_size`, then its final comparator.
    fn device_form(&self) -> CircuitForm {
        CircuitForm {
            kind: 3,
            group: self.group_size,
            table: self
                .stages
                .iter()
                .flat_map(|s| [s.hi_th, s.lo_th, s.one_plus_gamma, s.gamma, s.den])
                .collect(),
            offsets: self.final_th.clone(),
            monotone: false,
        }
    }

    fn code_of_clipped(&self, u: f64, line: usize) -> u32 {
        debug_assert!(line < self.n_lines, "PipelineAdc: line out of range");
        let a = line / self.group_size;
        let ns = self.span.bits as usize - 1;
        let mut v = u;
        let mut code = 0u32;
        for (n, st) in self.stages[a * ns..(a + 1) * ns].iter().enumerate() {
            let (hi, mid, next) = st.step(v, self.span.vref);
            code += ((hi as u32) << (ns - n)) + ((mid as u32) << (ns - 1 - n));
            v = next;
        }
        code + (v > self.final_th[a]) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::circuit::testing::{ideal_code, t17_outputs};

    fn ideal(bits: u32, vref: f64, gain_db: f64, group: usize, lines: usize) -> PipelineAdc {
        let m = StageMismatch::ideal(lines.div_ceil(group), bits as usize - 1);
        PipelineAdc::new(bits, -vref, vref, gain_db, group, lines, &m)
    }

    #[test]
    fn transfer_curve_ideal_infinite_gain() {
        let adc = ideal(3, 3.0, 400.0, 1, 1);
        let mut prev = f64::NEG_INFINITY;
        for i in 0..33 {
            let u = -3.2 + 0.2 * i as f64;
            let y = adc.convert(u, 0);
            assert!(y >= prev, "monotone");
            prev = y;
            if u == 0.0 {
                // 0 is mid at every stage; the final `0 > 0` is false.
                assert_eq!(y, -0.375);
            } else {
                assert_eq!(adc.code(u, 0), ideal_code(u, 3.0, 3), "u = {u}");
            }
        }
        for bits in 1..=10 {
            let adc = ideal(bits, 1.0, f64::INFINITY, 1, 1);
            for i in 0..=1000 {
                let u = -1.0 + 0.002 * i as f64 + 1e-7;
                assert_eq!(adc.code(u, 0), ideal_code(u, 1.0, bits), "bits {bits} u {u}");
            }
        }
    }

    #[test]
    fn t17p_default_gain() {
        let adc = ideal(4, 2.0, 100.0, 8, 4);
        assert_eq!(
            t17_outputs(&adc),
            (vec![0.875, 0.875, -0.375], vec![-0.625, -0.125, 0.625, 1.125])
        );
    }

    #[test]
    fn exact_threshold_gives_neither_digit() {
        // Vh = 0.75 exactly: stage 0 emits no digit and doubles without
        // subtraction (1.5); stage 1 then says hi (+2) and leaves 0; the final
        // `0 > 0` is false: code 2 (-1.125) although 0.75 is a transition.
        let adc = ideal(3, 3.0, 400.0, 1, 1);
        assert_eq!(adc.code(0.75, 0), 2);
    }

    #[test]
    fn stage_offsets_are_corrected_final_offset_is_not() {
        let mut m = StageMismatch::ideal(2, 2);
        m.offsets[0] = 0.1; // ADC 0, stage 0 high comparator: Vh -> 0.85
        m.offsets[5 + 4] = 0.3; // ADC 1, final comparator
        let adc = PipelineAdc::new(3, -3.0, 3.0, 400.0, 2, 4, &m);
        // 0.8 is now "mid" at stage 0, but redundancy recovers code 5.
        assert_eq!(adc.code(0.8, 0), 5);
        assert_eq!(ideal(3, 3.0, 400.0, 1, 1).code(0.8, 0), 5);
        // Final offset 0.3 after two x2 stages moves the 0 transition to 0.075.
        assert_eq!(adc.code(0.05, 1), 4);
        assert_eq!(adc.code(0.05, 2), 3);
        assert_eq!(adc.code(0.08, 3), 4);
    }

    #[test]
    fn larger_c2_raises_stage_gain() {
        // gamma_0 = 1.1: stage 0 amplifies by 2.1, so the 0.75 transition
        // moves to 3 / (2 * 2.1) = 0.714.
        let mut m = StageMismatch::ideal(1, 2);
        m.c2[0] = 1.1;
        let adc = PipelineAdc::new(3, -3.0, 3.0, 400.0, 1, 1, &m);
        assert_eq!(ideal(3, 3.0, 400.0, 1, 1).code(0.74, 0), 4);
        assert_eq!(adc.code(0.74, 0), 5);
        assert_eq!(adc.code(0.70, 0), 4);
    }
}
