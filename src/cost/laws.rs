//! Energy and time laws of the components (docs/models.md, "Cost model").

use crate::params::{AdcTiming, ConverterLaw};

/// Energy of one conversion (J) of a `bits`-bit converter under `law`:
/// `fixed`: `energy_j`; Walden: `fom_j · 2^ENOB`; Schreier:
/// `10^((6.02·ENOB + 1.76 − fom_db)/10) / 2`. ENOB is `enob` when given,
/// else `bits`. A converter of 0 bits (ideal, no quantisation) costs nothing.
pub fn conversion_energy(
    law: ConverterLaw,
    energy_j: f64,
    fom_j: f64,
    fom_db: f64,
    enob: Option<f64>,
    bits: u32,
) -> f64 {
    if bits == 0 {
        return 0.0;
    }
    let n = enob.unwrap_or(bits as f64);
    match law {
        ConverterLaw::Fixed => energy_j,
        ConverterLaw::Walden => fom_j * n.exp2(),
        ConverterLaw::Schreier => 10f64.powf((6.02 * n + 1.76 - fom_db) / 10.0) / 2.0,
    }
}

/// Time of one conversion (s) of a `bits`-bit ADC: `fixed`: `latency_s`;
/// SAR: `(b + 1)/f`; flash: `1/f`; ramp: `2^b/f`. An ideal ADC (0 bits) takes no time.
pub fn conversion_time(timing: AdcTiming, latency_s: f64, clock_hz: f64, bits: u32) -> f64 {
    if bits == 0 {
        return 0.0;
    }
    match timing {
        AdcTiming::Fixed => latency_s,
        AdcTiming::Sar => (bits as f64 + 1.0) / clock_hz,
        AdcTiming::Flash => 1.0 / clock_hz,
        AdcTiming::Ramp => (bits as f64).exp2() / clock_hz,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laws_by_hand() {
        assert_eq!(conversion_energy(ConverterLaw::Fixed, 3e-12, 0.0, 0.0, None, 8), 3e-12);
        assert_eq!(
            conversion_energy(ConverterLaw::Walden, 0.0, 1e-15, 0.0, None, 10),
            1024e-15
        );
        assert_eq!(
            conversion_energy(ConverterLaw::Walden, 0.0, 1e-15, 0.0, Some(6.0), 10),
            64e-15
        );
        assert_eq!(conversion_energy(ConverterLaw::Walden, 0.0, 1e-15, 0.0, None, 0), 0.0);
        // Schreier: 170 dB at ENOB 8: 10^((49.92 − 170)/10)/2.
        let e = conversion_energy(ConverterLaw::Schreier, 0.0, 0.0, 170.0, None, 8);
        // Rounding of the exponent's arithmetic: 1e-12 relative.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
        assert!(close(e, 10f64.powf(-12.008) / 2.0), "{e}");
        assert!(close(conversion_time(AdcTiming::Sar, 0.0, 1e9, 8), 9e-9));
        assert!(close(conversion_time(AdcTiming::Flash, 0.0, 1e9, 8), 1e-9));
        assert!(close(conversion_time(AdcTiming::Ramp, 0.0, 1e9, 8), 256e-9));
        assert_eq!(conversion_time(AdcTiming::Fixed, 5e-9, 1e9, 8), 5e-9);
        assert_eq!(conversion_time(AdcTiming::Sar, 5e-9, 1e9, 0), 0.0);
    }
}
