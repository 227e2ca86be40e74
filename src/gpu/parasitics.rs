//! Reads through resistive wires on the device: the circuit of one array or
//! of an interleaved pair, current from the input lines or from supply
//! lines, solved by conjugate gradients on the cell currents
//! (`kernels/parasitics.cu`), one system per vector of the batch,
//! matrix-free.
//!
//! The unknowns, the operator, the stopping rule and its check are those of
//! the CPU's iterative solver (`circuit::parasitics`, `pcg.rs`): in the frame
//! of the read (`m` output lines, `n` input lines), with `s = √G` per cell,
//! `(1 + s S s) y = s e`, `S` the wires' transfer resistance, `e` the ideal
//! cell voltages (`±x_j`); the output line `i` carries `Σ_{p,j} s y`. As on
//! the CPU there is no preconditioner beyond that symmetric scaling by `√G`
//! (the system's eigenvalues lie in `[1, 1 + λ]`). With supply lines `S`
//! takes its drops along each supply line (from its source) instead of down
//! the input lines, and a cell is on only where its input exceeds
//! [`ACTIVE_INPUT`] in magnitude (CrossSim's test, as the CPU's); the CPU
//! solves those networks by its sparse factorisation alone, which the
//! tests compare with. Each vector stops when its
//! relative residual `‖b − A y‖₂ / ‖b‖₂`, recomputed from `y` (the true
//! residual, not the recurrence's), is at most 1e-12, the CPU's tolerance,
//! within its 300 steps; a vector that does not get there (very strong wires)
//! makes the whole read run on the CPU, whose exact factorisation is the
//! fallback there too.
//!
//! The solve runs in double precision whatever `simulation.gpu_precision`
//! says: a residual of 1e-12 needs it. A circuit is built from the arrays'
//! device copies ([`Resident`]: programmed or written on the device, in the
//! resident precision, or the host's conductances uploaded in double
//! precision): `xbar_pcg_cells_*` forms `√G` in frame order there once per
//! array state, from the stored values widened to `f64` exactly, so the
//! device solves the circuit of the very conductances the CPU would. A read
//! moves only its inputs and outputs (and one step count per vector). With
//! per-cell read noise every vector sees its own conductances, as on the
//! CPU: the copies (and their σ) stay on the device and `xbar_pcg_cells_*`
//! draws each vector's cells from the read-noise streams the products use,
//! so the draws are the CPU's (a σ kept in single precision, by a copy
//! programmed in it, is that rounding away from the CPU's double one).
//!
//! Not covered (the backend refuses them, see `gpu::select`): CrossSim's relaxation solver
//! (`simulation.parasitic_solver = "crosssim"`, whose sequential gamma
//! schedule and state across calls are its point), per-output read noise
//! and nonlinear I-V cells.

use super::device::{self, Arg, Buffer, Shape};
use super::resident::{Precision, Resident};
use super::Gpu;
use crate::array::{Op, ReadKey};
use crate::batch::Batch;
use crate::circuit::parasitics::{Frame, Wires, ACTIVE_INPUT, ITERATIVE_MAX_STEPS, ITERATIVE_TOLERANCE};
use crate::device::cells::ReadNoise;
use crate::device::law::Dist;
use crate::error::{Error, Result};
use std::sync::Arc;

/// Threads per block (one block per vector): a power of two, as the kernel's
/// reductions need, and the most a block may have, so that a single vector
/// (batch 1) gets a whole multiprocessor: a thread per line of a 1024²
/// array in each sweep. The emulated device runs a thread per CUDA thread,
/// so it gets fewer.
const BLOCK: u32 = 1024;
const BLOCK_EMULATED: u32 = 32;

/// Threads per block of `xbar_pcg_noisy_cells` (one per cell and vector).
const CELL_BLOCK: u32 = 256;

/// One array of a circuit as [`DeviceCircuit::new`] takes it.
#[derive(Debug, Clone)]
pub struct CircuitArray<'a> {
    /// The array's device copy: its conductances (`rows × cols`, row-major,
    /// in units of Gmax) and, for per-cell read noise, each cell's σ, in
    /// the copy's precision. A copy programmed or written on the device, or
    /// the host's values uploaded in double precision.
    pub cells: Arc<Resident>,
    /// Per-cell read noise (per-output noise is refused): the law's
    /// distribution, clip and shared σ (a per-cell σ is the copy's).
    pub noise: Option<&'a ReadNoise>,
    /// The array's id within its core: its read-noise streams.
    pub id: u32,
}

/// A noisy array on the device: its copy and noise law.
#[derive(Debug)]
struct NoisyPart {
    cells: Arc<Resident>,
    /// Whether each cell has its own σ (the copy's).
    per_cell: bool,
    sigma_uniform: f64,
    /// 0 none, 1 Normal, 2 Uniform (`kernels/parasitics.cu`).
    kind: i32,
    lo: f64,
    hi: f64,
    id: u32,
}

/// The conductances the solver sees.
#[derive(Debug)]
enum Cells {
    /// `√G` in frame order, `pols × m × n` (G+ first), for every vector.
    Fixed(Buffer),
    /// Drawn afresh per vector, from these arrays (G+ first).
    Noisy(Vec<NoisyPart>),
}

/// One read direction of one array (or interleaved pair) with its wires, its
/// conductances on the device.
#[derive(Debug)]
pub struct DeviceCircuit {
    gpu: Arc<Gpu>,
    frame: Frame,
    /// Cells per crossing: 1, or 2 for an interleaved pair.
    pols: usize,
    cells: Cells,
}

fn int(n: usize, what: &str) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::unsupported(format!("GPU parasitic solver: {what} = {n} exceeds 2^31 - 1")))
}

impl DeviceCircuit {
    /// The circuit of `op` on `rows × cols` arrays: one `part`, or two, G+
    /// and G− of an interleaved pair sharing their output lines, whose
    /// copies are on `gpu`. Nothing crosses to or from the device: without
    /// read noise `√G` in frame order is formed there once (from the stored
    /// values widened to `f64` exactly, as the host's `Conductances::as_f64`
    /// widens them, so the solve is the one of the host's conductances); with
    /// per-cell read noise the copies are kept and each read draws its cells.
    pub fn new(
        gpu: &Arc<Gpu>,
        wires: &Wires,
        op: Op,
        rows: usize,
        cols: usize,
        parts: &[CircuitArray],
    ) -> Result<DeviceCircuit> {
        if parts.is_empty() || parts.len() > 2 {
            return Err(Error::Internal(format!(
                "GPU parasitic solver: {} arrays in one circuit",
                parts.len()
            )));
        }
        for p in parts {
            if p.cells.lines(Op::Mvm) != (cols, rows) {
                let (c, r) = p.cells.lines(Op::Mvm);
                return Err(Error::Internal(format!(
                    "GPU parasitic solver: a {r} × {c} array in a {rows} × {cols} circuit"
                )));
            }
            if p.noise.is_some_and(|n| n.per_output) {
                return Err(Error::Internal(
                    "GPU parasitic solver: per-output read noise reached a circuit read".into(),
                ));
            }
            if p.noise.is_some_and(|n| n.uniform_sigma.is_none()) && p.cells.sigma().is_none() {
                return Err(Error::Internal(
                    "GPU parasitic solver: per-cell read noise without its σ on the device".into(),
                ));
            }
        }
        let mut circuit = DeviceCircuit {
            gpu: gpu.clone(),
            frame: Frame::new(wires, op, rows, cols),
            pols: parts.len(),
            cells: Cells::Noisy(Vec::new()),
        };
        let noisy = |p: &CircuitArray| {
            let n = p.noise;
            NoisyPart {
                cells: p.cells.clone(),
                per_cell: n.is_some_and(|n| n.uniform_sigma.is_none()),
                sigma_uniform: n.and_then(|n| n.uniform_sigma).unwrap_or(0.0),
                kind: match n.map(|n| n.dist) {
                    None => 0,
                    Some(Dist::Normal) => 1,
                    Some(Dist::Uniform) => 2,
                },
                lo: n.map_or(0.0, |n| n.clip.lo),
                hi: n.map_or(f64::INFINITY, |n| n.clip.hi),
                id: p.id,
            }
        };
        let parts: Vec<NoisyPart> = parts.iter().map(noisy).collect();
        circuit.cells = if parts.iter().all(|p| p.kind == 0) {
            // The cells of every read, as stored: no noise, so the key
            // (whose streams only noise draws from) is immaterial.
            let key = ReadKey {
                seed: 0,
                call: 0,
                slice: 0,
            };
            Cells::Fixed(circuit.draw(&parts, 1, &key)?)
        } else {
            Cells::Noisy(parts)
        };
        Ok(circuit)
    }

    /// Every vector's `√G` in frame order (`count × pols × m × n`), drawn
    /// for read `key` from the arrays `parts` (as stored where they have no
    /// read noise).
    fn draw(&self, parts: &[NoisyPart], count: usize, key: &ReadKey) -> Result<Buffer> {
        let f = &self.frame;
        let mn = f.m * f.n;
        let len = self.pols * mn;
        let dev = &self.gpu.device;
        let out = Buffer::zeroed(dev, 8 * len * count)?;
        let threads = mn * count;
        let grid = u32::try_from(threads.div_ceil(CELL_BLOCK as usize))
            .map_err(|_| Error::unsupported(format!("GPU parasitic solver: {threads} cells exceed one launch")))?;
        for (pol, p) in parts.iter().enumerate() {
            let s = key.streams(p.id);
            let g = p.cells.stored();
            let sigma = p.cells.sigma();
            let name = match p.cells.precision() {
                Precision::F32 => "xbar_pcg_cells_f32",
                Precision::F64 => "xbar_pcg_cells_f64",
            };
            let args = [
                Arg::Buf(g),
                Arg::Buf(sigma.unwrap_or(g)),
                Arg::I32(i32::from(p.per_cell)),
                Arg::F64(p.sigma_uniform),
                Arg::I32(p.kind),
                Arg::F64(p.lo),
                Arg::F64(p.hi),
                Arg::Buf(&out),
                Arg::U64(len as u64),
                Arg::U64((pol * mn) as u64),
                Arg::I32(int(f.rows, "rows")?),
                Arg::I32(int(f.cols, "columns")?),
                Arg::I32(i32::from(f.op == Op::Vmm)),
                Arg::I32(int(count, "batch")?),
                Arg::U64(s.seed),
                Arg::U32(s.array),
                Arg::U64(s.call),
            ];
            let shape = Shape {
                grid: (grid, 1, 1),
                block: (CELL_BLOCK, 1, 1),
            };
            // SAFETY: g (and sigma, when per cell) hold rows·cols values of
            // the kernel's precision (the copy's shape, checked in `new`),
            // out count·len doubles with polarity pol at pol·m·n of each
            // vector's len.
            unsafe { device::launch(dev.as_ref(), name, shape, &args) }?;
        }
        Ok(out)
    }

    /// The output-line currents of every vector of `x` (the read's inputs,
    /// normalised volts; `n` per vector) for read `key` (its read-noise
    /// draws), in the units of [`Array::product`](crate::array::Array::product);
    /// `None` when a vector does not converge (see the module).
    pub fn solve(&self, x: &Batch, key: &ReadKey) -> Result<Option<Batch>> {
        let f = &self.frame;
        let (m, n) = (f.m, f.n);
        if x.len != n || x.data.len() != n * x.count {
            return Err(Error::Internal(format!(
                "GPU parasitic solver: {} inputs per vector for a read with {n}",
                x.len
            )));
        }
        if x.count == 0 || m == 0 {
            return Ok(Some(Batch::zeros(m, x.count)));
        }
        let dev = &self.gpu.device;
        let len = self.pols * m * n;
        let per_vector = 6 * len + m * n;
        let work_bytes = per_vector
            .checked_mul(x.count)
            .and_then(|v| v.checked_mul(8))
            .ok_or_else(|| Error::unsupported("GPU parasitic solver: workspace size overflows"))?;
        let xd = Buffer::upload(dev, &x.data)?;
        let work = Buffer::zeroed(dev, work_bytes)?;
        let out = Buffer::zeroed(dev, 8 * m * x.count)?;
        let steps = Buffer::zeroed(dev, 4 * x.count)?;
        let grid = u32::try_from(x.count)
            .map_err(|_| Error::unsupported(format!("GPU parasitic solver: {} vectors exceed one launch", x.count)))?;
        let block = if self.gpu.emulated { BLOCK_EMULATED } else { BLOCK };
        let drawn;
        let (sqrt_g, stride) = match &self.cells {
            Cells::Fixed(b) => (b, 0),
            Cells::Noisy(parts) => {
                drawn = self.draw(parts, x.count, key)?;
                (&drawn, len as u64)
            }
        };
        let args = [
            Arg::Buf(sqrt_g),
            Arg::U64(stride),
            Arg::Buf(&xd),
            Arg::Buf(&work),
            Arg::Buf(&out),
            Arg::Buf(&steps),
            Arg::I32(int(m, "output lines")?),
            Arg::I32(int(n, "input lines")?),
            Arg::I32(int(self.pols, "polarities")?),
            Arg::I32(i32::from(f.op == Op::Vmm)),
            Arg::F64(f.r_out),
            Arg::F64(f.r_out_end),
            Arg::F64(f.r_in),
            Arg::F64(f.r_in_end),
            Arg::F64(ITERATIVE_TOLERANCE),
            Arg::I32(int(ITERATIVE_MAX_STEPS, "steps")?),
            Arg::I32(i32::from(f.separate_source)),
            Arg::F64(ACTIVE_INPUT),
        ];
        let shape = Shape {
            grid: (grid, 1, 1),
            block: (block, 1, 1),
        };
        // SAFETY: sqrt_g holds pols·m·n doubles per vector (stride len), or
        // for every vector (stride 0), xd count·n, work count·(6·pols·m·n + m·n), out count·m,
        // steps count ints; the block size is a power of two ≤ 1024.
        unsafe { device::launch(dev.as_ref(), "xbar_pcg_solve", shape, &args) }?;
        if steps.download::<i32>()?.iter().any(|&s| s < 0) {
            return Ok(None);
        }
        Ok(Some(Batch::from_vec(m, x.count, out.download::<f64>()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::parasitics::{solve_exact, test_values as values, Problem};
    use crate::params::SelectedRows;

    /// The host's conductances `g` (and `noise`'s σ) uploaded in double
    /// precision, as array 0 of a circuit.
    fn host<'a>(gpu: &Arc<Gpu>, rows: usize, cols: usize, g: &[f64], noise: Option<&'a ReadNoise>) -> CircuitArray<'a> {
        CircuitArray {
            cells: Arc::new(Resident::upload(gpu, Precision::F64, rows, cols, g, noise).unwrap()),
            noise,
            id: 0,
        }
    }

    /// The emulated GPU, or `None` where it cannot be built.
    fn emulated() -> Option<Arc<Gpu>> {
        let dev = crate::gpu::emulated::test_device()?;
        Some(Arc::new(Gpu {
            ordinal: 0,
            name: "host emulation".into(),
            arch: "host".into(),
            emulated: true,
            device: dev,
        }))
    }

    /// The device solve of a 9 × 7 array and of an interleaved pair, MVM and
    /// VMM, current from the inputs and from supply lines (with unused lines
    /// of a larger physical array at either end, and inputs of zero that
    /// switch their cells off), against the CPU's exact solver (sparse
    /// Cholesky): 1e-10 relative to the largest output, the bound the 1e-12
    /// residual of the scaled system gives with a condition number of a few
    /// (λ ≈ 1 here).
    #[test]
    fn agrees_with_the_exact_solver() {
        let Some(gpu) = emulated() else {
            return;
        };
        let input_source = Wires {
            enable: true,
            r_row: 0.02,
            r_col: 0.03,
            r_row_terminal: 0.05,
            r_col_terminal: 0.04,
            current_from_input: true,
            selected_rows: SelectedRows::Top,
            rows_max: 0,
            cols_max: 0,
            rmin_ohm: 1e3,
        };
        let supply = |selected_rows| Wires {
            current_from_input: false,
            selected_rows,
            rows_max: 12,
            cols_max: 10,
            ..input_source.clone()
        };
        let (rows, cols) = (9, 7);
        let key = ReadKey {
            seed: 1,
            call: 0,
            slice: 0,
        };
        let g = values(rows * cols, 1, 0.0, 1.0);
        let gn = values(rows * cols, 2, 0.0, 1.0);
        let all = [
            input_source.clone(),
            supply(SelectedRows::Top),
            supply(SelectedRows::Bottom),
        ];
        for (wires, op, pair) in all
            .iter()
            .flat_map(|w| [Op::Mvm, Op::Vmm].map(|op| (w, op)))
            .flat_map(|(w, op)| [false, true].map(|pair| (w, op, pair)))
        {
            let n_in = if op == Op::Mvm { cols } else { rows };
            let mut xs = values(3 * n_in, 3, -1.0, 1.0);
            for v in xs.iter_mut().step_by(3) {
                *v = 0.0;
            }
            let x = Batch::from_vec(n_in, 3, xs);
            let gn = pair.then_some(&gn[..]);
            let parts: Vec<CircuitArray> = std::iter::once(&g[..])
                .chain(gn)
                .map(|g| host(&gpu, rows, cols, g, None))
                .collect();
            let c = DeviceCircuit::new(&gpu, wires, op, rows, cols, &parts).unwrap();
            let got = c.solve(&x, &key).unwrap().expect("converges");
            let p = Problem {
                wires,
                op,
                rows,
                cols,
                g: &g,
                gn,
                x: &x,
            };
            let want = solve_exact(&p).unwrap();
            let scale = want.data.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            for (a, b) in got.data.iter().zip(&want.data) {
                assert!(
                    (a - b).abs() <= 1e-10 * scale,
                    "{op:?} pair {pair}, supply lines {}: {a} against {b}",
                    !wires.current_from_input
                );
            }
            // Ideal wires would give the plain product: the wires matter here.
            let plain: f64 = (0..cols).map(|j| g[j] * x.data[j]).sum();
            if op == Op::Mvm && !pair {
                assert!((got.data[0] - plain).abs() > 1e-3 * scale);
            }
        }
        // A 40 × 40 array whose wire segments are 100 times a cell's
        // resistance (λ ~ 1e5): 300 steps are not enough (conjugate gradients
        // need ~√κ·14), which the solve reports (the backend then reads on
        // the CPU) instead of returning an unconverged answer.
        let strong = Wires {
            r_row: 100.0,
            r_col: 100.0,
            ..input_source
        };
        let big = values(40 * 40, 6, 0.0, 1.0);
        let part = host(&gpu, 40, 40, &big, None);
        let c = DeviceCircuit::new(&gpu, &strong, Op::Mvm, 40, 40, &[part]).unwrap();
        let x = Batch::from_vec(40, 1, values(40, 5, -1.0, 1.0));
        assert!(c.solve(&x, &key).unwrap().is_none());
    }

    /// A circuit of single-precision copies (as an array programmed on the
    /// device in float32 holds them) solves the very circuit of those values
    /// widened to double precision on the host: the same output bits, with
    /// and without per-cell read noise (σ per cell and shared), MVM and VMM,
    /// one array and an interleaved pair.
    #[test]
    fn single_precision_copies_solve_the_circuit_of_their_widened_values() {
        let Some(gpu) = emulated() else {
            return;
        };
        let wires = Wires {
            enable: true,
            r_row: 0.02,
            r_col: 0.03,
            r_row_terminal: 0.05,
            r_col_terminal: 0.04,
            current_from_input: true,
            selected_rows: SelectedRows::Top,
            rows_max: 0,
            cols_max: 0,
            rmin_ohm: 1e3,
        };
        let (rows, cols) = (11, 8);
        let narrow = |seed| -> Vec<f64> {
            values(rows * cols, seed, 0.0, 1.0)
                .into_iter()
                .map(|v| v as f32 as f64)
                .collect()
        };
        let (g, gn) = (narrow(11), narrow(12));
        let per_cell = ReadNoise {
            sigma: narrow(13).iter().map(|v| 0.05 * v).map(|v| v as f32 as f64).collect(),
            uniform_sigma: None,
            dist: Dist::Normal,
            clip: crate::device::law::Clip { lo: 0.0, hi: 1.0 },
            per_output: false,
        };
        let shared = ReadNoise {
            sigma: Vec::new(),
            uniform_sigma: Some(0.03),
            dist: Dist::Uniform,
            ..per_cell.clone()
        };
        let key = ReadKey {
            seed: 5,
            call: 2,
            slice: 0,
        };
        let single = |g: &[f64], noise: Option<&ReadNoise>| {
            Arc::new(Resident::upload(&gpu, Precision::F32, rows, cols, g, noise).unwrap())
        };
        for noise in [None, Some(&per_cell), Some(&shared)] {
            for (op, pair) in [(Op::Mvm, false), (Op::Vmm, true)] {
                let arrays: Vec<&[f64]> = if pair { vec![&g, &gn] } else { vec![&g] };
                let wide: Vec<CircuitArray> = arrays.iter().map(|g| host(&gpu, rows, cols, g, noise)).collect();
                let narrow: Vec<CircuitArray> = arrays
                    .iter()
                    .map(|g| CircuitArray {
                        cells: single(g, noise),
                        noise,
                        id: 0,
                    })
                    .collect();
                let n_in = if op == Op::Mvm { cols } else { rows };
                let x = Batch::from_vec(n_in, 2, values(2 * n_in, 14, -1.0, 1.0));
                let solve = |parts: &[CircuitArray]| {
                    let c = DeviceCircuit::new(&gpu, &wires, op, rows, cols, parts).unwrap();
                    c.solve(&x, &key).unwrap().expect("converges").data.clone()
                };
                let (a, b) = (solve(&wide), solve(&narrow));
                assert!(a.iter().any(|v| *v != 0.0));
                assert_eq!(
                    a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "{op:?}, pair {pair}, noise {noise:?}"
                );
            }
        }
    }
}
