//! The mapping of a block's weights to an array's target conductances on the
//! device (`kernels/mapping.cu`): [`targets`] forms the quantised targets of
//! one array, described by its [`TargetMap`], from the block's weights
//! already on the device, one thread per cell. The map's numbers go as
//! kernel arguments, so nothing but the weights (uploaded once per block by
//! the caller) crosses.
//!
//! Agreement: the kernels repeat [`TargetMap::targets`] operation for
//! operation (`rint` for `round_ties_even`, `fmod` for `rem_euclid`, `(float)`
//! for `as f32`; no contraction), and none of them calls a library function
//! that may round differently on a GPU: the targets are the host's bits on
//! the emulated device and on a real one.

use super::device::{self, Arg, Buffer, Device, Shape};
use crate::error::{Error, Result};
use crate::mapping::targets::{Rule, TargetMap};
use std::sync::Arc;

/// Threads per block.
const BLOCK: u32 = 256;

/// The quantised targets (`rows × cols` doubles, the map's unit line
/// first; one double for an empty array) of the array that `map` describes, formed on `device` from the
/// block's weights `w` (`(rows − unit lines) × cols` doubles).
pub(crate) fn targets(
    device: &Arc<dyn Device>,
    w: &Buffer,
    map: &TargetMap,
    rows: usize,
    cols: usize,
) -> Result<Buffer> {
    let unit_rows = map.unit_rows();
    let weight_rows = rows.checked_sub(unit_rows).ok_or_else(|| {
        Error::Internal(format!(
            "mapping: an array of {rows} rows cannot hold {unit_rows} unit lines"
        ))
    })?;
    let n = rows * cols;
    w.holds(weight_rows * cols, 8, "mapping: the block's weights")?;
    let g = Buffer::zeroed(device, 8 * n.max(1))?;
    if n == 0 {
        return Ok(g);
    }
    let win = map.window;
    let q = win.quantum().unwrap_or(0.0);
    let cols_i = i32::try_from(cols).map_err(|_| Error::shape(format!("mapping: {cols} columns exceed 2^31 - 1")))?;
    let unit_i = unit_rows as i32;
    let unit = map.unit_target().unwrap_or(0.0);
    let flag = i32::from;
    let (name, args) = match map.rule {
        Rule::Balanced {
            positive,
            two_sided,
            r,
            wmax,
        } => (
            "xbar_mapping_balanced",
            vec![
                Arg::Buf(w),
                Arg::Buf(&g),
                Arg::U64(n as u64),
                Arg::I32(flag(positive)),
                Arg::I32(flag(two_sided)),
                Arg::F64(r),
                Arg::F64(wmax),
                Arg::F64(win.gmin),
                Arg::F64(win.grange),
                Arg::F64(q),
            ],
        ),
        Rule::Offset { wmax, wr, g0, .. } => (
            "xbar_mapping_offset",
            vec![
                Arg::Buf(w),
                Arg::Buf(&g),
                Arg::U64(n as u64),
                Arg::I32(cols_i),
                Arg::I32(unit_i),
                Arg::F64(unit),
                Arg::F64(wmax),
                Arg::F64(wr),
                Arg::F64(g0),
                Arg::F64(win.gmin),
                Arg::F64(q),
            ],
        ),
        Rule::Slice(s) => (
            "xbar_mapping_slice",
            vec![
                Arg::Buf(w),
                Arg::Buf(&g),
                Arg::U64(n as u64),
                Arg::I32(cols_i),
                Arg::I32(unit_i),
                Arg::F64(unit),
                Arg::U32(s.index),
                Arg::U32(s.slices),
                Arg::I32(flag(s.balanced)),
                Arg::I32(flag(s.positive)),
                Arg::F64(s.wmax),
                Arg::F64(s.top()),
                Arg::F64(s.shrink()),
                Arg::F64(s.half()),
                Arg::F64(s.base()),
                Arg::F64(s.full()),
                Arg::F64(win.gmin),
                Arg::F64(win.grange),
                Arg::F64(q),
            ],
        ),
    };
    let blocks = u32::try_from(n.div_ceil(BLOCK as usize))
        .map_err(|_| Error::unsupported(format!("GPU backend: {n} cells exceed one launch")))?;
    let shape = Shape {
        grid: (blocks, 1, 1),
        block: (BLOCK, 1, 1),
    };
    // SAFETY: each kernel writes the n doubles of g (allocated above) and
    // reads, for cell i past the unit lines, weight i − unit_rows·cols < the
    // (rows − unit_rows)·cols that w holds (checked above).
    unsafe { device::launch(device.as_ref(), name, shape, &args) }?;
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::super::emulated::test_device as device;
    use super::*;
    use crate::device::conductance::Window;
    use crate::mapping::targets::Slice;

    /// `n` weights on [−1.25, 1.25] (beyond a unit range, as unclipped
    /// weights may be), with 0, ±1, ±½ and exact level edges among them.
    fn weights(n: usize, salt: u64) -> Vec<f64> {
        let mut s = salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                match i % 13 {
                    2 => 0.0,
                    4 => 1.0,
                    6 => -1.0,
                    8 => 0.5,
                    10 => -0.5,
                    12 => (i % 64) as f64 / 32.0 - 1.0,
                    _ => ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.5 - 1.25,
                }
            })
            .collect()
    }

    fn windows() -> Vec<Window> {
        let mut out = Vec::new();
        for gmin in [0.0, 0.1, 1.0 / 3.0] {
            for cell_bits in [0, 1, 4, 7] {
                out.push(Window {
                    gmin,
                    grange: 1.0 - gmin,
                    cell_bits,
                });
            }
        }
        out
    }

    /// Every kind of map: balanced (both sides, both styles), offset (with
    /// and without a unit line, two spans), and slices of 2 and 4 (balanced
    /// and offset, with and without unit lines, divisible and not).
    fn maps(window: Window) -> Vec<TargetMap> {
        let mut out = Vec::new();
        for wmax in [1.0, 0.75] {
            for positive in [true, false] {
                for two_sided in [true, false] {
                    out.push(TargetMap::balanced(window, positive, two_sided, wmax));
                }
            }
            for (wr, g0) in [(window.grange, window.gmin), (0.8, 0.2)] {
                for unit_column in [false, true] {
                    out.push(TargetMap {
                        window,
                        rule: Rule::Offset {
                            wmax,
                            wr,
                            g0,
                            unit_column,
                        },
                    });
                }
            }
            for (bits, slices, slice_bits) in [(8, 2, 4), (8, 4, 2), (7, 2, 3), (7, 2, 4), (9, 4, 3)] {
                for index in 0..slices {
                    for (balanced, positive, unit_column) in [
                        (true, true, false),
                        (true, false, false),
                        (false, true, false),
                        (false, true, true),
                    ] {
                        out.push(TargetMap {
                            window,
                            rule: Rule::Slice(Slice {
                                index,
                                slices,
                                bits,
                                slice_bits,
                                balanced,
                                positive,
                                unit_column,
                                wmax,
                            }),
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn device_targets_are_the_hosts_bits_for_every_map() {
        let Some(dev) = device() else { return };
        let (rows, cols) = (7, 45);
        let w = weights(rows * cols, 5);
        let wd = Buffer::upload(&dev, &w).unwrap();
        let mut checked = 0;
        for window in windows() {
            for map in maps(window) {
                let arows = rows + map.unit_rows();
                let host = map.targets(&w, cols);
                assert_eq!(host.len(), arows * cols);
                let got = targets(&dev, &wd, &map, arows, cols)
                    .unwrap()
                    .download::<f64>()
                    .unwrap();
                for (i, (a, b)) in host.iter().zip(&got).enumerate() {
                    assert_eq!(a.to_bits(), b.to_bits(), "{map:?}: cell {i}: host {a}, device {b}");
                }
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} maps");
    }

    #[test]
    fn quantised_targets_sit_on_levels() {
        // A check that the comparison above can fail: quantised targets take
        // at most 2^cell_bits values, continuous ones many more.
        let Some(dev) = device() else { return };
        let w = weights(2000, 9);
        let wd = Buffer::upload(&dev, &w).unwrap();
        for cell_bits in [0, 3] {
            let window = Window {
                gmin: 0.1,
                grange: 0.9,
                cell_bits,
            };
            let map = TargetMap {
                window,
                rule: Rule::Offset {
                    wmax: 1.25,
                    wr: 0.9,
                    g0: 0.1,
                    unit_column: false,
                },
            };
            let g = targets(&dev, &wd, &map, 40, 50).unwrap().download::<f64>().unwrap();
            let mut levels: Vec<u64> = g.iter().map(|x| x.to_bits()).collect();
            levels.sort_unstable();
            levels.dedup();
            if cell_bits == 0 {
                assert!(levels.len() > 1000, "{} levels", levels.len());
            } else {
                assert!(levels.len() <= 8, "{} levels", levels.len());
            }
        }
    }

    #[test]
    fn short_weights_and_unit_lines_are_refused() {
        let Some(dev) = device() else { return };
        let wd = Buffer::upload(&dev, &[0.5f64; 10]).unwrap();
        let window = Window {
            gmin: 0.0,
            grange: 1.0,
            cell_bits: 0,
        };
        let bal = TargetMap::balanced(window, true, true, 1.0);
        assert!(targets(&dev, &wd, &bal, 3, 4).is_err());
        assert!(targets(&dev, &wd, &bal, 2, 5).is_ok());
        let unit = TargetMap {
            window,
            rule: Rule::Offset {
                wmax: 1.0,
                wr: 1.0,
                g0: 0.0,
                unit_column: true,
            },
        };
        assert!(targets(&dev, &wd, &unit, 0, 5).is_err());
        // 10 weights and a unit line: 3 rows of 5.
        let g = targets(&dev, &wd, &unit, 3, 5).unwrap().download::<f64>().unwrap();
        assert_eq!(g, unit.targets(&[0.5; 10], 5));
        assert!(targets(&dev, &wd, &unit, 1, 0).is_ok());
    }
}
