//! The worked examples of the model specification (§17.1): a 3x4 dyadic matrix
//! run through one configuration per row, compared with CrossSim 3.2's outputs.
//! Rows marked "xbar fix" expect the corrected value where CrossSim is wrong
//! (docs/crosssim-differences.md); the comment names the spec §16 item.

use xbar::{Core, Layout, Params};

const W: [f64; 12] = [
    0.75, -0.5, 0.25, 0.0, 1.0, 0.125, -0.375, -1.0, -0.25, 0.5, 0.625, 0.875,
];
const X: [f64; 4] = [0.5, -0.25, 1.0, -0.75];
const V: [f64; 3] = [0.5, -1.0, 0.25];
const X_ABS: [f64; 4] = [0.5, 0.25, 1.0, 0.75];
const V_ABS: [f64; 3] = [0.5, 1.0, 0.25];
/// Same operation order as CrossSim except summation order inside products:
/// a few ulps at most on outputs of magnitude ~1.
const TOL: f64 = 1e-12;

enum Want {
    Values(&'static [f64]),
}

struct Example {
    id: &'static str,
    inf: bool,
    set: &'static [(&'static str, &'static str)],
    mvm: &'static [f64],
    vmm: Want,
    unsigned_inputs: bool,
}

const fn ex(
    id: &'static str,
    inf: bool,
    set: &'static [(&'static str, &'static str)],
    mvm: &'static [f64],
    vmm: Want,
) -> Example {
    Example {
        id,
        inf,
        set,
        mvm,
        vmm,
        unsigned_inputs: false,
    }
}

fn examples() -> Vec<Example> {
    use Want::*;
    vec![
        ex(
            "T1",
            true,
            &[],
            &[0.75, 0.84375, -0.28125],
            Values(&[-0.6875, -0.25, 0.65625, 1.21875]),
        ),
        ex(
            "T2",
            false,
            &[],
            &[0.7499999718533622, 0.8437499590218067, -0.2812499718533622],
            Values(&[
                -0.6874999983443154,
                -0.2500000099341075,
                0.6562500033113692,
                1.2187499635749393,
            ]),
        ),
        ex(
            "T2b",
            false,
            &[("core.balanced.style", "\"TWO_SIDED\"")],
            &[0.7499999966886309, 0.843749965230624, -0.2812500298023224],
            Values(&[
                -0.6875000066227384,
                -0.24999997682041594,
                0.656250019868215,
                1.2187499801317851,
            ]),
        ),
        ex(
            "T3",
            false,
            &[("core.style", "\"OFFSET\"")],
            &[0.7499999999999999, 0.8437499999999999, -0.28124999999999983],
            Values(&[-0.6875, -0.24999999999999992, 0.6562500000000001, 1.21875]),
        ),
        // xbar fix, §16 item 20: CrossSim cannot run a VMM on a unit-column core;
        // xbar removes the offset digitally and gives T3's values.
        ex(
            "T3b",
            false,
            &[
                ("core.style", "\"OFFSET\""),
                ("core.offset.style", "\"UNIT_COLUMN_SUBTRACTION\""),
            ],
            &[0.7499999999999999, 0.8437499999999999, -0.28124999999999983],
            Values(&[-0.6875, -0.24999999999999992, 0.6562500000000001, 1.21875]),
        ),
        ex(
            "T4",
            true,
            &[("xbar.dac.mvm.model", "\"QuantizerDAC\""), ("xbar.dac.mvm.bits", "8")],
            &[0.7470588235294118, 0.8411764705882353, -0.2784313725490196],
            Values(&[
                -0.6882352941176471,
                -0.25049019607843137,
                0.653921568627451,
                1.2161764705882354,
            ]),
        ),
        ex(
            "T5",
            true,
            &[
                ("xbar.dac.mvm.model", "\"SignMagnitudeDAC\""),
                ("xbar.dac.mvm.bits", "4"),
            ],
            &[0.7142857142857142, 0.7321428571428572, -0.25],
            Values(&[-0.75, -0.1964285714285714, 0.6607142857142858, 1.25]),
        ),
        ex(
            "T6",
            true,
            &[
                ("xbar.adc.mvm.model", "\"QuantizerADC\""),
                ("xbar.adc.mvm.bits", "6"),
                ("xbar.adc.mvm.adc_range_option", "\"MAX\""),
            ],
            &[0.6984126984126986, 0.8253968253968251, -0.31746031746031766],
            Values(&[
                -0.7142857142857144,
                -0.23809523809523814,
                0.6190476190476191,
                1.1904761904761907,
            ]),
        ),
        ex(
            "T7",
            true,
            &[
                ("xbar.adc.mvm.model", "\"QuantizerADC\""),
                ("xbar.adc.mvm.bits", "6"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.7301587301587302, 0.8571428571428572, -0.2857142857142858],
            Values(&[
                -0.6666666666666667,
                -0.22222222222222232,
                0.6666666666666665,
                1.2380952380952381,
            ]),
        ),
        ex(
            "T7b",
            true,
            &[
                ("xbar.adc.mvm.model", "\"SignMagnitudeADC\""),
                ("xbar.adc.mvm.bits", "6"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.774193548387097, 0.838709677419355, -0.25806451612903225],
            Values(&[
                -0.7096774193548387,
                -0.25806451612903225,
                0.6451612903225805,
                1.225806451612903,
            ]),
        ),
        ex(
            "T8",
            true,
            &[("xbar.device.cell_bits", "3")],
            &[0.7857143133878708, 0.7857142798602581, -0.3571428507566452],
            Values(&[
                -0.714285708963871,
                -0.2857142984867096,
                0.7142857313156128,
                1.2142857164144516,
            ]),
        ),
        ex(
            "T8b",
            true,
            &[("xbar.device.cell_bits", "3"), ("core.balanced.style", "\"TWO_SIDED\"")],
            &[0.6071428880095482, 0.7857142761349678, -0.214285708963871],
            Values(&[-0.6785714253783226, -0.2500000223517418, 0.6785714477300644, 1.25]),
        ),
        // xbar fix, §16 item 3: CrossSim scales OFFSET outputs by 6/7 with 3-bit cells; xbar's are CrossSim's x 7/6.
        ex(
            "T9",
            true,
            &[("core.style", "\"OFFSET\""), ("xbar.device.cell_bits", "3")],
            &[
                0.6428571428571428 * 7.0 / 6.0,
                0.7857142857142858 * 7.0 / 6.0,
                -0.3571428571428572 * 7.0 / 6.0,
            ],
            Values(&[
                -0.6428571428571428 * 7.0 / 6.0,
                5.551115123125783e-17 * 7.0 / 6.0,
                0.5714285714285714 * 7.0 / 6.0,
                1.0714285714285714 * 7.0 / 6.0,
            ]),
        ),
        ex(
            "T10",
            true,
            &[("core.style", "\"BITSLICED\""), ("core.weight_bits", "8")],
            &[0.7519685039370079, 0.8405511811023622, -0.2854330708661418],
            Values(&[
                -0.688976377952756,
                -0.2519685039370079,
                0.6594488188976378,
                1.218503937007874,
            ]),
        ),
        ex(
            "T10b",
            true,
            &[
                ("core.style", "\"BITSLICED\""),
                ("core.weight_bits", "8"),
                ("core.bit_sliced.style", "\"OFFSET\""),
            ],
            &[0.7519685039370081, 0.8405511811023619, -0.28543307086614156],
            Values(&[
                -0.6889763779527559,
                -0.25196850393700787,
                0.6594488188976378,
                1.218503937007874,
            ]),
        ),
        // xbar fix, §16 item 20: VMM on a unit-column bit-sliced core gives T10b's values.
        ex(
            "T10c",
            true,
            &[
                ("core.style", "\"BITSLICED\""),
                ("core.weight_bits", "8"),
                ("core.bit_sliced.style", "\"OFFSET\""),
                ("core.offset.style", "\"UNIT_COLUMN_SUBTRACTION\""),
            ],
            &[0.7519685039370079, 0.8405511811023619, -0.28543307086614167],
            Values(&[
                -0.6889763779527559,
                -0.25196850393700787,
                0.6594488188976378,
                1.218503937007874,
            ]),
        ),
        ex(
            "T10e",
            false,
            &[
                ("core.style", "\"BITSLICED\""),
                ("core.weight_bits", "7"),
                ("core.bit_sliced.num_slices", "3"),
            ],
            &[0.7539682539682542, 0.8373015873015873, -0.2896825396825398],
            Values(&[
                -0.6904761904761905,
                -0.25396825396825395,
                0.6626984126984127,
                1.2182539682539681,
            ]),
        ),
        ex(
            "T11",
            true,
            &[
                ("xbar.dac.mvm.model", "\"SignMagnitudeDAC\""),
                ("xbar.dac.mvm.bits", "4"),
                ("xbar.dac.mvm.input_bitslicing", "true"),
            ],
            &[0.7142857142857142, 0.7321428571428571, -0.25],
            Values(&[-0.75, -0.19642857142857142, 0.6607142857142857, 1.25]),
        ),
        ex(
            "T11b",
            true,
            &[
                ("xbar.dac.mvm.model", "\"SignMagnitudeDAC\""),
                ("xbar.dac.mvm.bits", "6"),
                ("xbar.dac.mvm.input_bitslicing", "true"),
                ("xbar.dac.mvm.slice_size", "2"),
                ("xbar.adc.mvm.model", "\"QuantizerADC\""),
                ("xbar.adc.mvm.bits", "5"),
                ("xbar.adc.mvm.adc_per_ibit", "true"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.7180020811654526, 0.780437044745057, -0.21852237252861595],
            Values(&[
                -0.6930280957336107,
                -0.28095733610822043,
                0.5806451612903223,
                1.2174817898022894,
            ]),
        ),
        Example {
            unsigned_inputs: true,
            ..ex(
                "T11c",
                true,
                &[
                    ("xbar.dac.mvm.model", "\"QuantizerDAC\""),
                    ("xbar.dac.mvm.bits", "4"),
                    ("xbar.dac.mvm.signed", "false"),
                    ("xbar.dac.mvm.input_bitslicing", "true"),
                    ("core.mapping.inputs.mvm.min", "0.0"),
                ],
                &[0.5166666666666666, -0.5416666666666666, 1.2666666666666666],
                Values(&[1.3333333333333333, -0.008333333333333333, -0.075, -0.7666666666666666]),
            )
        },
        ex(
            "T12",
            true,
            &[
                ("core.balanced.subtract_current_in_xbar", "false"),
                ("xbar.adc.mvm.model", "\"QuantizerADC\""),
                ("xbar.adc.mvm.bits", "6"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.6984126984126986, 0.8253968253968256, -0.2539682539682542],
            Values(&[
                -0.6349206349206349,
                -0.1904761904761907,
                0.6349206349206349,
                1.2063492063492065,
            ]),
        ),
        ex(
            "T12b",
            true,
            &[
                ("core.balanced.subtract_current_in_xbar", "false"),
                ("xbar.adc.mvm.model", "\"QuantizerADC\""),
                ("xbar.adc.mvm.bits", "6"),
                ("xbar.adc.mvm.adc_range_option", "\"MAX\""),
            ],
            &[0.6349206349206349, 0.7619047619047623, -0.25396825396825395],
            Values(&[
                -0.6666666666666665,
                -0.1904761904761907,
                0.5714285714285716,
                1.2380952380952381,
            ]),
        ),
        // xbar fix, §16 item 2: with weights in [-0.5, 1] CrossSim scales outputs by
        // (max - min)/(2 max); xbar gives the product with the clipped matrix.
        ex(
            "T14",
            true,
            &[(
                "core.mapping.weights",
                r#"{"percentile": null, "min": -0.5, "max": 1.0}"#,
            )],
            &[0.75, 0.46875, -0.28125],
            Values(&[-0.6875, -0.25, 0.65625, 0.71875]),
        ),
        ex(
            "T14b",
            true,
            &[("core.mapping.weights", r#"{"percentile": null, "min": -2, "max": 2}"#)],
            &[0.75, 0.84375, -0.28125],
            Values(&[-0.6875, -0.25, 0.65625, 1.21875]),
        ),
        ex(
            "T14c",
            true,
            &[("core.mapping.weights.percentile", "0.5")],
            &[0.328125, 0.015624999068677425, -0.09375],
            Values(&[-0.140625, -0.1718750037252903, 0.328125, 0.234375]),
        ),
        ex(
            "T15",
            true,
            &[("xbar.array.Icol_max", "0.5")],
            &[0.625, 0.84375, -0.28125],
            Values(&[-0.5625, -0.25, 0.65625, 0.71875]),
        ),
        ex(
            "T17r",
            true,
            &[
                ("xbar.adc.mvm.model", "\"RampADC\""),
                ("xbar.adc.mvm.bits", "4"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.875, 0.875, -0.375],
            Values(&[-0.625, -0.375, 0.625, 1.125]),
        ),
        ex(
            "T17s",
            true,
            &[
                ("xbar.adc.mvm.model", "\"SarADC\""),
                ("xbar.adc.mvm.bits", "4"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.875, 0.875, -0.375],
            Values(&[-0.625, -0.375, 0.625, 1.125]),
        ),
        ex(
            "T17p",
            true,
            &[
                ("xbar.adc.mvm.model", "\"PipelineADC\""),
                ("xbar.adc.mvm.bits", "4"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.875, 0.875, -0.375],
            Values(&[-0.625, -0.125, 0.625, 1.125]),
        ),
        ex(
            "T17c",
            true,
            &[
                ("xbar.adc.mvm.model", "\"CyclicADC\""),
                ("xbar.adc.mvm.bits", "4"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.875, 0.875, -0.375],
            Values(&[-0.625, -0.125, 0.625, 1.125]),
        ),
        ex(
            "T17q",
            true,
            &[
                ("xbar.adc.mvm.model", "\"QuantizerADC\""),
                ("xbar.adc.mvm.bits", "4"),
                ("xbar.adc.mvm.calibrated_range", "[-2, 2]"),
            ],
            &[0.6666666666666665, 0.9333333333333331, -0.3999999999999999],
            Values(&[
                -0.6666666666666667,
                -0.1333333333333333,
                0.6666666666666665,
                1.2000000000000002,
            ]),
        ),
        ex(
            "T18",
            true,
            &[
                (
                    "core.mapping.inputs.mvm",
                    r#"{"min": null, "max": null, "percentile": 1.0}"#,
                ),
                ("xbar.dac.mvm.model", "\"SignMagnitudeDAC\""),
                ("xbar.dac.mvm.bits", "4"),
            ],
            &[0.7142857142857142, 0.7321428571428572, -0.25],
            Values(&[-0.75, -0.1964285714285714, 0.6607142857142858, 1.25]),
        ),
        ex(
            "T18b",
            true,
            &[
                ("core.mapping.inputs.mvm.min", "-2"),
                ("core.mapping.inputs.mvm.max", "2"),
                ("xbar.dac.mvm.model", "\"SignMagnitudeDAC\""),
                ("xbar.dac.mvm.bits", "4"),
            ],
            &[0.7857142857142859, 1.0714285714285716, -0.5],
            Values(&[
                -0.4999999999999999,
                -0.25000000000000017,
                0.6428571428571428,
                1.1071428571428572,
            ]),
        ),
    ]
}

fn close(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| (g - w).abs() <= TOL * w.abs().max(1.0))
}

#[test]
fn spec_section_17_examples() {
    let mut failures = Vec::new();
    for e in examples() {
        let mut p = Params::default();
        // The examples' values are exact; conductances in double precision keep them so.
        p.simulation.conductance_precision = xbar::params::ConductancePrecision::Float64;
        p.xbar.device.infinite_on_off_ratio = e.inf;
        for (path, value) in e.set {
            p.set_json(path, value)
                .unwrap_or_else(|err| panic!("{}: set {path} = {value}: {err}", e.id));
        }
        let mut core = Core::new(&p, 3, 4, 7).unwrap_or_else(|err| panic!("{}: {err}", e.id));
        core.program(&W, Layout::RowMajor).unwrap();
        let (x, v) = if e.unsigned_inputs {
            (&X_ABS[..], &V_ABS[..])
        } else {
            (&X[..], &V[..])
        };
        let mut y = [0.0; 3];
        core.mvm(x, 1, &mut y).unwrap();
        if !close(&y, e.mvm) {
            failures.push(format!("{} MVM: got {y:?}, want {:?}", e.id, e.mvm));
        }
        let mut yv = [0.0; 4];
        let Want::Values(want) = e.vmm;
        match core.vmm(v, 1, &mut yv) {
            Ok(()) if close(&yv, want) => {}
            r => failures.push(format!("{} VMM: got {r:?} {yv:?}, want {want:?}", e.id)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// T10d: 9-bit weights in two offset slices with a unit column. CrossSim's
/// unit line encodes 2^(b_s-1) in the top slice where the offset is 2^(B-1)
/// (§16 item 4) and returns [0.249, 0.340, -0.785]; xbar's unit line holds
/// the digits of 2^(B-1), so the output is the product with 9-bit weights.
#[test]
fn bitsliced_unit_column_with_uneven_slices() {
    let mut p = Params::default();
    p.xbar.device.infinite_on_off_ratio = true;
    for (k, v) in [
        ("core.style", "\"BITSLICED\""),
        ("core.weight_bits", "9"),
        ("core.bit_sliced.style", "\"OFFSET\""),
        ("core.offset.style", "\"UNIT_COLUMN_SUBTRACTION\""),
    ] {
        p.set_json(k, v).unwrap();
    }
    let mut core = Core::new(&p, 3, 4, 7).unwrap();
    core.program(&W, Layout::RowMajor).unwrap();
    let mut y = [0.0; 3];
    core.mvm(&X, 1, &mut y).unwrap();
    // 9-bit weights: each weight within 1/255 of the original (step 2/510),
    // so each output is within Σ|x|/255 = 2.5/255 of the exact product.
    let exact = [0.75, 0.84375, -0.28125];
    for (g, w) in y.iter().zip(exact) {
        assert!((g - w).abs() <= 2.5 / 255.0, "got {y:?}, want about {exact:?}");
    }
}

/// T13: a 10x9 matrix tiled over 4x3 arrays gives the exact product; with a
/// 4-bit ADC of range MAX per array, CrossSim's quantised result.
#[test]
fn partitioned_matrix() {
    let w2: Vec<f64> = (0..10)
        .flat_map(|i| (0..9).map(move |j| (((i + 2 * j) % 9) as f64 - 4.0) / 4.0))
        .collect();
    let x2: Vec<f64> = (0..9).map(|j| ((j % 5) as f64 - 2.0) / 4.0).collect();
    let mut p = Params::default();
    p.xbar.device.infinite_on_off_ratio = true;
    p.core.rows_max = 4;
    p.core.cols_max = 3;
    let mut core = Core::new(&p, 10, 9, 1).unwrap();
    assert_eq!(core.num_blocks(), 12);
    core.program(&w2, Layout::RowMajor).unwrap();
    let mut y = [0.0; 10];
    core.mvm(&x2, 1, &mut y).unwrap();
    assert!(
        close(
            &y,
            &[1.875, 0.625, -0.0625, -0.75, -0.875, -1.0, -0.5625, -0.125, 0.875, 1.875]
        ),
        "{y:?}"
    );
    p.set_json("xbar.adc.mvm.model", "\"QuantizerADC\"").unwrap();
    p.set_json("xbar.adc.mvm.bits", "4").unwrap();
    p.set_json("xbar.adc.mvm.adc_range_option", "\"MAX\"").unwrap();
    let mut core = Core::new(&p, 10, 9, 1).unwrap();
    core.program(&w2, Layout::RowMajor).unwrap();
    core.mvm(&x2, 1, &mut y).unwrap();
    let want = [
        1.8000000000000003,
        0.6000000000000001,
        0.20000000000000018,
        -0.6000000000000001,
        -1.0000000000000004,
        -0.6000000000000005,
        -0.6000000000000001,
        -0.20000000000000018,
        1.0,
        1.8000000000000003,
    ];
    assert!(close(&y, &want), "{y:?}");
}

/// T16: a complex 2x2 matrix; MVM and VMM are exact.
#[test]
fn complex_matrix() {
    let mut p = Params::default();
    p.xbar.device.infinite_on_off_ratio = true;
    p.core.complex_matrix = true;
    let a = [0.5, 0.25, 0.0, -0.75, 1.0, 0.0, -0.5, 0.5];
    let u = [0.5, -0.5, 0.25, 1.0];
    let mut core = Core::new(&p, 2, 2, 1).unwrap();
    core.program_complex(&a, Layout::RowMajor).unwrap();
    let mut y = [0.0; 4];
    core.mvm_complex(&u, 1, &mut y).unwrap();
    assert!(close(&y, &[1.125, -0.3125, -0.125, -0.875]), "{y:?}");
    core.vmm_complex(&u, 1, &mut y).unwrap();
    assert!(close(&y, &[0.625, 0.875, -1.0, -0.75]), "{y:?}");
    let mut back = [0.0; 8];
    core.read_complex(&mut back, Layout::RowMajor).unwrap();
    assert!(close(&back, &a));
}
