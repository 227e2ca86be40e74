//! Component mismatch of the circuit ADCs (spec §9.5–9.8), drawn once when
//! the arrays are programmed: capacitor errors, comparator offsets and the
//! pipeline/cyclic stage capacitors, all Normal. The draws of one ADC bank
//! come from one counter-based stream, consumed in a fixed order, so they
//! never depend on thread count.

use super::cyclic::CyclicMismatch;
use super::pipeline::PipelineMismatch;
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

/// Pipeline ADC: per ADC, `2b - 1` comparator offsets and `b - 1` stages' C1, C2, Cpar.
pub fn pipeline(p: &AdcParams, vref: f64, n_adc: usize, d: &mut Normals) -> PipelineMismatch {
    let b = p.bits as usize;
    let stages = n_adc * b.saturating_sub(1);
    PipelineMismatch {
        offsets: d.take(n_adc * (2 * b).saturating_sub(1), 0.0, p.sigma_comparator * vref),
        c1: d.take(stages, 1.0, p.sigma_c1),
        c2: d.take(stages, 1.0, p.sigma_c2),
        cpar: d.take(stages, 0.0, p.sigma_cpar),
    }
}

/// Cyclic ADC: per ADC, 3 comparator offsets (high, low, final) and one stage's C1, C2, Cpar.
pub fn cyclic(p: &AdcParams, vref: f64, n_adc: usize, d: &mut Normals) -> CyclicMismatch {
    CyclicMismatch {
        offsets: d.take(3 * n_adc, 0.0, p.sigma_comparator * vref),
        c1: d.take(n_adc, 1.0, p.sigma_c1),
        c2: d.take(n_adc, 1.0, p.sigma_c2),
        cpar: d.take(n_adc, 0.0, p.sigma_cpar),
    }
}
