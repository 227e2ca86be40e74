//! The Rust API of `Core`: shapes, layouts, error kinds, outputs left
//! untouched on failure, and the refusal of models this version lacks.

use xbar::{Core, Error, Layout, Params};

fn ideal() -> Params {
    let mut p = Params::default();
    p.xbar.device.infinite_on_off_ratio = true;
    p
}

/// 2x3 dyadic matrix: with an infinite on/off ratio every step is exact.
const W: [f64; 6] = [0.5, -0.25, 1.0, 0.75, 0.0, -1.0];

#[test]
fn row_and_column_major_program_the_same_matrix() {
    let mut a = Core::new(&ideal(), 2, 3, 0).unwrap();
    let mut b = Core::new(&ideal(), 2, 3, 0).unwrap();
    a.program(&W, Layout::RowMajor).unwrap();
    let col_major = [W[0], W[3], W[1], W[4], W[2], W[5]];
    b.program(&col_major, Layout::ColMajor).unwrap();
    let (mut ra, mut rb) = ([0.0; 6], [0.0; 6]);
    a.read(&mut ra, Layout::RowMajor).unwrap();
    b.read(&mut rb, Layout::RowMajor).unwrap();
    assert_eq!(ra, W);
    assert_eq!(rb, W);
    b.read(&mut rb, Layout::ColMajor).unwrap();
    assert_eq!(rb, col_major);
}

#[test]
fn batched_mvm_and_vmm_are_exact_for_ideal_parameters() {
    let mut c = Core::new(&ideal(), 2, 3, 0).unwrap();
    c.program(&W, Layout::RowMajor).unwrap();
    let x = [1.0, 0.5, -0.25, 0.0, -1.0, 0.5];
    let mut y = [0.0; 4];
    c.mvm(&x, 2, &mut y).unwrap();
    assert_eq!(y, [0.125, 1.0, 0.75, -0.5]);
    let v = [1.0, -0.5, 0.25, 0.5];
    let mut yv = [0.0; 6];
    c.vmm(&v, 2, &mut yv).unwrap();
    assert_eq!(yv, [0.125, -0.25, 1.5, 0.5, -0.0625, -0.25]);
    let mut y32 = [0.0f32; 4];
    c.mvm(&x.map(|v| v as f32), 2, &mut y32).unwrap();
    assert_eq!(y32, [0.125, 1.0, 0.75, -0.5]);
}

#[test]
fn errors_name_the_problem_and_leave_outputs_untouched() {
    let mut c = Core::new(&ideal(), 2, 3, 0).unwrap();
    let mut y = [7.0; 2];
    assert!(matches!(c.mvm(&[0.0; 3], 1, &mut y), Err(Error::NotProgrammed(_))));
    c.program(&W, Layout::RowMajor).unwrap();
    match c.mvm(&[0.0; 4], 1, &mut y) {
        Err(Error::Shape(m)) => assert!(m.contains("expected 3") && m.contains("got 4"), "{m}"),
        other => panic!("{other:?}"),
    }
    match c.mvm(&[0.0, f64::NAN, 0.0], 1, &mut y) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("x[1]"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(c.mvm(&[0.0; 3], 1, &mut [0.0; 3]), Err(Error::Shape(_))));
    assert_eq!(y, [7.0; 2]);
    assert!(matches!(
        c.program(&[f64::INFINITY; 6], Layout::RowMajor),
        Err(Error::InvalidArgument(_))
    ));
    let mut back = [0.0; 6];
    c.read(&mut back, Layout::RowMajor).unwrap();
    assert_eq!(back, W, "a failed program leaves the programmed matrix");
    assert!(matches!(Core::new(&ideal(), 0, 3, 0), Err(Error::Shape(_))));
    assert!(matches!(
        c.mvm_complex(&[0.0; 6], 1, &mut [0.0; 4]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        c.update(&[0.0; 3], &[0.0; 2], 1, -0.1),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(c.set_time(f64::NAN), Err(Error::InvalidArgument(_))));
    // No drift model: the arrays do not change with time.
    c.set_time(86400.0).unwrap();
    let mut again = [0.0; 6];
    c.read(&mut again, Layout::RowMajor).unwrap();
    assert_eq!(again, W);
}

#[test]
fn calibrated_adc_without_a_range_is_refused_at_creation() {
    let mut p = ideal();
    p.set_json("xbar.adc.mvm.model", "\"QuantizerADC\"").unwrap();
    p.set_json("xbar.adc.mvm.bits", "8").unwrap();
    match Core::new(&p, 2, 3, 0) {
        Err(Error::Params(m)) => assert!(m.contains("xbar.adc.mvm.calibrated_range"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn models_of_later_versions_are_refused_not_ignored() {
    let cases: &[(&str, &str)] = &[("simulation.analytics.profile_adc_inputs", "true")];
    for (path, value) in cases {
        let mut p = ideal();
        p.set_json(path, value).unwrap_or_else(|e| panic!("{path}: {e}"));
        match Core::new(&p, 2, 3, 0) {
            Err(Error::Unsupported(m)) => assert!(m.starts_with(path.trim_end_matches(".mvm")), "{path}: {m}"),
            other => panic!("{path}: {other:?}"),
        }
    }
}

/// docs/crosssim-differences.md, §16 item 12: with percentile input scaling
/// each vector is scaled by its own range, so a batch gives the same outputs
/// as its vectors one at a time (bit for bit with the in-order kernels of
/// `simulation.disable_fast_matmul`; the batched GEMM sums in another order).
#[test]
fn percentile_inputs_do_not_couple_a_batch() {
    let mut p = ideal();
    p.set_json("simulation.disable_fast_matmul", "true").unwrap();
    p.set_json(
        "core.mapping.inputs.mvm",
        r#"{"min": null, "max": null, "percentile": 1.0}"#,
    )
    .unwrap();
    p.set_json("xbar.dac.mvm", r#"{"model": "SignMagnitudeDAC", "bits": 6}"#)
        .unwrap();
    let mut c = Core::new(&p, 2, 3, 0).unwrap();
    c.program(&W, Layout::RowMajor).unwrap();
    let x = [0.3, -0.7, 0.1, 5.0, 2.0, -3.0];
    let mut batched = [0.0; 4];
    c.mvm(&x, 2, &mut batched).unwrap();
    let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
    c.mvm(&x[..3], 1, &mut a).unwrap();
    c.mvm(&x[3..], 1, &mut b).unwrap();
    assert_eq!(batched, [a[0], a[1], b[0], b[1]]);
}

#[test]
fn presets_build_cores() {
    for name in Params::preset_names() {
        let p = Params::preset(name).unwrap();
        let c = Core::new(&p, 40, 30, 0);
        match c {
            Ok(_) | Err(Error::Unsupported(_)) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

/// A core holds one number per physical cell in the storage precision (4
/// bytes by default) and nothing more per weight, unless a model needs it:
/// the per-cell σ of a conductance-dependent read-noise law, the programmed
/// matrix of a drift model.
#[test]
fn per_cell_state_is_one_stored_number_per_cell_unless_a_model_needs_more() {
    let n = 96;
    let w: Vec<f64> = (0..n * n).map(|k| ((k * 37 % 101) as f64 / 50.0) - 1.0).collect();
    let bytes = |json: &str| {
        let mut c = Core::new(&Params::from_json(json).unwrap(), n, n, 1).unwrap();
        assert_eq!(c.state_bytes(), 0, "{json}: nothing before programming");
        c.program(&w, Layout::RowMajor).unwrap();
        c.state_bytes()
    };
    let cells = 2 * n * n; // a balanced core: G+ and G-
    assert_eq!(bytes("{}"), cells * 4);
    assert_eq!(
        bytes(r#"{"simulation": {"conductance_precision": "float64"}}"#),
        cells * 8
    );
    // Conductance-independent read noise needs no per-cell state.
    let independent = r#"{"xbar": {"device": {"read_noise": {"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}}}}"#;
    assert_eq!(bytes(independent), cells * 4);
    let proportional = r#"{"xbar": {"device": {"read_noise": {"enable": true, "model": "NormalProportionalDevice", "magnitude": 0.01}}}}"#;
    assert_eq!(bytes(proportional), cells * (4 + 8));
    let drift = r#"{"xbar": {"device": {"drift_error": {"enable": true, "model": "PCMLike"}}}}"#;
    assert_eq!(bytes(drift), cells * 4 + n * n * 8);
    let offset = r#"{"core": {"style": "OFFSET"}}"#;
    assert_eq!(bytes(offset), n * n * 4, "one array, digital offset");
}

/// The generic entry points in `f32` are the `f64` path on the widened data,
/// rounded once at the end: with programming and read noise on (the same
/// seed, so the same draws) every `f32` output equals the `f64` output
/// rounded to nearest, bit for bit, for program, read, mvm, vmm and update.
#[test]
fn single_precision_is_the_double_path_rounded_once() {
    let mut p = Params::default();
    p.set_json(
        "xbar.device.read_noise",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.05}"#,
    )
    .unwrap();
    p.set_json(
        "xbar.device.programming_error",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.05}"#,
    )
    .unwrap();
    // Values exact in f32, so both paths see the same numbers.
    let w32: Vec<f32> = (0..6).map(|k| (k as f32 - 2.5) / 4.0).collect();
    let w64: Vec<f64> = w32.iter().map(|&v| v as f64).collect();
    let (mut a, mut b) = (Core::new(&p, 2, 3, 9).unwrap(), Core::new(&p, 2, 3, 9).unwrap());
    a.program(&w64, Layout::ColMajor).unwrap();
    b.program(&w32, Layout::ColMajor).unwrap();
    let rounded = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let (mut r64, mut r32) = (vec![0.0f64; 6], vec![0.0f32; 6]);
    a.read(&mut r64, Layout::RowMajor).unwrap();
    b.read(&mut r32, Layout::RowMajor).unwrap();
    assert_eq!(r32, rounded(&r64));
    let x32 = [0.5f32, -1.0, 0.25, 1.0, 0.0, -0.75];
    let x64 = x32.map(|v| v as f64);
    let (mut y64, mut y32) = ([0.0f64; 4], [0.0f32; 4]);
    a.mvm(&x64, 2, &mut y64).unwrap();
    b.mvm(&x32, 2, &mut y32).unwrap();
    assert_eq!(y32.to_vec(), rounded(&y64));
    let (mut z64, mut z32) = ([0.0f64; 3], [0.0f32; 3]);
    a.vmm(&[0.5, -0.25], 1, &mut z64).unwrap();
    b.vmm(&[0.5f32, -0.25], 1, &mut z32).unwrap();
    assert_eq!(z32.to_vec(), rounded(&z64));
    a.update(&x64[..3], &[1.0, -0.5], 1, 0.125).unwrap();
    b.update(&x32[..3], &[1.0f32, -0.5], 1, 0.125f32).unwrap();
    a.read(&mut r64, Layout::RowMajor).unwrap();
    b.read(&mut r32, Layout::RowMajor).unwrap();
    assert_eq!(r32, rounded(&r64));
    // A failing f32 call leaves its output untouched, as the f64 one does.
    let mut keep = [7.0f32; 4];
    assert!(matches!(b.mvm(&x32[..5], 2, &mut keep), Err(Error::Shape(_))));
    assert_eq!(keep, [7.0; 4]);
}
