//! The crossbar as a resistor network: node numbering, the sparse pattern of
//! its nodal conductance matrix, and the assembly of values, right-hand sides
//! and output currents.
//!
//! # Unknowns: deviations from the ideal potentials
//!
//! With ideal wires every input line sits at its input voltage `v_j` (supply
//! lines and output lines at 0 V), so cell `(i, j)` sees `e = v_j` (`-v_j` for
//! the negative cell of an interleaved pair). The unknowns are the deviations
//! `d` of the node potentials from those ideal values: the IR drops. A cell
//! between input-side node `a` and output-side node `o` then carries
//!
//! `I = G · (e + d_a − d_o)`   (`d = 0` at a node of an ideal line),
//!
//! and Kirchhoff's current law gives `K d = b`, where `K` is the ordinary nodal
//! conductance matrix (cells plus wire segments, each line tied to its fixed
//! end through its end segment) and `b` injects the ideal cell currents:
//! `b_a −= G e`, `b_o += G e`. Solving for the small drops rather than the
//! potentials keeps their relative accuracy. The same form covers separate
//! supply lines, where `e` acts as a source in series with the cell.
//!
//! The output current of line `i` is the sum of its cells' currents.
//!
//! # Numbering
//!
//! Separate source: the output lines are independent ladders (output line,
//! supply line(s), cells as rungs), numbered one after another with the nodes
//! of one cell position together, so the natural order is a band.
//! Current from the input: output-line nodes first (`i·n + j`), then
//! input-line nodes line by line (`(j·m + i)·P + p`); a nested-dissection
//! order (see `ordering`) is used when both kinds of line are chains.

use super::wires::{Frame, LineKind};

/// "No node": the line is ideal here.
pub(crate) const NONE: u32 = u32::MAX;

/// The network of one read; see the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub frame: Frame,
    /// 1, or 2 for interleaved pairs (polarity 0 = positive, 1 = negative).
    pub pols: usize,
    pub out_kind: LineKind,
    pub in_kind: LineKind,
    /// Number of unknown node potentials.
    pub nodes: usize,
    /// Per cell `(p·m + i)·n + j`: its input-side and output-side node.
    pub cell_in: Vec<u32>,
    pub cell_out: Vec<u32>,
    /// Per cell: the slot of its off-diagonal entry in `values` (or `NONE`).
    cell_slot: Vec<u32>,
    /// Upper triangle of `K` in compressed columns (rows sorted, diagonal last).
    pub col_ptr: Vec<usize>,
    pub row_idx: Vec<usize>,
    /// Slot of each node's diagonal entry.
    diag_slot: Vec<usize>,
    /// The wire part of `K` (cells are added by `assemble`).
    base: Vec<f64>,
}

/// A wire segment or a cell: a conductance between two nodes, or between a
/// node and a fixed potential (`q == NONE`).
#[derive(Clone, Copy)]
struct Edge {
    p: u32,
    q: u32,
    g: f64,
}

impl Network {
    /// The network of `frame` with `pols` cells per crossing.
    pub fn new(frame: Frame, pols: usize) -> Network {
        let out_kind = frame.out_kind();
        let in_kind = frame.in_kind();
        let mut net = Network {
            frame,
            pols,
            out_kind,
            in_kind,
            nodes: 0,
            cell_in: Vec::new(),
            cell_out: Vec::new(),
            cell_slot: Vec::new(),
            col_ptr: Vec::new(),
            row_idx: Vec::new(),
            diag_slot: Vec::new(),
            base: Vec::new(),
        };
        net.number();
        let edges = net.wire_edges();
        net.build_pattern(&edges);
        net
    }

    /// Assigns node numbers: fills `nodes`, `cell_in` and `cell_out`.
    fn number(&mut self) {
        let (m, n, pols) = (self.frame.m, self.frame.n, self.pols);
        let count = |kind: LineKind, per_chain: usize, per_lumped: usize| match kind {
            LineKind::Chain => per_chain,
            LineKind::Lumped => per_lumped,
            LineKind::Ideal => 0,
        };
        let cells = pols * m * n;
        self.cell_in = vec![NONE; cells];
        self.cell_out = vec![NONE; cells];
        let to_u32 = |v: usize| u32::try_from(v).expect("circuit too large for 32-bit node numbers");
        if self.frame.separate_source {
            // Per output line: chain slots per cell position, then lumped slots.
            let in_chain = count(self.in_kind, pols, 0);
            let out_chain = count(self.out_kind, 1, 0);
            let in_lumped = count(self.in_kind, 0, pols);
            let out_lumped = count(self.out_kind, 0, 1);
            let k_chain = in_chain + out_chain;
            let group = n * k_chain + in_lumped + out_lumped;
            self.nodes = m * group;
            for p in 0..pols {
                for i in 0..m {
                    for j in 0..n {
                        let c = (p * m + i) * n + j;
                        let base = i * group;
                        self.cell_in[c] = match self.in_kind {
                            LineKind::Chain => to_u32(base + j * k_chain + p),
                            LineKind::Lumped => to_u32(base + n * k_chain + p),
                            LineKind::Ideal => NONE,
                        };
                        self.cell_out[c] = match self.out_kind {
                            LineKind::Chain => to_u32(base + j * k_chain + in_chain),
                            LineKind::Lumped => to_u32(base + n * k_chain + in_lumped),
                            LineKind::Ideal => NONE,
                        };
                    }
                }
            }
        } else {
            let n_out = count(self.out_kind, m * n, m);
            let n_in = count(self.in_kind, pols * m * n, pols * n);
            self.nodes = n_out + n_in;
            for p in 0..pols {
                for i in 0..m {
                    for j in 0..n {
                        let c = (p * m + i) * n + j;
                        self.cell_out[c] = match self.out_kind {
                            LineKind::Chain => to_u32(i * n + j),
                            LineKind::Lumped => to_u32(i),
                            LineKind::Ideal => NONE,
                        };
                        self.cell_in[c] = match self.in_kind {
                            LineKind::Chain => to_u32(n_out + (j * m + i) * pols + p),
                            LineKind::Lumped => to_u32(n_out + j * pols + p),
                            LineKind::Ideal => NONE,
                        };
                    }
                }
            }
        }
    }

    /// Node of the input-side line of polarity `p` at cell `(i, j)`.
    #[inline]
    pub fn in_node(&self, p: usize, i: usize, j: usize) -> u32 {
        self.cell_in[(p * self.frame.m + i) * self.frame.n + j]
    }

    /// Node of output line `i` at cell `(i, j)`.
    #[inline]
    pub fn out_node(&self, i: usize, j: usize) -> u32 {
        self.cell_out[i * self.frame.n + j]
    }

    /// Every wire segment (conductance `1/r`), including the end segments to
    /// the fixed potentials.
    fn wire_edges(&self) -> Vec<Edge> {
        let f = &self.frame;
        let (m, n) = (f.m, f.n);
        let mut edges = Vec::new();
        // Output lines: along j, terminal after j = n-1.
        for i in 0..m {
            match self.out_kind {
                LineKind::Chain => {
                    for j in 0..n.saturating_sub(1) {
                        edges.push(Edge {
                            p: self.out_node(i, j),
                            q: self.out_node(i, j + 1),
                            g: 1.0 / f.r_out,
                        });
                    }
                    if n > 0 {
                        edges.push(Edge {
                            p: self.out_node(i, n - 1),
                            q: NONE,
                            g: 1.0 / f.r_out_end,
                        });
                    }
                }
                LineKind::Lumped if n > 0 => {
                    edges.push(Edge {
                        p: self.out_node(i, 0),
                        q: NONE,
                        g: 1.0 / f.r_out_end,
                    });
                }
                _ => {}
            }
        }
        // Input-side lines.
        for p in 0..self.pols {
            if f.separate_source {
                // Supply line i along j, source before j = 0.
                for i in 0..m {
                    match self.in_kind {
                        LineKind::Chain if n > 0 => {
                            edges.push(Edge {
                                p: self.in_node(p, i, 0),
                                q: NONE,
                                g: 1.0 / f.r_in_end,
                            });
                            for j in 1..n {
                                let (a, b) = (self.in_node(p, i, j - 1), self.in_node(p, i, j));
                                edges.push(Edge {
                                    p: a,
                                    q: b,
                                    g: 1.0 / f.r_in,
                                });
                            }
                        }
                        LineKind::Lumped if n > 0 => {
                            edges.push(Edge {
                                p: self.in_node(p, i, 0),
                                q: NONE,
                                g: 1.0 / f.r_in_end,
                            });
                        }
                        _ => {}
                    }
                }
            } else {
                // Input line j along i, driver before i = 0.
                for j in 0..n {
                    match self.in_kind {
                        LineKind::Chain if m > 0 => {
                            edges.push(Edge {
                                p: self.in_node(p, 0, j),
                                q: NONE,
                                g: 1.0 / f.r_in_end,
                            });
                            for i in 1..m {
                                let (a, b) = (self.in_node(p, i - 1, j), self.in_node(p, i, j));
                                edges.push(Edge {
                                    p: a,
                                    q: b,
                                    g: 1.0 / f.r_in,
                                });
                            }
                        }
                        LineKind::Lumped if m > 0 => {
                            edges.push(Edge {
                                p: self.in_node(p, 0, j),
                                q: NONE,
                                g: 1.0 / f.r_in_end,
                            });
                        }
                        _ => {}
                    }
                }
            }
        }
        edges
    }

    /// Builds the upper-triangular pattern of `K` from the wire edges and the
    /// cells, and the wire part of its values.
    fn build_pattern(&mut self, edges: &[Edge]) {
        let nodes = self.nodes;
        // Off-diagonal pairs as (column, row) with row < column.
        let pair = |a: u32, b: u32| -> Option<(usize, usize)> {
            if a == NONE || b == NONE || a == b {
                None
            } else {
                let (a, b) = (a as usize, b as usize);
                Some((a.max(b), a.min(b)))
            }
        };
        let cell_pairs = self
            .cell_in
            .iter()
            .zip(&self.cell_out)
            .filter_map(|(&a, &o)| pair(a, o));
        let wire_pairs = edges.iter().filter_map(|e| pair(e.p, e.q));
        let mut counts = vec![1usize; nodes]; // the diagonal
        for (c, _) in cell_pairs.clone().chain(wire_pairs.clone()) {
            counts[c] += 1;
        }
        let mut ptr = Vec::with_capacity(nodes + 1);
        ptr.push(0usize);
        for &k in &counts {
            ptr.push(ptr.last().unwrap() + k);
        }
        let mut fill = ptr[..nodes].to_vec();
        let mut rows = vec![0usize; ptr[nodes]];
        for (c, r) in cell_pairs.chain(wire_pairs) {
            rows[fill[c]] = r;
            fill[c] += 1;
        }
        for (c, f) in fill.iter().enumerate() {
            rows[*f] = c;
        }
        // Sort and deduplicate each column (several lumped cells may share a pair).
        let mut col_ptr = Vec::with_capacity(nodes + 1);
        col_ptr.push(0usize);
        let mut out = 0usize;
        for c in 0..nodes {
            let (s, e) = (ptr[c], ptr[c + 1]);
            rows[s..e].sort_unstable();
            let mut last = usize::MAX;
            for k in s..e {
                if rows[k] != last {
                    last = rows[k];
                    rows[out] = last;
                    out += 1;
                }
            }
            col_ptr.push(out);
        }
        rows.truncate(out);
        self.col_ptr = col_ptr;
        self.row_idx = rows;
        self.diag_slot = (0..nodes).map(|c| self.col_ptr[c + 1] - 1).collect();
        self.cell_slot = self
            .cell_in
            .iter()
            .zip(&self.cell_out)
            .map(|(&a, &o)| match pair(a, o) {
                Some((c, r)) => self.slot(c, r) as u32,
                None => NONE,
            })
            .collect();
        let mut base = vec![0.0; self.row_idx.len()];
        for e in edges {
            self.add_conductance(&mut base, e.p, e.q, e.g, pair(e.p, e.q).map(|(c, r)| self.slot(c, r)));
        }
        self.base = base;
    }

    /// Position of entry `(r, c)` (`r <= c`) in the values.
    fn slot(&self, c: usize, r: usize) -> usize {
        let (s, e) = (self.col_ptr[c], self.col_ptr[c + 1]);
        s + self.row_idx[s..e].binary_search(&r).expect("entry in the pattern")
    }

    /// Stamps conductance `g` between `p` and `q` (either may be a fixed potential).
    #[inline]
    fn add_conductance(&self, values: &mut [f64], p: u32, q: u32, g: f64, off: Option<usize>) {
        if p != NONE {
            values[self.diag_slot[p as usize]] += g;
        }
        if q != NONE {
            values[self.diag_slot[q as usize]] += g;
        }
        if let Some(s) = off {
            values[s] -= g;
        }
    }

    /// Values of `K` for frame cells `cells` (`pols × m × n`), with the cells
    /// of input line `j` switched off where `active[j]` is false.
    pub fn assemble(&self, cells: &[f64], active: Option<&[bool]>, values: &mut Vec<f64>) {
        values.clear();
        values.extend_from_slice(&self.base);
        self.each_cell(cells, active, |c, g, _| {
            let slot = self.cell_slot[c];
            let off = (slot != NONE).then_some(slot as usize);
            self.add_conductance(values, self.cell_in[c], self.cell_out[c], g, off);
        });
    }

    /// Calls `f(cell index, G, sign)` for every switched-on cell with `G ≠ 0`
    /// (`sign` is −1 for the negative cells of a pair).
    #[inline]
    pub fn each_cell(&self, cells: &[f64], active: Option<&[bool]>, mut f: impl FnMut(usize, f64, f64)) {
        let (m, n) = (self.frame.m, self.frame.n);
        if n == 0 {
            return;
        }
        for (r, row) in cells.chunks_exact(n).enumerate() {
            let sign = if r >= m { -1.0 } else { 1.0 };
            for (j, &g) in row.iter().enumerate() {
                if g != 0.0 && active.is_none_or(|a| a[j]) {
                    f(r * n + j, g, sign);
                }
            }
        }
    }

    /// The wire part of `K`'s values (no cells).
    pub fn wire_values(&self) -> &[f64] {
        &self.base
    }

    /// Right-hand side `b` for frame inputs `v` (see the module documentation).
    pub fn rhs(&self, cells: &[f64], active: Option<&[bool]>, v: &[f64], b: &mut [f64]) {
        b.fill(0.0);
        let n = self.frame.n;
        self.each_cell(cells, active, |c, g, sign| {
            let ge = g * (sign * v[c % n]);
            let (a, o) = (self.cell_in[c], self.cell_out[c]);
            if a != NONE {
                b[a as usize] -= ge;
            }
            if o != NONE {
                b[o as usize] += ge;
            }
        });
    }

    /// Output-line currents (frame order) for frame inputs `v` and drops `d`:
    /// `y_i = Σ G (e + d_a − d_o)` over the cells of line `i`.
    pub fn outputs(&self, cells: &[f64], active: Option<&[bool]>, v: &[f64], d: &[f64], y: &mut [f64]) {
        let (m, n) = (self.frame.m, self.frame.n);
        let at = |node: u32| if node == NONE { 0.0 } else { d[node as usize] };
        y[..m].fill(0.0);
        self.each_cell(cells, active, |c, g, sign| {
            let e = sign * v[c % n];
            y[(c / n) % m] += g * (e + at(self.cell_in[c]) - at(self.cell_out[c]));
        });
    }

    /// Power the input drivers deliver (frame inputs `v`, drops `d`):
    /// `Σ e·G·(e + d_a − d_o)` over the cells, `e` the driven voltage of the
    /// cell's input line (every driver's current leaves through its line's
    /// cells), in units of one cell at Gmax under input 1.
    pub fn source_power(&self, cells: &[f64], active: Option<&[bool]>, v: &[f64], d: &[f64]) -> f64 {
        let n = self.frame.n;
        let at = |node: u32| if node == NONE { 0.0 } else { d[node as usize] };
        let mut p = 0.0;
        self.each_cell(cells, active, |c, g, sign| {
            let e = sign * v[c % n];
            p += e * g * (e + at(self.cell_in[c]) - at(self.cell_out[c]));
        });
        p
    }

    /// `‖K‖∞` (largest absolute row sum) of the symmetric `K`.
    pub fn norm_inf(&self, values: &[f64]) -> f64 {
        let mut sums = vec![0.0f64; self.nodes];
        for c in 0..self.nodes {
            let span = self.col_ptr[c]..self.col_ptr[c + 1];
            for (&row, v) in self.row_idx[span.clone()].iter().zip(&values[span]) {
                sums[row] += v.abs();
                if row != c {
                    sums[c] += v.abs();
                }
            }
        }
        sums.into_iter().fold(0.0, f64::max)
    }

    /// `r = b − K d` for the symmetric `K` stored as its upper triangle.
    pub fn residual(&self, values: &[f64], d: &[f64], b: &[f64], r: &mut [f64]) {
        r.copy_from_slice(b);
        for c in 0..self.nodes {
            let span = self.col_ptr[c]..self.col_ptr[c + 1];
            let mut acc = 0.0;
            for (&row, &v) in self.row_idx[span.clone()].iter().zip(&values[span]) {
                acc += v * d[row];
                if row != c {
                    r[row] -= v * d[c];
                }
            }
            r[c] -= acc;
        }
    }
}
