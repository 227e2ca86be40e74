//! Static batched reads in a process whose address space is limited
//! (`RLIMIT_AS`, set by `ulimit -v` here). The x86 GEMM kernels reserve a
//! packing buffer of twice the last-level cache per thread, and a refused
//! reservation aborts the process, so such a process reads with faer 0.20's
//! GEMM instead (`src/product/gemm/x86.rs`). The test runs one read in a
//! child process under a 1 GiB limit: the child must exit normally with
//! outputs within single-precision rounding of this process's.
#![cfg(target_os = "linux")]

use std::process::Command;
use xbar::{Core, Layout, Params};

const N: usize = 512;
const BATCH: usize = 64;
/// Set in the child: run the read and print its outputs' sum.
const CHILD: &str = "XBAR_TEST_ADDRESS_LIMIT_CHILD";

/// The sum of a batched static read's outputs and the sum of their magnitudes.
fn read() -> (f64, f64) {
    let w: Vec<f64> = (0..N * N).map(|k| ((k * 7919 % 101) as f64 - 50.0) / 50.0).collect();
    let x: Vec<f64> = (0..N * BATCH).map(|k| ((k * 31 % 23) as f64 - 11.0) / 11.0).collect();
    let mut c = Core::new(&Params::default(), N, N, 3).expect("core");
    c.program(&w, Layout::RowMajor).expect("program");
    let mut y = vec![0.0; N * BATCH];
    c.mvm(&x, BATCH, &mut y).expect("mvm");
    (y.iter().sum(), y.iter().map(|v| v.abs()).sum())
}

/// The child's side of [`static_reads_run_in_a_limited_address_space`]
/// (does nothing in an ordinary test run).
#[test]
fn child_read() {
    if std::env::var_os(CHILD).is_some() {
        // On its own line: the test harness has not ended its own line yet.
        println!("\nsum {}", read().0);
    }
}

#[test]
fn static_reads_run_in_a_limited_address_space() {
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" child_read --exact --nocapture --test-threads 1")
        .arg(&exe)
        .env(CHILD, "1")
        .output()
        .expect("sh");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the read under a 1 GiB address-space limit failed ({}):\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let sum: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("sum "))
        .expect("the child printed its sum")
        .parse()
        .expect("a number");
    // Another GEMM kernel sums in another order: single-precision sums of 512
    // terms differ by at most ~512·2⁻²⁴ ≈ 3e-5 of the outputs' magnitudes.
    let (here, scale) = read();
    assert!(
        (sum - here).abs() <= 3e-5 * scale,
        "child {sum}, here {here}, scale {scale}"
    );
}
