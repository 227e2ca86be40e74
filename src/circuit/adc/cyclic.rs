//! Cyclic ADC (spec §9.4, §9.8).
//!
//! The pipeline ADC of §9.7 folded onto one 1.5-bit stage that is reused
//! `b - 1` times, followed by a final comparator. Consecutive output lines
//! share one ADC (`group_size` lines per ADC). Inputs are normalised array
//! currents, in the units of `min`/`max`. It is computed as a pipeline whose
//! stages all carry the one stage's components.

use super::circuit::{CircuitAdc, CircuitForm, Span};
use super::mismatch::StageMismatch;
use super::pipeline::PipelineAdc;

/// Cyclic ADC (spec §9.8): `b - 1` passes through one stage with
/// `hi = V > Vh + off_0`, `mid = Vl + off_1 < V < Vh + off_0`,
/// `lo = V < Vl + off_1` (`Vh = Vref/4 = -Vl`; exact equality gives neither
/// digit), `code += hi 2^(b-1-n) + mid 2^(b-2-n)`,
/// `V <- ((1 + gamma) V + (lo - hi) Vref gamma) / (1 + 1/(gain beta))` with
/// `gamma = C2/C1`, `beta = C1/(C1 + C2 + Cpar)`; then `code += V > off_2`.
/// Output `Vref (2 code - 2^b + 1) / 2^b`.
#[derive(Debug, Clone, PartialEq)]
pub struct CyclicAdc(PipelineAdc);

impl CyclicAdc {
    /// Builds the ADC for range `[min, max]` (normalised current units).
    ///
    /// * `bits`: resolution `b` (0 = disabled: `convert` is the identity);
    /// * `gain_db`: op-amp open-loop gain in dB (`f64::INFINITY` = ideal);
    /// * `group_size`: consecutive output lines per ADC (> 0);
    /// * `n_lines`: number of output lines (`line` in `0..n_lines`);
    /// * `mismatch`: per-ADC component values of its one stage ([`StageMismatch`]).
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
    ) -> CyclicAdc {
        assert!(group_size > 0, "CyclicAdc: group_size must be > 0");
        mismatch.check("CyclicAdc", n_lines.div_ceil(group_size), 1);
        CyclicAdc(PipelineAdc::new(
            bits,
            min,
            max,
            gain_db,
            group_size,
            n_lines,
            &mismatch.repeated((bits as usize).saturating_sub(1)),
        ))
    }
}

impl CircuitAdc for CyclicAdc {
    fn span(&self) -> &Span {
        self.0.span()
    }

    /// The pipeline code of the unrolled passes.
    fn device_form(&self) -> CircuitForm {
        self.0.device_form()
    }

    fn code_of_clipped(&self, u: f64, line: usize) -> u32 {
        self.0.code_of_clipped(u, line)
    }
}

#[cfg(test)]
mod tests {
    use super::super::pipeline::PipelineAdc;
    use super::*;

    use super::super::circuit::testing::{ideal_code, t17_outputs};

    fn ideal(bits: u32, vref: f64, gain_db: f64, group: usize, lines: usize) -> CyclicAdc {
        CyclicAdc::new(
            bits,
            -vref,
            vref,
            gain_db,
            group,
            lines,
            &StageMismatch::ideal(lines.div_ceil(group), 1),
        )
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
                assert_eq!(y, -0.375);
            } else {
                assert_eq!(adc.code(u, 0), ideal_code(u, 3.0, 3), "u = {u}");
            }
        }
    }

    #[test]
    fn t17c_default_gain() {
        let adc = ideal(4, 2.0, 100.0, 8, 4);
        assert_eq!(
            t17_outputs(&adc),
            (vec![0.875, 0.875, -0.375], vec![-0.625, -0.125, 0.625, 1.125])
        );
    }

    #[test]
    fn equals_pipeline_with_identical_stages() {
        // Same offsets and capacitors in every pipeline stage -> same codes.
        let (bits, lines, group) = (5u32, 5usize, 2usize);
        let n_adc = lines.div_ceil(group);
        let cm = StageMismatch {
            stages: 1,
            offsets: vec![0.01, -0.02, 0.005, -0.03, 0.01, 0.0, 0.0, 0.0, -0.01],
            c1: vec![1.02, 0.97, 1.0],
            c2: vec![0.99, 1.05, 1.0],
            cpar: vec![0.01, 0.0, 0.02],
        };
        let mut pm = StageMismatch::ideal(n_adc, bits as usize - 1);
        let (ns, no) = (bits as usize - 1, 2 * bits as usize - 1);
        for a in 0..n_adc {
            for n in 0..ns {
                pm.offsets[a * no + 2 * n] = cm.offsets[3 * a];
                pm.offsets[a * no + 2 * n + 1] = cm.offsets[3 * a + 1];
                pm.c1[a * ns + n] = cm.c1[a];
                pm.c2[a * ns + n] = cm.c2[a];
                pm.cpar[a * ns + n] = cm.cpar[a];
            }
            pm.offsets[a * no + 2 * ns] = cm.offsets[3 * a + 2];
        }
        let cy = CyclicAdc::new(bits, -1.5, 1.0, 60.0, group, lines, &cm);
        let pp = PipelineAdc::new(bits, -1.5, 1.0, 60.0, group, lines, &pm);
        for i in 0..=300 {
            let u = -1.6 + 2.7 * i as f64 / 300.0;
            for line in 0..lines {
                assert_eq!(cy.code(u, line), pp.code(u, line));
            }
        }
    }

    #[test]
    fn final_offset_shifts_zero_transition() {
        // 3 bits, Vref 3: 0.05 -> 0.1 -> 0.2 after two passes; final
        // comparator offset 0.3 on ADC 1 turns the LSB off.
        let mut m = StageMismatch::ideal(2, 1);
        m.offsets[5] = 0.3;
        let adc = CyclicAdc::new(3, -3.0, 3.0, 400.0, 1, 2, &m);
        assert_eq!(adc.code(0.05, 0), 4);
        assert_eq!(adc.code(0.05, 1), 3);
        assert_eq!(adc.code(0.08, 1), 4);
    }

    #[test]
    fn larger_c2_raises_stage_gain() {
        // gamma = 1.1 in the shared stage: u -> 2.1 u (mid) -> 4.41 u - 3.3
        // (hi), so the 0.75 transition moves to 3.3 / 4.41 = 0.7483.
        let mut m = StageMismatch::ideal(1, 1);
        m.c2[0] = 1.1;
        let adc = CyclicAdc::new(3, -3.0, 3.0, 400.0, 1, 1, &m);
        assert_eq!(ideal(3, 3.0, 400.0, 1, 1).code(0.749, 0), 4);
        assert_eq!(adc.code(0.749, 0), 5);
        assert_eq!(adc.code(0.747, 0), 4);
    }
}
