//! Wire resistance of a crossbar (IR drop): circuit solvers for one array read
//! (spec §12), and a SPICE netlist of the same circuit.
//!
//! # The circuit
//!
//! Conductances are normalised (`G = 1` is Gmax = 1/Rmin), resistances too
//! (`r = R / Rmin`, see [`Wires`]), inputs are normalised voltages and outputs
//! normalised currents: one cell at `G = 1` under input 1 with ideal wires
//! gives 1. Every array topology of CrossSim is covered:
//!
//! * one array, or an interleaved pair (G+ and G− cells side by side on each
//!   output line, G+ driven by `+v` and G− by `−v` on their own input lines);
//! * current from the input lines (`current_from_input`), or from a supply
//!   line beside each output line, the input only switching its cells on
//!   (`|v| > 1e-9`; CrossSim then uses 1-bit input slices);
//! * MVM and VMM. The frame in which both are solved, and where a VMM's
//!   drivers and sense amplifiers sit, is described in `wires.rs`.
//!
//! Each input line has its driver (and the row terminal resistance) before its
//! first cell; each output line ends, through the column terminal resistance,
//! at a virtual ground (the ADC input); supply lines start at their source,
//! the far end from the output terminal. Unused lines of the physical array
//! (separate source, fewer inputs than `rows_max`) lengthen the last output
//! segment (`selected_rows = "top"`) or the first supply segment (`"bottom"`).
//!
//! # Solvers
//!
//! The one-shot solvers and the netlist take one [`Problem`]: the wires, the
//! direction, the array's shape and conductances, and the read's inputs.
//!
//! * [`LinearSolver`] (exact): nodal analysis with a sparse Cholesky
//!   factorisation, or, for input-source arrays of 64 × 64 cells and more,
//!   conjugate gradients on the cell currents ([`Method`]), both
//!   residual-checked; the terminal resistances sit at **each** line's own
//!   driver/terminal. This deliberately differs from CrossSim, which adds the
//!   row terminal resistance to every segment of input line 0 only.
//! * [`solve_relaxation`]: CrossSim's iterative solver, with its stopping rule,
//!   its gamma schedule and its terminal-resistance placement, for CrossSim's
//!   numbers. Without terminal resistances, run to a tight threshold, it
//!   converges to the exact solution.
//! * [`solve_nonlinear`]: cells with a nonlinear I-V law
//!   ([`IvModel`](crate::device::iv::IvModel)): Newton's method around the
//!   exact solver, reusing its symbolic factorisation, with a convergence report.
//! * [`netlist`]: the exact solver's circuit as an ngspice deck.
//!
//! Inputs are the read's DAC outputs (normalised volts, `inputs(op)` per
//! vector); outputs are `outputs(op)` currents per vector, in the same units
//! as [`Array::product`](crate::array::Array::product), which the exact solver
//! reproduces when every resistance is zero.
//!
//! # Use
//!
//! ```
//! use xbar::internals::array::Op;
//! use xbar::internals::batch::Batch;
//! use xbar::internals::circuit::parasitics::{LinearSolver, Wires};
//! use xbar::Params;
//!
//! let mut params = Params::default();
//! params.xbar.array.parasitics.enable = true;
//! params.xbar.array.parasitics.rp_row = 1.0; // ohm, with Rmin = 1 kOhm
//! let wires = Wires::from_params(&params);
//! assert!(wires.is_active());
//! // Once per array and direction: the network and its symbolic analysis.
//! let mut solver = LinearSolver::new(&wires, Op::Mvm, 2, 3, false)?;
//! // Once per conductance state (again for every read-noise draw).
//! solver.factor(&[1.0, 0.5, 0.2, 0.1, 0.9, 0.4], None)?;
//! // Any number of batches against that factorisation.
//! let y = solver.solve(&Batch::from_vec(3, 1, vec![1.0, -1.0, 0.5]))?;
//! assert_eq!(y.len, 2);
//! # Ok::<(), xbar::Error>(())
//! ```

mod iterative;
mod linear;
mod network;
mod newton;
mod ordering;
mod pcg;
/// Deterministic test values, shared by the solvers' unit tests here and on the device.
#[cfg(test)]
pub(crate) use pcg::tests::values as test_values;
mod problem;
mod spice;
mod wires;

pub use iterative::{solve_relaxation, Relaxation, RelaxationReport};
pub use linear::{solve_exact, LinearSolver, Method, ACTIVE_INPUT, RESIDUAL_LIMIT};
pub(crate) use linear::{ITERATIVE_MAX_STEPS, ITERATIVE_TOLERANCE};
pub use newton::{solve_nonlinear, NewtonReport, NewtonSettings};
pub use problem::Problem;
pub use spice::{netlist, parse_ngspice_currents};
pub(crate) use wires::Frame;
pub use wires::Wires;
