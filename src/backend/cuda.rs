//! The CUDA GPU behind the [`Backend`] seam: a balanced, OFFSET or bit-sliced
//! block's whole read runs on the device (`gpu::pipeline`: the DAC, products,
//! ADC and recombination, only inputs and outputs crossing); what has no
//! device form yet runs the reference pipeline with its products on the
//! device (`kernels/mvm.cu`). Both read device copies of the arrays
//! ([`Resident`]) that this backend keeps itself.
//!
//! A copy is keyed by the array's id (and whether it holds a balanced pair's
//! difference) and remembers the [`Array::version`]s it was made from: a
//! read after a program, update or `set_time` (which give the array a new
//! version) uploads the new conductances once and replaces the old copy.
//! Reads through resistive wires (one array, or an interleaved pair as one
//! network) are solved on the device by conjugate gradients
//! ([`DeviceCircuit`]), their `√G` kept there per array state and direction
//! as the arrays are (with per-cell read noise, the arrays and their σ, each
//! vector's cells drawn there); what the device solver does not cover
//! (CrossSim's relaxation, nonlinear cells: refused by
//! `gpu::select`), and a vector that does not converge, is solved on the CPU.

use super::{ArrayReads, Backend, BlockRead};
use crate::array::{Array, Op, ReadKey};
use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::gpu::parasitics::{CircuitArray, DeviceCircuit};
use crate::gpu::pipeline::{self, Banks, Part};
use crate::gpu::select::GpuBackend;
use crate::gpu::Resident;
use crate::mapping::Mapping;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a device copy holds: one array, or the difference of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Array,
    Difference,
}

/// The versions (and difference precision) a copy was made from.
type Made = (u64, u64, bool);

/// The device copies, by array id and kind.
type Copies = HashMap<(u32, Kind), (Made, Arc<Resident>)>;

/// The device circuits: by G+ array id, G− array id of an interleaved pair,
/// and whether the read is a VMM; with the versions they were made from.
type Circuits = HashMap<(u32, Option<u32>, bool), ((u64, u64), Arc<DeviceCircuit>)>;

/// A GPU and the device copies of the arrays its reads have used.
#[derive(Debug)]
pub struct Cuda {
    gpu: GpuBackend,
    copies: Mutex<Copies>,
    circuits: Mutex<Circuits>,
    /// Circuit ADC tables on the device.
    banks: Banks,
}

impl Cuda {
    /// A backend on `gpu`, holding no copies yet.
    pub fn new(gpu: GpuBackend) -> Cuda {
        Cuda {
            gpu,
            copies: Mutex::new(HashMap::new()),
            circuits: Mutex::new(HashMap::new()),
            banks: Banks::default(),
        }
    }

    /// The copy `(id, kind)` made from `made`, uploading `values()` (with the
    /// σ of `a`'s read noise for a plain array) when there is none yet or it
    /// is outdated.
    fn copy(&self, a: &Array, kind: Kind, made: Made, values: impl FnOnce() -> Vec<f64>) -> Result<Arc<Resident>> {
        let key = (a.id, kind);
        let mut copies = self
            .copies
            .lock()
            .map_err(|_| Error::Internal("GPU copies poisoned".into()))?;
        if let Some((m, r)) = copies.get(&key) {
            if *m == made {
                return Ok(r.clone());
            }
        }
        let noise = match kind {
            Kind::Array => a.noise.as_ref(),
            Kind::Difference => None,
        };
        let r = Arc::new(Resident::upload(
            &self.gpu.gpu,
            self.gpu.precision,
            a.rows,
            a.cols,
            &values(),
            noise,
        )?);
        copies.insert(key, (made, r.clone()));
        Ok(r)
    }

    /// The device copy of array `a`.
    fn array(&self, a: &Array) -> Result<Arc<Resident>> {
        self.copy(a, Kind::Array, (a.version(), 0, false), || a.g.as_f64().into_owned())
    }

    /// The device copy of `G+ − G−` of `pos` and `neg` (in single precision when `single`).
    fn difference_of(&self, pos: &Array, neg: &Array, single: bool) -> Result<Arc<Resident>> {
        let made = (pos.version(), neg.version(), single);
        self.copy(pos, Kind::Difference, made, || pos.differences(neg, single))
    }

    /// The read `op` of `x` through the wires of `pos` (with `neg`, the G−
    /// array of an interleaved pair): on the device where its solver covers
    /// the read, on the host otherwise (see the module).
    fn circuit_read(&self, pos: &Array, neg: Option<&Array>, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        let arrays = || std::iter::once(pos).chain(neg);
        let host = || pos.circuit(op, x, key, neg);
        let Some(wires) = pos.wires.as_deref() else {
            return host();
        };
        let covered = pos.relaxation.is_none()
            && arrays().all(|a| a.iv.is_none() && !a.noise.as_ref().is_some_and(|n| n.per_output));
        if !covered {
            return host();
        }
        let kept = (pos.id, neg.map(|n| n.id), op == Op::Vmm);
        let made = (pos.version(), neg.map_or(0, Array::version));
        let circuit = {
            let mut circuits = self
                .circuits
                .lock()
                .map_err(|_| Error::Internal("GPU circuits poisoned".into()))?;
            match circuits.get(&kept) {
                Some((m, c)) if *m == made => c.clone(),
                _ => {
                    let g: Vec<_> = arrays().map(|a| a.g.as_f64()).collect();
                    let parts: Vec<CircuitArray> = arrays()
                        .zip(&g)
                        .map(|(a, g)| CircuitArray {
                            g,
                            noise: a.noise.as_ref(),
                            id: a.id,
                        })
                        .collect();
                    let c = Arc::new(DeviceCircuit::upload(
                        &self.gpu.gpu,
                        wires,
                        op,
                        pos.rows,
                        pos.cols,
                        &parts,
                    )?);
                    circuits.insert(kept, (made, c.clone()));
                    c
                }
            }
        };
        match circuit.solve(x, key)? {
            Some(y) => Ok(y),
            None => host(),
        }
    }
}

impl ArrayReads for Cuda {
    fn read(&self, a: &Array, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        if a.wires.is_some() {
            return self.circuit_read(a, None, op, x, key);
        }
        if a.iv.is_some() {
            return a.read(op, x, key);
        }
        self.array(a)?.read(op, x, a.noise.as_ref(), key.streams(a.id))
    }

    fn difference(&self, pos: &Array, neg: &Array, single: bool, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        self.difference_of(pos, neg, single)?
            .read(op, x, None, key.streams(pos.id))
    }

    fn circuit(&self, pos: &Array, neg: &Array, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        self.circuit_read(pos, Some(neg), op, x, key)
    }

    fn add_output_noise(
        &self,
        a: &Array,
        op: Op,
        x: &Batch,
        noisy: &[&Array],
        key: &ReadKey,
        y: &mut Batch,
    ) -> Result<()> {
        let copies = noisy.iter().map(|n| self.array(n)).collect::<Result<Vec<_>>>()?;
        let noises: Vec<_> = copies
            .iter()
            .zip(noisy)
            .filter_map(|(r, n)| n.noise.as_ref().map(|noise| (r.as_ref(), noise)))
            .collect();
        self.array(a)?.add_output_noise_to(op, x, y, &noises, key.streams(a.id))
    }
}

impl Backend for Cuda {
    fn read_block(&self, block: &Mapping, mut read: BlockRead, y: &mut Batch, out0: usize) -> Result<()> {
        // Balanced, OFFSET and bit-sliced blocks run whole on the device where every step can.
        let copies = |part: Part| match part {
            Part::Array(a) => self.array(a),
            Part::Difference(pos, neg, single) => self.difference_of(pos, neg, single),
        };
        if let Some(part) = pipeline::block(&self.gpu, block, &mut read, &copies, &self.banks)? {
            y.add_into(out0, &part);
            return Ok(());
        }
        read.reference(block, self, y, out0)
    }

    fn gpu(&self) -> Option<&crate::gpu::Gpu> {
        Some(&self.gpu.gpu)
    }
}
