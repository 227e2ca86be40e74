//! SPICE export of a core: the ngspice netlist of its first array for one
//! MVM input vector, with xbar's own solution of the same circuit.

use super::{check_data, Core};
use crate::array::Op;
use crate::batch::{Batch, BatchRef};
use crate::circuit::parasitics::{netlist, Problem, Wires};
use crate::error::Result;

/// A netlist and the currents xbar computes for it ([`Core::export_spice`]).
///
/// ```
/// use xbar::{Core, Layout, Params};
///
/// let mut p = Params::default();
/// p.set_json("xbar.array.parasitics", r#"{"enable": true, "Rp_row": 1.0, "Rp_col": 1.0}"#)?;
/// let mut core = Core::new(&p, 2, 2, 0)?;
/// core.program(&[0.5, -0.5, 0.25, 1.0], Layout::RowMajor)?;
/// let deck = core.export_spice(&[1.0, 0.5])?;
/// assert!(deck.netlist.contains(".end"));
/// assert_eq!(deck.currents.len(), 2); // one per output line of the array
/// # Ok::<(), xbar::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpiceExport {
    /// The ngspice deck (see [`Core::export_spice`]).
    pub netlist: String,
    /// xbar's exact solution: the current of every output line `k` of the
    /// deck, `i(vy<k>)`, in amperes.
    pub currents: Vec<f64>,
}

impl Core {
    /// The ngspice netlist of one MVM of the core's first array for the input
    /// vector `x` (`cols` values, weight units), and xbar's own solution of it.
    ///
    /// The array is that of the first (top-left) block: for BALANCED cores
    /// its G+ array, or the interleaved G+/G− pair as one network; for OFFSET
    /// cores its array (a UNIT_COLUMN reference line is output 0); for
    /// BITSLICED cores the least significant weight slice's array (or pair).
    /// The block's part of `x` is scaled and converted by the MVM DAC as in
    /// [`Core::mvm`]; input bit slicing is not applied (the whole DAC output
    /// drives the array at once). The circuit is the exact solver's, with
    /// the programmed conductances (no read noise) in siemens, the wire and
    /// terminal resistances of `xbar.array.parasitics` in ohms (none when
    /// parasitics are off) and a normalised input of 1 written as
    /// `xbar.device.Vread` volts; nonlinear cells are behavioural sources.
    /// Output `k` is the current `i(vy<k>)` into the sense source of output
    /// line `k`. The deck also lists xbar's solution as comment lines
    /// `* xbar i(vy<k>) = <amperes>`.
    pub fn export_spice(&self, x: &[f64]) -> Result<SpiceExport> {
        self.require_real("export_spice")?;
        self.require_programmed("export_spice")?;
        check_data("x", x, self.cols, "cols")?;
        let blocks = self.host_blocks()?;
        let block = &blocks[0];
        let s = self.input_scales(Op::Mvm, BatchRef::new(self.cols, 1, x))[0];
        let (c0, nc) = self.tiling.col_blocks[0];
        let mut v: Vec<f64> = x[c0..c0 + nc].iter().map(|e| e * s).collect();
        block.periphery(Op::Mvm).dac.convert(&mut v);
        let (array, neg) = block.first_network();
        let gp = array.g.as_f64();
        let gn = neg.map(|a| a.g.as_f64());
        let gn = gn.as_deref();
        let wires = match &self.wires {
            Some(w) => (**w).clone(),
            // Ideal wires (and no cell gating, as the read without parasitics).
            None => Wires {
                r_row: 0.0,
                r_col: 0.0,
                r_row_terminal: 0.0,
                r_col_terminal: 0.0,
                current_from_input: true,
                ..Wires::from_params(&self.params)
            },
        };
        let (rows, cols) = (array.rows, array.cols);
        let vread = self.params.xbar.device.vread;
        let xb = Batch::from_vec(nc, 1, v);
        let p = Problem {
            wires: &wires,
            op: Op::Mvm,
            rows,
            cols,
            g: &gp,
            gn,
            x: &xb,
        };
        let y = p.solve(self.iv.as_ref())?;
        let currents: Vec<f64> = y.data.iter().map(|i| i * vread / wires.rmin_ohm).collect();
        let mut deck = netlist(&p, vread, self.iv.as_ref())?;
        let solution: String = currents
            .iter()
            .enumerate()
            .map(|(k, a)| format!("* xbar i(vy{k}) = {a:e}\n"))
            .collect();
        // After the two header comment lines.
        let at = deck.match_indices('\n').nth(1).map_or(0, |(i, _)| i + 1);
        deck.insert_str(at, &solution);
        Ok(SpiceExport {
            netlist: deck,
            currents,
        })
    }
}
