//! Synthetic lookup tables for the GPU tests and benches (no measured data
//! needed): three devices in subfolders `1`, `2`, `3` of a temporary folder,
//! each `points × points` (conductance × CDF), whose pulses, of about `size`
//! siemens, shrink towards the edge they drive to and spread with the CDF.

use std::path::PathBuf;
use xbar::lut::{format::TableFile, pulse_trains::write_pair};

/// Writes the tables into a temporary folder named for `tag` and this
/// process, and returns the folder.
pub fn lut_tables(tag: &str, points: usize, size: f64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xbar-{tag}-lut-{}", std::process::id()));
    let g: Vec<f64> = (0..points)
        .map(|j| 1e-5 + 9e-5 * j as f64 / (points - 1) as f64)
        .collect();
    let cdf: Vec<f64> = (0..points).map(|k| k as f64 / (points - 1) as f64).collect();
    for dev in 1..=3 {
        let size = size * (1.0 + 0.2 * dev as f64);
        let table = |sign: f64| TableFile {
            g: g.clone(),
            cdf: cdf.clone(),
            dg: (0..points * points)
                .map(|i| {
                    let (c, x) = (cdf[i / points], (i % points) as f64 / (points - 1) as f64);
                    let room = if sign > 0.0 { 1.0 - 0.6 * x } else { 0.4 + 0.6 * x };
                    sign * size * room * (0.5 + c * c)
                })
                .collect(),
        };
        write_pair(&dir.join(dev.to_string()), &table(1.0), &table(-1.0)).expect("write tables");
    }
    dir
}
