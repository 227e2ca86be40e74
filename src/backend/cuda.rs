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

use super::{ArrayPrograms, ArrayReads, ArrayWrites, Backend, BlockRead, BlockWrite};
use crate::array::{Array, Op, ReadKey, WriteKey};
use crate::batch::{Batch, BatchMut};
use crate::device::cells::Cells;
use crate::device::update::{DeviceUpdate, Request};
use crate::error::{Error, Result};
use crate::gpu::cells::{self, Sigma};
use crate::gpu::device::Buffer;
use crate::gpu::mapping;
use crate::gpu::parasitics::{CircuitArray, DeviceCircuit};
use crate::gpu::pipeline::{self, Banks, Part};
use crate::gpu::resident::Precision;
use crate::gpu::select::GpuBackend;
use crate::gpu::update::{self, DeviceRequest};
use crate::gpu::update_basic;
use crate::gpu::Resident;
use crate::mapping::targets::{BlockWeights, TargetMap};
use crate::mapping::BlockContext;
use crate::mapping::Mapping;
use crate::params::ConductancePrecision;
use crate::storage::Conductances;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

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

    /// The device copies, locked.
    fn lock_copies(&self) -> Result<std::sync::MutexGuard<'_, Copies>> {
        self.copies
            .lock()
            .map_err(|_| Error::Internal("GPU copies poisoned".into()))
    }

    /// The copy `(id, kind)` made from `made`, uploading `values()` (with the
    /// σ of `a`'s read noise for a plain array) when there is none yet or it
    /// is outdated.
    fn copy(&self, a: &Array, kind: Kind, made: Made, values: impl FnOnce() -> Vec<f64>) -> Result<Arc<Resident>> {
        let key = (a.id, kind);
        let mut copies = self.lock_copies()?;
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

    /// The device copy of array `a`: the copy its last write on the device
    /// left ([`Array::newer`]), or one of its host conductances.
    fn array(&self, a: &Array) -> Result<Arc<Resident>> {
        if let Some(r) = written(a) {
            return Ok(r);
        }
        self.copy(a, Kind::Array, (a.version(), 0, false), || a.g.as_f64().into_owned())
    }

    /// The device copy of `G+ − G−` of `pos` and `neg` (in single precision
    /// when `single`): formed on the device from their copies when either was
    /// written there (its host conductances are then outdated), else uploaded.
    fn difference_of(&self, pos: &Array, neg: &Array, single: bool) -> Result<Arc<Resident>> {
        let made = (pos.version(), neg.version(), single);
        if pos.newer().is_some() || neg.newer().is_some() {
            let key = (pos.id, Kind::Difference);
            let held = |copies: &Copies| copies.get(&key).filter(|(m, _)| *m == made).map(|(_, r)| r.clone());
            if let Some(r) = held(&*self.lock_copies()?) {
                return Ok(r);
            }
            let (p, n) = (self.array(pos)?, self.array(neg)?);
            let r = Arc::new(Resident::difference(&p, &n, single)?);
            self.lock_copies()?.insert(key, (made, r.clone()));
            return Ok(r);
        }
        self.copy(pos, Kind::Difference, made, || pos.differences(neg, single))
    }

    /// Whether `a`'s writes run on the device: its storage precision is the
    /// resident one (so the device writes the host's bits), the read-noise
    /// law (whose σ follows the new conductances) has a device form, and it
    /// has no nonlinear cells (with or without wires: a circuit read builds
    /// its circuit from the written copy). Others are written on the host.
    fn writes_on_device(&self, a: &Array, cells: &Cells) -> bool {
        let same = matches!(
            (&a.g, self.gpu.precision),
            (Conductances::Single(_), Precision::F32) | (Conductances::Double(_), Precision::F64)
        );
        same && cells::reads_on_device(cells) && a.iv.is_none()
    }

    /// Gives `r` (holding `a`'s conductances) the read-noise σ that follows
    /// them, found on the device, and `a` the matching read noise (its σ
    /// shared by every cell, or held per cell by `r`); `false` when the read
    /// law has no device form.
    fn follow_sigma(&self, r: &mut Resident, a: &mut Array, cells: &Cells) -> Result<bool> {
        let n = a.rows * a.cols;
        let noise = match cells::read_sigma(&self.gpu.gpu.device, cells, r.stored(), self.gpu.precision, n)? {
            None => return Ok(false),
            Some(Sigma::None) => None,
            Some(Sigma::Uniform(s)) => cells.read_noise_held(Some(s)),
            Some(Sigma::PerCell(b)) => {
                r.set_sigma(Some(b));
                cells.read_noise_held(None)
            }
        };
        a.noise = noise;
        Ok(true)
    }

    /// The read `op` of `x` through the wires of `pos` (with `neg`, the G−
    /// array of an interleaved pair): on the device where its solver covers
    /// the read, from the arrays' device copies (those their programming or
    /// last write left there, or their host conductances uploaded in double
    /// precision), on the host otherwise (see the module), with the newest
    /// conductances (and per-cell σ) fetched where the device holds them.
    fn circuit_read(&self, pos: &Array, neg: Option<&Array>, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        let arrays = || std::iter::once(pos).chain(neg);
        let host = || {
            let n = neg.map(Array::fetched).transpose()?;
            pos.fetched()?.circuit(op, x, key, n.as_deref())
        };
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
                    // The solve is in double precision: host conductances go
                    // up exactly, whatever the resident precision.
                    let copy = |a: &Array| match written(a) {
                        Some(r) => Ok(r),
                        None => Resident::upload(
                            &self.gpu.gpu,
                            Precision::F64,
                            a.rows,
                            a.cols,
                            &a.g.as_f64(),
                            a.noise.as_ref(),
                        )
                        .map(Arc::new),
                    };
                    let parts = arrays()
                        .map(|a| {
                            Ok(CircuitArray {
                                cells: copy(a)?,
                                noise: a.noise.as_ref(),
                                id: a.id,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let c = Arc::new(DeviceCircuit::new(
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
    fn read_block(&self, block: &Mapping, mut read: BlockRead, y: &mut BatchMut, out0: usize) -> Result<()> {
        // Balanced, OFFSET and bit-sliced blocks run whole on the device where every step can.
        let copies = |part: Part| match part {
            Part::Array(a) => self.array(a),
            Part::Difference(pos, neg, single) => self.difference_of(pos, neg, single),
        };
        if let Some(part) = pipeline::block(&self.gpu, block, &mut read, &copies, &self.banks)? {
            y.put_into(out0, &part, read.fresh);
            return Ok(());
        }
        read.reference(block, self, y, out0)
    }

    fn gpu(&self) -> Option<&crate::gpu::Gpu> {
        Some(&self.gpu.gpu)
    }

    fn programs(&self) -> Option<&dyn ArrayPrograms> {
        Some(self)
    }

    /// From the device copies when any array of the block was written there
    /// (its host conductances are outdated): the same sums in the same order,
    /// with only `cols + n_rows` values coming back.
    fn line_sums(&self, block: &Mapping, n_rows: usize) -> Result<[Vec<f64>; 2]> {
        let arrays = block.arrays();
        if !arrays.iter().any(|a| a.newer().is_some()) {
            return Ok(crate::cost::counts::line_sums(block, n_rows));
        }
        let dev = &self.gpu.gpu.device;
        let cols = arrays.first().map_or(0, |a| a.cols);
        let col = Buffer::zeroed(dev, 8 * cols.max(1))?;
        let row = Buffer::zeroed(dev, 8 * n_rows.max(1))?;
        for a in arrays {
            let skip = a.rows.checked_sub(n_rows).ok_or_else(|| {
                Error::Internal(format!("line sums: an array of {} rows in a block of {n_rows}", a.rows))
            })?;
            self.array(a)?.add_line_sums(&col, &row, skip)?;
        }
        let (mut mvm, mut vmm) = (col.download::<f64>()?, row.download::<f64>()?);
        mvm.truncate(cols);
        vmm.truncate(n_rows);
        Ok([mvm, vmm])
    }

    fn update_block(
        &self,
        block: &mut Mapping,
        write: &BlockWrite,
        model: &dyn DeviceUpdate,
        key: &WriteKey,
        cells: &Cells,
    ) -> Result<()> {
        let writes = DeviceWrites {
            cuda: self,
            write,
            model,
            key,
            cells,
            host: OnceLock::new(),
            device: OnceLock::new(),
        };
        block.update(&writes)
    }
}

/// Arrays programmed on the device: the block's weights go up once per
/// block (the first array programmed keeps them in its [`BlockWeights`]),
/// each array's targets are formed there from them (`gpu::mapping`), then
/// the programming error or drift (`gpu::cells::write`, the CPU's streams), the rounding to
/// the storage precision and the read-noise σ run there, and the array's
/// conductances stay there as its newer ones (the host's copy holds zeros
/// until fetched). Arrays with nonlinear cells, a storage precision
/// that is not the resident one, and laws without a device form are
/// programmed on the host.
impl ArrayPrograms for Cuda {
    fn program(
        &self,
        ctx: &BlockContext,
        id: u32,
        rows: usize,
        cols: usize,
        weights: &BlockWeights,
        map: &TargetMap,
    ) -> Result<Option<Array>> {
        let storage = ctx.params.simulation.conductance_precision;
        let same = matches!(
            (storage, self.gpu.precision),
            (ConductancePrecision::Float32, Precision::F32) | (ConductancePrecision::Float64, Precision::F64)
        );
        if !same || ctx.iv.is_some() || !cells::reads_on_device(ctx.cells) {
            return Ok(None);
        }
        let n = rows * cols;
        let dev = &self.gpu.gpu.device;
        let w = weights.copy(|w| Buffer::upload(dev, w))?;
        let targets = mapping::targets(dev, w, map, rows, cols)?;
        if cells::write(dev, ctx.cells, &targets, n, id, &ctx.draws)?.is_none() {
            return Ok(None);
        }
        let mut r = Resident::programmed(&self.gpu.gpu, self.gpu.precision, (rows, cols), targets)?;
        let mut a = ctx.array(id, rows, cols, Conductances::zeros(n, storage), None);
        if !self.follow_sigma(&mut r, &mut a, ctx.cells)? {
            return Ok(None);
        }
        a.set_newer(Arc::new(r))?;
        Ok(Some(a))
    }
}

/// The copy a write on the device left as `a`'s newer conductances, if any.
fn written(a: &Array) -> Option<Arc<Resident>> {
    let newer: Arc<dyn std::any::Any + Send + Sync> = a.newer()?.clone();
    newer.downcast::<Resident>().ok()
}

/// One write of a block through a [`Cuda`] backend: each array's cells are
/// written on the device where [`Cuda::writes_on_device`] and the model
/// has a device form (`gpu::update`), on the host otherwise.
struct DeviceWrites<'a> {
    cuda: &'a Cuda,
    write: &'a BlockWrite<'a>,
    model: &'a dyn DeviceUpdate,
    key: &'a WriteKey,
    cells: &'a Cells,
    /// The host's form of the change (an accumulated change computed once).
    host: OnceLock<Vec<f64>>,
    /// The change on the device: x and d of a sample, or the accumulated change.
    device: OnceLock<Change>,
}

/// A write's change on the device.
enum Change {
    Sample { x: Buffer, d: Buffer },
    Accumulated { dw: Buffer, cells: usize },
}

impl DeviceWrites<'_> {
    /// The accumulated change of an `Accumulated` write, computed once on the host.
    fn host_change(&self) -> &[f64] {
        self.host.get_or_init(|| {
            let mut dw = Vec::new();
            let _ = self.write.request(&mut dw);
            dw
        })
    }

    /// The write as a host request.
    fn host_request(&self) -> Request<'_> {
        match *self.write {
            BlockWrite::Sample { x, d, lr } => Request::Outer { x, d, lr },
            BlockWrite::Accumulated { .. } => Request::Dense(self.host_change()),
        }
    }

    /// The write's change on the device (uploaded once per write).
    fn device_change(&self) -> Result<&Change> {
        if let Some(c) = self.device.get() {
            return Ok(c);
        }
        let dev = &self.cuda.gpu.gpu.device;
        let change = match *self.write {
            BlockWrite::Sample { x, d, .. } => Change::Sample {
                x: Buffer::upload(dev, x)?,
                d: Buffer::upload(dev, d)?,
            },
            // The batch's change lr·DᵀX computed on the device from x and d
            // (`gpu::update_basic::accumulate`, the CPU's order of summation).
            BlockWrite::Accumulated {
                x,
                d,
                batch,
                rows,
                cols,
                r,
                c,
                lr,
            } => Change::Accumulated {
                dw: update_basic::accumulate(
                    dev,
                    &Buffer::upload(dev, x)?,
                    &Buffer::upload(dev, d)?,
                    batch,
                    (rows, cols),
                    r,
                    c,
                    lr,
                )?,
                cells: r.1 * c.1,
            },
        };
        Ok(self.device.get_or_init(|| change))
    }

    /// The write of `a` on the host.
    fn on_host(&self, a: &mut Array, first: usize, scale: f64) -> Result<bool> {
        let request = self.host_request();
        a.update(first, &request, scale, self.model, self.key, self.cells)
    }
}

impl ArrayWrites for DeviceWrites<'_> {
    fn write(&self, a: &mut Array, first: usize, scale: f64) -> Result<bool> {
        if !self.cuda.writes_on_device(a, self.cells) {
            return self.on_host(a, first, scale);
        }
        // Copy on write: the array's present copy may be read by others (a
        // clone of the core holds the same state), so the write goes to a
        // fresh copy made on the device.
        let mut fresh = self.cuda.array(a)?.duplicate()?;
        let change = self.device_change()?;
        let request = match (change, *self.write) {
            (Change::Sample { x, d }, BlockWrite::Sample { x: xh, d: dh, lr }) => DeviceRequest::Outer {
                x,
                d,
                x_host: xh,
                d_host: dh,
                lr,
            },
            (Change::Accumulated { dw, cells }, _) => DeviceRequest::Dense { dw, cells: *cells },
            _ => return Err(Error::Internal("GPU write: a change of another kind".into())),
        };
        let stream = a.update_stream(self.key);
        match update::write(&fresh.target(first), &request, scale, self.model, &stream)? {
            None => self.on_host(a, first, scale),
            Some(false) => Ok(false),
            Some(true) => {
                if !self.cuda.follow_sigma(&mut fresh, a, self.cells)? {
                    return Err(Error::Internal("GPU write: a read law without a device form".into()));
                }
                let fresh = Arc::new(fresh);
                a.set_newer(fresh.clone())?;
                let made = (a.version(), 0, false);
                self.cuda.lock_copies()?.insert((a.id, Kind::Array), (made, fresh));
                Ok(true)
            }
        }
    }
}
