//! Reads through resistive wires on the device: the input-source circuit of
//! one array or of an interleaved pair, solved by conjugate gradients on the
//! cell currents (`kernels/parasitics.cu`), one system per vector of the
//! batch, matrix-free.
//!
//! The unknowns, the operator, the stopping rule and its check are those of
//! the CPU's iterative solver (`circuit::parasitics`, `pcg.rs`): in the frame
//! of the read (`m` output lines, `n` input lines), with `s = √G` per cell,
//! `(1 + s S s) y = s e`, `S` the wires' transfer resistance, `e` the ideal
//! cell voltages (`±x_j`); the output line `i` carries `Σ_{p,j} s y`. As on
//! the CPU there is no preconditioner beyond that symmetric scaling by `√G`
//! (the system's eigenvalues lie in `[1, 1 + λ]`). Each vector stops when its
//! relative residual `‖b − A y‖₂ / ‖b‖₂`, recomputed from `y` (the true
//! residual, not the recurrence's), is at most 1e-12, the CPU's tolerance,
//! within its 300 steps; a vector that does not get there (very strong wires)
//! makes the whole read run on the CPU, whose exact factorisation is the
//! fallback there too.
//!
//! The solve runs in double precision whatever `simulation.gpu_precision`
//! says: a residual of 1e-12 needs it. Conductances go up once per array
//! state (as `√G` in frame order), a read moves only its inputs and outputs
//! (and one step count per vector).
//!
//! Not covered (the backend refuses them, see `gpu::select`): supply-line
//! arrays (`current_from_input = false`, cells switched by the input: a
//! nonlinear network), CrossSim's relaxation solver
//! (`simulation.parasitic_solver = "crosssim"`, whose sequential gamma
//! schedule and state across calls are its point) and nonlinear I-V cells.

use super::device::{self, Arg, Buffer, Shape};
use super::Gpu;
use crate::array::Op;
use crate::batch::Batch;
use crate::circuit::parasitics::{Frame, Wires, ITERATIVE_MAX_STEPS, ITERATIVE_TOLERANCE};
use crate::error::{Error, Result};
use std::sync::Arc;

/// Threads per block (one block per vector): a power of two, as the kernel's
/// reductions need. The emulated device runs a thread per CUDA thread, so it
/// gets fewer.
const BLOCK: u32 = 256;
const BLOCK_EMULATED: u32 = 32;

/// One read direction of one array (or interleaved pair) with its wires, its
/// conductances on the device.
#[derive(Debug)]
pub struct DeviceCircuit {
    gpu: Arc<Gpu>,
    frame: Frame,
    /// Cells per crossing: 1, or 2 for an interleaved pair.
    pols: usize,
    /// `√G` in frame order, `pols × m × n` (G+ first).
    sqrt_g: Buffer,
}

/// Why the device cannot solve reads through `wires`, if it cannot.
pub fn unsupported(wires: &Wires) -> Option<&'static str> {
    (!wires.current_from_input).then_some(
        "supply-line arrays (xbar.array.parasitics.current_from_input = false) switch cells by their input, \
         a network the device solver does not model",
    )
}

fn int(n: usize, what: &str) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::unsupported(format!("GPU parasitic solver: {what} = {n} exceeds 2^31 - 1")))
}

impl DeviceCircuit {
    /// The circuit of `op` on the `rows × cols` array `g` (with `gn`, the G−
    /// array of an interleaved pair sharing its output lines), conductances in
    /// units of Gmax, uploaded to `gpu`.
    pub fn upload(
        gpu: &Arc<Gpu>,
        wires: &Wires,
        op: Op,
        rows: usize,
        cols: usize,
        g: &[f64],
        gn: Option<&[f64]>,
    ) -> Result<DeviceCircuit> {
        if let Some(why) = unsupported(wires) {
            return Err(Error::unsupported(format!("GPU parasitic solver: {why}")));
        }
        if std::iter::once(g).chain(gn).any(|a| a.len() != rows * cols) {
            return Err(Error::Internal(format!(
                "GPU parasitic solver: {} conductances for a {rows} × {cols} array",
                g.len()
            )));
        }
        let frame = Frame::new(wires, op, rows, cols);
        let mut cells = frame.cells(g);
        if let Some(gn) = gn {
            cells.extend(frame.cells(gn));
        }
        let sqrt_g: Vec<f64> = cells.iter().map(|c| c.sqrt()).collect();
        Ok(DeviceCircuit {
            gpu: gpu.clone(),
            frame,
            pols: if gn.is_some() { 2 } else { 1 },
            sqrt_g: Buffer::upload(&gpu.device, &sqrt_g)?,
        })
    }

    /// The output-line currents of every vector of `x` (the read's inputs,
    /// normalised volts; `n` per vector), in the units of
    /// [`Array::product`](crate::array::Array::product); `None` when a vector
    /// does not converge (see the module).
    pub fn solve(&self, x: &Batch) -> Result<Option<Batch>> {
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
        let per_vector = 5 * len + m * n;
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
        let args = [
            Arg::Buf(&self.sqrt_g),
            Arg::U64(0),
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
        ];
        let shape = Shape {
            grid: (grid, 1, 1),
            block: (block, 1, 1),
        };
        // SAFETY: sqrt_g holds pols·m·n doubles (stride 0: one set for every
        // vector), xd count·n, work count·(5·pols·m·n + m·n), out count·m,
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
    use crate::circuit::parasitics::{solve_exact, Problem};
    use crate::params::SelectedRows;

    fn values(count: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
        let mut s = seed;
        (0..count)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
            })
            .collect()
    }

    /// The device solve of a 9 × 7 array and of an interleaved pair, MVM and
    /// VMM, against the CPU's exact solver (sparse Cholesky at this size):
    /// 1e-10 relative to the largest output, the bound the 1e-12 residual of
    /// the scaled system gives with a condition number of a few (λ ≈ 1 here).
    #[test]
    fn agrees_with_the_exact_solver() {
        let Some(dev) = crate::gpu::emulated::test_device() else {
            return;
        };
        let gpu = Arc::new(Gpu {
            ordinal: 0,
            name: "host emulation".into(),
            arch: "host".into(),
            emulated: true,
            device: dev,
        });
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
        let (rows, cols) = (9, 7);
        let g = values(rows * cols, 1, 0.0, 1.0);
        let gn = values(rows * cols, 2, 0.0, 1.0);
        for op in [Op::Mvm, Op::Vmm] {
            for pair in [false, true] {
                let n_in = if op == Op::Mvm { cols } else { rows };
                let x = Batch::from_vec(n_in, 3, values(3 * n_in, 3, -1.0, 1.0));
                let gn = pair.then_some(&gn[..]);
                let c = DeviceCircuit::upload(&gpu, &wires, op, rows, cols, &g, gn).unwrap();
                let got = c.solve(&x).unwrap().expect("converges");
                let p = Problem {
                    wires: &wires,
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
                    assert!((a - b).abs() <= 1e-10 * scale, "{op:?} pair {pair}: {a} against {b}");
                }
                // Ideal wires would give the plain product: the wires matter here.
                let plain: f64 = (0..cols).map(|j| g[j] * x.data[j]).sum();
                if op == Op::Mvm && !pair {
                    assert!((got.data[0] - plain).abs() > 1e-3 * scale);
                }
            }
        }
        // Supply-line arrays are refused, with the reason.
        let supply = Wires {
            current_from_input: false,
            ..wires
        };
        let e = DeviceCircuit::upload(&gpu, &supply, Op::Mvm, rows, cols, &g, None).unwrap_err();
        assert!(e.to_string().contains("current_from_input = false"), "{e}");
    }
}
