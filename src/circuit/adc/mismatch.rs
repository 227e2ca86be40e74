//! Component mismatch of the circuit ADCs (spec §9.5–9.8), drawn once when
//! the arrays are programmed: capacitor errors, comparator offsets and the
//! pipeline/cyclic stage capacitors, all Normal. The draws of one ADC bank
//! come from one counter-based stream, consumed in a fixed order, so they
//! never depend on thread count.

use crate::params::AdcParams;
use crate::rng::Stream;

/// Consecutive normal draws from one stream.
pub struct Normals {
    stream: Stream,
    next: u64,
}

impl Normals {
    /// Draws from `stream`, starting at element 0.
    pub fn new(stream: Stream) -> Normals {
        Normals { stream, next: 0 }
    }
    /// `n` draws of `Normal(mean, sd)`.
    pub fn take(&mut self, n: usize, mean: f64, sd: f64) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let z = self.stream.normal_at(self.next);
                self.next += 1;
                mean + sd * z
            })
            .collect()
    }
}

/// Ramp ADC: `(capacitor errors m_j (b + 1), comparator offsets (one per line, × Vref))`.
pub fn ramp(p: &AdcParams, vref: f64, n_lines: usize, d: &mut Normals) -> (Vec<f64>, Vec<f64>) {
    let off = d.take(n_lines, 0.0, p.sigma_comparator * vref);
    let caps = d.take(p.bits as usize + 1, 0.0, p.sigma_capacitor);
    (caps, off)
}

/// SAR ADC: `(capacitor errors (b + 1, shared by every ADC), comparator offsets (one per ADC, × Vref))`.
pub fn sar(p: &AdcParams, vref: f64, n_adc: usize, d: &mut Normals) -> (Vec<f64>, Vec<f64>) {
    let caps = d.take(p.bits as usize + 1, 0.0, p.sigma_capacitor);
    let off = d.take(n_adc, 0.0, p.sigma_comparator * vref);
    (caps, off)
}

/// Component values of ADCs built from 1.5-bit stages (the pipeline ADC's
/// `b - 1` stages, or the cyclic ADC's one stage that every pass reuses), one
/// row per ADC (`n_adc = ceil(n_lines / group_size)`).
#[derive(Debug, Clone, PartialEq)]
pub struct StageMismatch {
    /// Stages per ADC.
    pub stages: usize,
    /// `n_adc × (2·stages + 1)` absolute comparator offsets (already times
    /// `Vref`; spec `normal(0, sigma_comparator Vref)`): columns `2n` / `2n + 1`
    /// are stage `n`'s high / low comparators, the last one the final
    /// comparator.
    pub offsets: Vec<f64>,
    /// `n_adc × stages` capacitors `C1` (nominal 1).
    pub c1: Vec<f64>,
    /// `n_adc × stages` capacitors `C2` (nominal 1).
    pub c2: Vec<f64>,
    /// `n_adc × stages` parasitic capacitances `Cpar` (nominal 0).
    pub cpar: Vec<f64>,
}

impl StageMismatch {
    /// Ideal components of `n_adc` ADCs of `stages` stages: zero offsets,
    /// `C1 = C2 = 1`, `Cpar = 0`.
    #[cfg(test)]
    pub fn ideal(n_adc: usize, stages: usize) -> StageMismatch {
        StageMismatch {
            stages,
            offsets: vec![0.0; n_adc * (2 * stages + 1)],
            c1: vec![1.0; n_adc * stages],
            c2: vec![1.0; n_adc * stages],
            cpar: vec![0.0; n_adc * stages],
        }
    }

    /// Draws the components of `n_adc` ADCs of `stages` stages, in this
    /// order: `n_adc · comparators` offsets, then C1, C2 and Cpar of every
    /// stage. `comparators` is `2·stages + 1`, except for a pipeline ADC of 0
    /// bits, which draws none.
    pub fn draw(
        p: &AdcParams,
        vref: f64,
        n_adc: usize,
        stages: usize,
        comparators: usize,
        d: &mut Normals,
    ) -> StageMismatch {
        StageMismatch {
            stages,
            offsets: d.take(n_adc * comparators, 0.0, p.sigma_comparator * vref),
            c1: d.take(n_adc * stages, 1.0, p.sigma_c1),
            c2: d.take(n_adc * stages, 1.0, p.sigma_c2),
            cpar: d.take(n_adc * stages, 0.0, p.sigma_cpar),
        }
    }

    /// Panics (naming `who`) unless the table holds `n_adc` ADCs of `stages` stages.
    pub fn check(&self, who: &str, n_adc: usize, stages: usize) {
        assert_eq!(
            self.stages, stages,
            "{who}: mismatch of {} stages, {stages} needed",
            self.stages
        );
        assert_eq!(
            self.offsets.len(),
            n_adc * (2 * stages + 1),
            "{who}: offsets must be n_adc x (2 stages + 1)"
        );
        for (name, a) in [("c1", &self.c1), ("c2", &self.c2), ("cpar", &self.cpar)] {
            assert_eq!(a.len(), n_adc * stages, "{who}: {name} must be n_adc x stages");
        }
    }

    /// A one-stage table unrolled to `stages` identical stages per ADC (the
    /// cyclic ADC as a pipeline).
    pub fn repeated(&self, stages: usize) -> StageMismatch {
        assert_eq!(self.stages, 1, "only a one-stage table is repeated");
        let n_adc = self.c1.len();
        let mut m = StageMismatch {
            stages,
            offsets: Vec::with_capacity(n_adc * (2 * stages + 1)),
            c1: Vec::with_capacity(n_adc * stages),
            c2: Vec::with_capacity(n_adc * stages),
            cpar: Vec::with_capacity(n_adc * stages),
        };
        for a in 0..n_adc {
            for _ in 0..stages {
                m.offsets.extend_from_slice(&self.offsets[3 * a..3 * a + 2]);
                m.c1.push(self.c1[a]);
                m.c2.push(self.c2[a]);
                m.cpar.push(self.cpar[a]);
            }
            m.offsets.push(self.offsets[3 * a + 2]);
        }
        m
    }
}
