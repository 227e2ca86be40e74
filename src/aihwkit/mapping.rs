//! How aihwkit splits a layer into tiles and scales weights onto them
//! (spec §6, "Mapping"): `ceil(size/max)` parts of balanced sizes, and with
//! `weight_scaling_omega > 0` each tile's weights divided by
//! `max|W|/omega` (per output row with `weight_scaling_columnwise`), the
//! outputs multiplied back.

use crate::params::aihwkit::AihwkitMapping;

/// `(start, len)` of each part of `size` split into parts of at most `max`
/// (0 = one part): `k = ceil(size/max)` parts, the first `size mod k` of
/// them one longer (1025 by 512: 342, 342, 341).
pub fn split(size: usize, max: usize) -> Vec<(usize, usize)> {
    let k = if max == 0 || size == 0 { 1 } else { size.div_ceil(max) };
    let (base, extra) = (size / k, size % k);
    let mut start = 0;
    (0..k)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let part = (start, len);
            start += len;
            part
        })
        .collect()
}

/// The output scales of a `rows × cols` tile's weights `w` (row-major):
/// all 1 without omega scaling; else `max|W|/omega` (per row when
/// columnwise). A zero maximum gives scale 1.
pub fn scales(m: &AihwkitMapping, w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    if m.weight_scaling_omega <= 0.0 {
        return vec![1.0; rows];
    }
    let omega = m.weight_scaling_omega as f32;
    let of = |s: &[f32]| {
        let a = s.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        if a > 0.0 {
            a / omega
        } else {
            1.0
        }
    };
    if m.weight_scaling_columnwise {
        w.chunks(cols).map(of).collect()
    } else {
        vec![of(w); rows]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_as_aihwkit() {
        assert_eq!(split(1000, 512), vec![(0, 500), (500, 500)]);
        assert_eq!(split(1025, 512), vec![(0, 342), (342, 342), (684, 341)]);
        assert_eq!(split(512, 512), vec![(0, 512)]);
        assert_eq!(split(7, 0), vec![(0, 7)]);
    }

    #[test]
    fn omega_scales() {
        let w = [0.5f32, -2.0, 0.25, 0.0, 0.0, 0.0];
        let mut m = AihwkitMapping::default();
        assert_eq!(scales(&m, &w, 2, 3), vec![1.0, 1.0]);
        m.weight_scaling_omega = 0.5;
        assert_eq!(scales(&m, &w, 2, 3), vec![4.0, 4.0]);
        m.weight_scaling_columnwise = true;
        assert_eq!(scales(&m, &w, 2, 3), vec![4.0, 1.0]);
    }
}
