//! aihwkit's tile periphery gives bit-identical results with 1, 2 and 8
//! threads, every noise source on, several tiles, bound management
//! active, a two-pass backward. (Its own binary: the thread count is process-wide.)

use xbar::{set_num_threads, Core, Layout, Params};

fn run() -> (Vec<f64>, Vec<f64>) {
    let mut p = Params::default();
    for (k, v) in [
        ("aihwkit.enable", "true"),
        ("aihwkit.mapping.max_input_size", "48"),
        ("aihwkit.mapping.max_output_size", "40"),
        ("aihwkit.forward.out_bound", "3"),
        ("aihwkit.forward.inp_noise", "0.01"),
        ("aihwkit.forward.inp_sto_round", "true"),
        ("aihwkit.forward.out_sto_round", "true"),
        ("aihwkit.forward.out_noise_std", "0.3"),
        ("aihwkit.forward.w_noise", "0.02"),
        ("aihwkit.forward.w_noise_type", "\"PCM_READ\""),
        ("aihwkit.forward.ir_drop", "1"),
        ("aihwkit.forward.ir_drop_g_ratio", "100"),
        ("aihwkit.forward.out_nonlinearity", "0.5"),
        ("aihwkit.forward.out_nonlinearity_std", "0.2"),
        ("aihwkit.forward.v_offset_std", "0.05"),
        ("aihwkit.forward.r_series", "0.01"),
        ("aihwkit.backward.out_noise", "0.1"),
        ("aihwkit.backward.w_noise", "0.05"),
        ("aihwkit.backward.w_noise_type", "\"ADDITIVE_CONSTANT\""),
        ("aihwkit.backward.noise_management", "\"AVERAGE_ABS_MAX\""),
        ("aihwkit.backward.mv_type", "\"POS_NEG_SEPARATE_DIGITAL_SUM\""),
        ("aihwkit.backward.w_read_asymmetry_dtod", "0.05"),
        (
            "xbar.device.programming_error",
            r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.02}"#,
        ),
    ] {
        p.set_json(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    let (rows, cols, batch) = (100, 130, 37);
    let w: Vec<f64> = (0..rows * cols)
        .map(|k| ((k * 7919 % 101) as f64 - 50.0) / 50.0)
        .collect();
    let x: Vec<f64> = (0..batch * cols)
        .map(|k| ((k * 31 % 23) as f64 - 11.0) / 11.0)
        .collect();
    let d: Vec<f64> = (0..batch * rows).map(|k| ((k * 17 % 19) as f64 - 9.0) / 9.0).collect();
    let mut c = Core::new(&p, rows, cols, 9).unwrap();
    c.program(&w, Layout::RowMajor).unwrap();
    let mut y = vec![0.0; batch * rows];
    c.mvm(&x, batch, &mut y).unwrap();
    let mut g = vec![0.0; batch * cols];
    c.vmm(&d, batch, &mut g).unwrap();
    (y, g)
}

#[test]
fn bit_identical_at_any_thread_count() {
    set_num_threads(1);
    let one = run();
    assert!(one.0.iter().chain(&one.1).all(|v| v.is_finite()));
    for n in [2, 8] {
        set_num_threads(n);
        let many = run();
        assert_eq!(
            many.0.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            one.0.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "MVM with {n} threads"
        );
        assert_eq!(
            many.1.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            one.1.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "VMM with {n} threads"
        );
    }
}
