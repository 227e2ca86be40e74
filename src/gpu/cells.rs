//! The device form of a core's cell laws ([`Cells`]): programming error,
//! drift to the core's time (`set_time`) and the per-cell read-noise σ that
//! follows a write, run by `kernels/cells.cu` on conductances that stay on
//! the device.
//!
//! * [`write`] is [`Cells::write`]: one thread per cell turns its target
//!   into the programmed (or drifted) conductance, `clip(shift(G) + σ(G)·e)`
//!   for an error law (every generic law with either draw, PCMJoshi,
//!   RRAMWan, RRAMMilo, SONOS programming and drift), or aihwkit's PCM
//!   programming, drift exponent and drift for PCMLike, with the draws of the
//!   CPU's streams (`Stream::normal_at`, `Stream::uniform_at`) at the cell's
//!   index.
//! * [`read_sigma`] is the σ of [`Cells::read_noise`]: one kernel compares
//!   every cell's σ with cell 0's and only that flag and cell 0's σ come
//!   back; when they differ a second kernel writes each cell's σ, rounded
//!   once to the storage precision, into a new device buffer.
//!
//! What moves per call: the law's constants (at most 22 doubles) up, and for
//! [`read_sigma`] 16 bytes down.
//!
//! Agreement: bit for bit with the CPU on the emulated device, whose `log`,
//! `cos`, `exp` and `pow` are the host's libm, as the CPU's. On a real GPU
//! those four come from CUDA's library and may differ by an ulp: the normal
//! draws (Box-Muller: `log`, `cos`), the SONOS σ (`exp`) and PCMLike drift
//! (`log`, `pow`) then agree within a few ulps before the clip; every other
//! step is one IEEE double operation in the CPU's order (no contraction), so
//! the generic laws with uniform draws, the µS-window laws' σ and every
//! [`read_sigma`] of a law without `exp` are exact there too.
//!
//! Not covered (`Ok(None)`, nothing touched; the caller keeps the host
//! path): aihwkit's net-pair mode of PCMLike drift
//! ([`Cells::drifts_net_pairs`]), whose state is not a function of one
//! array: both arrays of a pair are drifted together, scaled by the largest
//! net conductance of the pair ([`Cells::drift_net_pair`]); a law of a type
//! this module does not know (none that [`Cells::new`] builds); writes of
//! 2³² cells or more, whose draw indices the CPU's streams refuse.

use super::device::{self, Arg, Buffer, Device, Shape};
use super::resident::Precision;
use crate::device::cells::{Cells, Draws, Write};
use crate::device::generic::{Generic, Scaling};
use crate::device::law::{Clip, Dist, ErrorLaw};
use crate::device::pcm_joshi::PcmJoshi;
use crate::device::rram_milo::RramMilo;
use crate::device::rram_wan::RramWan;
use crate::device::sonos::{SonosRead, SonosWrite};
use crate::device::us_window::UsWindow;
use crate::error::{Error, Result};
use crate::rng::{identity, Purpose, Stream, MAX_INDEX};
use std::any::Any;
use std::sync::Arc;

/// Threads per block of every kernel.
const BLOCK: u32 = 256;

/// The law codes of `kernels/cells.cu` (`XBAR_CELLS_*`).
const INDEPENDENT: f64 = 0.0;
const PROPORTIONAL: f64 = 1.0;
const INVERSE: f64 = 2.0;
const PCM_JOSHI: f64 = 3.0;
const RRAM_WAN: f64 = 4.0;
const RRAM_MILO: f64 = 5.0;
const SONOS_WRITE: f64 = 6.0;
const SONOS_READ: f64 = 7.0;
const PCM_LIKE: f64 = 8.0;

/// The σ of every cell of an array, as [`Cells::read_noise`] finds it.
#[derive(Debug)]
pub(crate) enum Sigma {
    /// Reads are exact.
    None,
    /// Every cell has this σ (normalised conductance units).
    Uniform(f64),
    /// One σ per cell, in the storage precision (each the CPU's f64 σ rounded once).
    PerCell(Buffer),
}

/// The head of a law's constants: code, draw (0 normal, 1 uniform − ½), clip.
fn head(code: f64, dist: Dist, clip: Clip) -> Vec<f64> {
    let uniform = if dist == Dist::Uniform { 1.0 } else { 0.0 };
    vec![code, uniform, clip.lo, clip.hi]
}

/// The constants of a µS-window law.
fn window(code: f64, law: &dyn ErrorLaw, w: &UsWindow, clip: Clip) -> Vec<f64> {
    let mut k = head(code, law.dist(), clip);
    k.extend([w.gmin_us, w.gmax_us, w.gmin(), w.grange()]);
    k
}

/// The constants of a SONOS law: current window, days, A, B, polynomial.
fn sonos(code: f64, law: &dyn ErrorLaw, w: [f64; 4], days: f64, coeffs: &[f64], clip: Clip) -> Vec<f64> {
    let mut k = head(code, law.dist(), clip);
    k.extend(w);
    k.push(days);
    k.extend(coeffs);
    k
}

/// Whether [`read_sigma`] covers `cells`' read law (or reads are exact).
pub(crate) fn reads_on_device(cells: &Cells) -> bool {
    cells
        .read_law()
        .is_none_or(|law| constants(law, cells.clip()).is_some())
}

/// `law` as the constants array of `kernels/cells.cu`, or `None` for a law
/// this module does not know.
fn constants(law: &dyn ErrorLaw, clip: Clip) -> Option<Vec<f64>> {
    let any: &dyn Any = law;
    if let Some(g) = any.downcast_ref::<Generic>() {
        let code = match g.scaling {
            Scaling::Independent => INDEPENDENT,
            Scaling::Proportional => PROPORTIONAL,
            Scaling::InverseProportional => INVERSE,
        };
        let mut k = head(code, g.dist, clip);
        k.push(g.magnitude);
        Some(k)
    } else if let Some(l) = any.downcast_ref::<PcmJoshi>() {
        Some(window(PCM_JOSHI, law, l.window(), clip))
    } else if let Some(l) = any.downcast_ref::<RramWan>() {
        Some(window(RRAM_WAN, law, l.window(), clip))
    } else if let Some(l) = any.downcast_ref::<RramMilo>() {
        Some(window(RRAM_MILO, law, l.window(), clip))
    } else if let Some(l) = any.downcast_ref::<SonosWrite>() {
        Some(sonos(SONOS_WRITE, law, l.window(), l.days(), l.coefficients(), clip))
    } else if let Some(l) = any.downcast_ref::<SonosRead>() {
        let (a, b) = l.coefficients();
        Some(sonos(SONOS_READ, law, l.window(), 0.0, &[a, b], clip))
    } else {
        None
    }
}

/// A launch of `n` threads in blocks of [`BLOCK`].
fn shape(n: usize) -> Result<Shape> {
    let blocks = u32::try_from(n.div_ceil(BLOCK as usize))
        .map_err(|_| Error::unsupported(format!("GPU backend: {n} cells exceed one launch")))?;
    Ok(Shape {
        grid: (blocks, 1, 1),
        block: (BLOCK, 1, 1),
    })
}

/// [`Cells::write`] on the device: `g` holds the `n` target conductances of
/// array `array` (f64, already quantised) and receives the programmed (or
/// drifted) state, with the draws of `draws` as the CPU takes them. `None`
/// (and `g` untouched) for what this module does not cover (module doc).
///
/// # Panics
/// Where [`Cells::write`] panics: a program call of 2⁵⁶ or more, or a
/// PCMLike write whose program call reaches 2³² or time call 2²⁴.
pub(crate) fn write(
    device: &Arc<dyn Device>,
    cells: &Cells,
    g: &Buffer,
    n: usize,
    array: u32,
    draws: &Draws,
) -> Result<Option<()>> {
    // The CPU's streams, built as Cells::write builds them (with its checks).
    let prog = Stream::new(draws.seed, array, Purpose::ProgrammingError, draws.program_call);
    let (k, read_call) = match cells.write_mode() {
        Write::Exact => return Ok(Some(())),
        Write::PcmLike { net_pair: true, .. } => return Ok(None),
        Write::Law(law) => match constants(law.as_ref(), cells.clip()) {
            Some(k) => (k, 0),
            None => return Ok(None),
        },
        Write::PcmLike { drift, .. } => {
            let call = identity::subcall(draws.program_call, draws.time_call);
            let read = Stream::new(draws.seed, array, Purpose::DriftReadNoise, call);
            let clip = cells.clip();
            let k = vec![
                PCM_LIKE,
                0.0,
                clip.lo,
                clip.hi,
                if drift.is_some() { 1.0 } else { 0.0 },
                drift.unwrap_or(0.0),
            ];
            (k, read.call())
        }
    };
    g.holds(n, 8, "a cell write")?;
    if n as u64 > MAX_INDEX {
        return Ok(None);
    }
    if n == 0 {
        return Ok(Some(()));
    }
    let k = Buffer::upload(device, &k)?;
    let (seed, array, _, program_call) = prog.identity();
    let args = [
        Arg::Buf(g),
        Arg::Buf(&k),
        Arg::U64(n as u64),
        Arg::U64(seed),
        Arg::U32(array),
        Arg::U64(program_call),
        Arg::U64(read_call),
    ];
    // SAFETY: the kernel reads and writes n doubles of g (its length checked
    // above) and reads the law's constants, whose layout `constants` and the
    // PCMLike arm above build for it.
    unsafe { device::launch(device.as_ref(), "xbar_cells_write", shape(n)?, &args) }?;
    Ok(Some(()))
}

/// The σ of [`Cells::read_noise`] on the device for the `n` stored
/// conductances `g` (in `precision`, as a resident array holds them):
/// [`Sigma::None`] for exact reads, [`Sigma::Uniform`] exactly when every
/// cell's σ equals cell 0's (decided on the device: one flag and cell 0's σ
/// come back), else [`Sigma::PerCell`], n σ in `precision` on the device.
/// `None` for a read law this module does not know.
pub(crate) fn read_sigma(
    device: &Arc<dyn Device>,
    cells: &Cells,
    g: &Buffer,
    precision: Precision,
    n: usize,
) -> Result<Option<Sigma>> {
    let Some(law) = cells.read_law() else {
        return Ok(Some(Sigma::None));
    };
    let Some(k) = constants(law, cells.clip()) else {
        return Ok(None);
    };
    let (size, check, fill) = match precision {
        Precision::F32 => (4, "xbar_cells_sigma_check_f32", "xbar_cells_sigma_f32"),
        Precision::F64 => (8, "xbar_cells_sigma_check_f64", "xbar_cells_sigma_f64"),
    };
    g.holds(n, size, "the read-noise σ")?;
    if n == 0 {
        // No cell, no shared σ (the CPU's `sigmas` finds none either).
        return Ok(Some(Sigma::PerCell(Buffer::zeroed(device, 0)?)));
    }
    let k = Buffer::upload(device, &k)?;
    let info = Buffer::zeroed(device, 16)?;
    let args = [Arg::Buf(g), Arg::Buf(&k), Arg::U64(n as u64), Arg::Buf(&info)];
    // SAFETY: reads n values of g (checked above) and the law's constants,
    // writes the two words of info.
    unsafe { device::launch(device.as_ref(), check, shape(n)?, &args) }?;
    let words = info.download::<u64>()?;
    if words[1] == 0 {
        return Ok(Some(Sigma::Uniform(f64::from_bits(words[0]))));
    }
    let out = Buffer::zeroed(device, n * size)?;
    let args = [Arg::Buf(g), Arg::Buf(&k), Arg::Buf(&out), Arg::U64(n as u64)];
    // SAFETY: reads n values of g and writes n of out, both that long.
    unsafe { device::launch(device.as_ref(), fill, shape(n)?, &args) }?;
    Ok(Some(Sigma::PerCell(out)))
}

#[cfg(test)]
mod tests {
    use super::super::emulated::test_device as device;
    use super::*;
    use crate::params::{DeviceModel, DeviceParams, Params, PcmPair, WeightError};
    use crate::storage::Conductances;

    /// `n` targets: splitmix64 values on [0, 1.05], with the window's edges
    /// (0, `gmin`, 1) and repeated values among them, as quantised arrays hold.
    fn targets(n: usize, gmin: f64, salt: u64) -> Vec<f64> {
        let mut state = salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (0..n)
            .map(|i| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                match i % 11 {
                    3 => 0.0,
                    5 => gmin,
                    7 => 1.0,
                    9 => 0.5,
                    _ => (z >> 11) as f64 / (1u64 << 53) as f64 * 1.05,
                }
            })
            .collect()
    }

    fn error(model: DeviceModel, magnitude: f64) -> WeightError {
        WeightError {
            enable: true,
            model,
            magnitude,
        }
    }

    const GENERIC: [DeviceModel; 6] = [
        DeviceModel::NormalIndependent,
        DeviceModel::NormalProportional,
        DeviceModel::NormalInverseProportional,
        DeviceModel::UniformIndependent,
        DeviceModel::UniformProportional,
        DeviceModel::UniformInverseProportional,
    ];

    /// A device with window `rmin..rmax` and the conductance clip on or off.
    fn window(rmin: f64, rmax: f64, clip: bool) -> DeviceParams {
        DeviceParams {
            rmin,
            rmax,
            clip_conductance: clip,
            ..DeviceParams::default()
        }
    }

    /// Devices and times covering every write law: (what, device, time).
    fn write_cases() -> Vec<(String, DeviceParams, f64)> {
        let mut cases = vec![("ideal".to_string(), DeviceParams::default(), 0.0)];
        for model in GENERIC {
            // Two magnitudes with and without the clip, and Gmin = 0 (targets
            // of exactly 0 take the inverse laws' zero branch).
            for (magnitude, clip, infinite) in [(0.05, false, false), (0.3, true, false), (0.1, false, true)] {
                let mut d = window(1000.0, 10000.0, clip);
                d.infinite_on_off_ratio = infinite;
                d.programming_error = error(model, magnitude);
                cases.push((
                    format!("{} {magnitude} clip {clip} gmin0 {infinite}", model.name()),
                    d,
                    0.0,
                ));
            }
        }
        for (model, windows) in [
            (DeviceModel::PcmJoshi, [(40e3, 400e3, true), (100e3, 5e6, false)]),
            (DeviceModel::RramWan, [(25.5e3, 255e3, false), (50e3, 1e6, true)]),
            (DeviceModel::RramMilo, [(5e3, 20e3, false), (4.5e3, 12e3, true)]),
        ] {
            for (rmin, rmax, clip) in windows {
                let mut d = window(rmin, rmax, clip);
                d.programming_error = error(model, 0.0);
                cases.push((format!("{} {rmin} {rmax} clip {clip}", model.name()), d, 0.0));
            }
        }
        // SONOS programming (the TCAS device), and drift at whole, fractional
        // and extrapolated days (a lower read voltage keeps it calibrated).
        let tcas = Params::preset("SONOS-TCAS").unwrap().xbar.device;
        cases.push(("SONOS programming".into(), tcas.clone(), 0.0));
        for (days, clip) in [(1.0, false), (2.5, true), (7.5, false)] {
            let mut d = tcas.clone();
            d.vread = 0.05;
            d.clip_conductance = clip;
            cases.push((format!("SONOS drift {days} days clip {clip}"), d, days));
        }
        // PCMLike: programming alone (as the programming model, and as the
        // drift model at time 0), and drift after an hour and a month.
        let mut d = window(1000.0, 100e3, false);
        d.programming_error = error(DeviceModel::PcmLike, 0.0);
        cases.push(("PCMLike programming".into(), d, 0.0));
        for (time, clip) in [(0.0, false), (3600.0, true), (30.0 * 86400.0, false)] {
            let mut d = window(1000.0, 100e3, clip);
            d.drift_error = error(DeviceModel::PcmLike, 0.0);
            cases.push((format!("PCMLike drift {time} s clip {clip}"), d, time));
        }
        cases
    }

    /// (seed, array, program call, time call) of the writes compared.
    const DRAWS: [(u64, u32, u64, u64); 3] = [
        (1, 0, 0, 0),
        (0x1234_5678_9ABC_DEF0, 5, 3, 2),
        (u64::MAX, 131, (1 << 32) - 1, (1 << 24) - 1),
    ];

    fn same_bits(cpu: &[f64], dev: &[f64], what: &str) {
        assert_eq!(cpu.len(), dev.len(), "{what}");
        for (i, (a, b)) in cpu.iter().zip(dev).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{what}: cell {i}: CPU {a}, device {b}");
        }
    }

    #[test]
    fn writes_are_the_cpus_bits_for_every_law() {
        let Some(dev) = device() else { return };
        for (what, d, time) in write_cases() {
            let cells = Cells::new(&d, time).unwrap();
            for (j, &(seed, array, program_call, time_call)) in DRAWS.iter().enumerate() {
                let draws = Draws {
                    seed,
                    program_call,
                    time_call,
                };
                // An odd n above 20,000 for every draw, and small ones once.
                let sizes: &[usize] = if j == 0 { &[20_011, 1, 300] } else { &[20_011] };
                for &n in sizes {
                    let t = targets(n, d.gmin_norm(), seed ^ n as u64);
                    let mut cpu = t.clone();
                    cells.write(&mut cpu, array, &draws).unwrap();
                    let g = Buffer::upload(&dev, &t).unwrap();
                    let done = write(&dev, &cells, &g, n, array, &draws).unwrap();
                    assert_eq!(done, Some(()), "{what}");
                    let out = g.download::<f64>().unwrap();
                    same_bits(&cpu, &out, &format!("{what}, draws {j}, n {n}"));
                    if !cells.writes_exactly() {
                        assert!(cpu != t, "{what}: the write changes the targets");
                    }
                }
            }
        }
    }

    #[test]
    fn net_pair_drift_is_refused_and_leaves_the_array() {
        let Some(dev) = device() else { return };
        let mut d = window(1000.0, 100e3, true);
        d.drift_error = error(DeviceModel::PcmLike, 0.0);
        d.pcm_pair = PcmPair::Aihwkit;
        let cells = Cells::new(&d, 3600.0).unwrap();
        assert!(cells.drifts_net_pairs());
        let t = targets(1001, d.gmin_norm(), 9);
        let g = Buffer::upload(&dev, &t).unwrap();
        let draws = Draws {
            seed: 7,
            program_call: 1,
            time_call: 1,
        };
        assert_eq!(write(&dev, &cells, &g, t.len(), 3, &draws).unwrap(), None);
        same_bits(&t, &g.download::<f64>().unwrap(), "net pair");
    }

    #[test]
    fn short_buffers_and_unknown_laws() {
        let Some(dev) = device() else { return };
        let mut d = window(1000.0, 10000.0, false);
        d.programming_error = error(DeviceModel::NormalIndependent, 0.1);
        d.read_noise = error(DeviceModel::NormalProportional, 0.1);
        let cells = Cells::new(&d, 0.0).unwrap();
        let g = Buffer::upload(&dev, &[0.5f64; 10]).unwrap();
        let draws = Draws {
            seed: 1,
            program_call: 0,
            time_call: 0,
        };
        assert!(write(&dev, &cells, &g, 11, 0, &draws).is_err());
        assert!(read_sigma(&dev, &cells, &g, Precision::F64, 11).is_err());
        // Ten doubles hold twenty floats.
        assert!(read_sigma(&dev, &cells, &g, Precision::F32, 20).is_ok());
        assert_eq!(write(&dev, &cells, &g, 0, 0, &draws).unwrap(), Some(()));
        same_bits(&[0.5; 10], &g.download::<f64>().unwrap(), "no cell written");

        /// A law no device form knows.
        #[derive(Debug)]
        struct Unknown;
        impl ErrorLaw for Unknown {
            fn sigma(&self, g: f64) -> f64 {
                g
            }
        }
        let clip = Clip { lo: 0.0, hi: 1.0 };
        assert!(constants(&Unknown, clip).is_none());
        assert!(constants(
            &Generic {
                dist: Dist::Uniform,
                scaling: Scaling::Proportional,
                magnitude: 0.2
            },
            clip
        )
        .is_some());
    }

    /// Devices covering every read law: (what, device).
    fn read_cases() -> Vec<(String, DeviceParams)> {
        let mut cases = vec![("ideal".to_string(), DeviceParams::default())];
        for model in GENERIC {
            for (magnitude, clip, infinite) in [(0.05, false, false), (0.2, true, true)] {
                let mut d = window(1000.0, 10000.0, clip);
                d.infinite_on_off_ratio = infinite;
                d.read_noise = error(model, magnitude);
                cases.push((format!("{} {magnitude} gmin0 {infinite}", model.name()), d));
            }
        }
        let tcas = Params::preset("SONOS-TCAS").unwrap().xbar.device;
        for vread in [0.1, 0.03] {
            let mut d = tcas.clone();
            d.vread = vread;
            d.read_noise = error(DeviceModel::Sonos, 0.0);
            cases.push((format!("SONOS read at {vread} V"), d));
        }
        cases
    }

    /// The device's σ against the CPU's for stored conductances `stored`.
    fn compare_sigma(dev: &Arc<dyn Device>, cells: &Cells, stored: &Conductances, what: &str) {
        let (g, precision, n) = match stored {
            Conductances::Single(v) => (Buffer::upload(dev, v).unwrap(), Precision::F32, v.len()),
            Conductances::Double(v) => (Buffer::upload(dev, v).unwrap(), Precision::F64, v.len()),
        };
        let cpu = cells.read_noise(stored);
        let got = read_sigma(dev, cells, &g, precision, n).unwrap().expect(what);
        match (cpu, got) {
            (None, Sigma::None) => {}
            (Some(rn), Sigma::Uniform(s)) => {
                assert_eq!(rn.uniform_sigma.map(f64::to_bits), Some(s.to_bits()), "{what}")
            }
            (Some(rn), Sigma::PerCell(b)) => {
                assert_eq!(rn.uniform_sigma, None, "{what}");
                assert_eq!(rn.sigma.len(), n, "{what}");
                assert_eq!(b.bytes(), n * if precision == Precision::F32 { 4 } else { 8 }, "{what}");
                if precision == Precision::F32 {
                    let dev = b.download::<f32>().unwrap();
                    for (i, (c, d)) in rn.sigma.iter().zip(&dev).enumerate() {
                        assert_eq!(
                            (*c as f32).to_bits(),
                            d.to_bits(),
                            "{what}: cell {i}: CPU {c}, device {d}"
                        );
                    }
                } else {
                    same_bits(&rn.sigma, &b.download::<f64>().unwrap(), what);
                }
            }
            (cpu, got) => panic!("{what}: CPU {cpu:?}, device {got:?}"),
        }
    }

    #[test]
    fn read_sigma_is_the_cpus_in_both_precisions() {
        let Some(dev) = device() else { return };
        for (what, d) in read_cases() {
            let cells = Cells::new(&d, 0.0).unwrap();
            for n in [20_011, 1, 0] {
                let t = targets(n, d.gmin_norm(), n as u64);
                let single: Vec<f32> = t.iter().map(|&x| x as f32).collect();
                compare_sigma(&dev, &cells, &Conductances::Double(t), &format!("{what}, f64, n {n}"));
                compare_sigma(
                    &dev,
                    &cells,
                    &Conductances::Single(single),
                    &format!("{what}, f32, n {n}"),
                );
            }
            // All cells alike: one σ for every law.
            for (n, v) in [(999, 0.75), (300, d.gmin_norm())] {
                let same = Conductances::Double(vec![v; n]);
                compare_sigma(&dev, &cells, &same, &format!("{what}, all {v}"));
                if cells.noisy_reads() {
                    let got = read_sigma(
                        &dev,
                        &cells,
                        &Buffer::upload(&dev, &vec![v; n]).unwrap(),
                        Precision::F64,
                        n,
                    );
                    assert!(matches!(got.unwrap(), Some(Sigma::Uniform(_))), "{what}: all {v}");
                }
            }
        }
    }

    #[test]
    fn conductance_dependent_laws_give_per_cell_sigma() {
        // The check must see the cells beyond the first block differ.
        let Some(dev) = device() else { return };
        let mut d = window(1000.0, 10000.0, false);
        d.read_noise = error(DeviceModel::NormalProportional, 0.1);
        let cells = Cells::new(&d, 0.0).unwrap();
        let mut v = vec![0.5f32; 20_011];
        v[20_010] = 0.25;
        let g = Buffer::upload(&dev, &v).unwrap();
        let got = read_sigma(&dev, &cells, &g, Precision::F32, v.len()).unwrap();
        assert!(matches!(got, Some(Sigma::PerCell(_))));
        compare_sigma(&dev, &cells, &Conductances::Single(v), "one cell differs");
    }
}
