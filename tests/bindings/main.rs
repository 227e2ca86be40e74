//! The cross-language reference case (issue 7): a 64 x 48 matrix programmed
//! from the "default" preset and one batched MVM. This test computes it
//! through the Rust API and compares it, bit for bit, with the committed
//! `tests/bindings/reference_64x48.txt`; the C, C++, Octave and Julia tests
//! compare their own results with the same file, so all five agree.
//! `XBAR_BLESS=1 cargo test --test bindings` rewrites the file instead.
//!
//! The inputs are small multiples of 1/8 (exact in binary floating point), so
//! every language builds bit-identical inputs from the same integer formula.

use std::fmt::Write as _;
use std::path::PathBuf;

use xbar::{Core, Layout, Params};

const ROWS: usize = 64;
const COLS: usize = 48;
const BATCH: usize = 4;
const SEED: u64 = 7;

/// `W[i][j] = ((7 i + 3 j) mod 17 - 8) / 8`.
fn weight(i: usize, j: usize) -> f64 {
    ((7 * i + 3 * j) % 17) as f64 / 8.0 - 1.0
}

/// `X[b][j] = ((5 b + 11 j) mod 13 - 6) / 8`.
fn input(b: usize, j: usize) -> f64 {
    ((5 * b + 11 * j) % 13) as f64 / 8.0 - 0.75
}

fn reference_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bindings/reference_64x48.txt")
}

/// Y (batch x rows, row-major) of the reference case through the Rust API.
fn compute() -> Vec<f64> {
    let p = Params::preset("default").expect("the default preset exists");
    let mut core = Core::new(&p, ROWS, COLS, SEED).expect("core");
    let w: Vec<f64> = (0..ROWS * COLS).map(|k| weight(k / COLS, k % COLS)).collect();
    core.program(&w, Layout::RowMajor).expect("program");
    let x: Vec<f64> = (0..BATCH * COLS).map(|k| input(k / COLS, k % COLS)).collect();
    let mut y = vec![0.0; BATCH * ROWS];
    core.mvm(&x, BATCH, &mut y).expect("mvm");
    y
}

fn render(y: &[f64]) -> String {
    let mut s = String::new();
    s.push_str("# xbar cross-language reference (tests/bindings/main.rs writes it; XBAR_BLESS=1 to rewrite)\n");
    s.push_str("# preset \"default\", 64 x 48 matrix, seed 7, one MVM with batch 4\n");
    s.push_str("# W[i][j] = ((7*i + 3*j) % 17) / 8 - 1      i < 64, j < 48, programmed row-major\n");
    s.push_str("# X[b][j] = ((5*b + 11*j) % 13) / 8 - 0.75  b < 4, j < 48 (batch x 48, row-major)\n");
    s.push_str("# Y = W X[b] for each b: 4 x 64 = 256 values, row-major, one per line:\n");
    s.push_str("# the IEEE-754 binary64 bits in hex, then the value (shortest round-trip decimal)\n");
    for v in y {
        writeln!(s, "{:016x} {}", v.to_bits(), v).unwrap();
    }
    s
}

fn parse(text: &str) -> Vec<u64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| u64::from_str_radix(l.split_whitespace().next().unwrap(), 16).expect("hex bits"))
        .collect()
}

#[test]
fn reference_case_matches_committed_numbers() {
    let y = compute();
    assert_eq!(y.len(), BATCH * ROWS);
    let path = reference_path();
    if std::env::var_os("XBAR_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, render(&y)).expect("reference file is writable");
    }
    let text = std::fs::read_to_string(&path).expect("tests/bindings/reference_64x48.txt exists");
    let want = parse(&text);
    assert_eq!(want.len(), y.len(), "reference file has {} values", want.len());
    let bad: Vec<usize> = (0..y.len()).filter(|&k| y[k].to_bits() != want[k]).collect();
    assert!(
        bad.is_empty(),
        "{} of {} values differ from the reference, first at {}: {:e} vs {:e}",
        bad.len(),
        y.len(),
        bad[0],
        y[bad[0]],
        f64::from_bits(want[bad[0]])
    );
}

#[test]
fn reference_case_is_close_to_the_exact_product() {
    // The "default" preset has ideal devices and periphery but computes in
    // single precision (CrossSim's default `output_dtype`): the simulated
    // product matches W x to float32 rounding, not to the last bit.
    let y = compute();
    for b in 0..BATCH {
        for i in 0..ROWS {
            let exact: f64 = (0..COLS).map(|j| weight(i, j) * input(b, j)).sum();
            let got = y[b * ROWS + i];
            assert!(
                (got - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                "y[{b}][{i}] = {got}, exact {exact}"
            );
        }
    }
}

#[test]
fn reference_case_is_not_trivial() {
    let y = compute();
    assert!(y.iter().any(|v| *v != 0.0 && v.fract() != 0.0));
    assert!(y.iter().any(|v| *v < 0.0) && y.iter().any(|v| *v > 0.0));
}
