//! Saving a core and restoring it: [`Core::to_bytes`] / [`Core::from_bytes`]
//! in memory, [`Core::save`] / [`Core::load`] for files. A restored core
//! continues bit for bit as the saved one would have: same outputs, same
//! noise, same updates.
//!
//! The payload (inside the frame of [`crate::persist::frame`]) is one CBOR
//! map, [`Snapshot`]: the parameters as xbar JSON, the shape and seed, the
//! drift time, the random-stream call counters, the drift-compensation
//! factors, the weight range of the last programming and the programmed
//! (physical) matrix where the core keeps it (drift models only), then per
//! block the current conductances of every array (they change with updates),
//! the relaxation factors of CrossSim's iterative solver and the
//! single-precision flag of balanced blocks, and the measured lookup tables
//! the core updates through.
//!
//! Restoring rebuilds the blocks as the last `program` or `set_time` did —
//! from the matrix, or from zero weights where it is not kept, with the same
//! weight range, cells and call counters: the same programming draws and the
//! same ADC mismatch draws, which are functions of the seed, the block and
//! the program call —, then puts back the saved conductances; the read-noise σ of each array is re-derived from them, as
//! every write does. Lookup tables are rebuilt from their saved files, and
//! their per-cell device assignment is a function of the seed. Nothing is
//! read from the file system besides the saved file (not the `lut_dir`).

use super::counters::Counters;
use super::Core;
use crate::device::cells::Cells;
use crate::device::update::lookup_table::format::TableFile;
use crate::device::update::lookup_table::{LookupTableModel, LutOptions};
use crate::device::update::DeviceUpdate;
use crate::error::{Error, Result};
use crate::params::{ConductancePrecision, Params, UpdateModel};
use crate::persist::{file, frame};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// Everything a core needs to continue (see the module docs).
#[derive(Serialize, Deserialize)]
struct Snapshot {
    /// `Params::to_json` of the core's parameters.
    params: String,
    rows: u64,
    cols: u64,
    seed: u64,
    /// Time since programming, in the drift model's unit.
    time: f64,
    /// The call counters, one top-level key per counter (`program_calls`,
    /// `time_calls`, `read_calls`, `update_calls`), as files have always held them.
    #[serde(flatten)]
    counters: Counters,
    updated: bool,
    drift_reference: f64,
    drift_factor: f64,
    /// The physical matrix last programmed, where the core keeps it (a drift
    /// model); empty otherwise.
    #[serde(with = "crate::persist::floats")]
    matrix: Vec<f64>,
    /// The weight range `(wmin, wmax)` of the last programming (absent in
    /// files of earlier versions, which always hold the matrix).
    #[serde(default)]
    weight_limits: Option<[f64; 2]>,
    blocks: Vec<BlockState>,
    lookup_table: Option<LutState>,
}

/// The state of one block that is not a function of the matrix and the counters.
#[derive(Serialize, Deserialize)]
struct BlockState {
    arrays: Vec<ArrayState>,
    /// Balanced blocks only.
    exact_single: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct ArrayState {
    /// Current conductances (normalised, row-major).
    #[serde(with = "crate::persist::floats")]
    g: Vec<f64>,
    /// CrossSim's relaxation factor (MVM, VMM) when that solver is used.
    relaxation_gamma: Option<[f64; 2]>,
}

/// A lookup-table model: its options and its files, one pair per device.
#[derive(Serialize, Deserialize)]
struct LutState {
    gmin_relative: f64,
    gmax_relative: f64,
    write_noise: bool,
    calibrated: bool,
    freeze_outside_target: bool,
    /// Absent in files saved before the draw mode existed: the unbiased draw.
    #[serde(default = "unbiased_draw")]
    draw: crate::params::LutDraw,
    devices: Vec<[TableState; 2]>,
}

fn unbiased_draw() -> crate::params::LutDraw {
    crate::params::LutDraw::Unbiased
}

#[derive(Serialize, Deserialize)]
struct TableState {
    #[serde(with = "crate::persist::floats")]
    g: Vec<f64>,
    #[serde(with = "crate::persist::floats")]
    cdf: Vec<f64>,
    #[serde(with = "crate::persist::floats")]
    dg: Vec<f64>,
}

fn parse(msg: impl std::fmt::Display) -> Error {
    Error::Parse(format!("saved core: {msg}"))
}

/// Errors of rebuilding a core from saved values: the file is at fault
/// (`Error::Parse`), unless this build or machine cannot run what it describes.
fn rebuilding(e: Error) -> Error {
    match e {
        Error::Unsupported(_) | Error::BackendUnavailable(_) | Error::OutOfMemory(_) => e,
        other => parse(other),
    }
}

fn finite(name: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(parse(format!("{name}[{i}] is {}, not a finite number", values[i]))),
        None => Ok(()),
    }
}

impl LutState {
    fn of(m: &LookupTableModel) -> LutState {
        let o = m.options();
        let table = |t: &TableFile| TableState {
            g: t.g.clone(),
            cdf: t.cdf.clone(),
            dg: t.dg.clone(),
        };
        LutState {
            gmin_relative: o.gmin_relative,
            gmax_relative: o.gmax_relative,
            write_noise: o.write_noise,
            calibrated: o.calibrated,
            freeze_outside_target: o.freeze_outside_target,
            draw: o.draw,
            devices: m.files().iter().map(|(i, d)| [table(i), table(d)]).collect(),
        }
    }

    fn model(self) -> Result<LookupTableModel> {
        let options = LutOptions {
            gmin_relative: self.gmin_relative,
            gmax_relative: self.gmax_relative,
            write_noise: self.write_noise,
            calibrated: self.calibrated,
            freeze_outside_target: self.freeze_outside_target,
            draw: self.draw,
        };
        let mut names = Vec::with_capacity(self.devices.len());
        let pairs: Vec<(TableFile, TableFile)> = self
            .devices
            .into_iter()
            .enumerate()
            .map(|(k, [i, d])| {
                names.push((
                    format!("saved lookup table {k} (increasing)"),
                    format!("saved lookup table {k} (decreasing)"),
                ));
                let file = |t: TableState| TableFile {
                    g: t.g,
                    cdf: t.cdf,
                    dg: t.dg,
                };
                (file(i), file(d))
            })
            .collect();
        for (k, (i, d)) in pairs.iter().enumerate() {
            for (t, dir) in [(i, "increasing"), (d, "decreasing")] {
                if t.dg.len() != t.g.len().saturating_mul(t.cdf.len()) {
                    return Err(parse(format!(
                        "lookup table {k} ({dir}): {} changes for a {} x {} grid",
                        t.dg.len(),
                        t.cdf.len(),
                        t.g.len()
                    )));
                }
            }
        }
        LookupTableModel::from_tables(&pairs, &names, &options).map_err(rebuilding)
    }
}

impl Core {
    /// The core's whole state as bytes (the format of `src/persist/frame.rs`
    /// around the payload of this module); [`Core::from_bytes`] restores it.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let blocks = self
            .host_blocks()?
            .iter()
            .map(|b| {
                let arrays = b
                    .arrays()
                    .into_iter()
                    .map(|a| {
                        let relaxation_gamma = match &a.relaxation {
                            Some(r) => {
                                let r = r
                                    .lock()
                                    .map_err(|_| Error::Internal("relaxation state poisoned".into()))?;
                                Some([r[0].gamma, r[1].gamma])
                            }
                            None => None,
                        };
                        Ok(ArrayState {
                            g: a.g.as_f64().into_owned(),
                            relaxation_gamma,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(BlockState {
                    arrays,
                    exact_single: b.exact_single(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let snapshot = Snapshot {
            params: self.params.to_json(),
            rows: self.rows as u64,
            cols: self.cols as u64,
            seed: self.seed,
            time: self.time,
            counters: self.counters,
            updated: self.updated,
            drift_reference: self.drift_reference,
            drift_factor: self.drift_factor,
            matrix: self.matrix.clone(),
            weight_limits: Some([self.weight_limits.0, self.weight_limits.1]),
            blocks,
            lookup_table: self.update_model.lookup_table().map(|m| LutState::of(m)),
        };
        // A flattened field makes serde write a map of unknown length (an
        // indefinite-length CBOR map); through a `Value` the map's length is
        // known, and the payload keeps the bytes of files written before the
        // counters were one field.
        let saving = |e: &dyn std::fmt::Display| Error::Internal(format!("saving a core: {e}"));
        let value = ciborium::Value::serialized(&snapshot).map_err(|e| saving(&e))?;
        drop(snapshot);
        let mut payload = Vec::new();
        ciborium::into_writer(&value, &mut payload).map_err(|e| saving(&e))?;
        Ok(frame::seal(&payload))
    }

    /// A core from [`Core::to_bytes`] output. A damaged, truncated or foreign
    /// buffer, or one from another format version, is `Error::Parse` saying
    /// what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Core> {
        let mut payload = frame::open(bytes)?;
        let snapshot: Snapshot = ciborium::from_reader(&mut payload).map_err(|e| parse(format!("payload: {e}")))?;
        if !payload.is_empty() {
            return Err(parse(format!("{} bytes after the payload", payload.len())));
        }
        snapshot.restore()
    }

    /// Saves the core to the file `path`, atomically: a crash mid-save leaves
    /// the previous file intact (see `src/persist/file.rs`). `Error::Io` names
    /// the path when it cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        file::write_atomically(path, &self.to_bytes()?)
    }

    /// The core saved in the file `path` ([`Core::save`]); `Error::Io` when it
    /// cannot be read, `Error::Parse` as [`Core::from_bytes`].
    pub fn load(path: &Path) -> Result<Core> {
        Core::from_bytes(&file::read(path)?).map_err(|e| match e {
            Error::Parse(m) => Error::Parse(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}

impl Snapshot {
    fn restore(self) -> Result<Core> {
        let params = Params::from_json(&self.params).map_err(|e| parse(format!("parameters: {e}")))?;
        let rows = usize::try_from(self.rows).map_err(|_| parse(format!("{} rows", self.rows)))?;
        let cols = usize::try_from(self.cols).map_err(|_| parse(format!("{} columns", self.cols)))?;
        if !(self.time.is_finite() && self.time >= 0.0) {
            return Err(parse(format!("time {} is not a finite number >= 0", self.time)));
        }
        finite("drift factors", &[self.drift_reference, self.drift_factor])?;
        finite("matrix", &self.matrix)?;
        self.counters.check_saved().map_err(parse)?;
        let gmin = params.xbar.device.gmin_norm();
        let update_model: Option<Arc<dyn DeviceUpdate>> = match self.lookup_table {
            Some(l) => Some(Arc::new(Arc::new(l.model()?).bind(gmin, self.seed))),
            None if params.xbar.device.update.model == UpdateModel::LookupTable => {
                return Err(parse(
                    "the parameters select the LookupTable update model but no lookup tables were saved",
                ))
            }
            None => None,
        };
        let mut core = Core::with_update_model(&params, rows, cols, self.seed, update_model).map_err(rebuilding)?;
        core.time = self.time;
        core.cells = Cells::new(&params.xbar.device, self.time).map_err(rebuilding)?;
        core.counters = self.counters;
        core.updated = self.updated;
        core.drift_reference = self.drift_reference;
        core.drift_factor = self.drift_factor;
        if self.blocks.is_empty() {
            if !self.matrix.is_empty() {
                return Err(parse("a matrix saved for a core that was never programmed"));
            }
            return Ok(core);
        }
        let (prows, pcols) = core.phys();
        if !self.matrix.is_empty() && self.matrix.len() != prows * pcols {
            return Err(parse(format!(
                "the matrix has {} values, expected {prows} x {pcols}",
                self.matrix.len()
            )));
        }
        if self.matrix.is_empty() && core.keeps_matrix() {
            return Err(parse("the drift model needs the programmed matrix, which is missing"));
        }
        let limits = match (self.weight_limits, self.matrix.is_empty()) {
            (Some(l), _) => {
                finite("weight range", &l)?;
                if l[0] > l[1] {
                    return Err(parse(format!("the weight range [{}, {}] is reversed", l[0], l[1])));
                }
                (l[0], l[1])
            }
            (None, false) => core.weight_limits(&self.matrix),
            (None, true) => return Err(parse("neither the matrix nor its weight range was saved")),
        };
        // Without the matrix the blocks are rebuilt from zero weights: every
        // conductance is replaced by the saved one below, and nothing else in a
        // block depends on the weights (only on the range and the counters).
        let zeros;
        let weights = if self.matrix.is_empty() {
            zeros = vec![0.0; prows * pcols];
            &zeros
        } else {
            &self.matrix
        };
        let mut blocks = core
            .program_blocks(weights, limits, self.counters.program_calls)
            .map_err(rebuilding)?;
        if blocks.len() != self.blocks.len() {
            return Err(parse(format!(
                "{} blocks saved, the parameters tile the matrix into {}",
                self.blocks.len(),
                blocks.len()
            )));
        }
        for (k, (block, saved)) in blocks.iter_mut().zip(self.blocks).enumerate() {
            let units = block.units();
            let flag_matches = match saved.exact_single {
                Some(v) => block.set_exact_single(v).is_some(),
                None => block.exact_single().is_none(),
            };
            if !flag_matches {
                return Err(parse(format!("block {k}: the mapping differs from the parameters'")));
            }
            let mut saved_arrays = saved.arrays;
            let mut arrays = block.arrays_mut();
            // Files of earlier versions hold a fast balanced pair's differences as
            // a third array after G+ and G-; they are derived from G+ and G- again.
            let with_differences: usize = units.iter().map(|&(n, fast)| n + usize::from(fast)).sum();
            if with_differences != arrays.len() && saved_arrays.len() == with_differences {
                let mut kept = saved_arrays.into_iter();
                saved_arrays = Vec::with_capacity(arrays.len());
                for &(n, fast) in &units {
                    saved_arrays.extend(kept.by_ref().take(n));
                    if fast {
                        kept.next();
                    }
                }
            }
            if arrays.len() != saved_arrays.len() {
                return Err(parse(format!(
                    "block {k}: {} arrays saved, the parameters give {}",
                    saved_arrays.len(),
                    arrays.len()
                )));
            }
            for (j, (a, s)) in arrays.iter_mut().zip(saved_arrays).enumerate() {
                if s.g.len() != a.g.len() {
                    return Err(parse(format!(
                        "block {k}, array {j}: {} conductances saved, expected {}",
                        s.g.len(),
                        a.g.len()
                    )));
                }
                finite(&format!("block {k}, array {j}: conductance"), &s.g)?;
                if a.g.precision() == ConductancePrecision::Float32 {
                    if let Some(c) = s.g.iter().position(|&v| !(v as f32).is_finite()) {
                        return Err(parse(format!(
                            "block {k}, array {j}: conductance[{c}] is {}, beyond the float32 range the \
                             parameters store conductances in",
                            s.g[c]
                        )));
                    }
                }
                a.g.assign(&s.g);
                if a.noise.is_some() {
                    a.noise = core.cells.read_noise(&a.g);
                }
                match (&a.relaxation, s.relaxation_gamma) {
                    (Some(r), Some(gamma)) => {
                        finite(&format!("block {k}, array {j}: relaxation factor"), &gamma)?;
                        let mut r = r
                            .lock()
                            .map_err(|_| Error::Internal("relaxation state poisoned".into()))?;
                        r[0].gamma = gamma[0];
                        r[1].gamma = gamma[1];
                    }
                    (None, None) => {}
                    _ => {
                        return Err(parse(format!(
                            "block {k}, array {j}: the circuit solver differs from the parameters'"
                        )))
                    }
                }
            }
            drop(arrays);
            block.refresh()?;
        }
        core.matrix = if core.keeps_matrix() { self.matrix } else { Vec::new() };
        core.weight_limits = limits;
        core.blocks = blocks;
        Ok(core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
    }

    /// The committed saved cores of the current layout (the framed fuzz
    /// seeds, not their `-payload` copies; `tests/persist.rs` keeps them current).
    fn committed() -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(repo("fuzz/corpus/saved_core")).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with("-payload") {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
        files.sort();
        files
    }

    /// The top-level keys of a framed saved core, in order, and the first
    /// byte of its payload (the map header).
    fn layout(bytes: &[u8]) -> (Vec<String>, u8) {
        let payload = frame::open(bytes).unwrap();
        let value: ciborium::Value = ciborium::from_reader(payload).unwrap();
        let keys = value.as_map().unwrap().iter();
        (keys.map(|(k, _)| k.as_text().unwrap().to_owned()).collect(), payload[0])
    }

    /// A core saved now has the layout of the committed files: the same
    /// top-level keys in the same order (the counters, held as one field,
    /// still one key each) under the same definite-length map header, and
    /// no indefinite-length item anywhere (re-encoding the decoded payload,
    /// which writes every length, gives the same bytes).
    #[test]
    fn saved_cores_keep_the_committed_layout() {
        let mut compared = 0;
        for (path, bytes) in committed() {
            let again = Core::from_bytes(&bytes)
                .and_then(|c| c.to_bytes())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(layout(&again), layout(&bytes), "{}", path.display());
            assert_eq!(layout(&again).1, 0xb0, "a definite map of 16 entries");
            let payload = frame::open(&again).unwrap();
            let value: ciborium::Value = ciborium::from_reader(payload).unwrap();
            let mut encoded = Vec::new();
            ciborium::into_writer(&value, &mut encoded).unwrap();
            assert!(encoded == payload, "{}", path.display());
            compared += 1;
        }
        assert!(compared >= 6, "{compared} files compared");
    }

    /// The saved payload of `core` as a CBOR map, with `edit` applied.
    fn edited(core: &Core, edit: impl Fn(&mut Vec<(ciborium::Value, ciborium::Value)>)) -> Vec<u8> {
        let bytes = core.to_bytes().unwrap();
        let mut value: ciborium::Value = ciborium::from_reader(frame::open(&bytes).unwrap()).unwrap();
        edit(value.as_map_mut().unwrap());
        let mut payload = Vec::new();
        ciborium::into_writer(&value, &mut payload).unwrap();
        frame::seal(&payload)
    }

    fn set(map: &mut [(ciborium::Value, ciborium::Value)], key: &str, v: u64) {
        let entry = map.iter_mut().find(|(k, _)| k.as_text() == Some(key)).unwrap();
        entry.1 = ciborium::Value::Integer(v.into());
    }

    #[test]
    fn every_counter_is_restored_and_range_checked() {
        let mut core = Core::new(&Params::default(), 2, 3, 7).unwrap();
        core.program(&[0.1, -0.2, 0.3, 0.4, 0.0, -0.5], super::super::Layout::RowMajor)
            .unwrap();
        let names = ["program_calls", "time_calls", "read_calls", "update_calls"];
        let bytes = edited(&core, |m| {
            for (k, name) in names.iter().enumerate() {
                set(m, name, 1 + k as u64);
            }
        });
        let restored = Core::from_bytes(&bytes).unwrap();
        let expected = Counters {
            program_calls: 1,
            time_calls: 2,
            read_calls: 3,
            update_calls: 4,
        };
        assert_eq!(restored.counters, expected);
        for name in names {
            let bytes = edited(&core, |m| set(m, name, u64::MAX));
            let err = Core::from_bytes(&bytes).expect_err("a counter beyond its range loads");
            assert!(
                matches!(&err, Error::Parse(m) if m.contains(&format!("{name} is {}", u64::MAX))),
                "{name}: {err}"
            );
            let bytes = edited(&core, |m| m.retain(|(k, _)| k.as_text() != Some(name)));
            let err = Core::from_bytes(&bytes).expect_err("a missing counter loads");
            assert!(matches!(&err, Error::Parse(m) if m.contains(name)), "{name}: {err}");
        }
    }
}
