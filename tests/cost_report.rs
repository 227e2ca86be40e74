//! The cost model against ISAAC (Shafiee et al., ISCA 2016): with the
//! "isaac-32nm" library and ISAAC's dataflow, one in-situ multiply-accumulate
//! unit (IMA) draws the paper's 22.6 mW in its analog part, 71 % of it in the
//! ADCs, over the published component areas; the JSON report's layout; the
//! parameters' checks.

use serde_json::Value;
use xbar::internals::cost::library::*;
use xbar::{Core, Layout, Params};

/// ISAAC's dataflow on one IMA: a 128 × 128 matrix of 16-bit weights on 8
/// offset weight slices of 2 bits (8 arrays of 128 × 128), 16-bit unsigned
/// inputs applied one bit per cycle, one 8-bit ADC per array digitising every
/// input bit.
fn isaac_params() -> Params {
    let mut p = Params::preset("ISAAC").unwrap();
    for (k, v) in [
        ("core.offset.style", "\"DIGITAL_OFFSET\""),
        ("core.mapping.inputs.mvm", r#"{"min": 0.0, "max": 1.0}"#),
        (
            "xbar.dac.mvm",
            r#"{"model": "QuantizerDAC", "bits": 16, "signed": false, "input_bitslicing": true, "slice_size": 1}"#,
        ),
        ("xbar.adc.mvm", r#"{"model": "QuantizerADC", "bits": 8}"#),
    ] {
        p.set_json(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    assert_eq!(
        p.xbar.cost,
        xbar::params::CostParams::default(),
        "the default library is isaac-32nm"
    );
    p
}

fn isaac_core() -> Core {
    let p = isaac_params();
    let mut c = Core::new(&p, 128, 128, 3).unwrap();
    let w: Vec<f64> = (0..128 * 128)
        .map(|k| ((k * 7919 % 2001) as f64 - 1000.0) / 1000.0)
        .collect();
    c.program(&w, Layout::RowMajor).unwrap();
    c
}

#[test]
fn isaac_ima_power_adc_share_and_area() {
    let mut c = isaac_core();
    assert_eq!(c.num_blocks(), 1);
    let batch = 4;
    let x: Vec<f64> = (0..batch * 128).map(|k| (k % 97) as f64 / 97.0).collect();
    let mut y = vec![0.0; batch * 128];
    c.mvm(&x, batch, &mut y).unwrap();
    let (last, _) = c.cost_tallies();
    // 16 input bits, each one 100 ns cycle of the 8 arrays.
    let cycles = 16.0 * batch as f64;
    assert!(
        (last.latency_s - cycles * ISAAC_CYCLE_S).abs() < 1e-9 * last.latency_s,
        "{}",
        last.latency_s
    );
    let (e, _) = c.cost_energy();
    let analog = e.array + e.adc + e.dac + e.sample_hold + e.shift_add;
    let power = analog / last.latency_s;
    // The paper: 22.6 mW (24.1 mW per IMA with the input and output registers), within 1 %.
    assert!((power - 22.6e-3).abs() <= 0.01 * 22.6e-3, "IMA analog power {power} W");
    // And exactly the sum of the published parts: 16 + 4 + 0.01 + 2.4 + 0.2 mW.
    let parts = ISAAC_ADC_W + ISAAC_DAC_W + ISAAC_SH_W + ISAAC_ARRAY_W + ISAAC_SA_W;
    assert!((power - parts).abs() <= 1e-9 * parts, "{power} vs {parts}");
    let share = e.adc / analog;
    assert!((share - 0.71).abs() < 0.005, "ADC share {share}");
    // Each component's power is its published figure.
    for (name, got, want) in [
        ("adc", e.adc, ISAAC_ADC_W),
        ("dac", e.dac, ISAAC_DAC_W),
        ("sample_hold", e.sample_hold, ISAAC_SH_W),
        ("array", e.array, ISAAC_ARRAY_W),
        ("shift_add", e.shift_add, ISAAC_SA_W),
    ] {
        let w = got / last.latency_s;
        assert!((w - want).abs() <= 1e-9 * want, "{name}: {w} W vs {want} W");
    }
    // Area: the published areas of the same parts, 0.01025 mm².
    let a = c.cost_area();
    let analog_area = a.arrays + a.adc + a.dac + a.sample_hold + a.shift_add;
    let mm2 = ISAAC_ADC_MM2 + ISAAC_DAC_MM2 + ISAAC_SH_MM2 + ISAAC_ARRAY_MM2 + ISAAC_SA_MM2;
    assert!(
        (analog_area - mm2 * 1e-6).abs() <= 1e-9 * analog_area,
        "{analog_area} m²"
    );
    assert!((a.adc / analog_area - ISAAC_ADC_MM2 / mm2).abs() < 1e-12);
}

#[test]
fn a_law_changes_the_energy_it_governs() {
    let mut p = isaac_params();
    // Walden at ENOB 6 instead of 8: a quarter of the ADC energy, nothing else moves.
    p.set_json("xbar.cost.adc.enob", "6").unwrap();
    let mut c = Core::new(&p, 128, 128, 3).unwrap();
    c.program(&vec![0.5; 128 * 128], Layout::RowMajor).unwrap();
    let mut d = isaac_core();
    let x = vec![0.25; 128];
    let mut y = vec![0.0; 128];
    c.mvm(&x, 1, &mut y).unwrap();
    d.mvm(&x, 1, &mut y).unwrap();
    let (e6, e8) = (c.cost_energy().0, d.cost_energy().0);
    assert!((e6.adc * 4.0 - e8.adc).abs() <= 1e-12 * e8.adc);
    assert_eq!(e6.dac, e8.dac);
    // A ramp ADC at the SAR's clock: 2^8 instead of 9 clock periods per conversion.
    p.set_json("xbar.cost.adc.timing", "\"ramp\"").unwrap();
    let mut r = Core::new(&p, 128, 128, 3).unwrap();
    r.program(&vec![0.5; 128 * 128], Layout::RowMajor).unwrap();
    r.mvm(&x, 1, &mut y).unwrap();
    let t_ramp = r.cost_tallies().0.latency_s;
    let t_conv = 128.0 * 256.0 / (1.28e9 * 9.0);
    assert!((t_ramp - 16.0 * t_conv).abs() <= 1e-12 * t_ramp, "{t_ramp}");
}

#[test]
fn json_report_layout() {
    let mut c = isaac_core();
    let x = vec![0.5; 256];
    let mut y = vec![0.0; 256];
    c.mvm(&x, 2, &mut y).unwrap();
    c.mvm(&x[..128], 1, &mut y[..128]).unwrap();
    let v: Value = serde_json::from_str(&c.cost_json().unwrap()).unwrap();
    for period in ["last_call", "since_program"] {
        let p = &v[period];
        for k in ["array", "dac", "adc", "sample_hold", "shift_add", "total"] {
            assert!(p["energy_j"][k].is_f64(), "{period}.energy_j.{k}");
        }
        for k in ["dac", "adc", "sample_hold", "shift_add", "array_reads"] {
            assert!(p["counts"][k].is_u64(), "{period}.counts.{k}");
        }
        assert!(p["latency_s"].as_f64().unwrap() > 0.0);
        let e = &p["energy_j"];
        let sum: f64 = ["array", "dac", "adc", "sample_hold", "shift_add", "subtract"]
            .iter()
            .map(|k| e[k].as_f64().unwrap())
            .sum();
        assert!((sum - e["total"].as_f64().unwrap()).abs() <= 1e-12 * sum);
    }
    assert_eq!(v["last_call"]["vectors"], 1);
    assert_eq!(v["since_program"]["vectors"], 3);
    assert_eq!(v["since_program"]["counts"]["array_reads"], 3 * 8 * 16);
    assert_eq!(v["since_program"]["counts"]["adc_by_kind"][0]["bits"], 8);
    assert!((v["area_m2"].as_f64().unwrap() - c.cost_area().total).abs() == 0.0);
    assert_eq!(v["library"], "isaac-32nm");
    // Not programmed: an error, not zeros.
    let fresh = Core::new(&isaac_params(), 4, 4, 1).unwrap();
    assert!(matches!(fresh.cost_json(), Err(xbar::Error::NotProgrammed(_))));
}

#[test]
fn bad_figures_name_their_path() {
    let mut p = Params::default();
    let err = p.set_json("xbar.cost.adc.energy_j", "-1").unwrap_err().to_string();
    assert!(err.contains("xbar.cost.adc.energy_j"), "{err}");
    let err = p.set_json("xbar.cost.adc.clock_hz", "0").unwrap_err().to_string();
    assert!(err.contains("xbar.cost.adc.clock_hz"), "{err}");
    let err = p
        .set_json("xbar.cost.adc.columns_per_adc", "0")
        .unwrap_err()
        .to_string();
    assert!(err.contains("xbar.cost.adc.columns_per_adc"), "{err}");
    let err = p.set_json("xbar.cost.adc.law", "\"linear\"").unwrap_err().to_string();
    assert!(err.contains("xbar.cost.adc.law"), "{err}");
    let err = p.set_json("xbar.cost.library", "\"isaac\"").unwrap_err().to_string();
    assert!(err.contains("xbar.cost.library"), "{err}");
    assert_eq!(p, Params::default(), "a failed set leaves the parameters unchanged");
    p.set_json(
        "xbar.cost",
        r#"{"library": "none", "sample_hold": {"energy_j": 1e-15}}"#,
    )
    .unwrap();
    assert_eq!(p.xbar.cost.sample_hold.energy_j, Some(1e-15));
}
