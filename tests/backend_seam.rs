//! The backend seam (`src/backend/`): a GPU backend keeps its own copies of
//! the arrays it reads and notices when a program or an update changed them.
//! Run on the emulated device with `XBAR_GPU_EMULATE=1` (needs g++); without
//! a GPU the test says it was skipped.

use xbar::gpu::Gpu;
use xbar::{Core, Layout, Params};

fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

fn gpu_present() -> bool {
    match Gpu::open(0) {
        Ok(_) => true,
        Err(e) => {
            let asked = ["XBAR_GPU_EMULATE", "XBAR_REQUIRE_GPU"]
                .iter()
                .any(|v| std::env::var(v).as_deref() == Ok("1"));
            assert!(!asked, "a GPU was asked for but {e}");
            eprintln!("\n!!!!!!!! SKIPPED: backend seam on the GPU (no GPU: {e}) !!!!!!!!\n");
            false
        }
    }
}

/// Outputs agree to 1e-5·Σ|x| (the f32 product's rounding, as tests/gpu_backend.rs).
fn assert_close(cpu: &[f64], gpu: &[f64], x: &[f64], n_in: usize, what: &str) {
    let per = cpu.len() / (x.len() / n_in);
    for (k, (a, b)) in cpu.iter().zip(gpu).enumerate() {
        let v = k / per;
        let scale: f64 = x[v * n_in..(v + 1) * n_in].iter().map(|x| x.abs()).sum();
        assert!((a - b).abs() <= 1e-5 * scale, "{what}: output {k}: CPU {a}, GPU {b}");
    }
}

#[test]
fn gpu_copies_follow_programs_and_updates() {
    if !gpu_present() {
        return;
    }
    let (rows, cols, batch) = (40, 70, 5);
    let mut cores: Vec<Core> = ["cpu", "cuda"]
        .iter()
        .map(|b| {
            let mut p = Params::default();
            p.xbar.device.infinite_on_off_ratio = true;
            p.set_json("simulation.backend", &format!("\"{b}\"")).unwrap();
            Core::new(&p, rows, cols, 5).unwrap()
        })
        .collect();
    assert!(cores[1].gpu().is_some());
    let x = values(batch * cols, 9);
    let mvm = |c: &mut Core| {
        let mut y = vec![0.0; batch * rows];
        c.mvm(&x, batch, &mut y).unwrap();
        y
    };
    let mut last: Option<Vec<f64>> = None;
    for (step, seed) in [(0, 1u64), (1, 2), (2, 2)] {
        for c in cores.iter_mut() {
            match step {
                // Programmed, then programmed again with other weights.
                0 | 1 => c.program(&values(rows * cols, seed), Layout::RowMajor).unwrap(),
                // An outer-product update.
                _ => c.update(&values(cols, 7), &values(rows, 8), 1, 0.3).unwrap(),
            }
        }
        let (yc, yg) = (mvm(&mut cores[0]), mvm(&mut cores[1]));
        assert_close(&yc, &yg, &x, cols, &format!("step {step}"));
        if let Some(prev) = &last {
            assert!(
                prev.iter().zip(&yg).any(|(a, b)| (a - b).abs() > 1e-3),
                "step {step}: the GPU read the old conductances"
            );
        }
        last = Some(yg);
    }
}
