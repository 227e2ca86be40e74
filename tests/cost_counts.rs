//! Event counts of the cost model against hand counts for small cores: every
//! mapping, input bit slicing, per-slice ADCs, G+/G− digitised apart,
//! reference lines and tiling; the array term against a hand sum; identical
//! counts at any thread count and linear in the batch.

use xbar::{set_num_threads, Converter, Core, Layout, Params, Tally};

/// A 3 × 4 matrix with entries of both signs (weights in [-1, 1]).
const W: [f64; 12] = [0.5, -0.25, 1.0, 0.0, -1.0, 0.75, 0.125, -0.5, 0.25, 0.5, -0.75, 0.375];

fn params(patches: &[(&str, &str)]) -> Params {
    let mut p = Params::default();
    p.set_json("xbar.dac.mvm", r#"{"model": "QuantizerDAC", "bits": 8}"#)
        .unwrap();
    p.set_json(
        "xbar.adc.mvm",
        r#"{"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"}"#,
    )
    .unwrap();
    for (k, v) in patches {
        p.set_json(k, v).unwrap_or_else(|e| panic!("{k} = {v}: {e}"));
    }
    p
}

/// Runs `batch` MVMs (or VMMs) of a `rows × cols` core and returns the last call's tally.
fn tally(p: &Params, rows: usize, cols: usize, batch: usize, vmm: bool) -> Tally {
    let mut c = Core::new(p, rows, cols, 7).unwrap();
    let w: Vec<f64> = (0..rows * cols).map(|k| W[k % W.len()]).collect();
    c.program(&w, Layout::RowMajor).unwrap();
    let n_in = if vmm { rows } else { cols };
    let n_out = if vmm { cols } else { rows };
    let x: Vec<f64> = (0..batch * n_in).map(|k| ((k * 7 % 11) as f64 - 5.0) / 6.0).collect();
    let mut y = vec![0.0; batch * n_out];
    if vmm {
        c.vmm(&x, batch, &mut y).unwrap();
    } else {
        c.mvm(&x, batch, &mut y).unwrap();
    }
    let (last, total) = c.cost_tallies();
    assert_eq!(last, total, "one call since programming");
    last.clone()
}

/// (DAC, ADC, sample-and-hold, shift-add, subtract, array reads) of a tally.
fn counts(t: &Tally) -> [u64; 6] {
    [
        t.dac_total(),
        t.adc_total(),
        t.sample_hold,
        t.shift_add,
        t.subtract,
        t.array_reads,
    ]
}

#[test]
fn balanced_pair_subtracted_in_analog() {
    // Per vector: 2 arrays × 4 input lines DAC conversions, 3 lines digitised once.
    let t = tally(&params(&[]), 3, 4, 2, false);
    assert_eq!(counts(&t), [16, 6, 6, 0, 0, 4]);
    assert_eq!(
        t.dac,
        vec![(
            Converter {
                model: "QuantizerDAC",
                bits: 8
            },
            16
        )]
    );
    assert_eq!(
        t.adc,
        vec![(
            Converter {
                model: "QuantizerADC",
                bits: 8
            },
            6
        )]
    );
    assert_eq!((t.calls, t.vectors), (1, 2));
    // VMM: 3 inputs drive the 3 rows of both arrays, 4 output lines.
    let t = tally(&params(&[]), 3, 4, 1, true);
    assert_eq!(counts(&t), [6, 4, 4, 0, 0, 2]);
}

#[test]
fn balanced_pair_digitised_apart() {
    let p = params(&[("core.balanced.subtract_current_in_xbar", "false")]);
    // G+ and G− lines each converted, then one subtraction per output.
    assert_eq!(counts(&tally(&p, 3, 4, 1, false)), [8, 6, 6, 0, 3, 2]);
}

#[test]
fn offset_digital_and_reference_line() {
    let p = params(&[("core.style", "\"OFFSET\"")]);
    assert_eq!(counts(&tally(&p, 3, 4, 1, false)), [4, 3, 3, 0, 3, 1]);
    let p = params(&[
        ("core.style", "\"OFFSET\""),
        ("core.offset.style", "\"UNIT_COLUMN_SUBTRACTION\""),
    ]);
    // MVM: the reference line is a fourth output line, subtracted from each output.
    assert_eq!(counts(&tally(&p, 3, 4, 1, false)), [4, 4, 4, 0, 3, 1]);
    // VMM: the reference line gets 0 V (no DAC), the offset is removed digitally.
    assert_eq!(counts(&tally(&p, 3, 4, 1, true)), [3, 4, 4, 0, 4, 1]);
}

#[test]
fn input_bit_slices() {
    // Sign-magnitude, 5 bits: 4 magnitude bits in 2 slices of 2 bits.
    let dac = (
        "xbar.dac.mvm",
        r#"{"model": "SignMagnitudeDAC", "bits": 5, "input_bitslicing": true, "slice_size": 2}"#,
    );
    let p = params(&[dac, ("xbar.adc.mvm.adc_per_ibit", "true")]);
    let t = tally(&p, 3, 4, 1, false);
    // Each slice read and digitised: 2 × 3 conversions, each shifted and added.
    assert_eq!(counts(&t), [16, 6, 6, 6, 0, 4]);
    assert_eq!(
        t.dac,
        vec![(
            Converter {
                model: "SignMagnitudeDAC",
                bits: 2
            },
            16
        )]
    );
    // Slices accumulated in analog: one conversion per line, nothing to shift.
    let p = params(&[dac]);
    assert_eq!(counts(&tally(&p, 3, 4, 1, false)), [16, 3, 3, 0, 0, 4]);
}

#[test]
fn weight_slices() {
    let sliced = [("core.style", "\"BITSLICED\""), ("core.weight_bits", "8")];
    // Two balanced slices: 4 arrays, one ADC per slice, every slice output shifted and added.
    let t = tally(&params(&sliced), 3, 4, 1, false);
    assert_eq!(counts(&t), [16, 6, 6, 6, 0, 4]);
    // Offset slices with Gmin > 0: per slice one Gmin removal per output, then the final offset.
    let mut p = params(&sliced);
    p.set_json("core.bit_sliced.style", "\"OFFSET\"").unwrap();
    assert!(p.xbar.device.gmin_norm() > 0.0);
    assert_eq!(counts(&tally(&p, 3, 4, 1, false)), [8, 6, 6, 6, 9, 2]);
    // With input slices digitised apart as well: 2 slices × 2 weight slices × 3 lines.
    p.set_json(
        "xbar.dac.mvm",
        r#"{"model": "SignMagnitudeDAC", "bits": 5, "input_bitslicing": true, "slice_size": 2}"#,
    )
    .unwrap();
    p.set_json("xbar.adc.mvm.adc_per_ibit", "true").unwrap();
    assert_eq!(counts(&tally(&p, 3, 4, 1, false)), [16, 12, 12, 12, 9, 4]);
}

#[test]
fn tiles() {
    // 5 × 6 on arrays of at most 4 inputs (rows_max) and 3 outputs (cols_max):
    // inputs 3 + 3, outputs 2 + 3: four blocks of 2 arrays each.
    let p = params(&[("core.rows_max", "4"), ("core.cols_max", "3")]);
    let t = tally(&p, 5, 6, 1, false);
    // DAC: 4 blocks × 2 arrays × 3 inputs; ADC: 2 column blocks × (2 + 3) lines.
    assert_eq!(counts(&t), [24, 10, 10, 0, 0, 8]);
}

#[test]
fn array_term_is_the_hand_sum_of_v2_g() {
    // Ideal converters, inputs in [-1, 1] (scale 1), weights mapped by max|W| = 1:
    // one-sided G+ + G− = 2·gmin + grange·|w|.
    let p = Params::default();
    let mut c = Core::new(&p, 3, 4, 1).unwrap();
    c.program(&W, Layout::RowMajor).unwrap();
    let x = [0.5, -1.0, 0.25, 0.75];
    let mut y = [0.0; 3];
    c.mvm(&x, 1, &mut y).unwrap();
    let gmin = p.xbar.device.gmin_norm();
    let grange = 1.0 - gmin;
    let mut want = 0.0;
    for (j, xj) in x.iter().enumerate() {
        let col: f64 = (0..3).map(|i| 2.0 * gmin + grange * W[i * 4 + j].abs()).sum();
        want += xj * xj * col;
    }
    let got = c.cost_tallies().0.v2g;
    // Conductances are stored in single precision: 1e-6 relative.
    assert!((got - want).abs() <= 1e-6 * want, "{got} vs {want}");
    // In joules: t_read · Vread² / Rmin · Σ v²g.
    let f = c.cost_figures();
    let d = &p.xbar.device;
    let e = c.cost_energy().0.array_cells;
    let joules = got * d.vread * d.vread / d.rmin * f.read_time_s;
    assert!((e - joules).abs() <= 1e-12 * joules, "{e} vs {joules}");
}

#[test]
fn counts_add_up_over_calls_and_reset() {
    let mut c = Core::new(&params(&[]), 3, 4, 7).unwrap();
    c.program(&W, Layout::RowMajor).unwrap();
    let mut y = [0.0; 6];
    c.mvm(&[0.5; 8], 2, &mut y).unwrap();
    c.mvm(&[0.5; 4], 1, &mut y[..3]).unwrap();
    let (last, total) = c.cost_tallies();
    assert_eq!(counts(last), [8, 3, 3, 0, 0, 2]);
    assert_eq!(counts(total), [24, 9, 9, 0, 0, 6]);
    assert_eq!((total.calls, total.vectors), (2, 3));
    c.reset_cost();
    assert_eq!(c.cost_tallies().1, &Tally::default());
    // Programming starts the count again.
    c.mvm(&[0.5; 4], 1, &mut y[..3]).unwrap();
    c.program(&W, Layout::RowMajor).unwrap();
    assert_eq!(c.cost_tallies().1.calls, 0);
}

/// A noisy bit-sliced core with input slices: its tally after a batch.
fn sliced_run(batch: usize) -> (Tally, f64) {
    let mut p = params(&[
        ("core.style", "\"BITSLICED\""),
        ("core.weight_bits", "8"),
        ("core.rows_max", "40"),
        ("core.cols_max", "24"),
        (
            "xbar.dac.mvm",
            r#"{"model": "SignMagnitudeDAC", "bits": 7, "input_bitslicing": true, "slice_size": 2}"#,
        ),
        ("xbar.adc.mvm.adc_per_ibit", "true"),
        ("xbar.cost.array.law", "\"cells\""),
    ]);
    p.set_json(
        "xbar.device.read_noise",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.05}"#,
    )
    .unwrap();
    let (rows, cols) = (50, 70);
    let mut c = Core::new(&p, rows, cols, 11).unwrap();
    let w: Vec<f64> = (0..rows * cols)
        .map(|k| ((k * 37 % 101) as f64 - 50.0) / 50.0)
        .collect();
    c.program(&w, Layout::RowMajor).unwrap();
    let v: Vec<f64> = (0..cols).map(|k| ((k * 13 % 17) as f64 - 8.0) / 8.0).collect();
    let x: Vec<f64> = (0..batch).flat_map(|_| v.iter().copied()).collect();
    let mut y = vec![0.0; batch * rows];
    c.mvm(&x, batch, &mut y).unwrap();
    (c.cost_tallies().0.clone(), c.cost_energy().0.total)
}

#[test]
fn counts_do_not_depend_on_the_thread_count_and_are_linear_in_the_batch() {
    set_num_threads(1);
    let (one, e_one) = sliced_run(16);
    for n in [2, 4] {
        set_num_threads(n);
        let (many, e_many) = sliced_run(16);
        assert_eq!(one, many, "{n} threads");
        assert_eq!(e_one.to_bits(), e_many.to_bits(), "{n} threads");
    }
    set_num_threads(0);
    // The same vector 16 times costs 16 times one vector: counts exactly,
    // the array term to rounding of its sum (1e-12 relative).
    let (single, e_single) = sliced_run(1);
    assert_eq!(counts(&one), counts(&single).map(|n| 16 * n));
    assert!(
        (e_one - 16.0 * e_single).abs() <= 1e-12 * e_one,
        "{e_one} vs 16 x {e_single}"
    );
    assert!((one.latency_s - 16.0 * single.latency_s).abs() <= 1e-12 * one.latency_s);
}

#[test]
fn counting_without_reading_gives_the_tally_of_the_read() {
    let p = params(&[
        ("core.rows_max", "4"),
        ("core.cols_max", "3"),
        ("xbar.cost.array.law", "\"cells\""),
    ]);
    let mut c = Core::new(&p, 5, 6, 7).unwrap();
    let w: Vec<f64> = (0..30).map(|k| W[k % W.len()]).collect();
    c.program(&w, Layout::RowMajor).unwrap();
    let x: Vec<f64> = (0..18).map(|k| ((k * 7 % 11) as f64 - 5.0) / 6.0).collect();
    let replay = c.cost_replay(&x, 3, true).unwrap();
    assert_eq!(c.cost_replay(&x, 3, false).unwrap(), Tally::default());
    assert_eq!(c.cost_tallies().1, &Tally::default(), "not recorded");
    let mut y = vec![0.0; 15];
    c.mvm(&x, 3, &mut y).unwrap();
    assert_eq!(&replay, c.cost_tallies().0);
}

#[test]
fn switched_off_counting_and_restored_cores_start_at_zero() {
    let p = params(&[("xbar.cost.enable", "false")]);
    let t = tally(&p, 3, 4, 2, false);
    assert_eq!(t, Tally::default());
    // A saved core does not keep its counters: the restored one starts at zero.
    let mut c = Core::new(&params(&[]), 3, 4, 7).unwrap();
    c.program(&W, Layout::RowMajor).unwrap();
    let mut y = [0.0; 3];
    c.mvm(&[0.5; 4], 1, &mut y).unwrap();
    assert_eq!(c.cost_tallies().1.calls, 1);
    let mut r = Core::from_bytes(&c.to_bytes().unwrap()).unwrap();
    assert_eq!(r.cost_tallies().1, &Tally::default());
    r.mvm(&[0.5; 4], 1, &mut y).unwrap();
    assert_eq!(r.cost_tallies().1, c.cost_tallies().1);
}

#[test]
fn vmm_array_term_sums_the_rows() {
    // VMM input i drives row i of both arrays: Σ_i v_i² Σ_j (G+ + G−)_ij.
    let p = Params::default();
    let mut c = Core::new(&p, 3, 4, 1).unwrap();
    c.program(&W, Layout::RowMajor).unwrap();
    let v = [0.5, -1.0, 0.25];
    let mut y = [0.0; 4];
    c.vmm(&v, 1, &mut y).unwrap();
    let gmin = p.xbar.device.gmin_norm();
    let want: f64 = (0..3)
        .map(|i| {
            v[i] * v[i]
                * (0..4)
                    .map(|j| 2.0 * gmin + (1.0 - gmin) * W[i * 4 + j].abs())
                    .sum::<f64>()
        })
        .sum();
    let got = c.cost_tallies().0.v2g;
    assert!((got - want).abs() <= 1e-6 * want, "{got} vs {want}");
}

/// Reads through aihwkit's tile periphery are not counted (docs/models.md,
/// section 10): the report stays at zero however many reads run.
#[test]
fn reads_through_aihwkit_tiles_are_not_counted() {
    let p = xbar::Params::preset("aihwkit-inference").unwrap();
    let mut core = xbar::Core::new(&p, 8, 16, 3).unwrap();
    let w: Vec<f64> = (0..8 * 16).map(|k| ((k % 7) as f64 - 3.0) / 10.0).collect();
    core.program(&w, xbar::Layout::RowMajor).unwrap();
    let mut y = vec![0.0; 8 * 4];
    core.mvm(&vec![0.5; 16 * 4], 4, &mut y).unwrap();
    let (last, total) = core.cost_energy();
    assert_eq!((last.total, total.total), (0.0, 0.0), "{}", core.cost_json().unwrap());
    assert!(y.iter().any(|&v| v != 0.0), "the read itself ran");
}
