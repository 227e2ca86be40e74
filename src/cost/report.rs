//! Energy, latency and area of a core's reads, and their JSON form
//! (`xbar_core_cost_json`).

use super::counts::Tally;
use super::laws::conversion_energy;
use super::library::Figures;
use crate::mapping::bitsliced::SliceArrays;
use crate::mapping::Mapping;
use crate::params::{ArrayLaw, CostLibrary, Params};
use serde_json::{json, Value};

/// Energy (J) of a tally, by component.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Energy {
    /// The array term under `xbar.cost.array.law`.
    pub array: f64,
    /// The cells' dissipation `t_read·Σ V²·G`, whatever the law.
    pub array_cells: f64,
    /// The DACs' conversions.
    pub dac: f64,
    /// The ADCs' conversions.
    pub adc: f64,
    /// The sample-and-hold events.
    pub sample_hold: f64,
    /// The digital shift-and-add operations.
    pub shift_add: f64,
    /// The digital subtractions.
    pub subtract: f64,
    /// The sum of the components (`array`, not `array_cells`, counts).
    pub total: f64,
}

impl Energy {
    /// The energy of `t` with figures `f`: `Σ count·E(law)` per component;
    /// the cells' term is `Σ v²·g · Vread²/Rmin · t_read` (normalised
    /// inputs times Vread volts, normalised conductances times 1/Rmin siemens).
    pub fn of(t: &Tally, f: &Figures, p: &Params) -> Energy {
        let d = &p.xbar.device;
        let array_cells = t.v2g * d.vread * d.vread / d.rmin * f.read_time_s;
        let array = match f.array_law {
            ArrayLaw::Cells => array_cells,
            ArrayLaw::Fixed => t.array_reads as f64 * f.array_read_energy_j,
        };
        let dac = t
            .dac
            .iter()
            .map(|(c, n)| {
                *n as f64 * conversion_energy(f.dac_law, f.dac_energy_j, f.dac_fom_j, f.dac_fom_db, f.dac_enob, c.bits)
            })
            .sum();
        let adc = t
            .adc
            .iter()
            .map(|(c, n)| {
                *n as f64 * conversion_energy(f.adc_law, f.adc_energy_j, f.adc_fom_j, f.adc_fom_db, f.adc_enob, c.bits)
            })
            .sum();
        let sample_hold = t.sample_hold as f64 * f.sample_hold_energy_j;
        let shift_add = t.shift_add as f64 * f.shift_add_energy_j;
        let subtract = t.subtract as f64 * f.subtract_energy_j;
        Energy {
            array,
            array_cells,
            dac,
            adc,
            sample_hold,
            shift_add,
            subtract,
            total: array + dac + adc + sample_hold + shift_add + subtract,
        }
    }
}

/// Area (m²) of a core's arrays and periphery, by component.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Area {
    /// The arrays' cells.
    pub arrays: f64,
    /// The ADCs.
    pub adc: f64,
    /// The DACs.
    pub dac: f64,
    /// The sample-and-holds.
    pub sample_hold: f64,
    /// The shift-and-add units.
    pub shift_add: f64,
    /// The digital subtractors.
    pub subtract: f64,
    /// The sum of the components.
    pub total: f64,
}

impl Area {
    /// The area of `blocks` as laid out for MVM: every cell (reference lines
    /// included); per array a DAC per input line; per output line a
    /// sample-and-hold (two for a pair digitised as G+ and G− apart) and an
    /// ADC per `columns_per_adc` of them; a shift-and-add unit per
    /// `arrays_per_unit` arrays of a block that shifts and adds (weight
    /// slices, or input slices digitised apart); one subtractor per block
    /// that subtracts digitally.
    pub(crate) fn of(blocks: &[Mapping], f: &Figures, p: &Params) -> Area {
        let mut a = Area::default();
        let cpa = f.columns_per_adc.max(1) as usize;
        let dacp = &p.xbar.dac.mvm;
        let input_slices = dacp.input_bitslicing && p.xbar.adc.mvm.adc_per_ibit;
        for b in blocks {
            let arrays = b.arrays();
            let mut n_arrays = 0usize;
            for x in &arrays {
                a.arrays += (x.rows * x.cols) as f64 * f.cell_area_m2;
                a.dac += x.cols as f64 * f.dac_area_m2;
                n_arrays += 1;
            }
            // Per weight slice: its output lines and how many ADC banks read them.
            let units: Vec<(usize, usize)> = match b {
                Mapping::Balanced(m) => vec![(m.pair().pos.rows, pair_banks(m.pair()))],
                Mapping::Offset(m) => vec![(m.array().rows, 1)],
                Mapping::BitSliced(m) => m
                    .slices
                    .iter()
                    .map(|s| match s {
                        SliceArrays::Balanced(p) => (p.pos.rows, pair_banks(p)),
                        SliceArrays::Offset(x) => (x.rows, 1),
                    })
                    .collect(),
            };
            let mut two = false;
            for &(lines, banks) in &units {
                a.sample_hold += (banks * lines) as f64 * f.sample_hold_area_m2;
                a.adc += (banks * lines.div_ceil(cpa)) as f64 * f.adc_area_m2;
                two |= banks == 2;
            }
            if units.len() > 1 || input_slices {
                a.shift_add += n_arrays.div_ceil(f.arrays_per_unit.max(1) as usize) as f64 * f.shift_add_area_m2;
            }
            let offset = !matches!(b, Mapping::Balanced(_))
                && !matches!(b, Mapping::BitSliced(m) if matches!(m.slices.first(), Some(SliceArrays::Balanced(_))));
            if two || offset {
                a.subtract += f.subtract_area_m2;
            }
        }
        a.total = a.arrays + a.adc + a.dac + a.sample_hold + a.shift_add + a.subtract;
        a
    }
}

/// ADC banks of a pair: 2 when G+ and G− are digitised apart, else 1.
fn pair_banks(p: &crate::mapping::pair::Pair) -> usize {
    if !p.subtract && !p.interleaved {
        2
    } else {
        1
    }
}

/// The JSON object of one tally.
fn period(t: &Tally, f: &Figures, p: &Params) -> Value {
    let e = Energy::of(t, f, p);
    let kinds = |list: &[(super::counts::Converter, u64)]| -> Value {
        list.iter()
            .map(|(c, n)| json!({"model": c.model, "bits": c.bits, "count": n}))
            .collect()
    };
    json!({
        "calls": t.calls,
        "vectors": t.vectors,
        "energy_j": {
            "array": e.array,
            "array_cells": e.array_cells,
            "dac": e.dac,
            "adc": e.adc,
            "sample_hold": e.sample_hold,
            "shift_add": e.shift_add,
            "subtract": e.subtract,
            "total": e.total,
        },
        "energy_per_vector_j": if t.vectors > 0 { e.total / t.vectors as f64 } else { 0.0 },
        "latency_s": t.latency_s,
        "power_w": if t.latency_s > 0.0 { e.total / t.latency_s } else { 0.0 },
        "counts": {
            "dac": t.dac_total(),
            "adc": t.adc_total(),
            "sample_hold": t.sample_hold,
            "shift_add": t.shift_add,
            "subtract": t.subtract,
            "array_reads": t.array_reads,
            "dac_by_kind": kinds(&t.dac),
            "adc_by_kind": kinds(&t.adc),
        },
    })
}

/// The whole report: `"last_call"`, `"since_program"`, `"area_m2"` (total)
/// and `"area_parts_m2"`, and the library's name.
pub fn json(last: &Tally, total: &Tally, blocks: &[Mapping], f: &Figures, p: &Params) -> String {
    let area = Area::of(blocks, f, p);
    let v = json!({
        "library": match p.xbar.cost.library {
            CostLibrary::Isaac32nm => "isaac-32nm",
            CostLibrary::None => "none",
        },
        "last_call": period(last, f, p),
        "since_program": period(total, f, p),
        "area_m2": area.total,
        "area_parts_m2": {
            "arrays": area.arrays,
            "adc": area.adc,
            "dac": area.dac,
            "sample_hold": area.sample_hold,
            "shift_add": area.shift_add,
            "subtract": area.subtract,
        },
    });
    serde_json::to_string_pretty(&v).expect("a JSON value always serialises")
}
