//! The product kernels of `kernels/mvm.cu` run on the host (tests/gpu/emulate.cpp:
//! g++, one thread per CUDA lane) against the CPU backend's `Array::read`, for
//! MVM and VMM, f32 and f64, without noise and with Normal and Uniform per-cell
//! read noise (per-cell and uniform σ, clipped and unclipped). This checks the
//! kernels' indexing, stream identity and arithmetic on machines without a
//! GPU; it says nothing about the device's own compiler or libm. Needs g++
//! with C++20; without it the test is skipped loudly (a failure under CI=true).

use std::io::Write;
use std::process::{Command, Stdio};
use xbar::internals::array::{Array, Op, ReadKey};
use xbar::internals::batch::Batch;
use xbar::internals::device::cells::ReadNoise;
use xbar::internals::device::law::{Clip, Dist};

fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// Builds the emulator into the test's temporary folder; `None` (after a loud skip) without g++.
fn build() -> Option<std::path::PathBuf> {
    build_host("emulate")
}

/// Builds `tests/gpu/NAME.cpp` (kernel sources under the host shim
/// `kernels/host/cuda_host.h`) into the test's temporary folder; `None`
/// (after a loud skip) without g++.
fn build_host(name: &str) -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("xbar_gpu_{name}"));
    let out = Command::new("g++")
        .args(["-std=c++20", "-O1", "-ffp-contract=off", "-pthread", "-o"])
        .arg(&exe)
        .arg(root.join(format!("tests/gpu/{name}.cpp")))
        .output();
    match out {
        Ok(o) if o.status.success() => Some(exe),
        Ok(o) => panic!(
            "g++ could not build tests/gpu/{name}.cpp:\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("g++ not found ({e}); CI=true needs it");
            }
            eprintln!("\n!!!!!!!! SKIPPED: GPU kernel host emulation (g++ missing: {e}) !!!!!!!!\n");
            None
        }
    }
}

/// The host shim runs a block's threads at once: shared-memory reductions
/// with barriers, warp shuffles and votes, atomics and early exits give the
/// device's results (tests/gpu/shim_selftest.cpp; each check fails when the
/// threads run one after another).
#[test]
fn host_shim_runs_block_threads_concurrently() {
    let Some(exe) = build_host("shim_selftest") else { return };
    let out = Command::new(&exe).output().expect("the shim self-test runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("7 passed, 0 failed"), "{text}");
}

/// The emulated kernel's outputs for `array` read by `op` with inputs `x`.
fn emulate(exe: &std::path::Path, a: &Array, op: Op, x: &Batch, key: &ReadKey, f64_: bool) -> Vec<f64> {
    let s = key.streams(a.id);
    let n = a.noise.as_ref();
    let kind = match n.map(|n| n.dist) {
        None => 0,
        Some(Dist::Normal) => 1,
        Some(Dist::Uniform) => 2,
    };
    let per_cell = n.is_some_and(|n| n.uniform_sigma.is_none());
    let (lo, hi) = n.map_or((0.0, f64::MAX), |n| (n.clip.lo, n.clip.hi.min(f64::MAX)));
    let mut input = format!(
        "{} {} {} {} {} {} {} {} {kind} {} {:e} {lo:e} {hi:e}\n",
        if op == Op::Mvm { "mvm" } else { "vmm" },
        if f64_ { "f64" } else { "f32" },
        a.rows,
        a.cols,
        x.count,
        s.seed,
        s.array,
        s.call,
        i32::from(per_cell),
        n.and_then(|n| n.uniform_sigma).unwrap_or(0.0),
    );
    let sigma = match n {
        Some(n) if per_cell => n.sigma.clone(),
        _ => vec![0.0; a.g.len()],
    };
    for v in a.g.as_f64().iter().chain(&sigma).chain(&x.data) {
        input += &format!("{v:e}\n");
    }
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "emulator failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

#[test]
fn emulated_kernels_match_the_cpu_reads() {
    let Some(exe) = build() else { return };
    let (rows, cols, count) = (37, 45, 3);
    let g = values(rows * cols, 1, 0.0, 1.0);
    let key = ReadKey {
        seed: 77,
        call: 5,
        slice: 1,
    };
    let noises: Vec<Option<ReadNoise>> = vec![
        None,
        Some(ReadNoise {
            sigma: g.iter().map(|x| 0.1 * x).collect(),
            uniform_sigma: None,
            dist: Dist::Normal,
            clip: Clip { lo: 0.0, hi: 1.0 },
            per_output: false,
        }),
        Some(ReadNoise {
            sigma: Vec::new(),
            uniform_sigma: Some(0.2),
            dist: Dist::Uniform,
            clip: Clip {
                lo: 0.0,
                hi: f64::INFINITY,
            },
            per_output: false,
        }),
    ];
    for noise in noises {
        let mut a = Array::new(rows, cols, xbar::internals::storage::Conductances::Double(g.clone()));
        a.id = 3;
        a.noise = noise;
        for op in [Op::Mvm, Op::Vmm] {
            let x = Batch::from_vec(a.inputs(op), count, values(a.inputs(op) * count, 2, -1.0, 1.0));
            let cpu = a.read(op, &x, &key).unwrap();
            let ideal = a.product(op, &x);
            if a.noise.is_some() {
                assert_ne!(cpu.data, ideal.data, "the noisy CPU read is not noisy");
            }
            for f64_ in [false, true] {
                let emu = emulate(&exe, &a, op, &x, &key, f64_);
                assert_eq!(emu.len(), cpu.data.len());
                // Tolerance per output, relative to Σ_j |x_j| (|G| ≤ 1 after the clip,
                // ≤ 1.1 without): f32 as tests/gpu_backend.rs (1e-5); f64 only differs
                // in the MVM's summation order across warp lanes (1e-12).
                let tol = if f64_ { 1e-12 } else { 1e-5 };
                for (k, (c, e)) in cpu.data.iter().zip(&emu).enumerate() {
                    let v = k / a.outputs(op);
                    let scale: f64 = x.vector(v).iter().map(|x| x.abs()).sum();
                    assert!(
                        (c - e).abs() <= tol * scale,
                        "{op:?} f64={f64_} noise={:?} output {k}: CPU {c}, kernel {e}",
                        a.noise.as_ref().map(|n| n.dist)
                    );
                }
            }
        }
    }
}
