//! The problem every parasitic solver takes: one read of one array (or of an
//! interleaved pair) through its wires — the circuit (wires, direction,
//! shape, conductances) and the inputs of the read.

use super::wires::{Frame, Wires};
use crate::array::Op;
use crate::batch::Batch;
use crate::device::iv::IvModel;
use crate::error::{Error, Result};

/// One array read through resistive wires, as [`solve_exact`](super::solve_exact),
/// [`solve_relaxation`](super::solve_relaxation),
/// [`solve_nonlinear`](super::solve_nonlinear) and [`netlist`](super::netlist)
/// take it. Units are the module's (see [`super`]): conductances in units of
/// Gmax, inputs in normalised volts.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    /// Wire and terminal resistances (normalised by Rmin), the current
    /// source and the selected rows.
    pub wires: &'a Wires,
    /// [`Op::Mvm`] drives the `cols` input lines and senses the `rows`
    /// output lines; [`Op::Vmm`] the other way round.
    pub op: Op,
    /// Rows of the array (of each array of a pair).
    pub rows: usize,
    /// Columns of the array (of each array of a pair).
    pub cols: usize,
    /// Conductances, `rows × cols`, row-major, in units of Gmax (≥ 0).
    pub g: &'a [f64],
    /// The G− array of an interleaved pair (same shape), driven by `−v`;
    /// `None` for a single array.
    pub gn: Option<&'a [f64]>,
    /// The read's input vectors: `cols` values each for an MVM, `rows` for a
    /// VMM (the DAC outputs, normalised volts).
    pub x: &'a Batch,
}

impl Problem<'_> {
    /// The output-line currents of every vector, solved exactly: by Newton's
    /// method ([`solve_nonlinear`](super::solve_nonlinear), default settings)
    /// when the cells follow the nonlinear law `iv`, by the linear solver
    /// ([`solve_exact`](super::solve_exact)) for ohmic cells (`None`).
    pub fn solve(&self, iv: Option<&IvModel>) -> Result<Batch> {
        match iv {
            Some(iv) => super::solve_nonlinear(self, iv, &super::NewtonSettings::default()).map(|r| r.y),
            None => super::solve_exact(self),
        }
    }

    /// The frame the problem is solved in, after checking that every array
    /// holds `rows × cols` conductances and every input vector one value per
    /// input line; `solver` names the caller in the `Error::Shape` message.
    pub(super) fn frame(&self, solver: &str) -> Result<Frame> {
        let f = Frame::new(self.wires, self.op, self.rows, self.cols);
        let size = self.rows.checked_mul(self.cols);
        let arrays_fit = std::iter::once(self.g).chain(self.gn).all(|a| Some(a.len()) == size);
        if !arrays_fit || self.x.len != f.n {
            let gn = self.gn.map_or(String::new(), |a| format!(" and {} (G-)", a.len()));
            return Err(Error::shape(format!(
                "{solver}: {}×{} array, {} conductances{gn}, inputs of length {} (expected {})",
                self.rows,
                self.cols,
                self.g.len(),
                self.x.len,
                f.n
            )));
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked_against_the_shape_and_the_direction() {
        let params = crate::params::Params::default();
        let wires = Wires::from_params(&params);
        let g = [0.5; 6];
        let x3 = Batch::zeros(3, 2);
        let x2 = Batch::zeros(2, 2);
        let p = Problem {
            wires: &wires,
            op: Op::Mvm,
            rows: 2,
            cols: 3,
            g: &g,
            gn: Some(&g),
            x: &x3,
        };
        assert_eq!(p.frame("t").unwrap().n, 3);
        let vmm = Problem {
            op: Op::Vmm,
            x: &x2,
            ..p
        };
        assert_eq!(vmm.frame("t").unwrap().n, 2);
        let wrong_input = Problem { x: &x2, ..p };
        let e = wrong_input.frame("solver x").unwrap_err().to_string();
        assert!(
            e.contains("solver x: 2×3 array") && e.contains("inputs of length 2 (expected 3)"),
            "{e}"
        );
        let short = [0.5; 5];
        let wrong_gn = Problem { gn: Some(&short), ..p };
        let e = wrong_gn.frame("t").unwrap_err().to_string();
        assert!(e.contains("6 conductances and 5 (G-)"), "{e}");
        assert!(Problem { g: &short, ..p }.frame("t").is_err());
        // A deck is one operating point: two vectors are refused.
        let e = super::super::netlist(&p, 0.1, None).unwrap_err().to_string();
        assert!(e.contains("one input vector, given 2"), "{e}");
    }
}
