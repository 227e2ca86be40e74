//! Rounding to the nearest integer, ties to even (C's `rint` in the default
//! rounding mode), written so that it compiles to a few adds inline and
//! vectorises: on x86-64 without SSE4.1 in the target, `round_ties_even`
//! is a call into the C library for every value.
//!
//! Adding and subtracting 2^52 (2^23 in single precision) leaves the nearest
//! integer of `|t|` below that bound, ties to even, since every sum then has
//! a unit last place; larger values are integers already, and NaN and ±∞
//! pass through. The sign is put back afterwards, so `-0.3` gives `-0.0`.

/// `t` rounded to the nearest integer, ties to even: `t.round_ties_even()`,
/// bit for bit.
#[inline(always)]
pub fn rint(t: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let a = t.abs();
    if a < TWO_52 {
        ((a + TWO_52) - TWO_52).copysign(t)
    } else {
        t
    }
}

/// [`rint`] in single precision (C's `rintf`).
#[inline(always)]
pub fn rintf(t: f32) -> f32 {
    const TWO_23: f32 = 8_388_608.0;
    let a = t.abs();
    if a < TWO_23 {
        ((a + TWO_23) - TWO_23).copysign(t)
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rint_is_round_ties_even() {
        let specials = [
            0.5,
            1.5,
            2.5,
            -0.5,
            -2.5,
            0.49999999999999994,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            1e300,
            -0.0,
            0.0,
            3.7,
            -3.2,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            5e-324,
        ];
        let many = (0..400_000u64).map(|k| f64::from_bits(k.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        let near = (-4000..4000).map(|k| k as f64 * 0.25 + 1e-3 * (k % 3) as f64);
        for t in specials.into_iter().chain(many).chain(near).filter(|t| !t.is_nan()) {
            assert_eq!(rint(t).to_bits(), t.round_ties_even().to_bits(), "{t}");
        }
        assert!(rint(f64::NAN).is_nan());
    }

    #[test]
    fn rintf_is_round_ties_even() {
        let specials = [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -2.5,
            0.49999997,
            8_388_607.5,
            8_388_608.0,
            1e30,
            -0.0,
            3.7,
            -3.2,
            f32::INFINITY,
        ];
        let many = (0..200_000u32).map(|k| f32::from_bits(k.wrapping_mul(2_654_435_761)));
        for t in specials.into_iter().chain(many).filter(|t| !t.is_nan()) {
            assert_eq!(rintf(t).to_bits(), t.round_ties_even().to_bits(), "{t}");
        }
        assert!(rintf(f32::NAN).is_nan());
    }
}
