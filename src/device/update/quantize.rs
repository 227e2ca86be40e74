//! Optional quantisation of the update vectors x and d before a write
//! (`xbar.device.update.x_bits`, `d_bits`, `stochastic_rounding`; CrossSim 2
//! quantises its update vectors the same way, spec update-models.md §A.8
//! item 3, on a range scaled per vector as aihwkit's noise management does).
//!
//! With `b` bits (sign included) each vector `v` has the `2^b − 1` levels
//! `k·Δ`, `k ∈ {−L, …, L}`, `L = 2^(b−1) − 1`, `Δ = max|v| / L`: the largest
//! element is always a level. Nearest rounding: `k = round(v/Δ)`. Stochastic
//! rounding: `k = ⌊v/Δ + u⌋` with `u ~ U[0, 1)`, so `k·Δ` is one of the two
//! levels around `v` and `E[k·Δ] = v` (unbiased).
//!
//! The uniforms come from the stream (seed, vector kind: 0 for x and 1 for d,
//! `UpdateRounding`, update call), dense draw `b·n + j` for element `j` of
//! sample `b` (vectors of length `n`).

use crate::params::UpdateParams;
use crate::rng::{Purpose, Stream};
use std::borrow::Cow;

/// Rounds `v` to its `bits`-bit levels; `u` holds one uniform per element for
/// stochastic rounding (`None`: to the nearest level).
pub fn levels(v: &mut [f64], bits: u32, u: Option<&[f64]>) {
    let m = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    if m == 0.0 {
        return;
    }
    let top = ((1u64 << (bits - 1)) - 1) as f64;
    let step = m / top;
    for (j, x) in v.iter_mut().enumerate() {
        let t = *x / step;
        let k = match u {
            Some(u) => (t + u[j]).floor(),
            None => t.round(),
        };
        *x = k.clamp(-top, top) * step;
    }
}

/// `data` (`batch` vectors) quantised to `bits` (unchanged when 0).
fn batch_levels<'a>(data: &'a [f64], batch: usize, bits: u32, rounding: Option<Stream>) -> Cow<'a, [f64]> {
    if bits == 0 || batch == 0 {
        return Cow::Borrowed(data);
    }
    let n = data.len() / batch;
    let mut out = data.to_vec();
    let mut u = vec![0.0; n];
    for (b, v) in out.chunks_mut(n.max(1)).enumerate() {
        let draws = rounding.map(|s| {
            s.fill_dense((b * n) as u64, &mut u, false);
            &u[..]
        });
        levels(v, bits, draws);
    }
    Cow::Owned(out)
}

/// The vectors `x` and `d` (`batch` samples each) of update call `call` of a
/// core with seed `seed`, quantised as `p` says.
pub fn vectors<'a>(
    p: &UpdateParams,
    x: &'a [f64],
    d: &'a [f64],
    batch: usize,
    seed: u64,
    call: u64,
) -> (Cow<'a, [f64]>, Cow<'a, [f64]>) {
    let stream = |kind: u32| {
        p.stochastic_rounding
            .then(|| Stream::new(seed, kind, Purpose::UpdateRounding, call))
    };
    (
        batch_levels(x, batch, p.x_bits, stream(0)),
        batch_levels(d, batch, p.d_bits, stream(1)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_bits_have_seven_levels() {
        // L = 3, Δ = 1/3: 0.2 → 1/3, -0.5 → -2/3 (round half away from zero), 0.1 → 0.
        let mut v = [1.0, 0.2, -0.5, 0.1, -1.0];
        levels(&mut v, 3, None);
        let third = 1.0 / 3.0;
        assert_eq!(v, [3.0 * third, third, -2.0 * third, 0.0, -3.0 * third]);
    }

    #[test]
    fn stochastic_rounding_picks_a_neighbouring_level() {
        // v/Δ = 0.6 with Δ = 1/3 (x = 0.2): u < 0.4 gives level 0, else level 1.
        let mut a = [1.0, 0.2];
        levels(&mut a, 3, Some(&[0.0, 0.39]));
        assert_eq!(a[1], 0.0);
        let mut b = [1.0, 0.2];
        levels(&mut b, 3, Some(&[0.0, 0.41]));
        assert_eq!(b[1], 1.0 / 3.0);
    }
}
