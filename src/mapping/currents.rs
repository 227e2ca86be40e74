//! Column currents as they leave the arrays of one weight mapping: one signed
//! current per output line, or the G+ and G- currents kept apart for separate
//! digitisation (`subtract_current_in_xbar = false`).

use crate::array::ReadKey;
use crate::batch::Batch;
use crate::circuit::adc::Adc;

/// The analog result of one read of a mapping.
#[derive(Debug, Clone)]
pub enum Currents {
    /// One (already combined) current per output line.
    One(Batch),
    /// Positive-array and negative-array currents, to be digitised separately.
    Two(Batch, Batch),
}

impl Currents {
    /// Applies `f` to each batch.
    pub fn each(&mut self, mut f: impl FnMut(&mut Batch)) {
        match self {
            Currents::One(a) => f(a),
            Currents::Two(p, n) => {
                f(p);
                f(n);
            }
        }
    }
    /// `self += other` (same variant).
    pub fn add(&mut self, other: &Currents) {
        match (self, other) {
            (Currents::One(a), Currents::One(b)) => a.zip_with(b, |x, y| x + y),
            (Currents::Two(p, n), Currents::Two(q, m)) => {
                p.zip_with(q, |x, y| x + y);
                n.zip_with(m, |x, y| x + y);
            }
            _ => unreachable!("currents of one mapping always have the same form"),
        }
    }
    /// Digitises each batch with `adc` (`key` names the read).
    pub fn digitise(&mut self, adc: &Adc, key: &ReadKey) {
        match self {
            Currents::One(a) => adc.convert(a, key, 0),
            Currents::Two(p, n) => {
                adc.convert(p, key, 0);
                adc.convert(n, key, 1);
            }
        }
    }
    /// Digitises, then combines into one signed value per line (`ADC(I+) - ADC(I-)`).
    pub fn digitise_and_combine(mut self, adc: &Adc, key: &ReadKey) -> Batch {
        self.digitise(adc, key);
        self.combine()
    }
    /// One value per line: the batch itself, or `I+ - I-`.
    pub fn combine(self) -> Batch {
        match self {
            Currents::One(a) => a,
            Currents::Two(mut p, n) => {
                p.zip_with(&n, |x, y| x - y);
                p
            }
        }
    }
}
