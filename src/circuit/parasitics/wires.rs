//! Wire resistances of an array (from the parameters) and the *frame*: the
//! orientation in which every solver sees one read, whatever its direction.
//!
//! # The frame
//!
//! A read has `m` output lines (index `i`) and `n` input lines (index `j`);
//! `c[i][j]` is the cell where they cross.
//!
//! * Output line `i` runs across the input lines `j = 0..n`; its virtual-ground
//!   terminal (the ADC) is after the cell `j = n-1`.
//! * Input line `j` (current from the input) runs across the output lines
//!   `i = 0..m`; its driver is before the cell `i = 0`.
//! * Supply line `i` (separate source) runs beside output line `i`; its source
//!   is before the cell `j = 0`, the far end from the output terminal.
//!
//! MVM reads the array as it is stored: `c[i][j] = g[i][j]`, `x[j]`, `y[i]`.
//!
//! VMM drives the MVM output lines and reads the MVM input lines, through the
//! same periphery: a line's driver and its sense amplifier sit at the same end
//! of the line. The VMM input lines are therefore driven from the end where
//! the MVM terminals are, and the VMM outputs are read at the end where the MVM
//! drivers are. In the frame this is the transpose turned half a turn:
//! `c[i][j] = g[rows-1-j][cols-1-i]`, `x_frame[j] = x[rows-1-j]`,
//! `y[k] = y_frame[cols-1-k]`, with the row and column resistances swapped.
//! (CrossSim meant VMM as its MVM solver applied to the transposed matrix with
//! the wires swapped, but passes the untransposed matrix; spec §12.1.)
//!
//! For a plain array this is the same physical circuit in both directions.
//! An interleaved pair and separate supply lines keep their MVM structure in
//! the frame (G+ and G− on their own driven lines, or supply lines beside the
//! sensed lines), i.e. the structure is taken along with the transpose, as
//! CrossSim intends: the physical layouts these options describe have no
//! transposed read with the same wiring.

use crate::array::Op;
use crate::params::{Params, SelectedRows};

/// The wire resistances of one physical array, normalised by `Rmin`
/// (`r = R / Rmin`, so a wire segment has conductance `1/r` in units of Gmax),
/// and how cells draw their current.
#[derive(Debug, Clone, PartialEq)]
pub struct Wires {
    /// `xbar.array.parasitics.enable`.
    pub enable: bool,
    /// One segment of an array row (an MVM input line) between two cells.
    pub r_row: f64,
    /// One segment of an array column (an MVM output line) between two cells.
    pub r_col: f64,
    /// Series resistance at the driver end of every row.
    pub r_row_terminal: f64,
    /// Series resistance at the terminal end of every column.
    pub r_col_terminal: f64,
    /// Cells draw their current from the input line (`true`) or from a
    /// separate supply line beside each output line, switched on by the input.
    pub current_from_input: bool,
    /// Separate source only: where the used lines sit when the block has
    /// fewer inputs than the physical array (`Top`: far from the terminal).
    pub selected_rows: SelectedRows,
    /// Physical array rows (`core.rows_max`, 0 = as many as the block uses).
    pub rows_max: usize,
    /// Physical array columns (`core.cols_max`, 0 = as many as the block uses).
    pub cols_max: usize,
    /// `Rmin` in ohms (to write resistances in ohms, e.g. in a SPICE netlist).
    pub rmin_ohm: f64,
}

impl Wires {
    /// The wires `params` describe (`xbar.array.parasitics`, `xbar.device.Rmin`,
    /// `core.rows_max`, `core.cols_max`).
    pub fn from_params(params: &Params) -> Wires {
        let p = &params.xbar.array.parasitics;
        let rmin = params.xbar.device.rmin;
        Wires {
            enable: p.enable,
            r_row: p.rp_row / rmin,
            r_col: p.rp_col / rmin,
            r_row_terminal: p.rp_row_terminal / rmin,
            r_col_terminal: p.rp_col_terminal / rmin,
            current_from_input: p.current_from_input,
            selected_rows: p.selected_rows,
            rows_max: params.core.rows_max,
            cols_max: params.core.cols_max,
            rmin_ohm: rmin,
        }
    }

    /// Whether reads need a circuit solve: parasitics enabled and at least one
    /// resistance above zero (CrossSim's `simulate_parasitics`).
    pub fn is_active(&self) -> bool {
        self.enable
            && [self.r_row, self.r_col, self.r_row_terminal, self.r_col_terminal]
                .iter()
                .any(|&r| r > 0.0)
    }
}

/// How the cells of a line are tied together once zero resistances are taken
/// into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Segments of resistance > 0: one node per cell.
    Chain,
    /// No resistance between cells but some at the end: one node per line.
    Lumped,
    /// No resistance at all: the line is at its end's potential.
    Ideal,
}

impl LineKind {
    fn of(r_between_cells: f64, r_end: f64) -> LineKind {
        if r_between_cells > 0.0 {
            LineKind::Chain
        } else if r_end > 0.0 {
            LineKind::Lumped
        } else {
            LineKind::Ideal
        }
    }
}

/// One read (`op` on a `rows × cols` array) seen in the frame, with the
/// physical wire profile: each line's terminal resistance sits at that line's
/// own driver or terminal.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub op: Op,
    pub rows: usize,
    pub cols: usize,
    /// Output lines.
    pub m: usize,
    /// Input lines.
    pub n: usize,
    /// Cells draw their current from a supply line beside each output line.
    pub separate_source: bool,
    /// Segment resistance between two cells of an output line.
    pub r_out: f64,
    /// Segment resistance between two cells of an input (or supply) line.
    pub r_in: f64,
    /// Resistance from the last cell of an output line to its virtual ground.
    pub r_out_end: f64,
    /// Resistance from an input line's driver (or a supply line's source) to its first cell.
    pub r_in_end: f64,
    /// Terminal resistances alone (CrossSim's relaxation places them itself).
    pub t_out: f64,
    pub t_in: f64,
    /// Unused input lines of the physical array (separate source only).
    pub unused: usize,
    pub selected_rows: SelectedRows,
}

impl Frame {
    /// The frame of `op` on a `rows × cols` array with `wires`.
    pub fn new(wires: &Wires, op: Op, rows: usize, cols: usize) -> Frame {
        let (m, n, r_in, r_out, t_in, t_out, nmax_in) = match op {
            Op::Mvm => (
                rows,
                cols,
                wires.r_row,
                wires.r_col,
                wires.r_row_terminal,
                wires.r_col_terminal,
                wires.rows_max,
            ),
            Op::Vmm => (
                cols,
                rows,
                wires.r_col,
                wires.r_row,
                wires.r_col_terminal,
                wires.r_row_terminal,
                wires.cols_max,
            ),
        };
        let separate_source = !wires.current_from_input;
        let unused = if separate_source { nmax_in.saturating_sub(n) } else { 0 };
        // Unused lines lengthen the output line's last segment ("top") or the
        // supply line's first one ("bottom") by one segment each.
        let extra = (unused + 1) as f64;
        let (mut r_out_end, mut r_in_end) = (r_out, r_in);
        if unused > 0 {
            match wires.selected_rows {
                SelectedRows::Top => r_out_end = r_out * extra,
                SelectedRows::Bottom => r_in_end = r_in * extra,
            }
        }
        Frame {
            op,
            rows,
            cols,
            m,
            n,
            separate_source,
            r_out,
            r_in,
            r_out_end: r_out_end + t_out,
            r_in_end: r_in_end + t_in,
            t_out,
            t_in,
            unused,
            selected_rows: wires.selected_rows,
        }
    }

    /// Index into the array's `g` of frame cell `(i, j)`.
    #[inline]
    pub fn cell(&self, i: usize, j: usize) -> usize {
        match self.op {
            Op::Mvm => i * self.cols + j,
            Op::Vmm => (self.rows - 1 - j) * self.cols + (self.cols - 1 - i),
        }
    }

    /// Index into the input vector of frame input line `j`.
    #[inline]
    pub fn input(&self, j: usize) -> usize {
        match self.op {
            Op::Mvm => j,
            Op::Vmm => self.rows - 1 - j,
        }
    }

    /// Index into the output vector of frame output line `i`.
    #[inline]
    pub fn output(&self, i: usize) -> usize {
        match self.op {
            Op::Mvm => i,
            Op::Vmm => self.cols - 1 - i,
        }
    }

    /// The frame's cells of the array `g` (`m × n`, row-major).
    pub fn cells(&self, g: &[f64]) -> Vec<f64> {
        let mut c = Vec::with_capacity(self.m * self.n);
        for i in 0..self.m {
            c.extend((0..self.n).map(|j| g[self.cell(i, j)]));
        }
        c
    }

    /// How output lines tie their cells together.
    pub fn out_kind(&self) -> LineKind {
        LineKind::of(self.r_out, self.r_out_end)
    }

    /// How input (or supply) lines tie their cells together.
    pub fn in_kind(&self) -> LineKind {
        LineKind::of(self.r_in, self.r_in_end)
    }
}
