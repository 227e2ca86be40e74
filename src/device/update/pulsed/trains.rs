//! Pulse trains and coincidences of aihwkit's stochastic update (spec
//! update-models.md §B.2–B.3, `STOCHASTIC_COMPRESSED` with a fixed BL).
//!
//! A rank-1 request `λ·d_i·x_j` (λ > 0 in device units) is written with BL
//! time slots. Input line j fires in each slot with probability
//! `p_x,j = B·|x_j|`, output line i with `p_d,i = A·|d_i|`, independently;
//! cell (i, j) receives one pulse per slot in which both of its lines fire,
//! of the sign of `λ·d_i·x_j`. The coincidence count is
//! `n_ij ~ Binomial(BL, p_x,j·p_d,i)` and, with `A·B = λ/(ε·BL)`,
//! `E[n_ij]·ε = λ|d_i||x_j|` as long as no probability exceeds 1.
//!
//! Scales (`calculateBlAB` and `performUpdateManagement`), with
//! `x_m = max|x|`, `d_m = max|d|`, `k = λ·x_m·d_m/ε` (the pulses the largest
//! element needs):
//! * BL = `desired_bl`, `A = B = √(λ/(ε·BL))`;
//! * update-BL management: `BL = min(⌈k⌉, desired_bl)` and A, B again;
//! * update management (also on with update-BL management): if
//!   `k > desired_bl`, `d_v = d_m·desired_bl/k` (else `d_v = d_m`), then
//!   `A ← A·√(x_m/d_v)`, `B ← B·√(d_v/x_m)`: the largest x fires in every slot
//!   and the largest d probabilities exceed 1 (they saturate: the update is clipped).
//!
//! A train is a bit mask (slot k = bit k, BL ≤ 64), so `n_ij` is the
//! population count of the AND of two masks. Line `l` fires in slot `k` iff
//! `w < p·2^32` for the 32-bit word `w` = word `k mod 4` of block
//! `16·l + k/4` of the write's pulse-train stream (input lines are
//! `l = j`, output lines `l = cols + i`); `p ≥ 1` always fires.

use crate::rng::Stream;

/// Longest pulse train: the bits of a mask.
pub const MAX_BL: u32 = 64;

/// How the train length and probabilities are managed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Management {
    pub desired_bl: u32,
    pub update_management: bool,
    pub update_bl_management: bool,
}

/// Train length and the probability scales of one rank-1 write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    pub bl: u32,
    /// Scale of the output-line (d) probabilities.
    pub a: f64,
    /// Scale of the input-line (x) probabilities.
    pub b: f64,
}

/// The scales for step `lambda` > 0, granularity `eps` and the largest
/// magnitudes `x_max`, `d_max`; `None` when nothing is written.
pub fn scales(lambda: f64, eps: f64, x_max: f64, d_max: f64, m: &Management) -> Option<Scales> {
    if lambda <= 0.0 || x_max == 0.0 || d_max == 0.0 {
        return None;
    }
    let desired = f64::from(m.desired_bl);
    let s = |bl: u32| (lambda / (eps * f64::from(bl))).sqrt();
    if !(m.update_management || m.update_bl_management) {
        let a = s(m.desired_bl);
        return Some(Scales {
            bl: m.desired_bl,
            a,
            b: a,
        });
    }
    let k = lambda * x_max * d_max / eps;
    let bl = if m.update_bl_management {
        k.ceil().clamp(1.0, desired) as u32
    } else {
        m.desired_bl
    };
    let d_v = if k > desired { d_max * desired / k } else { d_max };
    Some(Scales {
        bl,
        a: s(bl) * (x_max / d_v).sqrt(),
        b: s(bl) * (d_v / x_max).sqrt(),
    })
}

/// The train of line `line` firing with probability `p` in each of `bl` slots.
pub fn train(p: f64, bl: u32, stream: &Stream, line: u64) -> u64 {
    let all = if bl == MAX_BL { u64::MAX } else { (1u64 << bl) - 1 };
    if p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return all;
    }
    let threshold = p * 4_294_967_296.0;
    let mut mask = 0u64;
    for blk in 0..bl.div_ceil(4) {
        let words = stream.block_at(16 * line + u64::from(blk));
        for (t, &w) in words.iter().enumerate() {
            if f64::from(w) < threshold {
                mask |= 1u64 << (4 * blk as usize + t);
            }
        }
    }
    mask & all
}

/// Pulses at the crossing of two trains.
#[inline]
pub fn coincidences(x_train: u64, d_train: u64) -> u32 {
    (x_train & d_train).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Management = Management {
        desired_bl: 31,
        update_management: true,
        update_bl_management: true,
    };

    #[test]
    fn management_balances_and_saturates() {
        // k = 0.01·1·0.5/0.001 = 5 pulses: BL = 5, A·B = λ/(ε·BL) = 2,
        // largest probabilities √(k/BL) = 1 each.
        let s = scales(0.01, 0.001, 1.0, 0.5, &M).unwrap();
        assert_eq!(s.bl, 5);
        assert!((s.a * s.b - 2.0).abs() < 1e-12);
        assert!((s.b * 1.0 - 1.0).abs() < 1e-12 && (s.a * 0.5 - 1.0).abs() < 1e-12);
        // k = 62 > 31: the largest x fires always, the largest d has p = k/BL = 2.
        let s = scales(0.062, 0.001, 1.0, 1.0, &M).unwrap();
        assert_eq!(s.bl, 31);
        assert!((s.b - 1.0).abs() < 1e-12 && (s.a - 2.0).abs() < 1e-12, "{s:?}");
        assert!(scales(0.01, 0.001, 0.0, 1.0, &M).is_none());
    }

    #[test]
    fn certain_and_impossible_lines() {
        let s = Stream::new(1, 0, crate::rng::Purpose::PulseTrain, 1);
        assert_eq!(train(1.0, 31, &s, 3), (1 << 31) - 1);
        assert_eq!(train(0.0, 31, &s, 3), 0);
        // A pure function of (stream, line); no slot beyond BL fires.
        assert_eq!(train(0.5, 64, &s, 3), train(0.5, 64, &s, 3));
        assert_ne!(train(0.5, 64, &s, 3), train(0.5, 64, &s, 4));
        assert_eq!(train(0.9, 10, &s, 3) >> 10, 0);
        assert_eq!(coincidences(0b1011, 0b0110), 1);
    }
}
