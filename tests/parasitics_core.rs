//! Wire resistance through the whole core: every core style, MVM and VMM,
//! read noise, and the CrossSim-compatible solver.

use xbar::{Core, Error, Layout, Params};

const R: usize = 24;
const C: usize = 32;

fn matrix() -> Vec<f64> {
    (0..R * C).map(|k| ((k * 7 % 11) as f64 - 5.0) / 5.0).collect()
}

fn run(p: &Params) -> (Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..2 * C).map(|k| ((k * 3 % 7) as f64 - 3.0) / 3.0).collect();
    let v: Vec<f64> = (0..2 * R).map(|k| ((k * 5 % 9) as f64 - 4.0) / 4.0).collect();
    let mut c = Core::new(p, R, C, 3).unwrap();
    c.program(&matrix(), Layout::RowMajor).unwrap();
    let (mut y, mut yv) = (vec![0.0; 2 * R], vec![0.0; 2 * C]);
    c.mvm(&x, 2, &mut y).unwrap();
    c.vmm(&v, 2, &mut yv).unwrap();
    (y, yv)
}

fn rel(a: &[f64], b: &[f64]) -> f64 {
    let s = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max) / s
}

/// For each core style: small wire resistance perturbs the ideal result a
/// little (IR drop), zero resistance reproduces it.
#[test]
fn every_core_style_reads_through_the_network() {
    for style in [r#""BALANCED""#, r#""OFFSET""#, r#""BITSLICED""#] {
        let mut p = Params::default();
        p.set_json("core.style", style).unwrap();
        p.core.weight_bits = 8;
        let (y0, v0) = run(&p);
        p.set_json(
            "xbar.array.parasitics",
            r#"{"enable": true, "Rp_row": 0.0, "Rp_col": 0.0}"#,
        )
        .unwrap();
        let (y, v) = run(&p);
        assert_eq!(
            (y.clone(), v.clone()),
            (y0.clone(), v0.clone()),
            "{style}: inactive wires change nothing"
        );
        p.set_json("xbar.array.parasitics", r#"{"Rp_row": 0.1, "Rp_col": 0.1}"#)
            .unwrap();
        let (y, v) = run(&p);
        let (ey, ev) = (rel(&y, &y0), rel(&v, &v0));
        // 0.1 Ω per segment against Rmin = 1 kΩ on a 24 x 32 array: about a percent of IR drop.
        assert!(ey > 1e-4 && ey < 0.1, "{style}: MVM deviation {ey}");
        assert!(ev > 1e-4 && ev < 0.1, "{style}: VMM deviation {ev}");
    }
}

/// Read noise with parasitics: the network is solved per vector; reproducible per seed.
#[test]
fn read_noise_with_parasitics_is_reproducible() {
    let mut p = Params::default();
    p.set_json(
        "xbar.array.parasitics",
        r#"{"enable": true, "Rp_row": 1.0, "Rp_col": 1.0}"#,
    )
    .unwrap();
    p.set_json(
        "xbar.device.read_noise",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}"#,
    )
    .unwrap();
    assert_eq!(run(&p), run(&p));
    let mut q = p.clone();
    q.set_json("simulation.parasitic_solver", r#""crosssim""#).unwrap();
    let mut c = Core::new(&q, R, C, 3).unwrap();
    c.program(&matrix(), Layout::RowMajor).unwrap();
    let mut y = vec![0.0; R];
    assert!(matches!(c.mvm(&vec![0.5; C], 1, &mut y), Err(Error::Unsupported(_))));
}

/// CrossSim's relaxation and the exact solver agree to its stopping threshold.
#[test]
fn crosssim_solver_agrees_with_the_exact_one() {
    let mut p = Params::default();
    p.set_json(
        "xbar.array.parasitics",
        r#"{"enable": true, "Rp_row": 0.5, "Rp_col": 0.5}"#,
    )
    .unwrap();
    let (y, _) = run(&p);
    p.set_json("simulation.parasitic_solver", r#""crosssim""#).unwrap();
    p.set_json("simulation.Verr_th_mvm", "1e-9").unwrap();
    let x: Vec<f64> = (0..2 * C).map(|k| ((k * 3 % 7) as f64 - 3.0) / 3.0).collect();
    let mut c = Core::new(&p, R, C, 3).unwrap();
    c.program(&matrix(), Layout::RowMajor).unwrap();
    let mut yc = vec![0.0; 2 * R];
    c.mvm(&x, 2, &mut yc).unwrap();
    // A voltage-error threshold of 1e-9 leaves output errors of the same order.
    assert!(rel(&yc, &y) < 1e-6, "{}", rel(&yc, &y));
}
