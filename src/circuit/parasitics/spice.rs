//! SPICE netlist of one read of one array (or interleaved pair), for checking
//! the solvers with ngspice or inspecting a circuit in any SPICE tool.
//!
//! The netlist is the circuit the exact solver solves (terminal resistances at
//! each line's own driver or terminal), in physical units: input `v` is a
//! source of `v · volts_per_unit` volts, cell conductance `G` a resistor of
//! `Rmin / G` ohms (cells with `G = 0`, and separate-source cells whose input is
//! off, are left out), wire segments `r · Rmin` ohms. Zero-ohm wires are not
//! written: a line with no resistance between its cells is one node.
//!
//! Names use the read's own indices: output `k`, input `l`.
//!
//! * `VX{l}` (`VXN{l}` for the negative cells of an interleaved pair, at
//!   `−v`): input drivers, nodes `x{l}` / `xn{l}`.
//! * `p{k}_{l}` / `q{k}_{l}`: input- or supply-line node of the positive /
//!   negative cell (`p{l}` or `p{k}` for a line lumped into one node).
//! * `o{k}_{l}`: output-line node (`o{k}` when lumped); `t{k}`: the output
//!   terminal, held at 0 V by the sense source `VY{k}` (`t{k}` → 0), whose
//!   current `i(vy{k})` is output `k` in amperes. Divide by
//!   `volts_per_unit / Rmin` for the solver's normalised units.
//! * Separate supply lines start at `sp` / `sn`: sources `VSP` / `VSN` at
//!   `±u·volts_per_unit` when every active input has the same value `u`;
//!   otherwise the supply lines start at ground and each active cell has its
//!   input voltage as a series source `VC…` (the same circuit equations).
//!
//! Nonlinear cells (an [`IvModel`]) are behavioural current sources
//! `BC…  a o I=((c3*V(a,o)+c2)*V(a,o)+c1)*V(a,o)` with the model's coefficients
//! in physical units (`c1 = G/Rmin`, `c2 = a2/(Rmin·V₁)`, `c3 = a3/(Rmin·V₁²)`,
//! V₁ = `volts_per_unit`), and the deck tightens ngspice's Newton tolerances.
//!
//! The deck ends with `.op` and an ngspice `.control` block that runs it,
//! prints every `i(vy{k})` with 15 digits and quits (`ngspice -b deck.cir`);
//! [`parse_ngspice_currents`] reads that output back. Other SPICE programs
//! ignore the control block and run the `.op` card.

use super::network::Network;
use super::problem::Problem;
use super::wires::LineKind;
use crate::array::Op;
use crate::device::iv::IvModel;
use crate::error::{Error, Result};
use std::fmt::Write;

/// The ngspice netlist of the read `p`, whose batch must hold one input
/// vector (a deck is one operating point), with input 1 written as
/// `volts_per_unit` volts (e.g. `xbar.device.Vread`); with `iv` the cells
/// follow that nonlinear I-V law.
pub fn netlist(p: &Problem, volts_per_unit: f64, iv: Option<&IvModel>) -> Result<String> {
    let f = p.frame("SPICE export")?;
    if p.x.count != 1 {
        return Err(Error::shape(format!(
            "SPICE export: a deck holds one input vector, given {}",
            p.x.count
        )));
    }
    let Problem {
        wires,
        op,
        rows,
        cols,
        g,
        gn,
        ..
    } = *p;
    let x = p.x.vector(0);
    if !(wires.rmin_ohm > 0.0 && volts_per_unit.is_finite() && (iv.is_none() || volts_per_unit != 0.0)) {
        return Err(Error::InvalidArgument(
            "SPICE export: Rmin must be > 0 and the volts per unit finite (and non-zero for nonlinear cells)".into(),
        ));
    }
    let net = Network::new(f.clone(), if gn.is_some() { 2 } else { 1 });
    let mut deck = Deck::new(wires.rmin_ohm, volts_per_unit);
    let dir = match op {
        Op::Mvm => "MVM",
        Op::Vmm => "VMM",
    };
    let mode = if f.separate_source {
        "separate supply lines"
    } else {
        "current from the input lines"
    };
    deck.line(&format!("* xbar crossbar {dir}, {rows}x{cols} array, {mode}"));
    deck.line(&format!(
        "* Rmin = {} ohm, input 1 = {} V; output k = i(vy<k>) in A; normalised = A * Rmin / V",
        wires.rmin_ohm, volts_per_unit
    ));
    let pols = net.pols;
    let v: Vec<f64> = (0..f.n).map(|j| x[f.input(j)]).collect();
    let cells: Vec<Vec<f64>> = std::iter::once(g).chain(gn).map(|a| f.cells(a)).collect();
    let sign = |p: usize| if p == 0 { 1.0 } else { -1.0 };
    let side = |p: usize| if p == 0 { "p" } else { "q" };
    let (k_of, l_of) = (|i: usize| f.output(i), |j: usize| f.input(j));
    let active = |j: usize| !f.separate_source || v[j].abs() > super::linear::ACTIVE_INPUT;

    // Output lines and their sense sources.
    let out_name = |i: usize, j: usize| match net.out_kind {
        LineKind::Chain => format!("o{}_{}", k_of(i), l_of(j)),
        LineKind::Lumped => format!("o{}", k_of(i)),
        LineKind::Ideal => format!("t{}", k_of(i)),
    };
    for i in 0..f.m {
        let k = k_of(i);
        deck.line(&format!("VY{k} t{k} 0 DC 0"));
        if f.n == 0 {
            continue;
        }
        if net.out_kind == LineKind::Chain {
            for j in 0..f.n - 1 {
                deck.resistor(
                    &format!("RO{k}_{}", l_of(j)),
                    &out_name(i, j),
                    &out_name(i, j + 1),
                    f.r_out,
                );
            }
        }
        if net.out_kind != LineKind::Ideal {
            deck.resistor(&format!("RT{k}"), &out_name(i, f.n - 1), &format!("t{k}"), f.r_out_end);
        }
    }

    // Input-side lines.
    let uniform = uniform_input(&v);
    let in_name = |p: usize, i: usize, j: usize| -> String {
        let s = side(p);
        match (net.in_kind, f.separate_source) {
            (LineKind::Chain, _) => format!("{s}{}_{}", k_of(i), l_of(j)),
            (LineKind::Lumped, false) => format!("{s}{}", l_of(j)),
            (LineKind::Lumped, true) => format!("{s}{}", k_of(i)),
            (LineKind::Ideal, false) => format!("x{}{}", if p == 0 { "" } else { "n" }, l_of(j)),
            (LineKind::Ideal, true) => supply_node(p, uniform),
        }
    };
    for p in 0..pols {
        if f.separate_source {
            if let Some(u) = uniform {
                let name = if p == 0 { "VSP" } else { "VSN" };
                let value = deck.volts(sign(p) * u);
                deck.line(&format!("{name} {} 0 DC {value}", supply_node(p, uniform)));
            }
            for i in 0..f.m {
                let src = supply_node(p, uniform);
                let k = k_of(i);
                match net.in_kind {
                    LineKind::Chain if f.n > 0 => {
                        deck.resistor(
                            &format!("RS{}{k}_{}", side(p), l_of(0)),
                            &src,
                            &in_name(p, i, 0),
                            f.r_in_end,
                        );
                        for j in 1..f.n {
                            let name = format!("RS{}{k}_{}", side(p), l_of(j));
                            deck.resistor(&name, &in_name(p, i, j - 1), &in_name(p, i, j), f.r_in);
                        }
                    }
                    LineKind::Lumped if f.n > 0 => {
                        deck.resistor(&format!("RS{}{k}", side(p)), &src, &in_name(p, i, 0), f.r_in_end);
                    }
                    _ => {}
                }
            }
        } else {
            for (j, &vj) in v.iter().enumerate() {
                let l = l_of(j);
                let drv = format!("x{}{l}", if p == 0 { "" } else { "n" });
                let value = deck.volts(sign(p) * vj);
                deck.line(&format!("VX{}{l} {drv} 0 DC {value}", if p == 0 { "" } else { "N" }));
                match net.in_kind {
                    LineKind::Chain if f.m > 0 => {
                        deck.resistor(
                            &format!("RI{}{l}_{}", side(p), k_of(0)),
                            &drv,
                            &in_name(p, 0, j),
                            f.r_in_end,
                        );
                        for i in 1..f.m {
                            let name = format!("RI{}{l}_{}", side(p), k_of(i));
                            deck.resistor(&name, &in_name(p, i - 1, j), &in_name(p, i, j), f.r_in);
                        }
                    }
                    LineKind::Lumped if f.m > 0 => {
                        deck.resistor(&format!("RI{}{l}", side(p)), &drv, &in_name(p, 0, j), f.r_in_end);
                    }
                    _ => {}
                }
            }
        }
    }

    // Cells.
    for (p, c) in cells.iter().enumerate() {
        for i in 0..f.m {
            for j in 0..f.n {
                let gij = c[i * f.n + j];
                if gij == 0.0 || !active(j) {
                    continue;
                }
                let (k, l) = (k_of(i), l_of(j));
                let name = format!("RC{}{k}_{l}", side(p));
                let mut a = in_name(p, i, j);
                if f.separate_source && uniform.is_none() {
                    // The input as a source in series with the cell.
                    let mid = format!("m{}{k}_{l}", side(p));
                    let value = deck.volts(sign(p) * v[j]);
                    deck.line(&format!("VC{}{k}_{l} {mid} {a} DC {value}", side(p)));
                    a = mid;
                }
                let o = out_name(i, j);
                match iv {
                    None => deck.line(&format!("{name} {a} {o} {:e}", wires.rmin_ohm / gij)),
                    Some(model) => {
                        let (a2, a3) = model.coefficients(gij);
                        let (r, u) = (wires.rmin_ohm, volts_per_unit);
                        let (c1, c2, c3) = (gij / r, a2 / (r * u), a3 / (r * u * u));
                        let vv = format!("V({a},{o})");
                        deck.line(&format!("B{name} {a} {o} I=(({c3:e}*{vv}+{c2:e})*{vv}+{c1:e})*{vv}"));
                    }
                }
            }
        }
    }

    if iv.is_some() {
        // ngspice's default Newton tolerances (reltol 1e-3) are far looser than the comparison.
        deck.line(".options reltol=1e-12 vntol=1e-15 abstol=1e-20 itl1=1000");
    }
    deck.line(".op");
    deck.line(".control");
    deck.line("set numdgt=15");
    deck.line("run");
    // A few print commands (each costs ngspice a pass), 32 currents apiece.
    let names: Vec<String> = (0..f.m).map(|k| format!("i(vy{k})")).collect();
    for chunk in names.chunks(32) {
        deck.line(&format!("print {}", chunk.join(" ")));
    }
    deck.line("quit");
    deck.line(".endc");
    deck.line(".end");
    Ok(deck.text)
}

/// The common value of the active (`|v| > 1e-9`) inputs, if they share one.
fn uniform_input(v: &[f64]) -> Option<f64> {
    let mut it = v.iter().copied().filter(|e| e.abs() > super::linear::ACTIVE_INPUT);
    let first = it.next().unwrap_or(0.0);
    it.all(|e| e == first).then_some(first)
}

/// The node a supply line of polarity `p` starts from.
fn supply_node(p: usize, uniform: Option<f64>) -> String {
    match uniform {
        Some(_) => if p == 0 { "sp" } else { "sn" }.to_string(),
        None => "0".to_string(),
    }
}

/// A netlist being written.
struct Deck {
    text: String,
    rmin: f64,
    volts_per_unit: f64,
}

impl Deck {
    fn new(rmin: f64, volts_per_unit: f64) -> Deck {
        Deck {
            text: String::new(),
            rmin,
            volts_per_unit,
        }
    }
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }
    /// A wire resistor of normalised resistance `r` (in ohms: `r · Rmin`).
    fn resistor(&mut self, name: &str, a: &str, b: &str, r: f64) {
        let _ = writeln!(self.text, "{name} {a} {b} {:e}", r * self.rmin);
    }
    fn volts(&self, v: f64) -> String {
        format!("{:e}", v * self.volts_per_unit)
    }
}

/// Reads the currents `i(vy{k})`, `k = 0..outputs`, from ngspice's output
/// for a deck written by [`netlist`] (amperes, in output order).
pub fn parse_ngspice_currents(stdout: &str, outputs: usize) -> Result<Vec<f64>> {
    let mut y = vec![f64::NAN; outputs];
    for line in stdout.lines() {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let Some(k) = name.strip_prefix("i(vy").and_then(|s| s.strip_suffix(')')) else {
            continue;
        };
        let (Ok(k), Ok(val)) = (k.parse::<usize>(), value.trim().parse::<f64>()) else {
            continue;
        };
        if k < outputs {
            y[k] = val;
        }
    }
    match y.iter().position(|v| v.is_nan()) {
        Some(k) => Err(Error::Parse(format!("ngspice output has no value for i(vy{k})"))),
        None => Ok(y),
    }
}
